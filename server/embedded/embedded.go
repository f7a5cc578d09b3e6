// Package embedded holds the built site inside the nnlab binary. Its dist/
// folder is a build output: `./build.sh serve` copies the built site (dist/
// without its data, which `nnlab serve` prepares from the data folder) into
// it before compiling; git keeps only the placeholder .placeholder, so that
// the package builds before the site is built.
package embedded

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Site returns the embedded site and whether there is one (false while
// dist/ holds only the placeholder: run ./build.sh first).
func Site() (fs.FS, bool) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, false
	}
	if _, err := fs.Stat(sub, "index.html"); err != nil {
		return sub, false
	}
	return sub, true
}
