// Command worker is nnlab on the edge: the lab's HTTP handler (package
// nnlab/server) compiled for Cloudflare Workers with github.com/syumai/workers
// (GOOS=js GOARCH=wasm). The site and the data go out as Workers static
// assets (`nnlab serve --export`, with a _headers file holding the server's
// headers), which the edge serves itself; the worker answers the rest with
// the same handler as the classroom server: /classroom.json and the QR code
// of the address the learner used, 404 and 405.
//
// Built natively it is a plain local server of a site folder, with the same
// handler and the classroom server's limits (go run ./worker --site dist).
//
// worker/build.sh builds it; wrangler.toml at the repository root deploys
// it (see docs/server.md, "On the edge").
package main

import (
	"io/fs"

	"nnlab/server"
)

// buildVersion is the version of the static assets the worker goes out
// with, set by worker/build.sh (-ldflags -X main.buildVersion=...).
var buildVersion string

// lab is the handler the worker serves: site is nil on the edge (the files
// are static assets), a folder when run natively.
func lab(site fs.FS) (*server.Lab, error) {
	v := buildVersion
	if site != nil {
		v = "" // the folder's own
	}
	return server.New(server.Options{Site: site, MaxFileSize: server.EdgeAssetLimit, Version: v})
}
