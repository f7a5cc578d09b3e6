package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSaveEvaluate is issue 15's bar: `nnlab train weather --epochs 5
// --save m.keras && nnlab evaluate --model m.keras` gives the test metrics
// the training run printed; the same for a TF.js folder, and predict
// gives the model's outputs for rows of features.
func TestSaveEvaluate(t *testing.T) {
	lessonDataHere(t)
	dir := t.TempDir()
	for _, save := range []string{filepath.Join(dir, "m.keras"), filepath.Join(dir, "tfjs")} {
		var train bytes.Buffer
		if err := trainWeather(context.Background(), []string{"--epochs", "5", "--batchnorm", "--device", "cpu", "--json", "--save", save}, &train); err != nil {
			t.Fatal(err)
		}
		var tr struct{ Metrics map[string]float64 }
		if err := json.Unmarshal(train.Bytes(), &tr); err != nil {
			t.Fatalf("train --json: %v\n%s", err, train.String())
		}
		var eval bytes.Buffer
		if err := evaluateCmd(context.Background(), []string{"--model", save, "--device", "cpu", "--json"}, &eval); err != nil {
			t.Fatal(err)
		}
		var ev evaluation
		if err := json.Unmarshal(eval.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"test_rmse", "test_loss"} {
			if ev.Metrics[k] != tr.Metrics[k] || tr.Metrics[k] == 0 {
				t.Errorf("%s: evaluate's %s is %v, training printed %v", save, k, ev.Metrics[k], tr.Metrics[k])
			}
		}
		if ev.Lesson != "weather" || ev.Samples != 165 || ev.Model != "model_batchnorm" {
			t.Errorf("%s: evaluation %+v", save, ev)
		}
		// The text report prints what training printed, to its digits.
		var text bytes.Buffer
		if err := evaluateCmd(context.Background(), []string{"--model", save, "--device", "cpu"}, &text); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("Test RMSE: %.2f", tr.Metrics["test_rmse"]); !strings.Contains(text.String(), want) {
			t.Errorf("evaluate printed %q, want %q as training printed", text.String(), want)
		}
	}
}

// TestPredict: predict reads rows of features (with or without the header
// of the lesson's CSV) and prints one row of outputs each; wrong rows are
// errors naming the line and what is wrong.
func TestPredict(t *testing.T) {
	lessonDataHere(t)
	dir := t.TempDir()
	m := filepath.Join(dir, "m.keras")
	if err := trainWeather(context.Background(), []string{"--epochs", "1", "--device", "cpu", "--json", "--save", m}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	row := strings.TrimSuffix(strings.Repeat("1.5,", 89), ",")
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte(row+"\n"+row+"\n"), 0o644)
	var out bytes.Buffer
	if err := predictCmd([]string{"--model", m, "--csv", in, "--device", "cpu"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[0] != "BASEL_sunshine" || lines[1] != lines[2] {
		t.Fatalf("predict printed %q", out.String())
	}
	for name, c := range map[string]struct{ csv, want string }{
		"short row":  {row + "\n1,2,3\n", "line 2 has 3 values, the model takes 89 a sample"},
		"not number": {row + "\n" + strings.Replace(row, "1.5", "sunny", 1) + "\n", `line 2, column 1: "sunny" is not a number`},
		"NaN":        {strings.Replace(row, "1.5", "NaN", 1) + "\n", `line 1, column 1: "NaN" is not a number`},
		"empty":      {"\n", "has no rows"},
		"header":     {strings.Repeat("x,", 88) + "x\n" + row + "\n", "the header names other columns than the model's features"},
	} {
		os.WriteFile(in, []byte(c.csv), 0o644)
		err := predictCmd([]string{"--model", m, "--csv", in, "--device", "cpu"}, &bytes.Buffer{})
		wantMessage(t, []string{name}, err, c.want)
	}
	os.WriteFile(in, []byte(row+"\n"), 0o644) // the cases above leave it as the last one wrote it
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--csv", in}, "--model PATH is missing"},
		{[]string{"--model", in, "--csv", in}, "not a .keras file"},
		{[]string{"--model", filepath.Join(dir, "none.keras"), "--csv", in}, "no such file"},
	} {
		err := predictCmd(c.args, &bytes.Buffer{})
		wantMessage(t, c.args, err, c.want)
	}
}

// TestSaveFlag: a --save path that cannot be written is refused before
// training.
func TestSaveFlag(t *testing.T) {
	dir := t.TempDir()
	for path, want := range map[string]string{
		filepath.Join(dir, "m.h5"):                  "Keras 3 saves whole models as .keras files",
		filepath.Join(dir, "no", "such", "m.keras"): "does not exist",
		filepath.Join(dir, "model.json"):            "give the folder to write model.json into",
	} {
		err := trainWeather(context.Background(), []string{"--save", path}, &bytes.Buffer{})
		wantMessage(t, []string{"--save", path}, err, want)
	}
}
