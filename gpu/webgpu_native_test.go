//go:build cgo && linux && amd64 && !js

package gpu

import (
	"testing"
	"time"
)

// Sync waits for all the submitted work however long it takes: one blocking
// Poll of wgpu-native gives up after 5 s with the queue still busy.
func TestWebGPUSyncWaitsForSlowWork(t *testing.T) {
	d := openTestWebGPU(t)
	if !d.software || testing.Short() {
		t.Skip("needs a CPU-emulated adapter, where more than 5 s of kernels in one submit is cheap to make")
	}
	d.mmUniform = true // the slower products (reset after the test)
	g := geom(32, 15, 15, 32, 3, 3, 1, 1, false)
	const filters = 32
	x, w, bias, y := d.Alloc(g.N*g.H*g.W*g.C), d.Alloc(g.ColCols()*filters), d.Alloc(filters), d.Alloc(g.ColRows()*filters)
	defer func() { d.Free(x); d.Free(w); d.Free(bias); d.Free(y) }()
	for _, b := range []Buffer{x, w, bias} {
		d.Fill(b, 0.5, b.Len())
	}
	d.ConvForward(y, x, w, bias, g, filters, ReLU) // compiles
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	one := time.Now()
	d.ConvForward(y, x, w, bias, g, filters, ReLU)
	d.Sync()
	n := int(12*time.Second/time.Since(one)) + 1 // 12 s of work (at most a submit)
	n = min(n, d.perSubmit-1)
	start := time.Now()
	for i := 0; i < n; i++ {
		d.ConvForward(y, x, w, bias, g, filters, ReLU)
	}
	if err := d.Sync(); err != nil {
		t.Fatal(err)
	}
	if !d.dev.Poll(false, nil) {
		t.Fatalf("Sync returned after %v of %d products with work still queued", time.Since(start), n)
	}
	t.Logf("Sync waited %v for %d products", time.Since(start).Round(time.Millisecond), n)
}
