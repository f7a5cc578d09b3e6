package gpu

import "testing"

// The CPU device calls Pause before its heavy kernels, the fused operations
// included (they go through MatMul and Im2Col), and computes the same.
func TestCPUPause(t *testing.T) {
	d := NewCPU()
	pauses := 0
	d.Pause = func() { pauses++ }
	a, b, c := d.Alloc(4), d.Alloc(4), d.Alloc(4)
	d.Write(a, 0, []float32{1, 2, 3, 4})
	d.Write(b, 0, []float32{5, 6, 7, 8})
	d.MatMul(c, a, b, 2, 2, 2, false, false, false)
	got := make([]float32, 4)
	if err := d.Read(got, c, 0); err != nil {
		t.Fatal(err)
	}
	if want := []float32{19, 22, 43, 50}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("MatMul with a Pause hook: %v, want %v", got, want)
	}
	if pauses != 1 {
		t.Errorf("MatMul paused %d times, want 1", pauses)
	}
	pauses = 0
	d.MatMulBiasAct(c, a, b, nil, 2, 2, 2, ReLU)
	d.WeightGrads(c, nil, a, b, 2, 2, 2)
	g := ConvGeom{N: 1, H: 2, W: 2, C: 1, KH: 1, KW: 1, SH: 1, SW: 1, OH: 2, OW: 2}
	NewOps(d).ConvForward(c, a, b, nil, g, 1, Linear)
	if pauses != 4 { // MatMul, MatMul, Im2Col and MatMul
		t.Errorf("fused operations paused %d times, want 4", pauses)
	}
}
