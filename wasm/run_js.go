//go:build js

package main

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	"nnlab/gpu"
)

// Run control: Train reads and checks the settings, the run goes on in
// this goroutine, Stop cancels it.

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

// train runs the lesson: in the training worker, while this goroutine
// waits for it, or on the page's thread, yielding to stay live (see
// yielder). It trains the model the editor shows: a
// text typed since the last check is checked first, and a model or code
// error refuses the run with its reason.
func (a *app) train() {
	a.mu.Lock()
	checked := a.validText != "" && a.validText == value("model-text")
	a.mu.Unlock()
	if !checked {
		a.checkModel()
	}
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return
	}
	text := a.validText
	why := a.trainOff()
	if why == "" && text != value("model-text") {
		why = "the model editor's text has not been checked yet: try again"
	}
	if why != "" {
		a.mu.Unlock()
		showError("Not trained: " + why)
		setStatus("error")
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.running, a.cancel = true, cancel
	dev := a.dev
	a.mu.Unlock()

	clearError()
	setStatus("training")
	a.updateTrain()
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
		a.updateTrain()
		setDisabled("stop", true)
		setDisabled("device-select", false)
		setStatus(status)
	}()

	a.y = yielder{Pause: browserTurn}
	l := a.lesson()
	key := controlsKey()
	rs, err := a.runSettings(l, text)
	out := &runOutcome{}
	if err == nil {
		a.ranWith(key)
		job := &trainJob{Run: rs, Device: a.s.Device, Kernels: a.s.Kernels}
		if err = l.jobData(job); err == nil {
			out = a.fit(ctx, job) // in the training worker (trainer_js.go)
			err = out.err()
		}
	}
	res := out.result()
	if res != nil && err == nil {
		l.show(rs, res, pageSink{a})
	}
	if res != nil {
		f := res.fit()
		setText("run-status", statusLine(f.Stopped, err, f.EpochsRun, f.TrainSeconds))
	}
	a.modelTrained(rs, out) // model files: the trained model's downloads (model_js.go)
	if w, ok := dev.(*gpu.WebGPU); ok && w.Lost() || out.DeviceLost {
		// Fit went on in pure Go; later runs start there.
		a.useDevice(gpu.NewCPU(), deviceLostNote)
	}
	stopped := false
	if res != nil {
		stopped = res.fit().Stopped
		adapter := res.fit().Device
		*res.page() = PageRun{Lesson: a.s.Lesson, Device: deviceKind(adapter), Adapter: adapter, DeviceNote: out.DeviceNote,
			ModelText: text, Yields: out.Yields, YieldSeconds: out.YieldSeconds, Trainer: out.trainer, Kernels: out.Kernels}
		if err != nil {
			res.page().Error = err.Error()
		}
		if jerr := showResult(res); jerr != nil {
			err = errors.Join(err, jerr)
		}
		a.recordRun(res, rs, out.Weights)
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

// setModelErr records the model editor's error ("" when its text builds)
// and turns Train off or on.
func (a *app) setModelErr(msg string) {
	a.mu.Lock()
	a.modelErr = msg
	a.mu.Unlock()
	a.updateTrain()
}

// setCodeBlock records the error of pasted code that did not run ("" when
// none holds Train back) and turns Train off or on: the learner meant that
// code's model, which the page does not have.
func (a *app) setCodeBlock(msg string) {
	a.mu.Lock()
	a.codeBlock = msg
	a.mu.Unlock()
	a.updateTrain()
}

// trainOff is why Train is off, or "" when it may run; a.mu is held.
func (a *app) trainOff() string {
	switch {
	case a.modelErr != "":
		return "the model editor's model does not build: " + a.modelErr
	case a.codeBlock != "":
		return "the pasted code did not run: " + a.codeBlock + "\nUse the fixed code, or edit the model, to turn Train on."
	}
	return ""
}

// updateTrain enables Train when the data are loaded, no run is going on
// and nothing holds it back, and shows why not next to it.
func (a *app) updateTrain() {
	a.mu.Lock()
	why := a.trainOff()
	off := !a.loaded || a.running || why != ""
	a.mu.Unlock()
	setDisabled("train", off)
	if why != "" {
		why = "Train is off: " + why
	}
	setText("train-why", why)
	setHidden("train-why", why == "")
}

// runSettings reads the compile and fit controls and the lesson's data
// controls for a run of the model text, and checks them.
func (a *app) runSettings(l lesson, text string) (RunSettings, error) {
	rs := RunSettings{Lesson: a.s.Lesson, ModelText: text, ModelName: a.modelName(text), Fit: readFitSettings()}
	err := l.settings(&rs)
	return rs, err
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
