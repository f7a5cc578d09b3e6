package nn

import (
	"fmt"

	"nnlab/gpu"
)

// Data is a set of samples: inputs X (or XBytes scaled by Scale, for
// images kept as bytes) of N samples of the model's input shape, and targets
// Y: N*outputs values for regression and one-hot labels, or N class indices
// for sparse labels.
type Data struct {
	X      []float32
	XBytes []uint8
	Scale  float32 // XBytes are multiplied by Scale (e.g. 1/255)
	Y      []float32
	N      int
}

func (m *Model) yCols() int {
	if m.loss.sparse() {
		return 1
	}
	return m.OutputShape().Size()
}

// devData is a Data set uploaded to the device once.
type devData struct {
	x, y, idx gpu.Buffer
	n         int
	scale     float32
}

func (m *Model) upload(d *Data) (*devData, error) {
	in, yc := m.Input.Shape.Size(), m.yCols()
	switch {
	case d == nil || d.N <= 0:
		return nil, fmt.Errorf("nn: no samples")
	case d.XBytes == nil && len(d.X) != d.N*in:
		return nil, fmt.Errorf("nn: %d samples of shape %v need %d input values, got %d", d.N, []int(m.Input.Shape), d.N*in, len(d.X))
	case d.XBytes != nil && len(d.XBytes) != d.N*in:
		return nil, fmt.Errorf("nn: %d samples of shape %v need %d input bytes, got %d", d.N, []int(m.Input.Shape), d.N*in, len(d.XBytes))
	case len(d.Y) != d.N*yc:
		return nil, fmt.Errorf("nn: %d samples need %d target values for loss %s and output %s, got %d", d.N, d.N*yc, m.loss.Name, m.OutputShape(), len(d.Y))
	}
	if m.loss.sparse() {
		classes := m.OutputShape().Size()
		for i, v := range d.Y {
			if v < 0 || int(v) >= classes || v != float32(int(v)) {
				return nil, fmt.Errorf("nn: label %d is %g, but the model has %d classes (0..%d)", i, v, classes, classes-1)
			}
		}
	}
	dd := &devData{n: d.N, scale: 1}
	if d.XBytes != nil {
		dd.x = m.dev.UploadBytes(d.XBytes)
		dd.scale = d.Scale
		if dd.scale == 0 {
			dd.scale = 1
		}
	} else {
		dd.x = m.dev.Alloc(len(d.X))
		m.dev.Write(dd.x, 0, d.X)
	}
	dd.y = m.dev.Alloc(len(d.Y))
	m.dev.Write(dd.y, 0, d.Y)
	dd.idx = m.dev.Alloc(d.N)
	seq := make([]float32, d.N)
	for i := range seq {
		seq[i] = float32(i)
	}
	m.dev.Write(dd.idx, 0, seq)
	return dd, nil
}

func (m *Model) freeData(d *devData) {
	if d != nil {
		m.dev.Free(d.x)
		m.dev.Free(d.y)
		m.dev.Free(d.idx)
	}
}

// gather loads the inputs of samples idx[off:off+n] of d into the workspace
// (Loss picks their targets itself).
func (m *Model) gather(w *workspace, d *devData, off, n int) {
	m.dev.Gather(w.xb, d.x, d.idx, off, n, m.Input.Shape.Size(), d.scale)
}
