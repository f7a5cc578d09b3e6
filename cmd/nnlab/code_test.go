package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nnlab/nn"
)

// `nnlab code` runs each of the lesson's code cells (keras/testdata/lesson)
// as the page does: the model the code builds, named as in the code, with
// Keras's parameter counts, trained (one epoch here) when the code fits it.
func TestCodeRunsLessonFiles(t *testing.T) {
	lessonDataHere(t)
	want := map[string]struct {
		model  string
		params int
		epochs int // 0: the code does not fit
	}{
		"cifar_dropout.py":               {"cifar_model", 36138, 1},
		"cifar_pool.py":                  {"cifar_model_small", 47370, 0},
		"cifar_small.py":                 {"cifar_model_small", 261034, 0},
		"weather_batchnorm.py":           {"model_batchnorm", 14457, 1},
		"weather_compile_fit.py":         {"weather_prediction_model", 14101, 1},
		"weather_create_nn.py":           {"weather_prediction_model", 14101, 0},
		"weather_small_earlystopping.py": {"model_small", 961, 1},
		"weather_tensorboard.py":         {"weather_prediction_model", 14101, 1},
		"weather_validation.py":          {"weather_prediction_model", 14101, 1},
	}
	files, err := filepath.Glob("../../keras/testdata/lesson/*.py")
	if err != nil || len(files) != len(want) {
		t.Fatalf("%d lesson files (%v), want %d", len(files), err, len(want))
	}
	for _, f := range files {
		w, ok := want[filepath.Base(f)]
		if !ok {
			t.Errorf("%s: a new lesson file; add what it builds here", f)
			continue
		}
		var out strings.Builder
		args := []string{f, "--device", "cpu", "--epochs", "1", "--n", "64", "--test-n", "32", "--json"}
		if err := code(context.Background(), args, &out); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		var res struct {
			Model     string `json:"model"`
			Params    int    `json:"params"`
			EpochsRun int    `json:"epochs_run"`
		}
		if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
			t.Errorf("%s: %v in %q", f, err, out.String())
			continue
		}
		if res.Model != w.model || res.Params != w.params || res.EpochsRun != w.epochs {
			t.Errorf("%s: model %q, %d params, %d epochs; want %q, %d, %d", f, res.Model, res.Params, res.EpochsRun, w.model, w.params, w.epochs)
		}
	}
}

// The text report: the notes on lines not run (file:line), the summary,
// Keras's epoch lines and the lesson's metrics, as `nnlab train` prints them.
func TestCodeTextReport(t *testing.T) {
	lessonDataHere(t)
	var out strings.Builder
	f := "../../keras/testdata/lesson/weather_tensorboard.py"
	if err := code(context.Background(), []string{"--device", "cpu", "--epochs", "2", f}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Not run here, and what the lab does instead (weather lesson):\n  " + f + ":15: ", "\n  " + f + ":16: TensorBoard",
		`Model: "weather_prediction_model"`, "Total params: 14,101", "Epoch 2/2\n24/24 - ", "val_root_mean_squared_error",
		"Epochs run: 2", "Test RMSE: ", "baseline RMSE: 3.88",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

// Errors name the file and the code's line and column; sizes the memory
// budget refuses (issue 13) are errors, not a dead process.
func TestCodeErrors(t *testing.T) {
	lessonDataHere(t)
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	huge := write("huge.py", "model = keras.Sequential([keras.Input(shape=(89,)), keras.layers.Dense(3000000000), keras.layers.Dense(1)])\n")
	bad := write("bad.py", "x = (\n")
	// Images in the weather lesson: the model builds on the code's input,
	// not on the lesson's 89 features; the error is at the Conv2D's line.
	images := write("images.py", "inputs = keras.Input(shape=(32, 32, 3))\nx = keras.layers.Conv2D(4, (3, 3))(inputs)\nx = keras.layers.Flatten()(x)\noutputs = keras.layers.Dense(1)(x)\nmodel = keras.Model(inputs, outputs)\n")
	// Fits the budget on the code's one input, not on the lesson's 89.
	wide := write("wide.py", "inputs = keras.Input(shape=(1,))\nx = keras.layers.Dense(10000000)(inputs)\noutputs = keras.layers.Dense(1)(x)\nmodel = keras.Model(inputs, outputs)\n")
	t.Cleanup(func() { nn.SetMemoryBudget(0) })
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{huge}, huge + ":1:53: nn: Dense(3000000000) (layer dense) needs about 4.3 TB for its weights, gradients and the optimizer's state"},
		{[]string{bad}, bad + ":2:1: "},
		{[]string{"--memory", "1GB", wide}, wide + ":2:5: on the lesson's data: nn: Dense(10000000) (layer dense) needs about 14 GB for its weights"},
		{[]string{"--lesson", "weather", images}, images + ":2:5: on the lesson's data: nn: layer 1 (conv2d) does not fit its input (None, 89)"},
	} {
		err := code(context.Background(), c.args, io.Discard)
		wantMessage(t, c.args, err, c.want)
	}
}

// Files and flags are checked before any data is read.
func TestCodeFileAndFlagErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.py")
	bad := filepath.Join(dir, "bad.py")
	os.WriteFile(big, []byte(strings.Repeat("#", maxCodeBytes+1)), 0o644)
	os.WriteFile(bad, []byte("x = (\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{big}, big + " has 1048577 bytes; lesson code is at most 1048576 (1 MiB)"},
		{[]string{dir}, dir + " is a folder, but a file of lesson code (e.g. lesson.py) was expected"},
		{[]string{filepath.Join(dir, "none.py")}, "none.py: no such file"},
		{[]string{}, "give one file of lesson code, e.g. nnlab code lesson.py (got 0)"},
		{[]string{bad, bad}, "(got 2)"},
		{[]string{"--lesson", "mnist", bad}, `--lesson "mnist": use auto, weather, cifar`},
		{[]string{"--epochs", "0", bad}, "--epochs 0: the number of epochs must be a whole number from 1 up"},
		{[]string{bad, "--n", "-1"}, "--n -1: the number of training images (0: all) must be a whole number from 0 up"},
		{[]string{"--years", "NaN", bad}, "--years NaN: years must be a number from 0.1 up"},
	} {
		err := code(context.Background(), c.args, io.Discard)
		wantMessage(t, c.args, err, c.want)
	}
}
