//go:build (cgo && linux && amd64) || js

package gpu

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"testing"
)

// Benchmarks of the WebGPU device. On a GPU machine:
//
//	go test -c -o .devbin/gpu.test ./gpu
//	.devbin/gpu.test -test.run '^$' -test.bench 'WebGPU|Dispatch' -test.benchtime 20x
//
// NNLAB_MATMUL_TILE=TMxTNxBK (e.g. 8x8x8, 4x4x16) forces a MatMul tile;
// NNLAB_MATMUL_SPLIT=0 turns split k off; NNLAB_MATMUL_FLAGS=uniform compiles
// one pipeline per tile that reads its flags and geometry at run time.

func benchDevice(b *testing.B) *WebGPU {
	d := openTestWebGPU(b)
	if tile := os.Getenv("NNLAB_MATMUL_TILE"); tile != "" {
		var tm, tn, bk int
		if _, err := fmt.Sscanf(tile, "%dx%dx%d", &tm, &tn, &bk); err != nil {
			b.Fatalf("NNLAB_MATMUL_TILE=%q: want TMxTNxBK", tile)
		}
		d.mmConfig = func(m, k, n int) (int, int, int) { return tm, tn, bk }
	}
	d.noSplit = os.Getenv("NNLAB_MATMUL_SPLIT") == "0"
	b.Logf("device: %s", d.Name())
	return d
}

// BenchmarkMatMulWebGPU reports GFLOP/s of square products (n = 256 to
// 4096; beyond 512 only on hardware adapters) and of the lesson's shapes,
// after checking sampled entries of each against a float64 dot product.
func BenchmarkMatMulWebGPU(b *testing.B) {
	d := benchDevice(b)
	type shape struct {
		m, k, n int
		ta, tb  bool
	}
	var shapes []shape
	for n := 256; n <= 4096; n *= 2 {
		if n > 512 && d.software {
			continue
		}
		shapes = append(shapes, shape{n, n, n, false, false})
	}
	shapes = append(shapes,
		shape{4096, 4096, 4096, true, false}, shape{4096, 4096, 4096, false, true},
		// The lesson: weather MLP (batch 32) and the CIFAR CNN's convolutions.
		shape{32, 89, 100, false, false}, shape{89, 32, 100, true, false}, shape{32, 100, 50, false, true},
		shape{32 * 30 * 30, 27, 32, false, false}, shape{27, 32 * 30 * 30, 32, true, false},
		shape{32 * 13 * 13, 288, 32, false, false},
		shape{288, 32 * 13 * 13, 32, true, false}, shape{32 * 13 * 13, 32, 288, false, true},
	)
	rng := rand.New(rand.NewSource(1))
	for _, s := range shapes {
		if d.software && s.m*s.k*s.n > 1<<28 {
			continue
		}
		b.Run(fmt.Sprintf("%dx%dx%d_ta=%v_tb=%v", s.m, s.k, s.n, s.ta, s.tb), func(b *testing.B) {
			ha, hb := make([]float32, s.m*s.k), make([]float32, s.k*s.n)
			for i := range ha {
				ha[i] = rng.Float32()*2 - 1
			}
			for i := range hb {
				hb[i] = rng.Float32()*2 - 1
			}
			A, B, C := d.Alloc(len(ha)), d.Alloc(len(hb)), d.Alloc(s.m*s.n)
			defer func() { d.Free(A); d.Free(B); d.Free(C) }()
			d.Write(A, 0, ha)
			d.Write(B, 0, hb)
			d.MatMul(C, A, B, s.m, s.k, s.n, s.ta, s.tb, false)
			checkSamples(b, d, C, ha, hb, s.m, s.k, s.n, s.ta, s.tb)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.MatMul(C, A, B, s.m, s.k, s.n, s.ta, s.tb, false)
			}
			if err := d.Sync(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(2*float64(s.m)*float64(s.k)*float64(s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// checkSamples compares 64 entries of C with float64 dot products.
func checkSamples(b *testing.B, d Device, C Buffer, ha, hb []float32, m, k, n int, ta, tb bool) {
	got := make([]float32, m*n)
	if err := d.Read(got, C, 0); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewSource(2))
	for s := 0; s < 64; s++ {
		i, j := rng.Intn(m), rng.Intn(n)
		var sum, abs float64
		for p := 0; p < k; p++ {
			av, bv := ha[i*k+p], hb[p*n+j]
			if ta {
				av = ha[p*m+i]
			}
			if tb {
				bv = hb[j*k+p]
			}
			sum += float64(av) * float64(bv)
			abs += math.Abs(float64(av) * float64(bv))
		}
		if math.Abs(float64(got[i*n+j])-sum) > 1e-6+4*f32eps*math.Sqrt(float64(k))*abs {
			b.Fatalf("C[%d,%d] = %v, want %v", i, j, got[i*n+j], sum)
		}
	}
}

// BenchmarkDispatch measures what a tiny kernel costs: recorded into one
// compute pass (the device's way), with a Sync (submit and wait) after each,
// and with a Read after each.
func BenchmarkDispatch(b *testing.B) {
	d := benchDevice(b)
	y := d.Alloc(64)
	d.Activate(ReLU, y, y, 64)
	if err := d.Sync(); err != nil {
		b.Fatal(err)
	}
	b.Run("pass", func(b *testing.B) {
		st := d.Stats()
		for i := 0; i < b.N; i++ {
			d.Activate(ReLU, y, y, 64)
		}
		if err := d.Sync(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/dispatch")
		b.ReportMetric(float64(d.Stats().Submits-st.Submits), "submits")
	})
	// record: the host's side alone, recording dispatches between submits
	// (what a training step costs the CPU, whatever the GPU does).
	b.Run("record", func(b *testing.B) {
		b.StopTimer()
		for i := 0; i < b.N; {
			n := min(b.N-i, d.perSubmit-1)
			if err := d.Sync(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			for j := 0; j < n; j++ {
				d.Activate(ReLU, y, y, 64)
			}
			b.StopTimer()
			i += n
		}
		if err := d.Sync(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "µs/dispatch")
	})
	b.Run("sync", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			d.Activate(ReLU, y, y, 64)
			if err := d.Sync(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/dispatch")
	})
	b.Run("read", func(b *testing.B) {
		out := make([]float32, 1)
		for i := 0; i < b.N; i++ {
			d.Activate(ReLU, y, y, 64)
			if err := d.Read(out, y, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/dispatch")
	})
}

// BenchmarkConvWebGPU reports GFLOP/s of the CIFAR lesson's convolutions at
// batch 32 (forward with bias and relu; kernel and bias gradients): products
// that read their windows from the image (im2col in the product).
func BenchmarkConvWebGPU(b *testing.B) {
	d := benchDevice(b)
	rng := rand.New(rand.NewSource(1))
	for _, l := range []struct {
		name string
		g    ConvGeom
	}{
		{"conv1", geom(32, 32, 32, 3, 3, 3, 1, 1, false)},
		{"conv2", geom(32, 15, 15, 32, 3, 3, 1, 1, false)},
		{"conv3", geom(32, 6, 6, 32, 3, 3, 1, 1, false)},
	} {
		const filters = 32
		g := l.g
		rand := func(n int) Buffer {
			h := make([]float32, n)
			for i := range h {
				h[i] = rng.Float32()*2 - 1
			}
			buf := d.Alloc(n)
			d.Write(buf, 0, h)
			return buf
		}
		x, w, bias := rand(g.N*g.H*g.W*g.C), rand(g.ColCols()*filters), rand(filters)
		y, dy := d.Alloc(g.ColRows()*filters), rand(g.ColRows()*filters)
		flop := 2 * float64(g.ColRows()) * float64(g.ColCols()) * filters
		for _, op := range []string{"forward", "weightgrads"} {
			b.Run(l.name+"_"+op, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if op == "forward" {
						d.ConvForward(y, x, w, bias, g, filters, ReLU)
					} else {
						d.ConvWeightGrads(w, bias, x, dy, g, filters)
					}
				}
				if err := d.Sync(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		for _, buf := range []Buffer{x, w, bias, y, dy} {
			d.Free(buf)
		}
	}
}
