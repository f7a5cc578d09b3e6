package e2e

import (
	"encoding/json"
	"fmt"
	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"math"
	"strings"
	"testing"
	"time"
)

// TestWeatherCPU trains the weather lesson briefly on the pure-Go device
// through a link, checks the result against the lesson and that the curves
// are drawn.
func TestWeatherCPU(t *testing.T) {
	p := newPage(t, true)
	r := p.train("lesson=weather&epochs=5&batch=32&device=cpu&autorun=1", 60*time.Second)
	t.Logf("weather: device %v (%v), %v params, %v epochs in %.2f s, metrics %v", r["device"], r["adapter"], r["params"], r["epochs_run"], r["train_seconds"], r["metrics"])
	if r["device"] != "cpu" || r["adapter"] != "pure Go (CPU)" {
		t.Errorf("device %v, adapter %v; want cpu, pure Go (CPU)", r["device"], r["adapter"])
	}
	if n := num(t, r, "params"); n != 14101 {
		t.Errorf("params %v, want 14101 (the lesson's model.summary())", n)
	}
	if n := num(t, r, "epochs_run"); n != 5 {
		t.Errorf("epochs_run %v, want 5", n)
	}
	if s := num(t, r, "train_seconds"); !(s > 0) {
		t.Errorf("train_seconds %v", s)
	}
	for _, k := range []string{"train_rmse", "val_rmse", "test_rmse"} {
		if v := num(t, r, "metrics", k); !(v > 0 && v < 20) {
			t.Errorf("%s = %v", k, v)
		}
	}
	if v := num(t, r, "metrics", "test_rmse"); v < 2 || v > 10 {
		t.Errorf("test_rmse %v, want 2..10", v)
	}
	if v := num(t, r, "metrics", "baseline_test_rmse"); math.Abs(v-3.877) > 0.01 {
		t.Errorf("baseline_test_rmse %v, want 3.877 (the lesson's baseline)", v)
	}
	if !strings.Contains(p.text("summary"), "Total params: 14,101") {
		t.Errorf("summary: %s", p.text("summary"))
	}
	// The plots repaint after the last message; give them a few frames.
	p.waitFor(10*time.Second, "the scatter plots", `(() => { const d = document.getElementById("view").contentDocument; return d && +d.documentElement.dataset.epochs >= 5 })()`)
	time.Sleep(300 * time.Millisecond)
	img := p.screenshot("weather_cpu")
	area := p.plotsRect()
	blue, orange := countNear(img, area, trainBlue, 40), countNear(img, area, valOrange, 40)
	t.Logf("plots: %d training-blue and %d validation-orange pixels", blue, orange)
	if blue < 300 || orange < 300 {
		t.Errorf("the curves are missing from the plots: %d blue, %d orange pixels (want ≥ 300 each)", blue, orange)
	}
}

// TestCIFARCPU trains the CIFAR-10 dropout model briefly on the pure-Go device.
func TestCIFARCPU(t *testing.T) {
	p := newPage(t, true)
	r := p.train("lesson=cifar&n=256&test_n=100&epochs=2&device=cpu&preset=dropout&autorun=1", 90*time.Second)
	t.Logf("cifar: %v params, %v epochs in %.2f s (%.0f images/s), metrics %v", r["params"], r["epochs_run"], r["train_seconds"], r["images_per_second"], r["metrics"])
	if n := num(t, r, "params"); n != 36138 {
		t.Errorf("params %v, want 36138 (the lesson's cifar_model)", n)
	}
	for _, k := range []string{"train_accuracy", "val_accuracy", "test_accuracy"} {
		if v := num(t, r, "metrics", k); v < 0 || v > 1 {
			t.Errorf("%s = %v, want 0..1", k, v)
		}
	}
	conf, ok := r["confusion"].([]any)
	if !ok || len(conf) != 10 {
		t.Fatalf("confusion: %v", r["confusion"])
	}
	total := 0.0
	for _, row := range conf {
		for _, v := range row.([]any) {
			total += v.(float64)
		}
	}
	if total != 100 {
		t.Errorf("the confusion matrix counts %v test images, want 100", total)
	}
	facts := p.text("cifar-facts")
	for _, want := range []string{"(32, 32, 3)", "0..255", "labels 0..9"} {
		if !strings.Contains(facts, want) {
			t.Errorf("exercise 5 facts lack %q: %s", want, facts)
		}
	}
	time.Sleep(300 * time.Millisecond)
	img := p.screenshot("cifar_cpu")
	area := p.plotsRect()
	orange := countNear(img, area, valOrange, 30)
	ink := countNonBackground(img, area)
	t.Logf("plots: %d validation-orange pixels, %d non-background pixels", orange, ink)
	if orange < 100 || ink < 40000 {
		t.Errorf("the plots look empty: %d orange, %d non-background pixels", orange, ink)
	}
}

// TestStop starts a long fit and presses Stop, on the pure-Go device and on
// WebGPU: training halts within about a second, with fewer epochs, and the
// plots kept redrawing while it trained. SwiftShader's WebGPU emulates the GPU
// on the CPU, about 3 s a weather epoch here: its bounds are looser (the
// queued work it must drain, two submits, is a few milliseconds on a GPU).
func TestStop(t *testing.T) {
	for _, dev := range []string{"cpu", "webgpu"} {
		t.Run(dev, func(t *testing.T) { testStop(t, dev) })
	}
}

func testStop(t *testing.T, dev string) {
	window, halt := time.Second, 1500*time.Millisecond
	if dev == "webgpu" {
		window, halt = 4*time.Second, 4*time.Second
	}
	p := newPage(t, true)
	p.open("lesson=weather&epochs=5000&device=" + dev + "&autorun=1")
	p.waitStatus(30*time.Second, "training")
	p.waitFor(30*time.Second, "three epochs on the plots", `(() => { const d = document.getElementById("view").contentDocument; return d && +d.documentElement.dataset.epochs >= 3 })()`)
	frames := eval[float64](p, `+document.getElementById("view").contentDocument.documentElement.dataset.redraws`)
	time.Sleep(window)
	frames2 := eval[float64](p, `+document.getElementById("view").contentDocument.documentElement.dataset.redraws`)
	t.Logf("plots repainted %v times in the %v before Stop", frames2-frames, window)
	if frames2 <= frames {
		t.Errorf("the plots did not repaint while training (%v, then %v repaints)", frames, frames2)
	}
	start := time.Now()
	eval[bool](p, `(document.getElementById("stop").click(), true)`)
	// Training halts at once; the final evaluation follows (milliseconds on
	// the pure-Go device, seconds on SwiftShader's CPU-emulated GPU).
	p.waitFor(2*halt, "the stop", `document.getElementById("run-status").textContent.startsWith("Stopped after")`)
	took := time.Since(start)
	s := p.waitStatus(30*time.Second, "stopped", "done", "error")
	t.Logf("training halted %v after Stop, results after %v", took, time.Since(start))
	if s != "stopped" {
		t.Fatalf("status %q after Stop", s)
	}
	if took > halt {
		t.Errorf("training halted %v after Stop, want %v at most", took, halt)
	}
	r := p.result()
	if n := num(t, r, "epochs_run"); n >= 5000 || n < 3 {
		t.Errorf("epochs_run %v after Stop", n)
	}
	if r["stopped"] != true {
		t.Errorf("stopped = %v, want true", r["stopped"])
	}
}

// TestStopCIFAR presses Stop during a CIFAR-10 run, whose epochs and
// evaluation take many seconds on the pure-Go device.
func TestStopCIFAR(t *testing.T) {
	p := newPage(t, true)
	p.open("lesson=cifar&n=2000&test_n=1000&epochs=20&device=cpu&autorun=1")
	p.waitStatus(30*time.Second, "training")
	p.waitFor(30*time.Second, "training steps", `document.getElementById("run-status").textContent.includes("step")`)
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	eval[bool](p, `(document.getElementById("stop").click(), true)`)
	// Training halts at once; then the test images are predicted with the
	// weights as they are (a few seconds on the pure-Go device).
	p.waitFor(5*time.Second, "the stop", `document.getElementById("run-status").textContent.startsWith("Stopped after")`)
	took := time.Since(start)
	s := p.waitStatus(30*time.Second, "stopped", "done", "error")
	t.Logf("training stopped after %v, predictions after %v; %s", took, time.Since(start), p.text("results"))
	if s != "stopped" || took > 1500*time.Millisecond {
		t.Errorf("status %q, training halted %v after Stop; want stopped within about a second", s, took)
	}
	r := p.result()
	if r["stopped"] != true || num(t, r, "epochs_run") != 0 {
		t.Errorf("result after Stop in the first epoch: stopped %v, epochs_run %v", r["stopped"], r["epochs_run"])
	}
	if acc := num(t, r, "metrics", "test_accuracy"); acc <= 0 || acc > 1 {
		t.Errorf("test accuracy %v after Stop", acc)
	}
	if res := p.text("results"); !strings.Contains(res, "weights as they are") {
		t.Errorf("results after Stop: %q", res)
	}
}

// TestModelError types a bad line into the model editor: the error names
// the line and the summary keeps the previous model.
func TestModelError(t *testing.T) {
	p := newPage(t, true)
	p.open("lesson=weather&device=cpu")
	p.waitStatus(30*time.Second, "ready")
	if s := p.text("summary"); !strings.Contains(s, "Total params: 14,101") {
		t.Fatalf("summary of the default model: %s", s)
	}
	setModel := func(text string) {
		eval[bool](p, `(() => { const e = document.getElementById("model-text"); e.value = `+jsString(text)+`;
			e.dispatchEvent(new Event("input", {bubbles: true})); return true })()`)
	}
	// A layer name that does not parse.
	setModel("Dense(100, activation=\"relu\")\nDens(5)\nDense(1)")
	p.waitFor(5*time.Second, "the model error", `!document.getElementById("model-error").hidden`)
	msg := p.text("model-error")
	t.Logf("model error: %s", msg)
	if !strings.Contains(msg, "Line 2") || !strings.Contains(msg, "Dens") {
		t.Errorf("the error should name line 2 and Dens: %s", msg)
	}
	if s := p.text("summary"); !strings.Contains(s, "Total params: 14,101") {
		t.Errorf("the summary did not keep the previous model: %s", s)
	}
	p.screenshot("weather_model_error")
	// Train trains the last model that built.
	eval[bool](p, `(() => { document.getElementById("epochs").value = "2"; document.getElementById("train").click(); return true })()`)
	if st := p.waitStatus(30*time.Second, "done", "error"); st != "done" {
		t.Fatalf("training the last valid model: %s (%s)", st, p.text("error-box"))
	}
	if r := p.result(); num(t, r, "params") != 14101 || num(t, r, "epochs_run") != 2 {
		t.Errorf("Train with a bad line trained %v params for %v epochs, want the last valid model (14101) for 2", r["params"], r["epochs_run"])
	}
	// A shape that does not fit.
	setModel("Dense(10)\nConv2D(3, (3, 3))\nDense(1)")
	p.waitFor(5*time.Second, "the shape error", `(() => { const t = document.getElementById("model-error").textContent; return t.includes("Line 2") && !t.includes("Dens ") })()`)
	msg = p.text("model-error")
	t.Logf("shape error: %s", msg)
	if !strings.Contains(msg, "conv2d") {
		t.Errorf("the shape error should name the layer: %s", msg)
	}
	if s := p.text("summary"); !strings.Contains(s, "Total params: 14,101") {
		t.Errorf("the summary did not keep the previous model: %s", s)
	}
	// A good model replaces the summary.
	setModel("Dense(10, activation=\"relu\")\nDense(1)")
	p.waitFor(5*time.Second, "the new summary", `document.getElementById("model-error").hidden && document.getElementById("summary").textContent.includes("Total params: 911")`)
	eval[bool](p, `(document.getElementById("train").click(), true)`)
	if st := p.waitStatus(30*time.Second, "done", "error"); st != "done" {
		t.Fatalf("training the new model: %s (%s)", st, p.text("error-box"))
	}
	if r := p.result(); num(t, r, "params") != 911 {
		t.Errorf("the new model has %v params, want 911", r["params"])
	}
	p.screenshot("weather_model_editor")
}

// TestNoWebGPU starts Chromium with WebGPU off: the lab falls back to the
// pure-Go device and says why.
func TestNoWebGPU(t *testing.T) {
	p := newPage(t, false)
	p.open("")
	p.waitStatus(30*time.Second, "ready")
	name, note := p.text("device-name"), p.text("device-note")
	t.Logf("device: %s %s", name, note)
	if name != "pure Go (CPU)" || strings.TrimSpace(note) == "" {
		t.Errorf("with WebGPU off the page shows %q %q; want pure Go (CPU) and the reason", name, note)
	}
	p.screenshot("start_no_webgpu")
}

// TestWeatherWebGPU trains the weather lesson on the WebGPU device. In
// headless Chromium that is SwiftShader, a CPU emulation: this checks
// correctness, not speed.
func TestWeatherWebGPU(t *testing.T) {
	p := newPage(t, true)
	r := p.train("lesson=weather&epochs=2&device=webgpu&autorun=1", 90*time.Second)
	t.Logf("weather on %v (%v): %v epochs in %.2f s, metrics %v", r["device"], r["adapter"], r["epochs_run"], r["train_seconds"], r["metrics"])
	if r["device"] != "webgpu" || r["adapter"] == "" || r["adapter"] == "pure Go (CPU)" {
		t.Errorf("device %v, adapter %v; want webgpu and the adapter's name", r["device"], r["adapter"])
	}
	if !strings.Contains(p.text("device-name"), fmt.Sprint(r["adapter"])) {
		t.Errorf("the page shows the device %q, the run used %v", p.text("device-name"), r["adapter"])
	}
	if v := num(t, r, "metrics", "test_rmse"); v < 2 || v > 10 {
		t.Errorf("test_rmse %v, want 2..10", v)
	}
	if v := num(t, r, "metrics", "baseline_test_rmse"); math.Abs(v-3.877) > 0.01 {
		t.Errorf("baseline_test_rmse %v", v)
	}
	p.screenshot("weather_webgpu")
}

// TestCIFARWebGPU trains the CIFAR-10 dropout model a little on WebGPU.
func TestCIFARWebGPU(t *testing.T) {
	p := newPage(t, true)
	r := p.train("lesson=cifar&n=32&test_n=16&batch=16&epochs=1&device=webgpu&preset=dropout&autorun=1", 120*time.Second)
	t.Logf("cifar on %v (%v): %.2f s, metrics %v", r["device"], r["adapter"], r["train_seconds"], r["metrics"])
	if r["device"] != "webgpu" {
		t.Errorf("device %v, want webgpu", r["device"])
	}
	for _, k := range []string{"train_accuracy", "val_accuracy", "test_accuracy"} {
		if v := num(t, r, "metrics", k); v < 0 || v > 1 {
			t.Errorf("%s = %v, want 0..1", k, v)
		}
	}
	p.screenshot("cifar_webgpu")
}

// TestAutoDevice: with WebGPU on a software adapter (SwiftShader), "auto"
// picks the faster pure-Go device and says why.
func TestAutoDevice(t *testing.T) {
	p := newPage(t, true)
	p.open("device=auto")
	p.waitStatus(30*time.Second, "ready")
	name, note := p.text("device-name"), p.text("device-note")
	t.Logf("auto: %s %s", name, note)
	if name == "" || strings.TrimSpace(note) == "" && name == "pure Go (CPU)" {
		t.Errorf("auto: %q %q; want a device and, for pure Go, the reason", name, note)
	}
	p.screenshot("start_auto")
	// Switching the device keeps the choice in the address and the lesson links.
	eval[bool](p, `(() => { const s = document.getElementById("device-select"); s.value = "webgpu"; s.dispatchEvent(new Event("change")); return true })()`)
	p.waitFor(20*time.Second, "the WebGPU device", `document.getElementById("device-name").textContent.includes("swiftshader")`)
	if href := eval[string](p, `document.getElementById("open-weather").getAttribute("href")`); href != "?lesson=weather&device=webgpu" {
		t.Errorf("the weather link is %q after switching to WebGPU", href)
	}
	if loc := eval[string](p, `location.search`); !strings.Contains(loc, "device=webgpu") {
		t.Errorf("the address is %q after switching to WebGPU", loc)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestDeviceLostInBrowser destroys the page's GPUDevice during a WebGPU fit
// (as a driver reset or a sleeping laptop would lose it): training goes on
// from the last completed epoch on the pure-Go device, finishes every epoch
// and says so.
func TestDeviceLostInBrowser(t *testing.T) {
	p := newPage(t, true)
	// Keep the devices the page asks for, to destroy them from the test.
	grab := `(() => {
		const orig = GPUAdapter.prototype.requestDevice;
		GPUAdapter.prototype.requestDevice = async function (...args) {
			const d = await orig.apply(this, args);
			(window.__nnlabDevices ||= []).push(d);
			return d;
		};
	})();`
	if _, err := chromedp.Call(p.ctx, cdpage.AddScriptToEvaluateOnNewDocument, cdpage.AddScriptToEvaluateOnNewDocumentParams{Source: grab}); err != nil {
		t.Fatal(err)
	}
	const epochs = 8
	p.open(fmt.Sprintf("lesson=weather&epochs=%d&device=webgpu&autorun=1", epochs))
	p.waitStatus(60*time.Second, "training")
	p.waitFor(60*time.Second, "two epochs on the plots", `(() => { const d = document.getElementById("view").contentDocument; return d && +d.documentElement.dataset.epochs >= 2 })()`)
	n := eval[int](p, `(window.__nnlabDevices || []).map(d => d.destroy()).length`)
	if n == 0 {
		t.Fatal("the page asked for no GPUDevice")
	}
	s := p.waitStatus(120*time.Second, "done", "stopped", "error")
	r := p.result()
	t.Logf("status %s; notes %v; results: %s", s, r["notes"], p.text("results"))
	if s != "done" || num(t, r, "epochs_run") != epochs {
		t.Fatalf("after losing the GPU device: status %q, epochs_run %v; want done with all %d epochs", s, r["epochs_run"], epochs)
	}
	notes := fmt.Sprint(r["notes"])
	if !strings.Contains(notes, "lost") || !strings.Contains(notes, "pure Go") {
		t.Errorf("notes %q do not say the device was lost and training went on in pure Go", notes)
	}
	if res := p.text("results"); !strings.Contains(res, "lost") {
		t.Errorf("the page's results do not mention the lost device: %q", res)
	}
}
