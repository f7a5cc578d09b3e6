package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Runs (issue 15): every fit in the page is kept as a run in IndexedDB,
// listed per lesson, overlaid, deleted, and opens as its link.

// runRows are the runs table's rows: name, params cell and link.
func (p *page) runRows() []map[string]string {
	p.t.Helper()
	rows := eval[[]any](p, `[...document.querySelectorAll("#runs-table tbody tr")].map(tr => ({
		id: tr.dataset.id,
		name: tr.querySelector(".run-name").value,
		link: tr.querySelector(".run-link").getAttribute("href"),
		cells: [...tr.cells].map(c => c.textContent).join("|"),
	}))`)
	out := make([]map[string]string, len(rows))
	for i, r := range rows {
		m := map[string]string{}
		for k, v := range r.(map[string]any) {
			m[k], _ = v.(string)
		}
		out[i] = m
	}
	return out
}

// waitRuns waits until the runs panel has read the stored runs (state
// stored), holds n rows, has stored n runs and writes nothing more.
func (p *page) waitRuns(n int) {
	p.t.Helper()
	p.waitFor(stall, fmt.Sprintf("%d stored runs in the table", n), fmt.Sprintf(`(() => { const e = document.getElementById("runs-panel");
		return e.dataset.state === "stored" && e.dataset.saved === "%d" && (e.dataset.pending || "0") === "0" && document.querySelectorAll("#runs-table tbody tr").length === %d })()`, n, n))
}

// runColourPixels counts the overlay canvas's pixels near each colour
// (#rrggbb), within 40 a channel.
func (p *page) runColourPixels(colours ...string) []int {
	p.t.Helper()
	js := `(() => { const cv = document.getElementById("runs-overlay"), g = cv.getContext("2d");
		const d = g.getImageData(0, 0, cv.width, cv.height).data;
		return ` + jsStrings(colours) + `.map(h => { const c = [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16)); let n = 0;
			for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - c[0]) <= 40 && Math.abs(d[i+1] - c[1]) <= 40 && Math.abs(d[i+2] - c[2]) <= 40) n++;
			return n }) })()`
	v := eval[[]any](p, js)
	out := make([]int, len(v))
	for i, x := range v {
		f, _ := x.(float64)
		out[i] = int(f)
	}
	return out
}

func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = jsString(s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// tickRuns ticks exactly the runs with these ids (by clicking their boxes).
func (p *page) tickRuns(ids ...string) {
	p.t.Helper()
	eval[bool](p, `(() => { const want = `+jsStrings(ids)+`;
		for (const b of document.querySelectorAll('#runs-table input[data-act="tick"]'))
			if (b.checked !== want.includes(b.dataset.id)) b.click();
		return true })()`)
}

// The first two colours of the runs palette (Okabe-Ito blue, vermillion).
const runBlue, runVermillion = "#0072B2", "#D55E00"

// TestRunsKeptComparedDeleted trains three small weather models: they are
// three runs, still there after a reload; two overlaid show both colours;
// a run's link gives back its settings; deleting one and then all works
// and lasts.
func TestRunsKeptComparedDeleted(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	models := []string{
		"Dense(10, activation=\"relu\")\nDense(5, activation=\"relu\")\nDense(1)\n",
		"Dense(3, activation=\"tanh\")\nDense(1)\n",
		"Dense(20, activation=\"relu\")\nDense(1)\n",
	}
	names := []string{"run 1: 10-5-1 relu", "run 2: 3-1 tanh", "run 3: 20-1 relu"}
	var params []float64
	for i, m := range models {
		if i == 2 { // the third run without its weights; the choice is remembered
			eval[bool](p, `(document.getElementById("runs-keep-weights").click(), true)`)
		}
		r := p.train(fmt.Sprintf("lesson=weather&device=cpu&epochs=%d&batch=64&seed=3&plots=0&autorun=1&model=%s", 3+i, url.QueryEscape(m)), stall)
		params = append(params, num(t, r, "params"))
		p.waitRuns(i + 1)
	}
	if eval[bool](p, `document.getElementById("runs-keep-weights").checked`) {
		t.Error("keep weights was unticked before the third fit, and is ticked again after it")
	}
	// The weights kept: Float32Arrays with the parameters' shapes (89 inputs).
	shapes, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`new Promise((ok, bad) => { const r = indexedDB.open("nnlab");
		r.onerror = () => bad(r.error);
		r.onsuccess = () => { const q = r.result.transaction("weights").objectStore("weights").getAll();
			q.onsuccess = () => ok(q.result.map(w => w.tensors.map(t => t.param + "[" + t.shape.join(",") + "]:" +
				(t.data instanceof Float32Array && t.data.length === t.shape.reduce((a, b) => a * b, 1))).join(" ")).join("; ")) } })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("reading the weights store: %v", err)
	}
	t.Logf("stored weights: %s", shapes)
	if want := "kernel[89,10]:true bias[10]:true kernel[10,5]:true bias[5]:true kernel[5,1]:true bias[1]:true; kernel[89,3]:true bias[3]:true kernel[3,1]:true bias[1]:true"; shapes != want {
		t.Errorf("stored weights\n%s\nwant (runs 1 and 2; run 3 was told to keep none)\n%s", shapes, want)
	}
	check := func(when string) []map[string]string {
		rows := p.runRows()
		if len(rows) != 3 {
			t.Fatalf("%s: %d runs in the table, want 3", when, len(rows))
		}
		for i, r := range rows {
			if r["name"] != names[i] || !strings.Contains(r["cells"], fmt.Sprintf("|%d|", 3+i)) {
				t.Errorf("%s: run %d is %q (%s), want %q with %d epochs", when, i+1, r["name"], r["cells"], names[i], 3+i)
			}
		}
		return rows
	}
	check("after three fits")
	if s := p.text("runs-storage"); !strings.Contains(s, "3 runs stored in this browser") || !strings.Contains(s, "the browser allows") {
		t.Errorf("storage line %q", s)
	}

	p.open("lesson=weather&device=cpu&plots=0")
	p.waitStatus(stall, "ready")
	p.waitRuns(3)
	rows := check("after a reload")
	t.Logf("runs: %v (params %v)", rows, params)

	// Overlay: one run shows only its colour; two show both.
	p.tickRuns(rows[0]["id"])
	p.waitFor(stall, "one run's curves", `document.querySelectorAll("#runs-legend li").length === 1`)
	one := p.runColourPixels(runBlue, runVermillion)
	p.tickRuns(rows[0]["id"], rows[1]["id"])
	p.waitFor(stall, "two runs' curves", `document.querySelectorAll("#runs-legend li").length === 2`)
	two := p.runColourPixels(runBlue, runVermillion)
	t.Logf("overlay pixels (blue, vermillion): one run %v, two runs %v", one, two)
	if one[0] < 100 || one[1] > 0 {
		t.Errorf("run 1 alone: %d blue and %d vermillion pixels, want ≥ 100 and 0", one[0], one[1])
	}
	if two[0] < 100 || two[1] < 100 {
		t.Errorf("runs 1 and 2: %d blue and %d vermillion pixels, want ≥ 100 each", two[0], two[1])
	}
	eval[bool](p, `(document.getElementById("runs-panel").scrollIntoView(), true)`)
	p.screenshot("runs_overlay")
	if legend := p.text("runs-legend"); !strings.Contains(legend, names[0]) || !strings.Contains(legend, names[1]) {
		t.Errorf("legend %q lacks the runs' names", legend)
	}

	// Sorting by params puts the tanh model (fewest) first.
	eval[bool](p, `(document.querySelector('#runs-table th[data-col="params"]').click(), true)`)
	p.waitFor(stall, "the table sorted by params", `document.querySelector("#runs-table tbody tr .run-name").value === `+jsString(names[1]))

	// Rename run 1 and delete run 2: both last through a reload.
	p.waitFor(stall, "the name field of run 1", `!!document.querySelector('#runs-table input[data-act="rename"][data-id=`+jsString(rows[0]["id"])+`]')`)
	eval[bool](p, `(() => { const e = document.querySelector('#runs-table input[data-act="rename"][data-id=`+jsString(rows[0]["id"])+`]');
		e.value = "small relu"; e.dispatchEvent(new Event("change", {bubbles: true})); return true })()`)
	p.waitFor(stall, "the new name in the legend", `document.getElementById("runs-legend").textContent.includes("small relu")`)
	eval[bool](p, `(document.querySelector('#runs-table button[data-act="delete"][data-id=`+jsString(rows[1]["id"])+`]').click(), true)`)
	p.waitRuns(2)
	p.open("lesson=weather&device=cpu&plots=0")
	p.waitStatus(stall, "ready")
	p.waitRuns(2)
	if got := p.runRows(); got[0]["name"] != "small relu" || got[1]["name"] != names[2] {
		t.Errorf("after renaming run 1, deleting run 2 and a reload: %v", got)
	}

	// Run 3's link gives its settings and model back to the controls.
	p.open(strings.TrimPrefix(rows[2]["link"], "?"))
	p.waitStatus(stall, "ready")
	for id, want := range map[string]string{"epochs": "5", "batch": "64", "seed": "3", "optimizer": "adam", "model-text": models[2], "w-years": "3"} {
		if got := p.value(id); got != want {
			t.Errorf("run 3's link %s: #%s is %q, want %q", rows[2]["link"], id, got, want)
		}
	}

	// Delete all of the lesson's runs (a second click confirms).
	p.waitRuns(2)
	eval[bool](p, `(document.getElementById("runs-delete-all").click(), true)`)
	p.waitFor(stall, "the confirmation", `!document.getElementById("runs-confirm").hidden`)
	eval[bool](p, `(document.getElementById("runs-delete-all-yes").click(), true)`)
	p.waitRuns(0)
}

// TestRunsWithoutStorage: where IndexedDB refuses (a private window), a
// fit is still a run in the page, and the page says it is not stored.
func TestRunsWithoutStorage(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	// As Chromium does with cookies blocked: the storage getters throw.
	deny := `for (const k of ["indexedDB", "localStorage"])
		Object.defineProperty(window, k, { get() { throw new DOMException("The user denied permission to access the database.", "SecurityError") } });`
	if _, err := chromedp.Call(p.ctx, cdpage.AddScriptToEvaluateOnNewDocument, cdpage.AddScriptToEvaluateOnNewDocumentParams{Source: deny}); err != nil {
		t.Fatal(err)
	}
	p.train("lesson=weather&device=cpu&epochs=2&plots=0&autorun=1", stall)
	p.waitFor(stall, "the run in memory", `document.getElementById("runs-panel").dataset.state === "memory" && document.querySelectorAll("#runs-table tbody tr").length === 1`)
	msg := p.text("runs-msg")
	t.Logf("message: %s", msg)
	if !strings.Contains(msg, "kept in this page only") || !strings.Contains(msg, "SecurityError") {
		t.Errorf("runs message %q should say the runs stay in the page, and why", msg)
	}
	if rows := p.runRows(); len(rows) != 1 || rows[0]["name"] != "run 1: 100-50-1 relu" {
		t.Errorf("rows %v", rows)
	}
}

// TestRunsQuotaFull: when the browser refuses the space (a full quota), the
// run stays in the page and the page says so and what to do.
func TestRunsQuotaFull(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	full := `IDBObjectStore.prototype.put = function () { throw new DOMException("The quota has been exceeded.", "QuotaExceededError") };`
	if _, err := chromedp.Call(p.ctx, cdpage.AddScriptToEvaluateOnNewDocument, cdpage.AddScriptToEvaluateOnNewDocumentParams{Source: full}); err != nil {
		t.Fatal(err)
	}
	p.train("lesson=weather&device=cpu&epochs=2&plots=0&autorun=1", stall)
	p.waitFor(stall, "the message", `!document.getElementById("runs-msg").hidden`)
	msg := p.text("runs-msg")
	t.Logf("message: %s", msg)
	if !strings.Contains(msg, "storage for this site is full") || !strings.Contains(msg, "Delete old runs") {
		t.Errorf("runs message %q should say the storage is full and how to make room", msg)
	}
	if rows := p.runRows(); len(rows) != 1 || rows[0]["name"] != "run 1: 100-50-1 relu" {
		t.Errorf("the run that could not be stored is not in the table: %v", rows)
	}
}

// TestRunsCIFAR: a CIFAR-10 fit is a run of that lesson, with its accuracy
// and its convolution weights in their Keras shapes.
func TestRunsCIFAR(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	r := p.train("lesson=cifar&device=cpu&n=100&test_n=50&epochs=1&preset=small&plots=0&autorun=1", stall)
	p.waitRuns(1)
	rows := p.runRows()
	t.Logf("run: %v", rows)
	if !strings.HasPrefix(rows[0]["name"], "run 1: c") || !strings.Contains(rows[0]["cells"], "|"+commas(int(num(t, r, "params")))+"|") {
		t.Errorf("the CIFAR-10 run %v: want a name from its convolutions and its %v params", rows[0], r["params"])
	}
	if h := p.text("runs-table"); !strings.Contains(h, "val accuracy") {
		t.Errorf("the CIFAR-10 runs table has no val accuracy column: %q", h)
	}
	shape, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`new Promise((ok, bad) => { const r = indexedDB.open("nnlab");
		r.onerror = () => bad(r.error);
		r.onsuccess = () => { const q = r.result.transaction("weights").objectStore("weights").getAll();
			q.onsuccess = () => ok(q.result[0].tensors[0].shape.join(",")) } })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if shape != "3,3,3,32" {
		t.Errorf("the first convolution's kernel is stored with shape (%s), want Keras's (3,3,3,32)", shape)
	}
}

// commas writes n as model.summary() does: 261,034.
func commas(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestRunsPastedCode: a fit of pasted Keras code (the penguins episode's
// Sequential model, through the link's code=) is a run, and its link gives
// the code's model back.
func TestRunsPastedCode(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	r := p.train("lesson=penguins&device=cpu&epochs=3&plots=0&autorun=1&code="+url.QueryEscape(penguinsCode(t, "penguins_sequential.py")), stall)
	p.waitRuns(1)
	rows := p.runRows()
	t.Logf("run: %v", rows)
	if rows[0]["name"] != "run 1: 10-3 relu/softmax" || !strings.Contains(rows[0]["cells"], fmt.Sprintf("|%.0f|3|", num(t, r, "params"))) {
		t.Errorf("the pasted code's fit: %v; want run 1: 10-3 relu/softmax, %v params, 3 epochs", rows[0], r["params"])
	}
	p.open(strings.TrimPrefix(rows[0]["link"], "?"))
	p.waitStatus(stall, "ready")
	if got := p.value("model-text"); got != "Dense(10, activation=\"relu\")\nDense(3, activation=\"softmax\")\n" {
		t.Errorf("the run's link gives the model %q", got)
	}
}
