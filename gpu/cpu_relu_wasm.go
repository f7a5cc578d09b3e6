package gpu

// relu sets out[i] = max(in[i], 0) for i < len(in). Go's wasm port calls
// runtime.fmax32 for each max of two floats; this comparison is the same
// function inline (a NaN passes through, -0 and +0 give +0), 2.3x faster
// under V8. Natively max is the faster (cpu_relu_wasm_other.go).
func relu[T Float](out, in []T) {
	out = out[:len(in)]
	for i, v := range in {
		if v > 0 || v != v {
			out[i] = v
		} else {
			out[i] = 0
		}
	}
}
