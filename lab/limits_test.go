package lab

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/nn"
)

func wantLabErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

// Issue 13: a NaN or negative setting fell back to the lesson's default
// (or, for years NaN, gave "Rows -9223372036854775808 is negative"); zero
// still means the default, which the page relies on.
func TestWeatherConfigRefusesBadValues(t *testing.T) {
	for _, c := range []struct {
		cfg  WeatherConfig
		want string
	}{
		{WeatherConfig{Years: math.NaN()}, "years must be a positive number, got NaN"},
		{WeatherConfig{Years: -1}, "years must be a positive number, got -1"},
		{WeatherConfig{Years: 1e300}, "years must be at most 10000"},
		{WeatherConfig{Nodes1: -5}, "nodes1 must be 0 or more, got -5"},
		{WeatherConfig{Dropout: math.NaN()}, "dropout rate must be in [0, 1), got NaN"},
		{WeatherConfig{Dropout: 1}, "dropout rate must be in [0, 1), got 1"},
		{WeatherConfig{Epochs: -5}, "epochs must be 0 or more, got -5"},
		{WeatherConfig{BatchSize: -1}, "batch_size must be 0 or more"},
		{WeatherConfig{LR: math.NaN()}, "learning_rate must be a positive number, got NaN"},
		{WeatherConfig{LR: -1}, "learning_rate must be a positive number, got -1"},
		{WeatherConfig{Momentum: math.Inf(1)}, "momentum must be in [0, 1], got +Inf"},
	} {
		_, err := PrepareWeather(&datasets.Weather{}, c.cfg)
		wantLabErr(t, err, "lab: "+c.want)
		_, err = RunWeather(context.Background(), c.cfg, gpu.NewCPU(), nil, Hooks{})
		wantLabErr(t, err, "lab: "+c.want)
	}
	for _, c := range []CIFARConfig{{N: -1}, {Epochs: -1}, {LR: math.NaN()}, {Momentum: -0.5}} {
		_, err := RunCIFAR(context.Background(), c, gpu.NewCPU(), &CIFARData{}, Hooks{})
		wantLabErr(t, err, "lab: ")
	}
}

// Issue 13: --nodes1 1000000000 died out of memory; now the model build
// refuses it, naming the layer and the sizes.
func TestWeatherHugeLayerRefused(t *testing.T) {
	c := WeatherConfig{Nodes1: 1000000000, Epochs: 1}
	_, err := RunWeather(context.Background(), c, gpu.NewCPU(), weatherData(t, c), Hooks{})
	var be *nn.BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want an nn.BudgetError", err)
	}
	wantLabErr(t, err, "Dense(1000000000) (layer dense) needs about 1.4 TB", "this device can give about")
}

// Issue 13: --batch 1000000000 sized the workspace by the batch; Keras
// clamps the batch to the samples, and so does Fit.
func TestWeatherHugeBatchTrains(t *testing.T) {
	c := WeatherConfig{BatchSize: 1000000000, Epochs: 2}
	res, err := RunWeather(context.Background(), c, gpu.NewCPU(), weatherData(t, c), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if res.EpochsRun != 2 {
		t.Errorf("%d epochs run, want 2", res.EpochsRun)
	}
}

// Issue 13: `train cifar --data train_4000.bin` used the one file as the
// training and the test set. A training file takes the test file beside it,
// or is refused.
func TestCIFARDataFileFindsItsTestFile(t *testing.T) {
	p, err := datasets.Find(datasets.CIFARSubsetTrain, "")
	if err != nil {
		t.Skipf("no CIFAR subset here: %v", err)
	}
	d, err := LoadCIFARData(p)
	if err != nil {
		t.Fatal(err)
	}
	if d.Train.N != 4000 || d.Test.N != 1000 {
		t.Errorf("train %d, test %d images, want 4000 and 1000", d.Train.N, d.Test.N)
	}

	dir := t.TempDir()
	alone := filepath.Join(dir, datasets.CIFARSubsetTrain)
	if err := os.Symlink(p, alone); err != nil {
		t.Fatal(err)
	}
	_, err = LoadCIFARData(alone)
	wantLabErr(t, err, "the test images need their own file: put test_1000.bin beside it, or give the folder holding both")

	test := filepath.Join(filepath.Dir(p), datasets.CIFARSubsetTest)
	_, err = LoadCIFARData(test)
	wantLabErr(t, err, "holds the test images")

	csv := filepath.Join(dir, "weather.csv")
	os.WriteFile(csv, []byte("DATE,MONTH\n"), 0o644)
	_, err = LoadCIFARData(csv)
	wantLabErr(t, err, "is not a CIFAR-10 binary file (.bin): give the folder holding train_4000.bin and test_1000.bin")
}
