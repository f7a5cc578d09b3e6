package gpu

import (
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// kernelShapes straddle the blocks of the SIMD kernel (6 rows, 16 columns,
// 256 deep, 96-row A blocks, 1,024-column B blocks) and the size at which a
// product is split over the workers.
var kernelShapes = []mmShape{
	{6, 256, 16}, {5, 255, 15}, {7, 257, 17}, {97, 513, 33}, {12, 1, 1030},
	{190, 300, 47}, {1, 600, 1}, {37, 31, 2049}, {193, 9, 100}, {2, 700, 3},
}

// poolGeoms have channels in whole registers of 8 and not (the SIMD
// pooling takes 8 at a time, the rest one by one): the lesson's 2x2 pools,
// and overlapping and padded windows.
var poolGeoms = []ConvGeom{
	geom(2, 30, 30, 32, 2, 2, 2, 2, false), // the lesson's first pool, batch 2
	geom(3, 13, 13, 8, 2, 2, 2, 2, false),
	geom(2, 7, 9, 19, 3, 3, 2, 2, true),
	geom(1, 5, 5, 17, 3, 3, 1, 1, true),
	{N: 1, H: 3, W: 3, C: 9, KH: 2, KW: 2, SH: 1, SW: 1, PadT: 2, PadL: 2, OH: 5, OW: 5},
}

// pool checks MaxPool and MaxPoolGrad on g against the reference, on small
// integers: many ties, so that a kernel keeping a maximum other than the
// window's first sends its gradient elsewhere and fails.
func (s *suite) pool(g ConvGeom) {
	s.t.Helper()
	name := fmt.Sprintf("%+v", g)
	nx, ny := g.N*g.H*g.W*g.C, g.N*g.OH*g.OW*g.C
	v := make([]float64, nx)
	for i := range v {
		v[i] = float64(s.rng.Intn(4))
	}
	x, y, dy, dx := s.tensor(v), s.poison(ny), s.rand(ny, -1, 1), s.poison(nx)
	s.d.MaxPool(y.d, x.d, g)
	s.r.MaxPool(y.r, x.r, g)
	s.check("MaxPool "+name, y, 0, 0)
	s.d.MaxPoolGrad(dx.d, dy.d, x.d, g)
	s.r.MaxPoolGrad(dx.r, dy.r, x.r, g)
	s.check("MaxPoolGrad "+name, dx, 1e-6, 1e-6)
	s.free(x, y, dy, dx)
}

// Every kernel set of this build, with the fast path on and off and on one
// and two cores, passes the whole conformance suite, and the products on
// shapes around its blocks in all eight layouts and the pooling on channels
// in and out of whole registers.
func TestConformanceCPUKernels(t *testing.T) {
	t.Logf("kernels: %v (default %s)", CPUKernelNames(), NewCPU().Kernels())
	if len(CPUKernelNames()) < 2 {
		t.Logf("only the Go loop in this build: nothing faster to check it against")
	}
	for _, name := range CPUKernelNames() {
		for _, procs := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/GOMAXPROCS=%d", name, procs), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				if runtime.GOMAXPROCS(0) != procs {
					t.Skipf("GOMAXPROCS stays %d in this build (the browser's has one thread)", runtime.GOMAXPROCS(0))
				}
				d := NewCPU()
				if err := d.SetKernels(name); err != nil {
					t.Fatal(err)
				}
				if d.workers != procs {
					t.Fatalf("the device has %d workers under GOMAXPROCS=%d", d.workers, procs)
				}
				t.Run("Blocks", func(t *testing.T) {
					s := &suite{t: t, d: NewOps(d), r: NewCPUOf[float64](), rng: rand.New(rand.NewSource(2))}
					defer s.d.Release()
					for _, sh := range kernelShapes {
						for v := range 8 {
							s.matmul(sh, v&1 != 0, v&2 != 0, v&4 != 0)
						}
					}
					for _, g := range poolGeoms {
						s.pool(g)
					}
				})
				testDevice(t, d)
			})
		}
	}
}

// A product's elements do not depend on how its rows are split over the
// workers, nor on which other rows it computes: a parallel split must
// never cut an element's sum, or a lesson's numbers would change with the
// number of cores. gonum's Sgemm is not held to this: it is not ours.
func TestCPUKernelsSplitInvariant(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, name := range CPUKernelNames() {
		if name == "gonum" {
			continue
		}
		for _, sh := range append([]mmShape{{32, 89, 100}, {300, 27, 32}, {27, 3000, 32}, {64, 288, 32}}, kernelShapes...) {
			m, k, n := sh.m, sh.k, sh.n
			for v := range 4 {
				ta, tb := v&1 != 0, v&2 != 0
				a, b := randFloats(rng, m*k), randFloats(rng, k*n)
				want := product(t, name, 1, a, b, m, k, n, ta, tb)
				for _, w := range []int{2, 3, 7} {
					if got := product(t, name, w, a, b, m, k, n, ta, tb); !slices.Equal(got, want) {
						t.Errorf("%s %dx%dx%d ta=%v tb=%v: %d workers give other sums than one", name, m, k, n, ta, tb, w)
					}
				}
				// Rows [i0, i0+5) alone, with op(a) cut down to them.
				if i0 := min(7, m-1); i0 >= 0 && m > 1 {
					rows := min(5, m-i0)
					sub := make([]float32, rows*k)
					for r := range rows {
						for p := range k {
							if ta {
								sub[r*k+p] = a[p*m+i0+r]
							} else {
								sub[r*k+p] = a[(i0+r)*k+p]
							}
						}
					}
					got := product(t, name, 1, sub, b, rows, k, n, false, tb)
					if !slices.Equal(got, want[i0*n:(i0+rows)*n]) {
						t.Errorf("%s %dx%dx%d ta=%v tb=%v: rows %d-%d alone give other sums than in the whole", name, m, k, n, ta, tb, i0, i0+rows-1)
					}
				}
			}
		}
	}
}

func randFloats(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 2*rng.Float32() - 1
	}
	return v
}

// product runs one MatMul on a CPU device with the named kernels and w
// workers and returns c.
func product(t *testing.T, kernels string, w int, a, b []float32, m, k, n int, ta, tb bool) []float32 {
	t.Helper()
	d := NewCPU()
	if err := d.SetKernels(kernels); err != nil {
		t.Fatal(err)
	}
	d.workers = w
	A, B, C := d.Alloc(len(a)), d.Alloc(len(b)), d.Alloc(m*n)
	d.Write(A, 0, a)
	d.Write(B, 0, b)
	d.MatMul(C, A, B, m, k, n, ta, tb, false)
	return Host[float32](C)
}

// A kernel the build lacks is an error that lists the ones it has.
func TestCPUSetKernelsUnknown(t *testing.T) {
	err := NewCPU().SetKernels("avx9")
	if err == nil {
		t.Fatal("SetKernels(\"avx9\") succeeded")
	}
	for _, name := range CPUKernelNames() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error %q does not list %q", err, name)
		}
	}
	if err := NewCPUOf[float64]().SetKernels(CPUKernelNames()[0]); CPUKernelNames()[0] != "go" && err == nil {
		t.Errorf("the float64 device took the %s kernels", CPUKernelNames()[0])
	}
}

// The SIMD kernel's fused bias and relu give bit for bit what the product,
// the bias and the activation give one after the other, on every kind of
// tile and with a NaN, an infinity and a -0 among the biases: fusing them
// changes no number.
func TestCPUFusedBiasReLUExact(t *testing.T) {
	d := NewCPU()
	if d.SetKernels("simd") != nil {
		t.Skipf("no simd kernels in this build (%v): nothing fused", CPUKernelNames())
	}
	rng := rand.New(rand.NewSource(4))
	for _, sh := range append([]mmShape{{32, 89, 100}, {300, 27, 32}, {64, 600, 33}}, kernelShapes...) {
		m, k, n := sh.m, sh.k, sh.n
		for _, act := range []Act{Linear, ReLU} {
			for _, withBias := range []bool{false, true} {
				a, b, bias := randFloats(rng, m*k), randFloats(rng, k*n), randFloats(rng, n)
				for i, v := range []float32{float32(math.NaN()), float32(math.Inf(-1)), float32(math.Copysign(0, -1))} {
					if i < n {
						bias[i] = v
					}
				}
				A, B, Bias, want, got := d.Alloc(m*k), d.Alloc(k*n), d.Alloc(n), d.Alloc(m*n), d.Alloc(m*n)
				d.Write(A, 0, a)
				d.Write(B, 0, b)
				d.Write(Bias, 0, bias)
				if !withBias {
					Bias = nil
				}
				d.MatMul(want, A, B, m, k, n, false, false, false)
				if withBias {
					d.addBias(want, Bias, m, n)
				}
				d.Activate(act, want, want, m*n)
				d.MatMulBiasAct(got, A, B, Bias, m, k, n, act)
				w, g := Host[float32](want), Host[float32](got)
				for i := range w {
					if math.Float32bits(w[i]) != math.Float32bits(g[i]) {
						t.Errorf("%dx%dx%d %v bias=%v: element %d is %v fused, %v in passes", m, k, n, act, withBias, i, g[i], w[i])
						break
					}
				}
			}
		}
	}
}
