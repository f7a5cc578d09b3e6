//go:build js

package main

import (
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Colours, after matplotlib's defaults (C0 blue for training, C1 orange for
// validation), so the curves look like the lesson's seaborn plots.
var (
	colTrain    = color.RGBA{31, 119, 180, 255}
	colVal      = color.RGBA{255, 127, 14, 255}
	colHist     = color.RGBA{44, 160, 44, 255}
	colScatter  = color.NRGBA{0, 128, 128, 128} // teal, alpha 0.5 as in the lesson
	colBaseline = color.NRGBA{110, 110, 110, 110}
	colText     = color.RGBA{31, 35, 40, 255}
	colMuted    = color.RGBA{100, 106, 115, 255}
	colGrid     = color.RGBA{228, 231, 235, 255}
	colAxis     = color.RGBA{120, 125, 130, 255}
	colWrong    = color.RGBA{200, 0, 0, 255}
	colPanel    = color.RGBA{255, 255, 255, 255}
	colBack     = color.RGBA{246, 248, 250, 255}
)

// Labels are rasterized with golang.org/x/image's opentype package and
// drawn as cached images. (Ebiten's text/v2 brings a whole shaping engine,
// go-text/typesetting, that made nnlab.wasm 4 MB larger for labels that are
// plain ASCII.)
var goFont *opentype.Font

func loadFont() error {
	var err error
	goFont, err = opentype.Parse(goregular.TTF)
	return err
}

// labelKey identifies a rasterized label: its text and size in device pixels.
type labelKey struct {
	s    string
	size float64
}

// label is a rasterized text in white, and its advance width and line height.
type label struct {
	img  *ebiten.Image
	w, h float64
}

// textCache holds the faces and rasterized labels of a plots view.
type textCache struct {
	faces  map[float64]font.Face
	labels map[labelKey]*label
}

func newTextCache() *textCache {
	return &textCache{faces: map[float64]font.Face{}, labels: map[labelKey]*label{}}
}

// pen draws on one screen at a scale (device pixels per CSS pixel).
type pen struct {
	dst   *ebiten.Image
	s     float64
	txt   *textCache
	white *ebiten.Image // a 1x1 white image for DrawTriangles
}

// rect is a rectangle on the screen, in device pixels.
type rect struct{ x, y, w, h float64 }

func (r rect) inset(l, t, rr, b float64) rect {
	return rect{r.x + l, r.y + t, max(r.w-l-rr, 1), max(r.h-t-b, 1)}
}

// grid splits r into cols x rows cells with gap between them.
func (r rect) grid(cols, rows int, gap float64) []rect {
	cw := (r.w - gap*float64(cols-1)) / float64(cols)
	ch := (r.h - gap*float64(rows-1)) / float64(rows)
	var out []rect
	for j := 0; j < rows; j++ {
		for i := 0; i < cols; i++ {
			out = append(out, rect{r.x + float64(i)*(cw+gap), r.y + float64(j)*(ch+gap), cw, ch})
		}
	}
	return out
}

func (p *pen) face(size float64) font.Face {
	if f, ok := p.txt.faces[size]; ok {
		return f
	}
	f, err := opentype.NewFace(goFont, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic(err) // the embedded Go font always parses
	}
	p.txt.faces[size] = f
	return f
}

// label returns s rasterized at size (CSS pixels) for this screen's scale.
func (p *pen) label(s string, size float64) *label {
	size = math.Round(size * p.s)
	k := labelKey{s, size}
	if l, ok := p.txt.labels[k]; ok {
		return l
	}
	if len(p.txt.labels) > 4000 { // labels such as "epoch 17/200" come and go
		for _, l := range p.txt.labels {
			if l.img != nil {
				l.img.Deallocate()
			}
		}
		clear(p.txt.labels)
	}
	f := p.face(size)
	m := f.Metrics()
	adv := font.MeasureString(f, s)
	l := &label{w: float64(adv) / 64, h: float64(m.Ascent+m.Descent) / 64}
	if w, h := adv.Ceil()+2, (m.Ascent+m.Descent).Ceil()+1; w > 2 {
		rgba := image.NewRGBA(image.Rect(0, 0, w, h))
		d := font.Drawer{Dst: rgba, Src: image.White, Face: f, Dot: fixed.Point26_6{X: 64, Y: m.Ascent}}
		d.DrawString(s)
		l.img = ebiten.NewImageFromImage(rgba)
	}
	p.txt.labels[k] = l
	return l
}

// text draws s with its anchor at (x, y): ax, ay are 0 (left/top), 0.5
// (centre) or 1 (right/bottom). rot turns it (radians, -π/2 for a y label).
func (p *pen) text(s string, x, y, size float64, clr color.Color, ax, ay, rot float64) {
	l := p.label(s, size)
	if l.img == nil {
		return
	}
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Translate(-1-ax*l.w, -ay*l.h)
	op.GeoM.Rotate(rot)
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(clr)
	if rot != 0 {
		op.Filter = ebiten.FilterLinear
	}
	p.dst.DrawImage(l.img, op)
}

func (p *pen) textWidth(s string, size float64) float64 {
	return p.label(s, size).w
}

func (p *pen) line(x0, y0, x1, y1, width float64, clr color.Color) {
	vector.StrokeLine(p.dst, float32(x0), float32(y0), float32(x1), float32(y1), float32(width*p.s), clr, false)
}

func (p *pen) fill(r rect, clr color.Color) {
	vector.DrawFilledRect(p.dst, float32(r.x), float32(r.y), float32(r.w), float32(r.h), clr, false)
}

func (p *pen) frame(r rect, clr color.Color) {
	vector.StrokeRect(p.dst, float32(r.x), float32(r.y), float32(r.w), float32(r.h), float32(p.s), clr, false)
}

// triangles draws vertices in one colour, without anti-aliasing: Ebiten's
// anti-aliasing renders through a double-size offscreen image, which costs a
// software-rendered WebGL (SwiftShader) whole frames.
func (p *pen) triangles(vs []ebiten.Vertex, is []uint16, clr color.Color) {
	// Vertex colours are straight alpha (Ebiten's default ColorScaleMode).
	c := color.NRGBAModel.Convert(clr).(color.NRGBA)
	for i := range vs {
		vs[i].SrcX, vs[i].SrcY = 0.5, 0.5
		vs[i].ColorR, vs[i].ColorG, vs[i].ColorB, vs[i].ColorA = float32(c.R)/255, float32(c.G)/255, float32(c.B)/255, float32(c.A)/255
	}
	op := &ebiten.DrawTrianglesOptions{} // FillAll: no stencil pass (see area)
	p.dst.DrawTriangles(vs, is, p.white, op)
}

// polyline strokes the points (xs[i], ys[i]), anti-aliased (see aa.go);
// NaN points break the line.
func (p *pen) polyline(xs, ys []float64, width float64, clr color.Color) {
	var m aaMesh
	var px, py []float32
	flush := func() {
		m.stroke(px, py, float32(width*p.s))
		px, py = px[:0], py[:0]
	}
	for i := range xs {
		if math.IsNaN(ys[i]) || math.IsNaN(xs[i]) {
			flush()
			continue
		}
		px, py = append(px, float32(xs[i])), append(py, float32(ys[i]))
	}
	flush()
	p.mesh(&m, clr)
}

// aaLine strokes one anti-aliased segment.
func (p *pen) aaLine(x0, y0, x1, y1, width float64, clr color.Color) {
	p.polyline([]float64{x0, x1}, []float64{y0, y1}, width, clr)
}

// mesh draws anti-aliased shapes in one colour, each vertex's alpha scaled
// by its coverage.
func (p *pen) mesh(m *aaMesh, clr color.Color) {
	c := color.NRGBAModel.Convert(clr).(color.NRGBA)
	r, g, b, a := float32(c.R)/255, float32(c.G)/255, float32(c.B)/255, float32(c.A)/255
	op := &ebiten.DrawTrianglesOptions{} // FillAll: no stencil pass (see area)
	for _, bt := range m.batches {
		vs := make([]ebiten.Vertex, len(bt.vs))
		for i, v := range bt.vs {
			// Straight alpha (Ebiten's default ColorScaleMode).
			vs[i] = ebiten.Vertex{DstX: v.x, DstY: v.y, SrcX: 0.5, SrcY: 0.5, ColorR: r, ColorG: g, ColorB: b, ColorA: a * v.a}
		}
		p.dst.DrawTriangles(vs, bt.is, p.white, op)
	}
}

// area fills between the polyline (xs[i], ys[i]) and the horizontal line
// y = base, one quad per segment: no stencil pass (a non-zero fill rule
// clears a whole-screen stencil buffer per shape, slow on software GL).
func (p *pen) area(xs, ys []float64, base float64, clr color.Color) {
	var vs []ebiten.Vertex
	var is []uint16
	for i := 0; i+1 < len(xs); i++ {
		n := uint16(len(vs))
		vs = append(vs,
			ebiten.Vertex{DstX: float32(xs[i]), DstY: float32(base)},
			ebiten.Vertex{DstX: float32(xs[i]), DstY: float32(ys[i])},
			ebiten.Vertex{DstX: float32(xs[i+1]), DstY: float32(ys[i+1])},
			ebiten.Vertex{DstX: float32(xs[i+1]), DstY: float32(base)})
		is = append(is, n, n+1, n+2, n, n+2, n+3)
	}
	if len(vs) > 0 {
		p.triangles(vs, is, clr)
	}
}

// dots draws anti-aliased filled circles of radius r (CSS px).
func (p *pen) dots(xs, ys []float64, r float64, clr color.Color) {
	var m aaMesh
	for i := range xs {
		if math.IsNaN(xs[i]) || math.IsNaN(ys[i]) {
			continue
		}
		m.disc(float32(xs[i]), float32(ys[i]), float32(r*p.s))
	}
	p.mesh(&m, clr)
}

// panel draws a white card with a title and returns the area under it.
func (p *pen) panel(r rect, title string) rect {
	p.fill(r, colPanel)
	p.frame(r, colGrid)
	p.text(title, r.x+8*p.s, r.y+5*p.s, 13, colText, 0, 0, 0)
	return r.inset(0, 24*p.s, 0, 0)
}

// placeholder writes a muted line in the middle of r.
func (p *pen) placeholder(r rect, s string) {
	p.text(s, r.x+r.w/2, r.y+r.h/2, 12, colMuted, 0.5, 0.5, 0)
}

// axes maps data coordinates into a plot area.
type axes struct {
	r              rect
	x0, x1, y0, y1 float64
}

func (a axes) px(x float64) float64 { return a.r.x + (x-a.x0)/(a.x1-a.x0)*a.r.w }
func (a axes) py(y float64) float64 { return a.r.y + a.r.h - (y-a.y0)/(a.y1-a.y0)*a.r.h }

// axes draws grid lines, ticks and labels for the ranges in the area r
// (a panel's inside) and returns the mapping.
func (p *pen) axes(r rect, x0, x1, y0, y1 float64, xlabel, ylabel string) axes {
	return p.axesOpt(r, x0, x1, y0, y1, xlabel, ylabel, axisOpts{yticks: true})
}

// axisOpts are the less common choices of axesOpt.
type axisOpts struct {
	yticks    bool // label the y axis
	intXTicks bool // x ticks on whole numbers only (epochs)
}

// axesOpt is axes with options.
func (p *pen) axesOpt(r rect, x0, x1, y0, y1 float64, xlabel, ylabel string, o axisOpts) axes {
	yticks := o.yticks
	s := p.s
	a := axes{r: r.inset(52*s, 4*s, 12*s, 34*s), x0: x0, x1: x1, y0: y0, y1: y1}
	xt := niceTicks(x0, x1, max(2, int(a.r.w/(70*s))))
	if o.intXTicks && len(xt) > 1 && xt[1]-xt[0] < 1 {
		xt = niceTicks(x0, x1, max(1, int(x1-x0)))
	}
	var yt []float64
	if yticks {
		yt = niceTicks(y0, y1, max(2, int(a.r.h/(34*s))))
	} else {
		a.r = r.inset(12*s, 4*s, 12*s, 34*s)
	}
	step := func(t []float64) float64 {
		if len(t) > 1 {
			return t[1] - t[0]
		}
		return 1
	}
	for _, v := range xt {
		x := a.px(v)
		p.line(x, a.r.y, x, a.r.y+a.r.h, 1, colGrid)
		p.text(tickLabel(v, step(xt)), x, a.r.y+a.r.h+4*s, 10.5, colMuted, 0.5, 0, 0)
	}
	for _, v := range yt {
		y := a.py(v)
		p.line(a.r.x, y, a.r.x+a.r.w, y, 1, colGrid)
		p.text(tickLabel(v, step(yt)), a.r.x-5*s, y, 10.5, colMuted, 1, 0.5, 0)
	}
	p.line(a.r.x, a.r.y+a.r.h, a.r.x+a.r.w, a.r.y+a.r.h, 1, colAxis)
	p.line(a.r.x, a.r.y, a.r.x, a.r.y+a.r.h, 1, colAxis)
	if xlabel != "" {
		p.text(xlabel, a.r.x+a.r.w/2, r.y+r.h-3*s, 11, colText, 0.5, 1, 0)
	}
	if ylabel != "" {
		p.text(ylabel, r.x+4*s, a.r.y+a.r.h/2, 11, colText, 0.5, 0, -math.Pi/2)
	}
	return a
}

// legend lists names with their colours at the top right of a plot.
func (p *pen) legend(a axes, names []string, cols []color.Color) {
	s := p.s
	w := 0.0
	for _, n := range names {
		w = max(w, p.textWidth(n, 10.5))
	}
	x := a.r.x + a.r.w - w - 30*s
	y := a.r.y + 6*s
	p.fill(rect{x - 4*s, y - 2*s, w + 32*s, float64(len(names))*15*s + 4*s}, color.NRGBA{255, 255, 255, 220})
	for i, n := range names {
		yy := y + float64(i)*15*s + 7*s
		p.aaLine(x, yy, x+18*s, yy, 2.5, cols[i])
		p.text(n, x+24*s, yy, 10.5, colText, 0, 0.5, 0)
	}
}

// series is one named curve.
type series struct {
	name string
	ys   []float64
	col  color.Color
}

// curves plots series against epochs 1..n, like sns.lineplot(history_df[...]).
func (p *pen) curves(r rect, title, ylabel string, epochs int, ss []series) {
	in := p.panel(r, title)
	n := 0
	var all [][]float64
	for _, s := range ss {
		n = max(n, len(s.ys))
		all = append(all, s.ys)
	}
	if n == 0 {
		p.placeholder(in, "Train to see the curves")
		return
	}
	lo, hi := span(all...)
	lo = min(lo, 0)
	// Headroom above the curves for the legend, which would hide them.
	hi += (hi - lo) * 0.35
	a := p.axesOpt(in, 1, float64(max(epochs, n, 2)), lo, hi, "epoch", ylabel, axisOpts{yticks: true, intXTicks: true})
	var names []string
	var cols []color.Color
	for _, s := range ss {
		if len(s.ys) == 0 {
			continue
		}
		xs, ys := make([]float64, len(s.ys)), make([]float64, len(s.ys))
		for i, v := range s.ys {
			xs[i], ys[i] = a.px(float64(i+1)), a.py(v)
		}
		if len(xs) == 1 {
			p.dots(xs, ys, 2.5, s.col)
		}
		p.polyline(xs, ys, 2, s.col)
		names, cols = append(names, s.name), append(cols, s.col)
	}
	p.legend(a, names, cols)
}

// histogram draws one histogram as bars.
func (p *pen) histogram(r rect, h Hist, clr color.Color) {
	in := p.panel(r, h.Name)
	if len(h.Counts) == 0 {
		return
	}
	a := p.axes(in, h.Lo, h.Hi, 0, float64(max(h.Max(), 1))*1.05, "", "count")
	w := (h.Hi - h.Lo) / float64(len(h.Counts))
	for i, c := range h.Counts {
		x0, x1 := a.px(h.Lo+float64(i)*w), a.px(h.Lo+float64(i+1)*w)
		y := a.py(float64(c))
		p.fill(rect{x0, y, max(x1-x0-1, 1), a.r.y + a.r.h - y}, clr)
	}
}

// ridges draws a weight's histograms over the epochs as TensorBoard's
// "offset" histogram view: the first epoch at the back (top), the latest
// at the front (bottom), darker as training goes on.
func (p *pen) ridges(r rect, name string, hs []Hist) {
	in := p.panel(r, name)
	if len(hs) == 0 {
		return
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, h := range hs {
		lo, hi = min(lo, h.Lo), max(hi, h.Hi)
	}
	// At most 16 epochs, evenly spread, always the first and the last.
	idx := []int{}
	const most = 16
	for k := 0; k < min(most, len(hs)); k++ {
		i := 0
		if len(hs) > 1 && most > 1 {
			i = int(math.Round(float64(k) * float64(len(hs)-1) / float64(min(most, len(hs))-1)))
		}
		if len(idx) == 0 || idx[len(idx)-1] != i {
			idx = append(idx, i)
		}
	}
	peak := 1
	for _, i := range idx {
		peak = max(peak, hs[i].Max())
	}
	a := p.axesOpt(in, lo, hi, 0, 1, "weight", "", axisOpts{})
	ridgeH := a.r.h * 0.45
	off := 0.0
	if len(idx) > 1 {
		off = (a.r.h - ridgeH) / float64(len(idx)-1)
	}
	for k, i := range idx {
		h := hs[i]
		base := a.r.y + ridgeH + float64(k)*off
		w := (h.Hi - h.Lo) / float64(len(h.Counts))
		xs := []float64{a.px(h.Lo)}
		ys := []float64{base}
		for j, c := range h.Counts {
			xs = append(xs, a.px(h.Lo+(float64(j)+0.5)*w))
			ys = append(ys, base-float64(c)/float64(peak)*ridgeH)
		}
		xs, ys = append(xs, a.px(h.Hi)), append(ys, base)
		t := float64(k) / float64(max(len(idx)-1, 1))
		col := color.RGBA{uint8(200 - 130*t), uint8(190 - 140*t), uint8(230 - 90*t), 255}
		p.area(xs, ys, base, colPanel)
		p.polyline(xs, ys, 1.2, col)
	}
	// Label the first and the last epoch, over the ridges.
	for _, k := range []int{0, len(idx) - 1} {
		base := a.r.y + ridgeH + float64(k)*off
		p.text("epoch "+strconv.Itoa(idx[k]+1), a.r.x+a.r.w, base-ridgeH*0.6, 9.5, colMuted, 1, 1, 0)
	}
}

// scatter plots predicted (x) against true (y) values with the line y = x.
func (p *pen) scatter(r rect, title, xlabel, ylabel string, sets [][2][]float32, cols []color.Color, names []string) {
	in := p.panel(r, title)
	var all [][]float32
	for _, s := range sets {
		all = append(all, s[0], s[1])
	}
	lo, hi := span(all...)
	a := p.axes(in, lo, hi, lo, hi, xlabel, ylabel)
	for k, s := range sets {
		xs, ys := make([]float64, len(s[0])), make([]float64, len(s[0]))
		for i := range s[0] {
			xs[i], ys[i] = a.px(float64(s[0][i])), a.py(float64(s[1][i]))
		}
		p.dots(xs, ys, 2.6, cols[k])
	}
	p.aaLine(a.px(lo), a.py(lo), a.px(hi), a.py(hi), 1.2, colText)
	lc := make([]color.Color, len(cols))
	for i, c := range cols {
		cc := color.NRGBAModel.Convert(c).(color.NRGBA)
		cc.A = 255
		lc[i] = cc
	}
	p.legend(a, append(names, "y = x"), append(lc, colText))
}

// images draws an image set in a grid with captions (red when Wrong).
func (p *pen) images(r rect, title string, set *ImageSet, tex *ebiten.Image, cols int) {
	in := p.panel(r, title)
	n := set.N()
	if n == 0 || tex == nil {
		p.placeholder(in, "no images yet")
		return
	}
	rows := (n + cols - 1) / cols
	cells := in.inset(4*p.s, 0, 4*p.s, 4*p.s).grid(cols, rows, 4*p.s)
	capH := 13 * p.s
	for i := 0; i < n; i++ {
		c := cells[i]
		sc := math.Floor(min(c.w, c.h-capH)/float64(set.W)*4) / 4
		if sc <= 0 {
			continue
		}
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Scale(sc, sc)
		op.GeoM.Translate(math.Round(c.x+(c.w-sc*float64(set.W))/2), math.Round(c.y))
		sub := tex.SubImage(image.Rect(i*set.W, 0, (i+1)*set.W, set.H)).(*ebiten.Image)
		p.dst.DrawImage(sub, op)
		clr := color.Color(colText)
		if i < len(set.Wrong) && set.Wrong[i] {
			clr = colWrong
		}
		capt := ""
		if i < len(set.Captions) {
			capt = set.Captions[i]
		}
		size := 10.5
		for size > 7 && p.textWidth(capt, size) > c.w {
			size -= 0.5
		}
		p.text(capt, c.x+c.w/2, c.y+sc*float64(set.H)+1*p.s, size, clr, 0.5, 0, 0)
	}
}

// imageTexture puts the images side by side in one texture.
func imageTexture(set *ImageSet) *ebiten.Image {
	n := set.N()
	if n == 0 {
		return nil
	}
	rgba := image.NewRGBA(image.Rect(0, 0, n*set.W, set.H))
	for i := 0; i < n; i++ {
		for y := 0; y < set.H; y++ {
			for x := 0; x < set.W; x++ {
				o := ((i*set.H+y)*set.W + x) * 3
				rgba.SetRGBA(i*set.W+x, y, color.RGBA{set.Pixels[o], set.Pixels[o+1], set.Pixels[o+2], 255})
			}
		}
	}
	return ebiten.NewImageFromImage(rgba)
}

// confusion draws the confusion matrix as a heat map with counts.
func (p *pen) confusion(r rect, title string, pr *Predictions) {
	in := p.panel(r, title)
	s := p.s
	k := len(pr.Classes)
	labW := 64 * s
	m := in.inset(labW, 14*s, 8*s, 22*s)
	cell := min(m.w, m.h) / float64(k)
	m.w, m.h = cell*float64(k), cell*float64(k)
	peak := 1
	for i := range pr.Confusion {
		for j := range pr.Confusion[i] {
			peak = max(peak, pr.Confusion[i][j])
		}
	}
	for i := 0; i < k; i++ {
		p.text(pr.Classes[i], m.x-4*s, m.y+(float64(i)+0.5)*cell, 9.5, colText, 1, 0.5, 0)
		short := pr.Classes[i] // cut to fit its column, to 4 letters at most
		for len(short) > 4 && p.textWidth(short, 9) > cell-4*s {
			short = short[:len(short)-1]
		}
		p.text(short, m.x+(float64(i)+0.5)*cell, m.y+m.h+2*s, 9, colText, 0.5, 0, 0)
		for j := 0; j < k; j++ {
			v := pr.Confusion[i][j]
			t := float64(v) / float64(peak)
			bg := color.RGBA{uint8(247 - 239*t), uint8(251 - 203*t), uint8(255 - 148*t), 255} // "Blues"
			p.fill(rect{m.x + float64(j)*cell, m.y + float64(i)*cell, cell - 1, cell - 1}, bg)
			fg := colText
			if t > 0.55 {
				fg = colPanel
			}
			if cell > 14*s {
				p.text(strconv.Itoa(v), m.x+(float64(j)+0.5)*cell, m.y+(float64(i)+0.5)*cell, min(10, cell/s*0.42), fg, 0.5, 0.5, 0)
			}
		}
	}
	p.text("predicted →", m.x+m.w, in.y+1*s, 9.5, colMuted, 1, 0, 0)
	p.text("true ↓", m.x-4*s, in.y+1*s, 9.5, colMuted, 1, 0, 0)
}
