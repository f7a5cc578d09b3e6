package nn

import (
	"fmt"

	"nnlab/gpu"
)

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

// dims are the rows a sample and the inputs of the layer's product.
func (l *DenseLayer) dims() (rows, in int) {
	in = l.in[len(l.in)-1]
	return l.in.Size() / in, in
}

// forward: x is (rows, in), kernel (in, units), y (rows, units).
func (l *DenseLayer) forward(ks *kernels, training bool, x, y gpu.Buffer) {
	rows, in := l.dims()
	act := elementwise(l.act)
	ks.add("MatMulBiasAct", actNote(act), func(r *run, n int) {
		r.dev.MatMulBiasAct(y, x, l.params[0].w, l.bias(), n*rows, in, l.Units, act)
	})
	if l.act == gpu.Softmax {
		activate(ks, l.act, y, rows, l.Units)
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

func (l *DenseLayer) backward(ks *kernels, f fold, x, y, dy, dx gpu.Buffer) {
	rows, in := l.dims()
	if !f.actDone {
		activateGrad(ks, l.act, dy, y, rows, l.Units)
	}
	// dkernel (in, units) = xᵀ·dz; dbias = Σ_rows dz; dx = dz·kernelᵀ (times
	// the derivative of x's producer's activation when it folds in).
	ks.add("WeightGrads", "", func(r *run, n int) {
		r.dev.WeightGrads(l.params[0].g, l.biasGrad(), x, dy, n*rows, in, l.Units)
	})
	switch {
	case dx == nil:
	case f.dxAct != gpu.Linear:
		ks.add("dx MatMulActGrad", f.note(), func(r *run, n int) {
			r.dev.MatMulActGrad(dx, dy, l.params[0].w, x, n*rows, l.Units, in, true, f.dxAct)
		})
	default:
		ks.add("dx MatMul", "", func(r *run, n int) {
			r.dev.MatMul(dx, dy, l.params[0].w, n*rows, l.Units, in, false, true, false)
		})
	}
}
