package nn

import (
	"fmt"
	"strings"
	"testing"

	"nnlab/gpu"
)

// lostDevice is a device that is lost at its nth Read, as a GPU device
// reports it (an error wrapping gpu.ErrDeviceLost), and stays lost.
type lostDevice struct {
	gpu.Device
	reads, lostAt int
}

func (d *lostDevice) Name() string { return "flaky GPU" }

func (d *lostDevice) Read(dst []float32, src gpu.Buffer, off int) error {
	d.reads++
	if d.reads >= d.lostAt {
		return fmt.Errorf("gpu: WebGPU: mapping the readback buffer: %w", gpu.ErrDeviceLost)
	}
	return d.Device.Read(dst, src, off)
}

func TestDeviceLostContinuesOnCPU(t *testing.T) {
	run := func(dev gpu.Device) *History {
		m, _ := NewModel("m", Input(4), Dense(8, "relu"), Dense(1, ""))
		m.Seed = 4
		if err := m.SetDevice(dev); err != nil {
			t.Fatal(err)
		}
		m.Compile(Adam(), MeanSquaredError, RootMeanSquaredError())
		h, err := m.Fit(weatherLikeData(100, 1), FitConfig{Epochs: 6, Validation: weatherLikeData(30, 2)})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	ref := run(gpu.NewCPU())
	// Reads: one before training, then one an epoch (metrics, weights and
	// optimizer state together); the 4th read ends epoch 3.
	h := run(&lostDevice{Device: gpu.NewCPU(), lostAt: 4})
	if len(h.Epochs) != 6 {
		t.Fatalf("ran %d epochs after the loss, want all 6", len(h.Epochs))
	}
	if len(h.Notes) == 0 || !strings.Contains(h.Notes[0], "flaky GPU") || !strings.Contains(h.Notes[0], "pure Go (CPU)") {
		t.Errorf("notes %q do not say the device was lost and training went on on the CPU", h.Notes)
	}
	// Same seed, same data: the restarted epoch continues from the last
	// completed one, so the first epochs match the uninterrupted run.
	for e := 0; e < 2; e++ {
		if h.History["loss"][e] != ref.History["loss"][e] {
			t.Errorf("epoch %d loss %g, uninterrupted %g", e, h.History["loss"][e], ref.History["loss"][e])
		}
	}
	t.Logf("notes: %q", h.Notes)
}
