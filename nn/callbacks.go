package nn

import (
	"fmt"
	"io"
	"math"
)

// Callback is called by Fit. OnEpochEnd returns true to stop training.
type Callback interface {
	OnTrainBegin(m *Model)
	OnEpochEnd(m *Model, epoch int, logs map[string]float64) (stop bool)
	OnTrainEnd(m *Model, h *History)
}

// EarlyStopping is keras.callbacks.EarlyStopping: stop when the monitored
// value has not improved by more than MinDelta for Patience epochs.
type EarlyStopping struct {
	Monitor            string  // default "val_loss"
	MinDelta           float64 // an improvement must be larger than this
	Patience           int
	Mode               string // "min", "max" or "auto" (max for accuracy-like names)
	RestoreBestWeights bool
	Baseline           *float64
	Verbose            io.Writer

	wait      int
	best      float64
	BestEpoch int
}

func (e *EarlyStopping) monitor() string {
	if e.Monitor == "" {
		return "val_loss"
	}
	return e.Monitor
}

func (e *EarlyStopping) maximize() bool {
	switch e.Mode {
	case "max":
		return true
	case "min":
		return false
	}
	mon := e.monitor()
	return len(mon) >= 3 && (mon[len(mon)-3:] == "acc" || (len(mon) >= 8 && mon[len(mon)-8:] == "accuracy") || mon == "auc")
}

func (e *EarlyStopping) improved(cur, ref float64) bool {
	d := math.Abs(e.MinDelta)
	if e.maximize() {
		return cur-d > ref
	}
	return cur+d < ref
}

func (e *EarlyStopping) OnTrainBegin(m *Model) {
	e.wait, e.BestEpoch = 0, 0
	e.best = math.Inf(1)
	if e.maximize() {
		e.best = math.Inf(-1)
	}
	if e.Baseline != nil {
		e.best = *e.Baseline
	}
}

func (e *EarlyStopping) OnEpochEnd(m *Model, epoch int, logs map[string]float64) bool {
	cur, ok := logs[e.monitor()]
	if !ok {
		return false
	}
	if e.RestoreBestWeights && m.best == nil {
		m.saveBest()
	}
	e.wait++
	if e.improved(cur, e.best) {
		e.best, e.BestEpoch = cur, epoch
		if e.RestoreBestWeights {
			m.saveBest()
		}
		e.wait = 0
		return false
	}
	if e.wait >= e.Patience && epoch > 0 {
		if e.RestoreBestWeights && m.best != nil {
			if e.Verbose != nil {
				fmt.Fprintf(e.Verbose, "Restoring model weights from the end of the best epoch: %d.\n", e.BestEpoch+1)
			}
			m.dev.Copy(m.w, m.best, m.nAll)
		}
		return true
	}
	return false
}

func (e *EarlyStopping) OnTrainEnd(m *Model, h *History) {
	if h.StoppedEpoch >= 0 {
		h.Notes = append(h.Notes, fmt.Sprintf("early stopping at epoch %d: %s did not improve for %d epochs (best %.4f at epoch %d)",
			h.StoppedEpoch+1, e.monitor(), e.Patience, e.best, e.BestEpoch+1))
	}
	if m.best != nil {
		m.dev.Free(m.best)
		m.best = nil
	}
}

func (m *Model) saveBest() {
	if m.best == nil {
		m.best = m.dev.Alloc(m.nAll)
	}
	m.dev.Copy(m.best, m.w, m.nAll)
}
