// Package server is the HTTP handler that serves the built lab: the site
// (index.html, nnlab.wasm, wasm_exec.js, the service worker, ...) and the
// lessons' data files under /data/. One handler, run two ways:
//
//   - the classroom server, `nnlab serve`: a native binary that embeds the
//     site (see package nnlab/server/embedded) and serves the data prepared
//     from the data folder (see package nnlab/server/lessondata), on
//     localhost or, for a room of learners, on the LAN (see [Classroom]),
//     behind timeouts and a cap on connections (see [Limits]);
//   - the edge, Cloudflare Workers (see nnlab/worker): the same handler
//     compiled to wasm answers what is not a static asset (/classroom.json,
//     the QR code, 404 and 405); the files themselves go out as Workers
//     static assets, written by [Lab.Export] with the same headers.
//
// # Contract
//
// Read-only: GET and HEAD; any other method is 405 with "Allow: GET, HEAD",
// and a GET or HEAD with a body is 400 (unread, the connection closed).
// Only the files indexed when the handler is made are served, so nothing
// outside the site and data folders can be reached; on top of that, request
// paths with "." or ".." segments (also percent-encoded), backslashes,
// encoded slashes, NULs, empty segments or a drive letter are refused with
// 400, and there are no directory listings (a folder is 404). Every response
// carries the security headers of [SecurityHeaders]; HTML pages also get a
// Content-Security-Policy that allows WebAssembly ('wasm-unsafe-eval') and
// each inline script of that page by its SHA-256 hash.
//
// Files are held in memory with a strong ETag (their SHA-256), served with
// range requests, and gzip-compressed when the client accepts it: a ".gz"
// file beside a file (as ./build.sh writes) is used when its CRC-32 and size
// match the file, otherwise compressible files are compressed when the
// handler is made. A range request always gets the identity encoding, so the
// byte offsets are those of the file. Names with a content hash
// (app.3f2a9c1d.js) or a ?v= query that matches the file's hash are
// cacheable forever; everything else is revalidated (Cache-Control: no-cache)
// and the service worker keeps the site usable offline.
//
// The build version is the SHA-256 of every served file's name and hash. It
// goes out as /version.json (with the list of files for the service worker
// to cache) and as the first line of /sw.js, so that browsers install the
// new service worker exactly when the server has a new build.
package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Options say what a handler serves.
type Options struct {
	// Site is the built site: index.html, nnlab.wasm, wasm_exec.js, sw.js,
	// ... with optional precompressed .gz siblings. Nil serves no files (the
	// edge, where the files are static assets).
	Site fs.FS
	// Data, if not nil, is served under /data/ instead of Site's data folder.
	Data fs.FS
	// DataFiles are served under /data/ too, by base name (the data
	// prepared in memory by package lessondata); they replace Site's data
	// folder like Data does.
	DataFiles map[string][]byte
	// Classroom, if not nil, gives the addresses learners type in, for
	// /classroom.json and the QR codes; nil derives the address from each
	// request's Host.
	Classroom *Classroom
	// MaxFileSize, if > 0, makes New fail for a larger file (the edge's
	// static assets must be under 25 MiB each).
	MaxFileSize int64
	// Version, if not "", is the build version instead of the one computed
	// from the files (the edge's worker has none: it is given the version
	// of the static assets it was built with).
	Version string
}

// Lab is the handler of the built lab; make one with [New] or [Dir].
type Lab struct {
	assets    map[string]*asset // by URL path, "/index.html"
	version   string
	manifest  []byte // /version.json
	classroom *Classroom
}

// EdgeAssetLimit is the largest file that Workers static assets accept
// (25 MiB), less one byte.
const EdgeAssetLimit = 25<<20 - 1

// New indexes the files of o.Site and o.Data and returns the handler.
func New(o Options) (*Lab, error) {
	h := &Lab{assets: map[string]*asset{}, classroom: o.Classroom}
	if o.Site != nil {
		skip := ""
		if o.Data != nil || o.DataFiles != nil {
			skip = "data"
		}
		if err := h.addTree(o.Site, "/", skip); err != nil {
			return nil, err
		}
	}
	if o.Data != nil {
		if err := h.addTree(o.Data, "/data/", ""); err != nil {
			return nil, err
		}
	}
	if err := h.addFiles(o.DataFiles, "/data/"); err != nil {
		return nil, err
	}
	if o.MaxFileSize > 0 {
		for _, a := range h.assets {
			if int64(len(a.body)) > o.MaxFileSize {
				return nil, fmt.Errorf("server: %s is %d bytes, over the limit of %d", a.name, len(a.body), o.MaxFileSize)
			}
		}
	}
	h.finish(o.Version)
	return h, nil
}

// Dir returns the handler for a built site folder (./build.sh's dist/, whose
// data/ folder is served under /data/). An unreadable folder gives an error.
func Dir(dir string) (*Lab, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("server: the site folder: %w", err)
	}
	return New(Options{Site: os.DirFS(dir)})
}

// Handler serves the built site in dir (./build.sh's dist/, data under
// /data/). The folder is read once, now; if it cannot be read, every request
// gets 503 with the reason.
func Handler(dir string) http.Handler {
	h, err := Dir(dir)
	if err != nil {
		msg := err.Error() + " (run ./build.sh first)\n"
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			SecurityHeaders(w.Header())
			http.Error(w, msg, http.StatusServiceUnavailable)
		})
	}
	return h
}

// Version is the build version: a hex SHA-256 of the served files.
func (h *Lab) Version() string { return h.version }

// HasPage reports whether the handler serves a page at "/" (false for the
// placeholder of an unbuilt site, or the edge handler).
func (h *Lab) HasPage() bool { return h.assets["/index.html"] != nil }

// Files lists the URL paths of the served files, sorted.
func (h *Lab) Files() []string {
	names := make([]string, 0, len(h.assets))
	for n := range h.assets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CSP returns the Content-Security-Policy sent with the file at the URL
// path name.
func (h *Lab) CSP(name string) string {
	if a := h.assets[name]; a != nil && a.csp != "" {
		return a.csp
	}
	return defaultCSP
}

// Notes are warnings about the site, e.g. inline code in a page that its
// Content-Security-Policy blocks.
func (h *Lab) Notes() []string {
	var notes []string
	for _, n := range h.Files() {
		for _, note := range h.assets[n].notes {
			notes = append(notes, strings.TrimPrefix(n, "/")+": "+note)
		}
	}
	return notes
}

// Size returns the total size of the served files and of their gzip copies.
func (h *Lab) Size() (identity, gzipped int64) {
	for _, a := range h.assets {
		identity += int64(len(a.body))
		gzipped += int64(len(a.gz))
	}
	return
}

// Dynamic endpoints. They are answered by the handler on the edge too.
const (
	pathVersion     = "/version.json"
	pathClassroom   = "/classroom.json"
	pathQRSVG       = "/qr.svg"
	pathQRPNG       = "/qr.png"
	pathSW          = "/sw.js"
	pathTrainWorker = "/train-worker.js"
)

// ServeHTTP implements http.Handler.
func (h *Lab) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	SecurityHeaders(hdr)
	hdr.Set("Content-Security-Policy", defaultCSP)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		if r.ContentLength != 0 {
			dropBody(w)
		}
		httpError(w, "405 method not allowed: this server is read-only (GET and HEAD)", http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength != 0 {
		// A GET or HEAD carries no body (RFC 9110, section 9.3.1).
		dropBody(w)
		httpError(w, "400 bad request: a GET or HEAD request has no body (send the request without one)", http.StatusBadRequest)
		return
	}
	p, ok := CleanPath(r)
	if !ok {
		httpError(w, "400 bad request: bad path", http.StatusBadRequest)
		return
	}
	switch p {
	case pathVersion:
		hdr.Set("Content-Type", "application/json")
		hdr.Set("Cache-Control", "no-cache")
		serveBytes(w, r, h.manifest, etagOf(h.manifest))
		return
	case pathClassroom:
		h.serveClassroom(w, r)
		return
	case pathQRSVG, pathQRPNG:
		h.serveQR(w, r, p == pathQRPNG)
		return
	}
	if strings.HasSuffix(p, "/") {
		if p != "/" {
			httpError(w, "404 page not found", http.StatusNotFound)
			return
		}
		p = "/index.html"
	}
	a := h.assets[p]
	if a == nil {
		httpError(w, "404 page not found", http.StatusNotFound)
		return
	}
	h.serveAsset(w, r, a)
}

// bodyGrace is how long the server still reads (and drops) a refused
// request body after its answer, as net/http's own pause before it closes
// a connection with unread input: a close with unread bytes resets the
// connection, and a reset can drop the answer before the client reads it.
const bodyGrace = 500 * time.Millisecond

// dropBody makes the answer to a request with a body (a length, or
// chunks), which the handler never reads, close the connection. Before
// closing, net/http would read up to 256 KiB of the body, as slowly as the
// client sends it: a body trickled in a byte at a time would hold the
// connection for hours. The read deadline ends that after bodyGrace (where
// there is one to set: not on the edge).
func dropBody(w http.ResponseWriter) {
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyGrace))
	w.Header().Set("Connection", "close")
}

// httpError answers with a plain-text error that is never cached.
func httpError(w http.ResponseWriter, msg string, code int) {
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, code)
}

func (h *Lab) serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.ctype)
	if a.csp != "" {
		hdr.Set("Content-Security-Policy", a.csp)
	}
	if cacheForever(a, r) {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	body, etag := a.body, a.etag
	if a.gz != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if r.Header.Get("Range") == "" && acceptsGzip(r.Header.Get("Accept-Encoding")) {
			hdr.Set("Content-Encoding", "gzip")
			// ServeContent leaves out the length of an encoded body; the
			// whole gzip copy is sent (no range), so it is known, unless an
			// If-Match fails (412, no body).
			if r.Header.Get("If-Match") == "" {
				hdr.Set("Content-Length", strconv.Itoa(len(a.gz)))
			}
			body, etag = a.gz, a.etagGz
		}
	}
	serveBytes(w, r, body, etag)
}

// cacheForever reports whether a response can be cached for good: a
// content-hashed name, or a ?v= query holding at least 8 hex digits of the
// file's hash (a reference that changes when the file does).
func cacheForever(a *asset, r *http.Request) bool {
	v := r.URL.Query().Get("v")
	return a.immutable || (len(v) >= 8 && strings.HasPrefix(a.hash, v))
}

// serveBytes answers with b: conditional requests against etag, ranges,
// HEAD. Content-Type must be set.
func serveBytes(w http.ResponseWriter, r *http.Request, b []byte, etag string) {
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip (RFC 9110
// section 12.5.3: "gzip" or "*", without q=0).
func acceptsGzip(ae string) bool {
	ok := false
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if name == "*" {
			ok = ok || q > 0
			continue
		}
		return q > 0
	}
	return ok
}

// versionManifest is /version.json: what the service worker caches.
type versionManifest struct {
	Version string `json:"version"`
	// Site are the files to cache when the service worker installs,
	// relative to the site root ("./" is the page).
	Site []string `json:"site"`
	// Files maps each file of Site to its ETag (the first 32 hex digits of
	// its SHA-256, quoted): the service worker checks what it fetches
	// against it, so that one build's cache never holds another build's
	// file, and copies unchanged files from the previous build's cache.
	Files map[string]string `json:"files"`
	// Data maps each data file (relative) to its ETag; the service worker
	// caches a data file when the page first fetches it and drops it when
	// its ETag changes.
	Data map[string]string `json:"data"`
	// Install are the data files cached with the site when the service
	// worker installs (see installData).
	Install []string `json:"install"`
}

// installData are the lessons' small data files, which the service worker
// caches when it installs, so that a lesson opened once starts offline even
// though its first visit fetched the data before the worker ran. A new
// lesson's table is one more line; names the site does not serve are left
// out. CIFAR-10 is not here: it is cached as the page fetches it.
var installData = []string{
	"data/weather_prediction_dataset_light.csv",
	"data/penguins.csv",
}

// finish computes the version, the versioned sw.js and /version.json.
func (h *Lab) finish(version string) {
	h.version = version
	if version == "" {
		h.version = versionOf(h.assets)
	}
	m := versionManifest{Version: h.version, Site: []string{}, Files: map[string]string{}, Data: map[string]string{}, Install: []string{}}
	for _, n := range h.Files() {
		a := h.assets[n]
		rel := strings.TrimPrefix(n, "/")
		switch {
		case strings.HasPrefix(n, "/data/"):
			m.Data[rel] = a.etag
		case n == pathSW:
		case n == "/index.html":
			m.Site = append(m.Site, "./")
			m.Files["./"] = a.etag
		default:
			m.Site = append(m.Site, rel)
			m.Files[rel] = a.etag
		}
	}
	for _, rel := range installData {
		if m.Data[rel] != "" {
			m.Install = append(m.Install, rel)
		}
	}
	h.manifest, _ = json.MarshalIndent(m, "", " ")
	if sw := h.assets[pathSW]; sw != nil {
		// The first line names the build, so the script's bytes change
		// exactly when the build does (browsers compare them to update).
		body := append([]byte(fmt.Sprintf("self.NNLAB_VERSION = %q;\n", h.version)), sw.body...)
		h.assets[pathSW] = newAsset(pathSW, body, nil)
	}
}

// Export writes the served files, as the edge's static assets, to dir: each
// file as it is served (sw.js with its version line, /version.json), without
// gzip copies (the edge compresses), plus a _headers file with the headers
// this handler sets and an .assetsignore. dir is created; files in it are
// replaced.
func (h *Lab) Export(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, b []byte) error {
		p := dir + "/" + strings.TrimPrefix(name, "/")
		if err := os.MkdirAll(path.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, b, 0o644)
	}
	for _, n := range h.Files() {
		a := h.assets[n]
		if len(a.body) > EdgeAssetLimit {
			return fmt.Errorf("server: %s is %d bytes: Workers static assets must be under 25 MiB", n, len(a.body))
		}
		if err := write(n, a.body); err != nil {
			return err
		}
	}
	if err := write(pathVersion, h.manifest); err != nil {
		return err
	}
	if err := write("/_headers", h.headersFile()); err != nil {
		return err
	}
	// _headers is read by the edge, not served; nothing else to leave out.
	return write("/.assetsignore", []byte("*.gz\n"))
}

// headersFile is the _headers file of the edge's static assets: the
// security headers for every path, a CSP for each page and for sw.js, and
// the cache policy of content-hashed names (the edge's default for the
// others is to revalidate; it sends ETags and answers ranges itself).
func (h *Lab) headersFile() []byte {
	var b bytes.Buffer
	b.WriteString("# Written by nnlab's server.Export: the headers of the classroom server.\n/*\n")
	hdr := http.Header{}
	SecurityHeaders(hdr)
	keys := make([]string, 0, len(hdr))
	for k := range hdr {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %s\n", k, hdr.Get(k))
	}
	for _, n := range h.Files() {
		a := h.assets[n]
		if a.csp == "" && !a.immutable {
			continue
		}
		// The edge serves a page at its name without .html too, and
		// x/index.html at x/ (Workers' html_handling "auto-trailing-slash").
		rules := []string{n}
		if strings.HasSuffix(n, "/index.html") {
			rules = append(rules, strings.TrimSuffix(n, "index.html"))
		} else if strings.HasSuffix(n, ".html") {
			rules = append(rules, strings.TrimSuffix(n, ".html"))
		}
		for _, rule := range rules {
			fmt.Fprintf(&b, "%s\n", rule)
			if a.csp != "" {
				fmt.Fprintf(&b, "  Content-Security-Policy: %s\n", a.csp)
			}
			if a.immutable {
				b.WriteString("  Cache-Control: public, max-age=31536000, immutable\n")
			}
		}
	}
	return b.Bytes()
}

// writeJSON answers with v as JSON, not cached.
func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		httpError(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	serveBytes(w, r, b, etagOf(b))
}
