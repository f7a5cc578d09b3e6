package nn

import (
	"fmt"
	"strings"

	"nnlab/gpu"
)

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

// batch is the layer's geometry for n samples.
func (l *Conv2DLayer) batch(n int) gpu.ConvGeom {
	g := l.geom
	g.N = n
	return g
}

func (l *Conv2DLayer) forward(ks *kernels, training bool, x, y gpu.Buffer) {
	act := elementwise(l.act)
	ks.add("ConvForward", actNote(act), func(r *run, n int) {
		var bias gpu.Buffer
		if l.UseBias {
			bias = l.params[1].w
		}
		r.dev.ConvForward(y, x, l.params[0].w, bias, l.batch(n), l.Filters, act)
	})
	if l.act == gpu.Softmax {
		activate(ks, l.act, y, l.geom.ColRows(), l.Filters)
	}
}

func (l *Conv2DLayer) backward(ks *kernels, f fold, x, y, dy, dx gpu.Buffer) {
	rows := l.geom.ColRows() // a sample
	if !f.actDone {
		activateGrad(ks, l.act, dy, y, rows, l.Filters)
	}
	// im2col(x) again (in the Ops's scratch on the pure-Go device, read in
	// place on a GPU) rather than kept from forward: memory over flops.
	ks.add("ConvWeightGrads", "", func(r *run, n int) {
		var db gpu.Buffer
		if l.UseBias {
			db = l.params[1].g
		}
		r.dev.ConvWeightGrads(l.params[0].g, db, x, dy, l.batch(n), l.Filters)
	})
	if dx != nil {
		ks.add("dx ConvInputGrad", "", func(r *run, n int) { r.dev.ConvInputGrad(dx, dy, l.params[0].w, l.batch(n), l.Filters) })
	}
}
