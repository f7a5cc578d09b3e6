//go:build js

package main

import (
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The page's address and its links keep the learner's choices.

// deviceLinks makes the links between the lessons keep the device choice
// and the instructor's answers=hide (the classroom server's
// --hide-answers puts it in the address learners open).
func deviceLinks(kind string, hideAnswers bool) {
	q := url.Values{}
	if kind != "" && kind != "auto" {
		q.Set("device", kind)
	}
	if hideAnswers {
		q.Set("answers", "hide")
	}
	extra := q.Encode()
	for id, base := range map[string]string{"open-weather": "?lesson=weather", "open-cifar": "?lesson=cifar", "open-penguins": "?lesson=penguins", "back": "./"} {
		href := base
		switch {
		case extra == "":
		case strings.Contains(base, "?"):
			href += "&" + extra
		default:
			href += "?" + extra
		}
		byID(id).Set("href", href)
	}
}

// replaceQuery sets a parameter of the page's URL without reloading, so
// that the address can be shared.
func replaceQuery(key, val string) {
	loc := window.Get("location")
	q, err := url.ParseQuery(strings.TrimPrefix(loc.Get("search").String(), "?"))
	if err != nil {
		return
	}
	q.Set(key, val)
	window.Get("history").Call("replaceState", nil, "", "?"+q.Encode())
}

// The address holds the lesson's whole state (Query): every change of a
// control rewrites it, 400 ms after the last one, so that a reload
// restores the work and copying the address shares it.

// stateSeq counts the changes, for the debounce.
var stateSeq atomic.Int64

// saveState rewrites the address with the controls' state, once the
// changes pause; before the data are loaded the controls are not yet the
// lesson's, and it writes nothing.
func (a *app) saveState() {
	n := stateSeq.Add(1)
	time.Sleep(400 * time.Millisecond)
	a.mu.Lock()
	loaded := a.loaded
	a.mu.Unlock()
	if stateSeq.Load() != n || !loaded || a.s.Lesson == "" {
		return
	}
	q := "?" + Query(a.stateSettings(), DefaultSettings(a.s.Lesson))
	if window.Get("location").Get("search").String() != q {
		window.Get("history").Call("replaceState", nil, "", q+window.Get("location").Get("hash").String())
	}
}

// stateSettings are the settings the controls hold now.
func (a *app) stateSettings() Settings {
	s := DefaultSettings(a.s.Lesson)
	s.Device = value("device-select")
	s.NoPlots, s.HideAnswers = a.s.NoPlots, a.s.HideAnswers
	s.Optimizer, s.Loss = value("optimizer"), value("loss")
	s.LR = floatValue("lr", 0)
	s.Batch, s.Epochs = intValue("batch", s.Batch), intValue("epochs", s.Epochs)
	s.Patience = 0
	if byID("early").Get("checked").Bool() {
		s.Patience = intValue("patience", 10)
	}
	s.Restore = byID("restore").Get("checked").Bool()
	if seed, err := strconv.ParseUint(strings.TrimSpace(value("seed")), 10, 64); err == nil {
		s.Seed = seed
	}
	s.Model = value("model-text")
	if a.w != nil {
		s.Years, s.Station, s.Target = floatValue("w-years", 3), value("w-station"), value("w-target")
		s.Features = chosenFeatures()
	}
	if a.c != nil {
		s.N, s.TestN = intValue("c-n", s.N), intValue("c-testn", s.TestN)
	}
	return s
}

// watchState saves the state on every change of a control the address
// keeps (the run controls through markStale).
func (a *app) watchState() {
	for _, id := range []string{"device-select", "w-features", "c-preset"} {
		if !byID(id).IsNull() {
			on(id, "change", a.saveState)
		}
	}
}
