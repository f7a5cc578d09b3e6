package gpu

import (
	"fmt"
	"math/rand"
	"testing"
)

// The lessons' products at batch 32, forward and backward: the weather
// MLP (89-100-50-1) and the CIFAR dropout model (three 3x3 convolutions of
// 32 filters on 32x32x3, 15x15x32 and 6x6x32, then Dense 32 and 10). A
// weight gradient reads A transposed (ta), an input gradient B (tb).
var lessonProducts = []struct {
	m, k, n int
	ta, tb  bool
}{
	// weather: forward, weight gradients, input gradients
	{32, 89, 100, false, false}, {32, 100, 50, false, false}, {32, 50, 1, false, false},
	{89, 32, 100, true, false}, {100, 32, 50, true, false}, {50, 32, 1, true, false},
	{32, 50, 100, false, true}, {32, 1, 50, false, true},
	// CIFAR: conv1, conv2, conv3 forward; their weight gradients; the input
	// gradients of conv2 and conv3 (columns of im2col); the dense layers
	{32 * 30 * 30, 27, 32, false, false}, {32 * 13 * 13, 288, 32, false, false}, {32 * 4 * 4, 288, 32, false, false},
	{27, 32 * 30 * 30, 32, true, false}, {288, 32 * 13 * 13, 32, true, false}, {288, 32 * 4 * 4, 32, true, false},
	{32 * 13 * 13, 32, 288, false, true}, {32 * 4 * 4, 32, 288, false, true},
	{32, 512, 32, false, false}, {512, 32, 32, true, false}, {32, 32, 512, false, true},
	{256, 256, 256, false, false},
}

func BenchmarkMatMulCPU(b *testing.B) {
	d := NewCPU()
	for _, s := range lessonProducts {
		A, B, C := d.Alloc(s.m*s.k), d.Alloc(s.k*s.n), d.Alloc(s.m*s.n)
		for i := range Host[float32](A) {
			Host[float32](A)[i] = rand.Float32()
		}
		for i := range Host[float32](B) {
			Host[float32](B)[i] = rand.Float32()
		}
		b.Run(fmt.Sprintf("%dx%dx%d_%v%v", s.m, s.k, s.n, s.ta, s.tb), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				d.MatMul(C, A, B, s.m, s.k, s.n, s.ta, s.tb, false)
			}
			b.ReportMetric(float64(2*s.m*s.k*s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// The CIFAR model's convolution geometries at batch 32 (3x3, valid) and
// its 2x2 pools.
var (
	lessonConvs = []ConvGeom{geom(32, 32, 32, 3, 3, 3, 1, 1, false), geom(32, 15, 15, 32, 3, 3, 1, 1, false), geom(32, 6, 6, 32, 3, 3, 1, 1, false)}
	lessonPools = []ConvGeom{geom(32, 30, 30, 32, 2, 2, 2, 2, false), geom(32, 13, 13, 32, 2, 2, 2, 2, false)}
)

// BenchmarkConvCPU times the CPU device's im2col, col2im, max pooling and
// its gradient on the CIFAR lesson's geometries.
func BenchmarkConvCPU(b *testing.B) {
	d := NewCPU()
	fill := func(buf Buffer) Buffer {
		for i := range Host[float32](buf) {
			Host[float32](buf)[i] = rand.Float32()
		}
		return buf
	}
	for _, g := range lessonConvs {
		x, col := fill(d.Alloc(g.N*g.H*g.W*g.C)), fill(d.Alloc(g.ColRows()*g.ColCols()))
		name := fmt.Sprintf("%dx%dx%d", g.H, g.W, g.C)
		b.Run("Im2Col/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				d.Im2Col(col, x, g)
			}
		})
		b.Run("Col2Im/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				d.Col2Im(x, col, g)
			}
		})
	}
	for _, g := range lessonPools {
		x, dx := fill(d.Alloc(g.N*g.H*g.W*g.C)), d.Alloc(g.N*g.H*g.W*g.C)
		y, dy := d.Alloc(g.N*g.OH*g.OW*g.C), fill(d.Alloc(g.N*g.OH*g.OW*g.C))
		name := fmt.Sprintf("%dx%dx%d", g.H, g.W, g.C)
		b.Run("MaxPool/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				d.MaxPool(y, x, g)
			}
		})
		b.Run("MaxPoolActGrad/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				d.MaxPoolActGrad(dx, dy, x, g, ReLU)
			}
		})
	}
	n := 32 * 30 * 30 * 32
	x, y := fill(d.Alloc(n)), d.Alloc(n)
	b.Run("ReLU/conv1", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			d.Activate(ReLU, y, x, n)
		}
	})
	b.Run("ReLUGrad/conv1", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			d.ActivateGrad(ReLU, y, x, x, n)
		}
	})
}
