package lab

import (
	"io"

	"nnlab/nn"
)

// Hooks are what a caller sees of a run while it goes; any of them may be
// nil. The values they get are plain data (no model, no device), so that
// a trainer in a Web Worker could post them to the page as they are.
type Hooks struct {
	// Verbose gets the model summary and Keras's verbose=2 lines.
	Verbose io.Writer
	// Batch runs after each training step (the page yields to the browser
	// there and shows where the run is).
	Batch func(epoch, step, steps int)
	// Epoch gets each finished epoch.
	Epoch func(Epoch)
	// EpochWeights puts the model's weights in each Epoch (the page's
	// histograms, TensorBoard's histogram_freq=1); reading them back from
	// the device costs time, hence asked for.
	EpochWeights bool
	// FitDone runs when fit has returned without error, before the final
	// evaluation (the page says what it does next).
	FitDone func(FitReport)
	// Trained gets the model when fit has returned without error, before
	// the final evaluation and before the model is released: a caller in
	// the same process saves it (nnlab train --save, the page's downloads).
	// Unlike the other hooks it gets no plain data.
	Trained func(*nn.Model)
}

// Epoch is one finished epoch.
type Epoch struct {
	Epoch   int       `json:"epoch"`   // 0-based
	Metrics []Metric  `json:"metrics"` // the lesson's log keys in order, those the epoch has
	Weights []Weights `json:"weights,omitempty"`
}

// Metric is one value of an epoch's logs (loss, val_accuracy, ...).
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Weights are one parameter of a layer after an epoch.
type Weights struct {
	Layer  string    `json:"layer"` // the layer's name, e.g. dense_1
	Param  string    `json:"param"` // Keras's variable name: kernel, bias, gamma, ...
	Values []float32 `json:"values"`
}

// The log keys each lesson reports an epoch, in Keras's order (the page
// plots them).
var (
	WeatherLogKeys  = []string{"loss", "root_mean_squared_error", "val_loss", "val_root_mean_squared_error"}
	CIFARLogKeys    = []string{"loss", "accuracy", "val_loss", "val_accuracy"}
	PenguinsLogKeys = []string{"loss"}
)

// epochHook is the Fit callback behind Hooks.Epoch. It runs after the
// lessons' own callbacks (EarlyStopping), so that it sees the weights they
// leave.
type epochHook struct {
	keys  []string
	hooks Hooks
}

func (e epochHook) OnTrainBegin(*nn.Model) {}

func (e epochHook) OnEpochEnd(m *nn.Model, epoch int, logs map[string]float64) bool {
	ep := Epoch{Epoch: epoch}
	for _, k := range e.keys {
		if v, ok := logs[k]; ok {
			ep.Metrics = append(ep.Metrics, Metric{Name: k, Value: v})
		}
	}
	if e.hooks.EpochWeights {
		if ws, err := m.Weights(); err == nil {
			for i, l := range m.Layers {
				p, ok := l.(interface{ Params() []*nn.Param })
				if !ok {
					continue
				}
				for j, param := range p.Params() {
					if j < len(ws[i]) {
						ep.Weights = append(ep.Weights, Weights{Layer: l.Name(), Param: param.Name, Values: ws[i][j]})
					}
				}
			}
		}
	}
	e.hooks.Epoch(ep)
	return false
}

func (e epochHook) OnTrainEnd(*nn.Model, *nn.History) {}
