package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The training worker: runs train in a dedicated worker, the page answers
// input while they do, Stop reaches the worker, and a page without a
// working worker trains on its own thread and says so.

// TestWorkerTrains checks that a run trains in the worker (the result and
// <html data-nnlab-trainer> say so) and gives the lesson's numbers, the
// same as on the page's thread with the same seed: the job and its outcome
// cross to the worker and back intact.
func TestWorkerTrains(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	const q = "lesson=weather&epochs=3&batch=32&device=cpu&seed=7&autorun=1"
	w := p.train(q, stall)
	if w["trainer"] != "worker" || p.dataset("nnlabTrainer") != "worker" {
		t.Fatalf("trainer %v, data-nnlab-trainer %q; want the worker", w["trainer"], p.dataset("nnlabTrainer"))
	}
	pg := p.train(q+"&worker=0", stall)
	if pg["trainer"] != "page" || p.dataset("nnlabTrainer") != "page" {
		t.Fatalf("with worker=0: trainer %v, data-nnlab-trainer %q; want the page", pg["trainer"], p.dataset("nnlabTrainer"))
	}
	for _, k := range []string{"train_rmse", "val_rmse", "test_rmse", "baseline_test_rmse"} {
		if a, b := num(t, w, "metrics", k), num(t, pg, "metrics", k); a != b {
			t.Errorf("%s: %v in the worker, %v on the page's thread (same seed)", k, a, b)
		}
	}
	if a, b := fmt.Sprint(w["history"]), fmt.Sprint(pg["history"]); a != b {
		t.Errorf("history in the worker %s, on the page %s", a, b)
	}
	// What the page keeps of the worker's model: the downloads and the
	// trained model's predictions.
	p.train(q, stall)
	if d := eval[bool](p, `document.getElementById("download-keras").disabled`); d {
		t.Error("the trained model's download is off after a run in the worker")
	}
	if s := p.text("model-result"); !strings.Contains(s, `"source": "trained"`) || !strings.Contains(s, `"predictions"`) {
		t.Errorf("#model-result after a run in the worker: %.300s", s)
	}
}

// TestWorkerClickLatency measures how long a click waits for the page
// while the CIFAR-10 model trains on the pure-Go device: the time from
// the input's event to its handler (event.timeStamp to performance.now()),
// for clicks a few hundred milliseconds apart during the fit. With the
// training worker the page's thread is idle; the bar is the median under
// 100 ms (the page used to train on its thread and yield every 30 ms).
func TestWorkerClickLatency(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	p.open("lesson=cifar&preset=dropout&n=2000&test_n=100&epochs=3&device=cpu&autorun=1")
	p.waitFor(stall, "training to start", `document.documentElement.dataset.nnlabStatus === "training" && /Epoch \d/.test(document.getElementById("run-status").textContent)`)
	if w := p.dataset("nnlabTrainer"); w != "worker" {
		t.Fatalf("data-nnlab-trainer %q: the run is not in the worker (trainer note %q)", w, p.text("trainer-note"))
	}
	eval[bool](p, `(() => {
		window.nnlabClicks = [];
		document.getElementById("lesson-title").addEventListener("click", (e) => {
			window.nnlabClicks.push(performance.now() - e.timeStamp);
		});
		return true })()`)
	box := eval[[]float64](p, `(() => { const r = document.getElementById("lesson-title").getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2] })()`)
	x, y := box[0], box[1]
	var rtts []float64
	const clicks = 15
	for i := 0; i < clicks && p.status() == "training"; i++ {
		start := time.Now()
		for _, typ := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
			if _, err := chromedp.Call(p.ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, ClickCount: 1}); err != nil {
				t.Fatal(err)
			}
		}
		rtts = append(rtts, float64(time.Since(start).Microseconds())/1000)
		time.Sleep(300 * time.Millisecond)
	}
	lat := eval[[]float64](p, `window.nnlabClicks`)
	still := p.status() == "training"
	p.click("#stop")
	p.waitStatus(stall, "stopped", "done", "error")
	if len(lat) < 5 {
		t.Fatalf("only %d clicks were handled during the fit (%d sent; still training after them: %v): a test of the page while it trains needs more", len(lat), len(rtts), still)
	}
	if !still {
		t.Logf("the fit ended during the clicks; %d were measured while it ran", len(lat))
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	med := s[len(s)/2]
	t.Logf("click latency during a CIFAR-10 fit in the worker, %d clicks: median %.1f ms, max %.1f ms (event to handler); the clicks' round trips through DevTools %v ms",
		len(s), med, s[len(s)-1], rtts)
	if med >= 100 {
		t.Errorf("median click latency %.1f ms while training, want < 100 ms (all: %v)", med, s)
	}
}

// TestWorkerStop checks that Stop reaches a run in the worker promptly:
// the run stops with the weights it has, and the page says so.
func TestWorkerStop(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	p.open("lesson=cifar&preset=dropout&n=2000&test_n=100&epochs=20&device=cpu&autorun=1")
	p.waitFor(stall, "the first epoch to end", `/Epoch [2-9]\/20/.test(document.getElementById("run-status").textContent)`)
	p.click("#stop")
	if s := p.waitStatus(stall, "stopped", "done", "error"); s != "stopped" {
		t.Fatalf("status %q after Stop; error box %q", s, p.text("error-box"))
	}
	r := p.result()
	if r["trainer"] != "worker" || r["stopped"] != true {
		t.Fatalf("trainer %v, stopped %v", r["trainer"], r["stopped"])
	}
	if n := num(t, r, "epochs_run"); n < 1 || n >= 20 {
		t.Errorf("epochs_run %v after Stop in epoch 2 or later", n)
	}
}

// TestWorkerBroken gives the page a worker whose script fails: the run
// trains on the page's thread, and the page says why.
func TestWorkerBroken(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	broken := `(() => {
		const Orig = window.Worker;
		window.Worker = function (url, opts) {
			const src = URL.createObjectURL(new Blob(["throw new Error('a broken worker script')"], { type: "text/javascript" }));
			return new Orig(src, opts);
		};
	})();`
	if _, err := chromedp.Call(p.ctx, cdpage.AddScriptToEvaluateOnNewDocument, cdpage.AddScriptToEvaluateOnNewDocumentParams{Source: broken}); err != nil {
		t.Fatal(err)
	}
	r := p.train("lesson=weather&epochs=2&batch=32&device=cpu&autorun=1", stall)
	if r["trainer"] != "page" || p.dataset("nnlabTrainer") != "page" {
		t.Errorf("trainer %v, data-nnlab-trainer %q with a broken worker; want page", r["trainer"], p.dataset("nnlabTrainer"))
	}
	if note := p.text("trainer-note"); !strings.Contains(note, "page's thread") || !strings.Contains(note, "failed") {
		t.Errorf("trainer note %q, want it to say the run trains on the page's thread, and why", note)
	}
	if n := num(t, r, "epochs_run"); n != 2 {
		t.Errorf("epochs_run %v, want 2", n)
	}
}

// dataset is a data attribute of <html> (camelCase), or "".
func (p *page) dataset(key string) string {
	return eval[string](p, fmt.Sprintf(`document.documentElement.dataset[%q] || ""`, key))
}

// TestWorkerEndsMidRun makes the worker end during a run: its program
// ends (as a fatal error in it would, which the bootstrap reports), or it
// goes silent (as a worker the browser ends without an error event; the
// page notices when its heartbeat stops). The run fails with a message
// that says so, the page says runs train on its thread from now on, and
// the next run does, to the end.
func TestWorkerEndsMidRun(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, end string }{
		{"exit", "postMessage({ type: 'exit' }); self.close();"},
		{"silent", "self.close();"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := newPage(t, false)
			// The worker's script runs behind a prelude that ends the
			// worker once a run has started.
			ends := `(() => {
				const Orig = window.Worker;
				window.Worker = function (url, opts) {
					const src = "self.addEventListener('message', (e) => { if (e.data && e.data.type === 'run') " +
						"setTimeout(() => { ` + c.end + ` }, 300); });" +
						"importScripts(" + JSON.stringify(new URL(url, document.baseURI).href) + ");";
					return new Orig(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), opts);
				};
			})();`
			if _, err := chromedp.Call(p.ctx, cdpage.AddScriptToEvaluateOnNewDocument, cdpage.AddScriptToEvaluateOnNewDocumentParams{Source: ends}); err != nil {
				t.Fatal(err)
			}
			p.open("lesson=weather&epochs=50000&batch=32&device=cpu&autorun=1")
			if s := p.waitStatus(stall, "error", "done", "stopped"); s != "error" {
				t.Fatalf("status %q after the worker ended mid-run, want error", s)
			}
			if msg := p.text("error-box"); !strings.Contains(msg, "training worker stopped during the run") || !strings.Contains(msg, "page's thread") {
				t.Errorf("error box %q: want it to say the worker stopped and where the next run trains", msg)
			}
			if note := p.text("trainer-note"); !strings.Contains(note, "page's thread") {
				t.Errorf("trainer note %q", note)
			}
			// The click's handler runs in a goroutine: the status is cleared
			// first, so that the wait sees this run's end, not the last
			// run's error.
			eval[bool](p, `(() => { document.documentElement.dataset.nnlabStatus = ""; document.getElementById("epochs").value = "2";
				document.getElementById("train").click(); return true })()`)
			if s := p.waitStatus(stall, "done", "error", "stopped"); s != "done" {
				t.Fatalf("the next run: status %q, error box %q", s, p.text("error-box"))
			}
			if r := p.result(); r["trainer"] != "page" || num(t, r, "epochs_run") != 2 {
				t.Errorf("the next run: trainer %v, epochs_run %v; want page, 2", r["trainer"], r["epochs_run"])
			}
		})
	}
}
