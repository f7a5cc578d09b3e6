package nn

import (
	"math"
	"testing"

	"nnlab/gpu"
)

// coreOnly exposes a device's core alone: gpu.Ops finds none of its fused
// extensions and builds every one from the core.
type coreOnly struct{ gpu.Device }

// Training on a device that implements only the core (every fused
// operation through gpu.Ops's fallbacks) gives the pure-Go device's
// weights: a new device needs no more than the core.
func TestFitOnCoreOnlyDevice(t *testing.T) {
	cases := []struct {
		name   string
		in     *InputLayer
		layers func() []Layer
		loss   Loss
		data   func() *Data
	}{
		{"mlp with batchnorm and dropout", Input(4), func() []Layer {
			return []Layer{BatchNormalization(), Dense(16, "relu"), Dropout(0.2), Dense(8, "tanh"), Dense(1, "")}
		}, MeanSquaredError, func() *Data { return weatherLikeData(150, 1) }},
		{"cnn", Input(9, 9, 2), func() []Layer {
			c := Conv2D(4, [2]int{3, 3}, "relu")
			c.Padding = "same"
			return []Layer{c, MaxPooling2D([2]int{2, 2}), Conv2D(4, [2]int{3, 3}, "sigmoid"), Dropout(0.1), Flatten(), Dense(3, "")}
		}, SparseCategoricalCrossentropy(true), func() *Data { return imageData(60, 3) }},
	}
	for _, c := range cases {
		var weights [2][][][]float32
		for i, dev := range []gpu.Device{gpu.NewCPU(), coreOnly{gpu.NewCPU()}} {
			m := adamModelOn(t, dev, c.in, c.layers(), c.loss)
			if i == 1 && len(m.ops.Fused()) != 0 {
				t.Fatalf("the core-only device offers %v", m.ops.Fused())
			}
			if _, err := m.Fit(c.data(), FitConfig{Epochs: 4, BatchSize: 16}); err != nil {
				t.Fatalf("%s on %T: %v", c.name, dev, err)
			}
			var err error
			if weights[i], err = m.Weights(); err != nil {
				t.Fatal(err)
			}
			m.Release()
		}
		worst := 0.0
		for l := range weights[0] {
			for p := range weights[0][l] {
				for k, a := range weights[0][l][p] {
					b := weights[1][l][p][k]
					d := math.Abs(float64(a-b)) / (1 + math.Abs(float64(a)))
					worst = math.Max(worst, d)
					// The fallbacks sum a bias gradient as a product
					// with a row of ones (another order than the CPU
					// device's loop): float32 rounding, grown over 40
					// Adam steps, about 1e-7; a wrong fallback (a lost
					// bias, activation or mask) is 1e-2 or more.
					if d > 1e-5 {
						t.Errorf("%s: layer %d param %d [%d]: CPU %v, core only %v", c.name, l, p, k, a, b)
					}
				}
			}
		}
		t.Logf("%s: largest difference %.2g", c.name, worst)
	}
}
