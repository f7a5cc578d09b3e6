package gpu

// The browser's float32 product with WebAssembly SIMD. Go's wasm port
// emits no SIMD instructions, so the kernel is a tiny module of its own,
// written here as wasm bytecode (sgemmWasmModule) and instantiated on the
// program's memory (cpu_sgemm_js.go): it reads A and B and writes C where
// Go keeps them.
//
// It computes C in 4x8 blocks (four rows, two f32x4 of columns) with B's
// rows read as vectors and A's elements splat, each output one running
// sum over p = 0..k-1 in order, a multiply then an add (wasm has no fused
// multiply-add): the same operations in the same order as the Go loop
// (cpu_matmul.go), so its results are the Go loop's bit for bit. The Go
// side (cpu_sgemm_js.go) pads the edges (m mod 4 rows, n mod 8 columns)
// with zeros into whole blocks, so every output is the kernel's.

// wasm opcodes the kernel uses.
const (
	wBlock    = 0x02
	wLoop     = 0x03
	wIf       = 0x04
	wElse     = 0x05
	wEnd      = 0x0b
	wBr       = 0x0c
	wBrIf     = 0x0d
	wLocalGet = 0x20
	wLocalSet = 0x21
	wLocalTee = 0x22
	wF32Load  = 0x2a
	wI32Const = 0x41
	wI32GeU   = 0x4f
	wI32Add   = 0x6a
	wI32Mul   = 0x6c
	wI32And   = 0x71
	wI32Shl   = 0x74
	wVoid     = 0x40
	wI32      = 0x7f
	wV128     = 0x7b
	wSIMD     = 0xfd
)

// SIMD opcodes (after the 0xfd prefix, as LEB128).
const (
	wV128Load  = 0x00
	wV128Store = 0x0b
	wV128Const = 0x0c
	wF32x4Spl  = 0x13
	wF32x4Add  = 0xe4
	wF32x4Mul  = 0xe6
)

// The kernel's parameters: C, A and B as byte addresses; m, k, n; A's
// element strides (a(i, p) = A[i*asi + p*asp]); acc (add to C, or store);
// B's and C's row strides in elements (B(p, j) = B[p*ldb + j], C(i, j) =
// C[i*ldc + j]). It computes rows [0, m&^3) and columns [0, n&^7).
const (
	kC = iota
	kA
	kB
	kM
	kK
	kN
	kAsi
	kAsp
	kAcc
	kLdb
	kLdc
	kParams
)

// Its other locals.
const (
	kI = kParams + iota
	kJ
	kP
	kM4
	kN8
	kAP    // &A(i, p)
	kBP    // &B(p, j)
	kCP    // &C(i, j), then the next rows
	kAsi4  // asi in bytes
	kAsp4  // asp in bytes
	kLdb4  // ldb in bytes
	kLdc4  // ldc in bytes
	kI32s  = kLdc4 + 1 - kParams
	kAcc0  = kLdc4 + 1 // eight accumulators: row r, half h at kAcc0+2r+h
	kSplat = kAcc0 + 8
	kB0    = kSplat + 1
	kB1    = kB0 + 1
	kV128s = kB1 + 1 - kAcc0
)

type wasmCode []byte

func (w *wasmCode) op(b ...byte) { *w = append(*w, b...) }

func (w *wasmCode) uleb(v uint32) {
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			*w = append(*w, b|0x80)
			continue
		}
		*w = append(*w, b)
		return
	}
}

func (w *wasmCode) sleb(v int32) {
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && b&0x40 == 0) || (v == -1 && b&0x40 != 0) {
			*w = append(*w, b)
			return
		}
		*w = append(*w, b|0x80)
	}
}

func (w *wasmCode) get(l int)   { w.op(wLocalGet); w.uleb(uint32(l)) }
func (w *wasmCode) set(l int)   { w.op(wLocalSet); w.uleb(uint32(l)) }
func (w *wasmCode) tee(l int)   { w.op(wLocalTee); w.uleb(uint32(l)) }
func (w *wasmCode) i32(v int32) { w.op(wI32Const); w.sleb(v) }
func (w *wasmCode) simd(op uint32) {
	w.op(wSIMD)
	w.uleb(op)
}

// mem is a load or store's memarg: alignment (log2) and offset.
func (w *wasmCode) mem(align, offset uint32) {
	w.uleb(align)
	w.uleb(offset)
}

// addTo adds v to local l (i32).
func (w *wasmCode) addTo(l int, v func()) {
	w.get(l)
	v()
	w.op(wI32Add)
	w.set(l)
}

// loopWhileLess runs body while local i < local end (unsigned); body must
// advance i.
func (w *wasmCode) loopWhileLess(i, end int, body func()) {
	w.op(wBlock, wVoid)
	w.op(wLoop, wVoid)
	w.get(i)
	w.get(end)
	w.op(wI32GeU)
	w.op(wBrIf)
	w.uleb(1) // out of the block
	body()
	w.op(wBr)
	w.uleb(0) // to the loop's start
	w.op(wEnd, wEnd)
}

// sgemmWasmBody is the kernel's code.
func sgemmWasmBody() []byte {
	var w wasmCode
	// Locals after the parameters: the i32s, then the v128s.
	w.uleb(2)
	w.uleb(kI32s)
	w.op(wI32)
	w.uleb(kV128s)
	w.op(wV128)

	w.get(kM)
	w.i32(^3)
	w.op(wI32And)
	w.set(kM4)
	w.get(kN)
	w.i32(^7)
	w.op(wI32And)
	w.set(kN8)
	for _, s := range [][2]int{{kAsi, kAsi4}, {kAsp, kAsp4}, {kLdb, kLdb4}, {kLdc, kLdc4}} {
		w.get(s[0])
		w.i32(2)
		w.op(wI32Shl)
		w.set(s[1])
	}
	w.i32(0)
	w.set(kI)
	w.loopWhileLess(kI, kM4, func() {
		w.i32(0)
		w.set(kJ)
		w.loopWhileLess(kJ, kN8, func() {
			for r := 0; r < 8; r++ { // the accumulators start at +0
				w.simd(wV128Const)
				w.op(make([]byte, 16)...)
				w.set(kAcc0 + r)
			}
			// aP = A + i*asi*4; bP = B + j*4
			w.get(kA)
			w.get(kI)
			w.get(kAsi4)
			w.op(wI32Mul)
			w.op(wI32Add)
			w.set(kAP)
			w.get(kB)
			w.get(kJ)
			w.i32(2)
			w.op(wI32Shl)
			w.op(wI32Add)
			w.set(kBP)
			w.i32(0)
			w.set(kP)
			w.loopWhileLess(kP, kK, func() {
				w.get(kBP)
				w.simd(wV128Load)
				w.mem(0, 0)
				w.set(kB0)
				w.get(kBP)
				w.simd(wV128Load)
				w.mem(0, 16)
				w.set(kB1)
				for r := 0; r < 4; r++ {
					// splat(A(i+r, p)): aP + r*asi4
					w.get(kAP)
					if r > 0 {
						w.get(kAsi4)
						if r > 1 {
							w.i32(int32(r))
							w.op(wI32Mul)
						}
						w.op(wI32Add)
					}
					w.op(wF32Load)
					w.mem(2, 0)
					w.simd(wF32x4Spl)
					w.set(kSplat)
					for h := 0; h < 2; h++ {
						acc := kAcc0 + 2*r + h
						w.get(acc)
						w.get(kSplat)
						w.get(kB0 + h)
						w.simd(wF32x4Mul)
						w.simd(wF32x4Add)
						w.set(acc)
					}
				}
				w.addTo(kAP, func() { w.get(kAsp4) })
				w.addTo(kBP, func() { w.get(kLdb4) })
				w.addTo(kP, func() { w.i32(1) })
			})
			// cP = C + (i*ldc + j)*4
			w.get(kC)
			w.get(kI)
			w.get(kLdc)
			w.op(wI32Mul)
			w.get(kJ)
			w.op(wI32Add)
			w.i32(2)
			w.op(wI32Shl)
			w.op(wI32Add)
			w.set(kCP)
			for r := 0; r < 4; r++ {
				for h := 0; h < 2; h++ {
					acc := kAcc0 + 2*r + h
					w.get(kCP)
					w.get(kAcc)
					w.op(wIf, wV128)
					w.get(kCP)
					w.simd(wV128Load)
					w.mem(0, uint32(16*h))
					w.get(acc)
					w.simd(wF32x4Add)
					w.op(wElse)
					w.get(acc)
					w.op(wEnd)
					w.simd(wV128Store)
					w.mem(0, uint32(16*h))
				}
				w.addTo(kCP, func() { w.get(kLdc4) })
			}
			w.addTo(kJ, func() { w.i32(8) })
		})
		w.addTo(kI, func() { w.i32(4) })
	})
	w.op(wEnd)
	return w
}

// sgemmWasmModule is the kernel's module: it imports the memory as
// env.mem and exports the kernel as sgemm.
func sgemmWasmModule() []byte {
	var m wasmCode
	m.op(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00)
	section := func(id byte, body wasmCode) {
		m.op(id)
		m.uleb(uint32(len(body)))
		m.op(body...)
	}
	name := func(w *wasmCode, s string) {
		w.uleb(uint32(len(s)))
		w.op([]byte(s)...)
	}
	var types wasmCode // one type: (i32 x kParams) -> ()
	types.uleb(1)
	types.op(0x60)
	types.uleb(kParams)
	for range kParams {
		types.op(wI32)
	}
	types.uleb(0)
	section(1, types)
	var imports wasmCode // env.mem, a memory of at least 0 pages
	imports.uleb(1)
	name(&imports, "env")
	name(&imports, "mem")
	imports.op(0x02, 0x00, 0x00)
	section(2, imports)
	section(3, wasmCode{1, 0}) // one function of type 0
	var exports wasmCode
	exports.uleb(1)
	name(&exports, "sgemm")
	exports.op(0x00, 0x00)
	section(7, exports)
	body := sgemmWasmBody()
	var code wasmCode
	code.uleb(1)
	code.uleb(uint32(len(body)))
	code.op(body...)
	section(10, code)
	return m
}
