package gpu

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// The Go loop (the browser's products, and the float64 device's) gives
// every output bit for bit the reference's sum: one running sum over p in
// increasing order, from 0, then stored or added to C. Its blocking,
// packing and unrolling may reorder the work across outputs but never
// within one sum, or the lessons' numbers in the browser would change. The
// shapes straddle its 2x4 blocks, 8-row groups and 4-deep unrolling, the
// size below which it takes the plain loop, and the size at which a
// product is split over workers; the values span
// sixteen binades, so that a sum taken in another order differs.
func TestMatMulGoLoopSequential(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	shapes := []mmShape{
		{32, 89, 100}, {89, 32, 100}, {32, 100, 50}, {32, 50, 1}, {50, 32, 1}, {32, 1, 50},
		{1, 1, 1}, {1, 7, 1}, {3, 0, 5}, {9, 3, 7}, {17, 5, 4}, {8, 4, 8}, {300, 27, 32}, {27, 300, 33},
		{33, 37, 9}, {13, 61, 7}, {41, 129, 6}, {1, 5000, 2}, {9, 4097, 1}, {3, 2, 1000},
	}
	for range 40 {
		shapes = append(shapes, mmShape{1 + rng.Intn(40), rng.Intn(70), 1 + rng.Intn(23)})
	}
	for _, sh := range shapes {
		for v := range 8 {
			ta, tb, acc := v&1 != 0, v&2 != 0, v&4 != 0
			for _, w := range []int{1, 3} {
				name := fmt.Sprintf("%dx%dx%d ta=%v tb=%v acc=%v workers=%d", sh.m, sh.k, sh.n, ta, tb, acc, w)
				checkSequential[float32](t, name, rng, sh, ta, tb, acc, w)
				checkSequential[float64](t, name, rng, sh, ta, tb, acc, w)
			}
		}
	}
}

func checkSequential[T Float](t *testing.T, name string, rng *rand.Rand, sh mmShape, ta, tb, acc bool, workers int) {
	t.Helper()
	m, k, n := sh.m, sh.k, sh.n
	d := NewCPUOf[T]()
	if err := d.SetKernels("go"); err != nil {
		t.Fatal(err)
	}
	d.workers = workers
	spread := func(n int) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(rng.NormFloat64() * math.Ldexp(1, rng.Intn(16)-8))
		}
		return v
	}
	a, b, c0 := spread(m*k), spread(k*n), spread(m*n)
	A, B, C := d.Alloc(m*k), d.Alloc(k*n), d.Alloc(m*n)
	copy(Host[T](A), a)
	copy(Host[T](B), b)
	copy(Host[T](C), c0)
	d.MatMul(C, A, B, m, k, n, ta, tb, acc)
	got := Host[T](C)
	for i := range m {
		for j := range n {
			var s T
			for p := range k {
				ap, bp := a[i*k+p], b[p*n+j]
				if ta {
					ap = a[p*m+i]
				}
				if tb {
					bp = b[j*k+p]
				}
				s += ap * bp
			}
			if acc {
				s = c0[i*n+j] + s
			}
			if g := got[i*n+j]; g != s {
				var z T
				t.Errorf("%T %s: c(%d, %d) = %v, the sequential sum is %v", z, name, i, j, g, s)
				return
			}
		}
	}
}
