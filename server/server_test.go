package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const inlineScript = `window.nnlabBoot = 1;`

// fixture writes a built site like ./build.sh's dist/ (with data/ and .gz
// copies) into a temporary folder, beside a secret file that must never be
// served, and returns the site folder.
func fixture(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	site := filepath.Join(root, "site")
	rng := rand.New(rand.NewPCG(1, 2))
	wasm := make([]byte, 2<<20) // compressible, like a real module
	for i := range wasm {
		wasm[i] = byte(rng.IntN(16))
	}
	cifar := make([]byte, 3073*300) // pixels: barely compressible
	for i := range cifar {
		cifar[i] = byte(rng.Uint32())
	}
	var csv strings.Builder
	csv.WriteString("DATE,MONTH,BASEL_sunshine\n")
	for i := range 500 {
		fmt.Fprintf(&csv, "2000%04d,%d,%.1f\n", i, i%12+1, rng.Float64()*10)
	}
	files := map[string][]byte{
		"index.html": []byte(`<!doctype html><html><head><meta charset="utf-8"><title>nnlab</title>` +
			`<script>` + inlineScript + `</script><script src="wasm_exec.js"></script>` +
			`<script type="application/json" id="cfg">{"a":1}</script></head>` +
			`<body><!-- <script>not a script</script> --><main id="app"></main></body></html>`),
		"view.html":            []byte(`<!doctype html><title>view</title><script src="nnlab.js"></script>`),
		"nnlab.wasm":           wasm,
		"nnlab.wasm.gz":        gzipBytes(t, wasm),
		"wasm_exec.js":         bytes.Repeat([]byte("// the Go wasm glue\n"), 500),
		"nnlab.js":             []byte("console.log('nnlab');\n"),
		"sw.js":                []byte("// service worker\n"),
		"train-worker.js":      []byte("// training worker\n"),
		"app.0123abcd.js":      []byte("// hashed name\n"),
		"data/weather.csv":     []byte(csv.String()),
		"data/cifar.bin":       cifar,
		"data/stale.csv":       bytes.Repeat([]byte("new,data\n"), 300),
		"data/stale.csv.gz":    gzipBytes(t, bytes.Repeat([]byte("old,data\n"), 300)),
		"data/archive.tar.gz":  gzipBytes(t, []byte("a download")),
		".git/config":          []byte("[core]\n"),
		".env":                 []byte("TOKEN=secret\n"),
		"../secret.txt":        []byte("TOPSECRET\n"),
		"../site-backup/x.txt": []byte("TOPSECRET\n"),
		"data/sub/nested.csv":  []byte("a,b\n1,2\n"),
		"images/logo.svg":      []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`),
		"styles/site.css":      []byte("body{margin:0}\n"),
	}
	for name, b := range files {
		p := filepath.Join(site, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "secret.txt"), filepath.Join(site, "link.txt")); err != nil {
		t.Fatal(err)
	}
	return site
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readFile(t testing.TB, site, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(site, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// get sends a request through the handler, with headers as "Name: value".
func get(t testing.TB, h http.Handler, method, target string, headers ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for _, kv := range headers {
		k, v, _ := strings.Cut(kv, ": ")
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t testing.TB, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newLab(t testing.TB, site string) *Lab {
	t.Helper()
	h, err := Dir(site)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestContentTypes(t *testing.T) {
	h := newLab(t, fixture(t))
	for path, want := range map[string]string{
		"/":                 "text/html; charset=utf-8",
		"/index.html":       "text/html; charset=utf-8",
		"/nnlab.wasm":       "application/wasm",
		"/wasm_exec.js":     "text/javascript; charset=utf-8",
		"/sw.js":            "text/javascript; charset=utf-8",
		"/data/weather.csv": "text/csv; charset=utf-8",
		"/data/cifar.bin":   "application/octet-stream",
		"/images/logo.svg":  "image/svg+xml",
		"/styles/site.css":  "text/css; charset=utf-8",
		"/version.json":     "application/json",
		"/classroom.json":   "application/json",
		"/qr.svg":           "image/svg+xml",
		"/qr.png":           "image/png",
	} {
		res := get(t, h, "GET", path)
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %s", path, res.Status)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != want {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, want)
		}
	}
}

func TestFilesAreServedExactly(t *testing.T) {
	site := fixture(t)
	h := newLab(t, site)
	for _, name := range []string{"index.html", "nnlab.wasm", "wasm_exec.js", "data/weather.csv", "data/cifar.bin", "data/stale.csv", "data/archive.tar.gz", "data/sub/nested.csv"} {
		want := readFile(t, site, name)
		res := get(t, h, "GET", "/"+name)
		if got := body(t, res); res.StatusCode != 200 || !bytes.Equal(got, want) {
			t.Errorf("GET /%s: %s, %d bytes, want 200 and the file's %d bytes", name, res.Status, len(got), len(want))
		}
		if res.Header.Get("Content-Encoding") != "" {
			t.Errorf("GET /%s without Accept-Encoding: Content-Encoding %q", name, res.Header.Get("Content-Encoding"))
		}
	}
}

func TestGzip(t *testing.T) {
	site := fixture(t)
	h := newLab(t, site)
	for _, tc := range []struct {
		name   string
		gz     bool
		exactG []byte // the precompressed copy that must be sent as it is
	}{
		{"nnlab.wasm", true, readFile(t, site, "nnlab.wasm.gz")}, // precompressed by the build
		{"wasm_exec.js", true, nil},                              // compressed at startup
		{"data/weather.csv", true, nil},
		{"data/stale.csv", true, nil}, // its .gz is of older content: not used
		{"data/cifar.bin", false, nil},
		{"data/archive.tar.gz", false, nil}, // a .gz without a sibling is a file
	} {
		want := readFile(t, site, tc.name)
		res := get(t, h, "GET", "/"+tc.name, "Accept-Encoding: br, gzip;q=0.8")
		got := body(t, res)
		if !tc.gz {
			if res.Header.Get("Content-Encoding") != "" || !bytes.Equal(got, want) {
				t.Errorf("%s: Content-Encoding %q, want identity", tc.name, res.Header.Get("Content-Encoding"))
			}
			continue
		}
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: Content-Encoding %q, want gzip", tc.name, res.Header.Get("Content-Encoding"))
			continue
		}
		if res.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: Vary %q", tc.name, res.Header.Get("Vary"))
		}
		if tc.exactG != nil && !bytes.Equal(got, tc.exactG) {
			t.Errorf("%s: not the precompressed .gz", tc.name)
		}
		if !bytes.Equal(gunzip(t, got), want) {
			t.Errorf("%s: gzip body does not decompress to the file", tc.name)
		}
		if cl := res.Header.Get("Content-Length"); cl != fmt.Sprint(len(got)) {
			t.Errorf("%s: Content-Length %s, body %d", tc.name, cl, len(got))
		}
	}
	// q=0 refuses gzip.
	res := get(t, h, "GET", "/nnlab.wasm", "Accept-Encoding: gzip;q=0, identity")
	if res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0: got Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
}

func TestAcceptsGzip(t *testing.T) {
	for ae, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "gzip, deflate, br, zstd": true, "br": false,
		"gzip;q=0": false, "gzip; q=0.001": true, "*": true, "*;q=0": false, "br, *;q=0.1": true,
		"gzip;q=0, *": false, "identity": false, "x-gzip": true,
	} {
		if got := acceptsGzip(ae); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", ae, got, want)
		}
	}
}

func TestETagAndCaching(t *testing.T) {
	h := newLab(t, fixture(t))
	res := get(t, h, "GET", "/nnlab.wasm")
	etag := res.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
		t.Fatalf("ETag %q: want a strong ETag", etag)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("nnlab.wasm: Cache-Control %q, want no-cache (revalidate)", cc)
	}
	if res := get(t, h, "GET", "/nnlab.wasm", "If-None-Match: "+etag); res.StatusCode != 304 || len(body(t, res)) != 0 {
		t.Errorf("If-None-Match: %s, want 304 without a body", res.Status)
	}
	gz := get(t, h, "GET", "/nnlab.wasm", "Accept-Encoding: gzip")
	getag := gz.Header.Get("ETag")
	if getag == etag || getag == "" {
		t.Errorf("gzip ETag %q must differ from identity ETag %q", getag, etag)
	}
	if res := get(t, h, "GET", "/nnlab.wasm", "Accept-Encoding: gzip", "If-None-Match: "+getag); res.StatusCode != 304 {
		t.Errorf("If-None-Match on the gzip copy: %s, want 304", res.Status)
	}
	if res := get(t, h, "GET", "/nnlab.wasm", "Accept-Encoding: gzip", `If-Match: "other"`); res.StatusCode != 412 || res.Header.Get("Content-Length") != "" {
		t.Errorf("If-Match failing on the gzip copy: %s, Content-Length %q", res.Status, res.Header.Get("Content-Length"))
	}
	if res := get(t, h, "GET", "/nnlab.wasm", "If-None-Match: \"other\""); res.StatusCode != 200 {
		t.Errorf("If-None-Match with another ETag: %s, want 200", res.Status)
	}
	// Content-hashed names and ?v=<hash> are cached forever.
	if cc := get(t, h, "GET", "/app.0123abcd.js").Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("hashed name: Cache-Control %q, want immutable", cc)
	}
	hash := strings.Trim(etag, `"`)[:12]
	if cc := get(t, h, "GET", "/nnlab.wasm?v="+hash).Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("?v=hash: Cache-Control %q, want a year", cc)
	}
	if cc := get(t, h, "GET", "/nnlab.wasm?v=deadbeefdeadbeef").Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("?v=wrong: Cache-Control %q, want no-cache", cc)
	}
}

func TestRange(t *testing.T) {
	site := fixture(t)
	h := newLab(t, site)
	want := readFile(t, site, "data/cifar.bin")
	for _, tc := range []struct {
		rng        string
		start, end int
	}{{"bytes=0-3072", 0, 3072}, {"bytes=3073-", 3073, len(want) - 1}, {"bytes=-100", len(want) - 100, len(want) - 1}} {
		res := get(t, h, "GET", "/data/cifar.bin", "Range: "+tc.rng)
		got := body(t, res)
		if res.StatusCode != 206 || !bytes.Equal(got, want[tc.start:tc.end+1]) {
			t.Errorf("Range %s: %s, %d bytes", tc.rng, res.Status, len(got))
		}
		if cr, w := res.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", tc.start, tc.end, len(want)); cr != w {
			t.Errorf("Range %s: Content-Range %q, want %q", tc.rng, cr, w)
		}
	}
	// A range of a file that also has a gzip copy is a range of the file.
	wasm := readFile(t, site, "nnlab.wasm")
	res := get(t, h, "GET", "/nnlab.wasm", "Range: bytes=100-199", "Accept-Encoding: gzip")
	if got := body(t, res); res.StatusCode != 206 || res.Header.Get("Content-Encoding") != "" || !bytes.Equal(got, wasm[100:200]) {
		t.Errorf("Range with Accept-Encoding: %s, encoding %q", res.Status, res.Header.Get("Content-Encoding"))
	}
	if res := get(t, h, "GET", "/data/cifar.bin", fmt.Sprintf("Range: bytes=%d-", len(want)+10)); res.StatusCode != 416 {
		t.Errorf("unsatisfiable range: %s, want 416", res.Status)
	}
	if res := get(t, h, "GET", "/data/cifar.bin", "Range: bytes=0-9,20-29"); res.StatusCode != 206 ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "multipart/byteranges") {
		t.Errorf("two ranges: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	// If-Range with a stale ETag gets the whole file.
	if res := get(t, h, "GET", "/data/cifar.bin", "Range: bytes=0-9", `If-Range: "stale"`); res.StatusCode != 200 {
		t.Errorf("If-Range stale: %s, want 200", res.Status)
	}
}

func TestReadOnly(t *testing.T) {
	h := newLab(t, fixture(t))
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND"} {
		for _, p := range []string{"/", "/nnlab.wasm", "/data/weather.csv", "/classroom.json", "/nope"} {
			res := get(t, h, m, p)
			if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %s, Allow %q; want 405 with Allow: GET, HEAD", m, p, res.Status, res.Header.Get("Allow"))
			}
		}
	}
	res := get(t, h, "HEAD", "/nnlab.wasm")
	if res.StatusCode != 200 || len(body(t, res)) != 0 || res.Header.Get("Content-Length") != fmt.Sprint(2<<20) {
		t.Errorf("HEAD: %s, Content-Length %s", res.Status, res.Header.Get("Content-Length"))
	}
}

// rawGet sends a request line as written (no client cleans the path) and
// returns the status code and body.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestPathTraversal(t *testing.T) {
	srv := httptest.NewServer(newLab(t, fixture(t)))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	for _, target := range []string{
		"/../secret.txt",
		"/../../../../etc/passwd",
		"/data/../../secret.txt",
		"/data/../index.html", // harmless, but not a plain path
		"/./index.html",
		"/%2e%2e/secret.txt",
		"/%2E%2E/%2e%2e/etc/passwd",
		"/data/%2e%2e/%2e%2e/secret.txt",
		"/.%2e/secret.txt",
		"/..%2fsecret.txt",
		"/data%2f..%2f..%2fsecret.txt",
		"/..%5csecret.txt",
		"/data\\..\\..\\secret.txt",
		"/%5c..%5c..%5csecret.txt",
		"//etc/passwd",
		"///secret.txt",
		"/data//weather.csv",
		"/C:/Windows/win.ini",
		"/c:%5cwindows%5cwin.ini",
		"/%00",
		"/index.html%00.txt",
		"/%252e%252e/secret.txt", // double encoding
		"/..%252fsecret.txt",
		"/%c0%ae%c0%ae/secret.txt", // overlong UTF-8 dots
		"http://evil.example/../secret.txt",
		"/" + strings.Repeat("a/", 1100),
	} {
		code, b := rawGet(t, addr, target)
		if code != 400 && code != 404 {
			t.Errorf("GET %s: %d, want 400 or 404", target, code)
		}
		if strings.Contains(b, "TOPSECRET") || strings.Contains(b, "root:") {
			t.Errorf("GET %s: leaked %q", target, b)
		}
	}
	// The plain ones are refused with 400, before any lookup.
	for _, target := range []string{"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/data\\..\\x", "//etc/passwd", "/C:/x", "/%252e%252e/x"} {
		if code, _ := rawGet(t, addr, target); code != 400 {
			t.Errorf("GET %s: %d, want 400", target, code)
		}
	}
	// Hidden files, links out of the site and folders: not found, no listing.
	for _, target := range []string{"/.git/config", "/.env", "/link.txt", "/data/", "/data", "/images/", "/secret.txt", "/site-backup/x.txt", "/nnlab.wasm.gz"} {
		code, b := rawGet(t, addr, target)
		if code != 404 {
			t.Errorf("GET %s: %d, want 404", target, code)
		}
		if strings.Contains(b, "TOPSECRET") || strings.Contains(b, "weather.csv") || strings.Contains(b, "[core]") {
			t.Errorf("GET %s: leaked %q", target, b)
		}
	}
	// A query string is not part of the path.
	if code, _ := rawGet(t, addr, "/?lesson=weather&epochs=5&device=cpu&autorun=1"); code != 200 {
		t.Errorf("the link contract: %d", code)
	}
}

func TestCleanPathFuzzSeeds(t *testing.T) {
	// Whatever CleanPath accepts has no dot segments, no backslash, and
	// stays rooted: path.Clean leaves it unchanged (up to a trailing slash).
	for _, p := range []string{"/", "/a", "/a/", "/a/b.c", "/a..b", "/..a", "/a/...", "/.x"} {
		r := httptest.NewRequest("GET", p, nil)
		got, ok := CleanPath(r)
		if !ok {
			t.Errorf("CleanPath(%q) refused a plain path", p)
			continue
		}
		if got != p {
			t.Errorf("CleanPath(%q) = %q", p, got)
		}
	}
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", "/%2e%2e/", "/a\\b", "//x", "/a/./b", "/C:/x", "/%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		r, err := http.NewRequest("GET", "http://h"+target, nil)
		if err != nil || !strings.HasPrefix(target, "/") {
			return
		}
		p, ok := CleanPath(r)
		if !ok {
			return
		}
		for _, seg := range strings.Split(p, "/") {
			if seg == ".." || seg == "." || strings.ContainsAny(seg, "\\\x00:%") {
				t.Fatalf("CleanPath(%q) accepted %q", target, p)
			}
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	h := newLab(t, fixture(t))
	sum := sha256.Sum256([]byte(inlineScript))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	for _, p := range []string{"/", "/nnlab.wasm", "/data/weather.csv", "/nope", "/../x", "/classroom.json"} {
		res := get(t, h, "GET", p)
		for k, want := range map[string]string{
			"X-Content-Type-Options":       "nosniff",
			"Referrer-Policy":              "no-referrer",
			"X-Frame-Options":              "SAMEORIGIN",
			"Cross-Origin-Opener-Policy":   "same-origin",
			"Cross-Origin-Resource-Policy": "same-origin",
		} {
			if got := res.Header.Get(k); got != want {
				t.Errorf("GET %s: %s %q, want %q", p, k, got, want)
			}
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no Content-Security-Policy", p)
		}
	}
	csp := get(t, h, "GET", "/").Header.Get("Content-Security-Policy")
	for _, want := range []string{"'wasm-unsafe-eval'", hash, "default-src 'self'", "object-src 'none'", "frame-ancestors 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("page CSP %q lacks %s", csp, want)
		}
	}
	for _, bad := range []string{"'unsafe-eval'", "script-src 'self' 'unsafe-inline'", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("page CSP %q has %s", csp, bad)
		}
	}
	// Only the real inline script is hashed: not the JSON block, not the
	// one in a comment, not the external script.
	if n := strings.Count(csp, "'sha256-"); n != 1 {
		t.Errorf("page CSP has %d hashes, want 1: %s", n, csp)
	}
	if csp := get(t, h, "GET", "/sw.js").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("sw.js CSP %q", csp)
	}
	// The training worker instantiates the module (its CSP is its own).
	if csp := get(t, h, "GET", "/train-worker.js").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval'") {
		t.Errorf("train-worker.js CSP %q", csp)
	}
	if csp := get(t, h, "GET", "/data/weather.csv").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("data CSP %q", csp)
	}
}

func TestInlineScripts(t *testing.T) {
	page := `<script>a()</script><SCRIPT type="module">b()</SCRIPT ><script type=text/javascript>c()</script>` +
		`<script src=x.js></script><script type="application/ld+json">{}</script><script>a()</script>` +
		`<button onclick="go()">go</button><a href="javascript:void(0)">x</a>`
	hashes, notes := inlineScripts([]byte(page))
	if len(hashes) != 3 {
		t.Errorf("hashes %v, want 3 (a, b, c once each)", hashes)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "onclick") || !strings.Contains(notes[1], "javascript:") {
		t.Errorf("notes %q, want the onclick and the javascript: URL", notes)
	}
}

func TestVersionAndServiceWorker(t *testing.T) {
	site := fixture(t)
	h := newLab(t, site)
	var m versionManifest
	if err := json.Unmarshal(body(t, get(t, h, "GET", "/version.json")), &m); err != nil {
		t.Fatal(err)
	}
	if m.Version != h.Version() || len(m.Version) != 16 {
		t.Errorf("version.json version %q, handler %q", m.Version, h.Version())
	}
	for _, want := range []string{"./", "nnlab.wasm", "wasm_exec.js", "view.html"} {
		if !contains(m.Site, want) {
			t.Errorf("version.json site %v lacks %s", m.Site, want)
		}
	}
	for _, bad := range []string{"sw.js", "index.html", "data/weather.csv"} {
		if contains(m.Site, bad) {
			t.Errorf("version.json site %v has %s", m.Site, bad)
		}
	}
	if m.Data["data/weather.csv"] == "" || m.Data["data/cifar.bin"] == "" {
		t.Errorf("version.json data %v", m.Data)
	}
	sw := string(body(t, get(t, h, "GET", "/sw.js")))
	if first := strings.SplitN(sw, "\n", 2)[0]; first != fmt.Sprintf("self.NNLAB_VERSION = %q;", h.Version()) {
		t.Errorf("sw.js starts %q", first)
	}
	if !strings.HasSuffix(sw, "// service worker\n") {
		t.Errorf("sw.js lost its body: %q", sw)
	}
	// A new build is a new version, and a new sw.js.
	if err := os.WriteFile(filepath.Join(site, "nnlab.wasm"), []byte("new build"), 0o644); err != nil {
		t.Fatal(err)
	}
	h2 := newLab(t, site)
	if h2.Version() == h.Version() {
		t.Error("changing nnlab.wasm kept the version")
	}
	if sw2 := string(body(t, get(t, h2, "GET", "/sw.js"))); sw2 == sw {
		t.Error("changing nnlab.wasm kept sw.js's bytes")
	}
	if h3 := newLab(t, site); h3.Version() != h2.Version() {
		t.Error("the version is not deterministic")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestClassroomFor(t *testing.T) {
	ifaddrs := []net.Addr{
		&net.IPNet{IP: net.ParseIP("127.0.0.1"), Mask: net.CIDRMask(8, 32)},
		&net.IPNet{IP: net.ParseIP("::1"), Mask: net.CIDRMask(128, 128)},
		&net.IPNet{IP: net.ParseIP("fe80::1"), Mask: net.CIDRMask(64, 128)},
		&net.IPNet{IP: net.ParseIP("169.254.3.4"), Mask: net.CIDRMask(16, 32)},
		&net.IPNet{IP: net.ParseIP("2001:db8::5"), Mask: net.CIDRMask(64, 128)},
		&net.IPNet{IP: net.ParseIP("203.0.113.7"), Mask: net.CIDRMask(24, 32)},
		&net.IPNet{IP: net.ParseIP("192.168.1.20"), Mask: net.CIDRMask(24, 32)},
	}
	for _, tc := range []struct {
		host string
		want []string
		lan  bool
	}{
		{"localhost", []string{"http://localhost:8080/"}, false},
		{"127.0.0.1", []string{"http://localhost:8080/"}, false},
		{"::1", []string{"http://[::1]:8080/"}, false},
		{"127.0.0.2", []string{"http://127.0.0.2:8080/"}, false},
		{"::ffff:127.0.0.1", []string{"http://localhost:8080/"}, false},
		{"0.0.0.0", []string{"http://192.168.1.20:8080/", "http://203.0.113.7:8080/", "http://[2001:db8::5]:8080/"}, true},
		{"", []string{"http://192.168.1.20:8080/", "http://203.0.113.7:8080/", "http://[2001:db8::5]:8080/"}, true},
		{"::", []string{"http://192.168.1.20:8080/", "http://203.0.113.7:8080/", "http://[2001:db8::5]:8080/"}, true},
		{"10.1.2.3", []string{"http://10.1.2.3:8080/"}, true},
		{"teacher.local", []string{"http://teacher.local:8080/"}, true},
	} {
		c := ClassroomFor(tc.host, 8080, ifaddrs)
		if fmt.Sprint(c.URLs) != fmt.Sprint(tc.want) || c.LAN != tc.lan {
			t.Errorf("ClassroomFor(%q) = %v lan=%v, want %v lan=%v", tc.host, c.URLs, c.LAN, tc.want, tc.lan)
		}
	}
	if c := ClassroomFor("0.0.0.0", 8080, ifaddrs[:2]); c.LAN || c.URLs[0] != "http://localhost:8080/" {
		t.Errorf("no network: %+v", c)
	}
}

func TestClassroomEndpoints(t *testing.T) {
	site := fixture(t)
	lab, err := New(Options{Site: os.DirFS(site), Classroom: &Classroom{URLs: []string{"http://192.168.1.20:8080/", "http://10.0.0.2:8080/"}, LAN: true}})
	if err != nil {
		t.Fatal(err)
	}
	var c classroomJSON
	if err := json.Unmarshal(body(t, get(t, lab, "GET", "/classroom.json")), &c); err != nil {
		t.Fatal(err)
	}
	if !c.LAN || len(c.URLs) != 2 || c.QR[0] != "qr.svg" || c.QR[1] != "qr.svg?i=1" || c.Version != lab.Version() {
		t.Errorf("classroom.json %+v", c)
	}
	svg := body(t, get(t, lab, "GET", "/qr.svg?i=1"))
	var doc struct {
		XMLName xml.Name
		Title   string `xml:"title"`
	}
	if err := xml.Unmarshal(svg, &doc); err != nil || doc.XMLName.Local != "svg" || doc.Title != "http://10.0.0.2:8080/" {
		t.Errorf("qr.svg?i=1: %v %+v", err, doc)
	}
	res := get(t, lab, "GET", "/qr.png")
	img, err := png.Decode(res.Body)
	if err != nil || img.Bounds().Dx() < 100 {
		t.Errorf("qr.png: %v", err)
	}
	for _, q := range []string{"/qr.svg?i=2", "/qr.svg?i=-1", "/qr.svg?i=x"} {
		if res := get(t, lab, "GET", q); res.StatusCode != 404 {
			t.Errorf("%s: %s", q, res.Status)
		}
	}
	// serve --hide-answers: the addresses learners open, and their QR
	// codes, carry answers=hide.
	hide, err := New(Options{Site: os.DirFS(site), Classroom: &Classroom{URLs: []string{"http://10.0.0.2:8080/"}, LAN: true, Query: "answers=hide"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body(t, get(t, hide, "GET", "/classroom.json")), &c); err != nil || len(c.URLs) != 1 || c.URLs[0] != "http://10.0.0.2:8080/?answers=hide" {
		t.Errorf("classroom.json with answers hidden: %v %+v", err, c)
	}
	if err := xml.Unmarshal(body(t, get(t, hide, "GET", "/qr.svg")), &doc); err != nil || doc.Title != "http://10.0.0.2:8080/?answers=hide" {
		t.Errorf("qr.svg with answers hidden: %v %+v", err, doc)
	}
	// Without a classroom (the edge), the address is the request's.
	edge, _ := New(Options{})
	r := httptest.NewRequest("GET", "https://lab.example.org/classroom.json", nil)
	w := httptest.NewRecorder()
	edge.ServeHTTP(w, r)
	if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil || fmt.Sprint(c.URLs) != "[https://lab.example.org/]" || !c.LAN {
		t.Errorf("edge classroom.json %s", w.Body)
	}
	r = httptest.NewRequest("GET", "/classroom.json", nil)
	r.Host = `evil"><script>`
	w = httptest.NewRecorder()
	edge.ServeHTTP(w, r)
	if strings.Contains(w.Body.String(), "<script>") {
		t.Errorf("a bad Host went into classroom.json: %s", w.Body)
	}
	if s, err := QRText("http://192.168.1.20:8080/"); err != nil || strings.Count(s, "\n") < 12 {
		t.Errorf("QRText: %v\n%s", err, s)
	}
}

func TestHandlerWithoutSite(t *testing.T) {
	h := Handler(filepath.Join(t.TempDir(), "missing"))
	res := get(t, h, "GET", "/")
	if b := body(t, res); res.StatusCode != 503 || !strings.Contains(string(b), "./build.sh") {
		t.Errorf("missing site: %s %q", res.Status, b)
	}
	// The edge handler serves only its endpoints.
	edge, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if edge.HasPage() || get(t, edge, "GET", "/").StatusCode != 404 || get(t, edge, "GET", "/version.json").StatusCode != 200 {
		t.Error("edge handler")
	}
}

func TestDataOptions(t *testing.T) {
	site := fixture(t)
	lab, err := New(Options{Site: os.DirFS(site), DataFiles: map[string][]byte{"x.csv": []byte("a,b\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := lab.Files(); contains(got, "/data/weather.csv") || !contains(got, "/data/x.csv") {
		t.Errorf("DataFiles must replace the site's data/: %v", got)
	}
	if _, err := New(Options{DataFiles: map[string][]byte{"../x": nil}}); err == nil {
		t.Error("a data file name with a slash was accepted")
	}
	if _, err := New(Options{Site: os.DirFS(site), MaxFileSize: 1 << 20}); err == nil || !strings.Contains(err.Error(), "nnlab.wasm") {
		t.Errorf("MaxFileSize: %v", err)
	}
}

func TestExport(t *testing.T) {
	site := fixture(t)
	lab := newLab(t, site)
	out := t.TempDir()
	if err := lab.Export(out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "nnlab.wasm", "data/cifar.bin", "data/sub/nested.csv"} {
		if !bytes.Equal(readFile(t, out, name), readFile(t, site, name)) {
			t.Errorf("%s differs", name)
		}
	}
	for _, name := range []string{"nnlab.wasm.gz", ".git/config", ".env", "link.txt"} {
		if _, err := os.Stat(filepath.Join(out, name)); err == nil {
			t.Errorf("exported %s", name)
		}
	}
	if sw := readFile(t, out, "sw.js"); !bytes.HasPrefix(sw, []byte("self.NNLAB_VERSION = \""+lab.Version())) {
		t.Errorf("sw.js: %q", sw)
	}
	if v := readFile(t, out, "version.json"); !bytes.Equal(v, body(t, get(t, lab, "GET", "/version.json"))) {
		t.Errorf("version.json differs")
	}
	hdrs := string(readFile(t, out, "_headers"))
	csp := get(t, lab, "GET", "/").Header.Get("Content-Security-Policy")
	for _, want := range []string{"/*\n  Cross-Origin-Opener-Policy: same-origin\n", "X-Content-Type-Options: nosniff", "\n/\n  Content-Security-Policy: " + csp + "\n",
		"\n/index.html\n  Content-Security-Policy: " + csp + "\n", "\n/view\n  Content-Security-Policy: ", "\n/app.0123abcd.js\n  Cache-Control: public, max-age=31536000, immutable\n"} {
		if !strings.Contains(hdrs, want) {
			t.Errorf("_headers lacks %q:\n%s", want, hdrs)
		}
	}
	if strings.Contains(strings.SplitN(hdrs, "\n/", 3)[1], "Content-Security-Policy") {
		t.Errorf("the /* rule must not set a CSP (the edge would join it with the page's):\n%s", hdrs)
	}
}
