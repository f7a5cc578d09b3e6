//go:build js

package main

import (
	"context"
	"errors"
	"fmt"
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

	// devUse is held while kernels run on dev: a fit, the estimate's
	// measured steps, a loaded model's evaluation. A device runs one
	// thing at a time (WebGPU's pipelines and buffers are not shared
	// between goroutines), and the estimate gives way to a fit.
	devUse sync.Mutex

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
	modelErr  string       // the model editor's error, "" when its text builds
	codeBlock string       // the error of pasted code that holds Train back, or ""
	loaded    bool         // the lesson's data are loaded
	runKey    string       // the run controls of the last run (controlsKey), "" before one

	w *weatherLesson
	c *cifarLesson
	p *penguinsLesson

	runs *runsPanel // every fit, kept (runs_js.go)

	worker     *trainWorker // nil: runs train on the page's thread
	workerNote string       // why they do although the page wanted a worker
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
	// settings reads the lesson's controls into a run's settings and
	// checks them, before the run starts.
	settings(rs *RunSettings) error
	// jobData gives a run's job the lesson's data, as its settings were
	// checked with.
	jobData(j *trainJob) error
	// show shows a finished run's result (not when it failed): the
	// lesson's plots of it and the results table.
	show(rs RunSettings, res pageResult, sink pageSink)
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
	deviceLinks(a.s.Device, a.s.HideAnswers)
	on("device-select", "change", func() { a.switchDevice(value("device-select")) })

	var l lesson
	switch a.s.Lesson {
	case "weather":
		a.w = &weatherLesson{}
		l = a.w
	case "cifar":
		a.c = &cifarLesson{}
		l = a.c
	case "penguins":
		a.p = &penguinsLesson{}
		l = a.p
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
	a.setupModelFiles() // model files: download and load (model_js.go)
	a.watchStale()
	a.runs = newRunsPanel(s.Lesson)

	if !s.NoWorker {
		a.worker = startWorker(a)
		if a.worker == nil {
			a.workerNote = "training on the page's thread: this browser runs no Web Worker"
		}
	}
	a.showTrainer()

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
	a.mu.Lock()
	a.loaded = true
	a.mu.Unlock()
	a.checkModel()
	a.updateTrain()
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
	if a.p != nil {
		return a.p
	}
	return a.c
}
