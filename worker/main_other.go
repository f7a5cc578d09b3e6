//go:build !(js && wasm)

package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"
)

// Natively, the worker is a plain local server of a built site folder:
// the same handler, with the files served from the folder instead of the
// edge's static assets.
func main() {
	site := flag.String("site", "dist", "the built site folder")
	addr := flag.String("addr", "127.0.0.1:9900", "address to listen on")
	flag.Parse()
	h, err := lab(os.DirFS(*site))
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
	fmt.Printf("worker (native): serving %s at http://%s/\n", *site, *addr)
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}
