//go:build js && wasm

package gpu

import (
	"sync"
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

// sgemmWasmScratch holds the padded blocks between products: op(B) with
// its columns padded to a multiple of 8, the last rows of A padded to
// four, and the edge blocks of C. The browser's program may run products
// from two goroutines (a fit and the page's estimate), hence the lock.
var sgemmWasmScratch struct {
	sync.Mutex
	b, a, c []float32
}

// sgemmWasmMinFlops is the product below which the Go loop is faster than
// a call into the kernel and its padding.
const sgemmWasmMinFlops = 1 << 11

// sgemmWasmSIMD computes C with the kernel: the 4x8 blocks in place, the
// edges (n mod 8 columns, m mod 4 rows) from zero-padded copies into a
// scratch block and then into C. op(B) is copied into a k x 8n' block
// when it is transposed or its rows are not a multiple of 8 long.
func sgemmWasmSIMD(c, a, b []float32, m, k, n int, transA, transB, acc bool, _ int) {
	asi, asp := k, 1
	if transA {
		asi, asp = 1, m
	}
	if 2*m*n*k < sgemmWasmMinFlops || m < 4 {
		matmulSmall(c, a, b, m, k, n, transA, transB, acc)
		return
	}
	s := &sgemmWasmScratch
	s.Lock()
	defer s.Unlock()
	n8 := (n + 7) &^ 7
	bp, ldb := b, n
	if transB || n8 != n {
		s.b = grow(s.b, k*n8)
		bp, ldb = s.b[:k*n8], n8
		for p := 0; p < k; p++ {
			row := bp[p*n8 : (p+1)*n8]
			if transB {
				for j := 0; j < n; j++ {
					row[j] = b[j*k+p]
				}
			} else {
				copy(row, b[p*n:(p+1)*n])
			}
			clear(row[n:])
		}
	}
	flag := 0
	if acc {
		flag = 1
	}
	m4, nIn := m&^3, n&^7
	if nIn > 0 {
		sgemmWasm.Invoke(addr(c), addr(a), addr(bp), m4, k, nIn, asi, asp, flag, ldb, n)
	}
	if nIn < n { // the last columns: an m4 x 8 block
		s.c = grow(s.c, m4*8)
		t := s.c[:m4*8]
		sgemmWasm.Invoke(addr(t), addr(a), addr(bp[nIn:]), m4, k, 8, asi, asp, 0, ldb, 8)
		mergeBlock(c, t, 0, m4, nIn, n, n, 8, acc)
	}
	if m4 < m { // the last rows: A's padded to four, a 4 x n8 block
		s.a = grow(s.a, 4*k)
		ap := s.a[:4*k]
		clear(ap)
		for i := m4; i < m; i++ {
			for p := 0; p < k; p++ {
				ap[(i-m4)*k+p] = a[i*asi+p*asp]
			}
		}
		s.c = grow(s.c, 4*n8)
		t := s.c[:4*n8]
		sgemmWasm.Invoke(addr(t), addr(ap), addr(bp), 4, k, n8, k, 1, 0, ldb, n8)
		mergeBlock(c, t, m4, m, 0, n, n, n8, acc)
	}
}

// mergeBlock stores (or, with acc, adds) the block t (rows i0..i1 of C,
// columns j0..j1, row stride ldt) into C (row stride ldc), as the Go loop
// stores or adds each finished sum.
func mergeBlock(c, t []float32, i0, i1, j0, j1, ldc, ldt int, acc bool) {
	for i := i0; i < i1; i++ {
		dst, src := c[i*ldc+j0:i*ldc+j1], t[(i-i0)*ldt:(i-i0)*ldt+j1-j0]
		if acc {
			for j := range dst {
				dst[j] += src[j]
			}
		} else {
			copy(dst, src)
		}
	}
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// addr is a slice's address in the program's linear memory.
func addr(s []float32) int { return int(uintptr(unsafe.Pointer(&s[0]))) }
