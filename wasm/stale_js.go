//go:build js

package main

import "strings"

// Stale results: the plots and the results table belong to the run that
// made them. Once the model text, a data choice or a setting differs from
// what that run used, both panels are greyed with a line that says so;
// putting the controls back as they were takes the mark away, and the next
// run replaces them.

// runControls are the controls a run reads (see runSettings), besides the
// device, which changes the speed but not the model.
var runControls = []string{"model-text", "optimizer", "lr", "loss", "batch", "epochs", "early", "patience", "restore", "seed",
	"w-years", "w-station", "w-target", "c-n", "c-testn"}

// controlsKey is what the run controls hold now, as one string.
func controlsKey() string {
	var b strings.Builder
	for _, id := range runControls {
		e := byID(id)
		if e.IsNull() {
			continue
		}
		v := e.Get("value").String()
		if e.Get("type").String() == "checkbox" {
			v = "false"
			if e.Get("checked").Bool() {
				v = "true"
			}
		}
		if id == "model-text" {
			v = strings.TrimSpace(v)
		}
		b.WriteString(id + "=" + v + "\x00")
	}
	return b.String()
}

// watchStale marks the results stale on every change of a run control
// (the model editor calls markStale itself, as do the code panel and the
// lesson's model picker through checkModel).
func (a *app) watchStale() {
	a.watchState()
	for _, id := range runControls {
		if id == "model-text" || byID(id).IsNull() {
			continue
		}
		on(id, "input", a.markStale)
		on(id, "change", a.markStale)
	}
}

// ranWith records the controls of the run that starts: its plots and
// results are current.
func (a *app) ranWith(key string) {
	a.mu.Lock()
	a.runKey = key
	a.mu.Unlock()
	a.markStale()
}

// markStale greys the plots and the results table, with a line saying why,
// when the controls differ from the last run's; it takes the mark away
// when they are the same again.
func (a *app) markStale() {
	go a.saveState()
	go a.updateEstimate()
	a.mu.Lock()
	key := a.runKey
	a.mu.Unlock()
	stale := key != "" && key != controlsKey()
	for _, id := range []string{"plots", "results"} {
		cl := byID(id).Get("classList")
		if stale {
			cl.Call("add", "stale")
		} else {
			cl.Call("remove", "stale")
		}
	}
	setHidden("plots-stale", !stale)
	setHidden("results-stale", !stale || byID("results").Get("childElementCount").Int() == 0)
}
