package gpu

import (
	"math/rand"
	"slices"
	"testing"
)

// TestSgemmWasmSIMDExact checks that the WebAssembly SIMD product gives the
// Go loop's sums bit for bit (each output summed from zero over p in
// order, then stored or added), in the four layouts, with and without acc,
// on shapes around its 4x8 blocks. It runs where the kernel does: the
// browser build in an engine with SIMD (the gpu tests in Chromium,
// e2e's TestGPUConformanceInBrowser).
func TestSgemmWasmSIMDExact(t *testing.T) {
	if sgemmSIMDWasm == nil {
		t.Skip("no WebAssembly SIMD kernel in this build or engine")
	}
	rng := rand.New(rand.NewSource(5))
	shapes := []mmShape{{4, 1, 8}, {4, 3, 8}, {5, 7, 9}, {3, 5, 7}, {8, 16, 16}, {13, 29, 31}, {32, 89, 100}, {64, 288, 32}, {1, 9, 17}, {17, 2, 8},
		{32, 50, 1}, {32, 1, 50}, {9, 5, 5}, {6, 300, 13}, {89, 32, 100}, {7, 64, 7}}
	for _, sh := range shapes {
		m, k, n := sh.m, sh.k, sh.n
		for v := range 8 {
			ta, tb, acc := v&1 != 0, v&2 != 0, v&4 != 0
			a, b, c0 := randFloats(rng, m*k), randFloats(rng, k*n), randFloats(rng, m*n)
			asi, asp := k, 1
			if ta {
				asi, asp = 1, m
			}
			bsp, bsj := n, 1
			if tb {
				bsp, bsj = 1, k
			}
			want := slices.Clone(c0)
			for i := range m {
				for j := range n {
					var sum float32 // the Go loop's: from zero, p in order
					for p := range k {
						sum += a[i*asi+p*asp] * b[p*bsp+j*bsj]
					}
					if acc {
						want[i*n+j] += sum
					} else {
						want[i*n+j] = sum
					}
				}
			}
			got := slices.Clone(c0)
			sgemmSIMDWasm(got, a, b, m, k, n, ta, tb, acc, 1)
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("%dx%dx%d ta=%v tb=%v acc=%v: C[%d] = %v, the Go loop %v", m, k, n, ta, tb, acc, i, got[i], want[i])
					break
				}
			}
		}
	}
}
