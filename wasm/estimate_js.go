//go:build js

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"nnlab/nn"
)

// The estimate next to Train: a fit's duration from a step measured on the
// device in use, 600 ms after the last change of a control; the step's
// time is cached for the device, the model text, the batch size and the
// data's shape.

var (
	estimateSeq   atomic.Int64
	estimateCache = map[string]time.Duration{}
)

// updateEstimate shows the estimate for the controls as they are now,
// measuring a step when none is cached for them.
func (a *app) updateEstimate() {
	n := estimateSeq.Add(1)
	time.Sleep(600 * time.Millisecond)
	if estimateSeq.Load() != n {
		return
	}
	a.mu.Lock()
	dev, running, loaded, text, bad := a.dev, a.running, a.loaded, a.validText, a.modelErr
	a.mu.Unlock()
	if running || !loaded {
		return
	}
	if bad != "" || text == "" || text != value("model-text") {
		setText("estimate", "")
		return
	}
	batch, epochs := max(intValue("batch", 32), 1), max(intValue("epochs", 1), 1)
	d, loss, train, val, shape, err := a.estimateData()
	if err != nil {
		setText("estimate", "")
		return
	}
	key := strings.Join([]string{dev.Name(), text, fmt.Sprint(batch), shape}, "\x00")
	step, ok := estimateCache[key]
	if !ok {
		setText("estimate", "Estimating the fit's duration…")
		m, err := a.buildModel(text, "estimate", a.lesson().input())
		if err != nil {
			setText("estimate", "")
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { // a run that starts, or a newer change, stops the measurement
			for ctx.Err() == nil {
				a.mu.Lock()
				r := a.running
				a.mu.Unlock()
				if r || estimateSeq.Load() != n {
					cancel()
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		// The device is another's (a fit, a loaded model): no estimate now.
		if !a.devUse.TryLock() {
			cancel()
			m.Release()
			setText("estimate", "")
			return
		}
		a.mu.Lock()
		same := a.dev == dev && !a.running
		a.mu.Unlock()
		if same {
			step, err = measureStep(ctx, m, dev, loss, d, batch)
		} else {
			err = context.Canceled
		}
		a.devUse.Unlock()
		stopped := ctx.Err() != nil
		cancel()
		if err != nil || stopped {
			if estimateSeq.Load() == n {
				setText("estimate", "")
			}
			return
		}
		estimateCache[key] = step
	}
	if estimateSeq.Load() != n {
		return
	}
	total := fitTime(step, train, val, batch, epochs)
	msg := fmt.Sprintf("Estimate: %s for %d epochs (a step of %d measured on %s: %s)", durationText(total), epochs, batch, dev.Name(), stepText(step))
	if byID("early").Get("checked").Bool() {
		msg += "; early stopping may end it sooner"
	}
	setText("estimate", msg+".")
	byID("estimate").Get("dataset").Set("seconds", fmt.Sprintf("%.3f", total.Seconds()))
}

// stepText is a step's time in ms, or µs under a millisecond.
func stepText(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	}
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

// estimateData is the lesson's training data as a run would use them, the
// loss, the training and validation samples, and the data's shape (for
// the cache).
func (a *app) estimateData() (d *nn.Data, loss nn.Loss, train, val int, shape string, err error) {
	if a.w != nil {
		prep, err := a.w.prepared(a.w.dataConfig())
		if err != nil {
			return nil, nn.Loss{}, 0, 0, "", err
		}
		s := prep.Split
		d = &nn.Data{X: s.XTrain.Data, Y: s.YTrain.Data, N: s.XTrain.Rows}
		return d, nn.MeanSquaredError, s.XTrain.Rows, s.XVal.Rows, fmt.Sprint(s.XTrain.Cols, "x", s.YTrain.Cols), nil
	}
	if a.p != nil {
		// The penguins' fits take seconds: no estimate, and no step
		// measured on the device a run is about to use.
		return nil, nn.Loss{}, 0, 0, "", errors.New("no estimate for the penguins lesson")
	}
	c := a.c
	if c == nil || c.trainSet == nil {
		return nil, nn.Loss{}, 0, 0, "", errors.New("no lesson data to estimate with")
	}
	n, testN := max(intValue("c-n", 2000), 1), max(intValue("c-testn", 1000), 1)
	im := c.trainSet
	k := min(im.N, 4*max(intValue("batch", 32), 1))
	y := make([]float32, k)
	for i := range y {
		y[i] = float32(im.Labels[i])
	}
	d = &nn.Data{XBytes: im.Pixels[:k*im.W*im.H*im.C], Scale: 1 / 255.0, Y: y, N: k}
	return d, nn.SparseCategoricalCrossentropy(true), min(n, c.trainTotal), min(testN, c.testTotal), "cifar", nil
}
