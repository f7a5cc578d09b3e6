package main

import (
	"time"

	"nnlab/gpu"
)

// A Go program compiled to wasm returns to the browser's event loop only when
// all of its goroutines are blocked. Training is one long computation, so the
// trainer blocks on purpose: after about Every of work it pauses, and the
// page handles clicks (Stop), paints, and the plots redraw.
type yielder struct {
	Every time.Duration // work between pauses (default 30 ms)
	// Pause blocks until the browser has run its pending tasks; nil sleeps
	// a millisecond (browsers make that 4 ms or more).
	Pause func()
	last  time.Time
	// Yields counts the pauses and Paused sums their length (what the page
	// did meanwhile), for the benchmark report.
	Yields int
	Paused time.Duration
}

// Maybe pauses if Every has passed since the last pause.
func (y *yielder) Maybe() {
	now := time.Now()
	if y.last.IsZero() {
		y.last = now
		return
	}
	every := y.Every
	if every <= 0 {
		every = 30 * time.Millisecond
	}
	if now.Sub(y.last) < every {
		return
	}
	y.Now()
}

// Now pauses unconditionally.
func (y *yielder) Now() {
	t0 := time.Now()
	if y.Pause != nil {
		y.Pause()
	} else {
		time.Sleep(time.Millisecond)
	}
	y.Yields++
	y.last = time.Now()
	y.Paused += y.last.Sub(t0)
}

// yieldingDevice is a device that lets the page breathe between kernels.
// FitConfig.OnBatch already yields between training steps; this also covers
// the validation pass inside Fit and the final Evaluate and Predict calls,
// which have no hook (on the pure-Go device a CIFAR-10 evaluation takes
// seconds). Only kernels that do real work check the clock.
type yieldingDevice struct {
	gpu.Device
	y *yielder
}

func (d yieldingDevice) MatMul(c, a, b gpu.Buffer, m, k, n int, transA, transB, acc bool) {
	d.y.Maybe()
	d.Device.MatMul(c, a, b, m, k, n, transA, transB, acc)
}

func (d yieldingDevice) MatMulBiasAct(c, a, b, bias gpu.Buffer, m, k, n int, act gpu.Act) {
	d.y.Maybe()
	d.Device.MatMulBiasAct(c, a, b, bias, m, k, n, act)
}

func (d yieldingDevice) MatMulActGrad(c, a, b, y gpu.Buffer, m, k, n int, transB bool, act gpu.Act) {
	d.y.Maybe()
	d.Device.MatMulActGrad(c, a, b, y, m, k, n, transB, act)
}

func (d yieldingDevice) ConvForward(y, x, col, w, bias gpu.Buffer, g gpu.ConvGeom, filters int, act gpu.Act) {
	d.y.Maybe()
	d.Device.ConvForward(y, x, col, w, bias, g, filters, act)
}

func (d yieldingDevice) ConvWeightGrads(dw, db, x, col, dy gpu.Buffer, g gpu.ConvGeom, filters int) {
	d.y.Maybe()
	d.Device.ConvWeightGrads(dw, db, x, col, dy, g, filters)
}

func (d yieldingDevice) WeightGrads(dw, db, x, dy gpu.Buffer, rows, in, out int) {
	d.y.Maybe()
	d.Device.WeightGrads(dw, db, x, dy, rows, in, out)
}

func (d yieldingDevice) Im2Col(col, x gpu.Buffer, g gpu.ConvGeom) {
	d.y.Maybe()
	d.Device.Im2Col(col, x, g)
}

func (d yieldingDevice) Loss(kind gpu.LossKind, dp, acc gpu.Buffer, slot int, p, t, tIdx gpu.Buffer, tIdxOff, rows, cols int, scale float32) {
	d.y.Maybe()
	d.Device.Loss(kind, dp, acc, slot, p, t, tIdx, tIdxOff, rows, cols, scale)
}
