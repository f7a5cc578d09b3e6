package modelfile

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"nnlab/nn"
)

// The real readers: TF.js in Node (in CI, where .ci/run installs it) and
// h5py with numpy (a developer check: Debian's python3-h5py).

// node finds node and the test's @tensorflow/tfjs, or skips; with
// NNLAB_REQUIRE_TFJS=1 (CI) their absence fails the test.
func node(t *testing.T) (nodePath, dir string) {
	t.Helper()
	dir, _ = filepath.Abs(filepath.Join("testdata", "tfjs"))
	n, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "no node on PATH"
	default:
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "@tensorflow", "tfjs")); err != nil {
			missing = "no @tensorflow/tfjs in modelfile/testdata/tfjs (run: cd modelfile/testdata/tfjs && npm ci)"
		}
	}
	if missing != "" {
		if os.Getenv("NNLAB_REQUIRE_TFJS") == "1" {
			t.Fatalf("NNLAB_REQUIRE_TFJS=1 and %s", missing)
		}
		t.Skip(missing + ": the check against TF.js is skipped")
	}
	return n, dir
}

// maxRelDiff is the largest |a-b| over the largest |b|: the difference
// relative to the output scale.
func maxRelDiff(a, b []float32) float64 {
	var d, scale float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
		scale = math.Max(scale, math.Abs(float64(b[i])))
	}
	return d / math.Max(scale, 1e-30)
}

// TestTFJSReadsExport: the real @tensorflow/tfjs loads the TF.js export of
// the weather model with batch normalization, of the lesson's CIFAR CNN
// and of the penguins model (saved with its softmax) with
// tf.loadLayersModel and predicts what nnlab predicts.
func TestTFJSReadsExport(t *testing.T) {
	nodeBin, script := node(t)
	dir := t.TempDir()
	penguins, _ := penguinsModel(t, 13)
	models := map[string]*nn.Model{"weather": weatherModel(t, 11), "cifar": cifarModel(t, 12), "penguins": penguins}
	compiles := map[string]*Compile{"weather": weatherCompile, "cifar": cifarCompile,
		"penguins": {Optimizer: nn.Adam(), Loss: nn.CategoricalCrossentropy(false), Metrics: []nn.Metric{nn.Accuracy()}}}
	want := map[string][]float32{}
	for name, m := range models {
		d := inputs(m, 7)
		want[name] = predict(t, m, d)
		s, err := FromModel(m, compiles[name], &Lesson{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		mj, bin, err := WriteTFJS(s, TFJSWeights)
		if err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, name)
		os.MkdirAll(sub, 0o755)
		shape := append([]int{d.N}, m.Input.Shape...)
		in, _ := json.Marshal(map[string]any{"shape": shape, "data": d.X})
		for f, b := range map[string][]byte{"model.json": mj, TFJSWeights: bin, "inputs.json": in} {
			if err := os.WriteFile(filepath.Join(sub, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command(nodeBin, filepath.Join(script, "check.js"), dir, "weather", "cifar", "penguins")
	cmd.Stderr = &testWriter{t}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node check.js: %v", err)
	}
	var got map[string]struct {
		Shape   []int     `json:"shape"`
		Data    []float32 `json:"data"`
		Backend string    `json:"backend"`
		Layers  []string  `json:"layers"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node's output %q: %v", out, err)
	}
	for name := range models {
		g := got[name]
		if len(g.Data) != len(want[name]) {
			t.Fatalf("%s: TF.js gave %d values (shape %v), nnlab %d", name, len(g.Data), g.Shape, len(want[name]))
		}
		rel := maxRelDiff(g.Data, want[name])
		t.Logf("%s: TF.js (%s backend, layers %v) vs nnlab: max abs difference %.2g of the output scale", name, g.Backend, g.Layers, rel)
		if rel > 1e-5 {
			t.Errorf("%s: TF.js predicts %v, nnlab %v: max difference %.3g of the output scale, more than 1e-5", name, g.Data[:min(10, len(g.Data))], want[name][:min(10, len(want[name]))], rel)
		}
		// What TF.js wrote back loads in nnlab and predicts the same.
		saved := filepath.Join(dir, name, "saved-by-tfjs")
		mj, err := os.ReadFile(filepath.Join(saved, "model.json"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ReadTFJS(mj, func(f string) ([]byte, error) { return os.ReadFile(filepath.Join(saved, f)) })
		if err != nil {
			t.Fatalf("%s: reading the model TF.js saved: %v", name, err)
		}
		m, err := s.Build(nil)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			GeneratedBy   string `json:"generatedBy"`
			ModelTopology struct {
				ClassName string `json:"class_name"`
			} `json:"modelTopology"`
		}
		json.Unmarshal(mj, &doc)
		t.Logf("%s: TF.js saved it back (%s, class %s); nnlab reads it", name, doc.GeneratedBy, doc.ModelTopology.ClassName)
		sameValues(t, name+" saved by TF.js", predict(t, m, inputs(m, 7)), want[name])
		m.Release()
	}
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("node: %s", p)
	return len(p), nil
}

// python finds a Python 3 with h5py and numpy, or skips: a developer
// check (Debian's python3-h5py python3-numpy), not installed in CI.
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			if exec.Command(path, "-c", "import h5py, numpy").Run() == nil {
				return path
			}
		}
	}
	t.Skip("no python3 with h5py and numpy (apt-get install python3-h5py python3-numpy): the check of the .keras file with h5py is skipped")
	return ""
}

// TestH5pyReadsKeras: h5py (libhdf5) opens the .keras file's weights, the
// group and dataset names and shapes are those Keras 3 derives from
// config.json, and a numpy forward pass over them predicts what nnlab
// does, for the weather model with batch normalization, the CIFAR CNN and
// the penguins model saved with its softmax.
func TestH5pyReadsKeras(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	penguins, _ := penguinsModel(t, 23)
	for name, m := range map[string]*nn.Model{"weather": weatherModel(t, 21), "cifar": cifarModel(t, 22), "named": namedModel(t), "penguins": penguins} {
		d := inputs(m, 4)
		want := predict(t, m, d)
		s, err := FromModel(m, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		k, err := WriteKeras(s)
		if err != nil {
			t.Fatal(err)
		}
		kp, ip := filepath.Join(dir, name+".keras"), filepath.Join(dir, name+".json")
		in, _ := json.Marshal(map[string]any{"shape": append([]int{d.N}, m.Input.Shape...), "data": d.X})
		os.WriteFile(kp, k, 0o644)
		os.WriteFile(ip, in, 0o644)
		rp := filepath.Join(dir, name+"-h5py.keras")
		cmd := exec.Command(py, filepath.Join("testdata", "keras_layout.py"), kp, ip, rp)
		cmd.Stderr = &testWriter{t}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: keras_layout.py: %v", name, err)
		}
		var got struct{ Data []float32 }
		if err := json.Unmarshal(out, &got); err != nil || len(got.Data) != len(want) {
			t.Fatalf("%s: keras_layout.py printed %q (%v)", name, out, err)
		}
		rel := maxRelDiff(got.Data, want)
		t.Logf("%s: h5py found Keras 3's layout; numpy forward pass vs nnlab: max difference %.2g of the output scale", name, rel)
		if rel > 1e-5 {
			t.Errorf("%s: numpy predicts %v, nnlab %v", name, got.Data, want)
		}
		// The same model with its weights written by libhdf5 (h5py's
		// default format, as Keras writes) loads and predicts the same.
		b, err := os.ReadFile(rp)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := ReadKeras(b)
		if err != nil {
			t.Fatalf("%s: reading the .keras file h5py wrote: %v", name, err)
		}
		m2, err := s2.Build(nil)
		if err != nil {
			t.Fatal(err)
		}
		sameValues(t, name+" from h5py's file", predict(t, m2, d), want)
		m2.Release()
	}
}
