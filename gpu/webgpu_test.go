//go:build (cgo && linux && amd64) || js

package gpu

import (
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"

	"nnlab/shaders"
)

// Tests of the WebGPU device's own machinery, beyond the conformance suite.

func newSuite(t *testing.T, d Device) *suite {
	s := &suite{t: t, d: NewOps(d), r: NewCPUOf[float64](), rng: rand.New(rand.NewSource(2))}
	t.Cleanup(s.d.Release)
	return s
}

// A shader that does not compile comes back as an error naming the kernel,
// from the same path that compiles the real ones, and again at the next Sync
// when an operation used it.
func TestWebGPUShaderError(t *testing.T) {
	d := openTestWebGPU(t)
	k := &kernel{key: kernelKey{name: "broken_kernel"}}
	err := d.compile(k, "@group(0) @binding(0) var<uniform> p: u32;\n@compute @workgroup_size(1) fn main() { let x: f32 = 1u + ; }")
	if err == nil || !strings.Contains(err.Error(), "broken_kernel") {
		t.Fatalf("compiling a broken shader: got %v, want an error naming broken_kernel", err)
	}
	t.Logf("the error reads: %v", err)
	if d.Sync() != nil {
		t.Fatalf("compile alone should not leave an error behind")
	}

	// Through an operation: the kernel is looked up by name, fails, and the
	// next Sync reports it; the device stays usable.
	d.begin().u(1)
	d.run(kernelKey{name: "no_such_kernel"}, 1, 1, 1)
	if err := d.Sync(); err == nil || !strings.Contains(err.Error(), "no_such_kernel") {
		t.Fatalf("Sync after a missing kernel: got %v", err)
	}
	b := d.Alloc(3)
	d.Fill(b, 2, 3)
	got := make([]float32, 3)
	if err := d.Read(got, b, 0); err != nil || got[2] != 2 {
		t.Fatalf("after an error: Read gave %v, %v", got, err)
	}
}

// A source larger than one storage binding is gathered through windows.
func TestWebGPUGatherWindows(t *testing.T) {
	d := openTestWebGPU(t)
	s := newSuite(t, d)
	// Window sizes (bytes) that need 3 or 4 windows for these sources.
	for _, tc := range []struct {
		srcRows, rowLen, rows int
		byteWin, floatWin     uint64
	}{{300, 7, 40, 1024, 4096}, {100, 33, 100, 1280, 4096}, {9, 600, 9, 2048, 8192}} {
		idx := make([]float64, tc.rows)
		for i := range idx {
			idx[i] = float64(s.rng.Intn(tc.srcRows))
		}
		idx[0], idx[len(idx)-1] = 0, float64(tc.srcRows-1) // first and last rows
		ix := s.tensor(idx)
		name := fmt.Sprintf("%dx%d", tc.srcRows, tc.rowLen)

		raw := make([]uint8, 64+tc.srcRows*tc.rowLen)
		for i := range raw {
			raw[i] = uint8(s.rng.Intn(256))
		}
		bd, br := d.UploadBytes(raw), s.r.UploadBytes(raw)
		vd, vr := d.View(bd, 64, tc.srcRows*tc.rowLen), s.r.View(br, 64, tc.srcRows*tc.rowLen)
		d.gatherWin = tc.byteWin
		if w, err := gatherWindows(vd.(*webgpuBuf), tc.rowLen, tc.byteWin); err != nil || w.n < 3 {
			t.Fatalf("%s bytes: %d windows, %v", name, w.n, err)
		}
		dst := s.poison(tc.rows * tc.rowLen)
		d.Gather(dst.d, vd, ix.d, 0, tc.rows, tc.rowLen, 1)
		s.r.Gather(dst.r, vr, ix.r, 0, tc.rows, tc.rowLen, 1)
		s.check("Gather bytes through windows "+name, dst, 0, 0)

		src := s.rand(tc.srcRows*tc.rowLen, -1, 1)
		d.gatherWin = tc.floatWin
		if w, err := gatherWindows(src.d.(*webgpuBuf), tc.rowLen, tc.floatWin); err != nil || w.n < 3 {
			t.Fatalf("%s floats: %d windows, %v", name, w.n, err)
		}
		fd := s.poison(tc.rows * tc.rowLen)
		d.Gather(fd.d, src.d, ix.d, 0, tc.rows, tc.rowLen, 1)
		s.r.Gather(fd.r, src.r, ix.r, 0, tc.rows, tc.rowLen, 1)
		s.check("Gather floats through windows "+name, fd, 0, 0)
	}
	// Too large for four windows: an error at the next Sync.
	big := d.Alloc(10000)
	d.gatherWin = 1024
	d.Gather(d.Alloc(10), big, d.Alloc(1), 0, 1, 10, 1)
	if err := d.Sync(); err == nil || !strings.Contains(err.Error(), "windows") {
		t.Fatalf("gathering from a source too large: got %v", err)
	}
}

// Both MatMul tiles on every shape, whatever the size heuristic picks.
func TestWebGPUMatMulTiles(t *testing.T) {
	d := openTestWebGPU(t)
	s := newSuite(t, d)
	for _, tile := range [][3]int{{8, 8, 8}, {4, 4, 16}, {8, 8, 16}, {8, 16, 8}, {16, 8, 8}, {4, 8, 16}} {
		if !mmTileOK(tile[0], tile[1], tile[2], d.maxShared) {
			t.Logf("tile %v: too much workgroup memory for this adapter", tile)
			continue
		}
		d.mmConfig = func(m, k, n int) (int, int, int) { return tile[0], tile[1], tile[2] }
		shapes := []mmShape{{1, 1, 1}, {7, 5, 3}, {129, 17, 130}, {200, 64, 72}, {3, 300, 257}}
		if testing.Short() {
			// Each layout is a pipeline of its own (its flags are constants),
			// which the browser's CPU-emulated GPU takes seconds to compile:
			// there (-short), the large tile (which the conformance suite's
			// small products do not pick) runs each transpose once,
			// alternately with scalar (129x17x130) and vector loads
			// (200x64x72), and the other tiles, the same WGSL with other
			// constants, are left to the native run on lavapipe.
			if tile == [3]int{8, 8, 8} {
				s.matmul(mmShape{200, 64, 72}, false, false, false)
				s.matmul(mmShape{129, 17, 130}, true, false, true)
				s.matmul(mmShape{200, 64, 72}, false, true, true)
				s.matmul(mmShape{129, 17, 130}, true, true, false)
				s.weightGrads(64, 130, 8, true)
			}
			continue
		}
		for _, sh := range shapes {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					s.matmul(sh, ta, tb, ta != tb)
				}
			}
		}
		s.weightGrads(64, 130, 8, true)
		s.weightGrads(300, 27, 33, true)
	}
}

// The products with their flags read from the parameters (one pipeline a
// tile: NNLAB_MATMUL_FLAGS=uniform, kept for comparing speeds) are right too.
func TestWebGPUMatMulUniformFlags(t *testing.T) {
	d := openTestWebGPU(t)
	if testing.Short() {
		t.Skip("-short: the constant flags' pipelines are the ones in use")
	}
	d.mmUniform = true
	before := map[kernelKey]bool{}
	for key := range d.kernels {
		before[key] = true
	}
	s := newSuite(t, d)
	for _, f := range []func(*suite){testMatMul, testMatMulBiasAct, testMatMulActGrad, testWeightGrads, testConv} {
		f(s)
	}
	for key := range d.kernels {
		if key.name == "matmul" && !before[key] && (!key.mm.Uniform || key.mm.Flags != 0 || key.mm.Conv != [len(shaders.ConvFields)]int{}) {
			t.Errorf("pipeline %+v compiled with NNLAB_MATMUL_FLAGS=uniform", key.mm)
		}
	}
}

// Views of one buffer bound as input and output of one kernel (package nn
// may keep all parameters and gradients in one arena).
func TestWebGPUAliasedViews(t *testing.T) {
	d := openTestWebGPU(t)
	s := newSuite(t, d)
	const m, k, n = 33, 65, 7
	// A, B and C in one buffer.
	arena := s.rand(2688+m*n, -1, 1)
	ad, bd, cd := d.View(arena.d, 0, m*k), d.View(arena.d, 2176, k*n), d.View(arena.d, 2688, m*n)
	ar, br, cr := s.r.View(arena.r, 0, m*k), s.r.View(arena.r, 2176, k*n), s.r.View(arena.r, 2688, m*n)
	d.MatMul(cd, ad, bd, m, k, n, false, true, true)
	s.r.MatMul(cr, ar, br, m, k, n, false, true, true)
	s.check("MatMul in one arena", arena, 1e-5, 1e-5)
	// An optimizer step with w, g, m, v in one arena.
	w := s.rand(4*128, -1, 1)
	views := func(p *pair, dev Device, b Buffer) [4]Buffer {
		var v [4]Buffer
		for i := range v {
			v[i] = dev.View(b, i*128, 100)
		}
		return v
	}
	vd, vr := views(w, d, w.d), views(w, s.r, w.r)
	o := OptParams{Kind: Adam, LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, Step: 3}
	d.Update(o, vd[0], vd[1], vd[2], vd[3], 100)
	s.r.Update(o, vr[0], vr[1], vr[2], vr[3], 100)
	s.check("Update in one arena", w, 1e-6, 1e-5)
	if st := d.Stats(); st.Pipelines == 0 {
		t.Fatal("no pipelines")
	}
	if st := d.Stats(); st.AliasCopies < 2 {
		t.Errorf("%d dispatches copied their inputs out of an output's buffer, want 2", st.AliasCopies)
	}
}

// The operations nn runs in place use the kernels' in-place entry points, a
// nil input is not in an output's buffer, and an overlap the kernel is not
// written for is an error.
func TestWebGPUInPlace(t *testing.T) {
	d := openTestWebGPU(t)
	st0 := d.Stats()
	y, dy, dp := d.Alloc(4*10), d.Alloc(4*10), d.Alloc(4*10)
	d.Fill(y, 0.5, 40)
	d.Fill(dy, 1, 40)
	d.Activate(Sigmoid, y, y, 40)
	d.ActivateGrad(Sigmoid, dy, dy, y, 40)
	d.Softmax(y, y, 4, 10)
	d.SoftmaxGrad(dy, dy, y, 4, 10)
	d.DropoutActGrad(dy, dy, y, 40, 0.5, 7, ReLU)
	d.DropoutGrad(dy, dy, 40, 0.5, 7)
	d.Dropout(y, y, 40, 0.5, 7)
	for _, name := range []string{"activate", "activate_grad", "softmax", "softmax_grad", "dropout"} {
		if d.kernels[kernelKey{name: name, inPlace: true}] == nil {
			t.Errorf("%s in place did not run its in-place entry point", name)
		}
	}
	// Nil inputs and outputs: a product without bias or bias gradient, a
	// loss without gradient or target indices, SGD without state.
	d.MatMul(dp, y, dy, 4, 10, 10, false, true, false)
	d.Loss(MSE, nil, d.Alloc(AccSlots), 0, y, dy, nil, 0, 4, 10, 1)
	d.Update(OptParams{Kind: SGD, LR: 0.1}, y, dy, nil, nil, 40)
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	if st := d.Stats(); st.AliasCopies != st0.AliasCopies || st.Passes-st0.Passes != 1 {
		t.Errorf("stats %+v: want no copies and one compute pass", st)
	}
	d.Copy(y, y, 40)
	if err := d.Sync(); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("Copy in place: got %v, want an error that its buffers overlap", err)
	}
}

// Writes, frees and reads keep program order although kernels are only
// recorded: a Write after a kernel that reads dst must not reach it first.
func TestWebGPUOrdering(t *testing.T) {
	d := openTestWebGPU(t)
	st0 := d.Stats()
	x, y := d.Alloc(100), d.Alloc(100)
	// y += x: plain SGD with a learning rate of -1, a small kernel.
	addX := func(n int) { d.Update(OptParams{Kind: SGD, LR: -1}, y, x, nil, nil, n) }
	d.Fill(x, 1, 100)
	d.Copy(y, x, 100) // y = 1
	d.Write(x, 0, []float32{5, 6})
	addX(100) // y = 1 + x = 6, 7, 2, 2, ...
	tmp := d.Alloc(100)
	d.Copy(tmp, y, 100)
	d.Free(tmp) // freed with work recorded that uses it
	got := make([]float32, 3)
	if err := d.Read(got, y, 0); err != nil {
		t.Fatal(err)
	}
	if got[0] != 6 || got[1] != 7 || got[2] != 2 {
		t.Fatalf("got %v, want [6 7 2]", got)
	}
	st := d.Stats()
	if st.StagedWrites-st0.StagedWrites != 1 {
		t.Errorf("stats %+v: want one staged write", st)
	}
	// Many dispatches: the parameter ring fills and submits on its own.
	for i := 0; i < ringSlots+10; i++ {
		addX(1)
	}
	if err := d.Read(got, y, 0); err != nil {
		t.Fatal(err)
	}
	if want := float32(6 + 5*(ringSlots+10)); got[0] != want {
		t.Fatalf("after %d dispatches got %v, want %v", ringSlots+10, got[0], want)
	}
	t.Logf("stats: %+v", d.Stats())
}

// The steady state of a training step allocates nothing on the Go side.
func TestWebGPUNoAllocs(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("syscall/js allocates for every call into JavaScript")
	}
	d := openTestWebGPU(t)
	a, b, c := d.Alloc(64*64), d.Alloc(64*64), d.Alloc(64*64)
	step := func() {
		d.MatMul(c, a, b, 64, 64, 64, false, false, false)
		d.Activate(ReLU, c, c, 64*64)
		d.WeightGrads(b, nil, a, c, 64, 64, 64)
	}
	step()
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, step); n > 0 {
		t.Errorf("recording a step allocates %v times", n)
	}
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
}

// resetTestWebGPU undoes what a test may have changed on the shared device.
func resetTestWebGPU(d *WebGPU) {
	d.gatherWin = 0
	d.mmConfig = nil
	d.mmUniform = false
	d.Sync()
}

// mmSplit covers k with whole chunks of whole k steps, only where a MatMul
// has few tiles and a long k.
func TestMatMulSplit(t *testing.T) {
	for _, c := range []struct{ tiles, k, bk, want int }{
		{1, 28800, 16, 106}, // conv1's weight gradient: 27 x 32 outputs
		{5, 5408, 16, 20},   // conv2's
		{1, 32, 16, 1},      // the weather MLP's
		{1024, 4096, 8, 1},  // square n = 4096: tiles enough
		{1, 0, 16, 1},
		{1, 3000, 16, 11},
	} {
		split, kchunk := mmSplit(c.tiles, c.k, c.bk)
		if split != c.want || kchunk%c.bk != 0 || split*kchunk < c.k || (split-1)*kchunk >= max(c.k, 1) && split > 1 {
			t.Errorf("mmSplit(%d tiles, k=%d, bk=%d) = %d chunks of %d, want %d chunks covering k", c.tiles, c.k, c.bk, split, kchunk, c.want)
		}
	}
}
