package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"nnlab/keras"
	"nnlab/lab"
)

// DefaultWeatherModel is the lesson's weather network, as the model editor
// shows it: the input layer is implied by the data.
const DefaultWeatherModel = "Dense(100, activation=\"relu\")\nDense(50, activation=\"relu\")\nDense(1)\n"

// Settings are the choices a link can make (the automation contract):
//
//	?lesson=weather&epochs=200&batch=32&device=cpu&autorun=1
//	?lesson=penguins&epochs=100&autorun=1
//
// plus model (the model text, newlines as %0A or a literal \n), years,
// station, target, seed, patience, restore, optimizer, lr, loss, n and test_n
// (CIFAR-10 training and test images), preset (small, pool or dropout) and
// features (comma-separated, for the exercise 1 histograms); plots=0 leaves
// the plots out (to time training alone). A parameter
// that is not given keeps the page's default.
//
// code is Keras code (URL-encoded), e.g. a code block of the lesson: the
// page runs it as "Paste Keras code" does (model, compile and fit settings)
// before autorun; the link's other parameters (epochs=5, ...) override what
// the code sets.
type Settings struct {
	Lesson  string // "", "weather", "cifar" or "penguins"
	Device  string // "auto", "cpu" or "webgpu"
	Autorun bool
	NoPlots bool // plots=0: no plots' iframe (to time training alone)

	Epochs, Batch int
	Patience      int  // EarlyStopping patience; 0: no early stopping
	Restore       bool // EarlyStopping restore_best_weights (restore=1)
	Optimizer     string
	LR            float64 // 0: the optimizer's Keras default
	Loss          string
	Seed          uint64
	Model         string // model editor text; "" keeps the default

	// Weather.
	Years    float64
	Station  string // "" all stations
	Target   string
	Features []string

	// CIFAR-10.
	N, TestN int
	Preset   string

	// Code is Keras code to run before autorun ("" none).
	Code string
	// Given holds the parameters the link gives (e.g. "epochs").
	Given map[string]bool
}

// DefaultSettings are the page's choices when a link makes none.
func DefaultSettings(lesson string) Settings {
	s := Settings{Lesson: lesson, Device: "auto", Optimizer: "adam", Batch: 32, Seed: 0}
	switch lesson {
	case "cifar":
		s.Epochs, s.N, s.TestN, s.Preset = 10, 2000, 1000, "dropout"
		s.Loss = "sparse_categorical_crossentropy"
		s.Model = CIFARPresetText(s.Preset)
	case "penguins":
		// The lesson's fit: 100 epochs, Keras's batch of 32, no validation;
		// keras.utils.set_random_seed(2).
		s.Epochs, s.Loss, s.Seed = 100, "categorical_crossentropy", penguinsLessonSeed
		s.Model = DefaultPenguinsModel
	default:
		s.Epochs, s.Years, s.Target, s.Loss = 200, 3, "BASEL_sunshine", "mse"
		s.Model = DefaultWeatherModel
		s.Features = []string{"BASEL_sunshine", "BASEL_temp_mean", "BASEL_precipitation", "DE_BILT_pressure"}
	}
	return s
}

// CIFARPresetText is the model editor text of one of the lesson's three
// CIFAR-10 models, or "" for an unknown name.
func CIFARPresetText(preset string) string {
	mk, ok := lab.CIFARModels[preset]
	if !ok {
		return ""
	}
	_, layers := mk()
	return keras.ModelText(layers)
}

// ParseSettings reads a page URL's query (with or without the leading '?').
// Problems are returned together, each naming the parameter; the settings
// keep their defaults for those.
func ParseSettings(query string) (Settings, []error) {
	q, err := url.ParseQuery(strings.TrimPrefix(query, "?"))
	if err != nil {
		return DefaultSettings(""), []error{fmt.Errorf("the link's parameters do not parse: %v", err)}
	}
	lesson := q.Get("lesson")
	var errs []error
	switch lesson {
	case "", "weather", "cifar", "penguins":
	case "cifar10", "cifar-10":
		lesson = "cifar"
	case "penguin", "palmerpenguins":
		lesson = "penguins"
	default:
		errs = append(errs, fmt.Errorf("lesson=%q: use weather, cifar or penguins", lesson))
		lesson = ""
	}
	s := DefaultSettings(lesson)
	s.Given = map[string]bool{}
	for k := range q {
		s.Given[k] = true
	}
	str := func(key string, dst *string, allowed ...string) {
		v, ok := q[key]
		if !ok {
			return
		}
		val := strings.TrimSpace(v[0])
		if len(allowed) > 0 {
			for _, a := range allowed {
				if strings.EqualFold(val, a) {
					*dst = a
					return
				}
			}
			errs = append(errs, fmt.Errorf("%s=%q: use one of %s", key, val, strings.Join(allowed, ", ")))
			delete(s.Given, key)
			return
		}
		*dst = val
	}
	integer := func(key string, dst *int, lo int) {
		if v, ok := q[key]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v[0]))
			if err != nil || n < lo {
				errs = append(errs, fmt.Errorf("%s=%q: expected a whole number of at least %d", key, v[0], lo))
				delete(s.Given, key)
				return
			}
			*dst = n
		}
	}
	float := func(key string, dst *float64) {
		if v, ok := q[key]; ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v[0]), 64)
			if err != nil || f <= 0 {
				errs = append(errs, fmt.Errorf("%s=%q: expected a positive number", key, v[0]))
				delete(s.Given, key)
				return
			}
			*dst = f
		}
	}
	str("device", &s.Device, "auto", "cpu", "webgpu")
	if v, ok := q["autorun"]; ok {
		s.Autorun = v[0] == "" || v[0] == "1" || strings.EqualFold(v[0], "true")
	}
	s.NoPlots = q.Get("plots") == "0"
	integer("epochs", &s.Epochs, 1)
	integer("batch", &s.Batch, 1)
	integer("patience", &s.Patience, 0)
	if v, ok := q["restore"]; ok {
		s.Restore = v[0] == "" || v[0] == "1" || strings.EqualFold(v[0], "true")
		s.Given["restore"] = true
	}
	str("optimizer", &s.Optimizer, "adam", "sgd", "rmsprop")
	float("lr", &s.LR)
	str("loss", &s.Loss)
	if v, ok := q["seed"]; ok {
		n, err := strconv.ParseUint(strings.TrimSpace(v[0]), 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("seed=%q: expected a whole number", v[0]))
		} else {
			s.Seed = n
		}
	}
	float("years", &s.Years)
	str("station", &s.Station)
	if strings.EqualFold(s.Station, "all") {
		s.Station = ""
	}
	str("target", &s.Target)
	if v, ok := q["features"]; ok {
		s.Features = nil
		for _, f := range strings.Split(v[0], ",") {
			if f = strings.TrimSpace(f); f != "" {
				s.Features = append(s.Features, f)
			}
		}
	}
	integer("n", &s.N, 1)
	integer("test_n", &s.TestN, 1)
	if v, ok := q["preset"]; ok {
		if t := CIFARPresetText(v[0]); t != "" {
			s.Preset, s.Model = v[0], t
		} else {
			errs = append(errs, fmt.Errorf("preset=%q: use small, pool or dropout", v[0]))
			delete(s.Given, "preset")
		}
	}
	if v, ok := q["model"]; ok {
		s.Model = ModelFromLink(v[0])
		if lesson == "cifar" {
			s.Preset = ""
		}
	}
	if v, ok := q["code"]; ok {
		s.Code = strings.ReplaceAll(v[0], "\r\n", "\n")
	}
	return s, errs
}

// ModelFromLink turns a link's model parameter into editor text: a literal
// backslash-n (as a shell or a spreadsheet writes it) is a newline.
func ModelFromLink(v string) string {
	v = strings.ReplaceAll(v, "\r\n", "\n")
	if !strings.Contains(v, "\n") {
		v = strings.ReplaceAll(v, `\n`, "\n")
	}
	return v
}
