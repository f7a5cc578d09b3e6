// Package server is the HTTP handler that serves the built lab (site and
// data) — used by `nnlab serve` and by the end-to-end tests.
package server

import (
	"net/http"
	"path"
)

// Handler serves the built site in dir. .wasm goes out as application/wasm.
func Handler(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path.Ext(r.URL.Path) == ".wasm" {
			w.Header().Set("Content-Type", "application/wasm")
		}
		files.ServeHTTP(w, r)
	})
}
