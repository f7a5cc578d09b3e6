package nn

import (
	"math"
	"math/rand"
	"testing"

	"nnlab/gpu"
)

// Gradient checks: every layer, activation and loss, in float64 on the
// pure-Go device, against central finite differences of the batch loss.

type gradCase struct {
	name   string
	in     *InputLayer
	layers func() []Layer
	loss   Loss
	n      int
}

func gradCases() []gradCase {
	c3 := func(f, s int, pad string) *Conv2DLayer {
		l := Conv2D(f, [2]int{3, 3}, "relu")
		l.Strides, l.Padding = [2]int{s, s}, pad
		return l
	}
	return []gradCase{
		{"dense relu/tanh/sigmoid/linear, mse", Input(7), func() []Layer {
			return []Layer{Dense(6, "relu"), Dense(5, "tanh"), Dense(4, "sigmoid"), Dense(3, "")}
		}, MeanSquaredError, 5},
		{"dense, mae", Input(6), func() []Layer { return []Layer{Dense(5, "tanh"), Dense(2, "")} }, MeanAbsoluteError, 4},
		{"batchnorm first and in the middle", Input(6), func() []Layer {
			return []Layer{BatchNormalization(), Dense(5, "relu"), BatchNormalization(), Dense(1, "")}
		}, MeanSquaredError, 8},
		{"dropout", Input(6), func() []Layer { return []Layer{Dense(8, "relu"), Dropout(0.4), Dense(2, "")} }, MeanSquaredError, 5},
		{"dropout 0 after tanh (folded into its copy)", Input(6), func() []Layer { return []Layer{Dense(5, "tanh"), Dropout(0), Dense(2, "")} }, MeanSquaredError, 4},
		{"activation and flatten", Input(2, 3), func() []Layer {
			return []Layer{Dense(4, ""), Activation("tanh"), Flatten(), Dense(2, "")}
		}, MeanSquaredError, 3},
		{"flatten first and last (shares its input's buffer)", Input(3, 2, 2), func() []Layer {
			return []Layer{Flatten(), Dense(3, "tanh"), Flatten()}
		}, MeanSquaredError, 3},
		{"conv valid s1, same s2, pool, sparse CE logits", Input(7, 9, 2), func() []Layer {
			return []Layer{c3(3, 1, "valid"), c3(4, 2, "same"), MaxPooling2D([2]int{2, 2}), Flatten(), Dense(3, "")}
		}, SparseCategoricalCrossentropy(true), 3},
		{"conv same s1, overlapping pool 3/2, valid s2 on odd size", Input(11, 11, 3), func() []Layer {
			p := MaxPooling2D([2]int{3, 3})
			p.Strides = [2]int{2, 2}
			// 11x11 -> same 11x11 -> pool 3/2 5x5 -> valid s2 2x2
			return []Layer{c3(2, 1, "same"), p, c3(3, 2, "valid"), Dense(2, "sigmoid"), Flatten(), Dense(4, "")}
		}, SparseCategoricalCrossentropy(true), 2},
		{"pool same padding, dropout after conv", Input(5, 7, 2), func() []Layer {
			p := MaxPooling2D([2]int{2, 2})
			p.Padding = "same"
			return []Layer{c3(3, 1, "same"), p, Dropout(0.25), Flatten(), Dense(3, "")}
		}, SparseCategoricalCrossentropy(true), 2},
		{"softmax output, sparse CE on probabilities", Input(5), func() []Layer {
			return []Layer{Dense(6, "relu"), Dense(4, "softmax")}
		}, SparseCategoricalCrossentropy(false), 5},
		{"softmax output, categorical CE", Input(5), func() []Layer {
			return []Layer{Dense(6, "tanh"), Dense(4, "softmax")}
		}, CategoricalCrossentropy(false), 4},
		{"hidden softmax, mse", Input(5), func() []Layer {
			return []Layer{Dense(4, "softmax"), Dense(2, "")}
		}, MeanSquaredError, 3},
		{"categorical CE from logits", Input(5), func() []Layer { return []Layer{Dense(6, "tanh"), Dense(4, "")} },
			CategoricalCrossentropy(true), 4},
	}
}

// gradModel builds a float64 model with random weights and a random batch.
func gradModel(t *testing.T, c gradCase, r *rand.Rand) (*Model, *workspace, gpu.Buffer) {
	m, err := NewModel("g", c.in, c.layers()...)
	if err != nil {
		t.Fatal(err)
	}
	dev := gpu.NewCPUOf[float64]()
	m.Seed = 3
	if err := m.SetDevice(dev); err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(SGD(), c.loss); err != nil {
		t.Fatal(err)
	}
	w := gpu.Host[float64](m.w)
	for i := range w[:m.nTrain] {
		w[i] = r.NormFloat64() * 0.7
	}
	ws := m.workspace(c.n)
	x := gpu.Host[float64](ws.xb)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	out := m.OutputShape().Size()
	yb := m.dev.Alloc(c.n * out)
	y := gpu.Host[float64](yb)
	for i := 0; i < c.n; i++ {
		switch {
		case c.loss.sparse():
			y[i] = float64(r.Intn(out))
		case c.loss.classification():
			// soft targets summing to one exercise the general formula
			s := 0.0
			for j := 0; j < out; j++ {
				y[i*out+j] = r.Float64()
				s += y[i*out+j]
			}
			for j := 0; j < out; j++ {
				y[i*out+j] /= s
			}
		default:
			for j := 0; j < out; j++ {
				y[i*out+j] = r.NormFloat64()
			}
		}
	}
	return m, ws, yb
}

// batchLoss is the mean loss of the batch in training mode (same dropout
// masks every call: the step does not advance).
func batchLoss(m *Model, ws *workspace, yb gpu.Buffer, n int) float64 {
	r := m.newRun(ws, true)
	out := m.forward(r, ws, n)
	m.dev.Fill(m.acc, 0, gpu.AccSlots)
	m.dev.Loss(m.loss.Kind, nil, m.acc, 0, out, yb, nil, 0, n, m.OutputShape().Size(), 0)
	return gpu.Host[float64](m.acc)[gpu.AccLoss] / float64(n)
}

func TestGradients(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	worst := 0.0
	defer func() { t.Logf("largest difference, analytic against numeric: %.2g", worst) }()
	for _, c := range gradCases() {
		t.Run(c.name, func(t *testing.T) {
			m, ws, yb := gradModel(t, c, r)
			// analytic
			run := m.newRun(ws, true)
			out := m.forward(run, ws, c.n)
			// Garbage first: the backward pass must overwrite every gradient.
			m.dev.Fill(m.g, 12345, m.nTrain)
			m.dev.Loss(m.loss.Kind, ws.d0, m.acc, 0, out, yb, nil, 0, c.n, m.OutputShape().Size(), 1/float32(c.n))
			m.backward(run, ws, c.n)
			g := append([]float64(nil), gpu.Host[float64](m.g)...)
			w := gpu.Host[float64](m.w)
			const h = 1e-6
			checked := 0
			for _, p := range m.params {
				if !p.Trainable {
					continue
				}
				for k := 0; k < p.Size(); k++ {
					i := p.off + k
					old := w[i]
					w[i] = old + h
					fp := batchLoss(m, ws, yb, c.n)
					w[i] = old - h
					fm := batchLoss(m, ws, yb, c.n)
					w[i] = old
					num := (fp - fm) / (2 * h)
					d := math.Abs(num - g[i])
					worst = math.Max(worst, d/(1+math.Abs(num)))
					// Central differences with h = 1e-6 in float64 are good to
					// about 1e-10 (h² truncation, 1e-16/h rounding) away from
					// kinks; the largest difference seen, 2.6e-8, comes near a
					// relu or max-pool kink. 2e-7 + 2e-6·|num| keeps 8x above
					// that; a wrong derivative is off by 1e-3 or more.
					if d > 2e-7+2e-6*math.Abs(num) {
						t.Errorf("%s: d loss/d %s[%d] = %.9g analytic, %.9g numeric", c.name, p.Name, k, g[i], num)
					}
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("no parameters checked")
			}
		})
	}
}

func TestMaxPoolTiesGoToFirstMaximum(t *testing.T) {
	d := gpu.NewCPUOf[float64]()
	x, y, dy, dx := d.Alloc(16), d.Alloc(4), d.Alloc(4), d.Alloc(16)
	// 4x4 image, 1 channel, all equal in the first window, ties elsewhere too.
	copy(gpu.Host[float64](x), []float64{
		1, 1, 0, 2,
		1, 1, 2, 2,
		3, 0, 5, 4,
		0, 3, 4, 5,
	})
	copy(gpu.Host[float64](dy), []float64{10, 20, 30, 40})
	g := gpu.ConvGeom{N: 1, H: 4, W: 4, C: 1, KH: 2, KW: 2, SH: 2, SW: 2, OH: 2, OW: 2}
	d.MaxPool(y, x, g)
	d.MaxPoolGrad(dx, dy, x, g)
	wantY := []float64{1, 2, 3, 5}
	wantDX := []float64{
		10, 0, 0, 20,
		0, 0, 0, 0,
		30, 0, 40, 0,
		0, 0, 0, 0,
	}
	for i, v := range gpu.Host[float64](y) {
		if v != wantY[i] {
			t.Errorf("y[%d] = %g, want %g", i, v, wantY[i])
		}
	}
	for i, v := range gpu.Host[float64](dx) {
		if v != wantDX[i] {
			t.Errorf("dx[%d] = %g, want %g", i, v, wantDX[i])
		}
	}
}

func TestDropoutDeterministicWithSeed(t *testing.T) {
	d := gpu.NewCPU()
	x, y1, y2, y3 := d.Alloc(10000), d.Alloc(10000), d.Alloc(10000), d.Alloc(10000)
	d.Fill(x, 1, 10000)
	d.Dropout(y1, x, 10000, 0.2, 42)
	d.Dropout(y2, x, 10000, 0.2, 42)
	d.Dropout(y3, x, 10000, 0.2, 43)
	a, b, c := gpu.Host[float32](y1), gpu.Host[float32](y2), gpu.Host[float32](y3)
	zeros, same := 0, 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different masks at %d", i)
		}
		if a[i] == 0 {
			zeros++
		} else if math.Abs(float64(a[i])-1.25) > 1e-6 {
			t.Fatalf("kept value %g, want 1/(1-0.2) = 1.25", a[i])
		}
		if a[i] == c[i] {
			same++
		}
	}
	if zeros < 1800 || zeros > 2200 {
		t.Errorf("dropped %d of 10000 at rate 0.2", zeros)
	}
	if same > 7500 {
		t.Errorf("another seed gave nearly the same mask (%d of 10000 equal)", same)
	}
}

func TestDropoutOnlyInTraining(t *testing.T) {
	m, err := NewModel("d", Input(50), Dropout(0.5))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(Adam(), MeanSquaredError); err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 50)
	for i := range x {
		x[i] = float32(i + 1)
	}
	out, err := m.Predict(&Data{X: x, N: 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if out[i] != x[i] {
			t.Fatalf("inference changed x[%d]: %g -> %g", i, x[i], out[i])
		}
	}
}
