package gpu

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"unsafe"
)

// Float is the element type of the CPU device: float32 for training, float64
// for gradient checks.
type Float interface{ ~float32 | ~float64 }

// CPU is the pure-Go device, the reference for every other device. Its
// kernels run where they are called, split over GOMAXPROCS goroutines when
// the work is large enough (in the browser GOMAXPROCS is 1).
type CPU[T Float] struct {
	workers int
	kernels string    // the float32 products' kernels: see cpu_kernels.go
	sgemm   sgemmFunc // nil: the Go loop
	simd    bool      // the "simd" kernels: pooling too
	// Pause, if set, is called before each MatMul and Im2Col, the kernels
	// every heavy operation goes through (the fused ones included). The
	// browser uses it to hand the page a turn now and then: a wasm program
	// computing gets no event loop otherwise.
	Pause func()
}

// NewCPU returns the pure-Go device computing in float32.
func NewCPU() *CPU[float32] { return NewCPUOf[float32]() }

// NewCPUOf returns the pure-Go device computing in T (float64 for gradient checks).
func NewCPUOf[T Float]() *CPU[T] {
	d := &CPU[T]{workers: runtime.GOMAXPROCS(0), kernels: "go"}
	var z T
	if _, ok := any(z).(float32); ok {
		if err := d.SetKernels(defaultCPUKernels); err != nil {
			panic(err) // defaultCPUKernels names one of this build's
		}
	}
	return d
}

// Kernels names the kernels the device's float32 products run: "simd",
// "gonum" or "go" (see CPUKernelNames); float64 products always run "go".
func (d *CPU[T]) Kernels() string { return d.kernels }

// SetKernels makes the device's products run the named kernels, one of
// CPUKernelNames. A float64 device accepts only "go".
func (d *CPU[T]) SetKernels(name string) error {
	var z T
	if _, ok := any(z).(float64); ok {
		if name != "go" {
			return fmt.Errorf("gpu: the float64 CPU device has only the Go kernels, not %q", name)
		}
		d.kernels, d.sgemm = name, nil
		return nil
	}
	f, err := cpuKernel(name)
	if err != nil {
		return err
	}
	d.kernels, d.sgemm, d.simd = name, f, name == "simd"
	return nil
}

// The CPU device's fused loops: the reference that the fallbacks of Ops
// (built from the core) are tested against. It has no ConvForward or
// ConvWeightGrads: its convolution is Im2Col then a product, which is what
// the fallbacks do, in the im2col scratch that Ops owns.
var (
	_ Device           = (*CPU[float32])(nil)
	_ MatMulBiasActer  = (*CPU[float32])(nil)
	_ MatMulActGrader  = (*CPU[float32])(nil)
	_ WeightGrader     = (*CPU[float32])(nil)
	_ MaxPoolActGrader = (*CPU[float32])(nil)
	_ DropoutActGrader = (*CPU[float32])(nil)
)

type cpuBuf[T Float] struct {
	f []T
	b []uint8
}

func (b *cpuBuf[T]) Len() int {
	if b.b != nil {
		return len(b.b)
	}
	return len(b.f)
}

// Host returns the memory behind a CPU buffer, for tests and for package nn's
// host-side fast paths. It panics if b is not a float buffer of a CPU[T].
func Host[T Float](b Buffer) []T { return b.(*cpuBuf[T]).f }

func (d *CPU[T]) f(b Buffer) []T { return b.(*cpuBuf[T]).f }

func (d *CPU[T]) Name() string {
	var z T
	if _, ok := any(z).(float64); ok {
		return "pure Go (CPU, float64)"
	}
	return "pure Go (CPU)"
}

func (d *CPU[T]) Alloc(n int) Buffer { return &cpuBuf[T]{f: make([]T, n)} }

func (d *CPU[T]) UploadBytes(data []uint8) Buffer {
	return &cpuBuf[T]{b: append([]uint8(nil), data...)}
}

func (d *CPU[T]) View(b Buffer, off, n int) Buffer {
	if off%64 != 0 {
		panic(fmt.Sprintf("gpu: view offset %d is not a multiple of 64", off))
	}
	c := b.(*cpuBuf[T])
	if c.b != nil {
		return &cpuBuf[T]{b: c.b[off : off+n : off+n]}
	}
	return &cpuBuf[T]{f: c.f[off : off+n : off+n]}
}

func (d *CPU[T]) Free(b Buffer) {
	c := b.(*cpuBuf[T])
	c.f, c.b = nil, nil
}

func (d *CPU[T]) Write(dst Buffer, off int, src []float32) {
	f := d.f(dst)[off:]
	for i, v := range src {
		f[i] = T(v)
	}
}

func (d *CPU[T]) Read(dst []float32, src Buffer, off int) error {
	f := d.f(src)[off:]
	for i := range dst {
		dst[i] = float32(f[i])
	}
	return nil
}

func (d *CPU[T]) Sync() error { return nil }
func (d *CPU[T]) Close()      {}

func (d *CPU[T]) Fill(dst Buffer, v float32, n int) {
	f := d.f(dst)[:n]
	for i := range f {
		f[i] = T(v)
	}
}

func (d *CPU[T]) Copy(dst, src Buffer, n int) { copy(d.f(dst)[:n], d.f(src)[:n]) }

func (d *CPU[T]) Gather(dst, src, idx Buffer, idxOff, rows, rowLen int, scale float32) {
	out, ix := d.f(dst), d.f(idx)
	s := src.(*cpuBuf[T])
	sc := T(scale)
	for r := 0; r < rows; r++ {
		row := int(ix[idxOff+r]) * rowLen
		o := out[r*rowLen : (r+1)*rowLen]
		if s.b != nil {
			for j, v := range s.b[row : row+rowLen] {
				o[j] = sc * T(v)
			}
		} else {
			for j, v := range s.f[row : row+rowLen] {
				o[j] = sc * v
			}
		}
	}
}

// parallel runs fn over [0, n) in up to d.workers chunks when work (an
// estimate of the flops) is large enough to pay for the goroutines.
func (d *CPU[T]) parallel(n int, work int, fn func(lo, hi int)) {
	w := d.workers
	if w > n {
		w = n
	}
	if w <= 1 || work < 1<<16 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, hi)
	}
	wg.Wait()
}

func (d *CPU[T]) MatMulBiasAct(c, a, b, bias Buffer, m, k, n int, act Act) {
	if act == Softmax {
		panic("gpu: MatMulBiasAct does not do softmax")
	}
	if d.simd && (act == Linear || act == ReLU) && m > 0 && n > 0 && k > 0 {
		// The SIMD kernel adds the bias and applies relu to each tile
		// while it holds it.
		if d.Pause != nil {
			d.Pause()
		}
		var bb []float32
		if bias != nil {
			bb = any(d.f(bias)).([]float32)[:n]
		}
		sgemmBiasReLU(any(d.f(c)).([]float32)[:m*n], any(d.f(a)).([]float32)[:m*k], any(d.f(b)).([]float32)[:k*n], m, k, n, d.workers, bb, act == ReLU)
		return
	}
	d.MatMul(c, a, b, m, k, n, false, false, false)
	if bias == nil && act == Linear {
		return
	}
	// The bias and the activation in one pass over c, rows split over the
	// workers.
	cc := d.f(c)[:m*n]
	var bb []T
	if bias != nil {
		bb = d.f(bias)[:n]
	}
	d.parallel(m, elemWork(m*n, act), func(lo, hi int) {
		rows := cc[lo*n : hi*n]
		if bb != nil {
			for r := 0; r < hi-lo; r++ {
				row := rows[r*n : (r+1)*n]
				for j, v := range bb[:len(row)] {
					row[j] += v
				}
			}
		}
		activate(act, rows, rows)
	})
}

// elemWork is the work of an elementwise pass over n values for the
// threshold of parallel: the exponentials of sigmoid and tanh cost more.
func elemWork(n int, a Act) int {
	if a == Sigmoid || a == Tanh {
		return 16 * n
	}
	return n
}

// elementwise runs fn over [0, n) split over the workers.
func (d *CPU[T]) elementwise(n int, a Act, fn func(lo, hi int)) {
	d.parallel(n, elemWork(n, a), fn)
}

func (d *CPU[T]) MatMulActGrad(c, a, b, y Buffer, m, k, n int, transB bool, act Act) {
	if act == Softmax {
		panic("gpu: MatMulActGrad does not do softmax")
	}
	d.MatMul(c, a, b, m, k, n, false, transB, false)
	if act != Linear {
		d.ActivateGrad(act, c, c, y, m*n)
	}
}

func (d *CPU[T]) WeightGrads(dw, db, x, dy Buffer, rows, in, out int) {
	d.MatMul(dw, x, dy, in, rows, out, true, false, false)
	if db != nil {
		d.sumRows(db, dy, rows, out)
	}
}

// addBias adds bias[j] to column j of y (rows, cols).
func (d *CPU[T]) addBias(y, bias Buffer, rows, cols int) {
	yy, b := d.f(y)[:rows*cols], d.f(bias)[:cols]
	for r := 0; r < rows; r++ {
		row := yy[r*cols : (r+1)*cols]
		for j := range row {
			row[j] += b[j]
		}
	}
}

// sumRows sets db to the column sums of dy (rows, cols).
func (d *CPU[T]) sumRows(db, dy Buffer, rows, cols int) {
	g, y := d.f(db)[:cols], d.f(dy)[:rows*cols]
	clear(g)
	for r := 0; r < rows; r++ {
		row := y[r*cols : (r+1)*cols]
		for j, v := range g[:len(row)] {
			g[j] = v + row[j]
		}
	}
}

func (d *CPU[T]) Activate(a Act, y, x Buffer, n int) {
	out, in := d.f(y)[:n], d.f(x)[:n]
	d.elementwise(n, a, func(lo, hi int) { activate(a, out[lo:hi], in[lo:hi]) })
}

func activate[T Float](a Act, out, in []T) {
	out = out[:len(in)]
	switch a {
	case Linear:
		copy(out, in)
	case ReLU:
		relu(out, in)
	case Sigmoid:
		for i, v := range in {
			out[i] = T(1 / (1 + math.Exp(-float64(v))))
		}
	case Tanh:
		for i, v := range in {
			out[i] = T(math.Tanh(float64(v)))
		}
	default:
		panic("gpu: Activate does not do " + a.String())
	}
}

func (d *CPU[T]) ActivateGrad(a Act, dx, dy, y Buffer, n int) {
	out, g, yy := d.f(dx)[:n], d.f(dy)[:n], d.f(y)[:n]
	d.elementwise(n, Linear, func(lo, hi int) {
		if d.simd && a == ReLU && unsafe.Sizeof(out[0]) == 4 && hi-lo >= 8 {
			n8 := (hi - lo) &^ 7
			reluGrad8((*float32)(unsafe.Pointer(&out[lo])), (*float32)(unsafe.Pointer(&g[lo])), (*float32)(unsafe.Pointer(&yy[lo])), n8)
			lo += n8
		}
		activateGrad(a, out[lo:hi], g[lo:hi], yy[lo:hi])
	})
}

func activateGrad[T Float](a Act, out, g, yy []T) {
	out, g = out[:len(yy)], g[:len(yy)]
	switch a {
	case Linear:
		copy(out, g)
	case ReLU:
		for i, v := range yy {
			if v > 0 {
				out[i] = g[i]
			} else {
				out[i] = 0
			}
		}
	case Sigmoid:
		for i, v := range yy {
			out[i] = g[i] * v * (1 - v)
		}
	case Tanh:
		for i, v := range yy {
			out[i] = g[i] * (1 - v*v)
		}
	default:
		panic("gpu: ActivateGrad does not do " + a.String())
	}
}

func (d *CPU[T]) Softmax(y, x Buffer, rows, cols int) {
	out, in := d.f(y), d.f(x)
	for r := 0; r < rows; r++ {
		xi, yi := in[r*cols:(r+1)*cols], out[r*cols:(r+1)*cols]
		m := xi[0]
		for _, v := range xi {
			m = max(m, v)
		}
		var s T
		for j, v := range xi {
			e := T(math.Exp(float64(v - m)))
			yi[j] = e
			s += e
		}
		for j := range yi {
			yi[j] /= s
		}
	}
}

func (d *CPU[T]) SoftmaxGrad(dx, dy, y Buffer, rows, cols int) {
	out, g, yy := d.f(dx), d.f(dy), d.f(y)
	for r := 0; r < rows; r++ {
		gi, yi, oi := g[r*cols:(r+1)*cols], yy[r*cols:(r+1)*cols], out[r*cols:(r+1)*cols]
		var dot T
		for j := range gi {
			dot += gi[j] * yi[j]
		}
		for j := range gi {
			oi[j] = yi[j] * (gi[j] - dot)
		}
	}
}

func (d *CPU[T]) Im2Col(col, x Buffer, g ConvGeom) {
	if d.Pause != nil {
		d.Pause()
	}
	c, in := d.f(col), d.f(x)
	kc := g.ColCols()
	d.parallel(g.N*g.OH, g.ColRows()*kc, func(lo, hi int) {
		for nh := lo; nh < hi; nh++ {
			n, oh := nh/g.OH, nh%g.OH
			for ow := 0; ow < g.OW; ow++ {
				row := c[((n*g.OH+oh)*g.OW+ow)*kc:][:kc]
				// The window's positions inside the input along a row,
				// kw in [kw0, kw1), are one run of memory.
				iw0 := ow*g.SW - g.PadL
				kw0, kw1 := max(0, -iw0), min(g.KW, g.W-iw0)
				for kh := 0; kh < g.KH; kh++ {
					ih := oh*g.SH + kh - g.PadT
					dst := row[kh*g.KW*g.C:][:g.KW*g.C]
					if ih < 0 || ih >= g.H || kw0 >= kw1 {
						clear(dst)
						continue
					}
					if kw0 > 0 { // at the left edge: a clear of nothing is still a call
						clear(dst[:kw0*g.C])
					}
					run := dst[kw0*g.C : kw1*g.C]
					src := in[((n*g.H+ih)*g.W+iw0+kw0)*g.C:][:len(run)]
					if len(run) <= 16 { // the first layer's 3x3 of 3 channels: cheaper than a call to memmove
						for i, v := range src {
							run[i] = v
						}
					} else {
						copy(run, src)
					}
					if kw1 < g.KW {
						clear(dst[kw1*g.C:])
					}
				}
			}
		}
	})
}

func (d *CPU[T]) Col2Im(dx, col Buffer, g ConvGeom) {
	out, c := d.f(dx)[:g.N*g.H*g.W*g.C], d.f(col)
	kc := g.ColCols()
	// Each image is independent, so split over images; windows overlap within one.
	d.parallel(g.N, g.ColRows()*kc, func(lo, hi int) {
		clear(out[lo*g.H*g.W*g.C : hi*g.H*g.W*g.C])
		for n := lo; n < hi; n++ {
			for oh := 0; oh < g.OH; oh++ {
				for ow := 0; ow < g.OW; ow++ {
					row := c[((n*g.OH+oh)*g.OW+ow)*kc:][:kc]
					for kh := 0; kh < g.KH; kh++ {
						ih := oh*g.SH + kh - g.PadT
						if ih < 0 || ih >= g.H {
							continue
						}
						for kw := 0; kw < g.KW; kw++ {
							iw := ow*g.SW + kw - g.PadL
							if iw < 0 || iw >= g.W {
								continue
							}
							src := row[(kh*g.KW+kw)*g.C:][:g.C]
							dst := out[((n*g.H+ih)*g.W+iw)*g.C:][:g.C]
							for i, v := range src {
								dst[i] += v
							}
						}
					}
				}
			}
		}
	})
}

// The pooling kernels visit a window's positions in order (kh, then kw)
// with the channels innermost, so that the comparisons run along memory;
// each channel keeps the first of its maxima, as the definition's loop
// (Device.MaxPool) does. Images are independent: they are split over the
// workers.

// poolWork is the pooling's work for the threshold of parallel.
func poolWork(g ConvGeom) int { return g.N * g.OH * g.OW * g.C * g.KH * g.KW }

func (d *CPU[T]) MaxPool(y, x Buffer, g ConvGeom) {
	out, in := d.f(y), d.f(x)
	d.parallel(g.N, poolWork(g), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			for oh := 0; oh < g.OH; oh++ {
				for ow := 0; ow < g.OW; ow++ {
					o := out[((n*g.OH+oh)*g.OW+ow)*g.C:][:g.C]
					first := true
					for kh := 0; kh < g.KH; kh++ {
						ih := oh*g.SH + kh - g.PadT
						if ih < 0 || ih >= g.H {
							continue
						}
						for kw := 0; kw < g.KW; kw++ {
							iw := ow*g.SW + kw - g.PadL
							if iw < 0 || iw >= g.W {
								continue
							}
							src := in[((n*g.H+ih)*g.W+iw)*g.C:][:len(o)]
							if first {
								copy(o, src)
								first = false
								continue
							}
							if d.simd {
								d.maxStep(o, src)
								continue
							}
							// maxStep inline: a call per window position
							// costs as much as its loop in the browser.
							for c, v := range src {
								if v > o[c] {
									o[c] = v
								}
							}
						}
					}
					if first { // the window lies wholly outside the input
						clear(o)
					}
				}
			}
		}
	})
}

func (d *CPU[T]) MaxPoolGrad(dx, dy, x Buffer, g ConvGeom) {
	out, gy, in := d.f(dx)[:g.N*g.H*g.W*g.C], d.f(dy), d.f(x)
	img := g.H * g.W * g.C
	d.parallel(g.N, poolWork(g), func(lo, hi int) {
		clear(out[lo*img : hi*img])
		best, m := make([]int32, g.C), make([]T, g.C)
		for n := lo; n < hi; n++ {
			for oh := 0; oh < g.OH; oh++ {
				for ow := 0; ow < g.OW; ow++ {
					first := true
					for kh := 0; kh < g.KH; kh++ {
						ih := oh*g.SH + kh - g.PadT
						if ih < 0 || ih >= g.H {
							continue
						}
						for kw := 0; kw < g.KW; kw++ {
							iw := ow*g.SW + kw - g.PadL
							if iw < 0 || iw >= g.W {
								continue
							}
							at := (ih*g.W + iw) * g.C // within the image
							src := in[n*img+at:][:len(m)]
							if first {
								copy(m, src)
								for c := range best {
									best[c] = int32(at + c)
								}
								first = false
								continue
							}
							if d.simd {
								d.argmaxStep(m, best, src, at)
								continue
							}
							best := best[:len(src)]
							for c, v := range src {
								if v > m[c] {
									m[c], best[c] = v, int32(at+c)
								}
							}
						}
					}
					if first {
						continue
					}
					o := out[n*img : (n+1)*img]
					for c, v := range gy[((n*g.OH+oh)*g.OW+ow)*g.C:][:len(best)] {
						o[best[c]] += v
					}
				}
			}
		}
	})
}

// maxStep folds one window position's channels into the maxima m:
// m[c] = src[c] if src[c] > m[c].
func (d *CPU[T]) maxStep(m, src []T) {
	src = src[:len(m)]
	c := 0
	if d.simd && unsafe.Sizeof(m[0]) == 4 && len(m) >= 8 {
		c = len(m) &^ 7
		poolMax8((*float32)(unsafe.Pointer(&m[0])), (*float32)(unsafe.Pointer(&src[0])), c)
	}
	for ; c < len(m); c++ {
		if v := src[c]; v > m[c] {
			m[c] = v
		}
	}
}

// argmaxStep is maxStep that also records where each maximum is: best[c] =
// at+c where src[c] > m[c].
func (d *CPU[T]) argmaxStep(m []T, best []int32, src []T, at int) {
	src, best = src[:len(m)], best[:len(m)]
	c := 0
	if d.simd && unsafe.Sizeof(m[0]) == 4 && len(m) >= 8 {
		c = len(m) &^ 7
		poolArgmax8((*float32)(unsafe.Pointer(&m[0])), &best[0], (*float32)(unsafe.Pointer(&src[0])), at, c)
	}
	for ; c < len(m); c++ {
		if v := src[c]; v > m[c] {
			m[c], best[c] = v, int32(at+c)
		}
	}
}

func (d *CPU[T]) MaxPoolActGrad(dx, dy, x Buffer, g ConvGeom, act Act) {
	d.MaxPoolGrad(dx, dy, x, g)
	if act != Linear {
		d.ActivateGrad(act, dx, dx, x, g.N*g.H*g.W*g.C)
	}
}

func (d *CPU[T]) BatchNormStats(mean, variance, movMean, movVar, x Buffer, rows, cols int, momentum float32) {
	mu, va, mm, mv, in := d.f(mean)[:cols], d.f(variance)[:cols], d.f(movMean)[:cols], d.f(movVar)[:cols], d.f(x)
	clear(mu)
	clear(va)
	for r := 0; r < rows; r++ {
		for j, v := range in[r*cols : (r+1)*cols] {
			mu[j] += v
		}
	}
	for j := range mu {
		mu[j] /= T(rows)
	}
	for r := 0; r < rows; r++ {
		for j, v := range in[r*cols : (r+1)*cols] {
			dv := v - mu[j]
			va[j] += dv * dv
		}
	}
	mom := T(momentum)
	for j := range va {
		va[j] /= T(rows)
		mm[j] = mm[j]*mom + mu[j]*(1-mom)
		mv[j] = mv[j]*mom + va[j]*(1-mom)
	}
}

func (d *CPU[T]) BatchNorm(y, x, mean, variance, gamma, beta Buffer, rows, cols int, eps float32) {
	out, in, mu, va, ga, be := d.f(y), d.f(x), d.f(mean), d.f(variance), d.f(gamma), d.f(beta)
	for j := 0; j < cols; j++ {
		inv := T(1 / math.Sqrt(float64(va[j]+T(eps))))
		for r := 0; r < rows; r++ {
			i := r*cols + j
			out[i] = ga[j]*(in[i]-mu[j])*inv + be[j]
		}
	}
}

func (d *CPU[T]) BatchNormGrad(dx, dgamma, dbeta, dy, x, mean, variance, gamma Buffer, rows, cols int, eps float32) {
	out, dg, db, g, in := d.f(dx), d.f(dgamma), d.f(dbeta), d.f(dy), d.f(x)
	mu, va, ga := d.f(mean), d.f(variance), d.f(gamma)
	nr := T(rows)
	for j := 0; j < cols; j++ {
		inv := T(1 / math.Sqrt(float64(va[j]+T(eps))))
		var sdy, sdyxh T
		for r := 0; r < rows; r++ {
			i := r*cols + j
			sdy += g[i]
			sdyxh += g[i] * (in[i] - mu[j]) * inv
		}
		db[j] = sdy
		dg[j] = sdyxh
		for r := 0; r < rows; r++ {
			i := r*cols + j
			xh := (in[i] - mu[j]) * inv
			out[i] = ga[j] * inv * (g[i] - sdy/nr - xh*sdyxh/nr)
		}
	}
}

// hash32 is a 32-bit integer mixer (Chris Wellons' "lowbias32"); the WGSL
// dropout kernel computes the same function with wrapping u32 arithmetic.
func hash32(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}

// DropoutKeep is the counter-based generator behind Dropout: element i is
// kept when a uniform number in [0, 1) made of 24 bits of
// hash32(i ^ hash32(seed)) is at least rate.
func DropoutKeep(seed, i uint32, rate float32) bool {
	h := hash32(i ^ hash32(seed))
	return float32(h>>8)*(1.0/16777216.0) >= rate
}

func (d *CPU[T]) Dropout(y, x Buffer, n int, rate float32, seed uint32) {
	d.dropout(y, x, n, rate, seed)
}

func (d *CPU[T]) DropoutGrad(dx, dy Buffer, n int, rate float32, seed uint32) {
	d.dropout(dx, dy, n, rate, seed)
}

func (d *CPU[T]) DropoutActGrad(dx, dy, x Buffer, n int, rate float32, seed uint32, act Act) {
	d.dropout(dx, dy, n, rate, seed)
	if act != Linear {
		d.ActivateGrad(act, dx, dx, x, n)
	}
}

// dropout sets out[i] = in[i]/(1-rate) where DropoutKeep keeps i, else 0.
func (d *CPU[T]) dropout(dx, dy Buffer, n int, rate float32, seed uint32) {
	out, in := d.f(dx)[:n], d.f(dy)[:n]
	s := T(1 / (1 - float64(rate)))
	hs := hash32(seed)
	d.parallel(n, 4*n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			h := hash32(uint32(i) ^ hs)
			if float32(h>>8)*(1.0/16777216.0) >= rate {
				out[i] = in[i] * s
			} else {
				out[i] = 0
			}
		}
	})
}

func (d *CPU[T]) Update(o OptParams, w, g, s1, s2 Buffer, n int) {
	ww, gg := d.f(w)[:n], d.f(g)[:n]
	lr := T(o.LR)
	switch o.Kind {
	case SGD:
		if o.Momentum == 0 {
			for i, gi := range gg {
				ww[i] -= lr * gi
			}
			return
		}
		v, mom := d.f(s1)[:n], T(o.Momentum)
		for i, gi := range gg {
			v[i] = mom*v[i] - lr*gi
			if o.Nesterov {
				ww[i] += mom*v[i] - lr*gi
			} else {
				ww[i] += v[i]
			}
		}
	case Adam:
		m, v := d.f(s1)[:n], d.f(s2)[:n]
		b1, b2, eps := T(o.Beta1), T(o.Beta2), T(o.Epsilon)
		t := float64(o.Step)
		alpha := T(float64(o.LR) * math.Sqrt(1-math.Pow(float64(o.Beta2), t)) / (1 - math.Pow(float64(o.Beta1), t)))
		for i, gi := range gg {
			m[i] += (gi - m[i]) * (1 - b1)
			v[i] += (gi*gi - v[i]) * (1 - b2)
			ww[i] -= alpha * m[i] / (T(math.Sqrt(float64(v[i]))) + eps)
		}
	case RMSprop:
		s := d.f(s1)[:n]
		rho, eps := T(o.Rho), T(o.Epsilon)
		var mom []T
		if o.Momentum != 0 {
			mom = d.f(s2)[:n]
		}
		for i, gi := range gg {
			s[i] += (gi*gi - s[i]) * (1 - rho)
			step := lr * gi / T(math.Sqrt(float64(s[i]+eps)))
			if mom != nil {
				mom[i] = T(o.Momentum)*mom[i] + step
				step = mom[i]
			}
			ww[i] -= step
		}
	}
}
