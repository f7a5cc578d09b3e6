//go:build !amd64

package gpu

// No SIMD product outside amd64: arm64 and other native builds take gonum's,
// the browser the Go loop (see cpu_kernels.go).
var sgemmSIMD sgemmFunc

// The pooling steps of the "simd" kernels, which this build does not have.
func poolMax8(m, v *float32, n int) { panic("gpu: no SIMD pooling in this build") }
func poolArgmax8(m *float32, best *int32, v *float32, at, n int) {
	panic("gpu: no SIMD pooling in this build")
}

func sgemmBiasReLU(c, a, b []float32, m, k, n, workers int, bias []float32, relu bool) {
	panic("gpu: no SIMD product in this build")
}

func reluGrad8(dx, dy, y *float32, n int) { panic("gpu: no SIMD relu in this build") }
