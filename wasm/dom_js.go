//go:build js

package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall/js"
)

var (
	window   = js.Global()
	document = js.Global().Get("document")
)

// byID returns the element with id, or panics: the ids are the page's
// contract with index.html, so a missing one is a bug.
func byID(id string) js.Value {
	e := document.Call("getElementById", id)
	if e.IsNull() {
		panic("nnlab: index.html has no element #" + id)
	}
	return e
}

func setText(id, s string)          { byID(id).Set("textContent", s) }
func setHidden(id string, h bool)   { byID(id).Set("hidden", h) }
func value(id string) string        { return byID(id).Get("value").String() }
func setValue(id, v string)         { byID(id).Set("value", v) }
func checked(id string) bool        { return byID(id).Get("checked").Bool() }
func setChecked(id string, c bool)  { byID(id).Set("checked", c) }
func setDisabled(id string, d bool) { byID(id).Set("disabled", d) }

// intValue reads a number input; def when empty or not a whole number.
func intValue(id string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(value(id)))
	if err != nil {
		return def
	}
	return n
}

// floatValue reads a number input; def when empty or not a number.
func floatValue(id string, def float64) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(value(id)), 64)
	if err != nil {
		return def
	}
	return f
}

// setStatus sets <html data-nnlab-status>, which tests and scripts wait on:
// loading, ready, training, done, stopped or error.
func setStatus(s string) {
	document.Get("documentElement").Get("dataset").Set("nnlabStatus", s)
}

// showError puts a message in the page's error box (and the console).
func showError(msg string) {
	box := byID("error-box")
	box.Set("textContent", msg)
	box.Set("hidden", false)
	window.Get("console").Call("error", "nnlab: "+msg)
}

func clearError() { setHidden("error-box", true) }

// on adds an event listener whose handler runs in its own goroutine, as
// handlers must not block the event loop.
func on(id, event string, fn func()) {
	byID(id).Call("addEventListener", event, js.FuncOf(func(js.Value, []js.Value) any {
		go fn()
		return nil
	}))
}

// setOptions fills a <select> with options (value and label alike) and
// selects sel.
func setOptions(id string, opts []string, labels []string, sel ...string) {
	s := byID(id)
	s.Set("innerHTML", "")
	for i, o := range opts {
		e := document.Call("createElement", "option")
		e.Set("value", o)
		lab := o
		if i < len(labels) {
			lab = labels[i]
		}
		e.Set("textContent", lab)
		for _, x := range sel {
			if x == o {
				e.Set("selected", true)
			}
		}
		s.Call("appendChild", e)
	}
}

// selectedValues returns the chosen options of a <select multiple>.
func selectedValues(id string) []string {
	opts := byID(id).Get("selectedOptions")
	var out []string
	for i := 0; i < opts.Length(); i++ {
		out = append(out, opts.Index(i).Get("value").String())
	}
	return out
}

// facts fills a <dl> with term/description pairs.
func facts(id string, kv ...string) {
	dl := byID(id)
	dl.Set("innerHTML", "")
	for i := 0; i+1 < len(kv); i += 2 {
		dt := document.Call("createElement", "dt")
		dt.Set("textContent", kv[i])
		dd := document.Call("createElement", "dd")
		dd.Set("textContent", kv[i+1])
		dl.Call("appendChild", dt)
		dl.Call("appendChild", dd)
	}
}

// siteURL resolves a path of the site (e.g. data/x.csv) against the page.
func siteURL(path string) string {
	return js.Global().Get("URL").New(path, document.Get("baseURI")).Call("toString").String()
}

// fetchBytes GETs a file of the site; with limit > 0 only its first limit
// bytes (an HTTP range request, which the server may ignore). total is the
// file's size. Go's net/http uses the browser's fetch under js.
func fetchBytes(path string, limit int64) (b []byte, total int64, err error) {
	req, err := http.NewRequest("GET", siteURL(path), nil)
	if err != nil {
		return nil, 0, err
	}
	if limit > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=0-%d", limit-1))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("could not fetch %s: %v (is the site served, e.g. with ./build.sh serve?)", path, err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-Nnlab-Offline") != "" {
		// The service worker's answer while the server cannot be reached:
		// its text says what this browser keeps (see site/sw.js).
		why, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		kept, _ := strconv.ParseInt(resp.Header.Get("X-Nnlab-Kept"), 10, 64)
		return nil, 0, &offlineError{path: path, why: strings.TrimSpace(string(why)), kept: kept}
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		return nil, 0, fmt.Errorf("could not fetch %s: %s (the site's data comes from `nnlab data --out dist/data`, run by ./build.sh)", path, resp.Status)
	}
	b, err = io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %v", path, err)
	}
	total = int64(len(b))
	if cr := resp.Header.Get("Content-Range"); resp.StatusCode == http.StatusPartialContent && cr != "" {
		if i := strings.LastIndexByte(cr, '/'); i >= 0 {
			if n, err := strconv.ParseInt(cr[i+1:], 10, 64); err == nil {
				total = n
			}
		}
	}
	if limit > 0 && int64(len(b)) > limit {
		b = b[:limit]
	}
	return b, total, nil
}

// offlineError is a fetch that needs the server while it cannot be reached
// and the service worker keeps too little of the file.
type offlineError struct {
	path string
	why  string // the service worker's words
	kept int64  // bytes of the file's start kept in this browser
}

func (e *offlineError) Error() string {
	return fmt.Sprintf("%s is not available offline: %s Train again when the server is back.", e.path, e.why)
}

// browserTurn blocks the calling goroutine until the browser has run one
// task: a message posted to a MessageChannel comes back after the tasks
// (clicks, timers, a due frame) queued before it, without the 4 ms that
// browsers add to nested timers.
var browserTurn = func() func() {
	ch := make(chan struct{}, 1)
	mc := js.Global().Get("MessageChannel").New()
	mc.Get("port1").Set("onmessage", js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case ch <- struct{}{}:
		default:
		}
		return nil
	}))
	port := mc.Get("port2")
	return func() {
		port.Call("postMessage", nil)
		<-ch
	}
}()

// bytesToJS copies b into a new Uint8Array.
func bytesToJS(b []byte) js.Value {
	arr := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(arr, b)
	return arr
}

// bytesFromJS copies a Uint8Array into Go.
func bytesFromJS(v js.Value) []byte {
	b := make([]byte, v.Get("byteLength").Int())
	js.CopyBytesToGo(b, v)
	return b
}
