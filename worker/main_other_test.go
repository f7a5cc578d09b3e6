//go:build !(js && wasm)

package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"nnlab/server"
)

// The native worker serves with the classroom server's limits: a client
// over its share of connections is closed as soon as it is accepted, and
// one that sends no request is closed after ReadHeaderTimeout. Each waits
// on the server closing the connection; the deadline only stops a test
// whose server would hold the connection forever.
func TestNativeServeLimits(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	start := func(lim server.Limits) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go serve(ln, ok, lim)
		return ln.Addr().String()
	}
	dial := func(addr string) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(time.Minute))
		return c
	}
	closed := func(what string, c net.Conn) {
		t.Helper()
		_, err := c.Read(make([]byte, 1))
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%s: the server held the connection for a minute", what)
		} else if err == nil {
			t.Errorf("%s: the server answered", what)
		}
	}

	addr := start(server.Limits{MaxConnsPerClient: 1})
	first := dial(addr)
	// An answered request: the first connection is accepted and open.
	if _, err := io.WriteString(first, "GET / HTTP/1.1\r\nHost: lab\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(first), nil)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("the first connection: %v %v", res, err)
	}
	res.Body.Close()
	closed("a second connection with MaxConnsPerClient 1", dial(addr))

	closed("a connection that sends nothing, ReadHeaderTimeout 50ms", dial(start(server.Limits{ReadHeaderTimeout: 50 * time.Millisecond})))
}
