// Package nn is nnlab's neural-network library: Keras-like layers, losses,
// optimizers, metrics and callbacks, and a Model with Compile, Fit, Evaluate,
// Predict and Summary.
//
// Names, defaults, shapes and parameter counts follow Keras (tf.keras 2.x as
// the workshop lesson used it), so that what a learner sees here carries over:
// Dense kernels start Glorot-uniform and biases zero, Adam's defaults are
// lr 1e-3, β1 0.9, β2 0.999, ε 1e-7, BatchNormalization uses momentum 0.99 and
// ε 1e-3, and Summary prints Keras's table.
//
// All arithmetic runs on a gpu.Device. Parameters, gradients and optimizer
// state live in one device buffer each for the whole life of the model; a
// training step records its kernels without waiting and only the per-epoch
// metrics are read back.
package nn

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"nnlab/gpu"
)

// InputLayer is keras.Input: it names the shape of one sample.
type InputLayer struct {
	Shape Shape
	Name  string
}

// Input returns keras.Input(shape=shape).
func Input(shape ...int) *InputLayer { return &InputLayer{Shape: Shape(shape).clone()} }

// Model is a network of layers applied in sequence to one input, as the
// lesson builds them with Keras's functional API.
type Model struct {
	Name   string
	Input  *InputLayer
	Layers []Layer
	// Seed makes weight initialization, shuffling and dropout reproducible.
	Seed uint64

	dev    gpu.Device
	ops    *gpu.Ops // dev's kernels, fused where it fuses them
	params []*Param
	nTrain int // floats (with alignment padding) of trainable parameters, laid out first
	nAll   int
	// state is one device buffer holding, at 64-aligned offsets, the
	// parameters w, the optimizer state s1 and s2, and the metric sums acc,
	// so that the end of an epoch reads it all back at once (see Fit).
	state  gpu.Buffer
	w      gpu.Buffer // parameters
	s1, s2 gpu.Buffer // optimizer state (trainable part)
	acc    gpu.Buffer // metric sums: training at 0, evaluation at AccSlots
	g      gpu.Buffer // gradients (trainable part only)
	best   gpu.Buffer // a copy of w kept by EarlyStopping(restore_best_weights)

	opt     Optimizer
	loss    Loss
	metrics []Metric
	step    int // optimizer steps taken

	ws *workspace
}

// NewModel builds a model: it checks that every layer fits the shape its
// predecessor gives, names layers as Keras does (dense, dense_1, ...) unless
// they have names, and creates their parameters. A layer that does not fit
// gives an error naming it and the shapes.
func NewModel(name string, in *InputLayer, layers ...Layer) (*Model, error) {
	if in == nil || len(in.Shape) == 0 {
		return nil, fmt.Errorf("nn: model %q needs an Input with a shape, e.g. Input(89)", name)
	}
	for _, d := range in.Shape {
		if d <= 0 {
			return nil, fmt.Errorf("nn: Input shape %v must have positive sizes", []int(in.Shape))
		}
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("nn: model %q has no layers", name)
	}
	if name == "" {
		name = "model"
	}
	if in.Name == "" {
		in.Name = "input_1"
	}
	if need := floatBytes(satSize(in.Shape)); over(need, MemoryBudget()) {
		return nil, &BudgetError{Index: -1, What: fmt.Sprintf("Input(shape=%v)", []int(in.Shape)), For: "one sample", Need: need, Have: MemoryBudget(), Hint: "use a smaller input shape"}
	}
	m := &Model{Name: name, Input: in, Layers: layers}
	used := map[string]int{in.Name: 1}
	next := map[string]int{} // per layer type, the next number to try
	shape := in.Shape
	kept := 0 // floats of weights and state so far, checked against the budget
	for i, l := range layers {
		b := l.base()
		if b.name == "" {
			b.name = kerasName(l.Type(), used, next)
		} else if used[b.name] > 0 {
			return nil, fmt.Errorf("nn: layer %d: the name %q is used twice", i+1, b.name)
		}
		used[b.name]++
		out, err := l.build(shape)
		if err != nil {
			return nil, &LayerError{Index: i, Layer: b.name, Input: shape, Err: err}
		}
		b.in, b.out = shape, out
		if kept, err = checkLayerBudget(i, l, kept); err != nil {
			return nil, err
		}
		shape = out
		if d, ok := l.(*DropoutLayer); ok {
			d.idx = uint32(i)
		}
	}
	for _, trainable := range []bool{true, false} {
		for _, l := range layers {
			for _, p := range l.base().params {
				if p.Trainable == trainable {
					p.off = m.nAll
					m.nAll += (p.Size() + 63) / 64 * 64
					m.params = append(m.params, p)
				}
			}
		}
		if trainable {
			m.nTrain = m.nAll
		}
	}
	return m, nil
}

// LayerError says which layer of a model could not be built and why.
type LayerError struct {
	Index int // 0-based position among the layers
	Layer string
	Input Shape
	Err   error
}

func (e *LayerError) Error() string {
	return fmt.Sprintf("nn: layer %d (%s) does not fit its input %s: %v", e.Index+1, e.Layer, e.Input, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }

// kerasName gives the next free name for a layer type the way Keras does:
// Conv2D → conv2d, conv2d_1, ...; BatchNormalization → batch_normalization.
// next keeps each type's counter, as Keras's per-name uids do, so that a
// model of n layers of one type tries n names, not n²/2.
func kerasName(typ string, used, next map[string]int) string {
	// Keras's to_snake_case.
	s := snakeA.ReplaceAllString(typ, "${1}_${2}")
	base := strings.ToLower(snakeB.ReplaceAllString(s, "${1}_${2}"))
	for k := next[base]; ; k++ {
		name := base
		if k > 0 {
			name = fmt.Sprintf("%s_%d", base, k)
		}
		if used[name] == 0 {
			next[base] = k + 1
			return name
		}
	}
}

var (
	snakeA = regexp.MustCompile(`(.)([A-Z][a-z0-9]+)`)
	snakeB = regexp.MustCompile(`([a-z])([A-Z])`)
)

// OutputShape is the shape of one output sample.
func (m *Model) OutputShape() Shape { return m.Layers[len(m.Layers)-1].base().out }

// CountParams returns Keras's total, trainable and non-trainable counts.
func (m *Model) CountParams() (total, trainable, nonTrainable int) {
	for _, p := range m.params {
		if p.Trainable {
			trainable += p.Size()
		} else {
			nonTrainable += p.Size()
		}
	}
	return trainable + nonTrainable, trainable, nonTrainable
}

// Device returns the device the model's parameters live on (nil before
// SetDevice or Compile).
func (m *Model) Device() gpu.Device { return m.dev }

// SetDevice moves the model to dev: parameters and optimizer state are
// copied over (or initialized if the model has none yet).
func (m *Model) SetDevice(dev gpu.Device) error {
	if dev == m.dev {
		return nil
	}
	var w, s1, s2 []float32
	if m.dev != nil && m.w != nil {
		w = make([]float32, m.nAll)
		if err := m.dev.Read(w, m.w, 0); err != nil {
			return fmt.Errorf("nn: reading the weights from %s: %w", m.dev.Name(), err)
		}
		if m.s1 != nil {
			s1, s2 = make([]float32, m.nTrain), make([]float32, m.nTrain)
			if err := m.dev.Read(s1, m.s1, 0); err != nil {
				return err
			}
			if err := m.dev.Read(s2, m.s2, 0); err != nil {
				return err
			}
		}
	}
	m.release()
	m.dev, m.ops = dev, gpu.NewOps(dev)
	m.alloc()
	if w == nil {
		m.initWeights()
	} else {
		dev.Write(m.w, 0, w)
		if s1 != nil {
			dev.Write(m.s1, 0, s1)
			dev.Write(m.s2, 0, s2)
		}
	}
	return nil
}

// restoreState puts a host snapshot (weights and optimizer state) on a new device.
func (m *Model) restoreState(dev gpu.Device, st *snapshot) {
	m.release()
	m.dev, m.ops = dev, gpu.NewOps(dev)
	m.alloc()
	dev.Write(m.w, 0, st.w)
	dev.Write(m.s1, 0, st.s1)
	dev.Write(m.s2, 0, st.s2)
	m.step = st.step
}

// stateLayout gives the offsets of s1, s2 and acc in the state buffer and
// its size.
func (m *Model) stateLayout() (s1, s2, acc, size int) {
	a := func(n int) int { return (max(n, 1) + 63) / 64 * 64 }
	s1 = a(m.nAll)
	s2 = s1 + a(m.nTrain)
	acc = s2 + a(m.nTrain)
	return s1, s2, acc, acc + a(2*gpu.AccSlots)
}

func (m *Model) alloc() {
	d := m.dev
	o1, o2, oa, size := m.stateLayout()
	m.state = d.Alloc(size)
	m.w = d.View(m.state, 0, max(m.nAll, 1))
	m.s1 = d.View(m.state, o1, max(m.nTrain, 1))
	m.s2 = d.View(m.state, o2, max(m.nTrain, 1))
	m.acc = d.View(m.state, oa, 2*gpu.AccSlots)
	m.g = d.Alloc(max(m.nTrain, 1))
	for _, p := range m.params {
		p.w = d.View(m.w, p.off, p.Size())
		if p.Trainable {
			p.g = d.View(m.g, p.off, p.Size())
		}
	}
}

func (m *Model) release() {
	if m.dev == nil {
		return
	}
	for _, b := range []gpu.Buffer{m.state, m.g, m.best} {
		if b != nil {
			m.dev.Free(b)
		}
	}
	m.state, m.w, m.g, m.s1, m.s2, m.acc, m.best = nil, nil, nil, nil, nil, nil, nil
	for _, l := range m.Layers {
		if bn, ok := l.(*BatchNormLayer); ok {
			bn.release(m.dev)
		}
	}
	m.ws.free(m.dev)
	m.ws = nil
	m.ops.Release()
}

// Release frees the model's device memory; the model can be used again
// after SetDevice.
func (m *Model) Release() {
	m.release()
	m.dev, m.ops = nil, nil
}

func (m *Model) initWeights() {
	r := newRNG(m.Seed)
	host := make([]float32, m.nAll)
	for _, p := range m.params {
		p.init(r, host[p.off:p.off+p.Size()])
	}
	m.dev.Write(m.w, 0, host)
	m.dev.Fill(m.s1, 0, m.nTrain)
	m.dev.Fill(m.s2, 0, m.nTrain)
	m.step = 0
}

// ResetWeights draws fresh initial weights and clears the optimizer state.
func (m *Model) ResetWeights() {
	if m.dev != nil {
		m.initWeights()
	}
}

// Weights reads every parameter back from the device, in layer order:
// Weights()[layer][param] is a flat row-major copy.
func (m *Model) Weights() ([][][]float32, error) {
	if m.dev == nil {
		return nil, fmt.Errorf("nn: model %q has no weights yet: call Compile first", m.Name)
	}
	all := make([]float32, m.nAll)
	if err := m.dev.Read(all, m.w, 0); err != nil {
		return nil, err
	}
	out := make([][][]float32, len(m.Layers))
	for i, l := range m.Layers {
		for _, p := range l.base().params {
			out[i] = append(out[i], append([]float32(nil), all[p.off:p.off+p.Size()]...))
		}
	}
	return out, nil
}

// SetWeights writes parameters given in the layout Weights returns.
func (m *Model) SetWeights(ws [][][]float32) error {
	if m.dev == nil {
		return fmt.Errorf("nn: model %q has no device yet: call Compile first", m.Name)
	}
	if len(ws) != len(m.Layers) {
		return fmt.Errorf("nn: SetWeights got %d layers, the model has %d", len(ws), len(m.Layers))
	}
	for i, l := range m.Layers {
		ps := l.base().params
		if len(ws[i]) != len(ps) {
			return fmt.Errorf("nn: SetWeights: layer %s has %d weights, got %d", l.Name(), len(ps), len(ws[i]))
		}
		for j, p := range ps {
			if len(ws[i][j]) != p.Size() {
				return fmt.Errorf("nn: SetWeights: %s/%s has %d values, got %d", l.Name(), p.Name, p.Size(), len(ws[i][j]))
			}
			m.dev.Write(m.w, p.off, ws[i][j])
		}
	}
	return nil
}

// rng is a small deterministic generator (splitmix64) for weight
// initialization and shuffling.
type rng struct{ s uint64 }

func newRNG(seed uint64) *rng { return &rng{s: seed*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019} }

func (r *rng) uint64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) float64() float64 { return float64(r.uint64()>>11) / (1 << 53) }

func (r *rng) intn(n int) int { return int(r.uint64() % uint64(n)) }

// mix derives a 32-bit seed from a model seed, a step and a layer index.
func mix(seed uint32, step, idx uint32) uint32 {
	h := uint64(seed)<<32 | uint64(step)
	r := newRNG(h ^ uint64(idx)*0xd1342543de82ef95)
	return uint32(r.uint64())
}

// nanGuard reports whether v is NaN or infinite.
func nanGuard(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
