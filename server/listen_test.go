package server

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The slow and hostile clients of these tests run on loopback, each bounded
// in count and time. The server's timeouts are short; the tests wait on what
// the server does (an answer, a closed connection), and give up only after
// a bound far above the timeouts, so they pass on a slow machine and fail
// (at the bound) where the server holds a connection it should not.

// bound is how long a test waits for what should happen within a timeout
// of at most a second.
const bound = 30 * time.Second

// limitedServer is a server started with NewHTTPServer and LimitListener on
// 127.0.0.1, which follows its connections' states.
type limitedServer struct {
	addr string
	srv  *http.Server

	mu      sync.Mutex
	live    int             // connections LimitListener has handed out and not yet closed
	maxLive int             // most at once
	closed  map[string]bool // by client address
	changed chan struct{}   // closed and replaced on every close
}

// smallBuffers makes the kernel buffer little of a response (64 KiB each
// side instead of up to 4 MiB), so that the server's writes wait for the
// client as they would for a slow network, and the test files stay small.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(64 << 10)
	}
	return c, err
}

func startLimited(t *testing.T, h http.Handler, l Limits) *limitedServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if l != DefaultLimits {
		ln = smallBuffers{ln} // the short limits of the slow-client tests
	}
	s := &limitedServer{addr: ln.Addr().String(), srv: NewHTTPServer(h, l), closed: map[string]bool{}, changed: make(chan struct{})}
	s.srv.ConnState = func(c net.Conn, st http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch st {
		case http.StateClosed, http.StateHijacked:
			s.closed[c.RemoteAddr().String()] = true
			close(s.changed)
			s.changed = make(chan struct{})
		}
	}
	go s.srv.Serve(countingListener{LimitListener(ln, l), s})
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// waitClosed reports whether the server closes the connection from client
// (a local address) within bound.
func (s *limitedServer) waitClosed(client string) bool {
	timeout := time.After(bound)
	for {
		s.mu.Lock()
		done, changed := s.closed[client], s.changed
		s.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-changed:
		case <-timeout:
			return false
		}
	}
}

// countingListener counts the connections its Listener hands out until
// they start closing: a connection leaves the count before its socket and
// slot are released, so that the count never runs ahead of the listener's
// own (http.Server's StateClosed comes after the slot is free, when the
// next connection may already be accepted).
type countingListener struct {
	net.Listener
	s *limitedServer
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.mu.Lock()
	l.s.live++
	l.s.maxLive = max(l.s.maxLive, l.s.live)
	l.s.mu.Unlock()
	return &countedConn{Conn: c, s: l.s}, nil
}

type countedConn struct {
	net.Conn
	s    *limitedServer
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		c.s.live--
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

// CloseWrite passes net/http's half-close on to the limited connection.
func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (s *limitedServer) maxConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxLive
}

func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, bound)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	tc := c.(*net.TCPConn)
	tc.SetReadBuffer(64 << 10)
	return tc
}

// bigSite is a lab with a 4 MiB file, /data/big.png (an image: served as
// it is, never gzipped).
func bigSite(t *testing.T) (*Lab, []byte) {
	t.Helper()
	big := make([]byte, 4<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	h, err := New(Options{DataFiles: map[string][]byte{"big.png": big}})
	if err != nil {
		t.Fatal(err)
	}
	return h, big
}

// trickle sends the headers of a request with method m that announce a
// body (te: a Content-Length or chunks), then the body a byte every 0.5 s
// (40 bytes at most, 20 s). It returns what the server answers (a
// response, or the error of a closed connection), and fails the test if
// the server neither answers nor closes the connection within bound.
func trickle(t *testing.T, s *limitedServer, m, te string) (*http.Response, error) {
	t.Helper()
	c := dial(t, s.addr)
	if _, err := fmt.Fprintf(c, "%s /nnlab.wasm HTTP/1.1\r\nHost: %s\r\n%s\r\n\r\n", m, s.addr, te); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for range 40 {
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	c.SetReadDeadline(time.Now().Add(bound))
	req, _ := http.NewRequest(m, "/", nil)
	res, err := http.ReadResponse(bufio.NewReader(c), req)
	if err == nil {
		_, err = io.ReadAll(res.Body)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("%s with %s trickling in: no answer in %v", m, te, bound)
	}
	if !s.waitClosed(c.LocalAddr().String()) {
		t.Fatalf("%s with %s trickling in: the server still holds the connection after %v", m, te, bound)
	}
	return res, err
}

// TestTricklingBody: a GET or HEAD that announces a body (Content-Length:
// 100000, or chunks) and sends it a byte every 0.5 s is answered at once by
// the lab (400, the connection closed; a POST 405; net/http alone would drain the body first,
// at that pace for 14 hours); and behind any handler, the server's read
// timeout ends it.
func TestTricklingBody(t *testing.T) {
	t.Parallel()
	lab := newLab(t, fixture(t))
	noReadTimeout := Limits{ReadHeaderTimeout: time.Second, WriteTimeout: time.Second}
	s := startLimited(t, lab, noReadTimeout)
	for _, te := range []string{"Content-Length: 100000", "Transfer-Encoding: chunked"} {
		for m, code := range map[string]int{"GET": 400, "HEAD": 400, "POST": 405} {
			res, err := trickle(t, s, m, te)
			if err != nil {
				t.Errorf("%s with %s: %v, want a %d answer", m, te, err, code)
				continue
			}
			if res.StatusCode != code || !res.Close {
				t.Errorf("%s with %s: %s (close %v), want %d and the connection closed", m, te, res.Status, res.Close, code)
			}
		}
	}

	// A handler that ignores the body: the read timeout (1 s) ends the
	// body; the client gets an answer or a closed connection.
	ignore := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	s2 := startLimited(t, ignore, Limits{ReadHeaderTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
	res, err := trickle(t, s2, "GET", "Content-Length: 100000")
	if err == nil {
		t.Logf("behind a handler that ignores the body: %s, close %v", res.Status, res.Close)
	} else {
		t.Logf("behind a handler that ignores the body: %v", err)
	}
}

// TestBodyRefused: the handler answers a GET or HEAD with a body 400
// without reading it; without one (or with Content-Length: 0) as usual.
func TestBodyRefused(t *testing.T) {
	h := newLab(t, fixture(t))
	for _, m := range []string{"GET", "HEAD"} {
		r := httptest.NewRequest(m, "/nnlab.wasm", strings.NewReader("x=1"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 400 || w.Header().Get("Connection") != "close" {
			t.Errorf("%s with a body: %d, Connection %q; want 400 and close", m, w.Code, w.Header().Get("Connection"))
		}
		if res := get(t, h, m, "/nnlab.wasm", "Content-Length: 0"); res.StatusCode != 200 {
			t.Errorf("%s with Content-Length: 0: %s", m, res.Status)
		}
	}
}

// TestStalledReaderIsDropped: a client that asks for a large file and
// stops reading is cut off after the write timeout.
func TestStalledReaderIsDropped(t *testing.T) {
	t.Parallel()
	h, big := bigSite(t)
	s := startLimited(t, h, Limits{ReadHeaderTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: 500 * time.Millisecond, IdleTimeout: time.Second})
	c := dial(t, s.addr)
	fmt.Fprintf(c, "GET /data/big.png HTTP/1.1\r\nHost: %s\r\n\r\n", s.addr)
	c.SetReadDeadline(time.Now().Add(bound))
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /data/big.png: %v %v", res, err)
	}
	// Stop reading, until the server gives up.
	if !s.waitClosed(c.LocalAddr().String()) {
		t.Fatalf("the server still holds, after %v, a connection whose client stopped reading (write timeout 500 ms)", bound)
	}
	n, err := io.Copy(io.Discard, res.Body)
	if err == nil || n >= int64(len(big)) {
		t.Errorf("the stalled client got %d of %d bytes (%v): want the response cut short", n, len(big), err)
	}
}

// TestSlowReaderCompletes: a client that reads a large file slowly but
// steadily (16 KiB every 10 ms: 4 MiB in at least 2.6 s, longer than the
// 1 s write timeout) gets all of it, exact.
func TestSlowReaderCompletes(t *testing.T) {
	t.Parallel()
	h, big := bigSite(t)
	const wt = time.Second
	s := startLimited(t, h, Limits{ReadHeaderTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: wt, IdleTimeout: time.Second})
	c := dial(t, s.addr)
	fmt.Fprintf(c, "GET /data/big.png HTTP/1.1\r\nHost: %s\r\n\r\n", s.addr)
	br := bufio.NewReaderSize(c, 16<<10)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /data/big.png: %v %v", res, err)
	}
	t0 := time.Now()
	var got []byte
	buf := make([]byte, 16<<10)
	for len(got) < len(big) && time.Since(t0) < 4*bound {
		time.Sleep(10 * time.Millisecond)
		c.SetReadDeadline(time.Now().Add(bound))
		n, err := res.Body.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	el := time.Since(t0)
	if string(got) != string(big) {
		t.Fatalf("the slow reader got %d of %d bytes in %v (write timeout %v): want all of them", len(got), len(big), el.Round(time.Millisecond), wt)
	}
	t.Logf("4 MiB read slowly in %v, write timeout %v", el.Round(time.Millisecond), wt)
}

// TestConnectionLimit: a client opens 40 connections to a server capped at
// 8, and sends nothing on them: the server never holds more than 8 (the
// others wait in the kernel's queue, without a file descriptor of the
// server), closes each after the header timeout, and answers a normal
// request afterwards.
func TestConnectionLimit(t *testing.T) {
	t.Parallel()
	const limit, hostile = 8, 40
	s := startLimited(t, newLab(t, fixture(t)), Limits{MaxConns: limit, ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: time.Second, IdleTimeout: time.Second})
	conns := make([]*net.TCPConn, hostile)
	for i := range conns {
		conns[i] = dial(t, s.addr)
	}
	// Every hostile connection ends: the server closed it after the
	// header timeout (EOF or a reset, not our read deadline).
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(bound))
		_, err := io.Copy(io.Discard, c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("connection %d of %d still open after %v (header timeout 300 ms)", i+1, hostile, bound)
		}
	}
	cl := &http.Client{Timeout: bound}
	res, err := cl.Get("http://" + s.addr + "/nnlab.wasm")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	cl.CloseIdleConnections()
	if res.StatusCode != 200 {
		t.Errorf("GET after the flood: %s", res.Status)
	}
	if n := s.maxConns(); n > limit {
		t.Errorf("the server held %d connections at once, over the limit of %d", n, limit)
	}
}

// TestConnectionLimitPerClient: a client that opens 20 connections to a
// server that allows 16 in all and 4 per client gets the others closed at
// once, while its 4 stay open (the header timeout is a minute), and another
// client (127.0.0.2, also loopback) is answered meanwhile (without the
// limit per client, it would wait for the hostile connections' minute).
func TestConnectionLimitPerClient(t *testing.T) {
	t.Parallel()
	const perClient, hostile = 4, 20
	s := startLimited(t, newLab(t, fixture(t)), Limits{MaxConns: 16, MaxConnsPerClient: perClient, ReadHeaderTimeout: time.Minute, ReadTimeout: time.Minute, WriteTimeout: time.Second, IdleTimeout: time.Minute})
	var closed atomic.Int64
	var wg sync.WaitGroup
	for range hostile {
		c := dial(t, s.addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A closed connection reads EOF (or a reset) at once; one the
			// server holds blocks until the test ends it.
			c.SetReadDeadline(time.Now().Add(bound))
			var b [1]byte
			if _, err := c.Read(b[:]); err != nil {
				if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
					closed.Add(1)
				}
			}
		}()
	}
	other := &http.Client{Timeout: bound, Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	res, err := other.Get("http://" + s.addr + "/nnlab.wasm")
	if err != nil {
		t.Fatalf("another client, while one holds its %d connections: %v", perClient, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	other.CloseIdleConnections()
	if res.StatusCode != 200 {
		t.Errorf("another client: %s", res.Status)
	}
	// The excess connections were closed; the 4 admitted are still open.
	deadline := time.Now().Add(bound)
	for closed.Load() < hostile-perClient && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := closed.Load(); n != hostile-perClient {
		t.Errorf("%d of the client's %d connections were closed, want %d (all over %d)", n, hostile, hostile-perClient, perClient)
	}
	if n := s.maxConns(); n > perClient+1 {
		t.Errorf("the server held %d connections at once, want at most %d", n, perClient+1)
	}
	s.srv.Close()
	wg.Wait()
}
