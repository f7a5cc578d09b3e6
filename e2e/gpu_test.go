package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// harness runs a Go test binary compiled for js/wasm in the page, with the
// arguments and environment in the URL's fragment (JSON), collects what it
// writes (window.testOut, as it goes), and leaves {code, out} in
// window.testDone when it exits.
const harness = `<!doctype html>
<meta charset="utf-8">
<script src="wasm_exec.js"></script>
<script>
(async () => {
	const cfg = JSON.parse(decodeURIComponent(location.hash.slice(1)));
	const go = new Go();
	go.argv = ["test.wasm", ...cfg.args];
	go.env = cfg.env;
	let out = "";
	const dec = new TextDecoder();
	globalThis.fs.writeSync = (fd, buf) => { out += dec.decode(buf); window.testOut = out; return buf.length; };
	go.exit = (code) => { window.testDone = {code, out}; };
	try {
		const r = await WebAssembly.instantiateStreaming(fetch("test.wasm"), go.importObject);
		window.wasm = r; // cogentcore/webgpu's jsx reads wasm.instance's memory
		await go.run(r.instance);
	} catch (e) {
		window.testDone = {code: -1, out: out + "\nharness: " + e};
	}
})();
</script>
`

// TestGPUConformanceInBrowser runs package gpu's WebGPU tests (every kernel
// against float64, the MatMul tiles, ordering, aliasing) compiled to wasm in
// headless Chromium on SwiftShader: the WGSL goes through Tint there, which
// checks what naga natively does not (uniformity of barriers, for one);
// and the pure-Go device's kernels as the browser runs them (its
// WebAssembly SIMD product needs a page that publishes the module's
// memory, as this one does). NNLAB_BROWSER_GPU_BENCH=Dispatch runs that benchmark of package gpu
// instead and logs it (the cost of recording a dispatch from wasm).
func TestGPUConformanceInBrowser(t *testing.T) {
	t.Parallel()
	chromium(t)
	if testing.Short() {
		t.Skip("builds and runs the gpu tests in the browser")
	}
	wasm := filepath.Join(t.TempDir(), "gpu_test.wasm")
	build := exec.Command("go", "test", "-c", "-o", wasm, "./gpu")
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the gpu tests for js/wasm: %v\n%s", err, out)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(harness))
	})
	mux.HandleFunc("/wasm_exec.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"))
	})
	mux.HandleFunc("/test.wasm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/wasm")
		http.ServeFile(w, r, wasm)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	p := newPage(t, true)
	// The tests' output (-test.v: a line as each test and subtest starts and
	// ends) is their progress: the wait fails only when it stops growing.
	p.progress = `(window.testOut || "").length`
	// WebGPU's kernels, and the pure-Go device's as the browser runs them
	// (the WebAssembly SIMD product against the Go loop, bit for bit, and
	// the conformance suite on each kernel set).
	args := `["-test.run","WebGPU|SgemmWasm|ConformanceCPUKernels","-test.v","-test.short"]`
	bench := os.Getenv("NNLAB_BROWSER_GPU_BENCH")
	if bench != "" {
		args = `["-test.run","^$","-test.bench","` + bench + `","-test.benchtime","2000x"]`
	}
	cfg := `{"args":` + args + `,"env":{"NNLAB_REQUIRE_WEBGPU":"1","XDG_RUNTIME_DIR":"/tmp","HOME":"/"}}`
	if err := chromedp.Do(p.ctx, chromedp.Navigate(srv.URL+"/#"+cfg)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p.waitFor(stall, "the gpu tests to finish", `window.testDone !== undefined`)
	code := eval[int](p, `window.testDone.code`)
	out := eval[string](p, `window.testDone.out`)
	t.Logf("gpu tests in Chromium: exit %d after %v", code, time.Since(start).Round(time.Second))
	if bench != "" {
		t.Logf("%s", out)
		if code != 0 {
			t.Fatalf("benchmark %s: exit %d", bench, code)
		}
		return
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var passed []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "--- PASS: ") {
			passed = append(passed, strings.Join(strings.Fields(l)[2:], " "))
		}
	}
	t.Logf("passed: %s", strings.Join(passed, ", "))
	if code != 0 || strings.Contains(out, "SKIPPING WebGPU") || !strings.Contains(out, "--- PASS: TestConformanceWebGPU") {
		t.Fatalf("gpu tests in Chromium: exit %d; output:\n%s", code, out)
	}
	for _, want := range []string{"--- PASS: TestSgemmWasmSIMDExact", "--- PASS: TestConformanceCPUKernels/wasm-simd/"} {
		if !strings.Contains(out, want) {
			t.Errorf("the browser's SIMD product was not checked in Chromium (no %q); output:\n%s", want, out)
		}
	}
}
