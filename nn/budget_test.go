package nn

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// withBudget sets the memory budget for one test.
func withBudget(t *testing.T, bytes int64) {
	t.Helper()
	SetMemoryBudget(bytes)
	t.Cleanup(func() { SetMemoryBudget(0) })
}

func wantBudgetError(t *testing.T, err error, parts ...string) {
	t.Helper()
	var be *BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("got error %v, want a *BudgetError", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("message %q does not say %q", err, p)
		}
	}
}

// Issue 13: Dense(3000000000) was accepted and the allocation then killed
// the program (the page, in the browser).
func TestBudgetRefusesHugeDense(t *testing.T) {
	withBudget(t, 2<<30)
	_, err := NewModel("m", Input(89), Dense(3000000000, "relu"), Dense(1, ""))
	// 89*3e9 + 3e9 parameters, 4 float32 copies: 4.3 TB.
	wantBudgetError(t, err, "Dense(3000000000) (layer dense) needs about 4.3 TB", "Adam", "this device can give about 2.1 GB", "fewer units")
}

// Issue 13: Dense(4294967296) twice overflowed the parameter count (2^32 *
// 2^32 wraps to 0 in an int). With a budget as large as can be, only the
// overflow check can refuse it.
func TestBudgetParameterCountOverflow(t *testing.T) {
	withBudget(t, math.MaxInt64)
	_, err := NewModel("m", Input(1), Dense(4294967296, ""), Dense(4294967296, ""))
	wantBudgetError(t, err, "Dense(4294967296) (layer dense_1)", "more than can be counted")
	if be := (*BudgetError)(nil); !errors.As(err, &be) || be.Index != 1 {
		t.Errorf("BudgetError.Index is not 1, the second layer's: %#v", be)
	}
	_, err = NewModel("m", Input(1<<40, 1<<40), Dense(1, ""))
	wantBudgetError(t, err, "Input(shape=[1099511627776 1099511627776])", "more than can be counted")
}

// The budget counts what the model keeps, layer after layer: many layers
// each within it are refused together.
func TestBudgetSumsLayers(t *testing.T) {
	withBudget(t, 100<<20) // 100 MiB
	layers := []Layer{}
	for range 10 {
		layers = append(layers, Dense(1000, "relu")) // 1M params, 16 MB each
	}
	_, err := NewModel("m", Input(1000), layers...)
	wantBudgetError(t, err, "the model up to Dense(1000) (layer dense_6)")
	if _, err := NewModel("m", Input(1000), layers[:5]...); err != nil {
		t.Errorf("5 layers of 16 MB in 100 MiB: %v", err)
	}
}

// Issue 13: a batch of a billion (or math.MaxInt, which panicked) trains as
// Keras does, with the batch clamped to the samples, and the workspace sized
// by them.
func TestFitClampsBatchToSamples(t *testing.T) {
	for _, batch := range []int{1000000000, math.MaxInt} {
		m := compiled(t, Input(3), Dense(4, "relu"), Dense(1, ""))
		d := &Data{X: make([]float32, 30), Y: make([]float32, 10), N: 10}
		h, err := m.Fit(d, FitConfig{BatchSize: batch, Epochs: 2})
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		if len(h.Epochs) != 2 || m.ws.batch != 10 {
			t.Errorf("batch %d: %d epochs with a workspace for %d samples, want 2 and 10", batch, len(h.Epochs), m.ws.batch)
		}
		if _, err := m.Evaluate(d, batch); err != nil {
			t.Errorf("Evaluate, batch %d: %v", batch, err)
		}
		if _, err := m.Predict(d, batch); err != nil {
			t.Errorf("Predict, batch %d: %v", batch, err)
		}
	}
}

// A fit whose activations do not fit is refused before anything is
// allocated, naming the batch and the largest layer.
func TestFitRefusesWorkspaceOverBudget(t *testing.T) {
	m := compiled(t, Input(10), Dense(100000, "relu"), Dense(1, ""))
	withBudget(t, 64<<20)
	n := 1000
	d := &Data{X: make([]float32, n*10), Y: make([]float32, n), N: n}
	_, err := m.Fit(d, FitConfig{BatchSize: 1000, Epochs: 1})
	wantBudgetError(t, err, "fit with batches of 1000 needs about 1.2 GB", "Dense(100000) (layer dense", "smaller batch_size")
	if m.ws != nil {
		t.Errorf("a workspace was allocated before the refusal")
	}
	if _, err := m.Fit(d, FitConfig{BatchSize: 16, Epochs: 1}); err != nil {
		t.Errorf("batches of 16 (20 MB): %v", err)
	}
}

// compiled builds and compiles a small model on the pure-Go device.
func compiled(t *testing.T, in *InputLayer, layers ...Layer) *Model {
	t.Helper()
	m, err := NewModel("m", in, layers...)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(Adam(), MeanSquaredError); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{12: "12 bytes", 2 << 30: "2.1 GB", 36e9: "36 GB", 4.3e12: "4.3 TB", math.MaxInt64: "more than 9 EB (more than can be counted)"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
