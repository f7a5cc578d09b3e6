package main

import "math"

// Anti-aliased geometry without a multisampled offscreen (Dear ImGui's way):
// shapes get a core of full coverage and a fringe one device pixel wide whose
// outer vertices have alpha 0, so the GPU's interpolation of vertex colours
// fades the edges. Ebiten's own anti-aliasing renders through a double-size
// offscreen image, which costs a software-rendered WebGL whole frames.

// aaVertex is a vertex in device pixels with its coverage (0 or 1).
type aaVertex struct{ x, y, a float32 }

// aaBatch is triangles over at most 65,536 vertices (Ebiten indexes with
// uint16).
type aaBatch struct {
	vs []aaVertex
	is []uint16
}

// aaMesh is shapes in batches: a shape that would overflow the last batch
// starts a new one.
type aaMesh struct {
	batches []aaBatch
}

// room returns the batch to append v more vertices to.
func (m *aaMesh) room(v int) *aaBatch {
	if len(m.batches) == 0 || len(m.batches[len(m.batches)-1].vs)+v > 65536 {
		m.batches = append(m.batches, aaBatch{})
	}
	return &m.batches[len(m.batches)-1]
}

const maxStrokePoints = 8192 // a longer polyline is drawn in pieces

const aaFringe = 1.0 // device pixels

// stroke appends a polyline of the given width (device pixels) through
// points; consecutive repeated points are skipped. Joins are mitred up to
// 90 degrees and cut beyond; ends are butt, extended by half a fringe.
func (m *aaMesh) stroke(xs, ys []float32, width float32) {
	var px, py []float32
	for i := range xs {
		if n := len(px); n > 0 && px[n-1] == xs[i] && py[n-1] == ys[i] {
			continue
		}
		px, py = append(px, xs[i]), append(py, ys[i])
	}
	n := len(px)
	if n < 2 {
		return
	}
	// A line thinner than the fringe keeps a core of zero width and fades
	// with its coverage instead.
	core := max(width-aaFringe, 0) / 2
	alpha := float32(1)
	if width < aaFringe {
		alpha = width / aaFringe
	}
	// Segment normals.
	nx, ny := make([]float32, n-1), make([]float32, n-1)
	for i := 0; i < n-1; i++ {
		dx, dy := px[i+1]-px[i], py[i+1]-py[i]
		l := float32(math.Hypot(float64(dx), float64(dy)))
		nx[i], ny[i] = -dy/l, dx/l
	}
	if n > maxStrokePoints {
		// Pieces that share their end points.
		for i := 0; i < n-1; i += maxStrokePoints - 1 {
			j := min(i+maxStrokePoints, n)
			m.stroke(px[i:j], py[i:j], width)
		}
		return
	}
	bt := m.room(8 * n)
	o := core + aaFringe
	put := func(x, y, ux, uy float32) uint16 {
		bt.vs = append(bt.vs,
			aaVertex{x + ux*o, y + uy*o, 0},
			aaVertex{x + ux*core, y + uy*core, alpha},
			aaVertex{x - ux*core, y - uy*core, alpha},
			aaVertex{x - ux*o, y - uy*o, 0})
		return uint16(len(bt.vs) - 4)
	}
	// Each segment gets the vertex sets of its two ends: a smooth join
	// shares one mitred set, a turn sharper than 90 degrees gives each
	// segment its own (a bevel-like notch on the outside, no collapse).
	starts, ends := make([]uint16, n-1), make([]uint16, n-1)
	for i := 0; i < n; i++ {
		x, y := px[i], py[i]
		switch {
		case i == 0: // ends reach half a fringe further along the line
			starts[0] = put(x-ny[0]*aaFringe/2, y+nx[0]*aaFringe/2, nx[0], ny[0])
		case i == n-1:
			ends[n-2] = put(x+ny[n-2]*aaFringe/2, y-nx[n-2]*aaFringe/2, nx[n-2], ny[n-2])
		default:
			ux, uy := (nx[i-1]+nx[i])/2, (ny[i-1]+ny[i])/2
			if d2 := ux*ux + uy*uy; d2 >= 0.5 {
				k := put(x, y, ux/d2, uy/d2) // the miter: at most sqrt(2) times the width
				ends[i-1], starts[i] = k, k
			} else {
				ends[i-1] = put(x, y, nx[i-1], ny[i-1])
				starts[i] = put(x, y, nx[i], ny[i])
			}
		}
	}
	for i := 0; i < n-1; i++ {
		a, b := starts[i], ends[i]
		for k := uint16(0); k < 3; k++ { // outer fringe, core, inner fringe
			bt.is = append(bt.is, a+k, a+k+1, b+k+1, a+k, b+k+1, b+k)
		}
	}
}

// disc appends a filled circle of radius r (device pixels) at (x, y).
func (m *aaMesh) disc(x, y, r float32) {
	const k = 12 // sides; the fringe hides the polygon at a few pixels' radius
	bt := m.room(2*k + 1)
	base := len(bt.vs)
	in := max(r-aaFringe/2, 0)
	out := r + aaFringe/2
	bt.vs = append(bt.vs, aaVertex{x, y, 1})
	for i := 0; i < k; i++ {
		s, c := math.Sincos(2 * math.Pi * float64(i) / k)
		bt.vs = append(bt.vs,
			aaVertex{x + in*float32(c), y + in*float32(s), 1},
			aaVertex{x + out*float32(c), y + out*float32(s), 0})
	}
	c := uint16(base)
	for i := 0; i < k; i++ {
		j := (i + 1) % k
		ii, io := c+1+uint16(2*i), c+2+uint16(2*i)
		ji, jo := c+1+uint16(2*j), c+2+uint16(2*j)
		bt.is = append(bt.is, c, ii, ji, ii, io, jo, ii, jo, ji)
	}
}
