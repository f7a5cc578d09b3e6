//go:build js

package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"sync"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
)

// plots is the Ebiten game of the view mode. The message handler writes the
// state (under mu) and asks for a frame; Draw reads the state and repaints.
//
// Frames are drawn on demand (Ebiten's FPSModeVsyncOffMinimum with
// ScheduleFrame), not 60 times a second: the page's thread is also the
// trainer's, and every frame a browser composites costs it time (in headless
// Chromium on SwiftShader, a synchronous read-back of the whole canvas, about
// 50 ms). Ebiten's replacement for that mode, SetScreenClearedEveryFrame(false),
// still presents four frames per change. While a run trains, the plots
// repaint at most every repaintEvery.
type plots struct {
	mu    sync.Mutex
	st    ViewState
	texs  map[*ImageSet]*ebiten.Image
	white *ebiten.Image

	drawn      int // state version on the screen
	drawnW     int
	drawnH     int
	frames     int
	redraws    int
	redrawTime time.Duration // spent repainting
	lastRedraw time.Time
	pending    bool // a frame is scheduled for later
	drawnEpoch int  // epochs on the screen
	txt        *textCache
	scale      float64
	lastReport int
}

func runView() {
	if err := loadFont(); err != nil {
		window.Get("console").Call("error", "nnlab plots: "+err.Error())
		return // view.js tells the page
	}
	g := &plots{texs: map[*ImageSet]*ebiten.Image{}, txt: newTextCache(), drawn: -1}
	window.Call("addEventListener", "message", js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		if !e.Get("source").Equal(window.Get("parent")) || e.Get("data").Type() != js.TypeString {
			return nil
		}
		var msgs []Msg
		if err := json.Unmarshal([]byte(e.Get("data").String()), &msgs); err != nil {
			window.Get("console").Call("error", "nnlab plots: "+err.Error())
			return nil
		}
		g.mu.Lock()
		for _, m := range msgs {
			g.st.Apply(m)
		}
		g.mu.Unlock()
		g.wake()
		return nil
	}))
	if p := window.Get("parent"); !p.Equal(window) {
		p.Call("postMessage", "nnlab-view-ready", window.Get("location").Get("origin"))
	}
	ebiten.SetScreenClearedEveryFrame(false)
	//lint:ignore SA1019 on-demand frames are what the page needs (see plots).
	ebiten.SetFPSMode(ebiten.FPSModeVsyncOffMinimum)
	ebiten.SetWindowTitle("nnlab plots")
	if err := ebiten.RunGameWithOptions(g, &ebiten.RunGameOptions{InitUnfocused: true}); err != nil {
		// view.js tells the page when the program ends.
		window.Get("console").Call("error", "nnlab plots: "+err.Error())
	}
}

// repaintEvery is the shortest time between repaints while training, and
// progressEvery between repaints that only move the progress bar.
const (
	repaintEvery  = 500 * time.Millisecond
	progressEvery = time.Second
)

// wake asks for a frame: now, or while training when repaintEvery has
// passed since the last repaint.
func (g *plots) wake() {
	g.mu.Lock()
	defer g.mu.Unlock()
	training := g.st.Status == "training" && g.st.Epoch < g.st.Epochs
	every := repaintEvery
	if g.st.Epoch == g.drawnEpoch {
		every = progressEvery
	}
	wait := every - time.Since(g.lastRedraw)
	if !training || wait <= 0 {
		//lint:ignore SA1019 see plots.
		ebiten.ScheduleFrame()
		return
	}
	if !g.pending {
		g.pending = true
		time.AfterFunc(wait, func() {
			g.mu.Lock()
			g.pending = false
			g.mu.Unlock()
			//lint:ignore SA1019 see plots.
			ebiten.ScheduleFrame()
		})
	}
}

func (g *plots) Update() error { return nil }

// Layout is not called: Ebiten calls LayoutF when a game has it.
func (g *plots) Layout(w, h int) (int, int) { return w, h }

// LayoutF makes one screen pixel one device pixel, so text stays sharp.
func (g *plots) LayoutF(w, h float64) (float64, float64) {
	g.scale = ebiten.Monitor().DeviceScaleFactor()
	if g.scale <= 0 {
		g.scale = 1
	}
	return w * g.scale, h * g.scale
}

func (g *plots) Draw(screen *ebiten.Image) {
	g.frames++
	if g.frames-g.lastReport >= 30 {
		g.report()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	b := screen.Bounds()
	if g.st.Version == g.drawn && b.Dx() == g.drawnW && b.Dy() == g.drawnH {
		return
	}
	g.lastRedraw, g.drawnEpoch = time.Now(), g.st.Epoch
	g.drawn, g.drawnW, g.drawnH = g.st.Version, b.Dx(), b.Dy()
	g.redraws++
	t0 := time.Now()
	defer func() { g.redrawTime += time.Since(t0) }()
	if g.white == nil {
		g.white = ebiten.NewImage(3, 3)
		g.white.Fill(colPanel)
	}
	p := &pen{dst: screen, s: g.scale, txt: g.txt, white: g.white.SubImage(image.Rect(1, 1, 2, 2)).(*ebiten.Image)}
	screen.Fill(colBack)
	full := rect{0, 0, float64(b.Dx()), float64(b.Dy())}
	body := g.header(p, full)
	switch g.st.Lesson {
	case "weather":
		g.drawWeather(p, body)
	case "cifar":
		g.drawCIFAR(p, body)
	case "penguins":
		g.drawPenguins(p, body)
	default:
		p.placeholder(body, "Open a lesson to see its plots.")
	}
	g.pruneTextures()
	g.report()
	if g.redraws == 1 {
		if p := window.Get("parent"); !p.Equal(window) {
			p.Call("postMessage", "nnlab-view-drawn", window.Get("location").Get("origin"))
		}
	}
}

// report leaves frame counts on <html> for tests: data-frames (Draw calls)
// and data-redraws (repaints).
func (g *plots) report() {
	g.lastReport = g.frames
	ds := document.Get("documentElement").Get("dataset")
	ds.Set("frames", g.frames)
	ds.Set("redraws", g.redraws)
	ds.Set("redrawMs", g.redrawTime.Milliseconds())
	ds.Set("epochs", g.st.Epoch)
}

// header writes the run's title and progress on top and returns the rest.
func (g *plots) header(p *pen, r rect) rect {
	s := p.s
	st := &g.st
	line := st.Title
	if st.Epochs > 0 {
		prog := fmt.Sprintf("epoch %d/%d", st.Epoch, st.Epochs)
		if st.Steps > 0 {
			prog = fmt.Sprintf("epoch %d/%d, step %d/%d", st.Epoch+1, st.Epochs, st.Step, st.Steps)
		}
		line = prog + " · " + line
	}
	if st.Status != "" {
		line = st.Status + " · " + line
	}
	p.text(line, r.x+8*s, r.y+6*s, 12, colMuted, 0, 0, 0)
	if st.Epochs > 0 {
		done := float64(st.Epoch) / float64(st.Epochs)
		if st.Steps > 0 {
			done += float64(st.Step) / float64(st.Steps) / float64(st.Epochs)
		}
		bar := rect{r.x + 8*s, r.y + 24*s, r.w - 16*s, 3 * s}
		p.fill(bar, colGrid)
		bar.w *= min(done, 1)
		p.fill(bar, colTrain)
	}
	return r.inset(6*s, 32*s, 6*s, 6*s)
}

func (g *plots) history(keys ...string) []series {
	var out []series
	for i, k := range keys {
		name := k
		col := colTrain
		if i == 1 {
			col = colVal
		}
		switch k {
		case "loss", "accuracy", "root_mean_squared_error":
			name = "training"
		default:
			name = "validation"
		}
		out = append(out, series{name: name, ys: g.st.History[k], col: col})
	}
	return out
}

func (g *plots) drawWeather(p *pen, r rect) {
	s := p.s
	st := &g.st
	gap := 6 * s
	rows := r.grid(1, 4, gap)
	// Exercise 1: feature histograms.
	if n := len(st.Features); n > 0 {
		for i, c := range rows[0].grid(n, 1, gap) {
			p.histogram(c, st.Features[i], colHist)
		}
	} else {
		p.placeholder(p.panel(rows[0], "Exercise 1: distributions of features"), "choose features under \"Histograms of\"")
	}
	// Curves.
	cs := rows[1].grid(2, 1, gap)
	p.curves(cs[0], lossTitle(st.Loss, "mse"), "loss", st.Epochs, g.history("loss", "val_loss"))
	p.curves(cs[1], "Root mean squared error", "RMSE", st.Epochs, g.history("root_mean_squared_error", "val_root_mean_squared_error"))
	// Weight histograms.
	g.drawWeights(p, rows[2])
	// Predicted vs true.
	sc := rows[3].grid(2, 1, gap)
	if d := st.Scatter; d != nil {
		p.scatter(sc[0], fmt.Sprintf("Training set: RMSE %.2f", d.TrainRMSE), "predicted "+d.Target, "true", [][2][]float32{{d.TrainPred, d.TrainTrue}},
			[]color.Color{colScatter}, []string{"model"})
		sets := [][2][]float32{{d.TestPred, d.TestTrue}}
		cols := []color.Color{colScatter}
		names := []string{"model"}
		title := fmt.Sprintf("Test set: RMSE %.2f", d.TestRMSE)
		if len(d.Baseline) == len(d.TestTrue) && len(d.Baseline) > 0 {
			sets = append([][2][]float32{{d.Baseline, d.TestTrue}}, sets...)
			cols = append([]color.Color{colBaseline}, cols...)
			names = append([]string{"baseline"}, names...)
			title += fmt.Sprintf(" (baseline %.2f)", d.BaselineRMSE)
		}
		p.scatter(sc[1], title, "predicted "+d.Target, "true", sets, cols, names)
	} else {
		for i, t := range []string{"Training set: predicted vs true", "Test set: predicted vs true"} {
			p.placeholder(p.panel(sc[i], t), "after training")
		}
	}
}

func (g *plots) drawWeights(p *pen, r rect) {
	st := &g.st
	if len(st.Weights) == 0 || len(st.Weights[len(st.Weights)-1]) == 0 {
		p.placeholder(p.panel(r, "Weights per layer and epoch (TensorBoard histograms)"), "after the first epoch")
		return
	}
	names := st.Weights[len(st.Weights)-1]
	n := min(len(names), 6)
	for l, c := range r.grid(n, 1, 6*p.s) {
		var hs []Hist
		for _, ep := range st.Weights {
			if l < len(ep) {
				hs = append(hs, ep[l])
			}
		}
		p.ridges(c, "weights: "+names[l].Name, hs)
	}
}

func (g *plots) drawCIFAR(p *pen, r rect) {
	s := p.s
	st := &g.st
	gap := 6 * s
	cols := []rect{{r.x, r.y, r.w*0.46 - gap/2, r.h}, {r.x + r.w*0.46 + gap/2, r.y, r.w*0.54 - gap/2, r.h}}
	left := cols[0].grid(1, 2, gap)
	p.images(left[0], "Training images (exercise 5)", st.Images, g.texture(st.Images), 5)
	if st.Preds != nil {
		p.images(left[1], fmt.Sprintf("Test images: predicted / true (test accuracy %.3f)", st.Preds.Accuracy), &st.Preds.Images, g.texture(&st.Preds.Images), 5)
	} else {
		p.placeholder(p.panel(left[1], "Test images: predicted / true"), "after training")
	}
	right := cols[1].grid(1, 3, gap)
	p.curves(right[0], lossTitle(st.Loss, "sparse categorical crossentropy"), "loss", st.Epochs, g.history("loss", "val_loss"))
	p.curves(right[1], "Accuracy", "accuracy", st.Epochs, g.history("accuracy", "val_accuracy"))
	if st.Preds != nil {
		p.confusion(right[2], "Confusion matrix (test images)", st.Preds)
	} else {
		p.placeholder(p.panel(right[2], "Confusion matrix (test images)"), "after training")
	}
}

func lossTitle(loss, def string) string {
	if loss == "" {
		loss = def
	}
	return "Loss (" + loss + ")"
}

// texture returns (and caches) the texture of an image set.
func (g *plots) texture(set *ImageSet) *ebiten.Image {
	if set == nil {
		return nil
	}
	if t, ok := g.texs[set]; ok {
		return t
	}
	t := imageTexture(set)
	g.texs[set] = t
	return t
}

// pruneTextures frees the textures of image sets the state no longer holds
// (image sets are replaced, never changed).
func (g *plots) pruneTextures() {
	for set, t := range g.texs {
		if set != g.st.Images && (g.st.Preds == nil || set != &g.st.Preds.Images) {
			t.Deallocate()
			delete(g.texs, set)
		}
	}
}
