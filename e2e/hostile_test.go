package e2e

import (
	"strings"
	"testing"
	"time"
)

// hostileSnippets are issue 13's inputs that crashed or hung the page, as
// JavaScript expressions that make them (a megabyte of text is better made
// in the page than sent through the DevTools protocol), with the error each
// must show: where it is and what limit it crossed.
var hostileSnippets = []struct {
	name, code, model string // code for the code box, model for the model editor ("" = none)
	want              string
}{
	{"s = s + s forty times", `'s = "xxxxxxxxxxxxxxxx"\n' + 's = s + s\n'.repeat(40) + model`, "",
		"Line 18, column 7: this string would be 2,097,152 characters long"},
	{"t = (t, t) forty times, then Dense(t)", `'t = 1\n' + 't = (t, t)\n'.repeat(40) + 'd = keras.layers.Dense(t)\n' + model`, "",
		"Line 21, column 5: this tuple would hold 2,097,150 elements"},
	{"500,000 (", `'('.repeat(500000)`, `'('.repeat(500000)`, "Line 1, column 201: too many nested parentheses"},
	{"a million nested parentheses", `'x = ' + '('.repeat(1000000) + '1' + ')'.repeat(1000000)`, `'Dense(' + '('.repeat(1000000) + '1' + ')'.repeat(1000000) + ')'`,
		"the lab reads at most 1,048,576 (1 MiB)"},
	{"a million - signs", `'x = ' + '-'.repeat(1000000) + '1'`, `'Dense(' + '-'.repeat(1000000) + '1)'`, "more than 200 signs in a row"},
	{"Dense(1+1+...) with 30,000 terms", `model + 'd = keras.layers.Dense(1' + '+1'.repeat(29999) + ')'`, `'Dense(1' + '+1'.repeat(29999) + ')'`,
		"this expression chains more than 1000 operations"},
	{"a 100,000-long attribute chain", `model + 'x = keras' + '.layers'.repeat(100000) + '.Dense(1)'`, `'keras' + '.layers'.repeat(100000) + '.Dense(1)'`,
		"this expression chains more than 1000 operations"},
	{"functions that double the work", `'def f0():\n    return 1\n' + Array.from({length: 19}, (_, i) => 'def f' + (i+1) + '():\n    return f' + i + '() + f' + i + '()\n').join('') + 'x = f19()\n' + model`, "",
		"this code takes more than 1,048,576 steps"},
}

// TestHostileInput pastes each of issue 13's hostile inputs into the code
// box and into the model editor of one page: each shows its error, the page
// keeps its model, and a model of 10,000 Dense(1) lines builds. Then a
// normal fit runs in the same page. The waits are on what the page shows;
// their timeouts only guard against a hang.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	p.open("lesson=weather&device=cpu")
	p.waitStatus(60*time.Second, "ready")
	summary := p.text("summary")
	if !strings.Contains(summary, "Total params: 14,101") {
		t.Fatalf("summary of the default model: %s", summary)
	}
	const model = `const model = "inputs = keras.Input(shape=(89,))\nmodel = keras.Model(inputs, keras.layers.Dense(1)(inputs))\n";`
	for _, s := range hostileSnippets {
		eval[bool](p, `(() => { `+model+` document.getElementById("code-box").open = true;
			const e = document.getElementById("code-text"); e.value = `+s.code+`;
			e.dispatchEvent(new Event("input", {bubbles: true}));
			document.getElementById("use-code").click(); return true })()`)
		p.waitFor(60*time.Second, "the code's error for "+s.name, `!document.getElementById("code-error").hidden && document.getElementById("code-error").textContent.includes(`+jsString(s.want)+`)`)
		t.Logf("%s in the code box: %.160s", s.name, p.text("code-error"))
		if p.text("summary") != summary {
			t.Errorf("%s: the code changed the model:\n%s", s.name, p.text("summary"))
		}
		// The next paste starts from no error.
		eval[bool](p, `(document.getElementById("code-error").hidden = true, true)`)
		if s.model == "" {
			continue
		}
		setModelJS(p, s.model)
		p.waitFor(60*time.Second, "the model editor's error for "+s.name, `!document.getElementById("model-error").hidden && document.getElementById("model-error").textContent.includes(`+jsString(s.want)+`)`)
		t.Logf("%s in the model editor: %.160s", s.name, p.text("model-error"))
		if p.text("summary") != summary {
			t.Errorf("%s: the model editor's summary changed:\n%s", s.name, p.text("summary"))
		}
		eval[bool](p, `(document.getElementById("model-error").hidden = true, true)`)
	}

	// 10,000 layers are a model: named as Keras names them.
	setModelJS(p, `'Dense(1)\n'.repeat(10000)`)
	p.waitFor(60*time.Second, "the 10,000-layer summary", `document.getElementById("summary").textContent.includes("Total params: 20,088")`)
	if s := p.text("summary"); !strings.Contains(s, "dense_9999 (Dense)") {
		t.Errorf("the last layer is not dense_9999: %.300s", s[max(len(s)-600, 0):])
	}

	// A normal fit in the same page.
	setModelJS(p, `'Dense(10, activation="relu")\nDense(1)'`)
	p.waitFor(30*time.Second, "the small model", `document.getElementById("model-error").hidden && document.getElementById("summary").textContent.includes("Total params: 911")`)
	eval[bool](p, `(() => { document.getElementById("epochs").value = "2"; document.getElementById("train").click(); return true })()`)
	if st := p.waitStatus(120*time.Second, "done", "error"); st != "done" {
		t.Fatalf("the fit after the hostile input: %s (%s)", st, p.text("error-box"))
	}
	if r := p.result(); num(t, r, "params") != 911 || num(t, r, "epochs_run") != 2 {
		t.Errorf("the fit trained %v params for %v epochs, want 911 for 2", r["params"], r["epochs_run"])
	}
}

// setModelJS sets the model editor to the value of a JavaScript expression,
// as typing would.
func setModelJS(p *page, expr string) {
	p.t.Helper()
	eval[bool](p, `(() => { const e = document.getElementById("model-text"); e.value = `+expr+`;
		e.dispatchEvent(new Event("input", {bubbles: true})); return true })()`)
}
