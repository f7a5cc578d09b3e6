package gpu

// Pooling's inner steps and relu's derivative with AVX2 (cpu_vec_amd64.s),
// used by the CPU device with the "simd" kernels: eight floats at a time,
// without the branch on each comparison that a network's values mispredict
// about half the time.

//go:noescape
func poolMax8(m, v *float32, n int)

//go:noescape
func poolArgmax8(m *float32, best *int32, v *float32, at, n int)

//go:noescape
func reluGrad8(dx, dy, y *float32, n int)
