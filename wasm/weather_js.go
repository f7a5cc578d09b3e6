//go:build js

package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/keras"
	"nnlab/lab"
	"nnlab/nn"
)

const weatherFile = "data/weather_prediction_dataset_light.csv"

// weatherLesson is "Monitor the training process": predict tomorrow's
// sunshine in Basel from today's weather.
type weatherLesson struct {
	data     *datasets.Weather
	features int // inputs for the chosen station(s)

	prep    *lab.WeatherData // the last prepared split, and its choices
	prepKey string
}

func (w *weatherLesson) load(a *app) error {
	setText("lesson-title", "Monitor the training process: weather prediction")
	setHidden("weather-controls", false)
	setOptions("loss", []string{"mse", "mae"}, []string{"mse (mean squared error)", "mae (mean absolute error)"}, a.s.Loss)
	b, _, err := fetchBytes(weatherFile, 0)
	if err != nil {
		return err
	}
	wd, err := datasets.ParseWeather(bytes.NewReader(b), weatherFile)
	if err != nil {
		return err
	}
	w.data = wd
	feats, stations, vars := wd.Features(), wd.Stations(), wd.VariableTypes()
	first, last := wd.Data[0][0], wd.Data[wd.Rows()-1][0]
	facts("weather-facts",
		"data points", fmt.Sprintf("%d days (%.0f to %.0f)", wd.Rows(), first, last),
		"features", fmt.Sprintf("%d (DATE and MONTH are not features)", len(feats)),
		"stations", fmt.Sprintf("%d: %s", len(stations), strings.Join(stations, ", ")),
		"variable types", fmt.Sprintf("%d: %s", len(vars), strings.Join(vars, ", ")),
	)
	s := a.s
	if s.Station != "" && !slices.Contains(stations, s.Station) {
		showError(fmt.Sprintf("station=%q is not in the data (stations: %s); using all stations.", s.Station, strings.Join(stations, ", ")))
		s.Station = ""
	}
	if !slices.Contains(feats, s.Target) {
		showError(fmt.Sprintf("target=%q is not a column of the data; using BASEL_sunshine.", s.Target))
		s.Target = "BASEL_sunshine"
	}
	setOptions("w-station", append([]string{""}, stations...), append([]string{"all stations"}, stations...), s.Station)
	setOptions("w-target", feats, nil, s.Target)
	setOptions("w-features", feats, nil, s.Features...)
	setValue("w-years", strconv.FormatFloat(s.Years, 'g', -1, 64))
	w.countFeatures()
	w.sendFeatures(a)
	on("w-features", "change", func() { w.sendFeatures(a) })
	on("w-station", "change", func() {
		w.countFeatures()
		a.checkModel()
	})
	return nil
}

// countFeatures counts the model's inputs for the chosen station.
func (w *weatherLesson) countFeatures() {
	station := value("w-station")
	n := 0
	for _, f := range w.data.Features() {
		if s, _ := datasets.SplitFeature(f); station == "" || s == station {
			n++
		}
	}
	w.features = n
}

// sendFeatures sends the exercise 1 histograms of the chosen features (at
// most six) over all days of the file.
func (w *weatherLesson) sendFeatures(a *app) {
	var hs []Hist
	for _, f := range selectedValues("w-features") {
		if len(hs) == 6 {
			break
		}
		col, err := w.data.Col(f)
		if err != nil {
			continue
		}
		hs = append(hs, NewHist(f, col, 30))
	}
	a.view.send(Msg{Kind: MsgFeatures, Features: hs})
}

// prepared returns the data prepared for cfg's years, station and target,
// preparing them when those changed.
func (w *weatherLesson) prepared(cfg lab.WeatherConfig) (*lab.WeatherData, error) {
	key := fmt.Sprint(cfg.Years, "|", cfg.Station, "|", cfg.Targets)
	if w.prepKey != key {
		prep, err := lab.PrepareWeather(w.data, cfg)
		if err != nil {
			w.prep, w.prepKey = nil, ""
			return nil, err
		}
		w.prep, w.prepKey = prep, key
	}
	return w.prep, nil
}

// dataConfig is the data controls' choice.
func (w *weatherLesson) dataConfig() lab.WeatherConfig {
	return lab.WeatherConfig{Years: floatValue("w-years", 3), Station: value("w-station"), Targets: []string{value("w-target")}}
}

// codeEnv is the prepared data as pasted code names them (X_train, ...).
func (w *weatherLesson) codeEnv() (keras.Env, error) {
	prep, err := w.prepared(w.dataConfig())
	if err != nil {
		return keras.Env{}, err
	}
	s := prep.Split
	return keras.WeatherEnv(s.XTrain.Cols, s.YTrain.Cols, s.XTrain.Rows, s.XVal.Rows, s.XTest.Rows), nil
}

func (w *weatherLesson) codePage() codePage {
	data := "all stations"
	if st := value("w-station"); st != "" {
		data = "station " + st
	}
	return codePage{Lesson: "weather", Losses: []string{"mse", "mae"}, Input: nn.Shape{w.features}, Data: data}
}

func (w *weatherLesson) exportHeader() string {
	c := w.dataConfig()
	station := "all stations"
	if c.Station != "" {
		station = "station " + c.Station
	}
	return fmt.Sprintf("# From nnlab, the weather lesson: %g years, %s, target %s (tomorrow).\n"+
		"# X_train, y_train, X_val, y_val come from the lesson's data preparation and split.\n", c.Years, station, c.Targets[0])
}

func (w *weatherLesson) input() *nn.InputLayer {
	if w.data == nil {
		return nil
	}
	return &nn.InputLayer{Shape: nn.Shape{w.features}, Name: "input"}
}

func (w *weatherLesson) modelName(string) string { return "weather_prediction_model" }
func (w *weatherLesson) outputs() int            { return 1 }

func (w *weatherLesson) train(a *app, ctx context.Context, dev gpu.Device, text string) (map[string]any, bool, error) {
	f := readFitSettings()
	lines, err := keras.ParseLayers(text)
	if err != nil {
		return nil, false, err
	}
	cfg := lab.WeatherConfig{
		Years: floatValue("w-years", 3), Station: value("w-station"), Targets: []string{value("w-target")},
		Epochs: f.Epochs, BatchSize: f.Batch, Patience: f.Patience, Restore: f.Restore,
		Optimizer: f.Optimizer, LR: f.LR, Loss: f.Loss, Seed: f.Seed,
	}
	for _, l := range lines {
		cfg.Layers = append(cfg.Layers, l.Layer)
	}
	cfg.Name = a.modelName(text)
	if _, err := w.prepared(cfg); err != nil {
		return nil, false, err
	}
	keys := []string{"loss", "root_mean_squared_error", "val_loss", "val_root_mean_squared_error"}
	cfg.Callbacks = []nn.Callback{&epochReporter{a: a, epochs: f.Epochs, keys: keys}}
	cfg.FitDone = func(h *nn.History) {
		what := "Evaluating"
		if h.Stopped {
			what = fmt.Sprintf("Stopped after %d of %d epochs. Evaluating", len(h.Epochs), f.Epochs)
		}
		setText("run-status", what+" the model on the training, validation and test sets…")
	}
	p := &progress{a: a, epochs: f.Epochs}
	a.view.send(Msg{Kind: MsgRun, Epochs: f.Epochs, Keys: keys, Status: "training", Loss: f.Loss,
		Title: fmt.Sprintf("%s, %s (lr %s), batch %d, on %s", f.Loss, f.Optimizer, lrText(f.LR), f.Batch, dev.Name())})
	setText("run-status", "Training…")
	res, err := lab.RunWeather(ctx, cfg, dev, w.prep, nil, nil, p.batch)
	if res == nil {
		return nil, false, err
	}
	stopped := stoppedByUser(res.Notes)
	out, jerr := resultMap(res)
	if jerr != nil {
		return nil, stopped, jerr
	}
	m := res.Metrics
	if err == nil {
		a.view.send(Msg{Kind: MsgWeather, Scatter: &Scatter{
			Target: cfg.Targets[0], TrainPred: res.TrainPred, TrainTrue: res.TrainTrue,
			TestPred: res.TestPred, TestTrue: res.TestTrue, Baseline: res.Baseline,
			TrainRMSE: m["train_rmse"], TestRMSE: m["test_rmse"], BaselineRMSE: m["baseline_test_rmse"],
		}})
		rows := [][]string{{"RMSE", "train", "validation", "test"},
			{"model", f2(m["train_rmse"]), f2(m["val_rmse"]), f2(m["test_rmse"])}}
		if b, ok := m["baseline_test_rmse"]; ok {
			rows = append(rows, []string{"baseline (tomorrow = today)", "", "", f2(b)})
		}
		resultsTable(rows, append([]string{runLine(res.EpochsRun, f.Epochs, res.TrainSeconds, res.Params)}, res.Notes...))
	}
	setText("run-status", statusLine(stopped, err, res.EpochsRun, res.TrainSeconds))
	return out, stopped, err
}

func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func lrText(lr float64) string {
	if lr <= 0 {
		return "default"
	}
	return strconv.FormatFloat(lr, 'g', -1, 64)
}

// stoppedByUser reports whether Fit noted a stop by the Stop button.
func stoppedByUser(notes []string) bool {
	for _, n := range notes {
		if strings.HasPrefix(n, "stopped during epoch") {
			return true
		}
	}
	return false
}

func runLine(run, planned int, secs float64, params int) string {
	per := ""
	if run > 0 {
		per = fmt.Sprintf(", %.0f ms an epoch", 1000*secs/float64(run))
	}
	return fmt.Sprintf("%d of %d epochs in %.1f s%s; %d parameters.", run, planned, secs, per, params)
}

func statusLine(stopped bool, err error, epochs int, secs float64) string {
	switch {
	case err != nil:
		return "Training failed."
	case stopped:
		return fmt.Sprintf("Stopped after %d epochs (%.1f s).", epochs, secs)
	}
	return fmt.Sprintf("Done: %d epochs in %.1f s.", epochs, secs)
}
