package main

import (
	"encoding/json"
	"testing"
)

// A run's settings are plain data (a Web Worker could receive them) and
// give the lab's config: the weather's layers from the model text, a CIFAR
// preset by name.
func TestRunSettingsConfig(t *testing.T) {
	f := fitSettings{Optimizer: "sgd", LR: 0.01, Loss: "mae", Batch: 16, Epochs: 7, Patience: 3, Restore: true, Seed: 5}
	rs := RunSettings{Lesson: "weather", ModelText: DefaultWeatherModel, ModelName: "m", Fit: f,
		Weather: &WeatherRun{Years: 2, Station: "BASEL", Target: "BASEL_sunshine"}}
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	var back RunSettings
	if err := json.Unmarshal(b, &back); err != nil || *back.Weather != *rs.Weather || back.Fit != rs.Fit || back.ModelText != rs.ModelText {
		t.Fatalf("settings do not survive JSON (%v): %s", err, b)
	}
	w, err := back.weatherConfig()
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Layers) != 3 || w.Name != "m" || w.Years != 2 || w.Station != "BASEL" || w.Targets[0] != "BASEL_sunshine" ||
		w.Epochs != 7 || w.BatchSize != 16 || w.Patience != 3 || !w.Restore || w.Optimizer != "sgd" || w.LR != 0.01 || w.Loss != "mae" || w.Seed != 5 {
		t.Errorf("weather config %+v", w)
	}
	if _, err := (RunSettings{ModelText: "Dense(", Weather: &WeatherRun{}}).weatherConfig(); err == nil {
		t.Error("a model text that does not parse gave a config")
	}

	text := CIFARPresetText("pool")
	c := RunSettings{Lesson: "cifar", ModelText: text, Fit: f, CIFAR: &CIFARRun{N: 100, TestN: 50, Preset: cifarPreset(text)}}
	cc, err := c.cifarConfig()
	if err != nil || cc.Model != "pool" || cc.Layers != nil || cc.N != 100 || cc.TestN != 50 || !cc.StopSkipsTrainEval {
		t.Errorf("cifar config %+v, %v", cc, err)
	}
	c.ModelText, c.CIFAR.Preset = "Flatten()\nDense(10)", ""
	if cc, err := c.cifarConfig(); err != nil || len(cc.Layers) != 2 {
		t.Errorf("cifar config of a text: %+v, %v", cc, err)
	}
}

// A model the learner typed is not named after the lesson's model; the
// lesson's own models keep their names.
func TestModelNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{weatherModelName(DefaultWeatherModel), "weather_prediction_model"},
		{weatherModelName("  " + DefaultWeatherModel + "\n"), "weather_prediction_model"},
		{weatherModelName("Dense(10, activation=\"relu\")\nDense(5, activation=\"relu\")\nDense(1)"), "model"},
		{cifarModelName(CIFARPresetText("dropout")), "cifar_model"},
		{cifarModelName(CIFARPresetText("small")), "cifar_model_small"},
		{cifarModelName("Conv2D(8, (3, 3))\nFlatten()\nDense(10)"), "model"},
	} {
		if c.got != c.want {
			t.Errorf("name %q, want %q", c.got, c.want)
		}
	}
}

// The CIFAR facts follow the chosen n and test n, within what the site has.
func TestCIFARShown(t *testing.T) {
	for _, c := range []struct{ n, testN, trainTotal, testTotal, train, test int }{
		{500, 500, 4000, 1000, 500, 500},
		{2000, 1000, 4000, 1000, 2000, 1000},
		{9000, 3000, 4000, 1000, 4000, 1000},
		{0, -5, 4000, 1000, 1, 1},
		{300, 200, 0, 0, 300, 200},
	} {
		if tr, te := cifarShown(c.n, c.testN, c.trainTotal, c.testTotal); tr != c.train || te != c.test {
			t.Errorf("cifarShown(%d, %d, %d, %d) = %d, %d, want %d, %d", c.n, c.testN, c.trainTotal, c.testTotal, tr, te, c.train, c.test)
		}
	}
}
