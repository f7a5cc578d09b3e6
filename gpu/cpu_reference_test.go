package gpu

import (
	"math"
	"math/rand"
	"testing"
)

// The pure-Go device's window kernels against direct loops written from
// their definitions, not from the device's code: the conformance suite
// compares the float32 CPU device with the float64 one, the same generic
// code twice, so a shared mistake there passes. Each loop below reads the
// definition of Keras's (TensorFlow's) operation: a convolution sums
// x[oh*SH+kh-PadT, ow*SW+kw-PadL, c] * w[kh, kw, c, f] over the window, a
// max pool takes the maximum of the window's inside part, and each
// gradient is the derivative of a scalar Σ y·dy by the definition, with
// a one-hot perturbation of the input.

func randGeoms() []ConvGeom {
	return []ConvGeom{
		{N: 2, H: 7, W: 9, C: 2, KH: 3, KW: 3, SH: 1, SW: 1, OH: 5, OW: 7},                   // valid
		{N: 1, H: 6, W: 7, C: 3, KH: 3, KW: 3, SH: 1, SW: 1, PadT: 1, PadL: 1, OH: 6, OW: 7}, // same
		{N: 2, H: 7, W: 8, C: 2, KH: 3, KW: 3, SH: 2, SW: 2, PadT: 1, PadL: 0, OH: 4, OW: 4}, // same s2: extra pixel at the bottom/right
		{N: 1, H: 6, W: 5, C: 1, KH: 4, KW: 2, SH: 1, SW: 2, PadT: 1, PadL: 0, OH: 6, OW: 3}, // same, odd total
		{N: 2, H: 7, W: 8, C: 2, KH: 3, KW: 3, SH: 2, SW: 2, OH: 3, OW: 3},                   // overlapping pool 3/2
	}
}

func randFill(r *rand.Rand, v []float64) {
	for i := range v {
		v[i] = r.NormFloat64()
	}
}

// at is x[n, ih, iw, c], or ok false outside the image.
func at(x []float64, g ConvGeom, n, ih, iw, c int) (float64, bool) {
	if ih < 0 || ih >= g.H || iw < 0 || iw >= g.W {
		return 0, false
	}
	return x[((n*g.H+ih)*g.W+iw)*g.C+c], true
}

func directConv(x, w, bias []float64, g ConvGeom, f int) []float64 {
	y := make([]float64, g.N*g.OH*g.OW*f)
	for n := 0; n < g.N; n++ {
		for oh := 0; oh < g.OH; oh++ {
			for ow := 0; ow < g.OW; ow++ {
				for o := 0; o < f; o++ {
					s := bias[o]
					for kh := 0; kh < g.KH; kh++ {
						for kw := 0; kw < g.KW; kw++ {
							for c := 0; c < g.C; c++ {
								if v, ok := at(x, g, n, oh*g.SH+kh-g.PadT, ow*g.SW+kw-g.PadL, c); ok {
									s += v * w[((kh*g.KW+kw)*g.C+c)*f+o]
								}
							}
						}
					}
					y[((n*g.OH+oh)*g.OW+ow)*f+o] = s
				}
			}
		}
	}
	return y
}

func directPool(x []float64, g ConvGeom) []float64 {
	y := make([]float64, g.N*g.OH*g.OW*g.C)
	for n := 0; n < g.N; n++ {
		for oh := 0; oh < g.OH; oh++ {
			for ow := 0; ow < g.OW; ow++ {
				for c := 0; c < g.C; c++ {
					m := math.Inf(-1)
					for kh := 0; kh < g.KH; kh++ {
						for kw := 0; kw < g.KW; kw++ {
							if v, ok := at(x, g, n, oh*g.SH+kh-g.PadT, ow*g.SW+kw-g.PadL, c); ok {
								m = math.Max(m, v)
							}
						}
					}
					y[((n*g.OH+oh)*g.OW+ow)*g.C+c] = m
				}
			}
		}
	}
	return y
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func near(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		// float64 sums of at most a few dozen products, in another order.
		if math.Abs(got[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %.15g, by the definition %.15g", what, i, got[i], want[i])
		}
	}
}

func TestCPUWindowKernelsByDefinition(t *testing.T) {
	d := NewCPUOf[float64]()
	r := rand.New(rand.NewSource(7))
	buf := func(v []float64) Buffer {
		b := d.Alloc(len(v))
		copy(Host[float64](b), v)
		return b
	}
	for gi, g := range randGeoms() {
		const f = 3
		x := make([]float64, g.N*g.H*g.W*g.C)
		w := make([]float64, g.KH*g.KW*g.C*f)
		bias := make([]float64, f)
		randFill(r, x)
		randFill(r, w)
		randFill(r, bias)
		xb, wb, bb := buf(x), buf(w), buf(bias)
		col := d.Alloc(g.ColRows() * g.ColCols())
		y := d.Alloc(g.ColRows() * f)

		NewOps(d).ConvForward(y, xb, wb, bb, g, f, Linear)
		want := directConv(x, w, bias, g, f)
		near(t, "ConvForward", Host[float64](y), want)
		d.Im2Col(col, xb, g)
		d.MatMulBiasAct(y, col, wb, bb, g.ColRows(), g.ColCols(), f, Linear)
		near(t, "Im2Col then MatMulBiasAct", Host[float64](y), want)

		// Col2Im is Im2Col's adjoint: <im2col(x), c> = <x, Col2Im(c)>, and
		// with a one-hot x this reads Col2Im(c) element by element.
		c := make([]float64, g.ColRows()*g.ColCols())
		randFill(r, c)
		dx := d.Alloc(len(x))
		d.Col2Im(dx, buf(c), g)
		for i := 0; i < len(x); i += 1 + len(x)/23 {
			e := make([]float64, len(x))
			e[i] = 1
			d.Im2Col(col, buf(e), g)
			if got, want := Host[float64](dx)[i], dot(Host[float64](col), c); math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
				t.Fatalf("geometry %d: Col2Im[%d] = %.15g, <im2col(e_i), c> = %.15g", gi, i, got, want)
			}
		}

		pg := g
		py := d.Alloc(g.N * g.OH * g.OW * g.C)
		d.MaxPool(py, xb, pg)
		near(t, "MaxPool", Host[float64](py), directPool(x, pg))

		// MaxPoolGrad by the definition: d/dx_i of Σ pool(x)·dy.
		dy := make([]float64, len(Host[float64](py)))
		randFill(r, dy)
		pdx := d.Alloc(len(x))
		d.MaxPoolGrad(pdx, buf(dy), xb, pg)
		const h = 1e-7 // no ties among random normals: the max is piecewise linear
		for i := range x {
			xp := append([]float64(nil), x...)
			xp[i] += h
			num := (dot(directPool(xp, pg), dy) - dot(directPool(x, pg), dy)) / h
			if got := Host[float64](pdx)[i]; math.Abs(got-num) > 1e-6 {
				t.Fatalf("geometry %d: MaxPoolGrad[%d] = %.9g, by the definition %.9g", gi, i, got, num)
			}
		}
	}
}

// BatchNormStats by Keras's definition: biased batch variance, moving
// statistics moving*momentum + batch*(1-momentum); BatchNorm with epsilon
// inside the root.
func TestCPUBatchNormByDefinition(t *testing.T) {
	d := NewCPUOf[float64]()
	const rows, cols = 6, 3
	x := []float64{1, 2, 3, 4, 5, 7, -1, 0, 2, 3, 3, 3, 0.5, -2, 1, 2, 2, 9}
	xb := d.Alloc(rows * cols)
	copy(Host[float64](xb), x)
	mean, va, mm, mv := d.Alloc(cols), d.Alloc(cols), d.Alloc(cols), d.Alloc(cols)
	d.Fill(mv, 1, cols)
	const mom = float32(0.99)
	d.BatchNormStats(mean, va, mm, mv, xb, rows, cols, mom)
	for j := 0; j < cols; j++ {
		mu, v := 0.0, 0.0
		for r := 0; r < rows; r++ {
			mu += x[r*cols+j] / rows
		}
		for r := 0; r < rows; r++ {
			v += (x[r*cols+j] - mu) * (x[r*cols+j] - mu) / rows
		}
		m := float64(mom)
		got := []float64{Host[float64](mean)[j], Host[float64](va)[j], Host[float64](mm)[j], Host[float64](mv)[j]}
		near(t, "batch mean, variance, moving mean, moving variance", got, []float64{mu, v, mu * (1 - m), m + v*(1-m)})
	}
	gamma, beta, y := d.Alloc(cols), d.Alloc(cols), d.Alloc(rows*cols)
	copy(Host[float64](gamma), []float64{1, 2, 0.5})
	copy(Host[float64](beta), []float64{0, -1, 3})
	const eps = float32(1e-3)
	d.BatchNorm(y, xb, mean, va, gamma, beta, rows, cols, eps)
	for i, v := range x {
		j := i % cols
		want := Host[float64](gamma)[j]*(v-Host[float64](mean)[j])/math.Sqrt(Host[float64](va)[j]+float64(eps)) + Host[float64](beta)[j]
		near(t, "BatchNorm", Host[float64](y)[i:i+1], []float64{want})
	}
}

// Gather by its definition: rows picked by the index buffer, float or byte
// sources, times scale (images arrive as bytes, scaled by 1/255).
func TestCPUGatherByDefinition(t *testing.T) {
	d := NewCPUOf[float64]()
	const rowLen = 3
	bytesSrc := []uint8{0, 1, 2, 10, 20, 30, 255, 128, 64, 7, 8, 9}
	floats := d.Alloc(len(bytesSrc))
	for i, v := range bytesSrc {
		Host[float64](floats)[i] = float64(v) + 0.5
	}
	idx := d.Alloc(5)
	copy(Host[float64](idx), []float64{9, 2, 0, 3, 1}) // rows 2, 0, 3 from offset 1
	const scale = float32(1.0 / 255)
	for _, src := range []Buffer{d.UploadBytes(bytesSrc), floats} {
		dst := d.Alloc(3 * rowLen)
		d.Gather(dst, src, idx, 1, 3, rowLen, scale)
		for r, row := range []int{2, 0, 3} {
			for j := 0; j < rowLen; j++ {
				v := float64(bytesSrc[row*rowLen+j])
				if src == floats {
					v += 0.5
				}
				want := float64(scale) * v
				if got := Host[float64](dst)[r*rowLen+j]; math.Abs(got-want) > 1e-15 {
					t.Fatalf("Gather row %d (sample %d), element %d = %g, want %g", r, row, j, got, want)
				}
			}
		}
	}
}
