//go:build !amd64

package gpu

// No SIMD product outside amd64: arm64 and other native builds take gonum's,
// the browser the Go loop (see cpu_kernels.go).
var sgemmSIMD sgemmFunc
