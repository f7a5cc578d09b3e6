package main

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"nnlab/lab"
)

// #nnlab-result is the lab's result with the page's keys, in one object:
// the page's device ("cpu", "webgpu") wins over the lab's device name, which
// becomes the adapter, and stopped comes from the run's history.
func TestPageResultJSON(t *testing.T) {
	res := &lab.WeatherResult{FitReport: lab.FitReport{Device: "pure Go (CPU)", Model: "weather_prediction_model", Params: 6201,
		EpochsRun: 3, Stopped: true, Notes: []string{"stopped during epoch 4"}}, Metrics: map[string]float64{"test_rmse": 3.1}}
	var pr pageResult = &weatherResult{WeatherResult: res}
	*pr.page() = PageRun{Lesson: "weather", Device: deviceKind(pr.fit().Device), Adapter: pr.fit().Device,
		DeviceNote: "using pure Go (CPU)", ModelText: "Dense(1)", Yields: 7, YieldSeconds: 0.5, Error: "boom"}
	b, err := json.Marshal(pr)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"lesson": "weather", "device": "cpu", "adapter": "pure Go (CPU)", "device_note": "using pure Go (CPU)",
		"model_text": "Dense(1)", "yields": 7.0, "yield_seconds": 0.5, "error": "boom", "stopped": true,
		"model": "weather_prediction_model", "params": 6201.0, "epochs_run": 3.0}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if mt, _ := m["metrics"].(map[string]any); mt["test_rmse"] != 3.1 {
		t.Errorf("metrics %v", m["metrics"])
	}

	c := &cifarResult{CIFARResult: &lab.CIFARResult{FitReport: lab.FitReport{Device: "llvmpipe"}}}
	*c.page() = PageRun{Lesson: "cifar", Device: deviceKind(c.fit().Device), Adapter: c.fit().Device}
	b, _ = json.Marshal(c)
	if s := string(b); !strings.Contains(s, `"device":"webgpu"`) || !strings.Contains(s, `"adapter":"llvmpipe"`) || !strings.Contains(s, `"stopped":false`) || !strings.Contains(s, `"confusion"`) {
		t.Errorf("cifar result %s", s)
	}
}

// The results tables: the weather's baseline row only with a baseline, and
// CIFAR's training accuracy and run line after Stop.
func TestResultTables(t *testing.T) {
	w := &lab.WeatherResult{FitReport: lab.FitReport{EpochsRun: 2, TrainSeconds: 1, Params: 10, Notes: []string{"a note"}},
		Metrics: map[string]float64{"train_rmse": 1, "val_rmse": 2, "test_rmse": 3}}
	rows, notes := weatherTable(w, 5)
	if len(rows) != 2 || !slices.Equal(rows[1], []string{"model", "1.00", "2.00", "3.00"}) ||
		!slices.Equal(notes, []string{"2 of 5 epochs in 1.0 s, 500 ms an epoch; 10 parameters.", "a note"}) {
		t.Errorf("weather: %q %q", rows, notes)
	}
	w.Metrics["baseline_test_rmse"] = 4
	if rows, _ := weatherTable(w, 5); len(rows) != 3 || rows[2][3] != "4.00" {
		t.Errorf("weather with a baseline: %q", rows)
	}

	c := &lab.CIFARResult{FitReport: lab.FitReport{EpochsRun: 1, TrainSeconds: 2, Stopped: true},
		Metrics: map[string]float64{"val_accuracy": 0.25, "test_accuracy": 0.5}, ImagesPerSec: 100}
	rows, notes = cifarTable(c, 4)
	if rows[1][1] != "—" || rows[1][3] != "0.500" ||
		notes[0] != "Stopped after 1 of 4 epochs (2.0 s): the predictions use the weights as they are; the training set was not evaluated. 100 images/s." {
		t.Errorf("cifar after Stop: %q %q", rows, notes)
	}
	if s := statusLine(true, nil, 1, 2); s != "Stopped after 1 epochs (2.0 s)." {
		t.Errorf("status %q", s)
	}
	if s := statusLine(true, errors.New("x"), 1, 2); s != "Training failed." {
		t.Errorf("status %q", s)
	}
}
