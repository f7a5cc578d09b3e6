package nn

import (
	"fmt"
	"math"
	"strings"

	"nnlab/gpu"
)

// Shape is the shape of one sample, without the batch dimension: (89,) for
// the weather features, (32, 32, 3) for a CIFAR-10 image (channels last, as
// Keras stores images).
type Shape []int

// Size is the number of values in one sample.
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// String prints the shape as Keras prints an output shape: (None, 30, 30, 32).
func (s Shape) String() string {
	parts := []string{"None"}
	for _, d := range s {
		parts = append(parts, fmt.Sprint(d))
	}
	if len(parts) == 1 {
		return "(None,)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (s Shape) clone() Shape { return append(Shape(nil), s...) }

// Param is one weight tensor of a layer, living in the model's parameter
// buffer on the device.
type Param struct {
	Name      string // Keras's variable name: kernel, bias, gamma, beta, moving_mean, moving_variance
	Shape     []int
	Trainable bool
	init      func(rng *rng, w []float32)
	off       int        // offset in the model's parameter buffer
	w, g      gpu.Buffer // views of the parameters and (trainable only) gradients
}

// Size is the number of values in the parameter.
func (p *Param) Size() int { return Shape(p.Shape).Size() }

// Layer is one layer of a model. Layers are built by the model, which
// decides their input shape and allocates their parameters and activations.
type Layer interface {
	// Name is the layer's name in the model (dense, dense_1, ...).
	Name() string
	// Type is the Keras class name (Dense, Conv2D, ...).
	Type() string
	base() *layerBase
	// build checks the input shape, creates the parameters and returns the
	// output shape.
	build(in Shape) (Shape, error)
	// forward appends the kernels that compute y from x, in training
	// (Dropout draws a mask, BatchNormalization uses the batch's statistics)
	// or in inference.
	forward(ks *kernels, training bool, x, y gpu.Buffer)
	// backward appends the kernels that take dy (which they may overwrite)
	// and overwrite the layer's parameter gradients, and write dx unless dx
	// is nil (the first layer). f is what decideFolds decided for the layer.
	backward(ks *kernels, f fold, x, y, dy, dx gpu.Buffer)
	// scratch is the number of floats of scratch memory the layer needs per
	// sample in the run's scratch buffer.
	scratch() int
}

type layerBase struct {
	name   string
	params []*Param
	in     Shape
	out    Shape
}

func (b *layerBase) Name() string             { return b.name }
func (b *layerBase) base() *layerBase         { return b }
func (b *layerBase) scratch() int             { return 0 }
func (b *layerBase) SetName(name string)      { b.name = name }
func (b *layerBase) Params() []*Param         { return b.params }
func (b *layerBase) OutputShape() Shape       { return b.out }
func (b *layerBase) addParam(p *Param) *Param { b.params = append(b.params, p); return p }

// elementwise is a's part that a product kernel applies to each value it
// writes (MatMulBiasAct, ConvForward, MatMulActGrad): relu, sigmoid, tanh;
// softmax, which works on whole rows, is left to a kernel of its own.
func elementwise(a gpu.Act) gpu.Act {
	if a == gpu.Softmax {
		return gpu.Linear
	}
	return a
}

func parseAct(name string) (gpu.Act, error) {
	if name == "" || name == "None" {
		return gpu.Linear, nil
	}
	a, ok := gpu.ActNames[strings.ToLower(name)]
	if !ok {
		return 0, fmt.Errorf("unknown activation %q (use relu, sigmoid, tanh, softmax or linear)", name)
	}
	return a, nil
}

// activate appends the kernel applying a to y in place; y holds rows of
// cols values a sample.
func activate(ks *kernels, a gpu.Act, y gpu.Buffer, rows, cols int) {
	switch a {
	case gpu.Linear:
	case gpu.Softmax:
		ks.add("Softmax", "", func(r *run, n int) { r.dev.Softmax(y, y, n*rows, cols) })
	default:
		ks.add("Activate", a.String(), func(r *run, n int) { r.dev.Activate(a, y, y, n*rows*cols) })
	}
}

// activateGrad appends the kernel multiplying dy in place by a's
// derivative, written through a's output y (rows of cols values a sample).
func activateGrad(ks *kernels, a gpu.Act, dy, y gpu.Buffer, rows, cols int) {
	switch a {
	case gpu.Linear:
	case gpu.Softmax:
		ks.add("SoftmaxGrad", "", func(r *run, n int) { r.dev.SoftmaxGrad(dy, dy, y, n*rows, cols) })
	default:
		ks.add("ActivateGrad", a.String(), func(r *run, n int) { r.dev.ActivateGrad(a, dy, dy, y, n*rows*cols) })
	}
}

// glorotUniform is Keras's default kernel initializer:
// U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)).
func glorotUniform(fanIn, fanOut int) func(*rng, []float32) {
	limit := math.Sqrt(6 / float64(fanIn+fanOut))
	return func(r *rng, w []float32) {
		for i := range w {
			w[i] = float32((2*r.float64() - 1) * limit)
		}
	}
}

func constant(v float32) func(*rng, []float32) {
	return func(_ *rng, w []float32) {
		for i := range w {
			w[i] = v
		}
	}
}
