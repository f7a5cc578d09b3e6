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
	l := a.lesson()
	var res pageResult
	rs, err := a.runSettings(l, text)
	if err == nil {
		res, err = l.run(ctx, dev, rs, &reporter{a: a, epochs: rs.Fit.Epochs})
	}
	if w, ok := dev.(*gpu.WebGPU); ok && w.Lost() {
		// Fit went on in pure Go; later runs start there.
		a.useDevice(gpu.NewCPU(), "the GPU device was lost during the last run: using pure Go (CPU); reload the page to try WebGPU again")
	}
	stopped := false
	if res != nil {
		stopped = res.fit().Stopped
		a.mu.Lock()
		note := a.devNote
		a.mu.Unlock()
		adapter := res.fit().Device
		*res.page() = PageRun{Lesson: a.s.Lesson, Device: deviceKind(adapter), Adapter: adapter, DeviceNote: note,
			ModelText: text, Yields: a.y.Yields, YieldSeconds: a.y.Paused.Seconds()}
		if err != nil {
			res.page().Error = err.Error()
		}
		if jerr := showResult(res); jerr != nil {
			err = errors.Join(err, jerr)
		}
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
