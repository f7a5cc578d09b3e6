package main

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/lab"
	"nnlab/modelfile"
	"nnlab/nn"
)

// A run's training, wherever it runs: in the training worker (worker_js.go)
// or, where there is none, on the page's thread (trainer_js.go). The page
// hands it a trainJob (the checked settings and the lesson's data), the
// run shows itself through a runSink, and it ends in a runOutcome. Job and
// outcome are plain data, sent between the page and the worker as gob; the
// page shows the outcome (each lesson's show) the same way for both.

// trainJob is one run: its settings and the data it trains on.
type trainJob struct {
	Run     RunSettings
	Device  string // the device menu's kind: "auto", "cpu" or "webgpu"
	Kernels string // the pure-Go device's product kernels, "" its default

	// The lesson's data, prepared as its run needs them (one is set).
	Weather  *lab.WeatherData
	CIFAR    *lab.CIFARData
	Penguins *lab.PenguinsData
}

// runSink is where a run's progress goes: the page's status line and
// plots, or the worker's messages to them.
type runSink interface {
	status(string)
	view(Msg)
}

// runOutcome is what a run leaves: the lab's result (one of three, nil when
// it failed before training), its error, and what the page keeps of the
// trained model.
type runOutcome struct {
	Weather  *lab.WeatherResult
	CIFAR    *lab.CIFARResult
	Penguins *lab.PenguinsResult
	Err      string

	Weights []lab.Weights // the last epoch's, for the runs table
	Model   []byte        // on the wire: saved as a .keras file
	Preds   [][]float32   // the trained model's predictions for the first test samples

	Yields       int // pauses for the browser (the page's, or the worker's messages)
	YieldSeconds float64
	DeviceNote   string // the worker's device note
	DeviceLost   bool   // the worker's GPU device was lost: later runs train in pure Go
	Kernels      string // the pure-Go device's product kernels, "" on a GPU

	saved   *modelfile.Saved // the trained model, nil when none
	trainer string           // where it trained: "worker" or "page"
}

// result is the outcome as the page's typed result, nil when there is none.
func (o *runOutcome) result() pageResult {
	switch {
	case o.Weather != nil:
		return &weatherResult{WeatherResult: o.Weather}
	case o.CIFAR != nil:
		return &cifarResult{CIFARResult: o.CIFAR}
	case o.Penguins != nil:
		return &penguinsResult{PenguinsResult: o.Penguins}
	}
	return nil
}

func (o *runOutcome) err() error {
	if o.Err == "" {
		return nil
	}
	return errors.New(o.Err)
}

// train runs the job on dev. yield lets the browser run between steps (nil:
// never); it reads nothing but the job and touches no page.
func (j *trainJob) train(ctx context.Context, dev gpu.Device, sink runSink, yield func()) (out *runOutcome) {
	out = &runOutcome{}
	if c, ok := dev.(*gpu.CPU[float32]); ok {
		k := j.Kernels
		if k == "" {
			k = gpu.CPUKernelNames()[0]
		}
		if err := c.SetKernels(k); err != nil {
			out.Err = err.Error()
			return out
		}
		out.Kernels = k
	}
	r := &reporter{sink: sink, yield: yield, epochs: j.Run.Fit.Epochs, job: j}
	var err error
	switch j.Run.Lesson {
	case "weather":
		out.Weather, err = j.trainWeather(ctx, dev, r)
	case "cifar":
		out.CIFAR, err = j.trainCIFAR(ctx, dev, r)
	case "penguins":
		out.Penguins, err = j.trainPenguins(ctx, dev, r)
	default:
		err = fmt.Errorf("no lesson %q", j.Run.Lesson)
	}
	if err != nil {
		out.Err = err.Error()
	}
	out.Weights, out.saved, out.Preds = r.weights, r.saved, r.preds
	return out
}

func (j *trainJob) trainWeather(ctx context.Context, dev gpu.Device, r *reporter) (*lab.WeatherResult, error) {
	f := j.Run.Fit
	cfg, err := j.Run.weatherConfig()
	if err != nil {
		return nil, err
	}
	if j.Weather == nil {
		return nil, errNoData
	}
	r.start(Msg{Kind: MsgRun, Epochs: f.Epochs, Keys: lab.WeatherLogKeys, Status: "training", Loss: f.Loss,
		Title: fmt.Sprintf("%s, %s (lr %s), batch %d, on %s", f.Loss, f.Optimizer, lrText(f.LR), f.Batch, dev.Name())})
	return lab.RunWeather(ctx, cfg, dev, j.Weather, r.hooks(func(fr lab.FitReport) {
		what := "Evaluating"
		if fr.Stopped {
			what = fmt.Sprintf("Stopped after %d of %d epochs. Evaluating", fr.EpochsRun, f.Epochs)
		}
		r.status(what + " the model on the training, validation and test sets…")
	}))
}

func (j *trainJob) trainCIFAR(ctx context.Context, dev gpu.Device, r *reporter) (*lab.CIFARResult, error) {
	f := j.Run.Fit
	cfg, err := j.Run.cifarConfig()
	if err != nil {
		return nil, err
	}
	if j.CIFAR == nil {
		return nil, errNoData
	}
	r.start(Msg{Kind: MsgRun, Epochs: f.Epochs, Keys: lab.CIFARLogKeys, Status: "training", Loss: "sparse categorical crossentropy",
		Title: fmt.Sprintf("%d images, %s (lr %s), batch %d, on %s", j.Run.CIFAR.N, f.Optimizer, lrText(f.LR), f.Batch, dev.Name())})
	test := j.CIFAR.Test
	return lab.RunCIFAR(ctx, cfg, dev, j.CIFAR, r.hooks(func(fr lab.FitReport) {
		what := "Evaluating the model"
		if fr.Stopped {
			what = fmt.Sprintf("Stopped after %d of %d epochs. Predicting", fr.EpochsRun, f.Epochs)
		}
		r.status(fmt.Sprintf("%s: the %d test images…", what, min(j.Run.CIFAR.TestN, test.N)))
	}))
}

func (j *trainJob) trainPenguins(ctx context.Context, dev gpu.Device, r *reporter) (*lab.PenguinsResult, error) {
	f := j.Run.Fit
	cfg, err := j.Run.penguinsConfig()
	if err != nil {
		return nil, err
	}
	if j.Penguins == nil {
		return nil, errNoData
	}
	r.start(Msg{Kind: MsgRun, Epochs: f.Epochs, Keys: lab.PenguinsLogKeys, Status: "training", Loss: "categorical crossentropy",
		Title: fmt.Sprintf("%s (lr %s), batch %d, on %s", f.Optimizer, lrText(f.LR), f.Batch, dev.Name())})
	return lab.RunPenguins(ctx, cfg, dev, j.Penguins, r.hooks(func(fr lab.FitReport) {
		what := "Predicting"
		if fr.Stopped {
			what = fmt.Sprintf("Stopped after %d of %d epochs. Predicting", fr.EpochsRun, f.Epochs)
		}
		r.status(what + " the test penguins…")
	}))
}

// errNoData is a job's error when its lesson's data are missing.
var errNoData = errors.New("the lesson's data are not loaded")

// deviceLostNote is the device note after a GPU device was lost.
const deviceLostNote = "the GPU device was lost during the last run: using pure Go (CPU); reload the page to try WebGPU again"

// testSample is the first k test samples of the weather or CIFAR-10 data
// (whichever is set), as a model predicts them, with their targets (or
// labels) and the targets' width.
func testSample(w *lab.WeatherData, test *datasets.Images, k int) (*nn.Data, []float32, int) {
	switch {
	case w != nil:
		x, y := w.Split.XTest, w.Split.YTest
		k = min(k, x.Rows)
		return &nn.Data{X: x.Data[:k*x.Cols], N: k}, y.Data[:k*y.Cols], y.Cols
	case test != nil:
		t := test.Head(min(k, test.N))
		y := make([]float32, t.N)
		for i := range y {
			y[i] = float32(t.Labels[i])
		}
		return &nn.Data{XBytes: t.Pixels, Scale: 1 / 255.0, N: t.N}, y, 1
	}
	return nil, nil, 0
}

// reporter turns the lab's hooks into a run's progress on a runSink, and
// keeps what the page wants of the trained model.
type reporter struct {
	sink   runSink
	yield  func()
	epochs int       // planned
	last   time.Time // the last progress shown
	job    *trainJob

	weights []lab.Weights    // the last epoch's
	saved   *modelfile.Saved // the trained model
	preds   [][]float32      // its predictions for the first test samples
}

// start tells the plots a run begins (its log keys, title and loss).
func (r *reporter) start(m Msg) {
	r.view(m)
	r.status("Training…")
}

func (r *reporter) status(s string) { r.sink.status(s) }
func (r *reporter) view(m Msg)      { r.sink.view(m) }

// hooks are the lab's hooks that report here; fitDone says what the run
// does after fit.
func (r *reporter) hooks(fitDone func(lab.FitReport)) lab.Hooks {
	return lab.Hooks{Batch: r.batch, Epoch: r.epoch, EpochWeights: true, FitDone: fitDone, Trained: r.trained}
}

// batch lets the browser run and shows where the run is, at most every
// 200 ms.
func (r *reporter) batch(epoch, step, steps int) {
	if r.yield != nil {
		r.yield()
	}
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

// trained is the run's Trained hook: it keeps the model's weights and its
// predictions for the first test samples (on the device it trained on).
func (r *reporter) trained(m *nn.Model) {
	s, err := modelfile.FromModel(m, nil, nil)
	if err != nil {
		return // diverged: nothing to save
	}
	r.saved = s
	if p := r.job.Penguins; p != nil {
		// The probabilities, as the run shows them and a loaded model's
		// report does.
		_, logits, _ := s.ForLogits()
		_, r.preds, _ = scorePenguinsModel(m, logits, p)
		return
	}
	var test *datasets.Images
	if r.job.CIFAR != nil {
		test = r.job.CIFAR.Test
	}
	if d, _, _ := testSample(r.job.Weather, test, predictionsShown); d != nil {
		if p, err := m.Predict(d, 0); err == nil {
			r.preds = rows(p, m.OutputShape().Size())
		}
	}
}

// The wire: gob, one value a message. A job leaves out what no run reads
// (the weather table it was prepared from); an outcome carries its model
// as a .keras file.

func toGob(v any) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(v)
	return b.Bytes(), err
}

func fromGob[T any](b []byte, what string) (*T, error) {
	v := new(T)
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

func encodeJob(j *trainJob) ([]byte, error) {
	w := *j
	if w.Weather != nil {
		d := *w.Weather
		d.Weather = nil
		w.Weather = &d
	}
	return toGob(&w)
}

func decodeJob(b []byte) (*trainJob, error) {
	return fromGob[trainJob](b, "the training worker could not read the run")
}

func encodeOutcome(o *runOutcome) ([]byte, error) {
	w := *o
	if o.saved != nil && w.Model == nil {
		b, err := modelfile.WriteKeras(o.saved)
		if err != nil {
			return nil, fmt.Errorf("saving the trained model: %w", err)
		}
		w.Model = b
	}
	return toGob(&w)
}

func decodeOutcome(b []byte) (*runOutcome, error) {
	o, err := fromGob[runOutcome](b, "the page could not read the training worker's result")
	if err != nil || o.Model == nil {
		return o, err
	}
	s, err := modelfile.ReadKeras(o.Model)
	if err != nil {
		return nil, fmt.Errorf("the trained model from the training worker: %w", err)
	}
	o.saved, o.Model = s, nil
	return o, nil
}

// rows splits p into rows of cols values.
func rows(p []float32, cols int) [][]float32 {
	var out [][]float32
	for i := 0; i+cols <= len(p); i += cols {
		out = append(out, slices.Clone(p[i:i+cols]))
	}
	return out
}

// progressPost is what the worker posts of a run's progress at a time:
// the plots' messages since the last post, in order, and the latest
// status line ("" when none came).
type progressPost struct {
	Msgs   []Msg
	Status string
}

func decodeProgress(b []byte) (*progressPost, error) {
	return fromGob[progressPost](b, "the training worker's progress")
}
