package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"nnlab/server"
)

// repoRoot is the module root (tests run in e2e/).
var repoRoot = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Dir(wd)
}()

var (
	siteOnce sync.Once
	siteURL  string
	siteErr  error
	siteSrv  *httptest.Server
)

func TestMain(m *testing.M) {
	code := m.Run()
	if siteSrv != nil {
		siteSrv.Close()
	}
	os.Exit(code)
}

// site serves dist/ (built by ./build.sh) for all tests of the run.
func site(t *testing.T) string {
	t.Helper()
	siteOnce.Do(func() {
		dist := filepath.Join(repoRoot, "dist")
		wasm := filepath.Join(dist, "nnlab.wasm")
		st, err := os.Stat(wasm)
		if err != nil {
			siteErr = fmt.Errorf("%s is missing: run ./build.sh first (it builds the wasm and copies the site and data into dist/)", wasm)
			return
		}
		if _, err := os.Stat(filepath.Join(dist, "data", "weather_prediction_dataset_light.csv")); err != nil {
			siteErr = fmt.Errorf("dist/data is incomplete (%v): run ./build.sh", err)
			return
		}
		if newer := newerSources(st.ModTime()); len(newer) > 0 {
			fmt.Fprintf(os.Stderr, "e2e: WARNING: dist/nnlab.wasm is older than %s: run ./build.sh to test the current code\n", strings.Join(newer, ", "))
		}
		siteSrv = httptest.NewServer(server.Handler(dist))
		siteURL = siteSrv.URL
	})
	if siteErr != nil {
		t.Fatal(siteErr)
	}
	return siteURL
}

// newerSources lists the browser lab's sources changed after t.
func newerSources(t time.Time) []string {
	var out []string
	for _, dir := range []string{"wasm", "site"} {
		filepath.WalkDir(filepath.Join(repoRoot, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if info, err := d.Info(); err == nil && info.ModTime().After(t) {
					rel, _ := filepath.Rel(repoRoot, p)
					out = append(out, rel)
				}
			}
			return nil
		})
	}
	if len(out) > 3 {
		out = append(out[:3], "...")
	}
	return out
}

// chromium finds the browser, or skips (fails with NNLAB_REQUIRE_BROWSER=1).
func chromium(t *testing.T) string {
	t.Helper()
	cands := []string{os.Getenv("NNLAB_CHROMIUM"), "/usr/bin/chromium"}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			cands = append(cands, p)
		}
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	msg := "no Chromium found (set NNLAB_CHROMIUM, or apt-get install chromium)"
	if os.Getenv("NNLAB_REQUIRE_BROWSER") == "1" {
		t.Fatal("NNLAB_REQUIRE_BROWSER=1 but " + msg)
	}
	fmt.Fprintln(os.Stderr, "e2e: SKIPPING the browser tests: "+msg)
	t.Skip("SKIPPING: " + msg)
	return ""
}

// page is one tab of a headless Chromium.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu      sync.Mutex
	console []string

	// progress is a JavaScript expression for what the page shows of its
	// progress (default: labProgress).
	progress string
}

// newPage starts Chromium with the flags of shared/browser.md. With webgpu
// false, WebGPU is off (--disable-gpu, no --enable-unsafe-webgpu), so the
// lab must fall back to pure Go and say why.
func newPage(t *testing.T, webgpu bool) *page {
	t.Helper()
	exe := chromium(t)
	base := site(t)
	// The profile is removed by this test's cleanup, once Chromium is gone:
	// its helper processes may still be writing there for a moment after
	// the browser exits, which t.TempDir's removal reports as a failure.
	profile, err := os.MkdirTemp("", "nnlab-e2e-profile-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 1000),
	}
	if webgpu {
		opts = append(opts, chromedp.Flag("enable-unsafe-webgpu", true), chromedp.Flag("enable-features", "Vulkan"),
			chromedp.Flag("enable-unsafe-swiftshader", true)) // WebGL for the plots, without a deprecation warning
	} else {
		opts = append(opts, chromedp.Flag("disable-gpu", true), chromedp.Flag("enable-unsafe-swiftshader", true))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	p := &page{t: t, ctx: ctx, base: base}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		removeProfile(t, profile)
		if t.Failed() {
			p.mu.Lock()
			t.Logf("browser console:\n%s", strings.Join(p.console, "\n"))
			p.mu.Unlock()
		}
	})
	msgs := chromedp.Console(ctx) // starts the browser
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, m.String())
			p.mu.Unlock()
		}
	}()
	return p
}

// removeProfile removes a Chromium profile folder, trying again while the
// browser's last helper processes still write into it.
func removeProfile(t *testing.T, dir string) {
	var err error
	for range 50 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("leaving the browser profile %s: %v", dir, err)
}

// open loads the lab with a query string and waits for the document.
func (p *page) open(query string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Navigate(p.base+"/?"+query)); err != nil {
		p.t.Fatalf("opening ?%s: %v", query, err)
	}
}

// eval runs a JavaScript expression and decodes its result.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

func (p *page) status() string {
	return eval[string](p, `document.documentElement.dataset.nnlabStatus || ""`)
}

// Waiting. A test waits for what it checks (a status, an epoch, a text),
// never for a number of seconds: a slow or busy machine only makes it wait
// longer. What tells a slow page from a stuck one is its progress: the
// status, the run's status line (the epoch, and the step every 200 ms while
// training), the plots' epoch count and the error box. A wait fails when
// none of them has changed for stall, far longer than the quietest stretch
// of a working run. The longest seen was 2 minutes: SwiftShader compiling a
// weather fit's pipelines (under its "Training…" line) on a 2-core machine
// of this kind running about 20 busy processes; 10 minutes leaves five
// times that, and each wait logs its longest quiet stretch (-v).
// Where a wait must end even while the page makes progress (a repaint that
// never comes while training goes on), its bound comes from a speed the
// test measured on the same page (waitForWithin).
const stall = 10 * time.Minute

// labProgress is the lab page's progress, as one string.
const labProgress = `(() => { const t = id => (document.getElementById(id) || {}).textContent || "";
	const v = document.getElementById("view"), d = v && v.contentDocument;
	return [document.documentElement.dataset.nnlabStatus, t("run-status"), d?.documentElement?.dataset.epochs ?? "", t("error-box")].join("|") })()`

// until polls the JavaScript condition cond until it holds. It fails after
// quiet (at least stall) without progress, or when limit (if not zero) has
// passed, with a message naming what it waited for and what the page shows.
func (p *page) until(quiet, limit time.Duration, what, cond string) {
	p.t.Helper()
	quiet = max(quiet, stall)
	progress := p.progress
	if progress == "" {
		progress = labProgress
	}
	start := time.Now()
	last, lastChange, longest := "", start, time.Duration(0)
	for {
		r := eval[[]any](p, "[!!("+cond+"), String("+progress+")]")
		now := time.Now()
		if s, _ := r[1].(string); s != last {
			longest = max(longest, now.Sub(lastChange))
			last, lastChange = s, now
		}
		if ok, _ := r[0].(bool); ok {
			longest = max(longest, now.Sub(lastChange))
			p.noteQuiet(what, longest)
			return
		}
		switch {
		case now.Sub(lastChange) > quiet:
			p.t.Fatalf("still waiting for %s (%s): the page has shown no progress for %v (it shows %.300q); status %q, error box %q",
				what, cond, quiet, last, p.status(), p.text("error-box"))
		case limit > 0 && now.Sub(start) > limit:
			p.t.Fatalf("still waiting for %s (%s) after %v, the bound this test derived from the page's speed; it shows %.300q; status %q, error box %q",
				what, cond, limit.Round(time.Millisecond), last, p.status(), p.text("error-box"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// noteQuiet logs the longest stretch without progress of each wait that
// had one of over a second: the figure that stall must stay far above.
func (p *page) noteQuiet(what string, d time.Duration) {
	if d > time.Second {
		p.t.Logf("waiting for %s: longest stretch without progress %v", what, d.Round(100*time.Millisecond))
	}
}

// waitStatus polls <html data-nnlab-status> until it is one of want and
// returns it. quiet is how long the page may show no progress (raised to
// stall: callers written for fixed timeouts keep working on a slow machine).
func (p *page) waitStatus(quiet time.Duration, want ...string) string {
	p.t.Helper()
	js, _ := json.Marshal(want)
	p.until(quiet, 0, fmt.Sprintf("the status to be one of %v", want),
		string(js)+`.includes(document.documentElement.dataset.nnlabStatus || "")`)
	return p.status()
}

// waitFor polls a JavaScript condition; quiet as for waitStatus.
func (p *page) waitFor(quiet time.Duration, what, cond string) {
	p.t.Helper()
	p.until(quiet, 0, what, cond)
}

// waitForWithin polls a JavaScript condition for at most limit, a bound the
// test derived from a speed it measured on the page.
func (p *page) waitForWithin(limit time.Duration, what, cond string) {
	p.t.Helper()
	p.until(stall, limit, what, cond)
}

// text is an element's textContent ("" if there is none).
func (p *page) text(id string) string {
	return eval[string](p, fmt.Sprintf(`(document.getElementById(%q) || {}).textContent || ""`, id))
}

// train opens the lab with a query that autoruns, waits for the run to end
// (quiet as for waitStatus), fails unless it is done, and returns its result.
func (p *page) train(query string, quiet time.Duration) map[string]any {
	p.t.Helper()
	p.open(query)
	if s := p.waitStatus(quiet, "done", "error", "stopped"); s != "done" {
		p.t.Fatalf("?%s: status %q; error box: %s; code error: %s", query, s, p.text("error-box"), p.text("code-error"))
	}
	return p.result()
}

// result parses the JSON of #nnlab-result.
func (p *page) result() map[string]any {
	p.t.Helper()
	s := p.text("nnlab-result")
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		p.t.Fatalf("#nnlab-result is not one JSON object (%v): %.300q", err, s)
	}
	return m
}

// screenshotDir is NNLAB_SCREENSHOTS or a temporary folder.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("NNLAB_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// screenshot saves the viewport as name.png and returns it.
func (p *page) screenshot(name string) image.Image {
	p.t.Helper()
	b, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(screenshotDir(p.t), name+".png")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	return img
}

// screenshotUntil takes screenshots (saved as name.png) until ok accepts
// one and returns it. The plots repaint within a frame or two of a message,
// and a screenshot waits for a fresh frame: the bound, drawSettle, is a hang
// guard hundreds of times that on a busy machine. It fails with why, the
// reason of ok's last refusal.
func (p *page) screenshotUntil(name string, ok func(img image.Image) (why string)) image.Image {
	p.t.Helper()
	start := time.Now()
	for tries := 1; ; tries++ {
		img := p.screenshot(name)
		why := ok(img)
		if why == "" {
			if tries > 1 {
				p.t.Logf("%s: as wanted after %d screenshots in %v", name, tries, time.Since(start).Round(time.Millisecond))
			}
			return img
		}
		if time.Since(start) > drawSettle {
			p.t.Errorf("%s: after %d screenshots in %v: %s", name, tries, drawSettle, why)
			return img
		}
		time.Sleep(200 * time.Millisecond)
	}
}

const drawSettle = time.Minute

// plotsRect is where the plots' iframe is, in screenshot pixels.
func (p *page) plotsRect() image.Rectangle {
	r := eval[[]float64](p, `(() => { const r = document.getElementById("view").getBoundingClientRect(); const s = devicePixelRatio;
		return [r.left*s, r.top*s, r.right*s, r.bottom*s]; })()`)
	return image.Rect(int(r[0]), int(r[1]), int(r[2]), int(r[3]))
}

// countNear counts the pixels of img inside r within tol (per channel) of c.
func countNear(img image.Image, r image.Rectangle, c color.RGBA, tol int) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if absDiff(int(cr>>8), int(c.R)) <= tol && absDiff(int(cg>>8), int(c.G)) <= tol && absDiff(int(cb>>8), int(c.B)) <= tol {
				n++
			}
		}
	}
	return n
}

// countNonBackground counts pixels that are neither white nor the plots' background.
func countNonBackground(img image.Image, r image.Rectangle) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr>>8 < 200 || cg>>8 < 200 || cb>>8 < 200 {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}

// The plots' colours (wasm/draw_js.go): matplotlib's C0 and C1.
var (
	trainBlue = color.RGBA{31, 119, 180, 255}
	valOrange = color.RGBA{255, 127, 14, 255}
)

func num(t *testing.T, m map[string]any, path ...string) float64 {
	t.Helper()
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("result: %s is not an object", strings.Join(path, "."))
		}
		v = mm[k]
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("result: %s is %v, not a number", strings.Join(path, "."), v)
	}
	return f
}
