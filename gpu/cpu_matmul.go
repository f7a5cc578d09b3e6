package gpu

// MatMul on the CPU device.
//
// The reference loop is in Device.MatMul's comment. Float32 products go to
// the device's kernels (cpu_kernels.go) when it has any; the Go loop below
// is the portable one, and the float64 device's. It computes
// C in 4x4 register blocks without packing: every operand of the lesson's
// networks is small enough to stay in cache, and for each of the four
// layouts (A or Aᵀ, B or Bᵀ) the block reads its A rows and B columns as
// streams with fixed strides. Rows of C are split over the workers.
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
	// a(i, p) = aa[i*asi + p*asp]; b(p, j) = bb[p*bsp + j*bsj].
	asi, asp := k, 1
	if transA {
		asi, asp = 1, m
	}
	bsp, bsj := n, 1
	if transB {
		bsp, bsj = 1, k
	}
	blocks := (m + 3) / 4
	d.parallel(blocks, 2*m*n*k, func(lo, hi int) {
		matmulRows(cc, aa, bb, lo*4, min(hi*4, m), k, n, asi, asp, bsp, bsj, acc)
	})
}

func matmulRows[T Float](c, a, b []T, i0, i1, k, n, asi, asp, bsp, bsj int, acc bool) {
	i := i0
	for ; i+4 <= i1; i += 4 {
		j := 0
		for ; j+4 <= n; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
			ai, bj := i*asi, j*bsj
			for p := 0; p < k; p++ {
				ap, bp := ai+p*asp, bj+p*bsp
				a0, a1, a2, a3 := a[ap], a[ap+asi], a[ap+2*asi], a[ap+3*asi]
				b0 := b[bp]
				c00 += a0 * b0
				c10 += a1 * b0
				c20 += a2 * b0
				c30 += a3 * b0
				b1 := b[bp+bsj]
				c01 += a0 * b1
				c11 += a1 * b1
				c21 += a2 * b1
				c31 += a3 * b1
				b2 := b[bp+2*bsj]
				c02 += a0 * b2
				c12 += a1 * b2
				c22 += a2 * b2
				c32 += a3 * b2
				b3 := b[bp+3*bsj]
				c03 += a0 * b3
				c13 += a1 * b3
				c23 += a2 * b3
				c33 += a3 * b3
			}
			store4(c[i*n+j:], acc, c00, c01, c02, c03)
			store4(c[(i+1)*n+j:], acc, c10, c11, c12, c13)
			store4(c[(i+2)*n+j:], acc, c20, c21, c22, c23)
			store4(c[(i+3)*n+j:], acc, c30, c31, c32, c33)
		}
		for ; j < n; j++ {
			for r := i; r < i+4; r++ {
				matmulOne(c, a, b, r, j, k, n, asi, asp, bsp, bsj, acc)
			}
		}
	}
	for ; i < i1; i++ {
		for j := 0; j < n; j++ {
			matmulOne(c, a, b, i, j, k, n, asi, asp, bsp, bsj, acc)
		}
	}
}

func store4[T Float](c []T, acc bool, v0, v1, v2, v3 T) {
	c = c[:4]
	if acc {
		c[0] += v0
		c[1] += v1
		c[2] += v2
		c[3] += v3
		return
	}
	c[0], c[1], c[2], c[3] = v0, v1, v2, v3
}

func matmulOne[T Float](c, a, b []T, i, j, k, n, asi, asp, bsp, bsj int, acc bool) {
	var s T
	ai, bj := i*asi, j*bsj
	for p := 0; p < k; p++ {
		s += a[ai+p*asp] * b[bj+p*bsp]
	}
	if acc {
		c[i*n+j] += s
	} else {
		c[i*n+j] = s
	}
}
