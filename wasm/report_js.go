//go:build js

package main

import (
	"fmt"
	"strings"
	"time"

	"nnlab/lab"
)

// reporter is how a run shows itself on the page: the status line, the
// plots' messages and the results table. It is the run's only way to the
// page; a trainer in a Web Worker would post the same values instead.
type reporter struct {
	a      *app
	epochs int       // planned
	last   time.Time // the last progress shown
	// weights are the last epoch's weights, kept with the run.
	weights []lab.Weights
}

// start tells the plots a run begins (its log keys, title and loss).
func (r *reporter) start(m Msg) {
	r.view(m)
	r.status("Training…")
}

func (r *reporter) status(s string) { setText("run-status", s) }
func (r *reporter) view(m Msg)      { r.a.view.send(m) }

// results shows the run's results table and the notes under it.
func (r *reporter) results(rows [][]string, notes []string) { resultsTable(rows, notes) }

// hooks are the lab's hooks that report here; fitDone says what the run
// does after fit.
func (r *reporter) hooks(fitDone func(lab.FitReport)) lab.Hooks {
	return lab.Hooks{Batch: r.batch, Epoch: r.epoch, EpochWeights: true, FitDone: fitDone, Trained: r.trained}
}

// batch yields to the browser and shows where the run is, at most every
// 200 ms.
func (r *reporter) batch(epoch, step, steps int) {
	r.a.y.Maybe()
	if time.Since(r.last) < 200*time.Millisecond {
		return
	}
	r.last = time.Now()
	r.status(fmt.Sprintf("Epoch %d/%d, step %d/%d", epoch+1, r.epochs, step, steps))
	r.view(Msg{Kind: MsgProgress, Epoch: epoch, Step: step, Steps: steps})
}

// epoch sends the epoch's logs and weight histograms (TensorBoard's
// histogram_freq=1: kernels and gammas) to the plots.
func (r *reporter) epoch(e lab.Epoch) {
	msg := Msg{Kind: MsgEpoch, Epoch: e.Epoch, Logs: map[string]float64{}}
	var parts []string
	for _, m := range e.Metrics {
		msg.Logs[m.Name] = m.Value
		parts = append(parts, fmt.Sprintf("%s %.4g", m.Name, m.Value))
	}
	for _, w := range e.Weights {
		if w.Param == "kernel" || w.Param == "gamma" {
			msg.Weights = append(msg.Weights, NewHist(w.Layer+"/"+w.Param, w.Values, 30))
		}
	}
	r.weights = e.Weights
	r.view(msg)
	r.status(fmt.Sprintf("Epoch %d/%d: %s", e.Epoch+1, r.epochs, strings.Join(parts, ", ")))
}
