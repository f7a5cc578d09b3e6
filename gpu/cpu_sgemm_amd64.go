package gpu

import "sync"

// The float32 product on amd64 with AVX2 and FMA: Goto's blocking (the one
// BLIS and OpenBLAS use) around one 6x16 register kernel in Go assembly
// (cpu_sgemm_amd64.s). A and B are packed into zero-padded panels, so every
// element of C, at an edge or not, is computed by the same kernel: a chain
// of FMAs over each block of sgemmKC terms from zero, the blocks added to C
// in order. An element's sum therefore depends on k alone, not on where its
// tile falls or how the rows are split over the workers.
//
// Go assembly rather than simd/archsimd: the assembly is built by default,
// archsimd only under GOEXPERIMENT=simd.

const (
	sgemmMR = 6    // rows of the register kernel
	sgemmNR = 16   // columns of the register kernel: two 8-float registers
	sgemmKC = 256  // depth of a packed block: a B panel is 16 KiB, in L1
	sgemmMC = 96   // rows of a packed A block: 96 KiB, in L2
	sgemmNC = 1024 // columns of a packed B block

	// sgemmParallelFlops is the work below which a product runs on the
	// calling goroutine: about ten microseconds on one core, where
	// starting and joining a goroutine starts to show.
	sgemmParallelFlops = 1 << 18
)

//go:noescape
func sgemmKernel(kc int, a *float32, aRow, aStep int, b *float32, bStep int, c *float32, ldc int, acc bool, bias *float32, relu bool)

func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
func xgetbv0() (eax, edx uint32)

// hasAVX2FMA reports whether the CPU has AVX2 and FMA and the OS saves the
// YMM registers (OSXSAVE, and XCR0's SSE and AVX state bits).
func hasAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv0(); xcr0&6 != 6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}

var sgemmSIMD = func() sgemmFunc {
	if hasAVX2FMA() {
		return sgemmAVX2
	}
	return nil
}()

// sgemmBiasReLU computes c (m, n) = a (m, k) · b (k, n), plus bias (n
// floats, or nil) to each row, then relu if asked, in the kernel's last
// pass over each tile: the same numbers as the product, the bias and the
// activation one after the other, without two more passes over c. For the
// CPU device's "simd" kernels only.
func sgemmBiasReLU(c, a, b []float32, m, k, n, workers int, bias []float32, relu bool) {
	sgemmSplit(c, a, b, m, k, n, false, false, false, workers, bias, relu)
}

type sgemmScratch struct{ a, b []float32 }

var sgemmScratchPool = sync.Pool{New: func() any { return new(sgemmScratch) }}

// sgemmAVX2 computes c (m, n) (+)= op(a) (m, k) · op(b) (k, n) for m, n,
// k > 0, splitting the rows in whole kernel panels over up to workers
// goroutines (the caller's included).
func sgemmAVX2(c, a, b []float32, m, k, n int, transA, transB, acc bool, workers int) {
	sgemmSplit(c, a, b, m, k, n, transA, transB, acc, workers, nil, false)
}

func sgemmSplit(c, a, b []float32, m, k, n int, transA, transB, acc bool, workers int, bias []float32, relu bool) {
	panels := (m + sgemmMR - 1) / sgemmMR
	w := min(workers, panels)
	if w <= 1 || 2*m*n*k < sgemmParallelFlops {
		sgemmRows(c, a, b, m, k, n, transA, transB, acc, bias, relu, 0, m)
		return
	}
	per := (panels + w - 1) / w * sgemmMR
	var wg sync.WaitGroup
	for i0 := per; i0 < m; i0 += per {
		wg.Add(1)
		go func(i0, i1 int) {
			defer wg.Done()
			sgemmRows(c, a, b, m, k, n, transA, transB, acc, bias, relu, i0, i1)
		}(i0, min(i0+per, m))
	}
	sgemmRows(c, a, b, m, k, n, transA, transB, acc, bias, relu, 0, min(per, m))
	wg.Wait()
}

// sgemmRows computes rows [i0, i1) of the product. B is packed a block at
// a time; A is read in place (its rows or, for aᵀ, its columns), but for a
// last panel of fewer than 6 rows, packed with zeros below.
func sgemmRows(c, a, b []float32, m, k, n int, transA, transB, acc bool, bias []float32, relu bool, i0, i1 int) {
	s := sgemmScratchPool.Get().(*sgemmScratch)
	defer sgemmScratchPool.Put(s)
	aRow, aStep := k, 1
	if transA {
		aRow, aStep = 1, m
	}
	var tile [sgemmMR * sgemmNR]float32
	var biasTile [sgemmNR]float32
	for j0 := 0; j0 < n; j0 += sgemmNC {
		nc := min(sgemmNC, n-j0)
		for p0 := 0; p0 < k; p0 += sgemmKC {
			kc := min(sgemmKC, k-p0)
			add := acc || p0 > 0
			last := p0+kc == k // the epilogue's pass
			bp := s.packB(b, k, n, transB, p0, kc, j0, nc)
			var edge []float32
			if last := i0 + (i1-i0)/sgemmMR*sgemmMR; last < i1 {
				edge = s.packA(a, m, k, transA, last, i1-last, p0, kc)
			}
			for ic := i0; ic < i1; ic += sgemmMC {
				mc := min(sgemmMC, i1-ic)
				for jr := 0; jr < nc; jr += sgemmNR {
					cols := min(sgemmNR, nc-jr)
					bq := &bp[jr*kc]
					var bs *float32
					if bias != nil && last {
						if cols == sgemmNR {
							bs = &bias[j0+jr]
						} else {
							copy(biasTile[:], bias[j0+jr:][:cols])
							bs = &biasTile[0]
						}
					}
					rl := relu && last
					for ir := 0; ir < mc; ir += sgemmMR {
						i, rows := ic+ir, min(sgemmMR, mc-ir)
						var aq *float32
						ar, as := aRow, aStep
						if rows == sgemmMR {
							aq = &a[i*aRow+p0*aStep]
						} else {
							aq, ar, as = &edge[0], 1, sgemmMR
						}
						ci := i*n + j0 + jr
						if rows == sgemmMR && cols == sgemmNR {
							sgemmKernel(kc, aq, ar, as, bq, sgemmNR, &c[ci], n, add, bs, rl)
							continue
						}
						// An edge tile: through a whole one, so that its
						// elements see the very same arithmetic.
						if add {
							for r := range rows {
								copy(tile[r*sgemmNR:][:cols], c[ci+r*n:][:cols])
							}
						}
						sgemmKernel(kc, aq, ar, as, bq, sgemmNR, &tile[0], sgemmNR, add, bs, rl)
						for r := range rows {
							copy(c[ci+r*n:][:cols], tile[r*sgemmNR:][:cols])
						}
					}
				}
			}
		}
	}
}

// grow returns buf with length n, reusing its memory when it can.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// packA lays out rows [i0, i0+mc) and depths [p0, p0+kc) of op(a) as
// panels of sgemmMR rows: element (r, p) of the panel at ir at
// ap[ir*kc + p*sgemmMR + r], rows past mc zero.
func (s *sgemmScratch) packA(a []float32, m, k int, trans bool, i0, mc, p0, kc int) []float32 {
	s.a = packPanels(s.a, a, m, k, trans, i0, mc, p0, kc, sgemmMR)
	return s.a
}

// packB lays out depths [p0, p0+kc) and columns [j0, j0+nc) of op(b) as
// panels of sgemmNR columns: element (p, c) of the panel at jr at
// bp[jr*kc + p*sgemmNR + c], columns past nc zero. The columns of op(b)
// are the rows of op(b)ᵀ, which is b read with the other transposition.
func (s *sgemmScratch) packB(b []float32, k, n int, trans bool, p0, kc, j0, nc int) []float32 {
	s.b = packPanels(s.b, b, n, k, !trans, j0, nc, p0, kc, sgemmNR)
	return s.b
}

// packPanels lays out rows [i0, i0+mc) and depths [p0, p0+kc) of op(x)
// (op(x) is rows×depth: x itself, or with trans x is depth×rows) into buf
// as panels of width rows: element (r, p) of the panel at ir at
// buf[ir*kc + p*width + r], rows past mc zero.
func packPanels(buf, x []float32, rows, depth int, trans bool, i0, mc, p0, kc, width int) []float32 {
	np := (mc + width - 1) / width
	buf = grow(buf, np*width*kc)
	for ir := 0; ir < mc; ir += width {
		n := min(width, mc-ir)
		panel := buf[ir*kc:][:width*kc]
		if n < width {
			clear(panel)
		}
		if trans {
			for p := range kc {
				copy(panel[p*width:][:n], x[(p0+p)*rows+i0+ir:][:n])
			}
			continue
		}
		for r := range n {
			src := x[(i0+ir+r)*depth+p0:][:kc]
			for p, v := range src {
				panel[p*width+r] = v
			}
		}
	}
	return buf
}
