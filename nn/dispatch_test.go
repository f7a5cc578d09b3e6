package nn

import (
	"testing"

	"nnlab/gpu"
)

// The kernels a training step records on the WebGPU device, for the
// lessons' two networks: fewer dispatches are fewer passes over the data,
// and a fused operation that falls back to the core (gpu.Ops) shows here
// as two or three dispatches instead of one. The counts are of today's
// step; a change that lowers one lowers the number here.
func TestWebGPUDispatchesPerStep(t *testing.T) {
	wg := webgpu(t)
	w, ok := wg.(*gpu.WebGPU)
	if !ok {
		t.Skipf("%s has no dispatch counts", wg.Name())
	}
	conv := func() Layer { return Conv2D(32, [2]int{3, 3}, "relu") }
	for _, c := range []struct {
		name   string
		in     *InputLayer
		layers []Layer
		loss   Loss
		data   func(n int) *Data
		want   int64
	}{
		// The weather lesson: 89-100-50-1, MSE, Adam.
		{"weather", Input(89), []Layer{Dense(100, "relu"), Dense(50, "relu"), Dense(1, "")},
			MeanSquaredError, func(n int) *Data {
				return &Data{X: make([]float32, n*89), Y: make([]float32, n), N: n}
			}, 11},
		// The CIFAR lesson's dropout model, sparse crossentropy on logits, Adam.
		{"cifar dropout", Input(32, 32, 3), []Layer{conv(), MaxPooling2D([2]int{2, 2}), conv(), MaxPooling2D([2]int{2, 2}),
			conv(), Dropout(0.2), Flatten(), Dense(32, "relu"), Dense(10, "")},
			SparseCategoricalCrossentropy(true), func(n int) *Data {
				return &Data{XBytes: make([]uint8, n*32*32*3), Scale: 1 / 255.0, Y: make([]float32, n), N: n}
			}, 29},
	} {
		m, err := NewModel("m", c.in, c.layers...)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SetDevice(wg); err != nil {
			t.Fatal(err)
		}
		if err := m.Compile(Adam(), c.loss); err != nil {
			t.Fatal(err)
		}
		// One epoch of one step and one of three: the difference is two
		// steps, without what an epoch adds (its shuffle, its readback).
		fit := func(steps int) int64 {
			before := w.Stats().Dispatches
			if _, err := m.Fit(c.data(32*steps), FitConfig{Epochs: 1, BatchSize: 32}); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			return w.Stats().Dispatches - before
		}
		fit(1) // the workspace and the kernels, once
		one, three := fit(1), fit(3)
		if got := (three - one) / 2; got != c.want || (three-one)%2 != 0 {
			t.Errorf("%s: %d dispatches for one step, %d for three: want %d a step", c.name, one, three, c.want)
		} else {
			t.Logf("%s: %d dispatches a step (%d for an epoch of one step)", c.name, got, one)
		}
		m.Release()
	}
}
