package main

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"nnlab/lab"
)

func weatherRun(t *testing.T, number int, model string) Run {
	t.Helper()
	layers, err := parseLayers(model)
	if err != nil {
		t.Fatal(err)
	}
	rs := RunSettings{Lesson: "weather", ModelText: model, ModelName: "model",
		Fit:     fitSettings{Optimizer: "sgd", LR: 0.01, Loss: "mae", Batch: 16, Epochs: 7, Patience: 3, Restore: true, Seed: 5},
		Weather: &WeatherRun{Years: 9, Station: "BASEL", Target: "BASEL_sunshine"}}
	res := &weatherResult{WeatherResult: &lab.WeatherResult{
		FitReport: lab.FitReport{Device: "pure Go (CPU)", Model: "model", Params: 971, EpochsRun: 5, TrainSeconds: 1.5,
			History:      map[string][]float64{"loss": {3, 2, 1}, "val_loss": {4, 3, 2.5}, "root_mean_squared_error": {2, 1.5, 1}},
			EarlyStopped: true, Notes: []string{"restored the weights of epoch 2"}},
		Metrics: map[string]float64{"train_rmse": 1.1, "val_rmse": 2.2, "test_rmse": 3.3}}}
	res.PageRun = PageRun{Lesson: "weather", Device: "cpu", Adapter: "pure Go (CPU)", DeviceNote: "WebGPU is off"}
	return newRun(res, rs, "cpu", number, modelArch(layers), "# keras", time.Date(2026, 12, 2, 8, 0, number, 0, time.UTC))
}

func TestNewRunRecordsTheFit(t *testing.T) {
	r := weatherRun(t, 3, "Dense(10, activation=\"relu\")\nDense(5, activation=\"relu\")\nDense(1)\n")
	if r.Name != "run 3: 10-5-1 relu" {
		t.Errorf("name %q, want run 3: 10-5-1 relu", r.Name)
	}
	if r.Version != runFormat || r.ID == "" || r.Params != 971 || r.EpochsRun != 5 || r.Metrics["val_rmse"] != 2.2 || r.Device != "cpu" {
		t.Errorf("record %+v", r)
	}
	notes := strings.Join(r.Notes, "\n")
	for _, want := range []string{"early stopping ended it after 5 of 7 epochs", "device: WebGPU is off", "restored the weights"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if err := checkRun(r); err != nil {
		t.Error(err)
	}
	// The record goes through JSON (IndexedDB keeps it as a parsed object).
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Run
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Name != r.Name || !back.Time.Equal(r.Time) || back.Settings != r.Settings || len(back.History["val_loss"]) != 3 {
		t.Errorf("JSON round trip: %+v", back)
	}
	if !strings.Contains(string(b), `"version":1`) {
		t.Errorf("the record has no version field: %s", b)
	}
}

func TestModelArch(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{DefaultWeatherModel, "100-50-1 relu"},
		{"Dense(10, activation='tanh')\nBatchNormalization()\nDense(1)", "10-bn-1 tanh"},
		{CIFARPresetText("dropout"), "c32-p-c32-p-c32-d-32-10 relu"},
		{"", "model"},
	} {
		layers, err := parseLayers(c.text)
		if err != nil {
			t.Fatalf("%q: %v", c.text, err)
		}
		if got := modelArch(layers); got != c.want {
			t.Errorf("modelArch(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestRunLinkReproducesSettings: a run's link, read as the page reads
// links, gives back the run's settings and model.
func TestRunLinkReproducesSettings(t *testing.T) {
	model := "Dense(10, activation=\"relu\")\nDense(1)\n"
	r := weatherRun(t, 1, model)
	s, errs := ParseSettings(r.Link())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := RunSetup{Epochs: s.Epochs, Batch: s.Batch, Optimizer: s.Optimizer, LR: s.LR, Loss: s.Loss, Patience: s.Patience,
		Restore: s.Restore, Seed: s.Seed, Device: s.Device, Years: s.Years, Station: s.Station, Target: s.Target}
	if got != r.Settings || s.Model != model || s.Lesson != "weather" || s.Autorun {
		t.Errorf("link %s gives %+v, model %q; want %+v, %q", r.Link(), got, s.Model, r.Settings, model)
	}

	c := Run{Lesson: "cifar", ModelText: CIFARPresetText("pool"),
		Settings: RunSetup{Epochs: 2, Batch: 64, Optimizer: "adam", Seed: 1, N: 500, TestN: 100, Preset: "pool", Device: "auto"}}
	s, errs = ParseSettings(c.Link())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if s.Lesson != "cifar" || s.Preset != "pool" || s.N != 500 || s.TestN != 100 || s.Epochs != 2 || s.Batch != 64 || s.Model != c.ModelText {
		t.Errorf("cifar link %s gives %+v", c.Link(), s)
	}
	pg := Run{Lesson: "penguins", ModelText: "Dense(8, activation=\"relu\")\nDense(3, activation=\"softmax\")\n",
		Settings: RunSetup{Epochs: 40, Batch: 16, Optimizer: "adam", Seed: 2, Loss: "categorical_crossentropy"}}
	s, errs = ParseSettings(pg.Link())
	if len(errs) > 0 || s.Lesson != "penguins" || s.Epochs != 40 || s.Batch != 16 || s.Seed != 2 || s.Model != pg.ModelText || s.Given["years"] {
		t.Errorf("penguins link %s gives %+v, %v", pg.Link(), s, errs)
	}
	// A model of the learner's own goes as its text.
	c.Settings.Preset, c.ModelText = "", "Conv2D(8, (3, 3), activation=\"relu\")\nFlatten()\nDense(10)\n"
	if s, _ = ParseSettings(c.Link()); s.Model != c.ModelText || s.Preset != "" {
		t.Errorf("own cifar model: link %s gives model %q, preset %q", c.Link(), s.Model, s.Preset)
	}
}

func TestRunWeightsShapes(t *testing.T) {
	ws := []lab.Weights{{Layer: "dense", Param: "kernel", Values: make([]float32, 6)}, {Layer: "dense", Param: "bias", Values: make([]float32, 2)}}
	got := runWeights(ws, [][]int{{3, 2}, {3}})
	if !slices.Equal(got[0].Shape, []int{3, 2}) || got[0].Layer != "dense" || got[0].Param != "kernel" {
		t.Errorf("kernel: %+v", got[0])
	}
	if !slices.Equal(got[1].Shape, []int{2}) { // the shape does not match: flat
		t.Errorf("bias: %+v", got[1])
	}
}

func TestSortAndFilterRuns(t *testing.T) {
	a := weatherRun(t, 1, "Dense(10)\nDense(1)")
	b := weatherRun(t, 2, "Dense(3, activation=\"tanh\")\nDense(1)")
	c := weatherRun(t, 3, "Dense(1)")
	a.Metrics, a.Params = map[string]float64{"val_rmse": 3}, 900
	b.Metrics, b.Params = map[string]float64{"val_rmse": 2}, 40
	c.Metrics, c.Params = map[string]float64{}, 90
	other := c
	other.Lesson = "cifar"
	runs := []Run{a, b, c}
	numbers := func(rs []Run) []int {
		var out []int
		for _, r := range rs {
			out = append(out, r.Number)
		}
		return out
	}
	sortRuns(runs, "val_rmse", false)
	if got := numbers(runs); !slices.Equal(got, []int{2, 1, 3}) {
		t.Errorf("by val_rmse: %v, want 2 1 3 (no value last)", got)
	}
	sortRuns(runs, "val_rmse", true)
	if got := numbers(runs); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("by val_rmse descending: %v, want 1 2 3 (no value still last)", got)
	}
	sortRuns(runs, "params", false)
	if got := numbers(runs); !slices.Equal(got, []int{2, 3, 1}) {
		t.Errorf("by params: %v", got)
	}
	if got := numbers(filterRuns(append(runs, other), "weather", "TANH")); !slices.Equal(got, []int{2}) {
		t.Errorf("filter tanh: %v", got)
	}
	if got := filterRuns(append(runs, other), "weather", ""); len(got) != 3 {
		t.Errorf("no filter: %d runs, want the lesson's 3", len(got))
	}
	if n := nextRunNumber(append(runs, other), "weather"); n != 4 {
		t.Errorf("next number %d, want 4", n)
	}
	if n := nextRunNumber(nil, "cifar"); n != 1 {
		t.Errorf("next number of none %d, want 1", n)
	}
	cols := runColumns(runs)
	if !slices.Equal(cols, []string{"val_rmse", "params", "epochs", "seconds", "time"}) {
		t.Errorf("columns %v", cols)
	}
}

func TestCheckRun(t *testing.T) {
	r := weatherRun(t, 1, "Dense(1)")
	r.Version = runFormat + 1
	if err := checkRun(r); err == nil || !strings.Contains(err.Error(), "newer nnlab") {
		t.Errorf("newer record: %v", err)
	}
	r.Version = 0
	if err := checkRun(r); err == nil {
		t.Error("a record without a version was taken")
	}
}

func TestOverlayCurves(t *testing.T) {
	a, b := weatherRun(t, 1, "Dense(1)"), weatherRun(t, 2, "Dense(2)\nDense(1)")
	delete(b.History, "val_loss")
	if got := curveMetrics([]Run{a, b}); !slices.Equal(got, []string{"loss", "root_mean_squared_error"}) {
		t.Errorf("metrics %v", got)
	}
	cs := overlayCurves([]Run{a, b}, "loss")
	if len(cs) != 3 || cs[0].Run != 0 || cs[0].Val || !cs[1].Val || cs[2].Run != 1 || cs[2].Name != b.Name {
		t.Errorf("curves %+v", cs)
	}
	if v := lastValue(a, "val_loss"); v != 2.5 {
		t.Errorf("last val_loss %v", v)
	}
	if v := lastValue(b, "val_loss"); !math.IsNaN(v) {
		t.Errorf("last of a missing key %v, want NaN", v)
	}
	if runColor(0) == runColor(1) || runColor(0) != runColor(len(runPalette)) {
		t.Error("palette")
	}
}

func TestSummaryIsJSON(t *testing.T) {
	r := weatherRun(t, 2, "Dense(1)")
	b, err := json.Marshal(r.Summary())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"run 2: 1"`, `"params":971`, `"link":"?`, `"val_rmse":2.2`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("summary %s lacks %s", b, want)
		}
	}
}

// A fit that ended while the database opened was numbered without the
// stored runs: once they are read it comes after them, its default name
// with it, and a name the learner gave stays.
func TestRenumberPending(t *testing.T) {
	stored := []Run{{Lesson: "weather", Number: 1, Name: "run 1: 10-5-1 relu"}, {Lesson: "weather", Number: 2, Name: "mine"}, {Lesson: "cifar", Number: 7}}
	pending := []Run{{Lesson: "weather", Number: 1, Arch: "3-1 tanh", Name: "run 1: 3-1 tanh"}, {Lesson: "weather", Number: 2, Arch: "20-1 relu", Name: "renamed"}, {Lesson: "cifar", Number: 1, Arch: "small", Name: "run 1: small"}}
	got := renumber(stored, pending)
	want := []struct {
		n    int
		name string
	}{{3, "run 3: 3-1 tanh"}, {4, "renamed"}, {8, "run 8: small"}}
	for i, w := range want {
		if got[i].Number != w.n || got[i].Name != w.name {
			t.Errorf("pending run %d: number %d name %q, want %d %q", i, got[i].Number, got[i].Name, w.n, w.name)
		}
	}
}
