//go:build !(js && wasm)

package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"

	"nnlab/server"
)

// main, natively, serves a built site folder on a local address: the same
// handler as on the edge, with the files served from the folder instead of
// the edge's static assets.
func main() {
	site := flag.String("site", "dist", "the built site folder")
	addr := flag.String("addr", "127.0.0.1:9900", "address to listen on")
	flag.Parse()
	h, err := lab(os.DirFS(*site))
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
	fmt.Printf("worker (native): serving %s at http://%s/\n", *site, ln.Addr())
	if err := serve(ln, h, server.DefaultLimits); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

// serve serves h on ln with the classroom server's limits (timeouts, a cap
// on connections, per client too): --addr can open this server to a room's
// network, where a device that trickles requests or opens connections by
// the thousand must not hold it, as `nnlab serve` is not held.
func serve(ln net.Listener, h http.Handler, lim server.Limits) error {
	return server.NewHTTPServer(h, lim).Serve(server.LimitListener(ln, lim))
}
