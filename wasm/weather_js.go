//go:build js

package main

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"nnlab/datasets"
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
	setChips("w-features", feats, s.Features)
	setValue("w-years", strconv.FormatFloat(s.Years, 'g', -1, 64))
	w.countFeatures()
	w.sendFeatures(a)
	on("w-features", "change", func() { w.sendFeatures(a) })
	on("w-station", "change", func() {
		w.countFeatures()
		a.checkModel()
		a.showExercises(w.exercises())
	})
	a.showExercises(w.exercises())
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
	for _, f := range chosenFeatures() {
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
		"# The whole notebook: run it in Jupyter as it is, or one block a cell.\n\n", c.Years, station, c.Targets[0])
}

func (w *weatherLesson) input() *nn.InputLayer {
	if w.data == nil {
		return nil
	}
	return &nn.InputLayer{Shape: nn.Shape{w.features}, Name: "input"}
}

func (w *weatherLesson) modelName(text string) string { return weatherModelName(text) }
func (w *weatherLesson) outputs() int                 { return 1 }

// settings reads the data controls into rs and checks them: the model
// text parses and the data prepare.
func (w *weatherLesson) settings(rs *RunSettings) error {
	rs.Weather = &WeatherRun{Years: floatValue("w-years", 3), Station: value("w-station"), Target: value("w-target")}
	cfg, err := rs.weatherConfig()
	if err != nil {
		return err
	}
	_, err = w.prepared(cfg)
	return err
}

// jobData gives the job the data it was checked with.
func (w *weatherLesson) jobData(j *trainJob) error {
	cfg, err := j.Run.weatherConfig()
	if err == nil {
		j.Weather, err = w.prepared(cfg)
	}
	return err
}

// show shows a run's predictions and results.
func (w *weatherLesson) show(rs RunSettings, res pageResult, sink pageSink) {
	r := res.(*weatherResult).WeatherResult
	m := r.Metrics
	sink.view(Msg{Kind: MsgWeather, Scatter: &Scatter{
		Target: rs.Weather.Target, TrainPred: r.TrainPred, TrainTrue: r.TrainTrue,
		TestPred: r.TestPred, TestTrue: r.TestTrue, Baseline: r.Baseline,
		TrainRMSE: m["train_rmse"], TestRMSE: m["test_rmse"], BaselineRMSE: m["baseline_test_rmse"],
	}})
	resultsTable(weatherTable(r, rs.Fit.Epochs))
}

// chosenFeatures are the features chosen for the exercise 1 histograms.
func chosenFeatures() []string {
	boxes := document.Call("querySelectorAll", "#w-features input:checked")
	out := make([]string, boxes.Length())
	for i := range out {
		out[i] = boxes.Index(i).Get("value").String()
	}
	return out
}

// setChips fills a box with one toggle chip (a checkbox and its label) an
// option, the chosen ones checked: a plain click toggles one feature, and
// the chosen ones stay in view.
func setChips(id string, opts, chosen []string) {
	box := byID(id)
	box.Set("innerHTML", "")
	for _, o := range opts {
		l := document.Call("createElement", "label")
		l.Set("className", "chip")
		in := document.Call("createElement", "input")
		in.Set("type", "checkbox")
		in.Set("value", o)
		in.Set("checked", slices.Contains(chosen, o))
		l.Call("appendChild", in)
		l.Call("append", o)
		box.Call("appendChild", l)
	}
}
