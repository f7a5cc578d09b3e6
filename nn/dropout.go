package nn

import (
	"fmt"

	"nnlab/gpu"
)

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

func (l *DropoutLayer) forward(ks *kernels, training bool, x, y gpu.Buffer) {
	size := l.in.Size()
	if !training || l.Rate == 0 {
		ks.add("Copy", "", func(r *run, n int) { r.dev.Copy(y, x, n*size) })
		return
	}
	ks.add("Dropout", fmt.Sprint(l.Rate), func(r *run, n int) {
		l.seed = mix(r.seed, r.step, l.idx)
		r.dev.Dropout(y, x, n*size, float32(l.Rate), l.seed)
	})
}

func (l *DropoutLayer) backward(ks *kernels, f fold, x, y, dy, dx gpu.Buffer) {
	if dx == nil {
		return
	}
	size := l.in.Size()
	switch {
	case l.Rate > 0:
		ks.add("dx DropoutActGrad", f.note(), func(r *run, n int) {
			r.dev.DropoutActGrad(dx, dy, x, n*size, float32(l.Rate), l.seed, f.dxAct)
		})
	case f.dxAct != gpu.Linear:
		ks.add("dx ActivateGrad", f.note(), func(r *run, n int) { r.dev.ActivateGrad(f.dxAct, dx, dy, x, n*size) })
	default:
		ks.add("dx Copy", "", func(r *run, n int) { r.dev.Copy(dx, dy, n*size) })
	}
}
