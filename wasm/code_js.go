//go:build js

package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall/js"
	"unicode/utf16"

	"nnlab/keras"
)

// codeModel is the model that pasted Keras code set: while the model
// editor holds its text, the model has the code's name and the panel says
// it uses the code's model (status).
type codeModel struct{ text, name, status string }

// modelName is the model's name for a model text: the pasted code's name
// for the text that code set, else the lesson's.
func (a *app) modelName(text string) string {
	a.mu.Lock()
	c := a.code
	a.mu.Unlock()
	if c.name != "" && strings.TrimSpace(c.text) == strings.TrimSpace(text) {
		return c.name
	}
	return a.lesson().modelName(text)
}

// codeSession is the namespace of the code pasted into the page: the
// blocks share it as a notebook's cells share a kernel, until "Reset
// names" (the page's program runs on one thread: the handlers that use it
// take turns).
var codeSession = keras.NewSession()

// setupCode wires the "Paste Keras code" panel and "Show as Keras".
func (a *app) setupCode() {
	on("use-code", "click", func() {
		if err := a.useCode(value("code-text"), true); err == nil {
			a.checkModel()
		}
	})
	on("reset-code", "click", func() {
		codeSession.Reset()
		showCodeNames()
		setText("code-status", "The names of the code pasted before are forgotten: the next block starts afresh, as after restarting a notebook's kernel.")
	})
	showCodeNames()
	byID("code-notes").Call("addEventListener", "click", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if l := args[0].Get("target").Call("closest", "a.panel-link"); !l.IsNull() {
			args[0].Call("preventDefault")
			showPanel(strings.TrimPrefix(l.Call("getAttribute", "href").String(), "#"))
		}
		return nil
	}))
	on("code-text", "input", func() { gutter("code-lines", "code-text", value("code-text"), a.codeErr) })
	ta := byID("code-text")
	ta.Call("addEventListener", "scroll", js.FuncOf(func(js.Value, []js.Value) any {
		byID("code-lines").Set("scrollTop", ta.Get("scrollTop"))
		return nil
	}))
	on("show-keras", "click", func() {
		setHidden("export-box", false)
		a.refreshExport()
		byID("export-box").Call("scrollIntoView", map[string]any{"block": "nearest"})
	})
	on("hide-keras", "click", func() { setHidden("export-box", true) })
	for _, id := range []string{"optimizer", "lr", "loss", "batch", "epochs", "early", "patience", "restore", "seed", "w-years", "w-station", "w-target", "c-n", "c-testn"} {
		on(id, "change", a.refreshExport)
	}
}

// useCode runs pasted Keras code on the lesson's data. On success the model
// editor gets the code's model (named as in the code), the compile and fit
// controls its settings, and the panel lists the lines the page did not run
// with what it does instead. An error is shown at its line in the panel
// (with focus, the caret goes there) and the page keeps its model.
func (a *app) useCode(src string, focus bool) (err error) {
	blocks := false // an error of the code itself holds Train back
	defer func() {
		if r := recover(); r != nil {
			err = panicError("using the code", r)
			a.codeError(src, err, focus)
			a.setCodeBlock(a.codeErrText(err))
		}
	}()
	l := a.lesson()
	in := l.input()
	fail := func(err error) error {
		a.codeError(src, err, focus)
		if blocks {
			a.setCodeBlock(a.codeErrText(err))
		}
		return err
	}
	if in == nil {
		return fail(errors.New("the lesson's data are still loading: try again in a moment"))
	}
	a.mu.Lock()
	running := a.running
	a.mu.Unlock()
	if running {
		return fail(errors.New("stop the training before using new code"))
	}
	if strings.TrimSpace(src) == "" {
		return fail(errors.New("paste Keras code first, e.g. a code block of the lesson"))
	}
	env, err := l.codeEnv()
	if err != nil {
		return fail(err)
	}
	blocks = true
	p, err := codeSession.Run(src, env)
	showCodeNames()
	if err != nil {
		return fail(err)
	}
	if p.Model == nil {
		// A cell that plots, or defines a callback for later: the page
		// keeps its model and settings.
		a.setCodeBlock("")
		a.clearCodeError()
		msg := "This code builds, compiles and fits no model: the page keeps its model and settings."
		a.mu.Lock()
		a.code.status = ""
		a.mu.Unlock()
		setText("code-status", msg)
		showCodeNotes(withUnderstood(p.Notes, p.Understood))
		return nil
	}
	text := keras.ModelText(p.Model.Layers)
	name := p.Model.Name
	m, err := a.buildModel(text, name, in)
	if err != nil {
		// The code's model does not fit the page's data: say so at the
		// code's line of the layer.
		var ke *keras.Error
		if errors.As(err, &ke) {
			err = &keras.Error{Pos: codeLineOfLayer(p, ke.Line), Msg: "on the page's data: " + ke.Msg}
		}
		return fail(err)
	}
	cs, notes, err := SettingsFromProgram(p, l.codePage())
	if err != nil {
		return fail(err)
	}

	a.setCodeBlock("")
	setValue("model-text", text)
	lineNumbers(text, 0)
	if cs.Compile {
		setValue("optimizer", cs.Optimizer)
		lr := ""
		if cs.LR > 0 {
			lr = strconv.FormatFloat(cs.LR, 'g', -1, 64)
		}
		setValue("lr", lr)
		if cs.Loss != "" {
			setValue("loss", cs.Loss)
		}
	}
	if cs.Fit {
		setValue("batch", strconv.Itoa(cs.Batch))
		setValue("epochs", strconv.Itoa(cs.Epochs))
		setChecked("early", cs.Patience > 0)
		setChecked("restore", cs.Restore)
		if cs.Patience > 0 {
			setValue("patience", strconv.Itoa(cs.Patience))
		}
	}

	a.clearCodeError()
	total, _, _ := m.CountParams()
	var set []string
	if cs.Compile {
		set = append(set, "compile")
	}
	if cs.Fit {
		set = append(set, "fit")
	}
	msg := fmt.Sprintf("Using the code's model %q (%s parameters)", m.Name, thousands(total))
	if p.Earlier {
		msg = fmt.Sprintf("Using the code's model %q from an earlier block (%s parameters)", m.Name, thousands(total))
	}
	if len(set) > 0 {
		msg += " and its " + strings.Join(set, " and ") + " settings"
	}
	a.mu.Lock()
	a.code = codeModel{text, name, msg + "."}
	a.mu.Unlock()
	setText("code-status", msg+".")
	showCodeNotes(notes)
	return nil
}

// clearCodeError takes the code panel's error away.
func (a *app) clearCodeError() {
	a.codeErr = 0
	gutter("code-lines", "code-text", value("code-text"), 0)
	setHidden("code-error", true)
	byID("code-text").Get("classList").Call("remove", "invalid")
}

// showCodeNames lists the names the pasted code bound, which the next
// block can use.
func showCodeNames() {
	names := codeSession.Names()
	setHidden("reset-code", len(names) == 0)
	if len(names) == 0 {
		setText("code-names", "")
		return
	}
	setText("code-names", "Names from the code pasted so far: "+strings.Join(names, ", ")+".")
}

// showCodeStatus says, under the code panel, whether the model editor
// still holds the model of the code that ran: once the text is retyped,
// the panel no longer claims the page uses the code's model.
func (a *app) showCodeStatus() {
	a.mu.Lock()
	c := a.code
	a.mu.Unlock()
	if c.status == "" {
		return
	}
	if strings.TrimSpace(c.text) == strings.TrimSpace(value("model-text")) {
		setText("code-status", c.status)
		return
	}
	setText("code-status", fmt.Sprintf("The model was edited after this code ran: Train uses the model editor's model, not %q.", c.name))
}

// codeErrText is an error of pasted code as the panel shows it (its line
// and column first).
func (a *app) codeErrText(err error) string {
	var ke *keras.Error
	if errors.As(err, &ke) {
		return fmt.Sprintf("Line %d, column %d: %s", ke.Line, ke.Col, ke.Msg)
	}
	return err.Error()
}

// recoverModelText shows a panic while checking the model editor's text as
// the editor's error (deferred by checkModel): the previous model stays, and
// the page keeps working.
func (a *app) recoverModelText() {
	r := recover()
	if r == nil {
		return
	}
	msg := panicError("checking the model", r).Error()
	a.setModelErr(msg)
	setText("model-error", msg)
	setHidden("model-error", false)
	byID("model-text").Get("classList").Call("add", "invalid")
	byID("summary").Get("classList").Call("add", "stale")
}

// codeError shows an error of pasted code under the panel's editor, the
// line marked in its gutter; with focus the caret goes to the place.
func (a *app) codeError(src string, err error, focus bool) {
	msg := err.Error()
	a.codeErr = 0
	var ke *keras.Error
	if errors.As(err, &ke) {
		msg = fmt.Sprintf("Line %d, column %d: %s", ke.Line, ke.Col, ke.Msg)
		a.codeErr = ke.Line
	} else if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	gutter("code-lines", "code-text", value("code-text"), a.codeErr)
	setText("code-error", msg+"\nThe page keeps its model and settings.")
	setHidden("code-error", false)
	a.mu.Lock()
	a.code.status = ""
	a.mu.Unlock()
	setText("code-status", "")
	showCodeNotes(nil)
	ta := byID("code-text")
	ta.Get("classList").Call("add", "invalid")
	if ke == nil {
		return
	}
	if focus {
		off := jsOffset(value("code-text"), ke.Line, ke.Col)
		ta.Call("focus")
		ta.Call("setSelectionRange", off, off)
	}
	lh, _ := strconv.ParseFloat(strings.TrimSuffix(window.Call("getComputedStyle", ta).Get("lineHeight").String(), "px"), 64)
	if lh <= 0 {
		lh = 18
	}
	ta.Set("scrollTop", float64(max(ke.Line-3, 0))*lh)
	byID("code-lines").Set("scrollTop", ta.Get("scrollTop"))
}

// jsOffset is the textarea offset (UTF-16) of line and column (1-based) in text.
func jsOffset(text string, line, col int) int {
	lines := strings.Split(text, "\n")
	off := 0
	for i := 0; i < line-1 && i < len(lines); i++ {
		off += len(utf16.Encode([]rune(lines[i]))) + 1
	}
	if line-1 < len(lines) && line >= 1 {
		r := []rune(lines[line-1])
		off += len(utf16.Encode(r[:min(max(col-1, 0), len(r))]))
	}
	return off
}

// showCodeNotes lists the lines the page did not run, and what it does
// instead, under the code panel.
func showCodeNotes(notes []keras.Note) {
	box := byID("code-notes")
	box.Set("innerHTML", "")
	if len(notes) == 0 {
		box.Set("hidden", true)
		return
	}
	var differ, understood []keras.Note
	for _, n := range notes {
		if n.Understood {
			understood = append(understood, n)
		} else {
			differ = append(differ, n)
		}
	}
	noteList(box, "Not run here, and what the page does instead:", differ, "")
	noteList(box, "Understood, nothing to run:", understood, "understood")
	box.Set("hidden", false)
}

// noteList appends a titled list of notes to box, each with a link to the
// panel that shows what its line would draw.
func noteList(box js.Value, title string, notes []keras.Note, class string) {
	if len(notes) == 0 {
		return
	}
	p := document.Call("createElement", "p")
	p.Set("textContent", title)
	box.Call("appendChild", p)
	ul := document.Call("createElement", "ul")
	for i, line := range NoteLines(notes) {
		li := document.Call("createElement", "li")
		li.Set("className", class)
		li.Get("dataset").Set("line", strconv.Itoa(notes[i].Line))
		li.Set("textContent", line)
		if id, what := panelOf(notes[i].Panel); id != "" && !byID(id).IsNull() {
			li.Get("dataset").Set("panel", notes[i].Panel)
			li.Call("append", " ")
			a := document.Call("createElement", "a")
			a.Set("href", "#"+id)
			a.Set("className", "panel-link")
			a.Set("textContent", "→ "+what)
			li.Call("appendChild", a)
		}
		ul.Call("appendChild", li)
	}
	box.Call("appendChild", ul)
}

// panelOf is the page element that shows a note's panel, and its name.
func panelOf(panel string) (id, what string) {
	switch panel {
	case "curves":
		return "plots", "the training curves, in the plots"
	case "scatter":
		return "plots", "the scatter plots, in the plots (after training)"
	case "images":
		return "plots", "the image grid, in the plots"
	case "plots":
		return "plots", "the plots"
	case "histograms":
		return "w-features", "the histograms (exercise 1)"
	case "summary":
		return "summary", "the summary under the model editor"
	}
	return "", ""
}

// showPanel scrolls a panel into view and marks it for a moment.
func showPanel(id string) {
	e := byID(id)
	if d := e.Call("closest", "details"); !d.IsNull() {
		d.Set("open", true)
	}
	e.Call("scrollIntoView", map[string]any{"block": "nearest", "behavior": "smooth"})
	cl := e.Get("classList")
	cl.Call("add", "flash")
	window.Call("setTimeout", js.FuncOf(func(js.Value, []js.Value) any { cl.Call("remove", "flash"); return nil }), 1500)
}

// exportCode is the page's model with its compile and fit settings as
// Keras code (keras.Export), for Jupyter: like Train, only the model the
// editor shows.
func (a *app) exportCode() (string, error) {
	l := a.lesson()
	in := l.input()
	a.mu.Lock()
	text, bad := a.validText, a.modelErr
	a.mu.Unlock()
	if bad != "" {
		return "", errors.New("the model editor's model does not build: " + strings.ReplaceAll(bad, "\n", "\n# "))
	}
	if in == nil || text == "" {
		return "", errors.New("the model does not build yet: fix the line shown under the model editor")
	}
	m, err := a.buildModel(text, a.modelName(text), in)
	if err != nil {
		return "", err
	}
	c, f, err := ExportSpecs(readFitSettings(), a.s.Lesson)
	if err != nil {
		return "", err
	}
	return l.exportHeader() + keras.ExportNotebook(a.dataPrep(), m, c, f), nil
}

// dataPrep is the data controls' choice, for the exported notebook.
func (a *app) dataPrep() keras.DataPrep {
	d := keras.DataPrep{Lesson: a.s.Lesson}
	if seed, err := strconv.ParseUint(strings.TrimSpace(value("seed")), 10, 64); err == nil {
		d.Seed = seed
	}
	if a.w != nil {
		d.Years, d.Station, d.Target = floatValue("w-years", 3), value("w-station"), value("w-target")
	}
	if a.c != nil {
		d.N, d.TestN = max(intValue("c-n", 2000), 1), max(intValue("c-testn", 1000), 1)
	}
	return d
}

// refreshExport rewrites the shown Keras code after a change.
func (a *app) refreshExport() {
	if byID("export-box").Get("hidden").Bool() {
		return
	}
	code, err := a.exportCode()
	if err != nil {
		code = "# " + err.Error()
	}
	ta := byID("keras-export")
	ta.Set("value", code)
	ta.Set("rows", min(strings.Count(code, "\n")+1, 30))
	setText("copy-status", "")
}

// applyLinkSettings sets the compile and fit controls (and the model) that
// the link gives, over what the link's code set.
func (a *app) applyLinkSettings() {
	s := a.s
	if s.Given["optimizer"] {
		setValue("optimizer", s.Optimizer)
	}
	if s.Given["lr"] {
		setValue("lr", strconv.FormatFloat(s.LR, 'g', -1, 64))
	}
	if s.Given["loss"] {
		setValue("loss", s.Loss)
	}
	if s.Given["batch"] {
		setValue("batch", strconv.Itoa(s.Batch))
	}
	if s.Given["epochs"] {
		setValue("epochs", strconv.Itoa(s.Epochs))
	}
	if s.Given["restore"] {
		setChecked("restore", s.Restore)
	}
	if s.Given["patience"] {
		setChecked("early", s.Patience > 0)
		if s.Patience > 0 {
			setValue("patience", strconv.Itoa(s.Patience))
		}
	}
	if s.Given["model"] || s.Given["preset"] {
		setValue("model-text", s.Model)
		lineNumbers(s.Model, 0)
	}
}
