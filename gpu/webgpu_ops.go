//go:build (cgo && linux && amd64) || js

package gpu

import (
	"fmt"
	"math"

	"nnlab/shaders"
)

// The kernels of the WebGPU device: each records one dispatch of a
// kernel of package shaders, whose file names the reference loop.

// The extensions that the WebGPU device fuses, each one dispatch where the
// fallback of Ops takes two or three: a step's dispatch count rests on them.
var (
	_ MatMulBiasActer  = (*WebGPU)(nil)
	_ MatMulActGrader  = (*WebGPU)(nil)
	_ WeightGrader     = (*WebGPU)(nil)
	_ ConvForwarder    = (*WebGPU)(nil)
	_ ConvWeightGrader = (*WebGPU)(nil)
	_ MaxPoolActGrader = (*WebGPU)(nil)
	_ DropoutActGrader = (*WebGPU)(nil)
)

func (d *WebGPU) Fill(dst Buffer, v float32, n int) {
	d.begin().u(n).f(v).bind(d.view(dst, false))
	d.elementwise("fill", n)
}

func (d *WebGPU) Copy(dst, src Buffer, n int) {
	d.begin().u(n).bind(d.view(dst, false)).bind(d.view(src, false))
	d.elementwise("copy", n)
}

// Gather binds its source as up to four windows of at most maxBind bytes,
// starting every stride bytes, so that a dataset larger than one storage
// binding (CIFAR-10's 154 MB of bytes against WebGPU's default of 128 MiB)
// can still be gathered from: consecutive windows overlap by at least a row.
func (d *WebGPU) Gather(dst, src, idx Buffer, idxOff, rows, rowLen int, scale float32) {
	total := rows * rowLen
	if total == 0 {
		return
	}
	s := src.(*webgpuBuf)
	name := "gather"
	if s.bytes {
		name = "gather_bytes"
	}
	win := d.maxBind
	if d.gatherWin != 0 {
		win = d.gatherWin
	}
	gw, err := gatherWindows(s, rowLen, win)
	if err != nil {
		d.fail(err)
		return
	}
	c := d.begin().u(total, rowLen, idxOff).f(scale).u(int(gw.base), int(gw.stride/gw.esize))
	c.bind(d.view(dst, false)).bind(d.view(idx, false))
	for w := uint64(0); w < 4; w++ {
		off := gw.start + min(w, gw.n-1)*gw.stride
		size := min(gw.size, s.mem.size-off, roundUp(gw.extent-(off-gw.start), 4))
		c.bind(binding{mem: s.mem, off: off, size: size})
	}
	d.elementwise(name, total)
}

// windows lays out Gather's source: window w is bound at start + w*stride
// (bytes into the buffer) with at most size bytes; the view begins base
// elements into window 0 and ends extent bytes after start.
type windows struct {
	start, stride, size, extent, esize, base, n uint64
}

func gatherWindows(s *webgpuBuf, rowLen int, maxBind uint64) (windows, error) {
	w := windows{esize: 4, n: 1}
	if s.bytes {
		w.esize = 1
	}
	w.start = s.off &^ (bindAlign - 1)
	w.base = (s.off - w.start) / w.esize
	w.extent = s.off - w.start + roundUp(uint64(s.n)*w.esize, 4)
	w.size = maxBind &^ (bindAlign - 1)
	w.stride = uint64(math.MaxUint32) &^ (bindAlign - 1) // one window holds every row
	if w.extent <= w.size {
		return w, nil
	}
	row := roundUp(uint64(rowLen)*w.esize, bindAlign)
	if row >= w.size {
		return w, fmt.Errorf("gpu: WebGPU Gather: rows of %d bytes do not fit a storage binding of %d bytes", uint64(rowLen)*w.esize, w.size)
	}
	w.stride = (w.size - row) &^ (bindAlign - 1)
	// The last row starts at most extent-rowLen bytes in.
	w.n = (w.extent-uint64(rowLen)*w.esize)/w.stride + 1
	if w.n > 4 {
		return w, fmt.Errorf("gpu: WebGPU Gather: a source of %d bytes needs %d windows of this device's maxStorageBufferBindingSize (%d bytes); the kernel has 4",
			w.extent, w.n, maxBind)
	}
	return w, nil
}

// mmTile picks the tile of a MatMul: 128x128 (8x8 per invocation, k steps
// of 8) when there are enough such tiles to fill a large GPU, else 64x64
// (4x4 per invocation, k steps of 16). Both use 16 KiB of workgroup memory,
// WebGPU's default limit.
func mmTile(m, k, n int) (tm, tn, bk int) {
	if m >= 128 && n >= 128 && ((m+127)/128)*((n+127)/128) >= 96 {
		return 8, 8, 8
	}
	return 4, 4, 16
}

// mmTileOK reports whether matmul.wgsl can run with TM, TN, BK: multiples
// of 4, whole vec4s of the slabs for each of 256 invocations, and the
// double-buffered slabs within the workgroup memory limit.
func mmTileOK(tm, tn, bk int, maxShared uint64) bool {
	bm, bn := 16*tm, 16*tn
	return tm > 0 && tn > 0 && bk > 0 && tm%4 == 0 && tn%4 == 0 && bk%4 == 0 &&
		bm*bk%1024 == 0 && bn*bk%1024 == 0 &&
		uint64(2*bk*(bm+bn)*4) <= maxShared
}

func (d *WebGPU) MatMul(c, a, b Buffer, m, k, n int, transA, transB, acc bool) {
	d.matmul(mmCall{c: c, a: a, b: b, m: m, k: k, n: n, transA: transA, transB: transB, acc: acc})
}

func (d *WebGPU) MatMulBiasAct(c, a, b, bias Buffer, m, k, n int, act Act) {
	if act == Softmax || act < Linear || act > Tanh {
		panic("gpu: MatMulBiasAct does not do " + act.String())
	}
	d.matmul(mmCall{c: c, a: a, b: b, m: m, k: k, n: n, bias: bias, act: act})
}

func (d *WebGPU) ConvForward(y, x, w, bias Buffer, g ConvGeom, filters int, act Act) {
	if act == Softmax || act < Linear || act > Tanh {
		panic("gpu: ConvForward does not do " + act.String())
	}
	d.matmul(mmCall{c: y, a: x, b: w, m: g.ColRows(), k: g.ColCols(), n: filters, bias: bias, act: act, conv: g, im2col: true})
}

func (d *WebGPU) ConvWeightGrads(dw, db, x, dy Buffer, g ConvGeom, filters int) {
	c := mmCall{c: dw, a: x, b: dy, m: g.ColCols(), k: g.ColRows(), n: filters, transA: true, conv: g, im2col: true}
	if db != nil {
		c.db, c.m = db, c.m+1
	}
	d.matmul(c)
}

func (d *WebGPU) MatMulActGrad(c, a, b, y Buffer, m, k, n int, transB bool, act Act) {
	if act == Softmax || act < Linear || act > Tanh {
		panic("gpu: MatMulActGrad does not do " + act.String())
	}
	d.matmul(mmCall{c: c, a: a, b: b, m: m, k: k, n: n, transB: transB, act: act, actGradY: y})
}

// WeightGrads is one product: xᵀ·dy with a row of ones appended to xᵀ,
// whose products (the column sums of dy) go to db.
func (d *WebGPU) WeightGrads(dw, db, x, dy Buffer, rows, in, out int) {
	c := mmCall{c: dw, a: x, b: dy, m: in, k: rows, n: out, transA: true}
	if db != nil {
		c.db, c.m = db, in+1
	}
	d.matmul(c)
}

// mmCall is one matmul.wgsl product (MatMul, MatMulBiasAct, MatMulActGrad,
// WeightGrads).
type mmCall struct {
	c, a, b             Buffer
	m, k, n             int
	transA, transB, acc bool
	bias                Buffer // added to each row, then act (MatMulBiasAct)
	act                 Act
	actGradY            Buffer   // act's output: C is multiplied by act' at it (MatMulActGrad)
	db                  Buffer   // with transA: op(A)'s last row is ones, its row of C goes here
	im2col              bool     // A is the im2col matrix of the image bound as a,
	conv                ConvGeom // with this geometry
}

// matmul records matmul.wgsl (and sum_split.wgsl after a split k).
func (d *WebGPU) matmul(mc mmCall) {
	m, k, n := mc.m, mc.k, mc.n
	if m == 0 || n == 0 {
		return
	}
	choose := mmTile
	if d.mmConfig != nil {
		choose = d.mmConfig
	}
	tm, tn, bk := choose(m, k, n)
	if !mmTileOK(tm, tn, bk, d.maxShared) {
		d.fail(fmt.Errorf("gpu: WebGPU MatMul: tile %dx%dx%d is not one the kernel can do on this device", tm, tn, bk))
		return
	}
	const (
		fAcc, fTransA, fTransB, fVecA, fVecB, fVecC = shaders.MatMulAcc, shaders.MatMulTransA, shaders.MatMulTransB, shaders.MatMulVecA, shaders.MatMulVecB, shaders.MatMulVecC
		fBias, fOnes, fActGrad, fIm2col             = shaders.MatMulBias, shaders.MatMulOnes, shaders.MatMulActGrad, shaders.MatMulIm2col
	)
	flags := 0
	if mc.acc {
		flags |= fAcc
	}
	ones := mc.db != nil
	switch {
	case mc.im2col:
		flags |= fIm2col
		if mc.transA {
			flags |= fTransA
		}
	case mc.transA:
		flags |= fTransA
		if m%4 == 0 && !ones {
			flags |= fVecA
		}
	case k%4 == 0:
		flags |= fVecA
	}
	if ones {
		flags |= fOnes
	}
	if mc.transB {
		flags |= fTransB
		if k%4 == 0 {
			flags |= fVecB
		}
	} else if n%4 == 0 {
		flags |= fVecB
	}
	if n%4 == 0 {
		flags |= fVecC
	}
	// The epilogue, in the kernel or after a split: bias and activation, or
	// the activation's derivative at actGradY (bound where the bias goes).
	hasBias, actGrad := b2i(mc.bias != nil), b2i(mc.actGradY != nil)
	aux := mc.bias
	if mc.actGradY != nil {
		aux = mc.actGradY
	}
	epilogue := hasBias*fBias | int(mc.act)<<shaders.MatMulActShift | actGrad*fActGrad
	bm, bn := 16*tm, 16*tn
	tilesM, tilesN := (m+bm-1)/bm, (n+bn-1)/bn
	split, kchunk := mmSplit(tilesM*tilesN, k, bk)
	if d.noSplit {
		split, kchunk = 1, max(k, 1)
	}
	out := mc.c
	if split > 1 {
		out = d.splitScratch(split * m * n)
		flags &^= fAcc // chunks are written, sum_split accumulates
	} else {
		flags |= epilogue
	}
	geom := convFields(mc.conv)
	d.begin().u(m, n, k, flags, kchunk, tilesM, split).u(geom[:]...).
		bind(d.view(out, true)).bind(d.view(mc.a, true)).bind(d.view(mc.b, true)).
		bind(d.view(aux, false)).bind(d.view(mc.db, false))
	rows := tilesM * split
	gy := min(rows, maxGroups)
	gz := (rows + gy - 1) / gy
	d.run(kernelKey{name: "matmul", mm: mmKey(tm, tn, bk, flags, mc.im2col, geom, d.mmUniform)}, tilesN, gy, gz)
	if split > 1 {
		cLen := m * n
		if ones {
			cLen = (m - 1) * n
		}
		d.begin().u(m*n, split, b2i(mc.acc), n, hasBias, int(mc.act), cLen, actGrad).
			bind(d.view(mc.c, false)).bind(d.view(out, false)).bind(d.view(aux, false)).bind(d.view(mc.db, false))
		d.elementwise("sum_split", m*n)
	}
}

// mmKey is the pipeline of a product: its tile, its flags and a
// convolution's geometry, or, with uniform, its tile alone (the kernel reads
// the rest from its parameters).
func mmKey(tm, tn, bk, flags int, im2col bool, geom [len(shaders.ConvFields)]int, uniform bool) shaders.MatMulTile {
	if uniform {
		return shaders.MatMulTile{TM: tm, TN: tn, BK: bk, Uniform: true}
	}
	key := shaders.MatMulTile{TM: tm, TN: tn, BK: bk, Flags: flags}
	if im2col {
		key.Conv = geom
	}
	return key
}

// convFields is g in the order of shaders.ConvFields: matmul.wgsl's Params
// and the constants of its header.
func convFields(g ConvGeom) [len(shaders.ConvFields)]int {
	return [...]int{g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PadT, g.PadL, g.OH, g.OW}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mmSplit decides how many chunks of k a MatMul with this many output tiles
// is split into (see matmul.wgsl): enough workgroups to occupy a large GPU
// (about splitGroups), each chunk at least splitSteps k steps long.
// kchunk is the length of a chunk, a multiple of bk.
func mmSplit(tiles, k, bk int) (split, kchunk int) {
	const splitGroups, splitSteps = 128, 16
	steps := (k + bk - 1) / bk
	split = min((splitGroups+tiles-1)/tiles, steps/splitSteps)
	if split <= 1 {
		return 1, max(steps, 1) * bk
	}
	kchunk = (steps + split - 1) / split * bk
	return (k + kchunk - 1) / kchunk, kchunk
}

// splitScratch returns a view of n floats of the device's split-k scratch
// buffer, growing it when needed.
func (d *WebGPU) splitScratch(n int) Buffer {
	if d.scratch == nil || d.scratch.Len() < n {
		if d.scratch != nil {
			d.Free(d.scratch)
		}
		d.scratch = d.Alloc(max(n, 1<<16))
	}
	return d.View(d.scratch, 0, n)
}

// colSplit shares a workgroup of 256 between cpw columns of lanes invocations
// each, lanes the power of two that covers rows (at most 256).
func colSplit(rows, cols int) (cpw, lanes, groups int) {
	lanes = 1
	for lanes < rows && lanes < 256 {
		lanes *= 2
	}
	cpw = 256 / lanes
	return cpw, lanes, (cols + cpw - 1) / cpw
}

func (d *WebGPU) Activate(a Act, y, x Buffer, n int) {
	if a == Softmax || a < Linear || a > Tanh {
		panic("gpu: Activate does not do " + a.String())
	}
	d.begin().u(n, int(a)).bind(d.view(y, false)).bind(d.view(x, false))
	d.elementwise("activate", n)
}

func (d *WebGPU) ActivateGrad(a Act, dx, dy, y Buffer, n int) {
	if a == Softmax || a < Linear || a > Tanh {
		panic("gpu: ActivateGrad does not do " + a.String())
	}
	d.begin().u(n, int(a)).bind(d.view(dx, false)).bind(d.view(dy, false)).bind(d.view(y, false))
	d.elementwise("activate_grad", n)
}

func (d *WebGPU) Softmax(y, x Buffer, rows, cols int) {
	if cols == 0 {
		return
	}
	d.begin().u(rows, cols).bind(d.view(y, false)).bind(d.view(x, false))
	d.perGroup("softmax", rows)
}

func (d *WebGPU) SoftmaxGrad(dx, dy, y Buffer, rows, cols int) {
	if cols == 0 {
		return
	}
	d.begin().u(rows, cols).bind(d.view(dx, false)).bind(d.view(dy, false)).bind(d.view(y, false))
	d.perGroup("softmax_grad", rows)
}

// conv records a convolution-geometry kernel over total invocations.
func (d *WebGPU) conv(name string, g ConvGeom, total int, act Act, bufs ...Buffer) {
	c := d.begin().u(total, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PadT, g.PadL, g.OH, g.OW, int(act))
	for _, b := range bufs {
		c.bind(d.view(b, false))
	}
	d.elementwise(name, total)
}

func (d *WebGPU) Im2Col(col, x Buffer, g ConvGeom) {
	d.conv("im2col", g, g.ColRows()*g.ColCols(), Linear, col, x)
}

func (d *WebGPU) Col2Im(dx, col Buffer, g ConvGeom) {
	d.conv("col2im", g, g.N*g.H*g.W*g.C, Linear, dx, col)
}

func (d *WebGPU) MaxPool(y, x Buffer, g ConvGeom) {
	d.conv("maxpool", g, g.N*g.OH*g.OW*g.C, Linear, y, x)
}

func (d *WebGPU) MaxPoolGrad(dx, dy, x Buffer, g ConvGeom) {
	d.conv("maxpool_grad", g, g.N*g.H*g.W*g.C, Linear, dx, dy, x)
}

func (d *WebGPU) MaxPoolActGrad(dx, dy, x Buffer, g ConvGeom, act Act) {
	if act == Softmax || act < Linear || act > Tanh {
		panic("gpu: MaxPoolActGrad does not do " + act.String())
	}
	d.conv("maxpool_grad", g, g.N*g.H*g.W*g.C, act, dx, dy, x)
}

func (d *WebGPU) BatchNormStats(mean, variance, movMean, movVar, x Buffer, rows, cols int, momentum float32) {
	if cols == 0 {
		return
	}
	cpw, lanes, groups := colSplit(rows, cols)
	d.begin().u(rows, cols, cpw, lanes).f(momentum).
		bind(d.view(mean, false)).bind(d.view(variance, false)).
		bind(d.view(movMean, false)).bind(d.view(movVar, false)).bind(d.view(x, false))
	d.perGroup("batchnorm_stats", groups)
}

func (d *WebGPU) BatchNorm(y, x, mean, variance, gamma, beta Buffer, rows, cols int, eps float32) {
	d.begin().u(rows*cols, cols).f(eps).
		bind(d.view(y, false)).bind(d.view(x, false)).bind(d.view(mean, false)).
		bind(d.view(variance, false)).bind(d.view(gamma, false)).bind(d.view(beta, false))
	d.elementwise("batchnorm", rows*cols)
}

func (d *WebGPU) BatchNormGrad(dx, dgamma, dbeta, dy, x, mean, variance, gamma Buffer, rows, cols int, eps float32) {
	if cols == 0 {
		return
	}
	cpw, lanes, groups := colSplit(rows, cols)
	d.begin().u(rows, cols, cpw, lanes).f(eps).
		bind(d.view(dx, false)).bind(d.view(dgamma, false)).bind(d.view(dbeta, false)).
		bind(d.view(dy, false)).bind(d.view(x, false)).bind(d.view(mean, false)).
		bind(d.view(variance, false)).bind(d.view(gamma, false))
	d.perGroup("batchnorm_grad", groups)
}

func (d *WebGPU) Dropout(y, x Buffer, n int, rate float32, seed uint32) {
	d.dropout(y, x, nil, n, rate, seed, Linear)
}

func (d *WebGPU) DropoutGrad(dx, dy Buffer, n int, rate float32, seed uint32) {
	d.dropout(dx, dy, nil, n, rate, seed, Linear)
}

func (d *WebGPU) DropoutActGrad(dx, dy, x Buffer, n int, rate float32, seed uint32, act Act) {
	if act == Softmax || act < Linear || act > Tanh {
		panic("gpu: DropoutActGrad does not do " + act.String())
	}
	d.dropout(dx, dy, x, n, rate, seed, act)
}

// dropout records dropout.wgsl: y = mask(x)/(1-rate), times act' at z.
func (d *WebGPU) dropout(y, x, z Buffer, n int, rate float32, seed uint32, act Act) {
	scale := float32(1 / (1 - float64(rate))) // as the CPU device rounds it
	d.begin().u(n, int(seed)).f(rate, scale).u(int(act)).bind(d.view(y, false)).bind(d.view(x, false)).bind(d.view(z, false))
	d.elementwise("dropout", n)
}

func (d *WebGPU) Loss(kind LossKind, dp, acc Buffer, slot int, p, t, tIdx Buffer, tIdxOff, rows, cols int, scale float32) {
	d.begin().u(int(kind), rows, cols, slot).f(scale).u(b2i(dp != nil), b2i(tIdx != nil), tIdxOff).
		bind(d.view(dp, false)).bind(d.view(acc, false)).bind(d.view(p, false)).bind(d.view(t, false)).bind(d.view(tIdx, false))
	d.perGroup("loss", 1)
}

func (d *WebGPU) Update(o OptParams, w, g, s1, s2 Buffer, n int) {
	nesterov := 0
	if o.Nesterov {
		nesterov = 1
	}
	var alpha float32
	if o.Kind == Adam {
		t := float64(o.Step)
		alpha = float32(float64(o.LR) * math.Sqrt(1-math.Pow(float64(o.Beta2), t)) / (1 - math.Pow(float64(o.Beta1), t)))
	}
	// State the step does not use may be nil (the CPU device leaves it alone).
	switch o.Kind {
	case SGD:
		s2 = nil
		if o.Momentum == 0 {
			s1 = nil
		}
	case RMSprop:
		if o.Momentum == 0 {
			s2 = nil
		}
	}
	d.begin().u(n, int(o.Kind), nesterov).f(o.LR, o.Momentum, o.Beta1, o.Beta2, o.Epsilon, alpha, o.Rho).
		bind(d.view(w, false)).bind(d.view(s1, false)).bind(d.view(s2, false)).bind(d.view(g, false))
	d.elementwise("update", n)
}
