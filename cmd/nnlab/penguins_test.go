package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"nnlab/datasets"
	"nnlab/lab"
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
