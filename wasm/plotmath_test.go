package main

import (
	"reflect"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 10, 5, []float64{0, 2, 4, 6, 8, 10}},
		{1, 200, 4, []float64{50, 100, 150, 200}},
		{-0.3, 0.3, 3, []float64{-0.2, 0, 0.2}},
		{2.5, 3.5, 4, []float64{2.5, 2.75, 3, 3.25, 3.5}},
	} {
		got := niceTicks(c.lo, c.hi, c.n)
		if len(got) != len(c.want) {
			t.Errorf("niceTicks(%v, %v, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
			continue
		}
		for i := range got {
			if d := got[i] - c.want[i]; d > 1e-9 || d < -1e-9 {
				t.Errorf("niceTicks(%v, %v, %d) = %v, want %v", c.lo, c.hi, c.n, got, c.want)
				break
			}
		}
	}
	if niceTicks(1, 1, 3) != nil {
		t.Error("an empty range has no ticks")
	}
}

func TestTickLabel(t *testing.T) {
	got := []string{tickLabel(0.30000000000000004, 0.1), tickLabel(150, 50), tickLabel(2.75, 0.25), tickLabel(-1e-17, 0.2), tickLabel(2e6, 1e6)}
	want := []string{"0.3", "150", "2.75", "0", "2e+06"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSpan(t *testing.T) {
	if lo, hi := span([]float64{1, 3}); lo != 0.9 || hi != 3.1 {
		t.Errorf("span = %v, %v", lo, hi)
	}
	if lo, hi := span[float32](); lo != 0 || hi != 1 {
		t.Errorf("empty span = %v, %v", lo, hi)
	}
}
