package main

import (
	"fmt"
	"strconv"

	"nnlab/gpu"
	"nnlab/lab"
)

// PageRun is what the page adds to a lesson's result in #nnlab-result (see
// the package doc).
type PageRun struct {
	Lesson       string  `json:"lesson"`
	Device       string  `json:"device"`  // "cpu" or "webgpu": the device that trained
	Adapter      string  `json:"adapter"` // its name
	DeviceNote   string  `json:"device_note,omitempty"`
	ModelText    string  `json:"model_text"`
	Trainer      string  `json:"trainer"`           // "worker" (the training worker) or "page" (the page's thread)
	Kernels      string  `json:"kernels,omitempty"` // the pure-Go device's product kernels (gpu.CPUKernelNames)
	Yields       int     `json:"yields"`
	YieldSeconds float64 `json:"yield_seconds"`
	Error        string  `json:"error,omitempty"`
}

// pageResult is a lesson's result with the page's additions: one typed
// value, marshalled once into #nnlab-result. The embedded PageRun's fields
// are shallower than the lab result's FitReport, so its device ("cpu",
// "webgpu") is the one in the JSON.
type pageResult interface {
	page() *PageRun
	fit() *lab.FitReport
}

type weatherResult struct {
	*lab.WeatherResult
	PageRun
}

type cifarResult struct {
	*lab.CIFARResult
	PageRun
}

func (r *weatherResult) page() *PageRun      { return &r.PageRun }
func (r *weatherResult) fit() *lab.FitReport { return &r.FitReport }
func (r *cifarResult) page() *PageRun        { return &r.PageRun }
func (r *cifarResult) fit() *lab.FitReport   { return &r.FitReport }

// deviceKind is "cpu" for the pure-Go device's name, else "webgpu".
func deviceKind(name string) string {
	if name == gpu.NewCPU().Name() {
		return "cpu"
	}
	return "webgpu"
}

// weatherTable is the weather run's results table (RMSE by set, and the
// baseline's) and the notes under it.
func weatherTable(res *lab.WeatherResult, epochs int) (rows [][]string, notes []string) {
	m := res.Metrics
	rows = [][]string{{"RMSE", "train", "validation", "test"},
		{"model", f2(m["train_rmse"]), f2(m["val_rmse"]), f2(m["test_rmse"])}}
	if b, ok := m["baseline_test_rmse"]; ok {
		rows = append(rows, []string{"baseline (tomorrow = today)", "", "", f2(b)})
	}
	return rows, append([]string{runLine(res.EpochsRun, epochs, res.TrainSeconds, res.Params)}, res.Notes...)
}

// cifarTable is the CIFAR-10 run's results table (accuracy by set; none
// for the training set after Stop) and the notes under it.
func cifarTable(res *lab.CIFARResult, epochs int) (rows [][]string, notes []string) {
	m := res.Metrics
	train := "—"
	if v, ok := m["train_accuracy"]; ok {
		train = f3(v)
	}
	rows = [][]string{{"accuracy", "train", "validation", "test"},
		{"model", train, f3(m["val_accuracy"]), f3(m["test_accuracy"])}}
	line := runLine(res.EpochsRun, epochs, res.TrainSeconds, res.Params)
	if res.Stopped {
		line = fmt.Sprintf("Stopped after %d of %d epochs (%.1f s): the predictions use the weights as they are; the training set was not evaluated.",
			res.EpochsRun, epochs, res.TrainSeconds)
	}
	if res.ImagesPerSec > 0 {
		line += fmt.Sprintf(" %.0f images/s.", res.ImagesPerSec)
	}
	return rows, append([]string{line}, res.Notes...)
}

func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
func f3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func lrText(lr float64) string {
	if lr <= 0 {
		return "default"
	}
	return strconv.FormatFloat(lr, 'g', -1, 64)
}

func runLine(run, planned int, secs float64, params int) string {
	per := ""
	if run > 0 {
		per = fmt.Sprintf(", %.0f ms an epoch", 1000*secs/float64(run))
	}
	return fmt.Sprintf("%d of %d epochs in %.1f s%s; %d parameters.", run, planned, secs, per, params)
}

// statusLine is the run's last status line.
func statusLine(stopped bool, err error, epochs int, secs float64) string {
	switch {
	case err != nil:
		return "Training failed."
	case stopped:
		return fmt.Sprintf("Stopped after %d epochs (%.1f s).", epochs, secs)
	}
	return fmt.Sprintf("Done: %d epochs in %.1f s.", epochs, secs)
}
