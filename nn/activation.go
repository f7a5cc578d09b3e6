package nn

import "nnlab/gpu"

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

func (l *ActivationLayer) forward(ks *kernels, training bool, x, y gpu.Buffer) {
	size := l.in.Size()
	ks.add("Copy", "", func(r *run, n int) { r.dev.Copy(y, x, n*size) })
	activate(ks, l.act, y, size/l.cols(), l.cols())
}

func (l *ActivationLayer) backward(ks *kernels, f fold, x, y, dy, dx gpu.Buffer) {
	if dx == nil {
		return
	}
	size := l.in.Size()
	activateGrad(ks, l.act, dy, y, size/l.cols(), l.cols())
	ks.add("dx Copy", "", func(r *run, n int) { r.dev.Copy(dx, dy, n*size) })
}
