//go:build js

package main

import (
	"fmt"
	"image/color"
	"math"
)

// The penguins lesson's plots: the pair plot of exploration (step 2), the
// training curve (step 8) and the test confusion matrix (step 10).

// hueColors are matplotlib's first colours (tab10), which seaborn gives a
// hue's groups in order of appearance: Adelie blue, Gentoo orange,
// Chinstrap green in the file's order.
var hueColors = []color.RGBA{colTrain, colVal, colHist, {214, 39, 40, 255}, {148, 103, 189, 255}}

func hueColor(g int, alpha uint8) color.NRGBA {
	c := hueColors[g%len(hueColors)]
	return color.NRGBA{c.R, c.G, c.B, alpha}
}

func (g *plots) drawPenguins(p *pen, r rect) {
	s := p.s
	st := &g.st
	gap := 6 * s
	left := rect{r.x, r.y, r.w*0.58 - gap/2, r.h}
	right := rect{r.x + r.w*0.58 + gap/2, r.y, r.w*0.42 - gap/2, r.h}
	p.pairPlot(left, st.Pairs)
	rows := right.grid(1, 2, gap)
	p.curves(rows[0], lossTitle(st.Loss, "categorical crossentropy"), "loss", st.Epochs, g.history("loss"))
	if st.Preds != nil {
		p.confusion(rows[1], fmt.Sprintf("Confusion matrix, test set (accuracy %.3f)", st.Preds.Accuracy), st.Preds)
	} else {
		p.placeholder(p.panel(rows[1], "Confusion matrix (test set)"), "after training")
	}
}

// pairPlot draws seaborn's pairplot: measurement against measurement off
// the diagonal, each measurement's per-group density on it, columns
// sharing their x axis and rows their y axis.
func (p *pen) pairPlot(r rect, pp *PairPlot) {
	if pp == nil {
		p.placeholder(p.panel(r, "Pair plot of the measurements"), "loading the data…")
		return
	}
	s := p.s
	in := p.panel(r, "Pair plot of the measurements, coloured by "+pp.Hue)
	// The legend, on the title's line.
	x := r.x + r.w - 8*s
	for gi := len(pp.Groups) - 1; gi >= 0; gi-- {
		name := pp.Groups[gi]
		x -= p.textWidth(name, 10.5)
		p.text(name, x, r.y+12*s, 10.5, colText, 0, 0.5, 0)
		x -= 9 * s
		p.dots([]float64{x}, []float64{r.y + 12*s}, 4, hueColor(gi, 255))
		x -= 12 * s
	}
	k := len(pp.Names)
	cells := in.inset(58*s, 4*s, 8*s, 40*s).grid(k, k, 5*s)
	for i := range k { // row: y is measurement i
		for j := range k { // column: x is measurement j
			c := cells[i*k+j]
			p.frame(c, colGrid)
			ax := axes{r: c.inset(3*s, 3*s, 3*s, 3*s), x0: pp.Lo[j], x1: pp.Hi[j], y0: pp.Lo[i], y1: pp.Hi[i]}
			if i == j {
				p.densities(ax, pp, i)
			} else {
				for gi := range pp.Groups {
					var xs, ys []float64
					for n, grp := range pp.Group {
						if grp == gi {
							xs = append(xs, ax.px(float64(pp.Cols[j][n])))
							ys = append(ys, ax.py(float64(pp.Cols[i][n])))
						}
					}
					p.dots(xs, ys, 1.6, hueColor(gi, 150))
				}
			}
			if i == k-1 {
				ticks := niceTicks(pp.Lo[j], pp.Hi[j], max(2, int(c.w/(55*s))))
				for _, t := range ticks {
					if t < pp.Lo[j] || t > pp.Hi[j] {
						continue
					}
					p.line(ax.px(t), c.y+c.h, ax.px(t), c.y+c.h+3*s, 1, colAxis)
					p.text(tickLabel(t, tickStep(ticks)), ax.px(t), c.y+c.h+4*s, 9.5, colMuted, 0.5, 0, 0)
				}
				p.text(pp.Names[j], c.x+c.w/2, c.y+c.h+18*s, 10.5, colText, 0.5, 0, 0)
			}
			if j == 0 {
				p.text(pp.Names[i], r.x+6*s, c.y+c.h/2, 10.5, colText, 0.5, 0, -math.Pi/2)
				ticks := niceTicks(pp.Lo[i], pp.Hi[i], max(2, int(c.h/(30*s))))
				for _, t := range ticks {
					if t < pp.Lo[i] || t > pp.Hi[i] {
						continue
					}
					p.line(c.x-3*s, ax.py(t), c.x, ax.py(t), 1, colAxis)
					p.text(tickLabel(t, tickStep(ticks)), c.x-4*s, ax.py(t), 9.5, colMuted, 1, 0.5, 0)
				}
			}
		}
	}
}

// densities draws measurement m's per-group densities in a diagonal cell,
// filled lightly as seaborn's kdeplot(fill=True) under pairplot.
func (p *pen) densities(ax axes, pp *PairPlot, m int) {
	peak := 0.0
	for _, d := range pp.KDE[m] {
		for _, v := range d {
			peak = max(peak, v)
		}
	}
	if peak <= 0 {
		return
	}
	base := ax.r.y + ax.r.h
	for gi, d := range pp.KDE[m] {
		xs, ys := make([]float64, len(d)), make([]float64, len(d))
		for n, v := range d {
			xs[n] = ax.px(pp.Lo[m] + (pp.Hi[m]-pp.Lo[m])*float64(n)/float64(len(d)-1))
			ys[n] = base - v/peak*ax.r.h*0.95
		}
		p.area(xs, ys, base, hueColor(gi, 60))
		p.polyline(xs, ys, 1.5, hueColor(gi, 255))
	}
}

func tickStep(t []float64) float64 {
	if len(t) > 1 {
		return t[1] - t[0]
	}
	return 1
}
