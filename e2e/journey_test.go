package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The learner's journey (issue 20, items 1 and 2): Train trains what the
// editor shows, and nothing on the page belongs to another model, data
// choice or setting without saying so.

// trainState is Train's disabled flag and the reason shown next to it.
func (p *page) trainState() (disabled bool, why string) {
	p.t.Helper()
	r := eval[[]any](p, `[document.getElementById("train").disabled,
		document.getElementById("train-why").hidden ? "" : document.getElementById("train-why").textContent]`)
	disabled, _ = r[0].(bool)
	why, _ = r[1].(string)
	return disabled, why
}

// staleMarks is which of the plots and the results panel are marked stale
// (class and line), as "plots results" with "-" for an unmarked one.
func (p *page) staleMarks() string {
	p.t.Helper()
	return eval[string](p, `[["plots", "plots-stale"], ["results", "results-stale"]].map(([panel, note]) =>
		document.getElementById(panel).classList.contains("stale") && !document.getElementById(note).hidden ? panel : "-").join(" ")`)
}

// setControl sets an input's value as typing would (input and change).
func (p *page) setControl(id, v string) {
	p.t.Helper()
	eval[bool](p, `(() => { const e = document.getElementById(`+jsString(id)+`); e.value = `+jsString(v)+`;
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true })()`)
}

// TestJourneyBrokenEditor types a misspelt activation into the model
// editor: Train goes off with the editor's line and column next to it and
// a click on it trains nothing; the fixed text turns it on. Pasted code
// that does not run holds Train back too, until the model is edited. A link
// that autoruns a broken model shows the error and does not train.
func TestJourneyBrokenEditor(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	p.open("lesson=weather&device=cpu&epochs=2")
	p.waitStatus(stall, "ready")
	if off, why := p.trainState(); off || why != "" {
		t.Fatalf("Train with the lesson's model: disabled %v, reason %q", off, why)
	}

	setModelJS(p, jsString("Dense(10, activation=\"rleu\")\nDense(1)"))
	p.waitFor(stall, "the model error", `!document.getElementById("model-error").hidden`)
	p.waitFor(stall, "Train off", `document.getElementById("train").disabled`)
	msg := p.text("model-error")
	first, _, _ := strings.Cut(msg, "\n")
	off, why := p.trainState()
	t.Logf("model error: %s; next to Train: %s", msg, why)
	if !strings.HasPrefix(first, "Line 1, column") || !strings.Contains(why, first) {
		t.Errorf("the reason next to Train %q should repeat the editor's error %q (its line and column)", why, first)
	}
	eval[bool](p, `(() => { const b = document.getElementById("train"); b.disabled = false; b.click(); return true })()`)
	if st := p.waitStatus(stall, "error", "done", "training"); st != "error" || p.text("nnlab-result") != "" ||
		!strings.Contains(p.text("error-box"), first) {
		t.Errorf("Train pressed with a broken editor: status %q, result %.80q, error box %q; want an error naming %q and no run",
			st, p.text("nnlab-result"), p.text("error-box"), first)
	}
	p.waitFor(stall, "Train off again", `document.getElementById("train").disabled`)
	eval[bool](p, `(document.getElementById("train").scrollIntoView({block: "center"}), true)`)
	p.screenshot("journey_broken_editor")
	// "Show as Keras" does not write the last model that built either.
	eval[bool](p, `(document.getElementById("show-keras").click(), true)`)
	p.waitFor(stall, "the export's refusal", `document.getElementById("keras-export").value.startsWith("# the model editor's model does not build")`)

	setModelJS(p, jsString("Dense(10, activation=\"relu\")\nDense(1)"))
	p.waitFor(stall, "Train back on", `!document.getElementById("train").disabled && document.getElementById("model-error").hidden`)
	if off, why = p.trainState(); off || why != "" {
		t.Errorf("after the fix: Train disabled %v, reason %q", off, why)
	}
	p.waitFor(stall, "the fixed model's export", `document.getElementById("keras-export").value.includes("keras.layers.Dense(10, activation=\"relu\")")`)

	// Pasted code whose model does not build: Train off, the code's line
	// next to it; editing the model takes the editor's model.
	p.setCode("inputs = keras.Input(shape=(89,))\nx = keras.layers.Dens(10)(inputs)\noutputs = keras.layers.Dense(1)(x)\nmodel = keras.Model(inputs, outputs)\n")
	p.waitFor(stall, "the code error", `!document.getElementById("code-error").hidden && document.getElementById("train").disabled`)
	if _, why = p.trainState(); !strings.Contains(why, "pasted code") || !strings.Contains(why, "Line 2, column 5") {
		t.Errorf("after a code error, next to Train: %q; want the pasted code's line 2, column 5", why)
	}
	setModelJS(p, jsString("Dense(10, activation=\"relu\")\nDense(1) "))
	p.waitFor(stall, "Train on after the model edit", `!document.getElementById("train").disabled`)
	eval[bool](p, `(document.getElementById("train").click(), true)`)
	if st := p.waitStatus(stall, "done", "error"); st != "done" {
		t.Fatalf("training the fixed model: %s (%s)", st, p.text("error-box"))
	}
	if r := p.result(); num(t, r, "params") != 911 {
		t.Errorf("the fixed model trained with %v params, want 911", r["params"])
	}

	// A link that autoruns a broken model.
	p.open("lesson=weather&device=cpu&epochs=2&autorun=1&model=" + url.QueryEscape("Dense(10, activation=\"rleu\")\nDense(1)"))
	st := p.waitStatus(stall, "error", "done", "training")
	box := p.text("error-box")
	if _, why = p.trainState(); st != "error" || p.text("nnlab-result") != "" || !strings.Contains(box, "Line 1, column") || !strings.Contains(why, "Line 1, column") {
		t.Errorf("autorun of a broken model: status %q, result %.80q, error box %q, next to Train %q", st, p.text("nnlab-result"), box, why)
	}
}

// TestJourneyStale trains, then changes the epochs, the model and the
// data: the plots and the results are marked as the previous run's at each
// change, the mark goes when the controls are back or a new run ends. The
// paste box stops claiming the code's model once the model is retyped, and
// a hand-typed model is not named after the lesson's.
func TestJourneyStale(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	p.train("lesson=weather&device=cpu&epochs=2&autorun=1", stall)
	if m := p.staleMarks(); m != "- -" {
		t.Fatalf("after a run, marked stale: %q", m)
	}
	p.setControl("epochs", "3")
	p.waitFor(stall, "the stale marks", `document.getElementById("plots").classList.contains("stale")`)
	if m := p.staleMarks(); m != "plots results" {
		t.Errorf("after changing the epochs, stale: %q, want plots results", m)
	}
	t.Logf("stale line: %s", p.text("plots-stale"))
	p.screenshot("journey_stale")
	p.setControl("epochs", "2")
	p.waitFor(stall, "the marks gone with the epochs back", `!document.getElementById("plots").classList.contains("stale")`)
	p.setControl("w-years", "2")
	p.waitFor(stall, "stale after a data change", `document.getElementById("results").classList.contains("stale")`)
	p.setControl("w-years", "3")
	p.waitFor(stall, "the marks gone with the years back", `!document.getElementById("results").classList.contains("stale")`)

	// The lesson's small model as pasted code, then retyped by hand.
	p.setCode(lessonCode(t, "weather_small_earlystopping.py"))
	p.waitFor(stall, "the code's model", `document.getElementById("code-status").textContent.includes("Using the code's model \"model_small\"")`)
	if m := p.staleMarks(); m != "plots results" {
		t.Errorf("after the code set another model, stale: %q", m)
	}
	setModelJS(p, jsString("Dense(10, activation=\"relu\")\nDense(6, activation=\"relu\")\nDense(1)"))
	p.waitFor(stall, "the retyped model", `document.getElementById("summary").textContent.includes("Total params: 973")`)
	if s := p.text("code-status"); strings.Contains(s, "Using the code's model") {
		t.Errorf("after retyping the model, the paste box says %q", s)
	}
	setModelJS(p, jsString("Dense(10, activation=\"relu\")\nDense(5, activation=\"relu\")\nDense(1)"))
	p.waitFor(stall, "the code's model typed back", `document.getElementById("code-status").textContent.includes("Using the code's model \"model_small\"")`)
	setModelJS(p, jsString("Dense(10, activation='relu')\nDense(5, activation='relu')\nDense(1)"))
	p.waitFor(stall, "a hand-typed 10/5 model", `!document.getElementById("code-status").textContent.includes("Using")`)
	if s := p.text("summary"); !strings.Contains(s, `Model: "model"`) || strings.Contains(s, "weather_prediction_model") {
		t.Errorf("a hand-typed model's summary:\n%s", s)
	}
	p.setControl("epochs", "2")
	eval[bool](p, `(document.getElementById("train").click(), true)`)
	if st := p.waitStatus(stall, "done", "error"); st != "done" {
		t.Fatalf("the second run: %s (%s)", st, p.text("error-box"))
	}
	if m := p.staleMarks(); m != "- -" {
		t.Errorf("after the new run, stale: %q", m)
	}
	if r := p.result(); r["model"] != "model" || num(t, r, "params") != 961 {
		t.Errorf("the hand-typed model ran as %v with %v params, want model, 961", r["model"], r["params"])
	}
}

// TestJourneyCIFARFacts opens CIFAR-10 with n=500 and 500 test images: the
// facts show those, and follow a new n.
func TestJourneyCIFARFacts(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	p.open("lesson=cifar&device=cpu&n=500&test_n=500")
	p.waitStatus(stall, "ready")
	facts := p.text("cifar-facts")
	t.Logf("facts: %s", facts)
	if !strings.Contains(facts, "train_images.shape(500, 32, 32, 3)") || !strings.Contains(facts, "train_labels.shape(500, 1)") ||
		!strings.Contains(facts, "test images500 ") {
		t.Errorf("the facts for n=500, test_n=500: %s", facts)
	}
	p.setControl("c-n", "300")
	p.setControl("c-testn", "200")
	p.waitFor(stall, "the facts for n=300", `document.getElementById("cifar-facts").textContent.includes("(300, 32, 32, 3)")`)
	if facts = p.text("cifar-facts"); !strings.Contains(facts, "test images200 ") || !strings.Contains(facts, "(300, 1)") {
		t.Errorf("the facts for n=300, test_n=200: %s", facts)
	}
	if s := p.text("summary"); !strings.Contains(s, `Model: "cifar_model"`) {
		t.Errorf("the lesson's dropout model is named %.80q", s)
	}
	setModelJS(p, jsString("Conv2D(8, (3, 3), activation=\"relu\")\nFlatten()\nDense(10)"))
	p.waitFor(stall, "a hand-typed model", `document.getElementById("summary").textContent.includes("Model: \"model\"")`)
}

// The notes' blocks of the early-stopping section, each pasted on its own
// as a notebook's cells (issue 20, item 3).
const (
	modelBlock = `def create_nn(nodes1=100, nodes2=50):
    # Input layer
    inputs = keras.layers.Input(shape=(X_data.shape[1],), name='input')

    # Dense layers
    layers_dense = keras.layers.Dense(nodes1, 'relu')(inputs)
    layers_dense = keras.layers.Dense(nodes2, 'relu')(layers_dense)

    # Output layer
    outputs = keras.layers.Dense(1)(layers_dense)

    return keras.Model(inputs=inputs, outputs=outputs, name="model_small")

model = create_nn(10, 5)
model.summary()
`
	compileBlock = `model.compile(optimizer='adam',
              loss='mse',
              metrics=[keras.metrics.RootMeanSquaredError()])
`
	fitBlock = `from tensorflow.keras.callbacks import EarlyStopping

earlystopper = EarlyStopping(monitor="val_loss", patience=10, verbose=1)


history = model.fit(X_train, y_train,
                    batch_size = 32,
                    epochs = 200,
                    validation_data=(X_val, y_val),
                    callbacks=[earlystopper],
                    verbose = 2)
`
	plotBlock = `history_df = pd.DataFrame.from_dict(history.history)
sns.lineplot(data=history_df[['root_mean_squared_error', 'val_root_mean_squared_error']])
plt.xlabel("epochs")
plt.ylabel("RMSE")
`
)

// TestJourneyNamespace pastes the early-stopping section block by block:
// the fit block alone fails as in a fresh notebook, after the model and
// compile blocks it sets the fit and trains the model they made; the
// understood lines are listed, the plotting block points to the curves,
// and Reset names forgets the model.
func TestJourneyNamespace(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	p.open("lesson=weather&device=cpu")
	p.waitStatus(stall, "ready")
	p.setCode(fitBlock)
	p.waitFor(stall, "the fit block's error", `!document.getElementById("code-error").hidden`)
	if e := p.text("code-error"); !strings.Contains(e, `name "model" is not defined`) {
		t.Errorf("the fit block in a fresh page: %q", e)
	}
	p.setCode(modelBlock)
	p.waitFor(stall, "the model block", `document.getElementById("code-status").textContent.startsWith("Using the code's model \"model_small\" (961")`)
	if got := eval[string](p, `[...document.querySelectorAll("#code-notes li.understood")].map(li => li.dataset.line + ":" + (li.dataset.panel || "")).join(" ")`); got != "15:summary" {
		t.Errorf("the model block's understood lines %q, want 15:summary", got)
	}
	p.setCode(compileBlock)
	p.waitFor(stall, "the compile block", `document.getElementById("code-status").textContent.includes("from an earlier block")`)
	p.setControl("epochs", "3")
	p.setCode(fitBlock)
	p.waitFor(stall, "the fit block after the model block", `document.getElementById("code-status").textContent.includes("and its fit settings")`)
	if s := p.text("code-status"); !strings.Contains(s, `"model_small" from an earlier block (961 parameters)`) {
		t.Errorf("after the fit block: %q", s)
	}
	if got := eval[string](p, `[document.getElementById("epochs").value, document.getElementById("early").checked, document.getElementById("patience").value].join(" ")`); got != "200 true 10" {
		t.Errorf("the fit block set epochs, early stopping, patience = %q, want 200 true 10", got)
	}
	understood := eval[string](p, `[...document.querySelectorAll("#code-notes li.understood")].map(li => li.textContent).join("\n")`)
	if !strings.Contains(understood, "Line 1: import of EarlyStopping") || !strings.Contains(understood, "Line 6: verbose=2") {
		t.Errorf("the fit block's understood lines:\n%s", understood)
	}
	p.setControl("epochs", "20")
	eval[bool](p, `(document.getElementById("train").click(), true)`)
	if st := p.waitStatus(stall, "done", "error"); st != "done" {
		t.Fatalf("training after the fit block: %s (%s)", st, p.text("error-box"))
	}
	if r := p.result(); r["model"] != "model_small" || num(t, r, "params") != 961 {
		t.Errorf("trained %v with %v params, want model_small, 961", r["model"], r["params"])
	}

	p.setCode(plotBlock)
	p.waitFor(stall, "the plotting block", `document.getElementById("code-status").textContent.includes("no model")`)
	links := eval[string](p, `[...document.querySelectorAll("#code-notes li")].map(li => li.dataset.line + ":" + li.dataset.panel + ":" +
		(li.querySelector("a.panel-link") || {}).hash).join(" ")`)
	if links != "1:curves:#plots 2:curves:#plots 3:curves:#plots 4:curves:#plots" {
		t.Errorf("the plotting block's lines point to %q, want the plots' curves on each", links)
	}
	if !p.isHidden("code-error") || eval[bool](p, `document.getElementById("train").disabled`) {
		t.Errorf("the plotting block: error %q, Train disabled %v", p.text("code-error"), eval[bool](p, `document.getElementById("train").disabled`))
	}
	eval[bool](p, `(document.querySelector("#code-notes a.panel-link").click(), true)`)
	p.waitFor(stall, "the plots marked", `document.getElementById("plots").classList.contains("flash")`)

	t.Logf("names: %s", p.text("code-names"))
	eval[bool](p, `(document.getElementById("reset-code").click(), true)`)
	p.waitFor(stall, "the names reset", `document.getElementById("code-names").textContent === ""`)
	p.setCode(compileBlock)
	p.waitFor(stall, "the compile block after Reset", `document.getElementById("code-error").textContent.includes("name \"model\" is not defined")`)
}

// TestJourneyReload changes the model, the epochs and the data, reloads:
// the page comes back as it was, from its address alone. A damaged model
// parameter is named and the lesson's model used.
func TestJourneyReload(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	p.open("lesson=weather&device=cpu&epochs=2&autorun=1")
	p.waitStatus(stall, "done", "error")
	model := "Dense(12, activation=\"tanh\")\nDense(7, activation=\"relu\")\nDense(1)"
	setModelJS(p, jsString(model))
	p.setControl("epochs", "17")
	p.setControl("w-years", "5")
	p.setControl("w-station", "BASEL")
	p.setControl("seed", "4")
	p.waitFor(stall, "the address", `location.search.includes("mz=") && location.search.includes("epochs=17") && location.search.includes("station=BASEL") && location.search.includes("seed=4")`)
	addr := eval[string](p, `location.href`)
	t.Logf("address: %s", addr)
	if strings.Contains(addr, "autorun") {
		t.Errorf("the address keeps autorun (a reload would train again): %s", addr)
	}
	if err := chromedp.Do(p.ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	p.waitStatus(stall, "ready")
	got := eval[string](p, `["model-text", "epochs", "w-years", "w-station", "seed"].map(id => document.getElementById(id).value).join("|")`)
	if want := model + "|17|5|BASEL|4"; got != want {
		t.Errorf("after the reload the controls hold %q, want %q", got, want)
	}
	p.waitFor(stall, "the summary of the restored model", `document.getElementById("summary").textContent.includes("(None, 7)")`)
	if s := p.text("summary"); !strings.Contains(s, "(None, 12)") || !strings.Contains(s, "[(None, 9)]") {
		t.Errorf("the restored model on BASEL's 9 features:\n%s", s)
	}

	p.open("lesson=weather&device=cpu&mz=eJxzSc1LzdEwNNBUcAEAD6gDLg_damaged")
	p.waitStatus(stall, "ready")
	if e := p.text("error-box"); !strings.Contains(e, "mz=") || !strings.Contains(e, "the model in the link is damaged") {
		t.Errorf("a damaged mz: error box %q", e)
	}
	if v := p.value("model-text"); v != "Dense(100, activation=\"relu\")\nDense(50, activation=\"relu\")\nDense(1)\n" {
		t.Errorf("a damaged mz: the model editor holds %q, want the lesson's", v)
	}
}

// layoutFacts are the page's width against the window's, and Train's box.
type layoutFacts struct {
	ScrollWidth, InnerWidth, InnerHeight float64
	Train                                [4]float64 // left, top, right, bottom
}

func (p *page) layout() layoutFacts {
	p.t.Helper()
	r := eval[[]any](p, `(() => { const b = document.getElementById("train").getBoundingClientRect();
		return [document.scrollingElement.scrollWidth, innerWidth, innerHeight, b.left, b.top, b.right, b.bottom] })()`)
	f := func(i int) float64 { v, _ := r[i].(float64); return v }
	return layoutFacts{f(0), f(1), f(2), [4]float64{f(3), f(4), f(5), f(6)}}
}

// TestJourneyLayout opens each lesson at a laptop's 1366x768 and a phone's
// 390x844: no horizontal overflow, Train in view on first open; the
// estimate appears next to Train; CIFAR-10 on the pure-Go device starts
// with the CPU-sized defaults. Screenshots of each (NNLAB_SCREENSHOTS).
func TestJourneyLayout(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	for _, size := range [][2]int64{{1366, 768}, {390, 844}} {
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(size[0], size[1])); err != nil {
			t.Fatal(err)
		}
		for _, lesson := range []string{"weather", "cifar"} {
			name := fmt.Sprintf("%s at %dx%d", lesson, size[0], size[1])
			p.open("lesson=" + lesson + "&device=cpu")
			p.waitStatus(stall, "ready")
			p.waitFor(stall, name+": the estimate", `document.getElementById("estimate").textContent.startsWith("Estimate:")`)
			l := p.layout()
			t.Logf("%s: page %v wide in %v; Train at %v; %s", name, l.ScrollWidth, l.InnerWidth, l.Train, p.text("estimate"))
			if l.ScrollWidth > l.InnerWidth {
				t.Errorf("%s: the page is %v px wide in a %v px window", name, l.ScrollWidth, l.InnerWidth)
			}
			if b := l.Train; b[0] < 0 || b[1] < 0 || b[2] > l.InnerWidth || b[3] > l.InnerHeight || b[2] <= b[0] {
				t.Errorf("%s: Train at %v, outside the %vx%v window", name, b, l.InnerWidth, l.InnerHeight)
			}
			if lesson == "cifar" {
				if got := p.value("c-n") + " " + p.value("epochs"); got != "1000 5" {
					t.Errorf("CIFAR-10 on the pure-Go device starts with n, epochs = %s, want 1000 5", got)
				}
				if !strings.Contains(p.text("cpu-note"), "about a minute") || !strings.Contains(p.text("cifar-val-note"), "validates on the test set") {
					t.Errorf("the CIFAR notes: %q, %q", p.text("cpu-note"), p.text("cifar-val-note"))
				}
			}
			p.screenshot(fmt.Sprintf("journey_%s_%dx%d", lesson, size[0], size[1]))
		}
	}
}

// TestJourneyExercises: every exercise of the notes is in the page with
// its questions; the answers open on demand, and answers=hide (the
// instructor's setting) leaves them out. The histogram chips toggle by
// plain clicks and the address keeps them.
func TestJourneyExercises(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	count := func() (questions, answers int) {
		r := eval[[]any](p, `[[...document.querySelectorAll("#lesson .question")].filter(e => !e.closest("[hidden]")).length,
			[...document.querySelectorAll("#lesson details.answer")].filter(e => !e.closest("[hidden]")).length]`)
		return int(r[0].(float64)), int(r[1].(float64))
	}
	p.open("lesson=weather&device=cpu")
	p.waitStatus(stall, "ready")
	q, a := count()
	ids := eval[string](p, `[...document.querySelectorAll("#lesson details.exercise")].filter(e => !e.closest("[hidden]")).map(e => e.id).join(" ")`)
	if ids != "ex1 ex2 ex3 ex4" || q != 12 || a < 10 {
		t.Errorf("weather: exercises %q, %d questions, %d answers; want ex1..ex4, 12 questions and their answers", ids, q, a)
	}
	ans := eval[string](p, `(() => { const d = document.querySelector("#ex2 details.answer"); d.open = true; return d.textContent })()`)
	if !strings.Contains(ans, "89: one input a feature") {
		t.Errorf("exercise 2's first answer: %q", ans)
	}
	eval[bool](p, `(document.getElementById("ex4-setup").click(), true)`)
	p.waitFor(stall, "exercise 4 set up", `document.getElementById("summary").textContent.includes("batch_normalization")`)
	if got := eval[string](p, `["w-years", "w-station", "epochs", "patience"].map(id => document.getElementById(id).value).join(" ")`); got != "9 BASEL 1000 10" {
		t.Errorf("exercise 4's setup: years, station, epochs, patience = %q", got)
	}

	// A plain click on a chip adds its feature; the others stay.
	before := eval[string](p, `[...document.querySelectorAll("#w-features input:checked")].map(e => e.value).join(",")`)
	eval[bool](p, `(document.querySelector("#w-features input:not(:checked)").parentElement.click(), true)`)
	after := eval[string](p, `[...document.querySelectorAll("#w-features input:checked")].map(e => e.value).join(",")`)
	if strings.Count(after, ",") != strings.Count(before, ",")+1 {
		t.Errorf("a click on a chip: chosen %q, then %q", before, after)
	}
	p.waitFor(stall, "the address with the features", `new URLSearchParams(location.search).get("features") === `+jsString(after))

	p.open("lesson=cifar&device=cpu&answers=hide")
	p.waitStatus(stall, "ready")
	q, a = count()
	ids = eval[string](p, `[...document.querySelectorAll("#lesson details.exercise")].filter(e => !e.closest("[hidden]")).map(e => e.id).join(" ")`)
	if ids != "ex5 ex6 recap" || q != 11 || a != 0 {
		t.Errorf("cifar with answers=hide: exercises %q, %d questions, %d answers shown; want ex5 ex6 recap, 11, 0", ids, q, a)
	}
	if !strings.Contains(p.text("ex6"), "The answers are hidden") {
		t.Errorf("exercise 6 does not say the answers are hidden: %q", p.text("ex6"))
	}
	// The instructor's setting stays on the way back to the start page and
	// from there into every lesson (serve --hide-answers sets it there).
	for _, id := range []string{"back", "open-weather", "open-penguins"} {
		if h := eval[string](p, `document.getElementById(`+jsString(id)+`).getAttribute("href")`); !strings.Contains(h, "answers=hide") {
			t.Errorf("#%s links to %q with answers=hide lost", id, h)
		}
	}
	p.open("lesson=cifar&device=cpu")
	p.waitStatus(stall, "ready")
	ans = eval[string](p, `[...document.querySelectorAll("#ex6 details.answer")].map(d => d.textContent).join("\n")`)
	if !strings.Contains(ans, "2,700 weights") || !strings.Contains(ans, "250,890") {
		t.Errorf("exercise 6's answers: %q", ans)
	}
}
