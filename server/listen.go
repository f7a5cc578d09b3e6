package server

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Limits bound what one client can hold of the classroom server: its
// connections and the time it may take to send a request or to read a
// response. A learner's browser needs little of either (a handful of
// connections, requests without a body); a broken or hostile device on the
// room's network must not be able to take the server's file descriptors or
// hold its connections forever. Zero fields are no limit.
type Limits struct {
	// MaxConns is the most connections served at once. Beyond it the
	// listener stops accepting: new connections wait in the kernel's
	// queue, holding no file descriptor of the server, until one closes.
	MaxConns int
	// MaxConnsPerClient is the most connections from one client address
	// (an IPv4 address, or an IPv6 /64, which one device can fill with
	// addresses of its own); more are closed as soon as they are accepted,
	// so that one device cannot take the room's share of MaxConns.
	MaxConnsPerClient int
	// ReadHeaderTimeout is the time to send a request's headers;
	// ReadTimeout the time to send a whole request.
	ReadHeaderTimeout, ReadTimeout time.Duration
	// WriteTimeout is the time the client has to take each chunk of a
	// response (writeChunk bytes): the deadline moves on with every chunk,
	// so a slow but live download of the 5 MB wasm completes however long
	// it takes, while a client that stops reading is cut off after
	// WriteTimeout.
	WriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection waits for its next
	// request.
	IdleTimeout time.Duration
}

// DefaultLimits are the classroom server's: a room of 30 to 60 learners,
// each browser with up to 6 connections to the server (Chrome's and
// Firefox's limit per host for HTTP/1.1) and a few more while pages and
// the service worker overlap, on a Wi-Fi network that may be slow.
var DefaultLimits = Limits{
	MaxConns:          512,
	MaxConnsPerClient: 64,
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       20 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       60 * time.Second,
}

// writeChunk is the most bytes written under one write deadline: a client
// must take at least this much every WriteTimeout (about 1 KiB/s with the
// default 30 s) to keep its download going.
const writeChunk = 32 << 10

// NewHTTPServer returns an http.Server for h with the read and idle
// timeouts of l. The write timeout is the listener's: serve it on
// [LimitListener](ln, l).
func NewHTTPServer(h http.Handler, l Limits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		// No WriteTimeout: http.Server's is one deadline for a whole
		// response, which cuts off a slow download of a large file. The
		// connections of LimitListener move their deadline per chunk.
	}
}

// LimitListener returns ln with l's connection limits, whose connections
// have l's per-chunk write deadline. Closing it unblocks a waiting Accept.
func LimitListener(ln net.Listener, l Limits) net.Listener {
	ll := &limitListener{Listener: ln, l: l, done: make(chan struct{}), perClient: map[netip.Prefix]int{}}
	if l.MaxConns > 0 {
		ll.slots = make(chan struct{}, l.MaxConns)
	}
	return ll
}

type limitListener struct {
	net.Listener
	l         Limits
	slots     chan struct{} // one token per open connection; nil: no cap
	done      chan struct{} // closed by Close
	closeOnce sync.Once

	mu        sync.Mutex
	perClient map[netip.Prefix]int // open connections by client
}

func (ln *limitListener) Accept() (net.Conn, error) {
	for {
		if ln.slots != nil {
			select {
			case ln.slots <- struct{}{}:
			case <-ln.done:
				return nil, net.ErrClosed
			}
		}
		c, err := ln.Listener.Accept()
		if err != nil {
			ln.release()
			return nil, err
		}
		client, ok := clientOf(c.RemoteAddr())
		if ok && !ln.admit(client) {
			c.Close()
			ln.release()
			continue
		}
		return &limitConn{Conn: c, ln: ln, client: client, counted: ok}, nil
	}
}

func (ln *limitListener) Close() error {
	ln.closeOnce.Do(func() { close(ln.done) })
	return ln.Listener.Close()
}

// release frees a connection's slot.
func (ln *limitListener) release() {
	if ln.slots != nil {
		<-ln.slots
	}
}

// admit counts a connection of client, or reports false if the client has
// MaxConnsPerClient already.
func (ln *limitListener) admit(client netip.Prefix) bool {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if n := ln.perClient[client]; ln.l.MaxConnsPerClient > 0 && n >= ln.l.MaxConnsPerClient {
		return false
	}
	ln.perClient[client]++
	return true
}

func (ln *limitListener) leave(client netip.Prefix) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.perClient[client]--; ln.perClient[client] <= 0 {
		delete(ln.perClient, client)
	}
}

// clientOf is the client a remote address counts as: its IPv4 address, or
// its IPv6 /64; false for an address that is not IP (no per-client limit).
func clientOf(a net.Addr) (netip.Prefix, bool) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.Prefix{}, false
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ip = ip.Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, err := ip.Prefix(bits)
	return p, err == nil
}

// limitConn is an accepted connection: it gives back its slot when closed
// and sets a write deadline for each chunk it writes.
type limitConn struct {
	net.Conn
	ln        *limitListener
	client    netip.Prefix
	counted   bool
	closeOnce sync.Once
}

func (c *limitConn) Write(p []byte) (int, error) {
	d := c.ln.l.WriteTimeout
	if d <= 0 {
		return c.Conn.Write(p)
	}
	n := 0
	for len(p) > 0 {
		k := min(len(p), writeChunk)
		if err := c.Conn.SetWriteDeadline(time.Now().Add(d)); err != nil {
			return n, err
		}
		m, err := c.Conn.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		if c.counted {
			c.ln.leave(c.client)
		}
		c.ln.release()
	})
	return err
}

// CloseWrite half-closes a TCP connection: net/http does so before it
// closes a connection whose request it did not read to the end (a refused
// body), so that the client gets the response before the reset.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
