package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"nnlab/datasets"
	"nnlab/nn"
)

// lessonDataHere skips when the lessons' data files (default: the weather
// CSV and the CIFAR-10 subset) are not on this machine (they are in
// ../shared/data here and in CI) and keeps the test from downloading.
func lessonDataHere(t *testing.T, names ...string) {
	t.Helper()
	t.Setenv(datasets.EnvOffline, "1")
	if len(names) == 0 {
		names = []string{datasets.WeatherFile, datasets.CIFARSubsetTrain}
	}
	for _, name := range names {
		var nf *datasets.NotFoundError
		if _, err := datasets.Find(name, ""); errors.As(err, &nf) {
			t.Skipf("no lesson data here: %v", err)
		}
	}
}

func wantMessage(t *testing.T, args []string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%q: no error, want one saying %q", args, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%q: error %q does not say %q", args, err, p)
		}
	}
}

// Issue 13: each of these fell back to a default (or panicked, or gave
// "Rows -9223372036854775808 is negative"). Each is refused before any data
// is read, with the flag, the value and the range.
func TestTrainFlagsOutOfRange(t *testing.T) {
	t.Cleanup(func() { nn.SetMemoryBudget(0) })
	weather := map[string]string{
		"--epochs 0":      "--epochs 0: the number of epochs must be a whole number from 1 up",
		"--epochs -5":     "--epochs -5: the number of epochs must be a whole number from 1 up",
		"--batch 0":       "--batch 0: the batch size must be a whole number from 1 up",
		"--nodes1 0":      "--nodes1 0: the units of the first hidden layer must be a whole number from 1 up",
		"--nodes2 -3":     "--nodes2 -3: the units of the second hidden layer must be a whole number from 1 up",
		"--lr -1":         "--lr -1: the learning rate (e.g. 0.001, Adam's default) must be a number greater than 0",
		"--lr NaN":        "--lr NaN: the learning rate",
		"--lr 0":          "--lr 0: the learning rate",
		"--lr +Inf":       "--lr +Inf: the learning rate",
		"--dropout NaN":   "--dropout NaN: the dropout rate (0: no Dropout layers) must be a number in [0, 1)",
		"--dropout 1":     "--dropout 1: the dropout rate",
		"--dropout -0.1":  "--dropout -0.1: the dropout rate",
		"--years NaN":     "--years NaN: years must be a number from 0.1 up",
		"--years 0":       "--years 0: years must be a number from 0.1 up",
		"--years -2":      "--years -2: years must",
		"--years Inf":     "--years +Inf: years must",
		"--patience -1":   "--patience -1: the patience (0: no early stopping) must be a whole number from 0 up",
		"--momentum 1.5":  "--momentum 1.5: momentum must be a number in [0, 1]",
		"--momentum NaN":  "--momentum NaN: momentum must",
		"--optimizer sdg": `--optimizer "sdg": use adam, sgd, rmsprop`,
		"--loss rmse":     `--loss "rmse": use mse, mae`,
		"--memory 1KB":    `--memory "1KB": a memory size must be from 16MB to 1PB`,
		"--memory lots":   `--memory "lots": a memory size must be a number and a unit, e.g. 4GB`,
	}
	for line, want := range weather {
		args := append(strings.Fields(line), "--data", "/nonexistent/weather.csv")
		err := trainWeather(context.Background(), args, io.Discard)
		wantMessage(t, args, err, want)
	}
	// All the errors of one command line at once.
	args := []string{"--epochs", "0", "--batch", "0", "--data", "/nonexistent"}
	wantMessage(t, args, trainWeather(context.Background(), args, io.Discard), "--epochs 0", "\n--batch 0")

	cifar := map[string]string{
		"--epochs 0":     "--epochs 0: the number of epochs must be a whole number from 1 up",
		"--batch -1":     "--batch -1: the batch size",
		"--n -1":         "--n -1: the number of training images (0: all) must be a whole number from 0 up",
		"--test-n -1":    "--test-n -1: the number of test images",
		"--model big":    `--model "big": use small, pool, dropout`,
		"--lr NaN":       "--lr NaN: the learning rate",
		"--momentum -1":  "--momentum -1: momentum",
		"--patience -2":  "--patience -2: the patience",
		"--memory 0.5GB": "", // in range: fails later, on the data path
	}
	for line, want := range cifar {
		args := append(strings.Fields(line), "--data", "/nonexistent/cifar")
		err := trainCIFAR(context.Background(), args, io.Discard)
		if want == "" {
			want = "/nonexistent/cifar"
		}
		wantMessage(t, args, err, want)
	}
	// A number too large for an int is the flag package's error.
	args = []string{"--batch", "9223372036854775808"}
	wantMessage(t, args, trainWeather(context.Background(), args, io.Discard), "-batch", "out of range")
}

// Issue 13: --years past the file's days says how many the file allows.
func TestTrainYearsPastTheFile(t *testing.T) {
	lessonDataHere(t)
	args := []string{"--years", "11", "--device", "cpu"}
	wantMessage(t, args, trainWeather(context.Background(), args, io.Discard), "--years 11: years must be a number from 0.1 to 10: ", "has 3654 days")
}

// Issue 13: `train weather --batch 1000000000` (and math.MaxInt, which
// panicked) died out of memory; the batch is clamped to the samples as in
// Keras. --nodes1 1000000000 is refused by the memory budget, naming the
// layer and the sizes.
func TestTrainHugeSizes(t *testing.T) {
	lessonDataHere(t)
	for _, b := range []string{"1000000000", "9223372036854775807"} {
		args := []string{"--batch", b, "--epochs", "2", "--device", "cpu", "--json"}
		var out strings.Builder
		if err := trainWeather(context.Background(), args, &out); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		var res struct {
			EpochsRun int `json:"epochs_run"`
		}
		if err := json.Unmarshal([]byte(out.String()), &res); err != nil || res.EpochsRun != 2 {
			t.Errorf("%q: %d epochs, %v", args, res.EpochsRun, err)
		}
	}
	args := []string{"--nodes1", "1000000000", "--device", "cpu"}
	wantMessage(t, args, trainWeather(context.Background(), args, io.Discard),
		"Dense(1000000000) (layer dense) needs about 1.4 TB for its weights, gradients and the optimizer's state (Adam keeps 2 more copies); this device can give about 4.3 GB")
	t.Cleanup(func() { nn.SetMemoryBudget(0) })
	args = []string{"--nodes1", "1000000000", "--device", "cpu", "--memory", "2GB"}
	wantMessage(t, args, trainWeather(context.Background(), args, io.Discard), "this device can give about 2.0 GB")
}

// Issue 13: `train cifar --data train_4000.bin` (a file) reported the
// training images' accuracy as the test accuracy; now the test file beside
// it is the test set.
func TestTrainCIFARDataFile(t *testing.T) {
	lessonDataHere(t, datasets.CIFARSubsetTrain)
	p, err := datasets.Find(datasets.CIFARSubsetTrain, "")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--data", p, "--n", "64", "--epochs", "1", "--device", "cpu", "--grid", filepath.Join(t.TempDir(), "g.png"), "--json", "--model", "small"}
	var out strings.Builder
	if err := trainCIFAR(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Samples struct{ Train, Test int }
	}
	if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
		t.Fatal(err)
	}
	if res.Samples.Train != 64 || res.Samples.Test != 1000 {
		t.Errorf("train %d, test %d images; want 64 and the 1000 of %s", res.Samples.Train, res.Samples.Test, datasets.CIFARSubsetTest)
	}
	// More images than are loaded is an error, not all of them.
	args = []string{"--data", p, "--n", "4001", "--test-n", "1001", "--device", "cpu"}
	wantMessage(t, args, trainCIFAR(context.Background(), args, io.Discard),
		"--n 4001: 4000 training images are loaded: use 1 to 4000, or 0 for all", "\n--test-n 1001: 1000 test images are loaded: use 1 to 1000, or 0 for all")
}
