//go:build js

package main

import (
	"fmt"

	"nnlab/gpu"
)

// The device menu: which device the lab trains on.

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
		if a.s.Kernels != "" { // the link's kernels=, for the estimate too
			if err := c.SetKernels(a.s.Kernels); err != nil {
				showError(err.Error())
			}
		}
	}
	a.mu.Lock()
	old := a.dev
	a.dev, a.devNote = dev, note
	a.mu.Unlock()
	if old != nil && old != dev {
		go func() { // once an estimate measuring on it has ended
			a.devUse.Lock()
			defer a.devUse.Unlock()
			old.Close()
		}()
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
	deviceLinks(kind, a.s.HideAnswers)
}
