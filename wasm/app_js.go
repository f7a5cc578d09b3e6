//go:build js

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"nnlab/gpu"
	"nnlab/keras"
	"nnlab/nn"
)

// app is the lab page: its controls, device, data and the training run.
type app struct {
	s    Settings
	view *viewLink
	y    yielder

	mu      sync.Mutex // guards the fields below, shared by event handlers and the trainer
	dev     gpu.Device
	devNote string
	running bool
	cancel  context.CancelFunc

	editSeq   atomic.Int64 // model editor edits, for debouncing
	validText string       // the last model text that built
	errLine   int          // the editor's line with an error, or 0
	code      codeModel    // the model that pasted code set
	codeErr   int          // the code panel's line with an error, or 0

	w *weatherLesson
	c *cifarLesson
}

// lesson is what differs between the weather and the CIFAR-10 lesson.
type lesson interface {
	// load fetches and shows the data (facts, exercise plots).
	load(a *app) error
	// input is the model's input layer, nil until the data are loaded.
	input() *nn.InputLayer
	// modelName is the Keras model name for a model text.
	modelName(text string) string
	// outputs is the number of outputs the last layer must give.
	outputs() int
	// train runs the lesson; it returns the result for #nnlab-result.
	train(a *app, ctx context.Context, dev gpu.Device, text string) (result map[string]any, stopped bool, err error)
	// codeEnv is the lesson's data as pasted Keras code names them.
	codeEnv() (keras.Env, error)
	// codePage is what pasted code's settings map to.
	codePage() codePage
	// exportHeader is the comment that starts exported Keras code.
	exportHeader() string
}

func runApp() {
	undoEbitenInit()
	a := &app{}
	var errs []error
	a.s, errs = ParseSettings(window.Get("location").Get("search").String())
	setHidden("loading", true)
	if len(errs) > 0 {
		msg := make([]string, len(errs))
		for i, e := range errs {
			msg[i] = e.Error()
		}
		showError("Some of the link's settings were not used:\n" + strings.Join(msg, "\n"))
	}
	a.openDevice(a.s.Device)
	setValue("device-select", a.s.Device)
	deviceLinks(a.s.Device)
	on("device-select", "change", func() { a.switchDevice(value("device-select")) })

	var l lesson
	switch a.s.Lesson {
	case "weather":
		a.w = &weatherLesson{}
		l = a.w
	case "cifar":
		a.c = &cifarLesson{}
		l = a.c
	default:
		if len(errs) == 0 {
			setStatus("ready")
		}
		select {}
	}
	a.showLesson(l)
	select {}
}

// undoEbitenInit takes back what Ebiten's package initialization did to the
// page: the program links Ebiten for its plots' mode, and Ebiten prepares
// any page it is loaded in for a full-window game (a canvas appended to
// <body>, <html> and <body> full-height, black and without margins, a
// viewport <meta>). The lab page is not that page.
func undoEbitenInit() {
	canvases := document.Call("querySelectorAll", "body > canvas")
	for i := 0; i < canvases.Length(); i++ {
		canvases.Index(i).Call("remove")
	}
	for _, e := range []js.Value{document.Get("documentElement"), document.Get("body")} {
		st := e.Get("style")
		for _, prop := range []string{"height", "margin", "padding", "background-color"} {
			st.Call("removeProperty", prop)
		}
	}
	metas := document.Call("querySelectorAll", `meta[name="viewport"]`)
	for i := 1; i < metas.Length(); i++ { // the page's own comes first
		metas.Index(i).Call("remove")
	}
}

// openDevice opens the device kind names and shows which one the lab uses.
func (a *app) openDevice(kind string) {
	dev, note, err := openDevice(kind)
	if err != nil {
		showError(fmt.Sprintf("Device %q: %v; using the pure-Go device.", kind, err))
		dev, note = gpu.NewCPU(), err.Error()
	}
	a.useDevice(dev, note)
}

// useDevice makes dev the lab's device and shows it with the note.
func (a *app) useDevice(dev gpu.Device, note string) {
	// The pure-Go device lets the page breathe between its heavy kernels:
	// FitConfig.OnBatch yields between training steps, this also covers the
	// validation inside Fit and the final evaluation and predictions (seconds
	// for CIFAR-10). A GPU device waits for its submits, which yields.
	if c, ok := dev.(*gpu.CPU[float32]); ok {
		c.Pause = a.y.Maybe
	}
	a.mu.Lock()
	old := a.dev
	a.dev, a.devNote = dev, note
	a.mu.Unlock()
	if old != nil && old != dev {
		old.Close()
	}
	setText("device-name", dev.Name())
	if note == "using "+dev.Name() {
		note = ""
	}
	if note != "" {
		note = "— " + note
	}
	setText("device-note", note)
}

// switchDevice is the device menu: not while training.
func (a *app) switchDevice(kind string) {
	a.mu.Lock()
	running := a.running
	a.mu.Unlock()
	if running {
		showError("Stop the training before switching the device.")
		return
	}
	a.openDevice(kind)
	a.s.Device = kind
	replaceQuery("device", kind)
	deviceLinks(kind)
}

// deviceLinks makes the links between the lessons keep the device choice.
func deviceLinks(kind string) {
	q := ""
	if kind != "" && kind != "auto" {
		q = "device=" + url.QueryEscape(kind)
	}
	for id, base := range map[string]string{"open-weather": "?lesson=weather", "open-cifar": "?lesson=cifar", "back": "./"} {
		href := base
		switch {
		case q == "":
		case strings.Contains(base, "?"):
			href += "&" + q
		default:
			href += "?" + q
		}
		byID(id).Set("href", href)
	}
}

// replaceQuery sets a parameter of the page's URL without reloading, so
// that the address can be shared.
func replaceQuery(key, val string) {
	loc := window.Get("location")
	q, err := url.ParseQuery(strings.TrimPrefix(loc.Get("search").String(), "?"))
	if err != nil {
		return
	}
	q.Set(key, val)
	window.Get("history").Call("replaceState", nil, "", "?"+q.Encode())
}

// showLesson sets up the lesson page from the settings, loads the data and,
// with autorun, trains.
func (a *app) showLesson(l lesson) {
	setStatus("loading")
	setHidden("start", true)
	setHidden("lesson", false)
	s := a.s
	setValue("optimizer", s.Optimizer)
	if s.LR > 0 {
		setValue("lr", strconv.FormatFloat(s.LR, 'g', -1, 64))
	}
	setValue("batch", strconv.Itoa(s.Batch))
	setValue("epochs", strconv.Itoa(s.Epochs))
	setChecked("early", s.Patience > 0)
	if s.Patience > 0 {
		setValue("patience", strconv.Itoa(s.Patience))
	}
	setValue("seed", strconv.FormatUint(s.Seed, 10))
	setValue("model-text", s.Model)
	lineNumbers(s.Model, 0)

	frame := byID("view")
	a.view = newViewLink(frame)
	a.view.send(Msg{Kind: MsgLesson, Lesson: s.Lesson, Status: "loading the data…"})
	if !s.NoPlots {
		frame.Set("src", "view.html")
	}

	on("model-text", "input", a.modelEdited)
	editor := byID("model-text")
	editor.Call("addEventListener", "scroll", js.FuncOf(func(js.Value, []js.Value) any {
		byID("model-lines").Set("scrollTop", editor.Get("scrollTop"))
		return nil
	}))
	on("train", "click", a.train)
	on("stop", "click", a.stop)
	a.setupCode()

	setText("run-status", "Loading the data…")
	if err := l.load(a); err != nil {
		showError(err.Error())
		setText("run-status", "")
		setStatus("error")
		return
	}
	a.view.send(Msg{Kind: MsgStatus, Status: ""})
	setText("run-status", "")
	var codeErr error
	if s.Code != "" {
		// The link's code, as if pasted; the link's own settings win.
		setValue("code-text", s.Code)
		gutter("code-lines", "code-text", s.Code, 0)
		byID("code-box").Set("open", true)
		codeErr = a.useCode(s.Code, false)
		a.applyLinkSettings()
	}
	a.checkModel()
	setDisabled("train", false)
	if codeErr != nil {
		msg := codeErr.Error()
		var ke *keras.Error
		if errors.As(codeErr, &ke) {
			msg = fmt.Sprintf("line %d, column %d: %s", ke.Line, ke.Col, ke.Msg)
		}
		showError("The link's Keras code (code=) did not run, " + msg + ". The page keeps its model; see \"Paste Keras code\".")
		setStatus("error")
		return
	}
	if s.Autorun {
		// Let the plots start first: starting them takes the page's thread
		// for a moment, which would count as training time.
		if !s.NoPlots {
			select {
			case <-a.view.started:
			case <-time.After(15 * time.Second):
			}
		}
		a.train()
		return
	}
	setStatus("ready")
}

func (a *app) lesson() lesson {
	if a.w != nil {
		return a.w
	}
	return a.c
}

// modelEdited numbers the lines at once and rebuilds the summary 150 ms
// after the last keystroke.
func (a *app) modelEdited() {
	lineNumbers(value("model-text"), a.errLine)
	n := a.editSeq.Add(1)
	time.Sleep(150 * time.Millisecond)
	if a.editSeq.Load() == n {
		a.checkModel()
	}
}

// checkModel builds the editor's model: the summary follows a model that
// builds; a line that does not parse or fit shows its error next to the
// editor, and the previous model stays.
func (a *app) checkModel() {
	defer a.recoverModelText()
	l := a.lesson()
	in := l.input()
	if in == nil {
		return
	}
	text := value("model-text")
	m, err := a.buildModel(text, a.modelName(text), in)
	if err != nil {
		msg := err.Error()
		a.errLine = 0
		var ke *keras.Error
		if errors.As(err, &ke) {
			msg = fmt.Sprintf("Line %d, column %d: %s", ke.Line, ke.Col, ke.Msg)
			a.errLine = ke.Line
		}
		lineNumbers(text, a.errLine)
		if a.validText != "" {
			msg += "\nThe summary and Train use the last model that built."
		}
		setText("model-error", msg)
		setHidden("model-error", false)
		byID("model-text").Get("classList").Call("add", "invalid")
		byID("summary").Get("classList").Call("add", "stale")
		return
	}
	a.mu.Lock()
	a.validText = text
	a.mu.Unlock()
	a.errLine = 0
	lineNumbers(text, 0)
	if a.c != nil {
		setValue("c-preset", cifarPreset(text))
	}
	setHidden("model-error", true)
	byID("model-text").Get("classList").Call("remove", "invalid")
	byID("summary").Get("classList").Call("remove", "stale")
	setText("summary", m.Summary())
	a.refreshExport()
}

// buildModel builds a model text on the lesson's input and checks that it
// gives the lesson's outputs.
func (a *app) buildModel(text, name string, in *nn.InputLayer) (*nn.Model, error) {
	l := a.lesson()
	m, err := keras.BuildModel(text, name, in)
	if err == nil && m.OutputShape().Size() != l.outputs() {
		line := 1
		if lines, perr := keras.ParseLayers(text); perr == nil && len(lines) > 0 {
			line = lines[len(lines)-1].Pos.Line
		}
		err = &keras.Error{Pos: keras.Pos{Line: line, Col: 1},
			Msg: fmt.Sprintf("the last layer gives %d outputs, the lesson needs %d (e.g. Dense(%d))", m.OutputShape().Size(), l.outputs(), l.outputs())}
	}
	return m, err
}

// lineNumbers numbers the model editor's lines in its gutter, marking bad.
func lineNumbers(text string, bad int) { gutter("model-lines", "model-text", text, bad) }

// gutter numbers the lines of the textarea textID in the gutter linesID,
// marking bad.
func gutter(linesID, textID, text string, bad int) {
	g := byID(linesID)
	g.Set("textContent", "")
	n := strings.Count(text, "\n") + 1
	for i := 1; i <= n; i++ {
		if i > 1 {
			g.Call("append", "\n")
		}
		if i == bad {
			s := document.Call("createElement", "span")
			s.Set("className", "bad")
			s.Set("textContent", strconv.Itoa(i))
			s.Set("title", "this line has an error")
			g.Call("append", s)
			continue
		}
		g.Call("append", strconv.Itoa(i))
	}
	g.Set("scrollTop", byID(textID).Get("scrollTop"))
}

// readFitSettings reads the compile/fit controls.
func readFitSettings() fitSettings {
	f := fitSettings{
		Optimizer: value("optimizer"),
		LR:        floatValue("lr", 0),
		Loss:      value("loss"),
		Batch:     max(intValue("batch", 32), 1),
		Epochs:    max(intValue("epochs", 1), 1),
	}
	if checked("early") {
		f.Patience = max(intValue("patience", 10), 1)
		f.Restore = checked("restore")
	}
	if seed, err := strconv.ParseUint(strings.TrimSpace(value("seed")), 10, 64); err == nil {
		f.Seed = seed
	}
	return f
}

// train runs the lesson in this goroutine; the page stays live because the
// trainer yields (see yielder).
func (a *app) train() {
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return
	}
	text := a.validText
	if text == "" {
		a.mu.Unlock()
		showError("The model does not build yet: fix the line shown under the editor.")
		setStatus("error")
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.running, a.cancel = true, cancel
	dev := a.dev
	a.mu.Unlock()

	clearError()
	setStatus("training")
	setDisabled("train", true)
	setDisabled("stop", false)
	setDisabled("device-select", true)
	setText("results", "")
	setText("nnlab-result", "")
	status := "done"
	defer func() {
		if r := recover(); r != nil {
			showError(fmt.Sprintf("nnlab crashed while training: %v (see the console for details)", r))
			window.Get("console").Call("error", string(debug.Stack()))
			status = "error"
		}
		cancel()
		a.mu.Lock()
		a.running, a.cancel = false, nil
		a.mu.Unlock()
		setDisabled("train", false)
		setDisabled("stop", true)
		setDisabled("device-select", false)
		setStatus(status)
	}()

	a.y = yielder{Pause: browserTurn}
	res, stopped, err := a.lesson().train(a, ctx, dev, text)
	if w, ok := dev.(*gpu.WebGPU); ok && w.Lost() {
		// Fit went on in pure Go; later runs start there.
		a.useDevice(gpu.NewCPU(), "the GPU device was lost during the last run: using pure Go (CPU); reload the page to try WebGPU again")
	}
	if res != nil {
		res["lesson"] = a.s.Lesson
		res["model_text"] = text
		res["stopped"] = stopped
		res["yields"] = a.y.Yields
		res["yield_seconds"] = a.y.Paused.Seconds()
		a.mu.Lock()
		if note := a.devNote; note != "" {
			res["device_note"] = note
		}
		a.mu.Unlock()
		if name, ok := res["device"].(string); ok {
			res["adapter"] = name
			res["device"] = "webgpu"
			if name == gpu.NewCPU().Name() {
				res["device"] = "cpu"
			}
		}
		if err != nil {
			res["error"] = err.Error()
		}
		b, jerr := json.MarshalIndent(res, "", "  ")
		if jerr != nil {
			err = errors.Join(err, jerr)
		}
		setText("nnlab-result", string(b))
	}
	switch {
	case err != nil:
		showError(err.Error())
		a.view.send(Msg{Kind: MsgStatus, Status: "error: " + err.Error()})
		setText("run-status", "Training failed.")
		status = "error"
	case stopped:
		a.view.send(Msg{Kind: MsgStatus, Status: "stopped"})
		status = "stopped"
	default:
		a.view.send(Msg{Kind: MsgStatus, Status: ""})
	}
}

// stop cancels the run; Fit stops before its next step.
func (a *app) stop() {
	a.mu.Lock()
	if a.cancel != nil {
		a.cancel()
	}
	a.mu.Unlock()
	setText("run-status", "Stopping…")
}

// progress shows where the run is, at most every 200 ms.
type progress struct {
	a      *app
	epochs int
	last   time.Time
}

func (p *progress) batch(epoch, step, steps int) {
	p.a.y.Maybe()
	if time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	setText("run-status", fmt.Sprintf("Epoch %d/%d, step %d/%d", epoch+1, p.epochs, step, steps))
	p.a.view.send(Msg{Kind: MsgProgress, Epoch: epoch, Step: step, Steps: steps})
}

// epochReporter is the Fit callback that sends each epoch's logs and
// weight histograms (TensorBoard's histogram_freq=1) to the plots.
type epochReporter struct {
	a      *app
	epochs int
	keys   []string
}

func (r *epochReporter) OnTrainBegin(*nn.Model) {}

func (r *epochReporter) OnEpochEnd(m *nn.Model, epoch int, logs map[string]float64) bool {
	msg := Msg{Kind: MsgEpoch, Epoch: epoch, Logs: map[string]float64{}}
	var parts []string
	for _, k := range r.keys {
		if v, ok := logs[k]; ok {
			msg.Logs[k] = v
			parts = append(parts, fmt.Sprintf("%s %.4g", k, v))
		}
	}
	if ws, err := m.Weights(); err == nil {
		for i, l := range m.Layers {
			ps := layerParams(l)
			for j, p := range ps {
				if j < len(ws[i]) && (p.Name == "kernel" || p.Name == "gamma") {
					msg.Weights = append(msg.Weights, NewHist(l.Name()+"/"+p.Name, ws[i][j], 30))
				}
			}
		}
	}
	r.a.view.send(msg)
	setText("run-status", fmt.Sprintf("Epoch %d/%d: %s", epoch+1, r.epochs, strings.Join(parts, ", ")))
	return false
}

func (r *epochReporter) OnTrainEnd(*nn.Model, *nn.History) {}

func layerParams(l nn.Layer) []*nn.Param {
	if p, ok := l.(interface{ Params() []*nn.Param }); ok {
		return p.Params()
	}
	return nil
}

// resultMap turns a lab result into a JSON object that more keys can join.
func resultMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(b, &m)
	return m, err
}

// resultsTable writes a small table into #results (header row first; none
// without rows) and notes under it.
func resultsTable(rows [][]string, notes []string) {
	box := byID("results")
	box.Set("innerHTML", "")
	if len(rows) > 0 {
		t := document.Call("createElement", "table")
		for i, r := range rows {
			tr := document.Call("createElement", "tr")
			for _, c := range r {
				tag := "td"
				if i == 0 {
					tag = "th"
				}
				td := document.Call("createElement", tag)
				td.Set("textContent", c)
				tr.Call("appendChild", td)
			}
			t.Call("appendChild", tr)
		}
		box.Call("appendChild", t)
	}
	for _, n := range notes {
		p := document.Call("createElement", "p")
		p.Set("className", "notes")
		p.Set("textContent", n)
		box.Call("appendChild", p)
	}
}

// viewLink sends Msgs to the plots' iframe. It keeps the messages that make
// the current state and replays them whenever the iframe says it is ready
// (its first load, or a reload).
type viewLink struct {
	mu    sync.Mutex
	log   MsgLog
	frame js.Value
	ready bool
	// started is closed when the plots have drawn their first frame.
	started   chan struct{}
	startOnce sync.Once
}

func newViewLink(frame js.Value) *viewLink {
	v := &viewLink{frame: frame, started: make(chan struct{})}
	window.Call("addEventListener", "message", js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		if !e.Get("source").Equal(frame.Get("contentWindow")) {
			return nil
		}
		if d := e.Get("data"); d.Type() == js.TypeString {
			switch d.String() {
			case "nnlab-view-ready":
				go v.replay()
			case "nnlab-view-drawn":
				v.startOnce.Do(func() { close(v.started) })
			}
		}
		return nil
	}))
	return v
}

func (v *viewLink) send(m Msg) {
	v.mu.Lock()
	v.log.Add(m)
	ready := v.ready
	v.mu.Unlock()
	if ready {
		v.post([]Msg{m})
	}
}

func (v *viewLink) replay() {
	v.mu.Lock()
	v.ready = true
	msgs := slices.Clone(v.log.Msgs)
	v.mu.Unlock()
	v.post(msgs)
}

func (v *viewLink) post(msgs []Msg) {
	b, err := json.Marshal(msgs)
	if err != nil {
		window.Get("console").Call("error", "nnlab: "+err.Error())
		return
	}
	if w := v.frame.Get("contentWindow"); w.Truthy() {
		w.Call("postMessage", string(b), window.Get("location").Get("origin"))
	}
}
