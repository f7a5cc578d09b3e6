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
