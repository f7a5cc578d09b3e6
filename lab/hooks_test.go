package lab

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"nnlab/gpu"
)

// The hooks see the run as it goes: every step, each epoch's metrics in the
// lesson's order with the weights when asked, and the end of fit before the
// predictions.
func TestHooksSeeTheRun(t *testing.T) {
	var batches, fitDone int
	var epochs []Epoch
	var done FitReport
	h := Hooks{
		Batch:        func(epoch, step, steps int) { batches++ },
		Epoch:        func(e Epoch) { epochs = append(epochs, e) },
		EpochWeights: true,
		FitDone:      func(r FitReport) { fitDone++; done = r },
	}
	res, err := RunPenguins(context.Background(), PenguinsConfig{Seed: 2, Epochs: 3}, gpu.NewCPU(), nil, h)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 * 9; batches != want { // 273 penguins in batches of 32
		t.Errorf("%d batch hooks, want %d", batches, want)
	}
	if len(epochs) != 3 || fitDone != 1 || done.EpochsRun != 3 || done.Stopped {
		t.Fatalf("%d epochs, fit done %d times with %+v; want 3 epochs, once, 3 run, not stopped", len(epochs), fitDone, done)
	}
	for i, e := range epochs {
		if e.Epoch != i || len(e.Metrics) != 1 || e.Metrics[0].Name != "loss" || e.Metrics[0].Value != res.History["loss"][i] {
			t.Errorf("epoch %d: %+v; want epoch %d with the loss %v", i, e.Metrics, i, res.History["loss"][i])
		}
		var names []string
		for _, w := range e.Weights {
			names = append(names, w.Layer+"/"+w.Param)
		}
		if want := []string{"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"}; !slices.Equal(names, want) || len(e.Weights[0].Values) != 4*10 {
			t.Errorf("epoch %d weights %v, want %v with a 4×10 kernel", i, names, want)
		}
	}
}

// A run the Context stops says so in the result: Stopped, with the epochs
// it completed, and the predictions of the weights it has.
func TestStoppedRunSaysStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	h := Hooks{Batch: func(epoch, step, steps int) {
		if batches++; batches == 9*2+3 { // in the third epoch
			cancel()
		}
	}}
	res, err := RunPenguins(ctx, PenguinsConfig{Seed: 2, Epochs: 5}, gpu.NewCPU(), nil, h)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stopped || res.EarlyStopped || res.EpochsRun != 2 || len(res.TestPred) != 69 {
		t.Errorf("stopped %v, early stopped %v, %d epochs run, %d predictions; want true, false, 2, 69", res.Stopped, res.EarlyStopped, res.EpochsRun, len(res.TestPred))
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"device", "model", "params", "epochs_run", "train_seconds", "history", "metrics", "confusion"} {
		if _, ok := m[k]; !ok {
			t.Errorf("the JSON result lacks %q: %s", k, b)
		}
	}
	if m["stopped"] != true {
		t.Errorf("JSON stopped = %v, want true", m["stopped"])
	}
}
