package gpu

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"slices"
	"sync"
	"testing"
)

// The conformance suite: every device runs the same operations on the same
// random inputs as the float64 CPU device, and must agree within a tolerance
// atol + rtol*|ref| suited to float32. Outputs start poisoned (NaN) so that
// elements a kernel forgets to write fail, and every buffer sits between
// guard bands that must come out untouched, to catch stray writes.

func TestConformanceCPU32(t *testing.T) { testDevice(t, NewCPU()) }

// coreOnly exposes a device's core alone: Ops finds none of its extensions
// and runs every fused operation through its fallback.
type coreOnly struct{ Device }

// A device with only the core passes the suite: the fallbacks of Ops are
// right, and a new device needs nothing more.
func TestConformanceCoreOnly(t *testing.T) {
	d := coreOnly{NewCPU()}
	if f := NewOps(d).Fused(); len(f) != 0 {
		t.Fatalf("the core-only device offers %v", f)
	}
	testDevice(t, d)
}

// Ops finds the extensions each device fuses: on WebGPU each is one
// dispatch where the fallback takes two or three, so a step's dispatch
// count rests on this list.
func TestOpsFindsExtensions(t *testing.T) {
	cpu := []string{"MatMulBiasAct", "MatMulActGrad", "WeightGrads", "MaxPoolActGrad", "DropoutActGrad"}
	if got := NewOps(NewCPU()).Fused(); !slices.Equal(got, cpu) {
		t.Errorf("CPU: Ops finds %v, want %v", got, cpu)
	}
	if o := NewOps(NewCPU()); NewOps(o) != o {
		t.Errorf("NewOps of an Ops makes another")
	}
	d := openTestWebGPU(t)
	want := []string{"MatMulBiasAct", "MatMulActGrad", "WeightGrads", "ConvForward", "ConvWeightGrads", "MaxPoolActGrad", "DropoutActGrad"}
	if got := NewOps(d).Fused(); !slices.Equal(got, want) {
		t.Errorf("WebGPU: Ops finds %v, want %v", got, want)
	}
}

func TestConformanceWebGPU(t *testing.T) {
	d := openTestWebGPU(t)
	t.Logf("device: %s", d.Name())
	testDevice(t, d)
	t.Logf("stats: %+v", d.Stats())
}

var (
	testGPUOnce sync.Once
	testGPU     *WebGPU
	testGPUErr  error
)

// openTestWebGPU returns the WebGPU device that the tests share (compiling
// the kernels once), or skips the test where there is none, unless
// NNLAB_REQUIRE_WEBGPU=1 (CI, after installing lavapipe) makes that a failure.
func openTestWebGPU(t testing.TB) *WebGPU {
	t.Helper()
	testGPUOnce.Do(func() {
		testGPU, testGPUErr = NewWebGPU()
	})
	d, err := testGPU, testGPUErr
	if err != nil {
		if os.Getenv("NNLAB_REQUIRE_WEBGPU") == "1" {
			t.Fatalf("NNLAB_REQUIRE_WEBGPU=1 but: %v", err)
		}
		t.Skipf("\n*** SKIPPING WebGPU: %v\n*** (set NNLAB_REQUIRE_WEBGPU=1 to make this a failure)", err)
	}
	t.Cleanup(func() { resetTestWebGPU(d) })
	return d
}

const (
	guard    = 64    // floats of guard band on each side of a buffer
	guardVal = -3e33 // what guard bands hold
	f32eps   = 0x1p-23
)

type suite struct {
	t   *testing.T
	d   *Ops          // the device under test, fused operations and all
	r   *CPU[float64] // reference
	rng *rand.Rand
}

// spread says whether to run variant v (of nv) on shape i (of ns) in a
// loop over shapes and a kernel's variants: natively (lavapipe, in CI)
// every pair; with -short (the browser's CPU-emulated GPU, SwiftShader)
// each variant once, the variants spread evenly over the shapes. Each
// variant is a pipeline of its own there (its flags are constants), a
// second or two to compile on an idle machine and many more on a busy
// one; Tint validates the same source whatever the flags, and the native
// suite runs every pair.
func spread(i, ns, v, nv int) bool {
	return !testing.Short() || i == v*ns/nv
}

// pair is one tensor on both devices: on the device under test, the view d
// of root between guard bands; on the reference, r.
type pair struct {
	root, d, r Buffer
	n          int
}

func testDevice(t *testing.T, d Device) {
	s := &suite{t: t, d: NewOps(d), r: NewCPUOf[float64](), rng: rand.New(rand.NewSource(1))}
	defer s.d.Release()
	for _, tc := range []struct {
		name string
		fn   func(*suite)
	}{
		{"FillCopy", testFillCopy},
		{"Gather", testGather},
		{"MatMul", testMatMul},
		{"MatMulBiasAct", testMatMulBiasAct},
		{"WeightGrads", testWeightGrads},
		{"MatMulActGrad", testMatMulActGrad},
		{"Activate", testActivate},
		{"Softmax", testSoftmax},
		{"Conv", testConv},
		{"BatchNorm", testBatchNorm},
		{"Dropout", testDropout},
		{"Loss", testLoss},
		{"Update", testUpdate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := *s
			sub.t = t
			tc.fn(&sub)
		})
	}
}

// tensor returns a pair holding v.
func (s *suite) tensor(v []float64) *pair {
	n := len(v)
	host := make([]float32, n+2*guard)
	for i := range host {
		host[i] = guardVal
	}
	for i, x := range v {
		host[guard+i] = float32(x)
	}
	root := s.d.Alloc(n + 2*guard)
	s.d.Write(root, 0, host)
	r := s.r.Alloc(n)
	for i := range v {
		Host[float64](r)[i] = float64(float32(v[i]))
	}
	return &pair{root: root, d: s.d.View(root, guard, n), r: r, n: n}
}

// rand returns a pair of n uniform values in [lo, hi).
func (s *suite) rand(n int, lo, hi float64) *pair {
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*s.rng.Float64()
	}
	return s.tensor(v)
}

// poison returns a pair of n NaNs: outputs that the operation must overwrite.
func (s *suite) poison(n int) *pair {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return s.tensor(v)
}

func (s *suite) free(ps ...*pair) {
	for _, p := range ps {
		s.d.Free(p.root)
	}
}

// read returns the device's view of p and checks its guard bands.
func (s *suite) read(what string, p *pair) []float32 {
	s.t.Helper()
	all := make([]float32, p.n+2*guard)
	if err := s.d.Read(all, p.root, 0); err != nil {
		s.t.Fatalf("%s: Read: %v", what, err)
	}
	for i, v := range all {
		if (i < guard || i >= guard+p.n) && v != guardVal {
			s.t.Fatalf("%s: guard band element %d (of a buffer of %d) is %v: a stray write", what, i-guard, p.n, v)
		}
	}
	return all[guard : guard+p.n]
}

// check compares the device's p with the reference within atol + rtol*|ref|
// elementwise, or tol[i] when tol is not nil.
func (s *suite) check(what string, p *pair, atol, rtol float64) {
	s.t.Helper()
	s.checkTol(what, p, func(i int, ref float64) float64 { return atol + rtol*math.Abs(ref) })
}

func (s *suite) checkTol(what string, p *pair, tol func(i int, ref float64) float64) {
	s.t.Helper()
	got := s.read(what, p)
	ref := Host[float64](p.r)
	bad := 0
	for i, g := range got {
		want := ref[i]
		ok := math.Abs(float64(g)-want) <= tol(i, want) ||
			math.IsNaN(want) && math.IsNaN(float64(g)) ||
			math.IsInf(want, 0) && float64(g) == want
		if !ok {
			if bad < 5 {
				s.t.Errorf("%s: element %d of %d: got %v, want %v (tolerance %.3g)", what, i, p.n, g, want, tol(i, want))
			}
			bad++
		}
	}
	if bad > 0 {
		s.t.Fatalf("%s: %d of %d elements differ", what, bad, p.n)
	}
}

// Sizes that do not divide tiles or workgroups.
var oddSizes = []int{1, 7, 33, 65, 127, 256, 257, 1000}

func testFillCopy(s *suite) {
	for _, n := range oddSizes {
		y := s.poison(n)
		s.d.Fill(y.d, 0.25, n)
		s.r.Fill(y.r, 0.25, n)
		s.check(fmt.Sprintf("Fill n=%d", n), y, 0, 0)
		// A shorter fill leaves the rest alone.
		s.d.Fill(y.d, -1.5, n/2)
		s.r.Fill(y.r, -1.5, n/2)
		s.check(fmt.Sprintf("Fill n=%d of %d", n/2, n), y, 0, 0)
		x := s.rand(n, -2, 2)
		z := s.poison(n)
		s.d.Copy(z.d, x.d, n)
		s.r.Copy(z.r, x.r, n)
		s.check(fmt.Sprintf("Copy n=%d", n), z, 0, 0)
		s.free(x, y, z)
	}
	if testing.Short() {
		return // the 2-D grid below is 64 MB for one dispatch: natively only
	}
	// More than 65535 workgroups of 256 fold into a 2-D grid.
	n := 65535*256 + 300
	y := s.tensor(make([]float64, n))
	s.d.Fill(y.d, 3, n)
	s.r.Fill(y.r, 3, n)
	s.check("Fill 2-D grid", y, 0, 0)
	s.free(y)
}

func testGather(s *suite) {
	for _, tc := range []struct{ srcRows, rowLen, rows, idxOff int }{
		{1, 1, 1, 0}, {10, 7, 5, 3}, {50, 33, 32, 10}, {300, 65, 64, 0}, {20, 3072, 7, 2},
	} {
		idx := make([]float64, tc.idxOff+tc.rows+3)
		for i := range idx {
			idx[i] = float64(s.rng.Intn(tc.srcRows))
		}
		ix := s.tensor(idx)
		name := fmt.Sprintf("Gather %dx%d rows=%d idxOff=%d", tc.srcRows, tc.rowLen, tc.rows, tc.idxOff)
		// Float source.
		src := s.rand(tc.srcRows*tc.rowLen, -1, 1)
		dst := s.poison(tc.rows * tc.rowLen)
		s.d.Gather(dst.d, src.d, ix.d, tc.idxOff, tc.rows, tc.rowLen, 0.5)
		s.r.Gather(dst.r, src.r, ix.r, tc.idxOff, tc.rows, tc.rowLen, 0.5)
		s.check(name+" floats", dst, 0, 1e-7)
		// Byte source, whole and as a view at an offset of 64 bytes (not a
		// multiple of WebGPU's 256-byte binding alignment).
		raw := make([]uint8, 64+tc.srcRows*tc.rowLen+5)
		for i := range raw {
			raw[i] = uint8(s.rng.Intn(256))
		}
		for _, off := range []int{0, 64} {
			bd, br := s.d.UploadBytes(raw), s.r.UploadBytes(raw)
			vd, vr := s.d.View(bd, off, tc.srcRows*tc.rowLen), s.r.View(br, off, tc.srcRows*tc.rowLen)
			bdst := s.poison(tc.rows * tc.rowLen)
			s.d.Gather(bdst.d, vd, ix.d, tc.idxOff, tc.rows, tc.rowLen, 1.0/255)
			s.r.Gather(bdst.r, vr, ix.r, tc.idxOff, tc.rows, tc.rowLen, 1.0/255)
			s.check(fmt.Sprintf("%s bytes at %d", name, off), bdst, 0, 1e-7)
			s.d.Free(bd)
			s.free(bdst)
		}
		s.free(ix, src, dst)
	}
}

type mmShape struct{ m, k, n int }

// matmulShapes are small enough for a software adapter yet cover sizes that
// do not divide the tiles, single rows and columns, deep k, both tile sizes
// and operands with and without dimensions divisible by 4 (vector loads).
var matmulShapes = []mmShape{
	{1, 1, 1}, {1, 7, 1}, {7, 1, 33}, {33, 65, 7}, {65, 127, 33}, {127, 33, 65},
	{32, 89, 100}, {64, 64, 64}, {129, 8, 131}, {5, 3000, 6}, {100, 1001, 36},
	{1296, 20, 1240}, {1250, 13, 1250}, {3, 0, 5},
	// Split k on the WebGPU device (few output tiles, long k): the lesson's
	// conv1 weight gradient has k = 28,800; a last chunk shorter than the rest.
	{27, 4000, 32}, {9, 1999, 5},
}

func testMatMul(s *suite) {
	shapes := matmulShapes
	if testing.Short() {
		// The browser's CPU-emulated GPU: smaller products only.
		shapes = slices.DeleteFunc(slices.Clone(shapes), func(sh mmShape) bool { return sh.m*sh.k*sh.n > 4_000_000 })
	}
	for i, sh := range shapes {
		for v := range 8 {
			if spread(i, len(shapes), v, 8) {
				s.matmul(sh, v&1 != 0, v&2 != 0, v&4 != 0)
			}
		}
	}
}

// matmul runs one MatMul and checks it against a bound of float32's rounding:
// tol = 1e-6 + 4·eps32·√k·Σ_p |a_ip|·|b_pj| (+|c| when acc).
func (s *suite) matmul(sh mmShape, ta, tb, acc bool) {
	s.t.Helper()
	m, k, n := sh.m, sh.k, sh.n
	a, b := s.rand(m*k, -1, 1), s.rand(k*n, -1, 1)
	var c *pair
	if acc {
		c = s.rand(m*n, -1, 1)
	} else {
		c = s.poison(m * n)
	}
	s.d.MatMul(c.d, a.d, b.d, m, k, n, ta, tb, acc)
	s.r.MatMul(c.r, a.r, b.r, m, k, n, ta, tb, acc)
	// The bound: the same product of absolute values.
	abs := func(p *pair) Buffer {
		q := s.r.Alloc(p.n)
		for i, v := range Host[float64](p.r) {
			Host[float64](q)[i] = math.Abs(v)
		}
		return q
	}
	bound := s.r.Alloc(m * n)
	s.r.MatMul(bound, abs(a), abs(b), m, k, n, ta, tb, false)
	bnd := Host[float64](bound)
	sq := math.Sqrt(float64(k))
	s.checkTol(fmt.Sprintf("MatMul %dx%dx%d ta=%v tb=%v acc=%v", m, k, n, ta, tb, acc), c,
		func(i int, ref float64) float64 { return 1e-6 + 4*f32eps*(sq*bnd[i]+math.Abs(ref)) })
	s.free(a, b, c)
}

// testMatMulBiasAct checks the fused forward product: every activation, with
// and without a bias, on shapes with and without a split k.
func testMatMulBiasAct(s *suite) {
	shapes := []mmShape{{1, 1, 1}, {7, 5, 3}, {33, 65, 7}, {32, 89, 100}, {129, 27, 32}, {32, 512, 32}, {5, 3000, 6}}
	for i, sh := range shapes {
		for ai, act := range []Act{Linear, ReLU, Sigmoid, Tanh} {
			for bi, withBias := range []bool{false, true} {
				// -short: each activation once, with a bias every other one.
				if !spread(i, len(shapes), ai, 4) || testing.Short() && bi != ai%2 {
					continue
				}
				m, k, n := sh.m, sh.k, sh.n
				a, b, c := s.rand(m*k, -1, 1), s.rand(k*n, -1, 1), s.poison(m*n)
				var bd, br Buffer
				var bias *pair
				if withBias {
					bias = s.rand(n, -2, 2)
					bd, br = bias.d, bias.r
				}
				s.d.MatMulBiasAct(c.d, a.d, b.d, bd, m, k, n, act)
				s.r.MatMulBiasAct(c.r, a.r, b.r, br, m, k, n, act)
				// float32's rounding of the product, through an activation
				// whose slope is at most 1.
				s.check(fmt.Sprintf("MatMulBiasAct %dx%dx%d %v bias=%v", m, k, n, act, withBias), c,
					1e-5*math.Sqrt(float64(k)), 1e-5)
				s.free(a, b, c)
				if bias != nil {
					s.free(bias)
				}
			}
		}
	}
}

// testMatMulActGrad checks input gradients times an activation's derivative,
// for every activation, B plain and transposed, with and without a split k.
// The outputs y are drawn where each derivative is well away from its kinks.
func testMatMulActGrad(s *suite) {
	shapes := []mmShape{{1, 1, 1}, {32, 100, 89}, {32, 50, 100}, {7, 5, 3}, {129, 17, 130}, {5, 3000, 6}}
	for i, sh := range shapes {
		for ai, act := range []Act{Linear, ReLU, Sigmoid, Tanh} {
			for bi, tb := range []bool{true, false} {
				// -short: each activation once, B transposed every other one.
				if !spread(i, len(shapes), ai, 4) || testing.Short() && bi != ai%2 {
					continue
				}
				m, k, n := sh.m, sh.k, sh.n
				a, b, c := s.rand(m*k, -1, 1), s.rand(k*n, -1, 1), s.poison(m*n)
				lo, hi := -1.0, 1.0
				if act == Sigmoid {
					lo, hi = 0, 1
				}
				y := s.rand(m*n, lo, hi)
				s.d.MatMulActGrad(c.d, a.d, b.d, y.d, m, k, n, tb, act)
				s.r.MatMulActGrad(c.r, a.r, b.r, y.r, m, k, n, tb, act)
				s.check(fmt.Sprintf("MatMulActGrad %dx%dx%d tb=%v %v", m, k, n, tb, act), c, 1e-5*math.Sqrt(float64(k)), 1e-5)
				s.free(a, b, c, y)
			}
		}
	}
}

// testWeightGrads checks the fused kernel and bias gradients, written over
// random values, with and without a bias, with and without a split k.
func testWeightGrads(s *suite) {
	shapes := [][3]int{{32, 89, 100}, {32, 100, 50}, {32, 50, 1}, {1, 7, 5}, {5, 3, 7}, {4000, 27, 32}, {1999, 9, 5},
		{300, 64, 130}, {28800, 3, 32}, {9001, 1, 1}}
	if testing.Short() {
		// The browser's CPU-emulated GPU is slow at long k: one shape with
		// a split k (1999 rows), one without.
		shapes = [][3]int{{32, 89, 100}, {1999, 9, 5}}
	}
	for i, sh := range shapes {
		for v, withBias := range []bool{true, false} {
			if spread(i, len(shapes), v, 2) {
				s.weightGrads(sh[0], sh[1], sh[2], withBias)
			}
		}
	}
}

func (s *suite) weightGrads(rows, in, out int, withBias bool) {
	s.t.Helper()
	x, dy := s.rand(rows*in, -1, 1), s.rand(rows*out, -1, 1)
	dw := s.rand(in*out, -1, 1)
	var db *pair
	var dbd, dbr Buffer
	if withBias {
		db = s.rand(out, -1, 1)
		dbd, dbr = db.d, db.r
	}
	s.d.WeightGrads(dw.d, dbd, x.d, dy.d, rows, in, out)
	s.r.WeightGrads(dw.r, dbr, x.r, dy.r, rows, in, out)
	name := fmt.Sprintf("WeightGrads rows=%d in=%d out=%d bias=%v", rows, in, out, withBias)
	s.check(name+" dw", dw, 1e-5*math.Sqrt(float64(rows)), 1e-5)
	if db != nil {
		s.check(name+" db", db, 1e-6*float64(rows), 1e-5)
		s.free(db)
	}
	s.free(x, dy, dw)
}

func testActivate(s *suite) {
	sizes := []int{1, 7, 257, 5000}
	for ai, a := range []Act{Linear, ReLU, Sigmoid, Tanh} {
		for i, n := range sizes {
			if !spread(i, len(sizes), ai, 4) {
				continue
			}
			name := fmt.Sprintf("%v n=%d", a, n)
			x := s.rand(n, -30, 30)
			y := s.poison(n)
			s.d.Activate(a, y.d, x.d, n)
			s.r.Activate(a, y.r, x.r, n)
			s.check("Activate "+name, y, 1e-6, 1e-5)
			dy, dx := s.rand(n, -1, 1), s.poison(n)
			s.d.ActivateGrad(a, dx.d, dy.d, y.d, n)
			s.r.ActivateGrad(a, dx.r, dy.r, y.r, n)
			s.check("ActivateGrad "+name, dx, 1e-6, 1e-5)
			// In place: y = f(y), dy = dy*f'(y).
			s.d.Activate(a, x.d, x.d, n)
			s.r.Activate(a, x.r, x.r, n)
			s.check("Activate in place "+name, x, 1e-6, 1e-5)
			s.d.ActivateGrad(a, dy.d, dy.d, y.d, n)
			s.r.ActivateGrad(a, dy.r, dy.r, y.r, n)
			s.check("ActivateGrad in place "+name, dy, 1e-6, 1e-5)
			s.free(x, y, dy, dx)
		}
	}
}

func testSoftmax(s *suite) {
	for _, sh := range [][2]int{{1, 1}, {7, 10}, {33, 65}, {3, 300}, {1000, 3}} {
		rows, cols := sh[0], sh[1]
		name := fmt.Sprintf("%dx%d", rows, cols)
		x, y := s.rand(rows*cols, -20, 20), s.poison(rows*cols)
		s.d.Softmax(y.d, x.d, rows, cols)
		s.r.Softmax(y.r, x.r, rows, cols)
		s.check("Softmax "+name, y, 1e-6, 1e-5)
		dy, dx := s.rand(rows*cols, -1, 1), s.poison(rows*cols)
		s.d.SoftmaxGrad(dx.d, dy.d, y.d, rows, cols)
		s.r.SoftmaxGrad(dx.r, dy.r, y.r, rows, cols)
		s.check("SoftmaxGrad "+name, dx, 1e-6, 1e-5)
		s.d.Softmax(x.d, x.d, rows, cols)
		s.r.Softmax(x.r, x.r, rows, cols)
		s.check("Softmax in place "+name, x, 1e-6, 1e-5)
		s.d.SoftmaxGrad(dy.d, dy.d, y.d, rows, cols)
		s.r.SoftmaxGrad(dy.r, dy.r, y.r, rows, cols)
		s.check("SoftmaxGrad in place "+name, dy, 1e-6, 1e-5)
		s.free(x, y, dy, dx)
	}
}

// geom returns a geometry with Keras's "same" (padding true) or "valid" padding.
func geom(n, h, w, c, kh, kw, sh, sw int, same bool) ConvGeom {
	g := ConvGeom{N: n, H: h, W: w, C: c, KH: kh, KW: kw, SH: sh, SW: sw}
	if same {
		g.OH, g.OW = (h+sh-1)/sh, (w+sw-1)/sw
		g.PadT = max((g.OH-1)*sh+kh-h, 0) / 2
		g.PadL = max((g.OW-1)*sw+kw-w, 0) / 2
	} else {
		g.OH, g.OW = (h-kh)/sh+1, (w-kw)/sw+1
	}
	return g
}

var convGeoms = []ConvGeom{
	geom(1, 5, 7, 1, 3, 3, 1, 1, false),
	geom(2, 5, 7, 3, 3, 3, 1, 1, true),
	geom(1, 9, 9, 2, 3, 3, 2, 2, true),
	geom(3, 9, 9, 4, 3, 3, 2, 2, false),
	geom(2, 9, 9, 3, 2, 2, 2, 2, false), // pooling
	geom(1, 5, 7, 2, 2, 2, 2, 2, true),
	geom(2, 6, 5, 2, 3, 2, 1, 2, true),
	geom(1, 4, 4, 5, 1, 1, 1, 1, false),
	geom(4, 32, 32, 3, 3, 3, 1, 1, false), // the lesson's first CIFAR layer, batch 4
	// Windows wholly outside the input (padding beyond the kernel).
	{N: 1, H: 3, W: 3, C: 2, KH: 2, KW: 2, SH: 1, SW: 1, PadT: 2, PadL: 2, OH: 5, OW: 5},
}

func testConv(s *suite) {
	for gi, g := range convGeoms {
		name := fmt.Sprintf("%+v", g)
		nx := g.N * g.H * g.W * g.C
		dcol, dx := s.rand(g.ColRows()*g.ColCols(), -1, 1), s.poison(nx)
		s.d.Col2Im(dx.d, dcol.d, g)
		s.r.Col2Im(dx.r, dcol.r, g)
		s.check("Col2Im "+name, dx, 1e-6, 1e-6)
		xi, col := s.rand(nx, -1, 1), s.poison(g.ColRows()*g.ColCols())
		s.d.Im2Col(col.d, xi.d, g)
		s.r.Im2Col(col.r, xi.r, g)
		s.check("Im2Col "+name, col, 0, 0)
		s.free(dcol, dx, xi, col)

		// Pooling, with many ties to exercise first-max routing.
		v := make([]float64, nx)
		for i := range v {
			v[i] = float64(s.rng.Intn(4))
		}
		xp := s.tensor(v)
		ny := g.N * g.OH * g.OW * g.C
		y := s.poison(ny)
		s.d.MaxPool(y.d, xp.d, g)
		s.r.MaxPool(y.r, xp.r, g)
		s.check("MaxPool "+name, y, 0, 0)
		dy, dxp := s.rand(ny, -1, 1), s.poison(nx)
		s.d.MaxPoolGrad(dxp.d, dy.d, xp.d, g)
		s.r.MaxPoolGrad(dxp.r, dy.r, xp.r, g)
		s.check("MaxPoolGrad "+name, dxp, 1e-5, 1e-6)
		s.free(dy, dxp)
		for _, act := range []Act{Linear, ReLU, Tanh} { // the previous layer's activation folded in
			dy, dxp := s.rand(ny, -1, 1), s.poison(nx)
			s.d.MaxPoolActGrad(dxp.d, dy.d, xp.d, g, act)
			s.r.MaxPoolActGrad(dxp.r, dy.r, xp.r, g, act)
			// (tanh' at the pooled input values 0..3 scales the float32 sum by up to 8)
			s.check(fmt.Sprintf("MaxPoolActGrad %v %s", act, name), dxp, 1e-5, 1e-6)
			s.free(dy, dxp)
		}
		s.free(xp, y)

		// The convolutions (on WebGPU, products reading the image in
		// place) against the pure-Go Im2Col then the product.
		const filters = 5
		kc, rows := g.ColCols(), g.ColRows()
		xc, w, bias := s.rand(nx, -1, 1), s.rand(kc*filters, -1, 1), s.rand(filters, -1, 1)
		refCol := s.r.Alloc(rows * kc)
		for i, act := range []Act{ReLU, Linear, Tanh} {
			// A convolution's geometry is a constant of its products'
			// pipelines: with -short each of the three cases runs on one
			// geometry (the pooling and col2im kernels above, whose
			// geometry is a parameter, run on all).
			if !spread(gi, len(convGeoms), i, 3) {
				continue
			}
			withBias := i != 1 // use_bias=False with a linear activation
			var bd, br Buffer
			if withBias {
				bd, br = bias.d, bias.r
			}
			yc := s.poison(rows * filters)
			s.d.ConvForward(yc.d, xc.d, w.d, bd, g, filters, act)
			s.r.Im2Col(refCol, xc.r, g)
			s.r.MatMulBiasAct(yc.r, refCol, w.r, br, rows, kc, filters, act)
			s.check(fmt.Sprintf("ConvForward %v bias=%v %s", act, withBias, name), yc, 1e-5*math.Sqrt(float64(kc)), 1e-5)
			dyc, dw, db := s.rand(rows*filters, -1, 1), s.rand(kc*filters, -1, 1), s.rand(filters, -1, 1)
			var dbd, dbr Buffer
			if withBias {
				dbd, dbr = db.d, db.r
			}
			s.d.ConvWeightGrads(dw.d, dbd, xc.d, dyc.d, g, filters)
			s.r.WeightGrads(dw.r, dbr, refCol, dyc.r, rows, kc, filters)
			s.check(fmt.Sprintf("ConvWeightGrads dw bias=%v %s", withBias, name), dw, 1e-5*math.Sqrt(float64(rows)), 1e-5)
			if withBias {
				s.check("ConvWeightGrads db "+name, db, 1e-6*float64(rows), 1e-5)
			}
			// dx: each element sums the products of the windows it is in.
			dxc := s.poison(nx)
			s.d.ConvInputGrad(dxc.d, dyc.d, w.d, g, filters)
			s.r.MatMul(refCol, dyc.r, w.r, rows, filters, kc, false, true, false)
			s.r.Col2Im(dxc.r, refCol, g)
			s.check("ConvInputGrad "+name, dxc, 1e-5*math.Sqrt(float64(filters*g.KH*g.KW)), 1e-5)
			s.free(yc, dyc, dw, db, dxc)
		}
		s.free(xc, w, bias)
	}
}

func testBatchNorm(s *suite) {
	for _, sh := range [][2]int{{1, 1}, {7, 33}, {32, 100}, {300, 5}, {2000, 3}, {28800, 32}} {
		rows, cols := sh[0], sh[1]
		name := fmt.Sprintf("%dx%d", rows, cols)
		x := s.rand(rows*cols, -3, 5)
		mean, va := s.poison(cols), s.poison(cols)
		mm, mv := s.rand(cols, -1, 1), s.rand(cols, 0, 2)
		s.d.BatchNormStats(mean.d, va.d, mm.d, mv.d, x.d, rows, cols, 0.99)
		s.r.BatchNormStats(mean.r, va.r, mm.r, mv.r, x.r, rows, cols, 0.99)
		s.check("BatchNormStats mean "+name, mean, 1e-5, 1e-4)
		s.check("BatchNormStats variance "+name, va, 1e-5, 1e-4)
		s.check("BatchNormStats moving mean "+name, mm, 1e-5, 1e-4)
		s.check("BatchNormStats moving variance "+name, mv, 1e-5, 1e-4)
		// Continue from the reference's statistics, so both sides normalize alike.
		copyRef := func(p *pair) {
			h := make([]float32, p.n)
			for i, v := range Host[float64](p.r) {
				h[i] = float32(v)
				Host[float64](p.r)[i] = float64(h[i])
			}
			s.d.Write(p.d, 0, h)
		}
		copyRef(mean)
		copyRef(va)
		gamma, beta := s.rand(cols, 0.5, 2), s.rand(cols, -1, 1)
		y := s.poison(rows * cols)
		s.d.BatchNorm(y.d, x.d, mean.d, va.d, gamma.d, beta.d, rows, cols, 1e-3)
		s.r.BatchNorm(y.r, x.r, mean.r, va.r, gamma.r, beta.r, rows, cols, 1e-3)
		s.check("BatchNorm "+name, y, 1e-5, 1e-4)
		dy, dx := s.rand(rows*cols, -1, 1), s.poison(rows*cols)
		dg, db := s.rand(cols, -1, 1), s.rand(cols, -1, 1)
		s.d.BatchNormGrad(dx.d, dg.d, db.d, dy.d, x.d, mean.d, va.d, gamma.d, rows, cols, 1e-3)
		s.r.BatchNormGrad(dx.r, dg.r, db.r, dy.r, x.r, mean.r, va.r, gamma.r, rows, cols, 1e-3)
		s.check("BatchNormGrad dx "+name, dx, 1e-4, 1e-3)
		s.check("BatchNormGrad dgamma "+name, dg, 1e-5*float64(rows), 1e-4)
		s.check("BatchNormGrad dbeta "+name, db, 1e-6*float64(rows), 1e-4)
		s.free(x, mean, va, mm, mv, gamma, beta, y, dy, dx, dg, db)
	}
}

func testDropout(s *suite) {
	for _, tc := range []struct {
		n    int
		rate float32
		seed uint32
	}{{1, 0.5, 1}, {257, 0.5, 7}, {10000, 0.1, 12345}, {1000, 0, 3}, {3000, 0.9, 0xdeadbeef}} {
		name := fmt.Sprintf("n=%d rate=%v seed=%d", tc.n, tc.rate, tc.seed)
		x, y := s.rand(tc.n, 0.5, 1.5), s.poison(tc.n)
		s.d.Dropout(y.d, x.d, tc.n, tc.rate, tc.seed)
		s.r.Dropout(y.r, x.r, tc.n, tc.rate, tc.seed)
		s.check("Dropout "+name, y, 0, 1e-6)
		// The very same mask as DropoutKeep.
		got := s.read("Dropout mask "+name, y)
		for i, v := range got {
			if (v != 0) != DropoutKeep(tc.seed, uint32(i), tc.rate) {
				s.t.Fatalf("Dropout %s: element %d kept=%v, DropoutKeep says %v", name, i, v != 0, !(v != 0))
			}
		}
		dy := s.rand(tc.n, -1, 1)
		s.d.DropoutGrad(dy.d, dy.d, tc.n, tc.rate, tc.seed)
		s.r.DropoutGrad(dy.r, dy.r, tc.n, tc.rate, tc.seed)
		s.check("DropoutGrad in place "+name, dy, 0, 1e-6)
		// With the previous layer's activation folded in (x as its output).
		for _, act := range []Act{ReLU, Sigmoid, Tanh} {
			dy2, dx := s.rand(tc.n, -1, 1), s.poison(tc.n)
			s.d.DropoutActGrad(dx.d, dy2.d, x.d, tc.n, tc.rate, tc.seed, act)
			s.r.DropoutActGrad(dx.r, dy2.r, x.r, tc.n, tc.rate, tc.seed, act)
			s.check(fmt.Sprintf("DropoutActGrad %v %s", act, name), dx, 1e-6, 1e-6)
			s.free(dy2, dx)
		}
		s.free(x, y, dy)
	}
}

func testLoss(s *suite) {
	kinds := []LossKind{MSE, MAE, SparseCCE, SparseCCEFromLogits, CategoricalCE, CategoricalCEFromLogits}
	shapes := [][2]int{{1, 1}, {1, 3}, {7, 10}, {33, 4}, {300, 10}}
	for ki, kind := range kinds {
		for i, sh := range shapes {
			rows, cols := sh[0], sh[1]
			for ti, tc := range []struct{ grad, indexed bool }{{true, false}, {false, false}, {true, true}} {
				if !spread(i, len(shapes), ki*3+ti, 3*len(kinds)) {
					continue
				}
				name := fmt.Sprintf("Loss kind=%d %dx%d grad=%v indexed=%v", kind, rows, cols, tc.grad, tc.indexed)
				p, t := s.lossInputs(kind, rows, cols)
				acc := s.rand(12, 0, 10)
				var dp *pair
				var dpd, dpr Buffer
				if tc.grad {
					dp = s.poison(rows * cols)
					dpd, dpr = dp.d, dp.r
				}
				// Indexed: the targets of row r are row idx[3+r] of t, a
				// permutation (as a shuffled epoch picks them).
				var idx *pair
				var idxd, idxr Buffer
				if tc.indexed {
					v := make([]float64, rows+3)
					for i, j := range s.rng.Perm(rows) {
						v[3+i] = float64(j)
					}
					idx = s.tensor(v)
					idxd, idxr = idx.d, idx.r
				}
				s.d.Loss(kind, dpd, acc.d, 4, p.d, t.d, idxd, 3, rows, cols, 0.25)
				s.r.Loss(kind, dpr, acc.r, 4, p.r, t.r, idxr, 3, rows, cols, 0.25)
				s.check(name+" acc", acc, 1e-5*float64(rows), 1e-5)
				if tc.grad {
					s.check(name+" gradient", dp, 1e-5, 1e-4)
					s.free(dp)
				}
				if idx != nil {
					s.free(idx)
				}
				s.free(p, t, acc)
			}
		}
	}
}

// lossInputs returns predictions and targets fit for kind: probabilities
// (some near 0 or 1, to be clipped) or logits, class indices or one-hot or
// soft targets.
func (s *suite) lossInputs(kind LossKind, rows, cols int) (p, t *pair) {
	pv := make([]float64, rows*cols)
	var tv []float64
	switch kind {
	case MSE, MAE:
		for i := range pv {
			pv[i] = s.rng.Float64()*4 - 2
		}
		tv = make([]float64, rows*cols)
		for i := range tv {
			tv[i] = s.rng.Float64()*4 - 2
		}
		return s.tensor(pv), s.tensor(tv)
	case SparseCCEFromLogits, CategoricalCEFromLogits:
		for i := range pv {
			pv[i] = s.rng.Float64()*10 - 5
			if (i/cols)%4 == 3 { // logits thousands apart: exp underflows (unscaled inputs)
				pv[i] *= 400
			}
		}
	default:
		for r := 0; r < rows; r++ {
			var sum float64
			for j := 0; j < cols; j++ {
				v := s.rng.Float64()
				switch s.rng.Intn(6) {
				case 0:
					v = 1e-9 // clipped at 1e-7
				case 1:
					v = 50 // dominant
				}
				pv[r*cols+j] = v
				sum += v
			}
			if r%2 == 0 { // half the rows are normalized already
				for j := 0; j < cols; j++ {
					pv[r*cols+j] /= sum
				}
			}
		}
	}
	if kind == SparseCCE || kind == SparseCCEFromLogits {
		tv = make([]float64, rows)
		for r := range tv {
			tv[r] = float64(s.rng.Intn(cols))
		}
	} else {
		tv = make([]float64, rows*cols)
		for r := 0; r < rows; r++ {
			if r%3 == 2 { // soft targets
				var sum float64
				for j := 0; j < cols; j++ {
					tv[r*cols+j] = s.rng.Float64()
					sum += tv[r*cols+j]
				}
				for j := 0; j < cols; j++ {
					tv[r*cols+j] /= sum
				}
			} else {
				tv[r*cols+s.rng.Intn(cols)] = 1
			}
		}
	}
	return s.tensor(pv), s.tensor(tv)
}

func testUpdate(s *suite) {
	opts := []OptParams{
		{Kind: SGD, LR: 0.1},
		{Kind: SGD, LR: 0.05, Momentum: 0.9},
		{Kind: SGD, LR: 0.05, Momentum: 0.9, Nesterov: true},
		{Kind: Adam, LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 1},
		{Kind: Adam, LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 7},
		{Kind: RMSprop, LR: 1e-3, Rho: 0.9, Epsilon: 1e-7},
		{Kind: RMSprop, LR: 1e-3, Rho: 0.9, Momentum: 0.5, Epsilon: 1e-7},
	}
	sizes := []int{1, 7, 1000}
	for oi, o := range opts {
		for i, n := range sizes {
			if !spread(i, len(sizes), oi, len(opts)) {
				continue
			}
			name := fmt.Sprintf("Update %+v n=%d", o, n)
			w, g := s.rand(n, -1, 1), s.rand(n, -1, 1)
			s1, s2 := s.rand(n, 0, 0.1), s.rand(n, 0, 0.1)
			// Three steps, so that the state carries over.
			for step := 0; step < 3; step++ {
				s.d.Update(o, w.d, g.d, s1.d, s2.d, n)
				s.r.Update(o, w.r, g.r, s1.r, s2.r, n)
				if o.Step > 0 {
					o.Step++
				}
			}
			s.check(name+" w", w, 1e-6, 1e-5)
			s.check(name+" s1", s1, 1e-7, 1e-5)
			s.check(name+" s2", s2, 1e-7, 1e-5)
			s.free(w, g, s1, s2)
		}
	}
}
