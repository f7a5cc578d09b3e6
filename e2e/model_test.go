package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/lab"
	"nnlab/modelfile"
	"nnlab/nn"
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

// TestModelLoadCIFAR loads into the CIFAR-10 page a .keras file of the
// lesson's dropout CNN written by nnlab natively: the page evaluates it on
// its test images and predicts what the native model predicts for them.
func TestModelLoadCIFAR(t *testing.T) {
	t.Parallel()
	test, err := datasets.LoadCIFARFiles(filepath.Join(repoRoot, "dist", "data", "cifar10_test.bin"))
	if err != nil {
		t.Fatalf("%v (run ./build.sh)", err)
	}
	test = test.Head(min(1000, test.N)) // the page's default test n
	m, err := lab.CIFARModel(lab.CIFARConfig{Model: "dropout"})
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = 3
	if err := m.Compile(nn.Adam(), nn.SparseCategoricalCrossentropy(true), nn.Accuracy()); err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	logits, err := m.Predict(&nn.Data{XBytes: test.Pixels, Scale: 1 / 255.0, N: test.N}, 0)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i := 0; i < test.N; i++ {
		best := 0
		for j := range 10 {
			if logits[i*10+j] > logits[i*10+best] {
				best = j
			}
		}
		if best == int(test.Labels[i]) {
			correct++
		}
	}
	s, err := modelfile.FromModel(m, &modelfile.Compile{Optimizer: nn.Adam(), Loss: nn.SparseCategoricalCrossentropy(true), Metrics: []nn.Metric{nn.Accuracy()}}, &modelfile.Lesson{Name: "cifar"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := modelfile.WriteKeras(s)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cifar_model.keras")
	os.WriteFile(file, k, 0o644)

	p := newPage(t, false)
	p.open("lesson=cifar&device=cpu&plots=0")
	if st := p.waitStatus(stall, "ready", "error"); st != "ready" {
		t.Fatalf("status %q: %s", st, p.text("error-box"))
	}
	p.load(file)
	got := p.modelReport("loaded")
	if len(got.Predictions) != 10 {
		t.Fatalf("%d predictions", len(got.Predictions))
	}
	var scale, diff float64
	for i, row := range got.Predictions {
		for j, v := range row {
			want := float64(logits[i*10+j])
			scale = max(scale, math.Abs(want))
			diff = max(diff, math.Abs(float64(v)-want))
		}
	}
	t.Logf("CIFAR-10 model loaded in the page: max difference from native %.2g of the output scale; test accuracy %v (native %v)", diff/scale, got.Metrics["test_accuracy"], float64(correct)/float64(test.N))
	if diff > 1e-5*scale {
		t.Errorf("the page predicts %v, native nnlab %v", got.Predictions[0], logits[:10])
	}
	if a := got.Metrics["test_accuracy"]; math.Abs(a-float64(correct)/float64(test.N)) > 1.5/float64(test.N) {
		t.Errorf("the page's test accuracy %v, native %v", a, float64(correct)/float64(test.N))
	}
	if s := p.text("model-status"); !strings.Contains(s, "test accuracy") {
		t.Errorf("model status: %q", s)
	}
	// A CIFAR-10 model does not load into the weather lesson.
	p.open("lesson=weather&device=cpu&plots=0")
	p.waitStatus(stall, "ready")
	p.load(file)
	p.waitFor(stall, "the message about the lesson", `document.getElementById("error-box").textContent.includes("trained in the cifar lesson")`)
}

// TestModelPenguins is the penguins half of "a saved model downloads,
// loads back and predicts the same values": a model trained briefly in the
// penguins page downloads as .keras and for TF.js; the files are the
// lesson's Keras model (its last Dense a softmax, compiled with
// CategoricalCrossentropy(), the features and species in order); each
// loads back through "Load model" and gives the run's test accuracy and
// loss, the species' probabilities the trained model gave, and the test
// confusion matrix.
func TestModelPenguins(t *testing.T) {
	t.Parallel()
	p := newPage(t, false)
	dir := t.TempDir()
	r := p.train("lesson=penguins&epochs=20&device=cpu&plots=0&autorun=1", stall)
	trained := p.modelReport("trained")
	if len(trained.Predictions) != 10 || len(trained.Predictions[0]) != 3 {
		t.Fatalf("the trained model's report holds %d predictions: %+v", len(trained.Predictions), trained)
	}
	p.downloadsTo(dir)
	name := trained.Model
	check := func(what string, loaded modelReport) {
		t.Helper()
		samePredictions(t, what, loaded.Predictions, trained.Predictions)
		for _, k := range []string{"test_accuracy", "test_loss"} {
			if got, want := loaded.Metrics[k], num(t, r, "metrics", k); got != want {
				t.Errorf("%s: the loaded model's %s is %v, the run's %v", what, k, got, want)
			}
		}
		if s := p.text("model-status"); !strings.Contains(s, "on 69 test penguins") {
			t.Errorf("%s: model status %q", what, s)
		}
		// The confusion matrix's rows hold the 30 Adelie, 14 Chinstrap and
		// 25 Gentoo test penguins.
		sums := eval[[]float64](p, `[...document.querySelectorAll("#model-confusion tr")].slice(1).map(tr => [...tr.querySelectorAll("td")].reduce((s, td) => s + Number(td.textContent), 0))`)
		if fmt.Sprint(sums) != "[30 14 25]" {
			t.Errorf("%s: the confusion matrix's rows sum to %v, want [30 14 25]", what, sums)
		}
	}

	p.click("#download-keras")
	keras := filepath.Join(dir, name+".keras")
	p.waitFile(keras)
	b, err := os.ReadFile(keras)
	if err != nil {
		t.Fatal(err)
	}
	s, err := modelfile.Load(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := s.OutputActivation(); a != "softmax" || s.Compile == nil || s.Compile.Loss.Name != "categorical_crossentropy" || s.Compile.Loss.Kind != nn.CategoricalCrossentropy(false).Kind {
		t.Errorf("the downloaded model ends in %q, compiled with %+v: want the lesson's softmax and CategoricalCrossentropy()", a, s.Compile)
	}
	if l := s.Lesson; l == nil || l.Name != "penguins" || fmt.Sprint(l.Features) != fmt.Sprint(datasets.PenguinsMeasurements) || fmt.Sprint(l.Classes) != "[Adelie Chinstrap Gentoo]" {
		t.Errorf("the downloaded model's lesson: %+v", s.Lesson)
	}
	p.load(keras)
	check(".keras", p.modelReport("loaded"))
	eval[any](p, `window.scrollTo(0, document.documentElement.scrollHeight)`)
	p.screenshot("model_penguins_loaded")

	p.click("#download-tfjs")
	mj, bin := filepath.Join(dir, name+".json"), filepath.Join(dir, name+".weights.bin")
	p.waitFile(mj)
	p.waitFile(bin)
	eval[any](p, `document.getElementById("model-result").textContent = ""`)
	p.load(mj, bin)
	loaded := p.modelReport("loaded")
	if loaded.File != name+".json" {
		t.Errorf("TF.js: loaded %q", loaded.File)
	}
	check("TF.js", loaded)

	// A model nnlab trained natively on another split (train penguins
	// --test-size 0.3 --split-seed 7 --save): the page tests it on that
	// split's 103 test penguins, with the accuracy the native run had.
	cfg := lab.PenguinsConfig{Epochs: 10, TestSize: 0.3, SplitSeed: 7, Seed: 4, DataPath: filepath.Join(repoRoot, "dist", "data", "penguins.csv")}
	data, err := lab.LoadPenguinsData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var native *modelfile.Saved
	res, err := lab.RunPenguins(context.Background(), cfg, gpu.NewCPU(), data, lab.Hooks{Trained: func(m *nn.Model) {
		s, err := modelfile.FromModel(m, &modelfile.Compile{Optimizer: nn.Adam(), Loss: nn.CategoricalCrossentropy(false), Metrics: []nn.Metric{nn.Accuracy()}},
			&modelfile.Lesson{Name: "penguins", Features: data.Split.XTrain.Names, Classes: data.Prepared.Classes, TestSize: 0.3, SplitSeed: 7})
		if err == nil {
			native, err = s.WithOutputActivation("softmax")
		}
		if err != nil {
			t.Error(err)
		}
	}})
	if err != nil || native == nil {
		t.Fatalf("the native run: %v", err)
	}
	k, err := modelfile.WriteKeras(native)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "split7.keras")
	os.WriteFile(other, k, 0o644)
	eval[any](p, `document.getElementById("model-result").textContent = ""`)
	p.load(other)
	got := p.modelReport("loaded")
	if s := p.text("model-status"); !strings.Contains(s, "on 103 test penguins") {
		t.Errorf("a model of another split: model status %q", s)
	}
	if a, want := got.Metrics["test_accuracy"], res.Metrics["test_accuracy"]; math.Abs(a-want) > 1.5/103 {
		t.Errorf("a model of another split: the page's test accuracy %v, the native run's %v", a, want)
	}
	if l, want := got.Metrics["test_loss"], res.Metrics["test_loss"]; math.Abs(l-want) > 1e-4*max(1, want) {
		t.Errorf("a model of another split: the page's test loss %v, the native run's %v", l, want)
	}
	t.Logf("another split loaded: page accuracy %v loss %v; native %v %v", got.Metrics["test_accuracy"], got.Metrics["test_loss"], res.Metrics["test_accuracy"], res.Metrics["test_loss"])
}
