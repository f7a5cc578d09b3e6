package e2e

import (
	"encoding/json"
	"fmt"
	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"image"
	"math"
	"strings"
	"testing"
	"time"
)

// TestWeatherCPU trains the weather lesson briefly on the pure-Go device
// through a link, checks the result against the lesson and that the curves
// are drawn.
func TestWeatherCPU(t *testing.T) {
	t.Parallel()
	p := newPage(t, true)
	r := p.train("lesson=weather&epochs=5&batch=32&device=cpu&autorun=1", stall)
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
	p.waitFor(stall, "the curves on the plots", plotsEpochs+` >= 5`)
	p.screenshotUntil("weather_cpu", func(img image.Image) string {
		area := p.plotsRect()
		blue, orange := countNear(img, area, trainBlue, 40), countNear(img, area, valOrange, 40)
		p.t.Logf("plots: %d training-blue and %d validation-orange pixels", blue, orange)
		if blue < 300 || orange < 300 {
			return fmt.Sprintf("the curves are missing from the plots: %d blue, %d orange pixels (want ≥ 300 each)", blue, orange)
		}
		return ""
	})
}

// TestCIFARCPU trains the CIFAR-10 dropout model briefly on the pure-Go device.
func TestCIFARCPU(t *testing.T) {
	t.Parallel()
	p := newPage(t, true)
	r := p.train("lesson=cifar&n=256&test_n=100&epochs=2&device=cpu&preset=dropout&autorun=1", stall)
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
	p.screenshotUntil("cifar_cpu", func(img image.Image) string {
		area := p.plotsRect()
		orange := countNear(img, area, valOrange, 30)
		ink := countNonBackground(img, area)
		p.t.Logf("plots: %d validation-orange pixels, %d non-background pixels", orange, ink)
		if orange < 100 || ink < 40000 {
			return fmt.Sprintf("the plots look empty: %d orange, %d non-background pixels", orange, ink)
		}
		return ""
	})
}

// TestStop starts a long fit on the pure-Go device and presses Stop: the
// plots kept redrawing while it trained, and training halts at once,
// counted in epochs rather than seconds (which a busy machine stretches):
// the pure-Go device checks Stop before every step, so the fit ends with the
// epochs it had completed when Stop was pressed. WebGPU's Stop is checked in
// TestWeatherWebGPU's page.
func TestStop(t *testing.T) {
	t.Parallel()
	p := newPage(t, true)
	p.open("lesson=weather&epochs=5000&device=cpu&autorun=1")
	p.waitStatus(stall, "training")
	stopRun(t, p, "cpu")
}

// plotsEpochs is the number of epochs the plots have drawn.
const plotsEpochs = `(() => { const d = document.getElementById("view").contentDocument; return +(d?.documentElement?.dataset.epochs) || 0 })()`

// clickStop presses Stop and returns the epochs completed at that moment,
// read from the run's status line in the same task as the click: "Epoch
// e/N: loss ..." after epoch e's end, "Epoch e/N, step s/S" during epoch e.
func (p *page) clickStop() (completed int, line string) {
	p.t.Helper()
	line = eval[string](p, `(() => { const s = document.getElementById("run-status").textContent;
		document.getElementById("stop").click(); return s })()`)
	var e, n int
	if _, err := fmt.Sscanf(line, "Epoch %d/%d", &e, &n); err != nil {
		p.t.Fatalf("the run's status line at Stop is %q, not Epoch e/N...", line)
	}
	if !strings.HasPrefix(line, fmt.Sprintf("Epoch %d/%d:", e, n)) {
		e-- // during epoch e
	}
	return e, line
}

// waitStopped waits until the run's status line says the fit stopped, and
// fails as soon as it shows training two epochs past completed instead (a
// fit that ignores Stop fails then, not after all its epochs), or when
// limit, if not zero, has passed.
func (p *page) waitStopped(completed int, limit time.Duration) {
	p.t.Helper()
	p.waitStoppedWithin(completed, 2, limit)
}

// waitStoppedWithin is waitStopped with slack epochs past completed.
func (p *page) waitStoppedWithin(completed, slack int, limit time.Duration) {
	p.t.Helper()
	p.until(stall, limit, "the stop", fmt.Sprintf(`(() => { const s = document.getElementById("run-status").textContent;
		const m = s.match(/^Epoch (\d+)\//); return s.startsWith("Stopped after") || (m && +m[1] > %d) })()`, completed+slack))
	if line := p.text("run-status"); !strings.HasPrefix(line, "Stopped after") {
		p.t.Fatalf("Stop pressed with %d epochs completed, training went on: %q", completed, line)
	}
}

// completedEpochs is a condition on the run's status line: at least n
// epochs of the run now training are completed ("Epoch e/N: loss ..." after
// epoch e, "Epoch e/N, step s/S" during it). Unlike the plots' count, it
// holds for a run started in a page that trained before.
func completedEpochs(n int) string {
	return fmt.Sprintf(`(() => { const m = document.getElementById("run-status").textContent.match(/^Epoch (\d+)\/\d+(:?)/);
		return !!m && (m[2] === ":" ? +m[1] : +m[1] - 1) >= %d })()`, n)
}

// stopRun presses Stop during the long fit the page is training (status
// "training") and checks that it halts at once with the completed epochs.
// On WebGPU the page may handle the click while it awaits an epoch's
// readback, which then completes that epoch too; in the training worker
// the epoch the page shows may be behind the worker's.
func stopRun(t *testing.T, p *page, dev string) {
	first := 3 // epochs completed before Stop
	if dev == "webgpu" {
		first = 1 // SwiftShader: seconds an epoch, a minute on a busy machine
	}
	t0 := time.Now()
	p.waitFor(stall, "the first epochs", completedEpochs(first))
	firstEpochs := time.Since(t0)
	// The plots repaint at most every 500 ms while training: they must do
	// so again while it goes on. The bound is this page's own pace: ten
	// times what its first epochs and their repaints took.
	frames := eval[float64](p, `+document.getElementById("view").contentDocument.documentElement.dataset.redraws`)
	p.waitForWithin(max(10*firstEpochs, 5*time.Second), "the plots to repaint while training",
		`+document.getElementById("view").contentDocument.documentElement.dataset.redraws > `+fmt.Sprint(frames))
	slack := 0
	if dev == "webgpu" {
		slack = 1
	}
	start := time.Now()
	completed, line := p.clickStop()
	// In the training worker the status line the click read lags the run
	// by the messages on their way to the page and Stop's on its way to
	// the worker: the run may go on for as many epochs as it trains in
	// that time, which the bound takes from this page's pace (five seconds
	// of the epochs after the first ones, or of the first ones; at least
	// one epoch; a busy machine's page lags by seconds, still far from the
	// run's 5,000 epochs).
	if p.dataset("nnlabTrainer") == "worker" {
		pace := firstEpochs / time.Duration(first)
		if completed > first {
			pace = start.Sub(t0.Add(firstEpochs)) / time.Duration(completed-first)
		}
		slack += max(int(5*time.Second/max(pace, time.Millisecond)), 1)
	}
	// Training halts at once; the final evaluation follows (milliseconds on
	// the pure-Go device, seconds on SwiftShader's CPU-emulated GPU).
	p.waitStoppedWithin(completed, slack+2, 0)
	took := time.Since(start)
	s := p.waitStatus(stall, "stopped", "done", "error")
	t.Logf("Stop pressed at %q (%d epochs completed; the first %d took %v); training halted %v after Stop, results after %v",
		line, completed, first, firstEpochs.Round(time.Millisecond), took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if s != "stopped" {
		t.Fatalf("status %q after Stop; run status %q", s, p.text("run-status"))
	}
	r := p.result()
	maxRun := completed + slack
	t.Logf("the run stopped after %v epochs: %v past the status line the click read (%d allowed)", r["epochs_run"], num(t, r, "epochs_run")-float64(completed), slack)
	if n := num(t, r, "epochs_run"); n < float64(first) || n > float64(maxRun) {
		t.Errorf("epochs_run %v after Stop pressed with %d epochs completed; want %d..%d", n, completed, first, maxRun)
	}
	if r["stopped"] != true {
		t.Errorf("stopped = %v, want true", r["stopped"])
	}
}

// TestStopCIFAR presses Stop during a CIFAR-10 run, whose steps take a
// large fraction of a second on the pure-Go device (63 an epoch here): the
// fit stops at the step it is in, not at the end of its epoch, and the test
// images are predicted with the weights as they are.
func TestStopCIFAR(t *testing.T) {
	t.Parallel()
	p := newPage(t, true)
	p.open("lesson=cifar&n=2000&test_n=200&epochs=20&device=cpu&autorun=1")
	p.waitStatus(stall, "training")
	// The page's pace: the time of two steps (the status line shows each
	// step of a CIFAR fit, the steps being over 200 ms apart).
	step := func() int {
		var e, n, s int
		fmt.Sscanf(p.text("run-status"), "Epoch %d/%d, step %d/", &e, &n, &s)
		return s
	}
	p.waitFor(stall, "a training step", `/step [1-9]/.test(document.getElementById("run-status").textContent)`)
	s1, t1 := step(), time.Now()
	p.waitFor(stall, "two more steps", fmt.Sprintf(`(() => { const m = document.getElementById("run-status").textContent.match(/step (\d+)\//); return !m || +m[1] >= %d })()`, s1+2))
	s2 := step()
	perStep := time.Since(t1) / time.Duration(max(s2-s1, 1))
	completed, line := p.clickStop()
	start := time.Now()
	// The page handles the click between two steps (the click returns then)
	// and the fit stops before the next: what remains is a poll. Ten steps
	// is far above that on a busy machine too, and far below the rest of
	// an epoch, which a fit that stops only at an epoch's end would take.
	p.waitStopped(completed, 10*perStep)
	took := time.Since(start)
	s := p.waitStatus(stall, "stopped", "done", "error")
	t.Logf("Stop pressed at %q, a step taking %v; training stopped after %v, predictions after %v; %s", line, perStep.Round(time.Millisecond),
		took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), p.text("results"))
	if s != "stopped" {
		t.Fatalf("status %q after Stop; run status %q", s, p.text("run-status"))
	}

	r := p.result()
	if r["stopped"] != true || num(t, r, "epochs_run") != float64(completed) {
		t.Errorf("result after Stop pressed with %d epochs completed: stopped %v, epochs_run %v; want true, %d", completed, r["stopped"], r["epochs_run"], completed)
	}
	if acc := num(t, r, "metrics", "test_accuracy"); acc <= 0 || acc > 1 {
		t.Errorf("test accuracy %v after Stop", acc)
	}
	if res := p.text("results"); !strings.Contains(res, "weights as they are") {
		t.Errorf("results after Stop: %q", res)
	}
}

// TestModelError types a bad line into the model editor: the error names
// the line, the summary keeps the previous model and Train is off.
func TestModelError(t *testing.T) {
	t.Parallel()
	p := newPage(t, true)
	p.open("lesson=weather&device=cpu")
	p.waitStatus(stall, "ready")
	if s := p.text("summary"); !strings.Contains(s, "Total params: 14,101") {
		t.Fatalf("summary of the default model: %s", s)
	}
	setModel := func(text string) {
		eval[bool](p, `(() => { const e = document.getElementById("model-text"); e.value = `+jsString(text)+`;
			e.dispatchEvent(new Event("input", {bubbles: true})); return true })()`)
	}
	// A layer name that does not parse.
	setModel("Dense(100, activation=\"relu\")\nDens(5)\nDense(1)")
	p.waitFor(stall, "the model error", `!document.getElementById("model-error").hidden`)
	msg := p.text("model-error")
	t.Logf("model error: %s", msg)
	if !strings.Contains(msg, "Line 2") || !strings.Contains(msg, "Dens") {
		t.Errorf("the error should name line 2 and Dens: %s", msg)
	}
	if s := p.text("summary"); !strings.Contains(s, "Total params: 14,101") {
		t.Errorf("the summary did not keep the previous model: %s", s)
	}
	p.screenshot("weather_model_error")
	// Train is off while the editor shows a model that does not build.
	if !eval[bool](p, `document.getElementById("train").disabled`) {
		t.Errorf("Train is on with a bad line in the editor")
	}
	// A shape that does not fit.
	setModel("Dense(10)\nConv2D(3, (3, 3))\nDense(1)")
	p.waitFor(stall, "the shape error", `(() => { const t = document.getElementById("model-error").textContent; return t.includes("Line 2") && !t.includes("Dens ") })()`)
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
	p.waitFor(stall, "the new summary", `document.getElementById("model-error").hidden && document.getElementById("summary").textContent.includes("Total params: 911")`)
	eval[bool](p, `(document.getElementById("train").click(), true)`)
	if st := p.waitStatus(stall, "done", "error"); st != "done" {
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
	t.Parallel()
	p := newPage(t, false)
	p.open("")
	p.waitStatus(stall, "ready")
	name, note := p.text("device-name"), p.text("device-note")
	t.Logf("device: %s %s", name, note)
	if name != "pure Go (CPU)" || strings.TrimSpace(note) == "" {
		t.Errorf("with WebGPU off the page shows %q %q; want pure Go (CPU) and the reason", name, note)
	}
	p.screenshot("start_no_webgpu")
}

// TestWeatherWebGPU trains the weather lesson on the WebGPU device, in one
// page (SwiftShader compiles its pipelines once, which takes longer than the
// training): a short fit, then Stop during a long one, then a fit during
// which the GPUDevice is destroyed. In headless Chromium the adapter is
// SwiftShader, a CPU emulation: this checks the page, not speed (the
// kernels' numbers are checked by TestGPUConformanceInBrowser).
func TestWeatherWebGPU(t *testing.T) {
	t.Parallel()
	p := newPage(t, true)
	// Keep the devices the page and its training worker ask for, to
	// destroy them from the test: the worker's script runs behind a
	// prelude that keeps its devices and destroys them on a message.
	grab := `(() => {
		const keepDevices = (scope) => {
			const orig = GPUAdapter.prototype.requestDevice;
			GPUAdapter.prototype.requestDevice = async function (...args) {
				const d = await orig.apply(this, args);
				(scope.__nnlabDevices ||= []).push(d);
				return d;
			};
		};
		keepDevices(self);
		const keep = "(" + keepDevices.toString() + ")(self);";
		const Orig = window.Worker;
		window.Worker = function (url, opts) {
			const src = keep + "self.addEventListener('message', (e) => { if (e.data && e.data.type === 'test-destroy-devices') (self.__nnlabDevices || []).forEach((d) => d.destroy()); });" +
				"importScripts(" + JSON.stringify(new URL(url, document.baseURI).href) + ");";
			const w = new Orig(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), opts);
			(window.__nnlabWorkers ||= []).push(w);
			return w;
		};
	})();`
	if _, err := chromedp.Call(p.ctx, cdpage.AddScriptToEvaluateOnNewDocument, cdpage.AddScriptToEvaluateOnNewDocumentParams{Source: grab}); err != nil {
		t.Fatal(err)
	}
	r := p.train("lesson=weather&epochs=2&device=webgpu&autorun=1", stall)
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
	// The next runs start from the page's controls, on the same device.
	train := func(epochs int) {
		t.Helper()
		eval[bool](p, fmt.Sprintf(`(() => { document.getElementById("run-status").textContent = "";
			document.getElementById("epochs").value = "%d"; document.getElementById("train").click(); return true })()`, epochs))
		p.waitStatus(stall, "training")
	}
	t.Log("Stop during a long fit")
	train(5000)
	stopRun(t, p, "webgpu")
	t.Log("the GPUDevice lost during a fit")
	deviceLost(t, p, train)
}

// TestCIFARWebGPU trains the CIFAR-10 dropout model a little on WebGPU.
func TestCIFARWebGPU(t *testing.T) {
	t.Parallel()
	p := newPage(t, true)
	r := p.train("lesson=cifar&n=32&test_n=16&batch=16&epochs=1&device=webgpu&preset=dropout&autorun=1", stall)
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
	t.Parallel()
	p := newPage(t, true)
	p.open("device=auto")
	p.waitStatus(stall, "ready")
	name, note := p.text("device-name"), p.text("device-note")
	t.Logf("auto: %s %s", name, note)
	if name == "" || strings.TrimSpace(note) == "" && name == "pure Go (CPU)" {
		t.Errorf("auto: %q %q; want a device and, for pure Go, the reason", name, note)
	}
	p.screenshot("start_auto")
	// Switching the device keeps the choice in the address and the lesson links.
	eval[bool](p, `(() => { const s = document.getElementById("device-select"); s.value = "webgpu"; s.dispatchEvent(new Event("change")); return true })()`)
	p.waitFor(stall, "the WebGPU device", `document.getElementById("device-name").textContent.includes("swiftshader")`)
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

// deviceLost destroys the page's GPUDevice during a WebGPU fit (as a driver
// reset or a sleeping laptop would lose it): training goes on from the last
// completed epoch on the pure-Go device, finishes every epoch and says so.
func deviceLost(t *testing.T, p *page, train func(epochs int)) {
	const epochs = 8
	train(epochs)
	p.waitFor(stall, "two epochs", completedEpochs(2))
	n := eval[int](p, `(window.__nnlabDevices || []).map(d => d.destroy()).length +
		(window.__nnlabWorkers || []).map(w => w.postMessage({ type: "test-destroy-devices" })).length`)
	if n == 0 {
		t.Fatal("the page and its worker asked for no GPUDevice")
	}
	s := p.waitStatus(stall, "done", "stopped", "error")
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
