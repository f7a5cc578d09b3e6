package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io/fs"
	"mime"
	"path"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// asset is one served file, held in memory.
type asset struct {
	name      string // URL path, "/nnlab.wasm"
	ctype     string
	body      []byte
	gz        []byte // gzip of body, nil if none
	hash      string // hex SHA-256 of body
	etag      string // strong ETag of body
	etagGz    string // strong ETag of gz
	csp       string // Content-Security-Policy of a page or worker script; "" = the default
	immutable bool   // a content-hashed name: cacheable forever
	notes     []string
}

// contentTypes are the types of the site's files, fixed here rather than
// taken from the system's mime.types, which differs between machines
// (.js as application/javascript, no .wasm, ...).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".wasm":        "application/wasm",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".csv":         "text/csv; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8",
	".wgsl":        "text/plain; charset=utf-8",
	".bin":         "application/octet-stream",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// compressible reports whether a type is worth gzipping (images and fonts
// are compressed already).
func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "application/") || ctype == "image/svg+xml"
}

// hashedName matches names with a content hash, e.g. app.3f2a9c1d.js.
var hashedName = regexp.MustCompile(`\.[0-9a-f]{8,}\.[A-Za-z0-9]+$`)

func newAsset(name string, body, gz []byte) *asset {
	sum := sha256.Sum256(body)
	a := &asset{name: name, ctype: contentType(name), body: body, gz: gz, hash: hex.EncodeToString(sum[:])}
	a.etag = `"` + a.hash[:32] + `"`
	a.etagGz = `"` + a.hash[:32] + `-gz"`
	a.immutable = hashedName.MatchString(path.Base(name))
	switch {
	case strings.HasPrefix(a.ctype, "text/html"):
		a.csp, a.notes = pageCSP(body)
	case name == pathSW:
		a.csp = workerCSP
	case name == pathTrainWorker:
		a.csp = trainWorkerCSP
	}
	return a
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// addTree indexes the regular files of fsys under the URL prefix, skipping
// hidden names, symbolic links and the top-level folder skip. A file's
// ".gz" sibling is used as its gzip copy when it matches (see gzipMatches);
// compressible files without one are compressed now, in parallel.
func (h *Lab) addTree(fsys fs.FS, prefix, skip string) error {
	var todo []*asset
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("server: reading the site: %w", err)
		}
		if p == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") || (d.IsDir() && p == skip) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // folders are walked; links and devices are never served
		}
		if strings.HasSuffix(p, ".gz") {
			if st, err := fs.Stat(fsys, strings.TrimSuffix(p, ".gz")); err == nil && st.Mode().IsRegular() {
				return nil // the gzip copy of a file, read with it
			}
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("server: reading the site: %w", err)
		}
		var gz []byte
		if b, err := fs.ReadFile(fsys, p+".gz"); err == nil && gzipMatches(b, body) {
			gz = b
		}
		a := newAsset(prefix+p, body, gz)
		if gz == nil && compressible(a.ctype) && len(body) >= 1024 {
			todo = append(todo, a)
		}
		h.assets[a.name] = a
		return nil
	})
	if err != nil {
		return err
	}
	compressAll(todo)
	return nil
}

// addFiles indexes in-memory files under the URL prefix; names are base
// names.
func (h *Lab) addFiles(files map[string][]byte, prefix string) error {
	var todo []*asset
	for name, body := range files {
		if name == "" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
			return fmt.Errorf("server: bad data file name %q", name)
		}
		a := newAsset(prefix+name, body, nil)
		if compressible(a.ctype) && len(body) >= 1024 {
			todo = append(todo, a)
		}
		h.assets[a.name] = a
	}
	compressAll(todo)
	return nil
}

// compressAll sets the gzip copies of todo, in parallel.
func compressAll(todo []*asset) {
	// Largest first, so that the big files do not wait for the small ones.
	sort.Slice(todo, func(i, j int) bool { return len(todo[i].body) > len(todo[j].body) })
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for _, a := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			a.gz = gzipOf(a.body)
		}()
	}
	wg.Wait()
}

// gzipMatches reports whether gz is a gzip file whose trailer (CRC-32 and
// size, RFC 1952) matches body: a stale .gz left from an older build is not
// served for a newer file.
func gzipMatches(gz, body []byte) bool {
	if len(gz) < 18 || gz[0] != 0x1f || gz[1] != 0x8b {
		return false
	}
	t := gz[len(gz)-8:]
	return binary.LittleEndian.Uint32(t) == crc32.ChecksumIEEE(body) &&
		binary.LittleEndian.Uint32(t[4:]) == uint32(len(body))
}

// gzipOf compresses b, or returns nil if that saves less than 5%. Large
// files (the data) get the default level: this runs at startup, and Go's
// fastest level does not compress CIFAR's pixels at all (the default saves
// 6% of them in 0.3 s).
func gzipOf(b []byte) []byte {
	level := gzip.BestCompression
	if len(b) > 4<<20 {
		level = gzip.DefaultCompression
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, level)
	zw.Write(b)
	zw.Close()
	if buf.Len() > len(b)/20*19 {
		return nil
	}
	return buf.Bytes()
}

// versionOf is the build version: the SHA-256 of every file's name and hash.
func versionOf(assets map[string]*asset) string {
	names := make([]string, 0, len(assets))
	for n := range assets {
		names = append(names, n)
	}
	sort.Strings(names)
	s := sha256.New()
	for _, n := range names {
		fmt.Fprintf(s, "%s\x00%s\n", n, assets[n].hash)
	}
	return hex.EncodeToString(s.Sum(nil))[:16]
}

// Content-Security-Policy parts. Pages may run same-origin scripts, the
// inline scripts hashed into their own policy, and WebAssembly
// ('wasm-unsafe-eval' allows WebAssembly.instantiate without allowing JS
// eval); they may frame same-origin pages (the plots' iframe) and be framed
// only by them. Inline styles are allowed: style="..." attributes and
// element.style are how the page and Ebiten size their canvases.
const (
	cspCommon = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
		"connect-src 'self'; worker-src 'self' blob:; frame-src 'self'; child-src 'self' blob:; manifest-src 'self'; " +
		"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
	// workerCSP governs the service worker (it fetches the site only).
	workerCSP = "default-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
	// trainWorkerCSP governs the training worker: it loads wasm_exec.js
	// and instantiates the module the page compiled.
	trainWorkerCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
	// defaultCSP is sent with everything that is neither a page nor the
	// service worker: opened as a document, such a file can do nothing.
	defaultCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'"
)

// pageCSP returns the Content-Security-Policy of an HTML page: cspCommon
// with a script-src that allows the page's inline scripts by hash, and
// notes about what the policy will block (inline event handlers,
// javascript: URLs), which should move into a script file.
func pageCSP(page []byte) (string, []string) {
	hashes, notes := inlineScripts(page)
	src := "script-src 'self' 'wasm-unsafe-eval'"
	for _, h := range hashes {
		src += " '" + h + "'"
	}
	return src + "; " + cspCommon, notes
}

var (
	tagRE       = regexp.MustCompile(`(?is)<!--.*?-->|<script\b([^>]*)>(.*?)</script\s*>|<[a-z][^>]*>`)
	handlerRE   = regexp.MustCompile(`(?i)\s(on[a-z]+)\s*=`)
	jsURLRE     = regexp.MustCompile(`(?i)=\s*["']?\s*javascript:`)
	srcAttrRE   = regexp.MustCompile(`(?i)(^|\s)src\s*=`)
	typeAttrRE  = regexp.MustCompile(`(?i)(^|\s)type\s*=\s*["']?([^"'\s>]+)`)
	scriptTypes = map[string]bool{"": true, "module": true, "importmap": true, "text/javascript": true, "application/javascript": true}
)

// inlineScripts returns the CSP hash sources ("sha256-...") of the inline
// scripts of an HTML page, in order, and notes about inline code a CSP
// without 'unsafe-inline' blocks. The hash is over the script's text as
// written, which is what browsers hash (script text is not entity-decoded).
func inlineScripts(page []byte) (hashes, notes []string) {
	seen := map[string]bool{}
	for _, m := range tagRE.FindAllSubmatchIndex(page, -1) {
		whole := page[m[0]:m[1]]
		if bytes.HasPrefix(whole, []byte("<!--")) {
			continue
		}
		if m[2] >= 0 { // a script element
			attrs := page[m[2]:m[3]]
			if srcAttrRE.Match(attrs) {
				continue
			}
			typ := ""
			if t := typeAttrRE.FindSubmatch(attrs); t != nil {
				typ = strings.ToLower(string(t[2]))
			}
			if !scriptTypes[typ] {
				continue // a data block (application/json, ...): not run, not checked
			}
			sum := sha256.Sum256(page[m[4]:m[5]])
			h := "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
			if !seen[h] {
				seen[h] = true
				hashes = append(hashes, h)
			}
			continue
		}
		if hm := handlerRE.FindSubmatch(whole); hm != nil {
			notes = append(notes, fmt.Sprintf("inline event handler %s= in %.60s: blocked by the CSP, attach it from a script instead", hm[1], whole))
		}
		if jsURLRE.Match(whole) {
			notes = append(notes, fmt.Sprintf("javascript: URL in %.60s: blocked by the CSP", whole))
		}
	}
	return hashes, notes
}
