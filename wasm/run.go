package main

import (
	"strings"

	"nnlab/keras"
	"nnlab/lab"
	"nnlab/nn"
)

// RunSettings are one run's choices, read from the page's controls and
// checked before the run starts: the run never reads a control. They are
// plain data, so that a trainer in a Web Worker could receive them in a
// postMessage and build the lab config there.
type RunSettings struct {
	Lesson    string      `json:"lesson"`     // "weather", "cifar" or "penguins"
	ModelText string      `json:"model_text"` // the model editor's text that builds
	ModelName string      `json:"model_name"`
	Fit       fitSettings `json:"fit"`
	Weather   *WeatherRun `json:"weather,omitempty"`
	CIFAR     *CIFARRun   `json:"cifar,omitempty"`
}

// WeatherRun are the weather lesson's data controls.
type WeatherRun struct {
	Years   float64 `json:"years"`
	Station string  `json:"station"` // "" all stations
	Target  string  `json:"target"`
}

// CIFARRun are the CIFAR-10 lesson's data controls.
type CIFARRun struct {
	N      int    `json:"n"`      // training images
	TestN  int    `json:"test_n"` // test images
	Preset string `json:"preset"` // the lesson's model the text is, or ""
}

// weatherConfig is the lab's config for the run, with new layers from the
// model text.
func (s RunSettings) weatherConfig() (lab.WeatherConfig, error) {
	w, f := s.Weather, s.Fit
	cfg := lab.WeatherConfig{
		Years: w.Years, Station: w.Station, Targets: []string{w.Target},
		Epochs: f.Epochs, BatchSize: f.Batch, Patience: f.Patience, Restore: f.Restore,
		Optimizer: f.Optimizer, LR: f.LR, Loss: f.Loss, Seed: f.Seed, Name: s.ModelName,
	}
	var err error
	cfg.Layers, err = parseLayers(s.ModelText)
	return cfg, err
}

// cifarConfig is the lab's config for the run: the preset the model text
// is, or new layers from it.
func (s RunSettings) cifarConfig() (lab.CIFARConfig, error) {
	c, f := s.CIFAR, s.Fit
	cfg := lab.CIFARConfig{
		Model: c.Preset, N: c.N, TestN: c.TestN, Name: s.ModelName,
		Epochs: f.Epochs, BatchSize: f.Batch, Patience: f.Patience, Restore: f.Restore,
		Optimizer: f.Optimizer, LR: f.LR, Seed: f.Seed,
		// Stop gives the test predictions at once (the training set's
		// evaluation takes seconds on the pure-Go device).
		StopSkipsTrainEval: true,
	}
	if cfg.Model != "" {
		return cfg, nil
	}
	var err error
	cfg.Layers, err = parseLayers(s.ModelText)
	return cfg, err
}

func parseLayers(text string) ([]nn.Layer, error) {
	lines, err := keras.ParseLayers(text)
	if err != nil {
		return nil, err
	}
	var layers []nn.Layer // nil without lines
	for _, l := range lines {
		layers = append(layers, l.Layer)
	}
	return layers, nil
}

// cifarPreset returns the lesson model a text is, or "".
func cifarPreset(text string) string {
	for _, p := range []string{"small", "pool", "dropout"} {
		if strings.TrimSpace(CIFARPresetText(p)) == strings.TrimSpace(text) {
			return p
		}
	}
	return ""
}

// weatherModelName is the Keras name of a weather model text: the lesson's
// network keeps the lesson's name; any other text is a model of the
// learner's, named as Keras names an unnamed keras.Model.
func weatherModelName(text string) string {
	if strings.TrimSpace(text) == strings.TrimSpace(DefaultWeatherModel) {
		return "weather_prediction_model"
	}
	return "model"
}

// cifarModelName is the Keras name of a CIFAR-10 model text: a lesson
// model's name for one of the presets, else Keras's default.
func cifarModelName(text string) string {
	if p := cifarPreset(text); p != "" {
		name, _ := lab.CIFARModels[p]()
		return name
	}
	return "model"
}

// cifarShown is how many training and test images a run uses for the
// chosen n and test n, given how many the site has (0: not known yet):
// what the facts of exercise 5 show.
func cifarShown(n, testN, trainTotal, testTotal int) (train, test int) {
	train, test = max(n, 1), max(testN, 1)
	if trainTotal > 0 {
		train = min(train, trainTotal)
	}
	if testTotal > 0 {
		test = min(test, testTotal)
	}
	return train, test
}
