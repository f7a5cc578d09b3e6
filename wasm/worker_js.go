//go:build js

package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"syscall/js"
	"time"

	"nnlab/gpu"
)

// The training worker: this program in a dedicated Web Worker
// (site/train-worker.js starts it with the argument "worker"). It trains
// the jobs the page posts and posts back their progress and outcome, so
// that the page's thread never computes a training step: the page answers
// clicks and paints however long a step takes. The worker has no DOM; it
// opens its own device (WebGPU works in dedicated workers) and keeps it
// between runs.
//
// Messages, page to worker: {type: "run", job: Uint8Array} (a gob
// trainJob) and {type: "stop"}. Worker to page: {type: "ready"},
// {type: "progress", post: Uint8Array} (a gob progressPost: the plots'
// messages and the latest status line), {type: "done", outcome:
// Uint8Array} (a gob runOutcome), and from the bootstrap script
// {type: "alive"} every second, {type: "error", error} or {type: "exit"}
// when the program could not start or ended.

// workerYieldEvery is how long the worker computes before it lets its
// event loop run, which is when a Stop message arrives. A turn of a
// worker's event loop costs microseconds (it paints nothing).
const workerYieldEvery = 20 * time.Millisecond

type worker struct {
	mu     sync.Mutex
	cancel context.CancelFunc // the run going on, nil when none

	dev     gpu.Device // opened for devKind on the first run
	devKind string
	devNote string
}

func runWorker() {
	w := &worker{}
	js.Global().Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		d := args[0].Get("data")
		switch d.Get("type").String() {
		case "run":
			b := bytesFromJS(d.Get("job"))
			go w.run(b)
		case "stop":
			w.mu.Lock()
			if w.cancel != nil {
				w.cancel()
			}
			w.mu.Unlock()
		}
		return nil
	}))
	postToPage(map[string]any{"type": "ready"})
	select {}
}

// run trains one job and posts its outcome; a panic becomes the run's
// error.
func (w *worker) run(b []byte) {
	ctx, cancel := context.WithCancel(context.Background())
	w.mu.Lock()
	w.cancel = cancel
	w.mu.Unlock()
	defer func() {
		cancel()
		w.mu.Lock()
		w.cancel = nil
		w.mu.Unlock()
	}()
	out := w.train(ctx, b)
	enc, err := encodeOutcome(out)
	if err != nil {
		enc, _ = encodeOutcome(&runOutcome{Err: err.Error()})
	}
	arr := bytesToJS(enc)
	postToPage(map[string]any{"type": "done", "outcome": arr}, arr.Get("buffer"))
}

func (w *worker) train(ctx context.Context, b []byte) (out *runOutcome) {
	defer func() {
		if r := recover(); r != nil {
			js.Global().Get("console").Call("error", fmt.Sprintf("nnlab training worker: %v\n%s", r, debug.Stack()))
			out = &runOutcome{Err: fmt.Sprintf("nnlab crashed while training: %v (see the console for details)", r)}
		}
	}()
	job, err := decodeJob(b)
	if err != nil {
		return &runOutcome{Err: err.Error()}
	}
	dev, note := w.device(job.Device)
	y := &yielder{Every: workerYieldEvery, Pause: browserTurn}
	if c, ok := dev.(*gpu.CPU[float32]); ok {
		c.Pause = y.Maybe // Stop reaches the evaluation after fit too
	}
	sink := &workerSink{}
	out = job.train(ctx, dev, sink, y.Maybe)
	sink.post(true) // the rest, before the outcome
	out.Yields, out.YieldSeconds, out.DeviceNote = y.Yields, y.Paused.Seconds(), note
	if g, ok := dev.(*gpu.WebGPU); ok && g.Lost() {
		// Fit went on in pure Go; later runs start there.
		w.dev, w.devNote = gpu.NewCPU(), deviceLostNote
		out.DeviceLost = true
	}
	return out
}

// device opens the device the menu's kind names, once; the same kind
// keeps the device (and a lost GPU's pure-Go replacement).
func (w *worker) device(kind string) (gpu.Device, string) {
	if w.dev != nil && kind == w.devKind {
		return w.dev, w.devNote
	}
	if w.dev != nil {
		w.dev.Close()
	}
	dev, note, err := openDevice(kind)
	if err != nil {
		dev, note = gpu.NewCPU(), fmt.Sprintf("device %q: %v; using the pure-Go device", kind, err)
	}
	w.dev, w.devKind, w.devNote = dev, kind, note
	return dev, note
}

// workerSink posts a run's progress to the page, at most every
// workerPostEvery: the plots' messages gathered since the last post and
// the latest status line, in one message. A weather epoch takes a few
// milliseconds; a message an epoch would keep the page decoding and
// falling behind the run, and its status line would lag the fit.
type workerSink struct {
	msgs []Msg
	line string // the latest status line
	last time.Time
}

const workerPostEvery = 50 * time.Millisecond

func (w *workerSink) status(s string) {
	w.line = s
	w.post(false)
}

func (w *workerSink) view(m Msg) {
	w.msgs = append(w.msgs, m)
	w.post(m.Kind == MsgRun)
}

// post sends what is gathered, when now or workerPostEvery has passed.
func (w *workerSink) post(now bool) {
	if !now && time.Since(w.last) < workerPostEvery {
		return
	}
	w.last = time.Now()
	if len(w.msgs) == 0 && w.line == "" {
		return
	}
	b, err := toGob(&progressPost{Msgs: w.msgs, Status: w.line})
	w.msgs, w.line = nil, ""
	if err != nil {
		js.Global().Get("console").Call("error", "nnlab training worker: "+err.Error())
		return
	}
	arr := bytesToJS(b)
	postToPage(map[string]any{"type": "progress", "post": arr}, arr.Get("buffer"))
}

// postToPage posts a message to the page, transferring the buffers.
func postToPage(m map[string]any, transfer ...js.Value) {
	list := make([]any, len(transfer))
	for i, t := range transfer {
		list[i] = t
	}
	js.Global().Call("postMessage", m, list)
}
