package main

import (
	"testing"
	"time"

	"nnlab/gpu"
)

func TestYielder(t *testing.T) {
	pauses := 0
	y := &yielder{Every: 5 * time.Millisecond, Pause: func() { pauses++ }}
	y.Maybe() // starts the clock
	y.Maybe()
	if pauses != 0 {
		t.Fatalf("paused after no work")
	}
	time.Sleep(6 * time.Millisecond)
	y.Maybe()
	if pauses != 1 || y.Yields != 1 {
		t.Fatalf("pauses %d, yields %d after 6 ms of work", pauses, y.Yields)
	}
	y.Maybe()
	if pauses != 1 {
		t.Fatalf("paused again at once")
	}
}

// The yielding device computes what the device it wraps computes.
func TestYieldingDevice(t *testing.T) {
	y := &yielder{Every: time.Nanosecond, Pause: func() {}}
	var d gpu.Device = yieldingDevice{gpu.NewCPU(), y}
	a, b, c := d.Alloc(4), d.Alloc(4), d.Alloc(4)
	d.Write(a, 0, []float32{1, 2, 3, 4})
	d.Write(b, 0, []float32{5, 6, 7, 8})
	y.Maybe()
	for i := 0; i < 3; i++ {
		time.Sleep(time.Microsecond)
		d.MatMul(c, a, b, 2, 2, 2, false, false, false)
	}
	got := make([]float32, 4)
	if err := d.Read(got, c, 0); err != nil {
		t.Fatal(err)
	}
	if want := []float32{19, 22, 43, 50}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("MatMul through the yielding device: %v, want %v", got, want)
	}
	if y.Yields == 0 {
		t.Error("the device never yielded")
	}
	if d.Name() != gpu.NewCPU().Name() {
		t.Errorf("name %q", d.Name())
	}
}
