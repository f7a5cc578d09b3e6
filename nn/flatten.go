package nn

import "nnlab/gpu"

// FlattenLayer is keras.layers.Flatten: (H, W, C) becomes (H*W*C,), in
// channels-last order.
type FlattenLayer struct{ layerBase }

// Flatten returns keras.layers.Flatten().
func Flatten() *FlattenLayer { return &FlattenLayer{} }

func (l *FlattenLayer) Type() string { return "Flatten" }
func (l *FlattenLayer) build(in Shape) (Shape, error) {
	return Shape{in.Size()}, nil
}

// Flatten runs no kernel: its output is its input's buffer read with
// another shape, and its gradient passes through (see reshapes).
func (l *FlattenLayer) forward(ks *kernels, training bool, x, y gpu.Buffer)   {}
func (l *FlattenLayer) backward(ks *kernels, f fold, x, y, dy, dx gpu.Buffer) {}
