package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// modelReport is #model-result (wasm/model_js.go).
type modelReport struct {
	Source      string             `json:"source"`
	File        string             `json:"file"`
	Model       string             `json:"model"`
	Metrics     map[string]float64 `json:"metrics"`
	Predictions [][]float32        `json:"predictions"`
}

// modelReport waits for #model-result to be from source and parses it.
func (p *page) modelReport(source string) modelReport {
	p.t.Helper()
	p.waitFor(stall, "the model report from "+source, fmt.Sprintf(`(document.getElementById("model-result").textContent || "").includes('"source": %q')`, source))
	var r modelReport
	if err := json.Unmarshal([]byte(p.text("model-result")), &r); err != nil {
		p.t.Fatalf("#model-result: %v: %.300q", err, p.text("model-result"))
	}
	return r
}

// downloadsTo makes the browser save downloads into dir under their names.
func (p *page) downloadsTo(dir string) {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		p.t.Fatalf("setting the download folder: %v", err)
	}
}

func (p *page) click(sel string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		p.t.Fatalf("clicking %s: %v", sel, err)
	}
}

// waitFile waits for a finished download: the file exists, is not empty
// and no partial download is left beside it. A download that never comes
// fails after stall (the page makes no progress while it waits).
func (p *page) waitFile(path string) {
	p.t.Helper()
	start := time.Now()
	for {
		st, err := os.Stat(path)
		partial, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.crdownload"))
		if err == nil && st.Size() > 0 && len(partial) == 0 {
			return
		}
		if time.Since(start) > stall {
			entries, _ := os.ReadDir(filepath.Dir(path))
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			p.t.Fatalf("no download %s after %v (the folder holds %v); model status %q, error box %q", path, stall, names, p.text("model-status"), p.text("error-box"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// load chooses files in "Load model".
func (p *page) load(files ...string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.SetUploadFiles(chromedp.ID("model-file"), files)); err != nil {
		p.t.Fatalf("choosing %v: %v", files, err)
	}
}

func samePredictions(t *testing.T, what string, got, want [][]float32) {
	t.Helper()
	if len(got) == 0 || len(got) != len(want) {
		t.Fatalf("%s: %d predictions, the trained model gave %d", what, len(got), len(want))
	}
	for i := range got {
		for j := range got[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("%s: prediction %d is %v, the trained model's %v", what, i, got[i], want[i])
			}
		}
	}
}

// TestModelDownloadLoad is issue 15's "a saved model downloads, loads back
// and predicts the same values": a weather model trained in the page
// downloads as .keras and for TF.js, each loads back through "Load model",
// and the loaded model gives the trained model's test RMSE and predictions.
// Files that are not models are messages on the page.
func TestModelDownloadLoad(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	dir := t.TempDir()
	r := p.train("lesson=weather&epochs=3&batch=32&device=cpu&plots=0&model="+jsQuery("BatchNormalization()\nDense(20, activation=\"relu\")\nDense(1)\n")+"&autorun=1", stall)
	trained := p.modelReport("trained")
	if len(trained.Predictions) != 10 {
		t.Fatalf("the trained model's report holds %d predictions: %+v", len(trained.Predictions), trained)
	}
	p.downloadsTo(dir)
	name := trained.Model

	p.click("#download-keras")
	keras := filepath.Join(dir, name+".keras")
	p.waitFile(keras)
	p.load(keras)
	loaded := p.modelReport("loaded")
	samePredictions(t, ".keras", loaded.Predictions, trained.Predictions)
	if got, want := loaded.Metrics["test_rmse"], num(t, r, "metrics", "test_rmse"); got != want {
		t.Errorf(".keras: the loaded model's test RMSE is %v, the run's %v", got, want)
	}
	if s := p.text("model-status"); !strings.Contains(s, "test RMSE") || !strings.Contains(s, name+".keras") {
		t.Errorf("model status after loading: %q", s)
	}
	eval[any](p, `window.scrollTo(0, document.documentElement.scrollHeight)`)
	p.screenshot("model_loaded")

	p.click("#download-tfjs")
	mj, bin := filepath.Join(dir, name+".json"), filepath.Join(dir, name+".weights.bin")
	p.waitFile(mj)
	p.waitFile(bin)
	// A model.json alone is a message naming its weights file.
	p.load(mj)
	p.waitFor(stall, "the message about the missing weights", `document.getElementById("error-box").textContent.includes("weights.bin")`)
	p.load(mj, bin)
	loaded = p.modelReport("loaded")
	if loaded.File != name+".json" {
		t.Errorf("TF.js: loaded %q", loaded.File)
	}
	samePredictions(t, "TF.js", loaded.Predictions, trained.Predictions)
	if got, want := loaded.Metrics["test_rmse"], num(t, r, "metrics", "test_rmse"); got != want {
		t.Errorf("TF.js: the loaded model's test RMSE is %v, the run's %v", got, want)
	}

	// Not a model: a message, and the page goes on.
	junk := filepath.Join(dir, "notes.keras")
	os.WriteFile(junk, []byte("these are my notes, not a model"), 0o644)
	p.load(junk)
	p.waitFor(stall, "the message about a file that is not a model", `document.getElementById("error-box").textContent.includes("not a .keras file")`)
	if s := p.status(); s != "done" {
		t.Errorf("after loading a wrong file the page's status is %q", s)
	}
}

// jsQuery is a query value, URL-encoded.
func jsQuery(s string) string {
	return strings.NewReplacer("%", "%25", "\n", "%0A", " ", "%20", "\"", "%22", "(", "%28", ")", "%29", ",", "%2C", "=", "%3D", "&", "%26", "+", "%2B").Replace(s)
}
