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
	// forward computes y from x for a batch of n samples.
	forward(r *run, x, y gpu.Buffer, n int)
	// backward takes dy (which it may overwrite) and accumulates parameter
	// gradients; it writes dx unless dx is nil (the first layer).
	backward(r *run, x, y, dy, dx gpu.Buffer, n int)
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

// run is what layers need during a forward or backward pass.
type run struct {
	dev      *gpu.Ops
	training bool
	step     uint32 // optimizer step, for dropout masks
	seed     uint32
	scratch  gpu.Buffer // see Layer.scratch
	// In backward: dxAct, when not Linear, is the activation of the layer
	// that produced x, whose derivative this layer multiplies into dx (one
	// kernel); actDone says that dy already has this layer's own.
	dxAct   gpu.Act
	actDone bool
}

// An actProducer ends its forward with an elementwise activation whose
// derivative the next layer may fold into its dx (see Model.backward).
type actProducer interface{ outAct() gpu.Act }

// A dxFuser computes dx with one kernel that can take the producer's
// activation derivative (gpu.Ops's MatMulActGrad, MaxPoolActGrad, DropoutActGrad).
type dxFuser interface{ fusesDxAct() }

// foldable is a's part that a product can fold in (MatMulBiasAct,
// ConvForward, MatMulActGrad): relu, sigmoid, tanh; softmax, which works on
// whole rows, is left to the layer.
func foldable(a gpu.Act) gpu.Act {
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

func activate(r *run, a gpu.Act, y gpu.Buffer, rows, cols int) {
	switch a {
	case gpu.Linear:
	case gpu.Softmax:
		r.dev.Softmax(y, y, rows, cols)
	default:
		r.dev.Activate(a, y, y, rows*cols)
	}
}

func activateGrad(r *run, a gpu.Act, dy, y gpu.Buffer, rows, cols int) {
	switch a {
	case gpu.Linear:
	case gpu.Softmax:
		r.dev.SoftmaxGrad(dy, dy, y, rows, cols)
	default:
		r.dev.ActivateGrad(a, dy, dy, y, rows*cols)
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

// ---- Dense ----

// DenseLayer is keras.layers.Dense: y = activation(x·kernel + bias), applied
// to the last axis of its input.
type DenseLayer struct {
	layerBase
	Units      int
	Activation string
	UseBias    bool
	act        gpu.Act
}

// Dense returns a Dense layer with units outputs and the given activation
// ("" for none), with a bias, as keras.layers.Dense(units, activation).
func Dense(units int, activation string) *DenseLayer {
	return &DenseLayer{Units: units, Activation: activation, UseBias: true}
}

func (l *DenseLayer) Type() string { return "Dense" }

func (l *DenseLayer) build(in Shape) (Shape, error) {
	if l.Units <= 0 {
		return nil, fmt.Errorf("Dense needs a positive number of units, got %d", l.Units)
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("Dense needs an input with at least one axis")
	}
	a, err := parseAct(l.Activation)
	if err != nil {
		return nil, err
	}
	l.act = a
	fanIn := in[len(in)-1]
	l.params = nil
	l.addParam(&Param{Name: "kernel", Shape: []int{fanIn, l.Units}, Trainable: true, init: glorotUniform(fanIn, l.Units)})
	if l.UseBias {
		l.addParam(&Param{Name: "bias", Shape: []int{l.Units}, Trainable: true, init: constant(0)})
	}
	out := in.clone()
	out[len(out)-1] = l.Units
	return out, nil
}

func (l *DenseLayer) rows(n int) int { return n * l.in.Size() / l.in[len(l.in)-1] }

// forward: x is (rows, in), kernel (in, units), y (rows, units).
func (l *DenseLayer) forward(r *run, x, y gpu.Buffer, n int) {
	rows, in := l.rows(n), l.in[len(l.in)-1]
	r.dev.MatMulBiasAct(y, x, l.params[0].w, l.bias(), rows, in, l.Units, foldable(l.act))
	if l.act == gpu.Softmax {
		r.dev.Softmax(y, y, rows, l.Units)
	}
}

// bias is the bias's weights, nil without one; biasGrad its gradient.
func (l *DenseLayer) bias() gpu.Buffer {
	if !l.UseBias {
		return nil
	}
	return l.params[1].w
}

func (l *DenseLayer) biasGrad() gpu.Buffer {
	if !l.UseBias {
		return nil
	}
	return l.params[1].g
}

func (l *DenseLayer) outAct() gpu.Act { return foldable(l.act) }
func (l *DenseLayer) fusesDxAct()     {}

func (l *DenseLayer) backward(r *run, x, y, dy, dx gpu.Buffer, n int) {
	rows, in := l.rows(n), l.in[len(l.in)-1]
	if !r.actDone {
		activateGrad(r, l.act, dy, y, rows, l.Units)
	}
	// dkernel (in, units) = xᵀ·dz; dbias = Σ_rows dz; dx = dz·kernelᵀ (times
	// the derivative of x's producer's activation when it folds in).
	r.dev.WeightGrads(l.params[0].g, l.biasGrad(), x, dy, rows, in, l.Units)
	switch {
	case dx == nil:
	case r.dxAct != gpu.Linear:
		r.dev.MatMulActGrad(dx, dy, l.params[0].w, x, rows, l.Units, in, true, r.dxAct)
	default:
		r.dev.MatMul(dx, dy, l.params[0].w, rows, l.Units, in, false, true, false)
	}
}

// ---- Activation ----

// ActivationLayer is keras.layers.Activation.
type ActivationLayer struct {
	layerBase
	Activation string
	act        gpu.Act
}

// Activation returns keras.layers.Activation(name).
func Activation(name string) *ActivationLayer { return &ActivationLayer{Activation: name} }

func (l *ActivationLayer) Type() string { return "Activation" }

func (l *ActivationLayer) build(in Shape) (Shape, error) {
	a, err := parseAct(l.Activation)
	l.act = a
	return in.clone(), err
}

func (l *ActivationLayer) cols() int { return l.in[len(l.in)-1] }

func (l *ActivationLayer) forward(r *run, x, y gpu.Buffer, n int) {
	size := n * l.in.Size()
	r.dev.Copy(y, x, size)
	activate(r, l.act, y, size/l.cols(), l.cols())
}

func (l *ActivationLayer) backward(r *run, x, y, dy, dx gpu.Buffer, n int) {
	if dx == nil {
		return
	}
	size := n * l.in.Size()
	activateGrad(r, l.act, dy, y, size/l.cols(), l.cols())
	r.dev.Copy(dx, dy, size)
}

// ---- Flatten ----

// FlattenLayer is keras.layers.Flatten: (H, W, C) becomes (H*W*C,), in
// channels-last order.
type FlattenLayer struct{ layerBase }

// Flatten returns keras.layers.Flatten().
func Flatten() *FlattenLayer { return &FlattenLayer{} }

func (l *FlattenLayer) Type() string { return "Flatten" }
func (l *FlattenLayer) build(in Shape) (Shape, error) {
	return Shape{in.Size()}, nil
}
func (l *FlattenLayer) reshapeOnly() {}

// forward and backward copy; a Model instead lets Flatten share its input's
// buffer (see reshaper).
func (l *FlattenLayer) forward(r *run, x, y gpu.Buffer, n int) { r.dev.Copy(y, x, n*l.in.Size()) }
func (l *FlattenLayer) backward(r *run, x, y, dy, dx gpu.Buffer, n int) {
	if dx != nil {
		r.dev.Copy(dx, dy, n*l.in.Size())
	}
}

// ---- Dropout ----

// DropoutLayer is keras.layers.Dropout: in training it zeroes each value with
// probability Rate and scales the others by 1/(1-Rate); in inference it passes
// its input through.
type DropoutLayer struct {
	layerBase
	Rate float64
	seed uint32 // mask of the last training forward pass
	idx  uint32
}

// Dropout returns keras.layers.Dropout(rate).
func Dropout(rate float64) *DropoutLayer { return &DropoutLayer{Rate: rate} }

func (l *DropoutLayer) Type() string { return "Dropout" }
func (l *DropoutLayer) build(in Shape) (Shape, error) {
	if l.Rate < 0 || l.Rate >= 1 {
		return nil, fmt.Errorf("Dropout rate must be in [0, 1), got %g", l.Rate)
	}
	return in.clone(), nil
}

func (l *DropoutLayer) forward(r *run, x, y gpu.Buffer, n int) {
	size := n * l.in.Size()
	if !r.training || l.Rate == 0 {
		r.dev.Copy(y, x, size)
		return
	}
	l.seed = mix(r.seed, r.step, l.idx)
	r.dev.Dropout(y, x, size, float32(l.Rate), l.seed)
}

func (l *DropoutLayer) backward(r *run, x, y, dy, dx gpu.Buffer, n int) {
	if dx == nil {
		return
	}
	size := n * l.in.Size()
	switch {
	case l.Rate > 0:
		r.dev.DropoutActGrad(dx, dy, x, size, float32(l.Rate), l.seed, r.dxAct)
	case r.dxAct != gpu.Linear:
		r.dev.ActivateGrad(r.dxAct, dx, dy, x, size)
	default:
		r.dev.Copy(dx, dy, size)
	}
}

func (l *DropoutLayer) fusesDxAct() {}

// ---- BatchNormalization ----

// BatchNormLayer is keras.layers.BatchNormalization over the last axis, with
// Keras's defaults: momentum 0.99, epsilon 1e-3, gamma ones, beta zeros,
// moving mean zeros, moving variance ones. In training it normalizes with the
// batch's statistics and updates the moving ones; in inference it uses the
// moving statistics.
type BatchNormLayer struct {
	layerBase
	Momentum float64
	Epsilon  float64
	mean     gpu.Buffer // batch statistics of the last training forward pass
	variance gpu.Buffer
}

// BatchNormalization returns keras.layers.BatchNormalization().
func BatchNormalization() *BatchNormLayer {
	return &BatchNormLayer{Momentum: 0.99, Epsilon: 1e-3}
}

func (l *BatchNormLayer) Type() string { return "BatchNormalization" }

func (l *BatchNormLayer) build(in Shape) (Shape, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("BatchNormalization needs an input with at least one axis")
	}
	c := in[len(in)-1]
	l.params = nil
	l.addParam(&Param{Name: "gamma", Shape: []int{c}, Trainable: true, init: constant(1)})
	l.addParam(&Param{Name: "beta", Shape: []int{c}, Trainable: true, init: constant(0)})
	l.addParam(&Param{Name: "moving_mean", Shape: []int{c}, init: constant(0)})
	l.addParam(&Param{Name: "moving_variance", Shape: []int{c}, init: constant(1)})
	return in.clone(), nil
}

func (l *BatchNormLayer) dims(n int) (rows, cols int) {
	cols = l.in[len(l.in)-1]
	return n * l.in.Size() / cols, cols
}

func (l *BatchNormLayer) forward(r *run, x, y gpu.Buffer, n int) {
	rows, cols := l.dims(n)
	p := l.params
	eps := float32(l.Epsilon)
	if !r.training {
		r.dev.BatchNorm(y, x, p[2].w, p[3].w, p[0].w, p[1].w, rows, cols, eps)
		return
	}
	if l.mean == nil {
		l.mean, l.variance = r.dev.Alloc(cols), r.dev.Alloc(cols)
	}
	r.dev.BatchNormStats(l.mean, l.variance, p[2].w, p[3].w, x, rows, cols, float32(l.Momentum))
	r.dev.BatchNorm(y, x, l.mean, l.variance, p[0].w, p[1].w, rows, cols, eps)
}

func (l *BatchNormLayer) scratch() int { return l.in.Size() }

func (l *BatchNormLayer) backward(r *run, x, y, dy, dx gpu.Buffer, n int) {
	rows, cols := l.dims(n)
	if dx == nil {
		dx = r.scratch
	}
	p := l.params
	r.dev.BatchNormGrad(dx, p[0].g, p[1].g, dy, x, l.mean, l.variance, p[0].w, rows, cols, float32(l.Epsilon))
}

func (l *BatchNormLayer) release(dev gpu.Device) {
	if l.mean != nil {
		dev.Free(l.mean)
		dev.Free(l.variance)
		l.mean, l.variance = nil, nil
	}
}

// ---- Conv2D ----

// Conv2DLayer is keras.layers.Conv2D on channels-last images: a kernel of
// shape (kh, kw, in_channels, filters), strides, padding "valid" or "same".
type Conv2DLayer struct {
	layerBase
	Filters    int
	Kernel     [2]int
	Strides    [2]int
	Padding    string
	Activation string
	UseBias    bool
	act        gpu.Act
	geom       gpu.ConvGeom // per sample (N = 1)
}

// Conv2D returns keras.layers.Conv2D(filters, kernel, activation=...) with
// strides (1, 1), padding "valid" and a bias.
func Conv2D(filters int, kernel [2]int, activation string) *Conv2DLayer {
	return &Conv2DLayer{Filters: filters, Kernel: kernel, Strides: [2]int{1, 1}, Padding: "valid", Activation: activation, UseBias: true}
}

func (l *Conv2DLayer) Type() string { return "Conv2D" }

// windowGeom computes output size and padding as TensorFlow does.
func windowGeom(in Shape, k, s [2]int, padding string) (gpu.ConvGeom, error) {
	if len(in) != 3 {
		return gpu.ConvGeom{}, fmt.Errorf("needs images of shape (height, width, channels), got %v", in.String())
	}
	if k[0] <= 0 || k[1] <= 0 || s[0] <= 0 || s[1] <= 0 {
		return gpu.ConvGeom{}, fmt.Errorf("sizes and strides must be positive, got %v and %v", k, s)
	}
	g := gpu.ConvGeom{N: 1, H: in[0], W: in[1], C: in[2], KH: k[0], KW: k[1], SH: s[0], SW: s[1]}
	switch strings.ToLower(padding) {
	case "", "valid":
		if g.H < g.KH || g.W < g.KW {
			return g, fmt.Errorf("window %dx%d is larger than its %dx%d input (padding \"valid\")", g.KH, g.KW, g.H, g.W)
		}
		g.OH, g.OW = (g.H-g.KH)/g.SH+1, (g.W-g.KW)/g.SW+1
	case "same":
		g.OH, g.OW = (g.H+g.SH-1)/g.SH, (g.W+g.SW-1)/g.SW
		g.PadT = max((g.OH-1)*g.SH+g.KH-g.H, 0) / 2
		g.PadL = max((g.OW-1)*g.SW+g.KW-g.W, 0) / 2
	default:
		return g, fmt.Errorf("padding must be \"valid\" or \"same\", got %q", padding)
	}
	return g, nil
}

func (l *Conv2DLayer) build(in Shape) (Shape, error) {
	if l.Filters <= 0 {
		return nil, fmt.Errorf("Conv2D needs a positive number of filters, got %d", l.Filters)
	}
	if l.Strides == [2]int{} {
		l.Strides = [2]int{1, 1}
	}
	g, err := windowGeom(in, l.Kernel, l.Strides, l.Padding)
	if err != nil {
		return nil, fmt.Errorf("Conv2D %v", err)
	}
	if l.act, err = parseAct(l.Activation); err != nil {
		return nil, err
	}
	l.geom = g
	kk := g.KH * g.KW
	l.params = nil
	l.addParam(&Param{Name: "kernel", Shape: []int{g.KH, g.KW, g.C, l.Filters}, Trainable: true, init: glorotUniform(kk*g.C, kk*l.Filters)})
	if l.UseBias {
		l.addParam(&Param{Name: "bias", Shape: []int{l.Filters}, Trainable: true, init: constant(0)})
	}
	return Shape{g.OH, g.OW, l.Filters}, nil
}

func (l *Conv2DLayer) forward(r *run, x, y gpu.Buffer, n int) {
	g := l.geom
	g.N = n
	var bias gpu.Buffer
	if l.UseBias {
		bias = l.params[1].w
	}
	r.dev.ConvForward(y, x, l.params[0].w, bias, g, l.Filters, foldable(l.act))
	if l.act == gpu.Softmax {
		r.dev.Softmax(y, y, g.ColRows(), l.Filters)
	}
}

func (l *Conv2DLayer) outAct() gpu.Act { return foldable(l.act) }

func (l *Conv2DLayer) backward(r *run, x, y, dy, dx gpu.Buffer, n int) {
	g := l.geom
	g.N = n
	if !r.actDone {
		activateGrad(r, l.act, dy, y, g.ColRows(), l.Filters)
	}
	var db gpu.Buffer
	if l.UseBias {
		db = l.params[1].g
	}
	// im2col(x) again (in the Ops's scratch on the pure-Go device, read in
	// place on a GPU) rather than kept from forward: memory over flops.
	r.dev.ConvWeightGrads(l.params[0].g, db, x, dy, g, l.Filters)
	if dx != nil {
		r.dev.ConvInputGrad(dx, dy, l.params[0].w, g, l.Filters)
	}
}

// ---- MaxPooling2D ----

// MaxPool2DLayer is keras.layers.MaxPooling2D: strides default to the pool
// size, padding "valid".
type MaxPool2DLayer struct {
	layerBase
	Pool    [2]int
	Strides [2]int
	Padding string
	geom    gpu.ConvGeom
}

// MaxPooling2D returns keras.layers.MaxPooling2D(pool) with strides equal to
// the pool size and padding "valid".
func MaxPooling2D(pool [2]int) *MaxPool2DLayer {
	return &MaxPool2DLayer{Pool: pool, Padding: "valid"}
}

func (l *MaxPool2DLayer) Type() string { return "MaxPooling2D" }

func (l *MaxPool2DLayer) build(in Shape) (Shape, error) {
	s := l.Strides
	if s == [2]int{} {
		s = l.Pool
	}
	g, err := windowGeom(in, l.Pool, s, l.Padding)
	if err != nil {
		return nil, fmt.Errorf("MaxPooling2D %v", err)
	}
	l.geom = g
	return Shape{g.OH, g.OW, g.C}, nil
}

func (l *MaxPool2DLayer) forward(r *run, x, y gpu.Buffer, n int) {
	g := l.geom
	g.N = n
	r.dev.MaxPool(y, x, g)
}

func (l *MaxPool2DLayer) backward(r *run, x, y, dy, dx gpu.Buffer, n int) {
	if dx == nil {
		return
	}
	g := l.geom
	g.N = n
	r.dev.MaxPoolActGrad(dx, dy, x, g, r.dxAct)
}

func (l *MaxPool2DLayer) fusesDxAct() {}
