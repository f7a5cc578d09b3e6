package main

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"nnlab/lab"
	"nnlab/nn"
)

// Runs: every fit in the page is kept as a Run, so that a learner can
// compare experiments as TensorBoard's scalars do (exercise 3's smaller
// models, exercise 4's more data, batch normalization, early stopping).
// This file is the record and what is computed from it; runs_js.go shows
// runs and idb_js.go keeps them in IndexedDB.

// runFormat is the version of the Run record. A reader takes records of
// its version or older (fields added later are zero in older ones) and
// refuses newer ones, which a newer nnlab wrote.
const runFormat = 1

// Run is one fit, as the page keeps it.
type Run struct {
	Version int       `json:"version"`
	ID      string    `json:"id"`
	Lesson  string    `json:"lesson"`
	Number  int       `json:"number"` // 1, 2, ... within the lesson, in the order they ran
	Name    string    `json:"name"`   // the learner may edit it
	Time    time.Time `json:"time"`   // when the fit ended

	Settings  RunSetup `json:"settings"`
	ModelName string   `json:"model_name"`
	ModelText string   `json:"model_text"`
	Arch      string   `json:"arch"`  // e.g. "10-5-1 relu"
	Keras     string   `json:"keras"` // the Keras code that reproduces it

	Device  string `json:"device"` // "cpu" or "webgpu"
	Adapter string `json:"adapter"`
	Params  int    `json:"params"`

	EpochsRun    int                  `json:"epochs_run"`
	TrainSeconds float64              `json:"train_seconds"`
	History      map[string][]float64 `json:"history"` // per epoch, every log key
	Metrics      map[string]float64   `json:"metrics"` // final: train_rmse, val_accuracy, ...
	Stopped      bool                 `json:"stopped,omitempty"`
	EarlyStopped bool                 `json:"early_stopped,omitempty"`
	DeviceLost   bool                 `json:"device_lost,omitempty"`
	Notes        []string             `json:"notes,omitempty"`

	// HasWeights: the trained weights are kept (in their own store, as
	// they are large); WeightBytes is their size.
	HasWeights  bool `json:"has_weights"`
	WeightBytes int  `json:"weight_bytes,omitempty"`
}

// RunSetup are the settings of a run, as the link contract (Settings)
// names them, so that a run's link reproduces it.
type RunSetup struct {
	Epochs    int     `json:"epochs"`
	Batch     int     `json:"batch"`
	Optimizer string  `json:"optimizer"`
	LR        float64 `json:"lr,omitempty"` // 0: Keras's default
	Loss      string  `json:"loss,omitempty"`
	Patience  int     `json:"patience,omitempty"`
	Restore   bool    `json:"restore,omitempty"`
	Seed      uint64  `json:"seed"`
	Device    string  `json:"device,omitempty"` // the device choice (auto, cpu, webgpu)

	Years   float64 `json:"years,omitempty"`
	Station string  `json:"station,omitempty"`
	Target  string  `json:"target,omitempty"`

	N      int    `json:"n,omitempty"`
	TestN  int    `json:"test_n,omitempty"`
	Preset string `json:"preset,omitempty"`
}

// RunWeight is one trained parameter: stored as a Float32Array with its
// shape, in the layout of nn.Model.Weights.
type RunWeight struct {
	Layer  string    `json:"layer"`
	Param  string    `json:"param"`
	Shape  []int     `json:"shape"`
	Values []float32 `json:"-"`
}

// setupOf is a run's settings for its record; device is the device
// choice that the run was made with.
func setupOf(rs RunSettings, device string) RunSetup {
	f := rs.Fit
	s := RunSetup{Epochs: f.Epochs, Batch: f.Batch, Optimizer: f.Optimizer, LR: f.LR, Loss: f.Loss,
		Patience: f.Patience, Restore: f.Restore, Seed: f.Seed, Device: device}
	if w := rs.Weather; w != nil {
		s.Years, s.Station, s.Target = w.Years, w.Station, w.Target
	}
	if c := rs.CIFAR; c != nil {
		s.N, s.TestN, s.Preset = c.N, c.TestN, c.Preset
	}
	return s
}

// newRun makes the record of a finished fit. res is the page's result,
// number the run's number in its lesson, arch the model's short name
// (modelArch).
func newRun(res pageResult, rs RunSettings, device string, number int, arch, kerasCode string, when time.Time) Run {
	f, pg := res.fit(), res.page()
	r := Run{Version: runFormat, Lesson: rs.Lesson, Number: number, Time: when.UTC(),
		Settings: setupOf(rs, device), ModelName: f.Model, ModelText: rs.ModelText, Arch: arch, Keras: kerasCode,
		Device: pg.Device, Adapter: pg.Adapter, Params: f.Params, EpochsRun: f.EpochsRun, TrainSeconds: f.TrainSeconds,
		History: f.History, Metrics: resultMetrics(res),
		Stopped: f.Stopped, EarlyStopped: f.EarlyStopped, DeviceLost: f.DeviceLost}
	r.ID = fmt.Sprintf("%s-%d-%d", rs.Lesson, when.UnixMilli(), number)
	r.Name = fmt.Sprintf("run %d: %s", number, arch)
	if f.Stopped {
		r.Notes = append(r.Notes, fmt.Sprintf("stopped after %d of %d epochs", f.EpochsRun, rs.Fit.Epochs))
	}
	if f.EarlyStopped {
		r.Notes = append(r.Notes, fmt.Sprintf("early stopping ended it after %d of %d epochs", f.EpochsRun, rs.Fit.Epochs))
	}
	if f.DeviceLost {
		r.Notes = append(r.Notes, "the GPU device was lost: the fit went on in pure Go")
	}
	if pg.DeviceNote != "" {
		r.Notes = append(r.Notes, "device: "+pg.DeviceNote)
	}
	r.Notes = append(r.Notes, f.Notes...)
	if pg.Error != "" {
		r.Notes = append(r.Notes, "error: "+pg.Error)
	}
	return r
}

// resultMetrics are the final metrics of a lesson's result.
func resultMetrics(res pageResult) map[string]float64 {
	switch r := res.(type) {
	case *weatherResult:
		return r.Metrics
	case *cifarResult:
		return r.Metrics
	case *penguinsResult:
		return r.Metrics
	}
	return nil
}

// modelArch is a model's short name for a run's default name, as
// learners say it: the units of the Dense layers ("10-5-1"), convolutions
// as c32, pooling p, dropout d, batch normalization bn; then the
// activations the model uses ("relu").
func modelArch(layers []nn.Layer) string {
	var parts, acts []string
	act := func(a string) {
		if a != "" && a != "linear" && !slices.Contains(acts, a) {
			acts = append(acts, a)
		}
	}
	for _, l := range layers {
		switch l := l.(type) {
		case *nn.DenseLayer:
			parts = append(parts, strconv.Itoa(l.Units))
			act(l.Activation)
		case *nn.Conv2DLayer:
			parts = append(parts, "c"+strconv.Itoa(l.Filters))
			act(l.Activation)
		case *nn.MaxPool2DLayer:
			parts = append(parts, "p")
		case *nn.DropoutLayer:
			parts = append(parts, "d")
		case *nn.BatchNormLayer:
			parts = append(parts, "bn")
		case *nn.ActivationLayer:
			act(l.Activation)
		}
	}
	s := strings.Join(parts, "-")
	if len(acts) > 0 {
		s += " " + strings.Join(acts, "/")
	}
	if s == "" {
		return "model"
	}
	return s
}

// runWeights pairs the weights an epoch reported with the shapes of the
// model's parameters (in the same order, as nn.Model.Weights gives them).
// A parameter whose size does not match its shape keeps a flat shape.
func runWeights(ws []lab.Weights, shapes [][]int) []RunWeight {
	out := make([]RunWeight, len(ws))
	for i, w := range ws {
		shape := []int{len(w.Values)}
		if i < len(shapes) && nn.Shape(shapes[i]).Size() == len(w.Values) {
			shape = slices.Clone(shapes[i])
		}
		out[i] = RunWeight{Layer: w.Layer, Param: w.Param, Shape: shape, Values: w.Values}
	}
	return out
}

// paramShapes are the shapes of a built model's parameters, in the order
// of nn.Model.Weights.
func paramShapes(m *nn.Model) [][]int {
	var out [][]int
	for _, l := range m.Layers {
		p, ok := l.(interface{ Params() []*nn.Param })
		if !ok {
			continue
		}
		for _, param := range p.Params() {
			out = append(out, slices.Clone(param.Shape))
		}
	}
	return out
}

// nextRunNumber is the number of a lesson's next run: one more than the
// highest it has (deleting runs does not reuse numbers of those kept).
func nextRunNumber(runs []Run, lesson string) int {
	n := 0
	for _, r := range runs {
		if r.Lesson == lesson {
			n = max(n, r.Number)
		}
	}
	return n + 1
}

// renumber numbers the runs that ended before the stored ones were read
// (a fit that ended while the database opened: it counted none of them)
// after the stored runs of their lesson, in the order they ran; a name
// the learner has not changed follows its number.
func renumber(stored, pending []Run) []Run {
	all := slices.Clone(stored)
	out := make([]Run, 0, len(pending))
	for _, r := range pending {
		n := nextRunNumber(all, r.Lesson)
		if r.Name == fmt.Sprintf("run %d: %s", r.Number, r.Arch) {
			r.Name = fmt.Sprintf("run %d: %s", n, r.Arch)
		}
		r.Number = n
		all = append(all, r)
		out = append(out, r)
	}
	return out
}

// Link is the page link that reproduces the run (the link contract of
// Settings): the lesson, its data, model and compile/fit settings.
func (r Run) Link() string {
	s := r.Settings
	q := url.Values{}
	q.Set("lesson", r.Lesson)
	if s.Device != "" {
		q.Set("device", s.Device)
	}
	q.Set("epochs", strconv.Itoa(s.Epochs))
	q.Set("batch", strconv.Itoa(s.Batch))
	q.Set("optimizer", s.Optimizer)
	if s.LR > 0 {
		q.Set("lr", strconv.FormatFloat(s.LR, 'g', -1, 64))
	}
	if s.Loss != "" && r.Lesson == "weather" { // the other lessons have one loss
		q.Set("loss", s.Loss)
	}
	q.Set("patience", strconv.Itoa(s.Patience))
	if s.Patience > 0 && s.Restore {
		q.Set("restore", "1")
	}
	q.Set("seed", strconv.FormatUint(s.Seed, 10))
	switch r.Lesson {
	case "penguins":
		q.Set("model", r.ModelText)
	case "cifar":
		q.Set("n", strconv.Itoa(s.N))
		q.Set("test_n", strconv.Itoa(s.TestN))
		if s.Preset != "" {
			q.Set("preset", s.Preset)
		} else {
			q.Set("model", r.ModelText)
		}
	default:
		q.Set("years", strconv.FormatFloat(s.Years, 'g', -1, 64))
		if s.Station != "" {
			q.Set("station", s.Station)
		}
		q.Set("target", s.Target)
		q.Set("model", r.ModelText)
	}
	return "?" + q.Encode()
}

// RunSummary is what a run says about itself when it is shared (the
// classroom board): no weights, no code, plain JSON.
type RunSummary struct {
	Version      int                `json:"version"`
	Lesson       string             `json:"lesson"`
	Name         string             `json:"name"`
	Arch         string             `json:"arch"`
	Params       int                `json:"params"`
	EpochsRun    int                `json:"epochs_run"`
	Device       string             `json:"device"`
	TrainSeconds float64            `json:"train_seconds"`
	Metrics      map[string]float64 `json:"metrics"`
	Link         string             `json:"link"`
	Time         time.Time          `json:"time"`
}

// Summary is the run's summary for sharing.
func (r Run) Summary() RunSummary {
	return RunSummary{Version: runFormat, Lesson: r.Lesson, Name: r.Name, Arch: r.Arch, Params: r.Params,
		EpochsRun: r.EpochsRun, Device: r.Device, TrainSeconds: r.TrainSeconds, Metrics: r.Metrics, Link: r.Link(), Time: r.Time}
}

// checkRun checks a record read back from storage: a newer format or a
// record without its identity is refused with the reason.
func checkRun(r Run) error {
	switch {
	case r.Version > runFormat:
		return fmt.Errorf("run %q was saved by a newer nnlab (record version %d, this page reads up to %d): reload the page to update it", r.Name, r.Version, runFormat)
	case r.Version < 1:
		return fmt.Errorf("a stored run has no record version: it was not written by nnlab")
	case r.ID == "" || r.Lesson == "":
		return fmt.Errorf("stored run %q has no id or lesson", r.Name)
	}
	return nil
}

// runColumns are the sortable columns of a lesson's runs table: the final
// metrics its runs have (in a fixed order), then params, epochs, time.
func runColumns(runs []Run) []string {
	var ms []string
	for _, r := range runs {
		for k := range r.Metrics {
			if !slices.Contains(ms, k) {
				ms = append(ms, k)
			}
		}
	}
	slices.SortFunc(ms, func(a, b string) int { return cmp.Compare(metricOrder(a), metricOrder(b)) })
	return append(ms, "params", "epochs", "seconds", "time")
}

// metricOrder sorts final metrics train, val, test, then the rest, each
// by name.
func metricOrder(k string) string {
	for i, p := range []string{"train_", "val_", "test_"} {
		if strings.HasPrefix(k, p) {
			return strconv.Itoa(i) + k
		}
	}
	return "9" + k
}

// runValue is a run's value in a column (NaN when it has none).
func runValue(r Run, col string) float64 {
	switch col {
	case "params":
		return float64(r.Params)
	case "epochs":
		return float64(r.EpochsRun)
	case "seconds":
		return r.TrainSeconds
	case "time":
		return float64(r.Time.UnixMilli())
	case "number":
		return float64(r.Number)
	}
	if v, ok := r.Metrics[col]; ok {
		return v
	}
	return math.NaN()
}

// sortRuns sorts runs by a column (runs without a value last, either way;
// ties by number).
func sortRuns(runs []Run, col string, desc bool) {
	slices.SortStableFunc(runs, func(a, b Run) int {
		va, vb := runValue(a, col), runValue(b, col)
		if an, bn := math.IsNaN(va), math.IsNaN(vb); an || bn {
			switch {
			case an && bn:
			case an:
				return 1
			default:
				return -1
			}
		} else if c := cmp.Compare(va, vb); c != 0 {
			if desc {
				return -c
			}
			return c
		}
		return cmp.Compare(a.Number, b.Number)
	})
}

// filterRuns keeps a lesson's runs whose name, model, device or notes
// contain every word of the filter (case-insensitive).
func filterRuns(runs []Run, lesson, filter string) []Run {
	words := strings.Fields(strings.ToLower(filter))
	var out []Run
	for _, r := range runs {
		if r.Lesson != lesson {
			continue
		}
		hay := strings.ToLower(strings.Join(append([]string{r.Name, r.Arch, r.ModelText, r.Device, r.Adapter}, r.Notes...), "\n"))
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// curveMetrics are the metrics the overlay can show for some runs: the
// history keys without their val_ prefix, loss first.
func curveMetrics(runs []Run) []string {
	var out []string
	for _, r := range runs {
		for k := range r.History {
			k = strings.TrimPrefix(k, "val_")
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if (a == "loss") != (b == "loss") {
			if a == "loss" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

// runPalette is Okabe and Ito's colour-blind-safe palette (Color Universal
// Design), in an order that keeps neighbours apart; yellow, weak on white,
// comes last.
var runPalette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000", "#F0E442"}

// runColor is the colour of the i-th run shown.
func runColor(i int) string { return runPalette[i%len(runPalette)] }

// Curve is one line of the overlay: a run's training or validation
// values of a metric, one a epoch.
type Curve struct {
	Run    int // index of the run in the overlay, for its colour
	Name   string
	Val    bool // validation (dashed), else training (solid)
	Values []float64
}

// overlayCurves are the training and validation curves of a metric for
// runs, in the order given.
func overlayCurves(runs []Run, metric string) []Curve {
	var out []Curve
	for i, r := range runs {
		if v := r.History[metric]; len(v) > 0 {
			out = append(out, Curve{Run: i, Name: r.Name, Values: v})
		}
		if v := r.History["val_"+metric]; len(v) > 0 {
			out = append(out, Curve{Run: i, Name: r.Name, Val: true, Values: v})
		}
	}
	return out
}

// lastValue is the last finite value of a run's history key (NaN when
// there is none): the validation metric after the last epoch.
func lastValue(r Run, key string) float64 {
	v := r.History[key]
	for i := len(v) - 1; i >= 0; i-- {
		if !math.IsNaN(v[i]) && !math.IsInf(v[i], 0) {
			return v[i]
		}
	}
	return math.NaN()
}

// humanBytes writes a size as 12 kB, 3.4 MB.
func humanBytes(n float64) string {
	switch {
	case n < 1e3:
		return fmt.Sprintf("%.0f B", n)
	case n < 1e6:
		return fmt.Sprintf("%.0f kB", n/1e3)
	case n < 1e9:
		return fmt.Sprintf("%.1f MB", n/1e6)
	}
	return fmt.Sprintf("%.1f GB", n/1e9)
}
