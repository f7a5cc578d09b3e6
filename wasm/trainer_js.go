//go:build js

package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall/js"
	"time"
)

// The page's side of the training worker (worker_js.go): it starts the
// worker with the module the page compiled, sends it each run's job and
// shows what it posts back. A browser without workers, a worker that does
// not start, or the link's worker=0 trains on the page's thread instead
// (yielding to stay live), and #trainer-note says why.

// workerStartGuard is how long the page waits for a starting worker
// before it trains on its own thread: instantiating the module takes a
// second or two; a worker that says nothing for this long is stuck.
const workerStartGuard = 90 * time.Second

// workerSilenceGuard is how long a running worker may send nothing, not
// even its heartbeat (every second), before the page takes it as gone: a
// worker the browser ended without an error event says nothing more.
const workerSilenceGuard = 30 * time.Second

type trainWorker struct {
	w     js.Value
	ready chan struct{} // closed when the worker can take a job

	mu      sync.Mutex
	failure error            // why the worker cannot train, once it cannot
	failed  chan struct{}    // closed with failure
	run     chan *runOutcome // the run going on's outcome, nil when none
	sink    pageSink
	heard   time.Time // the worker's last message
}

// startWorker starts the training worker; nil when this browser has none.
func startWorker(a *app) *trainWorker {
	mod := js.Global().Get("nnlabModule")
	if js.Global().Get("Worker").Type() != js.TypeFunction || mod.Type() != js.TypeObject {
		return nil
	}
	t := &trainWorker{ready: make(chan struct{}), failed: make(chan struct{}), sink: pageSink{a}}
	defer func() {
		if r := recover(); r != nil { // new Worker throws where workers are refused
			t.fail(fmt.Errorf("%v", r))
		}
	}()
	t.w = js.Global().Get("Worker").New("train-worker.js", map[string]any{"name": "nnlab-training"})
	t.w.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		t.message(args[0].Get("data"))
		return nil
	}))
	t.w.Set("onerror", js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		msg := "it failed"
		if m := e.Get("message"); m.Type() == js.TypeString && m.String() != "" {
			msg = m.String()
		}
		e.Call("preventDefault")
		t.fail(errors.New(msg))
		return nil
	}))
	// The module the page compiled: the worker instantiates it again
	// instead of downloading and compiling its own.
	var then js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		then.Release()
		t.w.Call("postMessage", map[string]any{"type": "start", "module": args[0], "base": document.Get("baseURI")})
		return nil
	})
	mod.Call("then", then)
	return t
}

func (t *trainWorker) message(d js.Value) {
	t.mu.Lock()
	t.heard = time.Now()
	t.mu.Unlock()
	switch d.Get("type").String() {
	case "ready":
		select {
		case <-t.ready: // said once already
		default:
			close(t.ready)
		}
	case "progress":
		p, err := decodeProgress(bytesFromJS(d.Get("post")))
		if err != nil {
			window.Get("console").Call("error", "nnlab: "+err.Error())
			return
		}
		t.sink.a.view.sendAll(p.Msgs)
		if p.Status != "" {
			t.sink.status(p.Status)
		}
	case "done":
		out, err := decodeOutcome(bytesFromJS(d.Get("outcome")))
		if err != nil {
			out = &runOutcome{Err: err.Error()}
		}
		t.mu.Lock()
		if t.run != nil {
			t.run <- out
		}
		t.mu.Unlock()
	case "error":
		t.fail(errors.New(d.Get("error").String()))
	case "exit":
		t.fail(errors.New("its program ended"))
	}
}

// fail records why the worker cannot train (the first reason), ends the
// run going on, stops the worker and tells the page.
func (t *trainWorker) fail(err error) {
	t.mu.Lock()
	if t.failure != nil {
		t.mu.Unlock()
		return
	}
	t.failure = err
	close(t.failed)
	if !t.w.IsUndefined() {
		t.w.Call("terminate")
	}
	t.mu.Unlock()
	t.sink.a.workerFailed(err)
}

// err is why the worker cannot train, or nil.
func (t *trainWorker) err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failure
}

// waitReady waits until the worker can take a job; false when it cannot.
func (t *trainWorker) waitReady() bool {
	select {
	case <-t.ready:
		return t.err() == nil
	case <-t.failed:
		return false
	case <-time.After(workerStartGuard):
		t.fail(fmt.Errorf("it did not start in %v", workerStartGuard))
		return false
	}
}

// train runs the job in the worker and waits for its outcome; Stop
// (ctx) is passed on, and the worker's end fails the run.
func (t *trainWorker) train(ctx context.Context, job *trainJob) (*runOutcome, error) {
	b, err := encodeJob(job)
	if err != nil {
		return nil, err
	}
	done := make(chan *runOutcome, 1)
	t.mu.Lock()
	t.run = done
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.run = nil
		t.mu.Unlock()
	}()
	arr := bytesToJS(b)
	t.mu.Lock()
	t.heard = time.Now()
	t.mu.Unlock()
	t.w.Call("postMessage", map[string]any{"type": "run", "job": arr}, []any{arr.Get("buffer")})
	stop := ctx.Done()
	check := time.NewTicker(time.Second)
	defer check.Stop()
	for {
		select {
		case out := <-done:
			return out, nil
		case <-t.failed:
			return nil, t.err()
		case <-stop:
			t.w.Call("postMessage", map[string]any{"type": "stop"})
			stop = nil
		case <-check.C:
			t.mu.Lock()
			quiet := time.Since(t.heard)
			t.mu.Unlock()
			if quiet > workerSilenceGuard {
				t.fail(fmt.Errorf("it has said nothing for %v", quiet.Round(time.Second)))
			}
		}
	}
}

// fit trains the job: in the training worker when there is one, else on
// the page's thread.
func (a *app) fit(ctx context.Context, job *trainJob) *runOutcome {
	if t := a.worker; t != nil && t.err() == nil {
		select {
		case <-t.ready:
		default:
			setText("run-status", "Starting the training worker…")
		}
		if t.waitReady() {
			out, err := t.train(ctx, job)
			if err == nil {
				if out.DeviceNote == "" {
					a.mu.Lock()
					out.DeviceNote = a.devNote
					a.mu.Unlock()
				}
				out.trainer = "worker"
				return out
			}
			return &runOutcome{Err: "the training worker stopped during the run (" + err.Error() + "); the next run trains on the page's thread", trainer: "worker"}
		}
	}
	a.mu.Lock()
	dev, note := a.dev, a.devNote
	a.mu.Unlock()
	a.devUse.Lock() // an estimate measuring now sees running and stops
	defer a.devUse.Unlock()
	out := job.train(ctx, dev, pageSink{a}, a.y.Maybe)
	out.Yields, out.YieldSeconds, out.DeviceNote, out.trainer = a.y.Yields, a.y.Paused.Seconds(), note, "page"
	return out
}

// workerFailed says in the page that runs train on its thread from now on.
func (a *app) workerFailed(err error) {
	a.mu.Lock()
	a.workerNote = fmt.Sprintf("training on the page's thread: the training worker failed (%v)", err)
	a.mu.Unlock()
	window.Get("console").Call("warn", "nnlab: "+a.workerNote)
	a.showTrainer()
}

// trainerName is where the next run trains: "worker" or "page".
func (a *app) trainerName() string {
	if a.worker != nil && a.worker.err() == nil {
		return "worker"
	}
	return "page"
}

// showTrainer shows where runs train: data-nnlab-trainer="worker" or
// "page" on <html>, and why on the page when the worker failed.
func (a *app) showTrainer() {
	a.mu.Lock()
	note := a.workerNote
	a.mu.Unlock()
	where := a.trainerName()
	document.Get("documentElement").Get("dataset").Set("nnlabTrainer", where)
	setText("trainer-note", note)
	setHidden("trainer-note", note == "")
}
