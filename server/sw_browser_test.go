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
	"strconv"
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
// records CSP violations, a lesson's small data file (one that installData
// lists: cached at install) and a large one (cached as fetched).
func swSite(t *testing.T, dir, build string) {
	t.Helper()
	files := map[string]string{
		"index.html": `<!doctype html><html><head><meta charset="utf-8"><title>nnlab ` + build + `</title>` +
			`<script>window.inlineRan = true;</script>` +
			`<script src="sw-register.js"></script><script src="app.js"></script></head><body><p id="b">` + build + `</p>` +
			`<iframe id="f" src="frame.html"></iframe></body></html>`,
		"frame.html": `<!doctype html><title>frame ` + build + `</title><script src="app.js"></script>`,
		"app.js": `window.violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
window.build = ` + "`" + build + "`" + `;
window.wasmOK = WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => true, (e) => String(e));
`,
		"data/x.bin": strings.Repeat("0123456789", 10000),
		"data/weather_prediction_dataset_light.csv": swWeather,
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

// swWeather is the lesson data of swSite: 41 bytes.
const swWeather = "DATE,MONTH,BASEL_sunshine\n20000101,1,2.5\n"

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
// http://127.0.0.1 (a secure context), once: site/sw.js installs and takes
// control of that first visit. It stops the server and checks that the
// page, a query URL of it, the lesson's small data file (never fetched by
// the page: kept at install) and the data the page fetched (whole and
// ranges, also ranges inside a kept range) still load, that a range not kept
// gets the worker's offline answer, and what the worker says it keeps. Then
// it starts a new build on the same address: a page of the old build keeps
// getting the old build's files (its frame too), the next visit is the new
// build, and the old build's cache goes. It also checks, in a real browser, that the
// Content-Security-Policy lets the page run its inline script and
// WebAssembly and reports no violation.
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
	// The page's own promise: the worker controls it (or gave up: "false").
	const waitControlled = `window.nnlabWorker.then(() => String(!!navigator.serviceWorker.controller))`
	const siteCaches = `caches.keys().then((k) => k.filter((n) => n.startsWith('nnlab-site-')).sort().join(','))`
	const fetchData = `(async () => {
		const whole = await fetch('data/x.bin');
		const part = await fetch('data/x.bin', { headers: { Range: 'bytes=10-19' } });
		return whole.status + ' ' + (await whole.text()).length + ' ' + part.status + ' ' + (await part.text()) + ' ' + part.headers.get('Content-Range');
	})()`
	const wantData = "200 100000 206 0123456789 bytes 10-19/100000"
	const weather = `fetch('data/weather_prediction_dataset_light.csv').then(async (r) => r.status + ' ' + (await r.text()).split('\n')[1])`
	const wantWeather = "200 20000101,1,2.5"
	// kept asks the worker what it keeps, as the page does.
	const kept = `new Promise((resolve) => {
		navigator.serviceWorker.addEventListener('message', (e) => {
			if (e.data && e.data.nnlab === 'kept') resolve(Object.entries(e.data.kept).sort().map(([k, v]) => k + ':' + v.bytes + '/' + v.size).join(' '));
		});
		navigator.serviceWorker.startMessages();
		navigator.serviceWorker.controller.postMessage({ nnlab: 'kept' });
	})`

	open(base + "/?lesson=weather&autorun=1")
	if got := eval(waitControlled); got != "true" {
		t.Fatalf("the service worker does not control the page of the first visit: %s", got)
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
	if got := eval(`fetch('data/x.bin', { headers: { Range: 'bytes=0-999' } }).then((r) => r.status + ' ' + r.headers.get('Content-Range'))`); got != "206 bytes 0-999/100000" {
		t.Errorf("a range online: %q", got)
	}
	if got := eval(siteCaches); got != "nnlab-site-"+v1 {
		t.Errorf("caches %s", got)
	}
	// The range goes into the cache after the answer: wait on the worker.
	got := eval(kept)
	for !strings.Contains(got, "x.bin:1000/") {
		time.Sleep(50 * time.Millisecond)
		got = eval(kept)
	}
	if want := "data/weather_prediction_dataset_light.csv:41/41 data/x.bin:1000/100000"; got != want {
		t.Errorf("the worker keeps %q, want %q", got, want)
	}

	// The server goes away: the lab keeps working, with what the first
	// visit kept.
	stop()
	open(base + "/?lesson=weather&epochs=5&device=cpu&autorun=1")
	if got := eval(`document.getElementById('b').textContent + ' ' + window.build`); got != "one one" {
		t.Errorf("offline page: %q", got)
	}
	if got := eval(weather); got != wantWeather {
		t.Errorf("the lesson's data offline after one visit: %q, want %q", got, wantWeather)
	}
	if got := eval(`fetch('data/x.bin', { headers: { Range: 'bytes=10-19' } }).then(async (r) => r.status + ' ' + await r.text() + ' ' + r.headers.get('Content-Range'))`); got != "206 0123456789 bytes 10-19/100000" {
		t.Errorf("a range inside a kept range, offline: %q", got)
	}
	if got := eval(`fetch('data/x.bin', { headers: { Range: 'bytes=0-1999' } }).then(async (r) => r.status + ' ' + r.headers.get('X-Nnlab-Offline') + ' ' + r.headers.get('X-Nnlab-Kept') + ' ' + await r.text())`); !strings.HasPrefix(got, "504 1 1000 The server cannot be reached") {
		t.Errorf("a range not kept, offline: %q", got)
	}
	// Online again, the page fetches the whole file: it is kept, and
	// answers any range offline.
	stop, _ = serveAt(t, addr, dir)
	if got := eval(fetchData); got != wantData {
		t.Errorf("data online: %q, want %q", got, wantData)
	}
	for !strings.Contains(eval(kept), "x.bin:100000/") {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if got := eval(fetchData); got != wantData {
		t.Errorf("data offline: %q, want %q", got, wantData)
	}
	if got := eval(`fetch('data/x.bin', { headers: { Range: 'bytes=99990-' } }).then(async (r) => r.status + ' ' + await r.text())`); got != "206 0123456789" {
		t.Errorf("open range offline: %q", got)
	}

	// A new build on the same address. The open page (of build one) finds
	// the new worker; once it runs, the page still gets build one's files.
	swSite(t, dir, "two")
	stop2, v2 := serveAt(t, addr, dir)
	defer stop2()
	if v2 == v1 {
		t.Fatal("the new build has the old version")
	}
	if got := eval(`(async () => {
		const changed = new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
		await (await navigator.serviceWorker.ready).update();
		await changed;
		return fetch('app.js').then((r) => r.text()).then((s) => s.includes('build = ` + "`one`" + `') ? 'one' : s);
	})()`); got != "one" {
		t.Errorf("a page of build one, after the new worker took over, got app.js %q; caches %s", got,
			eval(`(async () => { const out = []; for (const k of await caches.keys()) out.push(k + ': ' + (await (await caches.open(k)).keys()).map((r) => r.url.replace(location.origin, '')).join(' ')); return out.join('\n'); })()`))
	}
	// Its frame, loaded again, is build one's too (the plots' frame runs
	// the page's module).
	if got := eval(`(async () => {
		const f = document.getElementById('f');
		const loaded = new Promise((r) => f.addEventListener('load', r, { once: true }));
		f.src = 'frame.html?again';
		await loaded;
		return f.contentDocument.title + ', ' + f.contentWindow.build;
	})()`); got != "frame one, one" {
		t.Errorf("the frame of a page of build one, loaded after the new worker took over: %q, want build one's", got)
	}
	open(base + "/")
	if got := eval(`window.build`); got != "two" {
		t.Errorf("the next visit after an update is build %q, want two", got)
	}
	// The old build's cache goes once no page uses it, and the worker
	// forgets the pages that are gone: of the pages this test opened, only
	// the open one and its frame (and, until the next prune, the one before)
	// keep a pin.
	const pinCount = `caches.open('nnlab-pins').then((c) => c.keys()).then((k) => k.filter((r) => r.url.includes('/nnlab-pin/')).length).then(String)`
	pinned := ""
	for range 100 {
		got, pinned = eval(siteCaches), eval(pinCount)
		if n, _ := strconv.Atoi(pinned); got == "nnlab-site-"+v2 && n <= 4 {
			break
		}
		open(base + "/")
		time.Sleep(100 * time.Millisecond)
	}
	if n, _ := strconv.Atoi(pinned); n > 4 {
		t.Errorf("after %d pages, the worker keeps %s pins: it does not forget the pages that are gone", 100, pinned)
	}
	if got != "nnlab-site-"+v2 {
		t.Errorf("after a new build, caches %s, want the new build's only; pins: %s", got,
			eval(`(async () => { const c = await caches.open('nnlab-pins'); const out = []; for (const r of await c.keys()) out.push(r.url.replace(location.origin, '') + '=' + (await (await c.match(r))?.text())); return out.join(' '); })()`))
	}
	// The data file did not change: still kept.
	if got := eval(kept); !strings.Contains(got, "x.bin:100000/100000") || !strings.Contains(got, "weather_prediction_dataset_light.csv:41/41") {
		t.Errorf("after the update the worker keeps %q, want the unchanged data files", got)
	}
}

// newBrowser starts headless Chromium with a fresh profile and without its
// background networking (which keeps trying a closed network); it is
// closed when the test ends.
func newBrowser(t *testing.T, exe string) context.Context {
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Headless,
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-gpu", true), chromedp.UserDataDir(t.TempDir()))
	bctx, cancelB := chromedp.NewContext(actx)
	ctx, cancel := context.WithTimeout(bctx, 5*time.Minute) // a hang guard, not a speed claim
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
