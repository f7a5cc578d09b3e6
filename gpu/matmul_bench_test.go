package gpu

import (
	"fmt"
	"math/rand"
	"testing"
)

func BenchmarkMatMulCPU(b *testing.B) {
	shapes := []struct {
		m, k, n int
		ta, tb  bool
	}{
		{32, 89, 100, false, false}, {89, 32, 100, true, false}, {32, 100, 50, false, true},
		{32 * 30 * 30, 27, 32, false, false}, {32 * 13 * 13, 288, 32, false, false}, {288, 32 * 13 * 13, 32, true, false},
		{256, 256, 256, false, false},
	}
	d := NewCPU()
	for _, s := range shapes {
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
