package nn

import (
	"math"
	"os"
	"testing"

	"nnlab/gpu"
)

// webgpu opens the WebGPU device or skips (fails in CI, where
// NNLAB_REQUIRE_WEBGPU=1 and lavapipe is installed).
func webgpu(t *testing.T) gpu.Device {
	d, _, err := gpu.Open("webgpu")
	if err != nil {
		if os.Getenv("NNLAB_REQUIRE_WEBGPU") == "1" {
			t.Fatalf("WebGPU is required here: %v", err)
		}
		t.Skipf("\n\n*** SKIPPING the WebGPU fit: %v\n*** (install mesa-vulkan-drivers for lavapipe)\n", err)
	}
	t.Cleanup(d.Close)
	return d
}

// A full fit of a small model on both devices agrees in its loss curve.
func TestFitAgreesAcrossDevices(t *testing.T) {
	wg := webgpu(t)
	cases := []struct {
		name   string
		in     *InputLayer
		layers func() []Layer
		loss   Loss
		data   func() (*Data, *Data)
	}{
		{"mlp with batchnorm and dropout", Input(4), func() []Layer {
			return []Layer{BatchNormalization(), Dense(16, "relu"), Dropout(0.2), Dense(8, "tanh"), Dense(1, "")}
		}, MeanSquaredError, func() (*Data, *Data) { return weatherLikeData(150, 1), weatherLikeData(40, 2) }},
		{"cnn", Input(9, 9, 2), func() []Layer {
			c := Conv2D(4, [2]int{3, 3}, "relu")
			c.Padding = "same"
			return []Layer{c, MaxPooling2D([2]int{2, 2}), Conv2D(4, [2]int{3, 3}, "relu"), Dropout(0.1), Flatten(), Dense(3, "")}
		}, SparseCategoricalCrossentropy(true), func() (*Data, *Data) { return imageData(60, 3), imageData(20, 4) }},
	}
	for _, c := range cases {
		var curves [2][]float64
		for i, dev := range []gpu.Device{gpu.NewCPU(), wg} {
			m := adamModelOn(t, dev, c.in, c.layers(), c.loss)
			tr, va := c.data()
			h, err := m.Fit(tr, FitConfig{Epochs: 8, BatchSize: 16, Validation: va})
			if err != nil {
				t.Fatalf("%s on %s: %v", c.name, dev.Name(), err)
			}
			curves[i] = append(h.History["loss"], h.History["val_loss"]...)
			m.Release()
		}
		worst := 0.0
		for e := range curves[0] {
			a, b := curves[0][e], curves[1][e]
			worst = math.Max(worst, math.Abs(a-b)/(1+math.Abs(a)))
			// Both devices compute in float32 in different orders (tiled,
			// split-k products on the GPU): the curves agree to about 1e-7
			// relative on lavapipe (2e-7 the most seen over 8 epochs).
			// 1e-5 leaves room for other GPUs' fused multiply-adds and
			// their growth over the epochs; a semantic difference (a
			// padding pixel, a mask, an epsilon) is 1e-3 or more.
			if math.Abs(a-b) > 1e-5*(1+math.Abs(a)) {
				t.Errorf("%s: epoch value %d: CPU %.6f, WebGPU %.6f", c.name, e, a, b)
			}
		}
		t.Logf("%s: largest difference %.2g\nCPU %v\nWebGPU %v", c.name, worst, curves[0], curves[1])
	}
}

func imageData(n int, seed uint64) *Data {
	r := newRNG(seed)
	d := &Data{XBytes: make([]uint8, n*9*9*2), Scale: 1 / 255.0, Y: make([]float32, n), N: n}
	for i := 0; i < n; i++ {
		cls := r.intn(3)
		d.Y[i] = float32(cls)
		for j := 0; j < 9*9*2; j++ {
			v := r.float64() * 120
			if (j/2)%3 == cls {
				v += 100
			}
			d.XBytes[i*162+j] = uint8(v)
		}
	}
	return d
}

// adamModelOn builds layers on in, seeded 5, on dev, compiled with Adam and
// loss: the same model on each device a test compares.
func adamModelOn(t *testing.T, dev gpu.Device, in *InputLayer, layers []Layer, loss Loss) *Model {
	t.Helper()
	m, err := NewModel("m", in, layers...)
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = 5
	if err := m.SetDevice(dev); err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(Adam(), loss); err != nil {
		t.Fatal(err)
	}
	return m
}
