//go:build !js

package gpu

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// gonum's Sgemm, natively where the SIMD product is missing: its assembly
// kernels (SSE) ran the lesson's shapes 2.5-4x faster than the Go loop in
// cpu_matmul.go. In the browser the Go loop is kept: there gonum falls back
// to plain Go and was measured 3-4x slower than it (see ../shared/browser.md).
// gonum splits the work over GOMAXPROCS itself.
var sgemmGonum sgemmFunc = func(c, a, b []float32, m, k, n int, transA, transB, acc bool, _ int) {
	tA, tB := blas.NoTrans, blas.NoTrans
	lda, ldb := k, n
	if transA {
		tA, lda = blas.Trans, m
	}
	if transB {
		tB, ldb = blas.Trans, k
	}
	var beta float32
	if acc {
		beta = 1
	}
	gonum.Implementation{}.Sgemm(tA, tB, m, n, k, 1, a, max(lda, 1), b, max(ldb, 1), beta, c, max(n, 1))
}
