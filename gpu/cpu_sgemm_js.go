//go:build js && wasm

package gpu

import (
	"syscall/js"
	"unsafe"
)

// The WebAssembly SIMD product (cpu_sgemm_wasm.go) in the browser: its
// module is instantiated on this program's memory, which the page's loader
// publishes as globalThis.wasm (nnlab.js, train-worker.js). Without it,
// or in an engine without SIMD, the browser keeps the Go loop.

var sgemmWasm = newSgemmWasm()

func newSgemmWasm() js.Value {
	defer func() { recover() }() // any failure: no kernel
	g := js.Global()
	inst := g.Get("wasm")
	if !inst.Truthy() || !inst.Get("instance").Truthy() {
		return js.Undefined()
	}
	mem := inst.Get("instance").Get("exports").Get("mem")
	wa := g.Get("WebAssembly")
	if !mem.Truthy() || !wa.Truthy() {
		return js.Undefined()
	}
	code := sgemmWasmModule()
	buf := g.Get("Uint8Array").New(len(code))
	js.CopyBytesToJS(buf, code)
	if !wa.Call("validate", buf).Bool() {
		return js.Undefined() // no SIMD here
	}
	mod := wa.Get("Module").New(buf)
	env := map[string]any{"env": map[string]any{"mem": mem}}
	return wa.Get("Instance").New(mod, env).Get("exports").Get("sgemm")
}

var sgemmSIMDWasm = func() sgemmFunc {
	if sgemmWasm.Type() != js.TypeFunction {
		return nil
	}
	return sgemmWasmSIMD
}()

// sgemmWasmSIMD computes C's 4x8 blocks with the kernel and the edges with
// the Go loop; op(B) is copied to a k x n block first when B is
// transposed (the kernel reads B's rows as vectors).
func sgemmWasmSIMD(c, a, b []float32, m, k, n int, transA, transB, acc bool, _ int) {
	asi, asp := k, 1
	if transA {
		asi, asp = 1, m
	}
	bb, bsp, bsj := b, n, 1
	if transB {
		bsp, bsj = 1, k
	}
	m4, n8 := m&^3, n&^7
	if m4 > 0 && n8 > 0 {
		if transB {
			bb = make([]float32, k*n)
			for p := 0; p < k; p++ {
				row := bb[p*n : (p+1)*n]
				for j := range row {
					row[j] = b[j*k+p]
				}
			}
		}
		accFlag := 0
		if acc {
			accFlag = 1
		}
		sgemmWasm.Invoke(addr(c), addr(a), addr(bb), m, k, n, asi, asp, accFlag)
	}
	// The edges: the last n mod 8 columns of the first m4 rows, and the
	// last m mod 4 rows.
	if n8 < n {
		for i := 0; i < m4; i++ {
			for j := n8; j < n; j++ {
				matmulOne(c, a, b, i, j, k, n, asi, asp, bsp, bsj, acc)
			}
		}
	}
	if m4 < m {
		matmulRows(c, a, b, m4, m, k, n, asi, asp, bsp, bsj, acc)
	}
}

// addr is a slice's address in the program's linear memory.
func addr(s []float32) int { return int(uintptr(unsafe.Pointer(&s[0]))) }
