package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/lab"
	"nnlab/modelfile"
	"nnlab/nn"
)

// The numbers a learner checks in explore: the shape, the head with row 3
// missing, the species counts, 342 rows after dropna.
func TestExplorePenguins(t *testing.T) {
	t.Setenv(datasets.EnvOffline, "1")
	var out bytes.Buffer
	if err := explore("penguins", nil, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"penguins.shape: (344, 8)",
		"   species     island  bill_length_mm  bill_depth_mm  flipper_length_mm  body_mass_g     sex  year\n",
		"0   Adelie  Torgersen            39.1           18.7              181.0       3750.0    male  2007\n",
		"3   Adelie  Torgersen             NaN            NaN                NaN          NaN     NaN  2007\n",
		"Rows without measurements (NaN): 3, 271",
		"Species (value_counts): Adelie 152 Gentoo 124 Chinstrap 68",
		"dropna(): 342 rows (2 dropped)",
		"columns Adelie, Chinstrap, Gentoo",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("explore penguins does not print %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := explore("penguins", []string{"--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Rows    int `json:"rows"`
		Dropna  int `json:"rows_dropna"`
		Species map[string]int
		Head    []map[string]string
	}
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if j.Rows != 344 || j.Dropna != 342 || j.Species["Chinstrap"] != 68 || len(j.Head) != 5 || j.Head[3]["body_mass_g"] != "NaN" {
		t.Errorf("explore --json: %+v", j)
	}
}

// train penguins --json: 344/342, 273/69, 83 parameters, 100 epochs, and a
// test confusion matrix whose row sums are the test penguins of each
// species; the accuracy is tested as a band (it varies with the seed).
func TestTrainPenguinsJSON(t *testing.T) {
	t.Setenv(datasets.EnvOffline, "1")
	var out bytes.Buffer
	args := []string{"--json", "--device", "cpu"}
	if err := trainPenguins(context.Background(), args, &out); err != nil {
		t.Fatal(err)
	}
	var r lab.PenguinsResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if r.Rows != 344 || r.RowsDropNA != 342 || r.Samples.Train != 273 || r.Samples.Test != 69 || r.Params != 83 || r.EpochsRun != 100 {
		t.Errorf("rows %d/%d samples %+v params %d epochs %d", r.Rows, r.RowsDropNA, r.Samples, r.Params, r.EpochsRun)
	}
	if !slices.Equal(r.Classes, []string{"Adelie", "Chinstrap", "Gentoo"}) || !slices.Equal(r.TestCounts, []int{30, 14, 25}) {
		t.Errorf("classes %v test counts %v", r.Classes, r.TestCounts)
	}
	for i, row := range r.Confusion {
		n := 0
		for _, v := range row {
			n += v
		}
		if n != r.TestCounts[i] {
			t.Errorf("confusion row %d sums to %d, want %d", i, n, r.TestCounts[i])
		}
	}
	if a := r.Metrics["test_accuracy"]; a < 0.45 || a > 1 || len(r.History["loss"]) != 100 {
		t.Errorf("test accuracy %.3f (band [0.45, 1]), %d losses", a, len(r.History["loss"]))
	}

	// The text report: the loss each epoch, the accuracy, the matrix.
	out.Reset()
	if err := trainPenguins(context.Background(), []string{"--device", "cpu", "--epochs", "3"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Total params: 83", "Epoch 3/3", "loss: ", "train 273, test 69 (30 Adelie, 14 Chinstrap, 25 Gentoo)", "Test accuracy: ", "true\\pred    Adelie  Chinstrap  Gentoo\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("train penguins does not print %q:\n%s", want, out.String())
		}
	}
}

// Out-of-range flags are refused before any data is read, naming the flag.
func TestTrainPenguinsFlags(t *testing.T) {
	t.Cleanup(func() { nn.SetMemoryBudget(0) })
	for args, want := range map[string]string{
		"--epochs 0":          "--epochs 0: the number of epochs must be a whole number from 1 up",
		"--batch -1":          "--batch -1: the batch size",
		"--hidden 0":          "--hidden 0: the units of the hidden layer",
		"--test-size 1":       "--test-size 1: test_size must be a number between 0 and 1",
		"--test-size NaN":     "--test-size NaN",
		"--split-seed -1":     "--split-seed -1: random_state must be a whole number from 0 to 4294967295",
		"--optimizer nadam":   `--optimizer "nadam": use adam, sgd, rmsprop`,
		"--lr 0":              "--lr 0: the learning rate",
		"--data /nonexisting": "/nonexisting",
	} {
		err := trainPenguins(context.Background(), strings.Fields(args), &bytes.Buffer{})
		wantMessage(t, strings.Fields(args), err, want)
	}
	err := explore("penguins", []string{"--head", "-1"}, &bytes.Buffer{})
	wantMessage(t, []string{"--head", "-1"}, err, "--head -1")
}

// TestPenguinsSaveEvaluate is issues 15 and 16's bar for the penguins:
// `train penguins --epochs 20 --save m.keras && evaluate --model m.keras`
// gives the training run's test metrics exactly (also for a TF.js folder
// and another split), the file is the lesson's Keras model (a softmax
// last Dense, CategoricalCrossentropy not from logits, the features and
// species in order), and predict gives the three species' probabilities.
func TestPenguinsSaveEvaluate(t *testing.T) {
	t.Setenv(datasets.EnvOffline, "1")
	dir := t.TempDir()
	for _, tc := range []struct {
		save  string
		extra []string
	}{
		{filepath.Join(dir, "m.keras"), nil},
		{filepath.Join(dir, "tfjs"), []string{"--split-seed", "7", "--test-size", "0.3", "--hidden", "6"}},
	} {
		var train bytes.Buffer
		args := append([]string{"--epochs", "20", "--device", "cpu", "--json", "--save", tc.save}, tc.extra...)
		if err := trainPenguins(context.Background(), args, &train); err != nil {
			t.Fatal(err)
		}
		var tr struct {
			Metrics map[string]float64
			Samples lab.Samples
		}
		if err := json.Unmarshal(train.Bytes(), &tr); err != nil {
			t.Fatalf("train --json: %v\n%s", err, train.String())
		}
		s, err := readModel(tc.save)
		if err != nil {
			t.Fatal(err)
		}
		if a := s.OutputActivation(); a != "softmax" {
			t.Errorf("%s: the last layer's activation is %q, the lesson's model ends in softmax", tc.save, a)
		}
		if s.Compile == nil || s.Compile.Loss.Kind != gpu.CategoricalCE {
			t.Errorf("%s: compile %+v, want CategoricalCrossentropy() (not from logits)", tc.save, s.Compile)
		}
		if l := s.Lesson; l == nil || l.Name != "penguins" || !slices.Equal(l.Features, datasets.PenguinsMeasurements) || !slices.Equal(l.Classes, []string{"Adelie", "Chinstrap", "Gentoo"}) {
			t.Errorf("%s: lesson %+v", tc.save, s.Lesson)
		}
		var eval bytes.Buffer
		if err := evaluateCmd(context.Background(), []string{"--model", tc.save, "--device", "cpu", "--json"}, &eval); err != nil {
			t.Fatal(err)
		}
		var ev evaluation
		if err := json.Unmarshal(eval.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"test_accuracy", "test_loss"} {
			if ev.Metrics[k] != tr.Metrics[k] || tr.Metrics[k] == 0 {
				t.Errorf("%s: evaluate's %s is %v, training printed %v", tc.save, k, ev.Metrics[k], tr.Metrics[k])
			}
		}
		if ev.Lesson != "penguins" || ev.Samples != tr.Samples.Test || len(ev.Confusion) != 3 {
			t.Errorf("%s: evaluation %+v, training's test penguins %d", tc.save, ev, tr.Samples.Test)
		}
		var text bytes.Buffer
		if err := evaluateCmd(context.Background(), []string{"--model", tc.save, "--device", "cpu"}, &text); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("Test accuracy: %.3f (test loss %.4f)", tr.Metrics["test_accuracy"], tr.Metrics["test_loss"]); !strings.Contains(text.String(), want) || !strings.Contains(text.String(), "true\\pred") {
			t.Errorf("evaluate printed %q, want %q as training printed, and the confusion matrix", text.String(), want)
		}
	}
	var eval bytes.Buffer
	if err := evaluateCmd(context.Background(), []string{"--model", filepath.Join(dir, "m.keras"), "--device", "cpu", "--json"}, &eval); err != nil {
		t.Fatal(err)
	}
	var ev evaluation
	if err := json.Unmarshal(eval.Bytes(), &ev); err != nil || ev.Samples != 69 {
		t.Errorf("the lesson's split tests 69 penguins, evaluate tested %d (%v)", ev.Samples, err)
	}
}

// TestPenguinsPredict: predict on a saved penguins model takes the four
// measurements a row and prints the three species' probabilities under
// their names, the probabilities training scored the test penguins with.
func TestPenguinsPredict(t *testing.T) {
	t.Setenv(datasets.EnvOffline, "1")
	dir := t.TempDir()
	m := filepath.Join(dir, "m.keras")
	if err := trainPenguins(context.Background(), []string{"--epochs", "20", "--device", "cpu", "--json", "--save", m}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	data, err := lab.LoadPenguinsData(lab.PenguinsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	x := data.Split.XTest
	csv := strings.Join(x.Names, ",") + "\n"
	for i := range 3 {
		var vals []string
		for _, v := range x.Row(i) {
			vals = append(vals, fmt.Sprint(v))
		}
		csv += strings.Join(vals, ",") + "\n"
	}
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte(csv), 0o644)
	var out bytes.Buffer
	if err := predictCmd([]string{"--model", m, "--csv", in, "--device", "cpu"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || lines[0] != "Adelie,Chinstrap,Gentoo" {
		t.Fatalf("predict printed %q", out.String())
	}
	// The training run's scoring: the logits model's softmax.
	s, err := readModel(m)
	if err != nil {
		t.Fatal(err)
	}
	s, logits, err := s.ForLogits()
	if err != nil || !logits {
		t.Fatalf("ForLogits: %v, %v", logits, err)
	}
	lm, err := s.Build(gpu.NewCPU())
	if err != nil {
		t.Fatal(err)
	}
	defer lm.Release()
	sc, err := lab.ScorePenguins(lm, true, data)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range lines[1:] {
		var sum float64
		for j, f := range strings.Split(line, ",") {
			p, err := strconv.ParseFloat(f, 64)
			if err != nil || p < 0 || p > 1 {
				t.Fatalf("row %d: %q is not a probability", i+1, f)
			}
			if d := math.Abs(p - float64(sc.Probs[i*3+j])); d > 1e-6 {
				t.Errorf("row %d, %s: predict says %v, training's softmax %v", i+1, datasets.PenguinsMeasurements[0], p, sc.Probs[i*3+j])
			}
			sum += p
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("row %d sums to %v", i+1, sum)
		}
	}
}

// A penguins model file without nnlab's metadata (as Keras writes it) is
// taken as the penguins lesson's from its 4 inputs and 3 outputs, tested
// on the lesson's split, with a note saying so.
func TestEvaluatePenguinsKerasFile(t *testing.T) {
	t.Setenv(datasets.EnvOffline, "1")
	dir := t.TempDir()
	m := filepath.Join(dir, "m.keras")
	var train bytes.Buffer
	if err := trainPenguins(context.Background(), []string{"--epochs", "5", "--device", "cpu", "--json", "--save", m}, &train); err != nil {
		t.Fatal(err)
	}
	var tr struct{ Metrics map[string]float64 }
	json.Unmarshal(train.Bytes(), &tr)
	s, err := readModel(m)
	if err != nil {
		t.Fatal(err)
	}
	s.Lesson = nil
	b, err := modelfile.WriteKeras(s)
	if err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.keras")
	os.WriteFile(plain, b, 0o644)
	var eval bytes.Buffer
	if err := evaluateCmd(context.Background(), []string{"--model", plain, "--device", "cpu", "--json"}, &eval); err != nil {
		t.Fatal(err)
	}
	var ev evaluation
	if err := json.Unmarshal(eval.Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Lesson != "penguins" || ev.Samples != 69 || ev.Metrics["test_loss"] != tr.Metrics["test_loss"] || len(ev.Notes) != 1 {
		t.Errorf("evaluation of a file without nnlab's metadata: %+v; training's metrics %v", ev, tr.Metrics)
	}
}
