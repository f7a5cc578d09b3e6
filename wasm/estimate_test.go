package main

import (
	"context"
	"testing"
	"time"

	"nnlab/gpu"
	"nnlab/keras"
	"nnlab/nn"
)

// A step measured on the pure-Go device is positive and plausible, and a
// bigger batch of a bigger model takes longer than a small one's.
func TestMeasureStep(t *testing.T) {
	dev := gpu.NewCPU()
	defer dev.Close()
	n := 256
	d := &nn.Data{X: make([]float32, n*89), Y: make([]float32, n), N: n}
	for i := range d.X {
		d.X[i] = float32(i%17) / 17
	}
	step := func(text string, batch int) time.Duration {
		m, err := keras.BuildModel(text, "m", &nn.InputLayer{Shape: nn.Shape{89}})
		if err != nil {
			t.Fatal(err)
		}
		s, err := measureStep(context.Background(), m, dev, nn.MeanSquaredError, d, batch)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	small := step("Dense(4)\nDense(1)", 8)
	big := step("Dense(512, activation=\"relu\")\nDense(512, activation=\"relu\")\nDense(1)", 64)
	t.Logf("a step: %v (89-4-1, batch 8), %v (89-512-512-1, batch 64)", small, big)
	if small <= 0 || big <= small {
		t.Errorf("steps %v and %v: the bigger model and batch should take longer", small, big)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, _ := keras.BuildModel("Dense(1)", "m", &nn.InputLayer{Shape: nn.Shape{89}})
	if _, err := measureStep(ctx, m, dev, nn.MeanSquaredError, d, 8); err == nil {
		t.Errorf("a cancelled measurement returned no error")
	}
}

func TestFitTime(t *testing.T) {
	// 767 samples, batch 32: 24 steps; 164 validation samples: 6 forward
	// batches, 2 steps' worth; 200 epochs of 26 steps of 10 ms.
	if got := fitTime(10*time.Millisecond, 767, 164, 32, 200); got != 52*time.Second {
		t.Errorf("fitTime = %v, want 52s", got)
	}
	for d, want := range map[time.Duration]string{300 * time.Millisecond: "under a second", 40 * time.Second: "about 40 s",
		170 * time.Second: "about 3 min", 80 * time.Minute: "about 1 h 20 min"} {
		if got := durationText(d); got != want {
			t.Errorf("durationText(%v) = %q, want %q", d, got, want)
		}
	}
}
