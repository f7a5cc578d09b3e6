package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func lessonCode(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "keras", "testdata", "lesson", file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// setCode types Keras code into the "Paste Keras code" panel and presses
// "Use this code".
func (p *page) setCode(code string) {
	p.t.Helper()
	eval[bool](p, `(() => { document.getElementById("code-box").open = true;
		const e = document.getElementById("code-text"); e.value = `+jsString(code)+`;
		e.dispatchEvent(new Event("input", {bubbles: true}));
		document.getElementById("use-code").click(); return true })()`)
}

func (p *page) value(id string) string {
	return eval[string](p, `document.getElementById(`+jsString(id)+`).value`)
}

// TestPasteKerasCode opens the weather lesson with the lesson's batch-norm
// code block in the link (code=, epochs overridden), trains it briefly, shows
// it as Keras, pastes a code error and the exported code back, then opens
// the CIFAR-10 lesson with its dropout code block.
func TestPasteKerasCode(t *testing.T) {
	t.Parallel()
	p := newPage(t, true)
	r := p.train("lesson=weather&device=cpu&epochs=3&autorun=1&code="+url.QueryEscape(lessonCode(t, "weather_batchnorm.py")), stall)
	t.Logf("batch-norm code: model %v, %v params, %v epochs in %.2f s", r["model"], r["params"], r["epochs_run"], r["train_seconds"])
	if r["model"] != "model_batchnorm" || num(t, r, "params") != 14457 || num(t, r, "epochs_run") != 3 {
		t.Errorf("trained %v with %v params for %v epochs; want model_batchnorm, 14457, 3 (epochs=3 of the link over the code's 1000)", r["model"], r["params"], r["epochs_run"])
	}
	summary := p.text("summary")
	if !strings.Contains(summary, `Model: "model_batchnorm"`) || !strings.Contains(summary, "Total params: 14,457") {
		t.Errorf("summary:\n%s", summary)
	}
	if got := eval[string](p, `[document.getElementById("early").checked, document.getElementById("patience").value, document.getElementById("batch").value,
		document.getElementById("epochs").value, document.getElementById("optimizer").value, document.getElementById("loss").value].join(" ")`); got != "true 10 32 3 adam mse" {
		t.Errorf("controls (early, patience, batch, epochs, optimizer, loss) = %q, want true 10 32 3 adam mse", got)
	}
	notes := p.text("code-notes")
	t.Logf("notes: %s", notes)
	lines := eval[string](p, `[...document.querySelectorAll("#code-notes li:not(.understood)")].map(li => li.dataset.line).join(",")`)
	if lines != "31,32,33,34" || !strings.Contains(notes, "Line 31: not run (pd)") || !strings.Contains(notes, "Line 33: not run (plt)") {
		t.Errorf("notes on lines %s, want the pandas and plotting lines 31,32,33,34: %s", lines, notes)
	}
	if eval[bool](p, `document.getElementById("code-notes").classList.contains("error") || !document.getElementById("code-error").hidden`) {
		t.Errorf("the notes are shown as errors")
	}

	// Show as Keras, Copy.
	eval[bool](p, `(document.getElementById("show-keras").click(), true)`)
	p.waitFor(stall, "the exported code", `document.getElementById("keras-export").value.includes("keras.Model(")`)
	exported := p.value("keras-export")
	for _, want := range []string{"keras.Model(inputs=inputs, outputs=outputs, name='model_batchnorm')", "keras.layers.BatchNormalization()(inputs)",
		"EarlyStopping(monitor='val_loss', patience=10", "epochs=3,", "validation_data=(X_val, y_val)", "metrics=[keras.metrics.RootMeanSquaredError()]"} {
		if !strings.Contains(exported, want) {
			t.Errorf("the exported code lacks %q:\n%s", want, exported)
		}
	}
	eval[bool](p, `(document.getElementById("copy-keras").click(), true)`)
	p.waitFor(stall, "Copy", `document.getElementById("copy-status").textContent !== ""`)
	t.Logf("Copy: %s (%s)", p.text("copy-status"), eval[string](p, `document.getElementById("copy-status").dataset.how`))
	eval[bool](p, `(document.getElementById("weather-controls").querySelector("details").open = false, document.getElementById("code-box").scrollIntoView(), true)`)
	time.Sleep(200 * time.Millisecond)
	p.screenshot("weather_keras_code")
	eval[bool](p, `(document.getElementById("export-box").scrollIntoView({block: "end"}), true)`)
	time.Sleep(100 * time.Millisecond)
	p.screenshot("weather_keras_export")

	// A code error: shown at its line, and the model stays.
	model := p.value("model-text")
	p.setCode("inputs = keras.Input(shape=(89,))\nx = keras.layers.Dens(10)(inputs)\noutputs = keras.layers.Dense(1)(x)\nmodel = keras.Model(inputs, outputs)\n")
	p.waitFor(stall, "the code error", `!document.getElementById("code-error").hidden`)
	msg := p.text("code-error")
	t.Logf("code error: %s", msg)
	if !strings.Contains(msg, "Line 2, column 5") || !strings.Contains(msg, "Dens") {
		t.Errorf("the error should name line 2, column 5 and Dens: %s", msg)
	}
	if bad := eval[string](p, `(document.querySelector("#code-lines .bad") || {}).textContent || ""`); bad != "2" {
		t.Errorf("the gutter marks line %q, want 2", bad)
	}
	if p.text("summary") != summary || p.value("model-text") != model {
		t.Errorf("a code error changed the model:\n%s", p.text("summary"))
	}
	p.screenshot("weather_keras_code_error")

	// Another model, then the exported code pasted back: the same summary
	// and settings.
	eval[bool](p, `(() => { const e = document.getElementById("model-text"); e.value = "Dense(10)\nDense(1)";
		e.dispatchEvent(new Event("input", {bubbles: true})); document.getElementById("epochs").value = "50"; return true })()`)
	p.waitFor(stall, "the other model", `document.getElementById("summary").textContent.includes("Total params: 911")`)
	p.setCode(exported)
	p.waitFor(stall, "the round trip", `document.getElementById("summary").textContent === `+jsString(summary))
	// The exported notebook prepares the data as the lesson does, which
	// the page does itself: only those lines are noted.
	other := eval[string](p, `[...document.querySelectorAll("#code-notes li:not(.understood)")].map(li => li.textContent).
		filter(t => !/not run \((pandas|sklearn|tensorflow\.keras\.utils\.set_random_seed)\)/.test(t)).join("\n")`)
	if e := p.value("epochs"); e != "3" || !p.isHidden("code-error") || other != "" {
		t.Errorf("after the round trip: epochs %q, code error shown %v, notes other than the data preparation's %q", e, !p.isHidden("code-error"), other)
	}

	// A link whose code does not run: the error, and no training.
	p.open("lesson=weather&device=cpu&epochs=2&autorun=1&code=" + url.QueryEscape("model = keras.Sequential([keras.Input(shape=(89,)), keras.layers.Dens(1)])"))
	if s := p.waitStatus(stall, "error", "done", "training"); s != "error" || !strings.Contains(p.text("error-box"), "line 1, column") ||
		!strings.Contains(p.text("code-error"), "Line 1, column") || !strings.Contains(p.text("summary"), "Total params: 14,101") {
		t.Errorf("a link with bad code: status %q, error box %q, code error %q, summary %q", s, p.text("error-box"), p.text("code-error"), p.text("summary"))
	}

	// CIFAR-10: the lesson's dropout model, no training.
	p.open("lesson=cifar&device=cpu&n=100&test_n=50&code=" + url.QueryEscape(lessonCode(t, "cifar_dropout.py")))
	if s := p.waitStatus(stall, "ready", "error"); s != "ready" {
		t.Fatalf("cifar: status %q; error box: %s; code error: %s", s, p.text("error-box"), p.text("code-error"))
	}
	summary = p.text("summary")
	if !strings.Contains(summary, `Model: "cifar_model"`) || !strings.Contains(summary, "Total params: 36,138") || p.value("c-preset") != "dropout" || p.value("epochs") != "20" {
		t.Errorf("cifar: preset %q, epochs %q, summary:\n%s", p.value("c-preset"), p.value("epochs"), summary)
	}
	if notes := p.text("code-notes"); !strings.Contains(notes, "Line 3:") {
		t.Errorf("cifar: no note for load_data (line 3): %s", notes)
	}
}

func (p *page) isHidden(id string) bool {
	return eval[bool](p, `document.getElementById(`+jsString(id)+`).hidden`)
}
