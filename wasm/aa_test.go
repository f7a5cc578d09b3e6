package main

import (
	"math"
	"testing"
)

// A horizontal stroke: the core spans the width less the fringe, the fringe
// ends one pixel further out with alpha 0, and every triangle is in range.
func TestStrokeGeometry(t *testing.T) {
	var mm aaMesh
	mm.stroke([]float32{10, 20, 20, 30}, []float32{5, 5, 5, 5}, 3)
	m := mm.batches[0]
	if len(m.vs) != 12 || len(m.is) != 2*18 {
		t.Fatalf("%d vertices, %d indices; want 12 (a repeated point dropped), 36", len(m.vs), len(m.is))
	}
	for i, v := range m.vs {
		off := math.Abs(float64(v.y - 5))
		switch i % 4 {
		case 0, 3:
			if v.a != 0 || math.Abs(off-2) > 1e-6 {
				t.Errorf("fringe vertex %d = %+v, want alpha 0 at 2 px from the line", i, v)
			}
		default:
			if v.a != 1 || math.Abs(off-1) > 1e-6 {
				t.Errorf("core vertex %d = %+v, want alpha 1 at 1 px", i, v)
			}
		}
	}
	if m.vs[0].x != 9.5 || m.vs[8].x != 30.5 {
		t.Errorf("ends at x = %v and %v, want 9.5 and 30.5 (half a fringe beyond)", m.vs[0].x, m.vs[8].x)
	}
	for _, ix := range m.is {
		if int(ix) >= len(m.vs) {
			t.Fatalf("index %d of %d vertices", ix, len(m.vs))
		}
	}
	// A hairline fades with its coverage; a right-angle join is mitred.
	var hm aaMesh
	hm.stroke([]float32{0, 10, 10}, []float32{0, 0, 10}, 0.5)
	if h := hm.batches[0]; h.vs[1].a != 0.5 {
		t.Errorf("hairline core alpha %v, want 0.5", h.vs[1].a)
	}
	var jm aaMesh
	jm.stroke([]float32{0, 10, 10}, []float32{0, 0, 10}, 3)
	if got := jm.batches[0].vs[5]; math.Abs(float64(got.x-9))+math.Abs(float64(got.y-1)) > 1e-5 {
		t.Errorf("inner core corner of a right-angle join at (%v, %v), want (9, 1)", got.x, got.y)
	}
}

// Long polylines split into batches under 65,536 vertices.
func TestStrokeBatches(t *testing.T) {
	var m aaMesh
	n := 20000
	xs, ys := make([]float32, n), make([]float32, n)
	for i := range xs {
		xs[i], ys[i] = float32(i), float32(i%7)
	}
	m.stroke(xs, ys, 2)
	segments := 0
	for _, b := range m.batches {
		segments += len(b.is) / 18
	}
	for i := 0; i < 10000; i++ {
		m.disc(float32(i), 0, 2)
	}
	for _, b := range m.batches {
		if len(b.vs) > 65536 {
			t.Errorf("a batch of %d vertices", len(b.vs))
		}
		for _, ix := range b.is {
			if int(ix) >= len(b.vs) {
				t.Fatalf("index %d of %d vertices", ix, len(b.vs))
			}
		}
	}
	if len(m.batches) < 3 || segments != n-1 {
		t.Errorf("%d batches, %d stroke triangles/6; want several batches and all %d segments", len(m.batches), segments, n-1)
	}
}

func TestDiscGeometry(t *testing.T) {
	var mm aaMesh
	mm.disc(50, 50, 3)
	m := mm.batches[0]
	if len(m.vs) != 25 || len(m.is) != 12*9 {
		t.Fatalf("%d vertices, %d indices", len(m.vs), len(m.is))
	}
	for i, v := range m.vs[1:] {
		r := math.Hypot(float64(v.x-50), float64(v.y-50))
		if want := map[bool]float64{true: 2.5, false: 3.5}[i%2 == 0]; math.Abs(r-want) > 1e-5 {
			t.Errorf("ring vertex %d at radius %v, want %v", i, r, want)
		}
	}
}

// A hairpin (a weight histogram's spike) keeps its width: each segment gets
// its own vertices at the turn instead of a collapsing miter.
func TestStrokeHairpin(t *testing.T) {
	var m aaMesh
	m.stroke([]float32{0, 1, 2}, []float32{100, 0, 100}, 3)
	b := m.batches[0]
	if len(b.vs) != 16 {
		t.Fatalf("%d vertices, want 16 (two sets at the turn)", len(b.vs))
	}
	for k := 4; k < 12; k += 4 { // the two sets at (1, 0)
		core := math.Hypot(float64(b.vs[k+1].x-b.vs[k+2].x), float64(b.vs[k+1].y-b.vs[k+2].y))
		if math.Abs(core-2) > 1e-4 {
			t.Errorf("core width %v at the turn, want 2", core)
		}
	}
}
