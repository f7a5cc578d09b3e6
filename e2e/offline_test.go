package e2e

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"nnlab/server"
)

// offlineGuard bounds each wait of TestOfflineFromFirstVisit: a guard
// against a hang, not a speed claim (the test waits on the page's state).
const offlineGuard = 5 * time.Minute

// TestOfflineFromFirstVisit is issue 19's bar, in headless Chromium on
// loopback (a secure context, so the service worker runs). One online visit
// of each lesson (CIFAR-10 first: the first visit of this browser profile,
// whose images must be kept although the page fetched them on the visit
// that installed the worker), then the server stops: a reload of each lesson
// trains, the page says it is offline and what still works, and asking for
// more CIFAR images than were kept says so instead of a fetch error. Then the
// server comes back with a new build (nnlab.wasm with a custom section
// naming it): the open page notices the server without a reload and the new
// build's worker, and the next visit runs the new build.
func TestOfflineFromFirstVisit(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	dist := filepath.Join(repoRoot, "dist")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	one, err := server.Dir(dist)
	if err != nil {
		t.Fatal(err)
	}
	sent := &byteCounter{h: one}
	stop := serveOn(t, addr, sent)
	p.base = "http://" + addr

	const (
		weather = "lesson=weather&epochs=2&device=cpu&autorun=1"
		cifar   = "lesson=cifar&n=256&test_n=100&epochs=1&device=cpu&preset=dropout&autorun=1"
	)
	build := func() string {
		return evalAwait(p, `window.nnlabModule.then((m) => {
			const s = WebAssembly.Module.customSections(m, "nnlab-build");
			return s.length ? new TextDecoder().decode(s[0]) : "one";
		})`)
	}
	trains := func(query, when string) {
		t.Helper()
		p.open(query)
		if s := p.waitStatus(offlineGuard, "done", "error", "stopped"); s != "done" {
			t.Fatalf("%s, ?%s: status %q; error box: %s", when, query, s, p.text("error-box"))
		}
	}

	trains(cifar, "first visit")
	if b := build(); b != "one" {
		t.Fatalf("the first build is %q", b)
	}
	// The page waits for the worker, which downloads the site once: what
	// the first visit costs the server (the worker's install and the
	// images it kept included).
	p.waitFor(offlineGuard, "the page to say it keeps the CIFAR images it used", `document.documentElement.dataset.nnlabKeptCifar === "256/100"`)
	n, b := sent.get()
	t.Logf("first visit (CIFAR, 256 + 100 images): %d requests, %.2f MB sent", n, float64(b)/1e6)
	trains(weather, "online visit")
	p.waitFor(offlineGuard, "the page to say it keeps the weather data", `document.documentElement.dataset.nnlabKeptWeather === "yes"`)
	if s := eval[string](p, `document.documentElement.dataset.nnlabOnline || ""`); s != "yes" {
		t.Errorf("online, data-nnlab-online is %q", s)
	}
	note := p.text("offline-note")
	t.Logf("online: %s", note)
	if !strings.Contains(note, "the weather lesson") || !strings.Contains(note, "up to 256 of ") || !strings.Contains(note, "training and 100 of ") {
		t.Errorf("the page does not say what it keeps for offline use: %q", note)
	}

	// The server goes away: a reload of each lesson trains.
	stop()
	for _, q := range []string{weather, cifar} {
		trains(q, "offline")
		p.waitFor(offlineGuard, "the page to say it is offline", `document.documentElement.dataset.nnlabOnline === "no"`)
		box := p.text("offline-box")
		if p.isHidden("offline-box") || !strings.Contains(box, "Offline") || !strings.Contains(box, "the weather lesson") || !strings.Contains(box, "up to 256") {
			t.Errorf("offline, the page does not say what still works: hidden %v, %q", p.isHidden("offline-box"), box)
		}
	}
	t.Logf("offline: %s", p.text("offline-box"))
	// More images than were kept: the page says what it has.
	p.open(strings.Replace(cifar, "n=256", "n=512", 1))
	if s := p.waitStatus(offlineGuard, "done", "error", "stopped"); s != "error" || !strings.Contains(p.text("error-box"), "keeps the first 256 images") {
		t.Errorf("offline, 512 CIFAR images: status %q, error box %q; want an error that says 256 images are kept", s, p.text("error-box"))
	}
	trains(weather, "offline, again")

	// A new build comes with the server: the open page notices both
	// without a reload; the next visit runs the new build.
	two := newBuild(t, dist, "two")
	stop = serveOn(t, addr, two)
	defer stop()
	if two.Version() == one.Version() {
		t.Fatal("the new build has the old version")
	}
	p.waitFor(offlineGuard, "the page to notice the server is back", `document.documentElement.dataset.nnlabOnline === "yes"`)
	if !p.isHidden("offline-box") {
		t.Errorf("online again, the offline box still shows %q", p.text("offline-box"))
	}
	p.waitFor(offlineGuard, "the page to get the new build's worker", `document.documentElement.dataset.nnlabUpdate === "ready"`)
	if b := build(); b != "one" {
		t.Errorf("the open page changed build under its feet: %q", b)
	}
	trains(weather, "after the update")
	if b := build(); b != "two" {
		t.Errorf("the next visit after an update runs build %q, want two", b)
	}
	trains(cifar, "after the update")
}

// evalAwait evaluates a JavaScript expression that gives a promise of a
// string.
func evalAwait(p *page, expr string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// byteCounter counts the requests to h and the bytes it sends.
type byteCounter struct {
	h     http.Handler
	mu    sync.Mutex
	n     int
	bytes int64
}

func (c *byteCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &countingWriter{ResponseWriter: w}
	c.h.ServeHTTP(cw, r)
	c.mu.Lock()
	c.n++
	c.bytes += cw.n
	c.mu.Unlock()
}

func (c *byteCounter) get() (requests int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.bytes
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// newBuild is dist with nnlab.wasm changed (a custom section "nnlab-build"
// holding name, which Go's runtime ignores): a new build of the same site
// and data.
func newBuild(t *testing.T, dist, name string) *server.Lab {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(dist)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".gz") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dist, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "nnlab.wasm" {
			b = append(b, wasmCustomSection("nnlab-build", []byte(name))...)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lab, err := server.New(server.Options{Site: os.DirFS(dir), Data: os.DirFS(filepath.Join(dist, "data"))})
	if err != nil {
		t.Fatal(err)
	}
	return lab
}

// wasmCustomSection encodes a WebAssembly custom section (id 0, its size,
// the name's length and bytes, the payload; sizes as unsigned LEB128).
func wasmCustomSection(name string, payload []byte) []byte {
	leb := func(n int) []byte {
		var b []byte
		for {
			c := byte(n & 0x7f)
			n >>= 7
			if n != 0 {
				c |= 0x80
			}
			b = append(b, c)
			if n == 0 {
				return b
			}
		}
	}
	body := append(append(leb(len(name)), name...), payload...)
	return append(append([]byte{0}, leb(len(body))...), body...)
}

// serveOn serves h on addr (the previous server's port may take a moment
// to free) until the returned stop is called.
func serveOn(t *testing.T, addr string, h http.Handler) (stop func()) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 100 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	var once sync.Once
	return func() { once.Do(func() { srv.Close() }) }
}
