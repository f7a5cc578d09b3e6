//go:build js

package main

import (
	"encoding/json"
	"slices"
	"sync"
	"syscall/js"
)

// viewLink sends Msgs to the plots' iframe. It keeps the messages that make
// the current state and replays them whenever the iframe says it is ready
// (its first load, or a reload).
type viewLink struct {
	mu    sync.Mutex
	log   MsgLog
	frame js.Value
	ready bool
	// started is closed when the plots have drawn their first frame.
	started   chan struct{}
	startOnce sync.Once
}

func newViewLink(frame js.Value) *viewLink {
	v := &viewLink{frame: frame, started: make(chan struct{})}
	window.Call("addEventListener", "message", js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		if !e.Get("source").Equal(frame.Get("contentWindow")) {
			return nil
		}
		if d := e.Get("data"); d.Type() == js.TypeString {
			switch d.String() {
			case "nnlab-view-ready":
				go v.replay()
			case "nnlab-view-drawn":
				v.startOnce.Do(func() { close(v.started) })
			}
		}
		return nil
	}))
	return v
}

func (v *viewLink) send(m Msg) { v.sendAll([]Msg{m}) }

// sendAll sends the messages in one post.
func (v *viewLink) sendAll(ms []Msg) {
	v.mu.Lock()
	for _, m := range ms {
		v.log.Add(m)
	}
	ready := v.ready
	v.mu.Unlock()
	if ready && len(ms) > 0 {
		v.post(ms)
	}
}

func (v *viewLink) replay() {
	v.mu.Lock()
	v.ready = true
	msgs := slices.Clone(v.log.Msgs)
	v.mu.Unlock()
	v.post(msgs)
}

func (v *viewLink) post(msgs []Msg) {
	b, err := json.Marshal(msgs)
	if err != nil {
		window.Get("console").Call("error", "nnlab: "+err.Error())
		return
	}
	if w := v.frame.Get("contentWindow"); w.Truthy() {
		w.Call("postMessage", string(b), window.Get("location").Get("origin"))
	}
}
