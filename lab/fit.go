package lab

import (
	"context"
	"fmt"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/nn"
)

// FitReport is what every lesson's result says about its model and its
// fit; the results embed it.
type FitReport struct {
	Device       string               `json:"device"` // the device that trained (pure Go after a lost GPU)
	Model        string               `json:"model"`
	Params       int                  `json:"params"`
	EpochsRun    int                  `json:"epochs_run"`
	TrainSeconds float64              `json:"train_seconds"` // fit alone
	History      map[string][]float64 `json:"history"`
	// Stopped: the Context stopped fit (the page's Stop button); the
	// weights are those of the last completed epoch.
	Stopped bool `json:"stopped"`
	// EarlyStopped: EarlyStopping ended fit before its last epoch.
	EarlyStopped bool `json:"early_stopped,omitempty"`
	// DeviceLost: the GPU device was lost and fit went on in pure Go.
	DeviceLost bool     `json:"device_lost,omitempty"`
	Notes      []string `json:"notes,omitempty"` // for the learner, in words
	Summary    string   `json:"-"`               // model.summary()
}

// Samples counts the rows of each split.
type Samples struct {
	Train int `json:"train"`
	Val   int `json:"val"`
	Test  int `json:"test"`
}

// optimizer is compile's optimizer as the configs give it.
type optimizer struct {
	name         string
	lr, momentum float64
}

// setUp seeds m, puts it on dev and compiles it; the report starts with
// what is known before fit, and the summary goes to verbose. On success
// the caller releases m.
func setUp(m *nn.Model, seed uint64, dev gpu.Device, o optimizer, h Hooks, loss nn.Loss, metrics ...nn.Metric) (FitReport, error) {
	m.Seed = seed
	if err := m.SetDevice(dev); err != nil {
		return FitReport{}, err
	}
	if err := compile(m, o, loss, metrics...); err != nil {
		m.Release()
		return FitReport{}, err
	}
	r := FitReport{Device: dev.Name(), Model: m.Name, Summary: m.Summary()}
	r.Params, _, _ = m.CountParams()
	if h.Verbose != nil {
		fmt.Fprint(h.Verbose, r.Summary)
	}
	return r, nil
}

// compile compiles m with the config's optimizer, loss and metrics.
func compile(m *nn.Model, o optimizer, loss nn.Loss, metrics ...nn.Metric) error {
	opt, err := nn.OptimizerByName(o.name)
	if err != nil {
		return err
	}
	if o.lr > 0 {
		opt.LR = float32(o.lr)
	}
	if o.momentum != 0 {
		if opt.Name == "adam" {
			return fmt.Errorf("lab: adam has no momentum (its beta_1 plays that part); use sgd or rmsprop")
		}
		opt.Momentum = float32(o.momentum)
	}
	return m.Compile(opt, loss, metrics...)
}

// fitPlan is model.fit's arguments as the lessons give them.
type fitPlan struct {
	train, val    *nn.Data // val nil: no validation data
	batch, epochs int
	patience      int // EarlyStopping(monitor="val_loss") when > 0
	restore       bool
	keys          []string // the lesson's log keys, for Hooks.Epoch
}

// fit is model.fit as the lessons run it: EarlyStopping when the plan has
// patience, then the hooks. It fills the report from the history and, when
// fit succeeded, calls Hooks.FitDone.
func fit(ctx context.Context, m *nn.Model, p fitPlan, h Hooks, r *FitReport) (*nn.History, error) {
	dev := m.Device()
	cfg := nn.FitConfig{BatchSize: p.batch, Epochs: p.epochs, Validation: p.val, Verbose: h.Verbose, Context: ctx, OnBatch: h.Batch}
	if p.patience > 0 {
		cfg.Callbacks = append(cfg.Callbacks, &nn.EarlyStopping{Monitor: "val_loss", Patience: p.patience, RestoreBestWeights: p.restore, Verbose: cfg.Verbose})
	}
	if h.Epoch != nil {
		cfg.Callbacks = append(cfg.Callbacks, epochHook{keys: p.keys, hooks: h})
	}
	hist, err := m.Fit(p.train, cfg)
	if hist != nil {
		r.EpochsRun, r.TrainSeconds, r.History, r.Notes = len(hist.Epochs), hist.Seconds, hist.History, hist.Notes
		r.Stopped, r.EarlyStopped = hist.Stopped, hist.StoppedEpoch >= 0
		r.Device, r.DeviceLost = m.Device().Name(), m.Device() != dev
	}
	if err == nil && h.FitDone != nil {
		h.FitDone(*r)
	}
	if err == nil && h.Trained != nil {
		h.Trained(m)
	}
	return hist, err
}

func matrixData(x, y *datasets.Matrix) *nn.Data {
	return &nn.Data{X: x.Data, Y: y.Data, N: x.Rows}
}
