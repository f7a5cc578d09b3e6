//go:build js

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"syscall/js"
	"time"
	"unsafe"

	"nnlab/keras"
	"nnlab/lab"
)

// The runs panel: every fit of the page kept in IndexedDB (runs.go is the
// record), a table per lesson, an overlay of the ticked runs' curves and
// their validation metric against their parameter count.

const (
	runsDB        = "nnlab"
	runsDBVersion = 1
	runsStore     = "runs"    // the records, by id
	weightsStore  = "weights" // {id, tensors: [{layer, param, shape, data: Float32Array}]}
	keepWeightsKV = "nnlab-runs-keep-weights"
)

// runsPanel holds the runs of every lesson and shows the lesson's.
type runsPanel struct {
	lesson string

	mu      sync.Mutex // guards the fields below (the trainer and event handlers)
	db      *idb       // nil: runs live in this page only
	dbErr   error      // why there is no db
	loaded  bool       // the stored runs have been read
	runs    []Run
	unsaved map[string][]RunWeight // weights of runs not (yet) stored, by id
	saved   map[string]bool
	ticked  map[string]bool
	sortCol string
	desc    bool
	metric  string
	pending int // writes to storage in flight
}

// writing counts a write to storage in flight (+1) or done (-1) in
// #runs-panel's data-pending, so that a script knows when a reload keeps
// everything.
func (p *runsPanel) writing(d int) {
	p.mu.Lock()
	p.pending += d
	n := p.pending
	p.mu.Unlock()
	byID("runs-panel").Get("dataset").Set("pending", n)
}

// newRunsPanel sets up the panel for a lesson and reads the stored runs
// in the background.
func newRunsPanel(lesson string) *runsPanel {
	p := &runsPanel{lesson: lesson, unsaved: map[string][]RunWeight{}, saved: map[string]bool{}, ticked: map[string]bool{},
		sortCol: "number", metric: "loss"}
	setHidden("runs-panel", false)
	p.setState("loading")
	keep := true
	jsCall("reading a setting", func() {
		keep = getProp(window, "localStorage").Call("getItem", keepWeightsKV).String() != "0"
	})
	setChecked("runs-keep-weights", keep)
	on("runs-keep-weights", "change", func() {
		v := "1"
		if !checked("runs-keep-weights") {
			v = "0"
		}
		jsCall("keeping a setting", func() { getProp(window, "localStorage").Call("setItem", keepWeightsKV, v) })
	})
	on("runs-filter", "input", p.render)
	on("runs-metric", "change", func() {
		p.mu.Lock()
		p.metric = value("runs-metric")
		p.mu.Unlock()
		p.render()
	})
	on("runs-delete-all", "click", func() {
		n := len(p.lessonRuns(""))
		if n == 0 {
			return
		}
		setText("runs-delete-all-yes", fmt.Sprintf("Delete all %d runs of this lesson", n))
		setHidden("runs-confirm", false)
	})
	on("runs-delete-all-no", "click", func() { setHidden("runs-confirm", true) })
	on("runs-delete-all-yes", "click", func() {
		setHidden("runs-confirm", true)
		var ids []string
		for _, r := range p.lessonRuns("") {
			ids = append(ids, r.ID)
		}
		p.delete(ids...)
	})
	// The table's clicks (sort, tick, delete) and edits (names), by
	// delegation: the rows are redrawn.
	byID("runs-table").Call("addEventListener", "click", js.FuncOf(func(_ js.Value, args []js.Value) any {
		t := args[0].Get("target")
		col, act, id := attr(t, "data-col"), attr(t, "data-act"), attr(t, "data-id")
		go func() {
			switch {
			case col != "":
				p.mu.Lock()
				if p.sortCol == col {
					p.desc = !p.desc
				} else {
					p.sortCol, p.desc = col, false
				}
				p.mu.Unlock()
				p.render()
			case act == "tick":
				p.mu.Lock()
				p.ticked[id] = t.Get("checked").Bool()
				p.mu.Unlock()
				p.render()
			case act == "delete":
				p.delete(id)
			case act == "share":
				p.share(id)
			}
		}()
		return nil
	}))
	byID("runs-table").Call("addEventListener", "change", js.FuncOf(func(_ js.Value, args []js.Value) any {
		t := args[0].Get("target")
		if attr(t, "data-act") == "rename" {
			id, name := attr(t, "data-id"), strings.TrimSpace(t.Get("value").String())
			go p.rename(id, name)
		}
		return nil
	}))
	window.Call("addEventListener", "resize", js.FuncOf(func(js.Value, []js.Value) any {
		go p.draw()
		return nil
	}))
	// The class board's client (site/board-client.js) says when a board
	// serves the page: the rows get their share buttons then.
	window.Call("addEventListener", "nnlab-board-ready", js.FuncOf(func(js.Value, []js.Value) any {
		go p.render()
		return nil
	}))
	go p.load()
	return p
}

// attr is an element's attribute, "" when it has none.
func attr(e js.Value, name string) string {
	if e.IsUndefined() || e.IsNull() || e.Get("getAttribute").IsUndefined() {
		return ""
	}
	v := e.Call("getAttribute", name)
	if v.IsNull() {
		return ""
	}
	return v.String()
}

// setState sets #runs-panel's data-state (loading, stored or memory); with
// data-saved (how many runs are stored) and data-pending (writes in
// flight) it is what tests and scripts wait on.
func (p *runsPanel) setState(s string) {
	byID("runs-panel").Get("dataset").Set("state", s)
}

// load opens the database and reads the stored runs; without a database
// the runs stay in the page, and the panel says so.
func (p *runsPanel) load() {
	db, err := openIDB(runsDB, runsDBVersion, func(db js.Value) {
		names := db.Get("objectStoreNames")
		for _, s := range []string{runsStore, weightsStore} {
			if !names.Call("contains", s).Bool() {
				db.Call("createObjectStore", s, map[string]any{"keyPath": "id"})
			}
		}
	})
	var stored []Run
	var bad []string
	if err == nil {
		var vals []js.Value
		vals, err = db.getAll(runsStore)
		for _, v := range vals {
			var r Run
			if jerr := json.Unmarshal([]byte(window.Get("JSON").Call("stringify", v).String()), &r); jerr != nil {
				bad = append(bad, "a stored run does not read: "+jerr.Error())
				continue
			}
			if cerr := checkRun(r); cerr != nil {
				bad = append(bad, cerr.Error())
				continue
			}
			stored = append(stored, r)
		}
	}
	p.mu.Lock()
	if err != nil {
		p.db, p.dbErr = nil, err
	} else {
		p.db = db
	}
	have := map[string]bool{}
	for _, r := range p.runs {
		have[r.ID] = true
	}
	for _, r := range stored {
		p.saved[r.ID] = true
		if !have[r.ID] {
			p.runs = append(p.runs, r)
		}
	}
	var kept []Run
	for _, r := range p.runs {
		if p.saved[r.ID] {
			kept = append(kept, r)
		}
	}
	pending := renumber(kept, p.pendingLocked())
	p.runs = append(kept, pending...)
	p.loaded = true
	n := len(p.saved)
	p.mu.Unlock()
	byID("runs-panel").Get("dataset").Set("saved", n)
	switch {
	case err != nil:
		p.message(fmt.Sprintf("Runs are kept in this page only, until it is closed or reloaded: this browser does not let the page store them (%v). "+
			"A private window does this; use a normal window to keep runs.", err))
		p.setState("memory")
	default:
		p.setState("stored")
		if len(bad) > 0 {
			p.message(fmt.Sprintf("%d stored runs were left out: %s", len(bad), strings.Join(bad, "; ")))
		}
	}
	for _, r := range pending { // fits that ended while the database opened
		p.save(r)
	}
	p.render()
	p.showStorage()
}

// pendingLocked are the runs in memory not stored yet; p.mu is held.
func (p *runsPanel) pendingLocked() []Run {
	var out []Run
	for _, r := range p.runs {
		if !p.saved[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

// message shows the panel's note ("" hides it).
func (p *runsPanel) message(s string) {
	setText("runs-msg", s)
	setHidden("runs-msg", s == "")
}

// record keeps a finished fit as a run: in the table at once, then in
// IndexedDB. ws are the weights of the last epoch (nil: not kept).
func (a *app) recordRun(res pageResult, rs RunSettings, ws []lab.Weights) {
	p := a.runs
	if p == nil || res == nil || res.fit().EpochsRun == 0 {
		return // nothing was trained
	}
	l := a.lesson()
	arch, code := "model", ""
	var shapes [][]int
	if in := l.input(); in != nil {
		if m, err := a.buildModel(rs.ModelText, rs.ModelName, in); err == nil {
			arch, shapes = modelArch(m.Layers), paramShapes(m)
			if c, f, err := ExportSpecs(rs.Fit, rs.Lesson); err == nil {
				code = l.exportHeader() + keras.Export(m, c, f, rs.Lesson)
			}
		}
	}
	if !checked("runs-keep-weights") {
		ws = nil
	}
	p.mu.Lock()
	r := newRun(res, rs, value("device-select"), nextRunNumber(p.runs, rs.Lesson), arch, code, time.Now())
	if len(ws) > 0 {
		w := runWeights(ws, shapes)
		r.HasWeights = true
		for _, t := range w {
			r.WeightBytes += 4 * len(t.Values)
		}
		p.unsaved[r.ID] = w
	}
	p.runs = append(p.runs, r)
	p.ticked[r.ID] = true
	ready := p.loaded
	p.mu.Unlock()
	p.render()
	if ready {
		p.writing(1)
		go func() {
			defer p.writing(-1)
			p.save(r)
		}()
	}
}

// save stores a run and its weights in one transaction. A full quota or
// a missing database is a message; the run stays in the page.
func (p *runsPanel) save(r Run) {
	p.mu.Lock()
	db, ws, dbErr := p.db, p.unsaved[r.ID], p.dbErr
	p.mu.Unlock()
	if db == nil {
		p.message(fmt.Sprintf("%s is kept in this page only, until it is closed or reloaded: this browser does not let the page store runs (%v). "+
			"A private window does this; use a normal window to keep runs.", r.Name, dbErr))
		return
	}
	p.writing(1)
	defer p.writing(-1)
	rec, err := runValueJS(r)
	if err == nil {
		err = db.tx([]string{runsStore, weightsStore}, "readwrite", func(t js.Value) {
			t.Call("objectStore", runsStore).Call("put", rec)
			if r.HasWeights {
				t.Call("objectStore", weightsStore).Call("put", weightsJS(r.ID, ws))
			}
		})
	}
	if err != nil {
		why := err.Error()
		if isQuota(err) {
			why = "the browser's storage for this site is full"
		}
		p.message(fmt.Sprintf("%s could not be stored in this browser (%s): it stays in this page until it is closed or reloaded. "+
			"Delete old runs, or untick \"keep weights\", to make room.", r.Name, why))
		return
	}
	p.mu.Lock()
	p.saved[r.ID] = true
	delete(p.unsaved, r.ID)
	n := len(p.saved)
	p.mu.Unlock()
	byID("runs-panel").Get("dataset").Set("saved", n)
	p.showStorage()
}

// runValueJS is a run's record as a JavaScript object.
func runValueJS(r Run) (js.Value, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return js.Undefined(), err
	}
	return window.Get("JSON").Call("parse", string(b)), nil
}

// weightsJS is a run's weights as the weights store keeps them: each
// tensor a Float32Array with its shape.
func weightsJS(id string, ws []RunWeight) js.Value {
	ts := make([]any, len(ws))
	for i, w := range ws {
		arr := window.Get("Float32Array").New(len(w.Values))
		if len(w.Values) > 0 {
			b := unsafe.Slice((*byte)(unsafe.Pointer(&w.Values[0])), 4*len(w.Values))
			js.CopyBytesToJS(window.Get("Uint8Array").New(arr.Get("buffer")), b)
		}
		shape := make([]any, len(w.Shape))
		for j, s := range w.Shape {
			shape[j] = s
		}
		ts[i] = map[string]any{"layer": w.Layer, "param": w.Param, "shape": shape, "data": arr}
	}
	return js.ValueOf(map[string]any{"id": id, "tensors": ts})
}

// Weights reads a run's trained weights back (nil when it kept none), in
// the layout of nn.Model.Weights, for the model files and the board.
func (p *runsPanel) Weights(id string) ([]RunWeight, error) {
	p.mu.Lock()
	db, ws := p.db, p.unsaved[id]
	p.mu.Unlock()
	if ws != nil || db == nil {
		return ws, nil
	}
	v, err := db.get(weightsStore, id)
	if err != nil || v.IsUndefined() {
		return nil, err
	}
	ts := v.Get("tensors")
	out := make([]RunWeight, ts.Length())
	for i := range out {
		t := ts.Index(i)
		data := t.Get("data")
		vals := make([]float32, data.Length())
		if len(vals) > 0 {
			b := unsafe.Slice((*byte)(unsafe.Pointer(&vals[0])), 4*len(vals))
			js.CopyBytesToGo(b, window.Get("Uint8Array").New(data.Get("buffer"), data.Get("byteOffset"), 4*len(vals)))
		}
		sh := t.Get("shape")
		shape := make([]int, sh.Length())
		for j := range shape {
			shape[j] = sh.Index(j).Int()
		}
		out[i] = RunWeight{Layer: t.Get("layer").String(), Param: t.Get("param").String(), Shape: shape, Values: vals}
	}
	return out, nil
}

// delete removes runs from the page and from storage.
func (p *runsPanel) delete(ids ...string) {
	if len(ids) == 0 {
		return
	}
	gone := map[string]bool{}
	for _, id := range ids {
		gone[id] = true
	}
	p.mu.Lock()
	db := p.db
	var keep []Run
	for _, r := range p.runs {
		if !gone[r.ID] {
			keep = append(keep, r)
		}
	}
	p.runs = keep
	for id := range gone {
		delete(p.unsaved, id)
		delete(p.saved, id)
		delete(p.ticked, id)
	}
	n := len(p.saved)
	p.mu.Unlock()
	p.render()
	if db != nil {
		p.writing(1)
		defer p.writing(-1)
		err := db.tx([]string{runsStore, weightsStore}, "readwrite", func(t js.Value) {
			for _, id := range ids {
				t.Call("objectStore", runsStore).Call("delete", id)
				t.Call("objectStore", weightsStore).Call("delete", id)
			}
		})
		if err != nil {
			p.message("Deleting runs from this browser's storage failed (" + err.Error() + "): they may come back after a reload.")
		}
	}
	byID("runs-panel").Get("dataset").Set("saved", n)
	p.showStorage()
}

// rename gives a run a new name ("" keeps the old one).
func (p *runsPanel) rename(id, name string) {
	if name == "" {
		p.render()
		return
	}
	p.mu.Lock()
	var r Run
	found := false
	for i := range p.runs {
		if p.runs[i].ID == id {
			p.runs[i].Name = name
			r, found = p.runs[i], true
		}
	}
	stored := p.saved[id]
	db := p.db
	p.mu.Unlock()
	if !found {
		return
	}
	p.render()
	if db != nil && stored {
		p.writing(1)
		defer p.writing(-1)
		rec, err := runValueJS(r)
		if err == nil {
			err = db.tx([]string{runsStore}, "readwrite", func(t js.Value) { t.Call("objectStore", runsStore).Call("put", rec) })
		}
		if err != nil {
			p.message("The new name could not be stored (" + err.Error() + ").")
		}
	}
}

// lessonRuns are the lesson's runs that pass the filter, sorted.
func (p *runsPanel) lessonRuns(filter string) []Run {
	p.mu.Lock()
	defer p.mu.Unlock()
	rs := filterRuns(p.runs, p.lesson, filter)
	sortRuns(rs, p.sortCol, p.desc)
	return rs
}

// shown are the ticked runs of the lesson that pass the filter, by
// number, and each one's colour.
func (p *runsPanel) shown() ([]Run, map[string]string) {
	rs := p.lessonRuns(value("runs-filter"))
	sortRuns(rs, "number", false)
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Run
	colors := map[string]string{}
	for _, r := range rs {
		if p.ticked[r.ID] {
			colors[r.ID] = runColor(len(out))
			out = append(out, r)
		}
	}
	return out, colors
}

// showStorage says how much the runs take and what the browser allows.
func (p *runsPanel) showStorage() {
	p.mu.Lock()
	n, bytes, db := 0, 0, p.db
	for _, r := range p.runs {
		if p.saved[r.ID] {
			n++
			b, _ := json.Marshal(r)
			bytes += len(b) + r.WeightBytes
		}
	}
	p.mu.Unlock()
	s := fmt.Sprintf("%d runs stored in this browser, about %s.", n, humanBytes(float64(bytes)))
	if db == nil {
		s = "Runs are not stored in this browser."
	}
	st := window.Get("navigator").Get("storage")
	if !st.IsUndefined() && !st.Get("estimate").IsUndefined() {
		if est, err := awaitPromise(st.Call("estimate")); err == nil {
			s += fmt.Sprintf(" This site uses %s of the %s the browser allows it.", humanBytes(est.Get("usage").Float()), humanBytes(est.Get("quota").Float()))
		}
	}
	setText("runs-storage", s)
}

// render redraws the table and the plots.
func (p *runsPanel) render() {
	rs := p.lessonRuns(value("runs-filter"))
	shown, colors := p.shown()
	p.mu.Lock()
	col, desc, ticked := p.sortCol, p.desc, p.ticked
	all := len(filterRuns(p.runs, p.lesson, ""))
	p.mu.Unlock()
	setText("runs-count", fmt.Sprintf("%d of %d runs", len(rs), all))
	setDisabled("runs-delete-all", all == 0)

	cols := runColumns(rs)
	t := byID("runs-table")
	t.Set("innerHTML", "")
	head := document.Call("createElement", "tr")
	th := func(text, key, title string) {
		e := document.Call("createElement", "th")
		if key != "" {
			if key == col {
				if desc {
					text += " ▼"
				} else {
					text += " ▲"
				}
			}
			e.Call("setAttribute", "data-col", key)
			e.Set("className", "sortable")
			e.Set("title", "sort by "+title)
		}
		e.Set("textContent", text)
		head.Call("appendChild", e)
	}
	th("", "", "")
	th("#", "number", "run number")
	th("name", "", "")
	for _, c := range cols {
		th(strings.ReplaceAll(c, "_", " "), c, c)
	}
	th("", "", "")
	thead := document.Call("createElement", "thead")
	thead.Call("appendChild", head)
	t.Call("appendChild", thead)
	body := document.Call("createElement", "tbody")
	for _, r := range rs {
		tr := document.Call("createElement", "tr")
		tr.Call("setAttribute", "data-id", r.ID)
		td := func() js.Value {
			e := document.Call("createElement", "td")
			tr.Call("appendChild", e)
			return e
		}
		box := document.Call("createElement", "input")
		box.Set("type", "checkbox")
		box.Set("checked", ticked[r.ID])
		box.Call("setAttribute", "data-act", "tick")
		box.Call("setAttribute", "data-id", r.ID)
		box.Set("title", "show this run's curves")
		c := td()
		c.Call("appendChild", box)
		if color, ok := colors[r.ID]; ok {
			sw := document.Call("createElement", "span")
			sw.Set("className", "swatch")
			sw.Get("style").Set("background", color)
			c.Call("appendChild", sw)
		}
		td().Set("textContent", strconv.Itoa(r.Number))
		name := document.Call("createElement", "input")
		name.Set("value", r.Name)
		name.Set("className", "run-name")
		name.Call("setAttribute", "data-act", "rename")
		name.Call("setAttribute", "data-id", r.ID)
		name.Set("title", runTitle(r))
		td().Call("appendChild", name)
		for _, k := range cols {
			td().Set("textContent", runCell(r, k))
		}
		c = td()
		c.Set("className", "run-actions")
		link := document.Call("createElement", "a")
		link.Set("href", r.Link())
		link.Set("textContent", "open")
		link.Set("className", "run-link")
		link.Set("title", "open the page with this run's settings and model, to train it again")
		c.Call("appendChild", link)
		if boardShares() {
			sh := document.Call("createElement", "button")
			sh.Set("textContent", "share")
			sh.Set("className", "secondary run-share")
			sh.Set("title", "post "+r.Name+" to the class board")
			sh.Call("setAttribute", "data-act", "share")
			sh.Call("setAttribute", "data-id", r.ID)
			c.Call("appendChild", sh)
		}
		del := document.Call("createElement", "button")
		del.Set("textContent", "×")
		del.Set("className", "secondary run-delete")
		del.Set("title", "delete "+r.Name)
		del.Call("setAttribute", "aria-label", "delete "+r.Name)
		del.Call("setAttribute", "data-act", "delete")
		del.Call("setAttribute", "data-id", r.ID)
		c.Call("appendChild", del)
		body.Call("appendChild", tr)
	}
	t.Call("appendChild", body)

	ms := curveMetrics(shown)
	if len(ms) == 0 {
		ms = curveMetrics(rs)
	}
	p.mu.Lock()
	if len(ms) > 0 && !containsStr(ms, p.metric) {
		p.metric = ms[0]
	}
	metric := p.metric
	p.mu.Unlock()
	setOptions("runs-metric", ms, nil, metric)
	p.draw()
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// runTitle is a run's tooltip: when, where, and its notes.
func runTitle(r Run) string {
	s := fmt.Sprintf("%s, %s on %s, %d of %d epochs in %.1f s", r.Time.Local().Format("2006-01-02 15:04"), r.ModelName, r.Adapter,
		r.EpochsRun, r.Settings.Epochs, r.TrainSeconds)
	if len(r.Notes) > 0 {
		s += "\n" + strings.Join(r.Notes, "\n")
	}
	return s
}

// runCell is a run's table cell for a column.
func runCell(r Run, col string) string {
	switch col {
	case "params":
		return thousands(r.Params)
	case "epochs":
		s := strconv.Itoa(r.EpochsRun)
		if r.Stopped {
			s += " (stopped)"
		} else if r.EarlyStopped {
			s += " (early)"
		}
		return s
	case "seconds":
		return strconv.FormatFloat(r.TrainSeconds, 'f', 1, 64)
	case "time":
		return r.Time.Local().Format("15:04:05")
	}
	v, ok := r.Metrics[col]
	switch {
	case !ok:
		return "—"
	case strings.Contains(col, "accuracy"):
		return f3(v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// draw draws the overlay of the ticked runs' curves, its legend and the
// scatter of the validation metric against the parameters.
func (p *runsPanel) draw() {
	shown, colors := p.shown()
	p.mu.Lock()
	metric := p.metric
	p.mu.Unlock()
	legend := byID("runs-legend")
	legend.Set("innerHTML", "")
	for _, r := range shown {
		li := document.Call("createElement", "li")
		sw := document.Call("createElement", "span")
		sw.Set("className", "swatch")
		sw.Get("style").Set("background", colors[r.ID])
		li.Call("appendChild", sw)
		li.Call("append", r.Name)
		legend.Call("appendChild", li)
	}
	curves := overlayCurves(shown, metric)
	series := make([]plotSeries, len(curves))
	for i, c := range curves {
		ys := c.Values
		xs := make([]float64, len(ys))
		for j := range xs {
			xs[j] = float64(j + 1)
		}
		series[i] = plotSeries{xs: xs, ys: ys, color: colors[shown[c.Run].ID], dashed: c.Val, line: true}
	}
	empty := "Tick runs in the table to lay their curves over each other."
	drawPlot(byID("runs-overlay"), series, metric+" (solid: training, dashed: validation)", "epoch", metric, false, empty)

	// Exercise 3: the validation metric after the last epoch against the
	// number of parameters, for all the lesson's runs (ticked in colour).
	rs := p.lessonRuns(value("runs-filter"))
	var pts []plotSeries
	for _, r := range rs {
		y := lastValue(r, "val_"+metric)
		if math.IsNaN(y) || r.Params <= 0 {
			continue
		}
		c, ok := colors[r.ID]
		if !ok {
			c = "#9aa0a6"
		}
		pts = append(pts, plotSeries{xs: []float64{float64(r.Params)}, ys: []float64{y}, color: c, label: strconv.Itoa(r.Number)})
	}
	drawPlot(byID("runs-scatter"), pts, "val_"+metric+" after the last epoch against parameters: how low can you go?",
		"parameters (log scale)", "val_"+metric, true, "Runs with validation data show here.")
}

// plotSeries is a line or a point of a runs plot.
type plotSeries struct {
	xs, ys []float64
	color  string
	dashed bool
	line   bool   // a line through the points, else points
	label  string // a point's label
}

// drawPlot draws series on a canvas with the page's tick rules (niceTicks,
// tickLabel); logX puts x on a log scale.
func drawPlot(cv js.Value, ss []plotSeries, title, xlab, ylab string, logX bool, empty string) {
	dpr := window.Get("devicePixelRatio").Float()
	if dpr <= 0 {
		dpr = 1
	}
	cssW, cssH := cv.Get("clientWidth").Float(), cv.Get("clientHeight").Float()
	if cssW <= 0 || cssH <= 0 {
		cssW, cssH = 600, 300
	}
	cv.Set("width", int(cssW*dpr))
	cv.Set("height", int(cssH*dpr))
	g := cv.Call("getContext", "2d")
	g.Call("setTransform", dpr, 0, 0, dpr, 0, 0)
	g.Set("fillStyle", "#fff")
	g.Call("fillRect", 0, 0, cssW, cssH)
	g.Set("font", "12px system-ui, sans-serif")
	g.Set("fillStyle", "rgb(31,35,40)")
	g.Set("textAlign", "left")
	g.Call("fillText", title, 8, 16)

	tx := func(x float64) float64 {
		if logX {
			return math.Log10(max(x, 1e-9))
		}
		return x
	}
	var xs, ys []float64
	for _, s := range ss {
		for _, x := range s.xs {
			xs = append(xs, tx(x))
		}
		ys = append(ys, s.ys...)
	}
	if len(xs) == 0 {
		g.Set("fillStyle", "rgb(100,106,115)")
		g.Call("fillText", empty, 8, cssH/2)
		return
	}
	x0, x1 := span(xs)
	y0, y1 := span(ys)
	area := struct{ l, t, r, b float64 }{56, 28, cssW - 12, cssH - 38}
	px := func(x float64) float64 { return area.l + (tx(x)-x0)/(x1-x0)*(area.r-area.l) }
	py := func(y float64) float64 { return area.b - (y-y0)/(y1-y0)*(area.b-area.t) }

	g.Set("lineWidth", 1)
	g.Set("strokeStyle", "rgb(228,231,235)")
	g.Set("fillStyle", "rgb(100,106,115)")
	yt := niceTicks(y0, y1, 5)
	g.Set("textAlign", "right")
	step := 1.0
	if len(yt) > 1 {
		step = yt[1] - yt[0]
	}
	for _, v := range yt {
		g.Call("beginPath")
		g.Call("moveTo", area.l, py(v))
		g.Call("lineTo", area.r, py(v))
		g.Call("stroke")
		g.Call("fillText", tickLabel(v, step), area.l-4, py(v)+4)
	}
	g.Set("textAlign", "center")
	if logX {
		// Decades, and 2 and 5 times them when the span is short.
		ms := []float64{1, 2, 5}
		if x1-x0 > 2 {
			ms = ms[:1]
		}
		for e := math.Floor(x0); e <= x1; e++ {
			for _, m := range ms {
				x := m * math.Pow(10, e)
				if lx := math.Log10(x); lx < x0 || lx > x1 {
					continue
				}
				g.Call("beginPath")
				g.Call("moveTo", px(x), area.t)
				g.Call("lineTo", px(x), area.b)
				g.Call("stroke")
				g.Call("fillText", thousands(int(math.Round(x))), px(x), area.b+14)
			}
		}
	} else {
		xt := niceTicks(max(x0, 1), x1, 6)
		for _, v := range xt {
			if v != math.Trunc(v) {
				continue // epochs are whole
			}
			g.Call("fillText", strconv.Itoa(int(v)), px(v), area.b+14)
		}
	}
	g.Set("strokeStyle", "rgb(120,125,130)")
	g.Call("strokeRect", area.l, area.t, area.r-area.l, area.b-area.t)
	g.Set("fillStyle", "rgb(31,35,40)")
	g.Call("fillText", xlab, (area.l+area.r)/2, cssH-6)
	g.Call("save")
	g.Call("translate", 12, (area.t+area.b)/2)
	g.Call("rotate", -math.Pi/2)
	g.Call("fillText", ylab, 0, 0)
	g.Call("restore")

	g.Call("save")
	g.Call("beginPath")
	g.Call("rect", area.l, area.t, area.r-area.l, area.b-area.t)
	g.Call("clip")
	for _, s := range ss {
		g.Set("strokeStyle", s.color)
		g.Set("fillStyle", s.color)
		if s.line {
			g.Set("lineWidth", 2)
			if s.dashed {
				g.Call("setLineDash", []any{6, 4})
			} else {
				g.Call("setLineDash", []any{})
			}
			g.Call("beginPath")
			started := false
			for i := range s.xs {
				if math.IsNaN(s.ys[i]) || math.IsInf(s.ys[i], 0) {
					started = false
					continue
				}
				if started {
					g.Call("lineTo", px(s.xs[i]), py(s.ys[i]))
				} else {
					g.Call("moveTo", px(s.xs[i]), py(s.ys[i]))
					started = true
				}
			}
			if len(s.xs) == 1 {
				g.Call("arc", px(s.xs[0]), py(s.ys[0]), 3, 0, 2*math.Pi)
				g.Call("fill")
			}
			g.Call("stroke")
			continue
		}
		g.Call("setLineDash", []any{})
		for i := range s.xs {
			g.Call("beginPath")
			g.Call("arc", px(s.xs[i]), py(s.ys[i]), 5, 0, 2*math.Pi)
			g.Call("fill")
			if s.label != "" {
				g.Set("textAlign", "left")
				g.Call("fillText", s.label, px(s.xs[i])+7, py(s.ys[i])-5)
			}
		}
	}
	g.Call("restore")
}

// boardShares: a class board serves the page (board-client.js defined its
// share function), so kept runs can be posted to it.
func boardShares() bool {
	return js.Global().Get("nnlabBoardShareKeptRun").Type() == js.TypeFunction
}

// share posts a kept run to the class board, as "Share the last run" posts
// the current one; the board client asks for the name and queues the post.
func (p *runsPanel) share(id string) {
	if !boardShares() {
		return
	}
	for _, r := range p.lessonRuns("") {
		if r.ID == id {
			js.Global().Call("nnlabBoardShareKeptRun", string(runBoardResult(r)), r.Link())
			return
		}
	}
}
