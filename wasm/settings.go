package main

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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
// the plots out (to time training alone); worker=0 trains on the page's
// thread instead of the training worker (to compare, or where a worker
// misbehaves); kernels=go makes the pure-Go device's products run the Go
// loop instead of the WebAssembly SIMD kernel (kernels=wasm-simd, the
// default where the browser has SIMD), to compare the two. A parameter
// that is not given keeps the page's default.
//
// mz is the model text deflated in zlib's frame and base64url-encoded
// (DeflateModel), as the page writes it into its own address: the page
// keeps its whole state in the address (Query), so that a reload restores
// it and copying the address shares it. answers=hide (an instructor's
// setting, e.g. from the classroom server) leaves the exercises' answers
// out of the page.
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
	// NoWorker (worker=0) trains on the page's thread, not in the
	// training worker.
	NoWorker bool
	// Kernels (kernels=go or wasm-simd) names the pure-Go device's product
	// kernels; "" is the fastest the browser has.
	Kernels string

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
	// HideAnswers (answers=hide) is the instructor's setting: the
	// exercises' answers are not revealed on the page.
	HideAnswers bool
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
	s.NoWorker = q.Get("worker") == "0"
	str("kernels", &s.Kernels, "go", "wasm-simd")
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
	if v, ok := q["mz"]; ok {
		if m, err := InflateModel(v[0]); err != nil {
			errs = append(errs, err)
			delete(s.Given, "mz")
		} else {
			s.Model, s.Given["model"] = m, true
			if lesson == "cifar" {
				s.Preset = cifarPreset(m)
			}
		}
	}
	if v, ok := q["answers"]; ok {
		switch strings.ToLower(strings.TrimSpace(v[0])) {
		case "hide", "hidden", "0", "off":
			s.HideAnswers = true
		case "show", "1", "on", "":
		default:
			errs = append(errs, fmt.Errorf("answers=%q: use hide (an instructor's setting) or show", v[0]))
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

// CPUSized gives a CIFAR-10 lesson the defaults that fit the pure-Go
// device, for the settings a link does not give: a quarter of the work of
// the lesson's (1,000 images, 5 epochs instead of 2,000 and 10), a fit of
// about a minute on a laptop's CPU rather than several.
func CPUSized(s *Settings) {
	if s.Lesson != "cifar" {
		return
	}
	if !s.Given["n"] {
		s.N = CPUImages
	}
	if !s.Given["epochs"] {
		s.Epochs = CPUEpochs
	}
}

// The CIFAR-10 defaults on the pure-Go device (see CPUSized).
const (
	CPUImages = 1000
	CPUEpochs = 5
)

// Query is the link of the settings s: the parameters that differ from
// base (the lesson's defaults), so that the address stays short; the
// model text, when it is not the default or a CIFAR preset, is deflated
// and base64url-encoded as mz (a long model still fits an address).
// ParseSettings reads it back; autorun and code are left out (a reload
// must not train again, and the code's effect is in the other settings).
func Query(s, base Settings) string {
	q := url.Values{}
	q.Set("lesson", s.Lesson)
	if s.Device != "" && s.Device != "auto" {
		q.Set("device", s.Device)
	}
	num := func(key string, v, b int) {
		if v != b {
			q.Set(key, strconv.Itoa(v))
		}
	}
	num("epochs", s.Epochs, base.Epochs)
	num("batch", s.Batch, base.Batch)
	num("patience", s.Patience, base.Patience)
	if s.Restore {
		q.Set("restore", "1")
	}
	if s.Optimizer != base.Optimizer {
		q.Set("optimizer", s.Optimizer)
	}
	if s.LR > 0 {
		q.Set("lr", strconv.FormatFloat(s.LR, 'g', -1, 64))
	}
	if s.Loss != base.Loss {
		q.Set("loss", s.Loss)
	}
	if s.Seed != base.Seed {
		q.Set("seed", strconv.FormatUint(s.Seed, 10))
	}
	switch s.Lesson {
	case "cifar":
		num("n", s.N, base.N)
		num("test_n", s.TestN, base.TestN)
		if p := cifarPreset(s.Model); p != "" {
			if p != base.Preset {
				q.Set("preset", p)
			}
		} else {
			q.Set("mz", DeflateModel(s.Model))
		}
	default:
		if s.Years != base.Years {
			q.Set("years", strconv.FormatFloat(s.Years, 'g', -1, 64))
		}
		if s.Station != "" {
			q.Set("station", s.Station)
		}
		if s.Target != base.Target {
			q.Set("target", s.Target)
		}
		if !slices.Equal(slices.Sorted(slices.Values(s.Features)), slices.Sorted(slices.Values(base.Features))) {
			q.Set("features", strings.Join(s.Features, ","))
		}
		if strings.TrimSpace(s.Model) != strings.TrimSpace(base.Model) {
			q.Set("mz", DeflateModel(s.Model))
		}
	}
	if s.NoPlots {
		q.Set("plots", "0")
	}
	if s.NoWorker {
		q.Set("worker", "0")
	}
	if s.Kernels != "" {
		q.Set("kernels", s.Kernels)
	}
	if s.HideAnswers {
		q.Set("answers", "hide")
	}
	return q.Encode()
}

// DeflateModel is a model text as a link's mz parameter: deflate in zlib's
// frame (its checksum catches a damaged parameter), then base64url without
// padding; 60 repeated lines take under 60 characters.
func DeflateModel(text string) string {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestCompression) // the level is valid
	w.Write([]byte(text))
	w.Close()
	return base64.RawURLEncoding.EncodeToString(b.Bytes())
}

// InflateModel reads a link's mz parameter back into model text; a
// damaged one (cut short in copying, edited by hand) is an error that says
// so, never a wrong model.
func InflateModel(v string) (string, error) {
	damaged := func(why string) error {
		return fmt.Errorf("mz=%.20q…: the model in the link is damaged (%s): copy the whole address again; the page uses the lesson's model", v, why)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(v), "="))
	if err != nil {
		return "", damaged("not base64url")
	}
	br := bytes.NewReader(raw)
	r, err := zlib.NewReader(br)
	if err != nil {
		return "", damaged("not zlib data")
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, keras.MaxSourceBytes+1))
	if len(out) > keras.MaxSourceBytes {
		return "", damaged("longer than the model editor takes")
	}
	if err != nil || br.Len() != 0 {
		return "", damaged("cut short, or changed: its checksum does not match")
	}
	if !utf8.Valid(out) {
		return "", damaged("not text")
	}
	return string(out), nil
}
