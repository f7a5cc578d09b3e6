//go:build !(js && wasm)

package gpu

// The WebAssembly SIMD product exists only in the browser build.
var sgemmSIMDWasm sgemmFunc
