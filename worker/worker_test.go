//go:build !js

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"nnlab/server"
)

// wrangler returns the local wrangler (npm install in worker/), or skips
// loudly; with NNLAB_REQUIRE_WORKER=1 a missing wrangler fails the test.
func wrangler(t *testing.T) string {
	t.Helper()
	p, _ := filepath.Abs(filepath.Join("node_modules", ".bin", "wrangler"))
	if _, err := os.Stat(p); err == nil {
		return p
	}
	msg := "wrangler is not installed in worker/node_modules (run: cd worker && npm ci): the edge build is NOT TESTED"
	if os.Getenv("NNLAB_REQUIRE_WORKER") == "1" {
		t.Fatal("NNLAB_REQUIRE_WORKER=1 but " + msg)
	}
	fmt.Fprintln(os.Stderr, "worker: SKIPPING: "+msg)
	t.Skip("SKIPPING: " + msg)
	return ""
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

func run(t *testing.T, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// siteForEdge returns the built site (../dist, when ./build.sh has made it
// with its data) or a small stand-in: a page, a wasm module, a data file.
func siteForEdge(t *testing.T) string {
	if _, err := os.Stat("../dist/data/cifar10_test.bin"); err == nil {
		if _, err := os.Stat("../dist/index.html"); err == nil {
			return "../dist"
		}
	}
	t.Log("no ../dist (run ./build.sh): testing with a stand-in site")
	dir := t.TempDir()
	wasm := append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte{0, 1, 2, 3}, 1<<18)...)
	for name, b := range map[string][]byte{
		"index.html":            []byte(`<!doctype html><title>nnlab</title><script src="wasm_exec.js"></script><script>go()</script>`),
		"view.html":             []byte(`<!doctype html><title>view</title>`),
		"wasm_exec.js":          []byte("// glue\n"),
		"nnlab.wasm":            wasm,
		"data/cifar10_test.bin": bytes.Repeat([]byte{7}, 3073*10),
	} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestEdgeLocally builds the worker as it is deployed (the Go handler as
// wasm with syumai/workers' glue, the site and data as static assets with
// their _headers) and runs it in workerd through `wrangler dev --local` on
// loopback, then fetches the page, the wasm, a data file and the worker's
// own answers through it.
func TestEdgeLocally(t *testing.T) {
	wr := wrangler(t)
	if testing.Short() {
		t.Skip("-short: not starting workerd")
	}
	tmp := t.TempDir()
	site := siteForEdge(t)
	lab, err := server.Dir(site)
	if err != nil {
		t.Fatal(err)
	}
	if err := lab.Export(filepath.Join(tmp, "public")); err != nil {
		t.Fatal(err)
	}
	goexe := goTool()
	run(t, nil, goexe, "run", "github.com/syumai/workers/cmd/workers-assets-gen", "-mode=go", "-o", filepath.Join(tmp, "build"))
	wasm := filepath.Join(tmp, "build", "app.wasm")
	run(t, []string{"GOOS=js", "GOARCH=wasm"}, goexe, "build", "-trimpath", "-ldflags=-s -w -X main.buildVersion="+lab.Version(), "-o", wasm, ".")
	raw, _ := os.ReadFile(wasm)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(raw)
	zw.Close()
	t.Logf("worker script: app.wasm %d bytes, %d gzipped (Workers' limit: 3 MB gzipped on the free plan, 10 MB paid)", len(raw), gz.Len())

	conf := fmt.Sprintf("name = \"nnlab-test\"\nmain = \"build/worker.mjs\"\ncompatibility_date = %q\n\n[assets]\ndirectory = \"public\"\n", compatibilityDate)
	if err := os.WriteFile(filepath.Join(tmp, "wrangler.toml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"CLOUDFLARE_CF_FETCH_ENABLED=false", "WRANGLER_SEND_METRICS=false",
		"HOME=" + tmp, "XDG_CONFIG_HOME=" + filepath.Join(tmp, ".config"), "CI=1", "NO_COLOR=1"}

	// What `wrangler deploy` would upload (the worker script; the assets
	// go separately), without an account.
	dry := exec.Command(wr, "deploy", "--dry-run", "--outdir", filepath.Join(tmp, "out"), "--config", filepath.Join(tmp, "wrangler.toml"))
	dry.Dir, dry.Env = tmp, append(os.Environ(), env...)
	out, err := dry.CombinedOutput()
	if err != nil {
		t.Fatalf("wrangler deploy --dry-run: %v\n%s", err, out)
	}
	var upload, upGz float64
	for _, line := range strings.Split(string(out), "\n") {
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "Total Upload: %f KiB / gzip: %f KiB", &upload, &upGz); err == nil {
			break
		}
	}
	t.Logf("wrangler deploy --dry-run: worker upload %.0f KiB, %.0f KiB gzipped", upload, upGz)
	if upGz == 0 || upGz > 3*1000*1000/1024 {
		t.Errorf("worker upload %.0f KiB gzipped: want (0, 3 MB], the free plan's limit\n%s", upGz, out)
	}

	dev := startWranglerDev(t, wr, tmp, env)
	ctx, base, log, exited := dev.ctx, dev.base, dev.log, dev.exited

	client := &http.Client{Timeout: 10 * time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(method, path string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return res, b
	}
	// Wait for the first answer while wrangler runs and makes progress (its
	// output grows: building, starting workerd); it fails when wrangler
	// exits or says nothing new for workerQuiet.
	const workerQuiet = 10 * time.Minute
	lastLen, lastChange := 0, time.Now()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/classroom.json", nil)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("wrangler dev exited before it answered:\n%s", log.String())
		default:
		}
		if n := log.Len(); n != lastLen {
			lastLen, lastChange = n, time.Now()
		} else if time.Since(lastChange) > workerQuiet {
			t.Fatalf("wrangler dev has not answered, nor written anything for %v:\n%s", workerQuiet, log.String())
		}
		time.Sleep(300 * time.Millisecond)
	}

	// Static assets: the files as they are, with the server's headers.
	local := httptest.NewServer(lab)
	defer local.Close()
	want := func(path string) []byte {
		res, err := http.Get(local.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return b
	}
	res, b := get("GET", "/?lesson=weather&epochs=5&device=cpu&autorun=1")
	if res.StatusCode != 200 || !bytes.Equal(b, want("/")) {
		t.Errorf("the page: %s, %d bytes", res.Status, len(b))
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "'wasm-unsafe-eval'") || csp != lab.CSP("/index.html") {
		t.Errorf("the page's CSP on the edge: %q, want the server's %q", csp, lab.CSP("/index.html"))
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin"} {
		if res.Header.Get(k) != v {
			t.Errorf("the page on the edge: %s %q, want %q", k, res.Header.Get(k), v)
		}
	}
	res, b = get("GET", "/nnlab.wasm")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/wasm" || !bytes.Equal(b, want("/nnlab.wasm")) {
		t.Errorf("nnlab.wasm: %s %q, %d bytes", res.Status, res.Header.Get("Content-Type"), len(b))
	}
	res, b = get("GET", "/data/cifar10_test.bin")
	if res.StatusCode != 200 || !bytes.Equal(b, want("/data/cifar10_test.bin")) || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("data/cifar10_test.bin: %s, %d bytes", res.Status, len(b))
	}
	if etag := res.Header.Get("ETag"); etag == "" {
		t.Error("no ETag on a data file")
	} else if res, _ := get("GET", "/data/cifar10_test.bin", "If-None-Match", etag); res.StatusCode != 304 {
		t.Errorf("If-None-Match on the edge: %s", res.Status)
	}
	// A range request: the edge may answer 206 or the whole file (200);
	// the page accepts both.
	res, b = get("GET", "/data/cifar10_test.bin", "Range", "bytes=0-3072")
	t.Logf("range request on the edge (local): %s, %d bytes", res.Status, len(b))
	if res.StatusCode != 206 && res.StatusCode != 200 {
		t.Errorf("range: %s", res.Status)
	}
	if res, b := get("GET", "/version.json"); res.StatusCode != 200 || !bytes.Equal(b, want("/version.json")) {
		t.Errorf("version.json: %s", res.Status)
	}
	if _, err := os.Stat(filepath.Join(site, "sw.js")); err == nil {
		if res, b := get("GET", "/sw.js"); res.StatusCode != 200 || !bytes.HasPrefix(b, []byte("self.NNLAB_VERSION = \""+lab.Version())) {
			t.Errorf("sw.js: %s %.60q", res.Status, b)
		}
	}

	// The Go worker's own answers.
	res, b = get("GET", "/classroom.json")
	var c struct {
		Version string
		URLs    []string
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Version != lab.Version() || len(c.URLs) != 1 || c.URLs[0] != base+"/" {
		t.Errorf("classroom.json from the worker: %v %s", err, b)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("the worker's answer lacks the security headers")
	}
	if res, b := get("GET", "/qr.svg"); res.StatusCode != 200 || !bytes.HasPrefix(b, []byte("<svg")) {
		t.Errorf("qr.svg from the worker: %s", res.Status)
	}
	if res, _ := get("GET", "/no/such/file"); res.StatusCode != 404 {
		t.Errorf("a missing file: %s", res.Status)
	}
	if res, _ := get("POST", "/classroom.json"); res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST to the worker: %s, Allow %q", res.Status, res.Header.Get("Allow"))
	}
	if res, _ := get("POST", "/"); res.StatusCode != 405 {
		t.Errorf("POST to an asset: %s (the edge's asset server answers 405 itself)", res.Status)
	}
	// Traversal: workerd normalises the path; nothing outside the assets.
	addr := strings.TrimPrefix(base, "http://")
	for _, target := range []string{"/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/data/..%2f..%2fwrangler.toml", "/..%5cwrangler.toml", "//etc/passwd"} {
		code, body := rawGet(t, addr, target)
		if code == 200 || strings.Contains(body, "root:") || strings.Contains(body, "compatibility_date") {
			t.Errorf("GET %s on the edge: %d %.80q", target, code, body)
		}
	}
}

// syncBuffer collects wrangler's output, written by exec's copying
// goroutine while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// compatibilityDate is the Workers compatibility date of wrangler.toml.
const compatibilityDate = "2025-09-01"

func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestWranglerConfig checks that the repository's wrangler.toml deploys what
// worker/build.sh builds, with the compatibility date tested here.
func TestWranglerConfig(t *testing.T) {
	b, err := os.ReadFile("../wrangler.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`main = "worker/build/worker.mjs"`,
		`compatibility_date = "` + compatibilityDate + `"`,
		`command = "bash worker/build.sh"`,
		`directory = "worker/public"`,
	} {
		if !strings.Contains(string(b), want+"\n") {
			t.Errorf("wrangler.toml lacks %s", want)
		}
	}
	sh, err := os.ReadFile("build.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--export worker/public", "-o worker/build", "-o worker/build/app.wasm ./worker"} {
		if !strings.Contains(string(sh), want) {
			t.Errorf("worker/build.sh lacks %s", want)
		}
	}
}

// wranglerDev is `wrangler dev --local` serving tmp's wrangler.toml on a
// free loopback port, stopped (and its output logged if the test failed)
// when the test ends.
type wranglerDev struct {
	ctx    context.Context // ends with the test; a hang guard of 20 minutes
	base   string          // http://127.0.0.1:PORT
	log    *syncBuffer     // its output
	exited chan struct{}   // closed when it exits
}

func startWranglerDev(t *testing.T, wr, tmp string, env []string) *wranglerDev {
	t.Helper()
	port := freePort(t)
	// Hang guards only (nothing here asserts a time): wrangler dev starts in
	// seconds on an idle machine and in minutes on a busy one.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	cmd := exec.CommandContext(ctx, wr, "dev", "--config", filepath.Join(tmp, "wrangler.toml"), "--local",
		"--ip", "127.0.0.1", "--port", fmt.Sprint(port), "--inspector-port", fmt.Sprint(freePort(t)),
		"--show-interactive-dev-session=false", "--persist-to", filepath.Join(tmp, "state"))
	cmd.Dir = tmp
	// Offline: no Request.cf download, no metrics; wrangler's files go to tmp.
	cmd.Env = append(os.Environ(), env...)
	d := &wranglerDev{ctx: ctx, base: fmt.Sprintf("http://127.0.0.1:%d", port), log: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.log, d.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-d.exited
		}
		cancel()
		if t.Failed() {
			t.Logf("wrangler dev's output:\n%s", d.log.String())
		}
	})
	return d
}
