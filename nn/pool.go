package nn

import (
	"fmt"

	"nnlab/gpu"
)

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

// batch is the layer's geometry for n samples.
func (l *MaxPool2DLayer) batch(n int) gpu.ConvGeom {
	g := l.geom
	g.N = n
	return g
}

func (l *MaxPool2DLayer) forward(ks *kernels, training bool, x, y gpu.Buffer) {
	ks.add("MaxPool", "", func(r *run, n int) { r.dev.MaxPool(y, x, l.batch(n)) })
}

func (l *MaxPool2DLayer) backward(ks *kernels, f fold, x, y, dy, dx gpu.Buffer) {
	if dx == nil {
		return
	}
	ks.add("dx MaxPoolActGrad", f.note(), func(r *run, n int) { r.dev.MaxPoolActGrad(dx, dy, x, l.batch(n), f.dxAct) })
}
