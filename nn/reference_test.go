package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"nnlab/gpu"
)

// The pure-Go device against PyTorch: testdata/reference.json holds forward
// outputs, losses, gradients and optimizer steps that
// testdata/gen_fixtures.py computed with PyTorch in float64 (and Keras's
// formulas in numpy where Keras differs from PyTorch: "same" padding,
// BatchNormalization's moving statistics, Adam's and RMSprop's epsilon). The
// gradient checks compare backward with forward; these compare forward too
// with a framework outside nnlab.

type refFile struct {
	Cases []refCase
}

type refCase struct {
	Name      string
	Input     []int
	Layers    []refLayer
	Loss      string
	Optimizer refOpt
	Weights   [][][]float64 // per layer, per parameter (Keras's order and layout)
	Steps     []refStep
	Infer     *refInfer
}

type refLayer struct {
	Type              string
	Units, Filters    int
	Activation        string
	UseBias           bool `json:"use_bias"`
	Kernel, Strides   []int
	Pool              []int
	Padding           string
	Momentum, Epsilon float64
}

type refOpt struct {
	Name         string
	LR           float64
	Beta1        float64 `json:"beta_1"`
	Beta2        float64 `json:"beta_2"`
	Rho, Epsilon float64
	Momentum     float64
	Nesterov     bool
}

// refStep is one training step: the batch, each layer's output, the mean
// loss (and correct predictions for classification), the gradients of the
// trainable parameters and every parameter after the update.
type refStep struct {
	X, Y    []float64
	N       int
	Acts    [][]float64
	Loss    float64
	Correct *int
	Grads   [][][]float64
	After   [][][]float64
}

type refInfer struct {
	X   []float64
	N   int
	Out []float64
}

// refTol is the tolerance, |got - want| <= refTol*(1 + |want|). Both sides
// compute in float64 (PyTorch in float64, nnlab's device in float64) from
// the same float32 inputs and weights, with hyper-parameters rounded to
// float32 on both sides; they differ in summation order only, about 1e-15
// relative, and the fixtures are written with 12 significant digits. The
// largest difference seen is logged (3.8e-12 here); 1e-10 leaves room for
// the 12-digit rounding, while any semantic difference (a padding pixel, an
// epsilon, a momentum) shows at 1e-4 or more.
const refTol = 1e-10

func loadReference(t *testing.T) []refCase {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 nn/testdata/gen_fixtures.py)", err)
	}
	var f refFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("testdata/reference.json: %v", err)
	}
	if len(f.Cases) < 30 {
		t.Fatalf("testdata/reference.json has %d cases, want the full set", len(f.Cases))
	}
	return f.Cases
}

// f32s rounds the fixture's inputs to float32: they were float32 values
// written in their shortest decimal form.
func f32s(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(float32(x))
	}
	return out
}

func (c refCase) model(t *testing.T) *Model {
	t.Helper()
	var layers []Layer
	for _, l := range c.Layers {
		switch l.Type {
		case "Dense":
			d := Dense(l.Units, l.Activation)
			d.UseBias = l.UseBias
			layers = append(layers, d)
		case "Conv2D":
			cv := Conv2D(l.Filters, [2]int{l.Kernel[0], l.Kernel[1]}, l.Activation)
			cv.Strides, cv.Padding, cv.UseBias = [2]int{l.Strides[0], l.Strides[1]}, l.Padding, l.UseBias
			layers = append(layers, cv)
		case "MaxPooling2D":
			p := MaxPooling2D([2]int{l.Pool[0], l.Pool[1]})
			p.Strides, p.Padding = [2]int{l.Strides[0], l.Strides[1]}, l.Padding
			layers = append(layers, p)
		case "Flatten":
			layers = append(layers, Flatten())
		case "Activation":
			layers = append(layers, Activation(l.Activation))
		case "BatchNormalization":
			bn := BatchNormalization()
			// The fixture uses Keras's defaults; nnlab's must be the same.
			if float32(bn.Momentum) != float32(l.Momentum) || float32(bn.Epsilon) != float32(l.Epsilon) {
				t.Errorf("BatchNormalization() has momentum %g, epsilon %g; Keras's are %g, %g", bn.Momentum, bn.Epsilon, l.Momentum, l.Epsilon)
			}
			layers = append(layers, bn)
		default:
			t.Fatalf("unknown layer type %q in the fixture", l.Type)
		}
	}
	m, err := NewModel("ref", Input(c.Input...), layers...)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetDevice(gpu.NewCPUOf[float64]()); err != nil {
		t.Fatal(err)
	}
	var loss Loss
	switch c.Loss {
	case "mse":
		loss = MeanSquaredError
	case "mae":
		loss = MeanAbsoluteError
	case "sparse_cce":
		loss = SparseCategoricalCrossentropy(false)
	case "sparse_cce_logits":
		loss = SparseCategoricalCrossentropy(true)
	case "cce":
		loss = CategoricalCrossentropy(false)
	case "cce_logits":
		loss = CategoricalCrossentropy(true)
	default:
		t.Fatalf("unknown loss %q", c.Loss)
	}
	opt, err := OptimizerByName(c.Optimizer.Name)
	if err != nil {
		t.Fatal(err)
	}
	o := &opt.OptParams
	o.LR, o.Momentum, o.Nesterov = float32(c.Optimizer.LR), float32(c.Optimizer.Momentum), c.Optimizer.Nesterov
	switch opt.Kind {
	case gpu.Adam:
		o.Beta1, o.Beta2, o.Epsilon = float32(c.Optimizer.Beta1), float32(c.Optimizer.Beta2), float32(c.Optimizer.Epsilon)
	case gpu.RMSprop:
		o.Rho, o.Epsilon = float32(c.Optimizer.Rho), float32(c.Optimizer.Epsilon)
	}
	if err := m.Compile(opt, loss); err != nil {
		t.Fatal(err)
	}
	for i, l := range m.Layers {
		ps := l.base().params
		if len(ps) != len(c.Weights[i]) {
			t.Fatalf("layer %s has %d weights, the fixture %d", l.Name(), len(ps), len(c.Weights[i]))
		}
		for j, p := range ps {
			if p.Size() != len(c.Weights[i][j]) {
				t.Fatalf("%s/%s has %d values, the fixture %d", l.Name(), p.Name, p.Size(), len(c.Weights[i][j]))
			}
			copy(gpu.Host[float64](p.w), f32s(c.Weights[i][j]))
		}
	}
	return m
}

// refCompare reports where got and want differ by more than refTol and
// records the largest relative difference in *worst.
func refCompare(t *testing.T, what string, got, want []float64, worst *float64) {
	t.Helper()
	if len(got) < len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	bad := 0
	for i, w := range want {
		d := math.Abs(got[i]-w) / (1 + math.Abs(w))
		*worst = math.Max(*worst, d)
		if !(d <= refTol) {
			if bad < 3 {
				t.Errorf("%s[%d] = %.12g, PyTorch/Keras %.12g", what, i, got[i], w)
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d of %d values differ", what, bad, len(want))
	}
}

func TestReferenceAgainstPyTorch(t *testing.T) {
	worst := 0.0
	for _, c := range loadReference(t) {
		t.Run(c.Name, func(t *testing.T) {
			m := c.model(t)
			for si, st := range c.Steps {
				step := fmt.Sprintf("step %d", si+1)
				ws := m.workspace(st.N)
				copy(gpu.Host[float64](ws.xb), f32s(st.X))
				yb := m.dev.Alloc(len(st.Y))
				copy(gpu.Host[float64](yb), f32s(st.Y))
				idx := m.dev.Alloc(st.N)
				for i := range st.N {
					gpu.Host[float64](idx)[i] = float64(i)
				}
				m.dev.Fill(m.acc, 0, 2*gpu.AccSlots)
				// The very step Fit takes: forward, loss, backward, update.
				m.trainStep(ws, &devData{y: yb, idx: idx, n: st.N}, 0, st.N)
				for i, l := range m.Layers {
					refCompare(t, fmt.Sprintf("%s: %s output", step, l.Name()), gpu.Host[float64](ws.acts[i]), st.Acts[i], &worst)
				}
				acc := gpu.Host[float64](m.acc)
				refCompare(t, step+": loss", []float64{acc[gpu.AccLoss] / float64(st.N)}, []float64{st.Loss}, &worst)
				if st.Correct != nil && int(acc[gpu.AccCorrect]) != *st.Correct {
					t.Errorf("%s: %g correct predictions, want %d", step, acc[gpu.AccCorrect], *st.Correct)
				}
				for i, l := range m.Layers {
					for j, g := range st.Grads[i] {
						p := l.base().params[j]
						refCompare(t, fmt.Sprintf("%s: d loss/d %s/%s", step, l.Name(), p.Name), gpu.Host[float64](p.g), g, &worst)
					}
					for j, w := range st.After[i] {
						p := l.base().params[j]
						refCompare(t, fmt.Sprintf("%s: %s/%s after the update", step, l.Name(), p.Name), gpu.Host[float64](p.w), w, &worst)
					}
				}
			}
			if c.Infer != nil {
				ws := m.workspace(c.Infer.N)
				copy(gpu.Host[float64](ws.xb), f32s(c.Infer.X))
				out := m.forward(m.newRun(ws, false), ws, c.Infer.N)
				refCompare(t, "inference output (moving statistics)", gpu.Host[float64](out), c.Infer.Out, &worst)
			}
		})
	}
	t.Logf("largest difference from PyTorch: %.2g relative (tolerance %g)", worst, refTol)
}
