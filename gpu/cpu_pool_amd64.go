package gpu

// The pooling's inner steps with AVX2 (cpu_pool_amd64.s), used by the CPU
// device with the "simd" kernels: eight channels at a time, without the
// branch on each comparison that random inputs mispredict half the time.

//go:noescape
func poolMax8(m, v *float32, n int)

//go:noescape
func poolArgmax8(m *float32, best *int32, v *float32, at, n int)
