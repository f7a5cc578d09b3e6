package gpu

import "sync"

// MatMul on the CPU device.
//
// The reference loop is in Device.MatMul's comment. Float32 products go to
// the device's kernels (cpu_kernels.go) when it has any; the Go loop below
// is the portable one, the browser's and the float64 device's. Every output
// is the reference's sum: one running sum over p = 0..k-1 in order, from 0,
// then stored or added to C, so the browser's numbers do not depend on the
// blocking (TestMatMulGoLoopSequential pins it).
//
// The loop is shaped for Go's WebAssembly port, which is single-threaded,
// has no SIMD and gives the register allocator 16 float registers: a 2x4
// block of C (8 sums, 2 values of A and 4 of B live) stays in registers,
// where a 4x4 block (21 live values) spills to memory on every step, and
// measured fastest under V8 among 1x4 to 4x4 blocks. op(b) is packed once
// into 4-column panels, p-major and zero-padded to a whole panel, and
// op(a)'s rows are read in place (or packed, for Aᵀ, a group of rows at a
// time), so the inner loop walks contiguous slices whose bounds the
// compiler proves, four steps of p an iteration to pay the loop's jump
// (a br_table dispatch in Go's wasm code) once per four. The padded
// columns' sums are computed and dropped.
func (d *CPU[T]) MatMul(c, a, b Buffer, m, k, n int, transA, transB, acc bool) {
	if d.Pause != nil {
		d.Pause()
	}
	cc, aa, bb := d.f(c)[:m*n], d.f(a)[:m*k], d.f(b)[:k*n]
	if c32, ok := any(cc).([]float32); ok && d.sgemm != nil && m > 0 && n > 0 {
		if k == 0 {
			if !acc {
				clear(c32)
			}
			return
		}
		d.sgemm(c32, any(aa).([]float32), any(bb).([]float32), m, k, n, transA, transB, acc, d.workers)
		return
	}
	if m == 0 || n == 0 {
		return
	}
	if m*k*n <= mmTiny {
		matmulSmall(cc, aa, bb, m, k, n, transA, transB, acc)
		return
	}
	pb := getScratch[T](panels(n) * mmCols * k)
	defer putScratch(pb)
	packB(*pb, bb, k, n, transB)
	groups := (m + mmGroup - 1) / mmGroup
	d.parallel(groups, 2*m*n*k, func(lo, hi int) {
		matmulRows(cc, aa, *pb, lo*mmGroup, min(hi*mmGroup, m), m, k, n, transA, acc)
	})
}

const (
	mmCols  = 4    // columns of a block of C, and of a packed panel of op(b)
	mmGroup = 8    // rows of op(a) a worker takes at a time (and packs, for Aᵀ)
	mmRun   = 4096 // elements of op(b)'s panels a group of rows runs through at a time
	mmTiny  = 4096 // products of at most this many multiply-adds take matmulSmall
)

// matmulSmall is the reference loop, for products so small (the weather
// model's one-unit output layer and its gradients) that packing op(b) and
// padding its panels cost more than the sums.
func matmulSmall[T Float](c, a, b []T, m, k, n int, transA, transB, acc bool) {
	// a(i, p) = a[i*asi + p*asp]; b(p, j) = b[p*bsp + j*bsj].
	asi, asp := k, 1
	if transA {
		asi, asp = 1, m
	}
	bsp, bsj := n, 1
	if transB {
		bsp, bsj = 1, k
	}
	for i := range m {
		for j := range n {
			var s T
			for p := range k {
				s += a[i*asi+p*asp] * b[p*bsp+j*bsj]
			}
			if acc {
				c[i*n+j] += s
			} else {
				c[i*n+j] = s
			}
		}
	}
}

// panels is how many mmCols-wide panels cover n columns.
func panels(n int) int { return (n + mmCols - 1) / mmCols }

// packB writes op(b) (k, n) as panels of mmCols columns: element (p, j) at
// pb[(j/mmCols*k+p)*mmCols+j%mmCols], the last panel's missing columns 0.
func packB[T Float](pb, b []T, k, n int, transB bool) {
	for jb := range panels(n) {
		dst := pb[jb*mmCols*k : (jb+1)*mmCols*k]
		j0 := jb * mmCols
		w := min(mmCols, n-j0)
		if transB && w == mmCols {
			// Column j of op(b) is row j of b.
			b0 := b[j0*k : (j0+1)*k]
			b1, b2, b3 := b[(j0+1)*k:][:len(b0)], b[(j0+2)*k:][:len(b0)], b[(j0+3)*k:][:len(b0)]
			for p, v := range b0 {
				d4 := dst[p*mmCols : (p+1)*mmCols]
				d4[0], d4[1], d4[2], d4[3] = v, b1[p], b2[p], b3[p]
			}
			continue
		}
		if transB {
			clear(dst)
			for l := range w {
				for p, v := range b[(j0+l)*k : (j0+l+1)*k] {
					dst[p*mmCols+l] = v
				}
			}
			continue
		}
		for p := range k {
			d4 := dst[p*mmCols : (p+1)*mmCols]
			src := b[p*n+j0 : p*n+j0+w]
			if w == mmCols {
				d4[0], d4[1], d4[2], d4[3] = src[0], src[1], src[2], src[3]
				continue
			}
			clear(d4)
			copy(d4, src)
		}
	}
}

// matmulRows computes rows [i0, i1) of c (m, n) (+)= op(a)·op(b), with op(b)
// packed by packB into pb. i0 is a multiple of mmGroup.
func matmulRows[T Float](c, a, pb []T, i0, i1, m, k, n int, transA, acc bool) {
	var pa *[]T
	if transA {
		pa = getScratch[T](mmGroup * k)
		defer putScratch(pa)
	}
	np, run := panels(n), max(1, mmRun/(mmCols*max(k, 1)))
	for g := i0; g < i1; g += mmGroup {
		rows := min(mmGroup, i1-g)
		// ar holds the group's rows of op(a), row r at ar[r*k:(r+1)*k].
		var ar []T
		if transA {
			ar = (*pa)[:rows*k]
			packRows(ar, a, g, rows, m, k)
		} else {
			ar = a[g*k : (g+rows)*k]
		}
		// A run of panels small enough to stay in the L1 cache serves all
		// the group's rows before the next run is read: for a long k (a
		// convolution's weight gradient) the whole of op(b) does not fit.
		for jb0 := 0; jb0 < np; jb0 += run {
			jb1 := min(jb0+run, np)
			for r := 0; r < rows; r += 2 {
				r0, c0 := ar[r*k:(r+1)*k], c[(g+r)*n:(g+r+1)*n]
				if r+1 < rows {
					rowPair(c0, c[(g+r+1)*n:(g+r+2)*n], r0, ar[(r+1)*k:(r+2)*k], pb, jb0, jb1, acc)
				} else {
					rowPair(c0, nil, r0, r0, pb, jb0, jb1, acc) // the odd last row, computed twice and stored once
				}
			}
		}
	}
}

// packRows writes rows [g, g+rows) of op(a) = aᵀ, a (k, m), to ar, row r
// at ar[r*k:(r+1)*k]: the columns of a, read along its rows.
func packRows[T Float](ar, a []T, g, rows, m, k int) {
	if rows < mmGroup {
		for p := range k {
			for r, v := range a[p*m+g : p*m+g+rows] {
				ar[r*k+p] = v
			}
		}
		return
	}
	r0 := ar[:k]
	r1, r2, r3 := ar[k:][:len(r0)], ar[2*k:][:len(r0)], ar[3*k:][:len(r0)]
	r4, r5, r6, r7 := ar[4*k:][:len(r0)], ar[5*k:][:len(r0)], ar[6*k:][:len(r0)], ar[7*k:][:len(r0)]
	for p := range r0 {
		s := a[p*m+g : p*m+g+mmGroup]
		r0[p], r1[p], r2[p], r3[p] = s[0], s[1], s[2], s[3]
		r4[p], r5[p], r6[p], r7[p] = s[4], s[5], s[6], s[7]
	}
}

// store writes (or, with acc, adds) the first len(c) sums of s to c.
func store[T Float](c []T, s [mmCols]T, acc bool) {
	if len(c) == mmCols {
		if acc {
			c[0] += s[0]
			c[1] += s[1]
			c[2] += s[2]
			c[3] += s[3]
			return
		}
		c[0], c[1], c[2], c[3] = s[0], s[1], s[2], s[3]
		return
	}
	for l := range c {
		if acc {
			c[l] += s[l]
		} else {
			c[l] = s[l]
		}
	}
}

// rowPair computes two rows of c from op(a)'s rows r0 and r1 and the
// panels [jb0, jb1) of pb, op(b) packed (c1 nil: only the first row): each
// element is a
// running sum over p in order of r(p)·panel(p, l), then stored or, with
// acc, added. The loop takes four steps of p at a time; its slices shrink
// as it goes, which lets the compiler drop every bounds check inside it.
func rowPair[T Float](c0, c1, r0, r1, pb []T, jb0, jb1 int, acc bool) {
	n, k := len(c0), len(r0)
	for jb := jb0; jb < jb1; jb++ {
		r0, r1 := r0, r1[:len(r0)]
		bp := pb[jb*mmCols*k : (jb+1)*mmCols*k]
		var c00, c01, c02, c03, c10, c11, c12, c13 T
		for len(r0) >= 4 && len(r1) >= 4 && len(bp) >= 16 {
			a0, a1 := r0[0], r1[0]
			b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
			c00 += a0 * b0
			c10 += a1 * b0
			c01 += a0 * b1
			c11 += a1 * b1
			c02 += a0 * b2
			c12 += a1 * b2
			c03 += a0 * b3
			c13 += a1 * b3
			a0, a1 = r0[1], r1[1]
			b0, b1, b2, b3 = bp[4], bp[5], bp[6], bp[7]
			c00 += a0 * b0
			c10 += a1 * b0
			c01 += a0 * b1
			c11 += a1 * b1
			c02 += a0 * b2
			c12 += a1 * b2
			c03 += a0 * b3
			c13 += a1 * b3
			a0, a1 = r0[2], r1[2]
			b0, b1, b2, b3 = bp[8], bp[9], bp[10], bp[11]
			c00 += a0 * b0
			c10 += a1 * b0
			c01 += a0 * b1
			c11 += a1 * b1
			c02 += a0 * b2
			c12 += a1 * b2
			c03 += a0 * b3
			c13 += a1 * b3
			a0, a1 = r0[3], r1[3]
			b0, b1, b2, b3 = bp[12], bp[13], bp[14], bp[15]
			c00 += a0 * b0
			c10 += a1 * b0
			c01 += a0 * b1
			c11 += a1 * b1
			c02 += a0 * b2
			c12 += a1 * b2
			c03 += a0 * b3
			c13 += a1 * b3
			r0, r1, bp = r0[4:], r1[4:], bp[16:]
		}
		for len(r0) >= 1 && len(r1) >= 1 && len(bp) >= 4 {
			a0, a1 := r0[0], r1[0]
			b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
			c00 += a0 * b0
			c10 += a1 * b0
			c01 += a0 * b1
			c11 += a1 * b1
			c02 += a0 * b2
			c12 += a1 * b2
			c03 += a0 * b3
			c13 += a1 * b3
			r0, r1, bp = r0[1:], r1[1:], bp[4:]
		}
		j := jb * mmCols
		if j+mmCols > n || acc {
			store(c0[j:min(j+mmCols, n)], [mmCols]T{c00, c01, c02, c03}, acc)
			if c1 != nil {
				store(c1[j:min(j+mmCols, n)], [mmCols]T{c10, c11, c12, c13}, acc)
			}
			continue
		}
		d0 := c0[j : j+mmCols : j+mmCols]
		d0[0], d0[1], d0[2], d0[3] = c00, c01, c02, c03
		if c1 != nil {
			d1 := c1[j : j+mmCols : j+mmCols]
			d1[0], d1[1], d1[2], d1[3] = c10, c11, c12, c13
		}
	}
}

// scratch keeps the packing buffers between products, so that a training
// step does not allocate (and the garbage collector clear) megabytes of
// them anew: a sync.Pool would drop them at every collection. A product
// holds one buffer for op(b) and one a worker for Aᵀ's rows; the list
// keeps at most scratchKeep, the largest.
var scratch struct {
	sync.Mutex
	free []any // *[]float32 and *[]float64
}

const scratchKeep = 8

// getScratch returns a buffer of n elements: the smallest free one that is
// large enough, or a new one.
func getScratch[T Float](n int) *[]T {
	scratch.Lock()
	best := -1
	for i, f := range scratch.free {
		if p, ok := f.(*[]T); ok && cap(*p) >= n && (best < 0 || cap(*p) < cap(*scratch.free[best].(*[]T))) {
			best = i
		}
	}
	if best < 0 {
		scratch.Unlock()
		s := make([]T, n)
		return &s
	}
	p := scratch.free[best].(*[]T)
	scratch.free = append(scratch.free[:best], scratch.free[best+1:]...)
	scratch.Unlock()
	*p = (*p)[:n]
	return p
}

// putScratch hands a buffer of getScratch back; past scratchKeep buffers
// the smallest of its type is dropped.
func putScratch[T Float](p *[]T) {
	scratch.Lock()
	defer scratch.Unlock()
	scratch.free = append(scratch.free, p)
	if len(scratch.free) <= scratchKeep {
		return
	}
	small := len(scratch.free) - 1
	for i, f := range scratch.free {
		if q, ok := f.(*[]T); ok && cap(*q) < cap(*scratch.free[small].(*[]T)) {
			small = i
		}
	}
	scratch.free = append(scratch.free[:small], scratch.free[small+1:]...)
}
