//go:build !wasm

package gpu

// relu sets out[i] = max(in[i], 0) for i < len(in): natively max compiles
// to a few inline instructions (cpu_relu_wasm.go has the browser's loop).
func relu[T Float](out, in []T) {
	out = out[:len(in)]
	for i, v := range in {
		out[i] = max(v, 0)
	}
}
