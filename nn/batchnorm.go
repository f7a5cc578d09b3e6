package nn

import (
	"fmt"

	"nnlab/gpu"
)

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

// dims are the rows a sample and the channels normalized.
func (l *BatchNormLayer) dims() (rows, cols int) {
	cols = l.in[len(l.in)-1]
	return l.in.Size() / cols, cols
}

func (l *BatchNormLayer) forward(ks *kernels, training bool, x, y gpu.Buffer) {
	rows, cols := l.dims()
	p := l.params
	eps := float32(l.Epsilon)
	if !training {
		ks.add("BatchNorm", "moving statistics", func(r *run, n int) {
			r.dev.BatchNorm(y, x, p[2].w, p[3].w, p[0].w, p[1].w, n*rows, cols, eps)
		})
		return
	}
	ks.add("BatchNormStats", "", func(r *run, n int) {
		if l.mean == nil {
			l.mean, l.variance = r.dev.Alloc(cols), r.dev.Alloc(cols)
		}
		r.dev.BatchNormStats(l.mean, l.variance, p[2].w, p[3].w, x, n*rows, cols, float32(l.Momentum))
	})
	ks.add("BatchNorm", "batch statistics", func(r *run, n int) {
		r.dev.BatchNorm(y, x, l.mean, l.variance, p[0].w, p[1].w, n*rows, cols, eps)
	})
}

func (l *BatchNormLayer) scratch() int { return l.in.Size() }

// backward computes dx even for the first layer, into scratch: the kernel
// that gives gamma's and beta's gradients writes it anyway.
func (l *BatchNormLayer) backward(ks *kernels, f fold, x, y, dy, dx gpu.Buffer) {
	rows, cols := l.dims()
	p := l.params
	op := "dx BatchNormGrad"
	if dx == nil {
		op = "BatchNormGrad"
	}
	ks.add(op, "", func(r *run, n int) {
		dx := dx
		if dx == nil {
			dx = r.scratch
		}
		r.dev.BatchNormGrad(dx, p[0].g, p[1].g, dy, x, l.mean, l.variance, p[0].w, n*rows, cols, float32(l.Epsilon))
	})
}

func (l *BatchNormLayer) release(dev gpu.Device) {
	if l.mean != nil {
		dev.Free(l.mean)
		dev.Free(l.variance)
		l.mean, l.variance = nil, nil
	}
}
