//go:build !js

package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Chromium, or skips (fails with NNLAB_REQUIRE_BROWSER=1).
func chromiumPath(t *testing.T) string {
	t.Helper()
	cands := []string{os.Getenv("NNLAB_CHROMIUM"), "/usr/bin/chromium"}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			cands = append(cands, p)
		}
	}
	for _, c := range cands {
		if st, err := os.Stat(c); c != "" && err == nil && !st.IsDir() {
			return c
		}
	}
	msg := "no Chromium found (set NNLAB_CHROMIUM, or apt-get install chromium): the service worker and the CSP are NOT TESTED in a browser"
	if os.Getenv("NNLAB_REQUIRE_BROWSER") == "1" {
		t.Fatal("NNLAB_REQUIRE_BROWSER=1 but " + msg)
	}
	fmt.Fprintln(os.Stderr, "server: SKIPPING: "+msg)
	t.Skip("SKIPPING: " + msg)
	return ""
}

// swSite writes a small site around the real site/sw.js and
// site/sw-register.js: a page with an inline script (allowed by its hash), a
// script that instantiates WebAssembly (allowed by 'wasm-unsafe-eval') and
// records CSP violations, and a data file.
func swSite(t *testing.T, dir, build string) {
	t.Helper()
	files := map[string]string{
		"index.html": `<!doctype html><html><head><meta charset="utf-8"><title>nnlab ` + build + `</title>` +
			`<script>window.inlineRan = true;</script>` +
			`<script src="app.js"></script><script src="sw-register.js"></script></head><body><p id="b">` + build + `</p></body></html>`,
		"app.js": `window.violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
window.build = ` + "`" + build + "`" + `;
window.wasmOK = WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => true, (e) => String(e));
`,
		"data/x.bin": strings.Repeat("0123456789", 10000),
	}
	for _, name := range []string{"sw.js", "sw-register.js"} {
		b, err := os.ReadFile(filepath.Join("..", "site", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// serveAt serves the site in dir on addr until the returned stop is called.
func serveAt(t *testing.T, addr, dir string) (stop func(), version string) {
	t.Helper()
	lab := newLab(t, dir)
	var ln net.Listener
	var err error
	for range 50 { // the port of the previous server may take a moment
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: lab}
	go srv.Serve(ln)
	return func() { srv.Close() }, lab.Version()
}

// TestServiceWorkerOffline opens a page in headless Chromium over
// http://127.0.0.1 (a secure context), lets site/sw.js install, stops the
// server, and checks that the page, a query URL of it and the data (whole
// and a range) still load; then starts a new build on the same address and
// checks that the service worker moves to it. It also checks, in a real
// browser, that the Content-Security-Policy lets the page run its inline
// script and WebAssembly and reports no violation.
func TestServiceWorkerOffline(t *testing.T) {
	exe := chromiumPath(t)
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	dir := t.TempDir()
	swSite(t, dir, "one")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop, v1 := serveAt(t, addr, dir)
	base := "http://" + addr

	ctx := newBrowser(t, exe)
	eval := func(expr string) string { t.Helper(); return evalJS(t, ctx, expr) }
	open := func(url string) { t.Helper(); navigate(t, ctx, url) }
	const waitControlled = `(async () => {
		await navigator.serviceWorker.ready;
		for (let i = 0; i < 200 && !navigator.serviceWorker.controller; i++) await new Promise((r) => setTimeout(r, 50));
		return String(!!navigator.serviceWorker.controller);
	})()`
	const fetchData = `(async () => {
		const whole = await fetch('data/x.bin');
		const part = await fetch('data/x.bin', { headers: { Range: 'bytes=10-19' } });
		return whole.status + ' ' + (await whole.text()).length + ' ' + part.status + ' ' + (await part.text()) + ' ' + part.headers.get('Content-Range');
	})()`
	const wantData = "200 100000 206 0123456789 bytes 10-19/100000"

	open(base + "/")
	if got := eval(waitControlled); got != "true" {
		t.Fatalf("the service worker does not control the page: %s", got)
	}
	if got := eval(`window.inlineRan === true ? 'yes' : 'no'`); got != "yes" {
		t.Error("the inline script did not run: its CSP hash is wrong")
	}
	if got := eval(`window.wasmOK.then(String)`); got != "true" {
		t.Errorf("WebAssembly under the CSP: %s", got)
	}
	if got := eval(`JSON.stringify(window.violations)`); got != "[]" {
		t.Errorf("CSP violations: %s", got)
	}
	if got := eval(fetchData); got != wantData {
		t.Errorf("data online: %q, want %q", got, wantData)
	}
	if got := eval(`caches.keys().then((k) => k.sort().join(','))`); got != "nnlab-data,nnlab-site-"+v1 {
		t.Errorf("caches %s", got)
	}

	// The server goes away: the lab keeps working.
	stop()
	open(base + "/?lesson=weather&epochs=5&device=cpu&autorun=1")
	if got := eval(`document.getElementById('b').textContent + ' ' + window.build`); got != "one one" {
		t.Errorf("offline page: %q", got)
	}
	if got := eval(fetchData); got != wantData {
		t.Errorf("data offline: %q, want %q", got, wantData)
	}
	if got := eval(`fetch('data/x.bin', { headers: { Range: 'bytes=99990-' } }).then(async (r) => r.status + ' ' + await r.text())`); got != "206 0123456789" {
		t.Errorf("open range offline: %q", got)
	}

	// A new build on the same address: the browser installs its worker,
	// which drops the old build's cache; the next load is the new build.
	swSite(t, dir, "two")
	stop2, v2 := serveAt(t, addr, dir)
	defer stop2()
	if v2 == v1 {
		t.Fatal("the new build has the old version")
	}
	open(base + "/")
	got := ""
	for range 100 {
		got = eval(`caches.keys().then((k) => k.sort().join(','))`)
		if got == "nnlab-data,nnlab-site-"+v2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got != "nnlab-data,nnlab-site-"+v2 {
		t.Fatalf("after a new build, caches %s, want the new build's only", got)
	}
	open(base + "/")
	if got := eval(`window.build`); got != "two" {
		t.Errorf("after the update, the page is build %q, want two", got)
	}
	// The data file did not change: still cached.
	if got := eval(`caches.open('nnlab-data').then((c) => c.keys()).then((k) => String(k.length))`); got == "0" {
		t.Error("the update dropped an unchanged data file")
	}
}

// newBrowser starts headless Chromium with the flags of shared/browser.md
// and a fresh profile; it is closed when the test ends.
func newBrowser(t *testing.T, exe string) context.Context {
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Headless,
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-gpu", true), chromedp.UserDataDir(t.TempDir()))
	bctx, cancelB := chromedp.NewContext(actx)
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(func() { cancel(); cancelB(); cancelA() })
	return ctx
}

func evalJS(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
}

// TestClassroomPanel checks site/classroom.js in a browser: on a LAN
// server the page shows the address to join and its QR code (qr.svg,
// allowed by the CSP); on localhost it shows nothing.
func TestClassroomPanel(t *testing.T) {
	exe := chromiumPath(t)
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	dir := t.TempDir()
	js, err := os.ReadFile(filepath.Join("..", "site", "classroom.js"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "classroom.js"), js, 0o644)
	os.WriteFile(filepath.Join(dir, "index.html"), []byte(`<!doctype html><title>nnlab</title><header><h1>nnlab</h1></header><script src="classroom.js"></script>`), 0o644)
	ctx := newBrowser(t, exe)
	const panel = `(async () => {
		for (let i = 0; i < 100 && !document.querySelector('#classroom img')?.complete; i++) await new Promise((r) => setTimeout(r, 50));
		const s = document.querySelector('#classroom summary');
		const img = document.querySelector('#classroom img');
		return s ? s.textContent + ' | ' + img.naturalWidth : 'none';
	})()`

	lan, err := New(Options{Site: os.DirFS(dir), Classroom: &Classroom{URLs: []string{"http://192.0.2.10:8080/"}, LAN: true}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(lan)
	defer srv.Close()
	navigate(t, ctx, srv.URL+"/")
	if got := evalJS(t, ctx, panel); got != "Join this class: http://192.0.2.10:8080/ | 264" {
		t.Errorf("LAN page: %q", got)
	}

	local := httptest.NewServer(newLab(t, dir))
	defer local.Close()
	navigate(t, ctx, local.URL+"/")
	if got := evalJS(t, ctx, `new Promise((r) => setTimeout(r, 300)).then(() => document.querySelector('#classroom') ? 'shown' : 'none')`); got != "none" {
		t.Errorf("localhost page: %q, want no classroom box", got)
	}
}
