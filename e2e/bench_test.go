package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowserBenchmark prints the browser lab's speed on the pure-Go device
// in headless Chromium, through the link contract. It is a report, not a
// check: it runs only with NNLAB_BROWSER_BENCH=1. NNLAB_BENCH_QUERY runs
// one link instead of the report.
//
//   - the weather lesson's 200 epochs (batch 32): the TF.js wasm backend
//     takes 14.2 s;
//   - the CIFAR-10 dropout model: TF.js's cpu backend trains 6.6 images/s (its wasm backend cannot train it); the target is 10x that, 66 images/s;
//   - the first visit's download, compressed.
func TestBrowserBenchmark(t *testing.T) {
	if os.Getenv("NNLAB_BROWSER_BENCH") != "1" {
		t.Skip("set NNLAB_BROWSER_BENCH=1 for the speed report")
	}
	p := newPage(t, os.Getenv("NNLAB_BENCH_NOGPU") != "1")
	run := func(name, query string) map[string]any {
		start := time.Now()
		r := p.train(query, 10*time.Minute)
		t.Logf("%s: page to done %.1f s; fit %.2f s for %v epochs; yields %v (%v s); metrics %v",
			name, time.Since(start).Seconds(), num(t, r, "train_seconds"), r["epochs_run"], r["yields"], r["yield_seconds"], r["metrics"])
		return r
	}
	if q := os.Getenv("NNLAB_BENCH_QUERY"); q != "" {
		r := run("query", q)
		t.Logf("images/s %v", r["images_per_second"])
		time.Sleep(time.Second)
		t.Logf("plots: %v", eval[map[string]string](p, `(() => { const d = document.getElementById("view").contentDocument; return d ? Object.assign({}, d.documentElement.dataset) : {} })()`))
		p.screenshot("bench_query")
		if os.Getenv("NNLAB_BENCH_CONSOLE") == "1" {
			p.mu.Lock()
			t.Logf("console:\n%s", strings.Join(p.console, "\n"))
			p.mu.Unlock()
		}
		return
	}
	var rep strings.Builder
	w := run("weather", "lesson=weather&epochs=200&batch=32&device=cpu&autorun=1")
	fmt.Fprintf(&rep, "weather, 200 epochs, batch 32, pure Go in Chromium: fit %.2f s (TF.js wasm: 14.2 s), test RMSE %.2f\n",
		num(t, w, "train_seconds"), num(t, w, "metrics", "test_rmse"))
	p.screenshot("bench_weather")
	c := run("cifar", "lesson=cifar&preset=dropout&n=1000&test_n=100&epochs=1&device=cpu&autorun=1")
	fmt.Fprintf(&rep, "CIFAR-10 dropout model, 1000 images + 100 validation, pure Go in Chromium: %.1f images/s (target 66 = 10x TF.js cpu)\n",
		num(t, c, "images_per_second"))
	c2 := run("cifar", "lesson=cifar&preset=dropout&n=1000&test_n=1000&epochs=1&device=cpu&autorun=1")
	fmt.Fprintf(&rep, "  the same with the lesson's validation on 1000 test images: %.1f images/s (fit %.1f s)\n",
		num(t, c2, "images_per_second"), num(t, c2, "train_seconds"))
	p.screenshot("bench_cifar")
	fmt.Fprint(&rep, downloadReport(t))
	t.Log("\n" + rep.String())
}

// downloadReport sums what a first visit downloads: the page and its code
// (as the server sends them, gzip-compressed), then each lesson's data.
func downloadReport(t *testing.T) string {
	dist := filepath.Join(repoRoot, "dist")
	size := func(name string) (raw, gz int64) {
		if st, err := os.Stat(filepath.Join(dist, name)); err == nil {
			raw = st.Size()
		}
		gz = raw
		if st, err := os.Stat(filepath.Join(dist, name+".gz")); err == nil {
			gz = st.Size()
		}
		return raw, gz
	}
	var b strings.Builder
	var raw, gz int64
	for _, f := range []string{"index.html", "style.css", "wasm_exec.js", "nnlab.js", "sw-register.js", "classroom.js", "sw.js", "nnlab.wasm", "view.html", "view.js"} {
		r, g := size(f)
		raw, gz = raw+r, gz+g
		if f == "nnlab.wasm" {
			fmt.Fprintf(&b, "nnlab.wasm: %.2f MB, %.2f MB gzip\n", float64(r)/1e6, float64(g)/1e6)
		}
	}
	fmt.Fprintf(&b, "first visit (page, code, plots' iframe): %.2f MB, %.2f MB gzip\n", float64(raw)/1e6, float64(gz)/1e6)
	wr, wg := size("data/weather_prediction_dataset_light.csv")
	fmt.Fprintf(&b, "  + weather lesson data: %.2f MB, %.2f MB gzip\n", float64(wr)/1e6, float64(wg)/1e6)
	const rec = 3073
	fmt.Fprintf(&b, "  + CIFAR-10 lesson data (default n=2000 + 1000 test images, range requests, identity): %.2f MB\n", float64(3000*rec)/1e6)
	return b.String()
}
