package modelfile

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"nnlab/gpu"
	"nnlab/modelfile/hdf5"
	"nnlab/nn"
)

// weatherModel is the lesson's batch-norm model on 89 features, its
// weights drawn from seed and, for batch normalization, moving statistics
// far from their initial 0 and 1 (so that a swap of the four variables
// shows).
func weatherModel(t testing.TB, seed uint64) *nn.Model {
	t.Helper()
	m, err := nn.NewModel("model_batchnorm", &nn.InputLayer{Shape: nn.Shape{89}, Name: "input"},
		nn.BatchNormalization(), nn.Dense(100, "relu"), nn.Dropout(0.2), nn.Dense(50, "relu"), nn.Dense(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = seed
	if err := m.Compile(nn.Adam(), nn.MeanSquaredError, nn.RootMeanSquaredError()); err != nil {
		t.Fatal(err)
	}
	ws, _ := m.Weights()
	for j := range ws[0] {
		for k := range ws[0][j] {
			ws[0][j][k] = []float32{1.5, 0.25, 2, 3}[j] + float32(k%7)/10
		}
	}
	if err := m.SetWeights(ws); err != nil {
		t.Fatal(err)
	}
	return m
}

// cifarModel is the lesson's dropout CNN.
func cifarModel(t testing.TB, seed uint64) *nn.Model {
	t.Helper()
	c := func() nn.Layer { return nn.Conv2D(32, [2]int{3, 3}, "relu") }
	p := func() nn.Layer { return nn.MaxPooling2D([2]int{2, 2}) }
	m, err := nn.NewModel("cifar_model", nn.Input(32, 32, 3), c(), p(), c(), p(), c(), nn.Dropout(0.2), nn.Flatten(), nn.Dense(32, "relu"), nn.Dense(10, ""))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = seed
	if err := m.Compile(nn.Adam(), nn.SparseCategoricalCrossentropy(true), nn.Accuracy()); err != nil {
		t.Fatal(err)
	}
	return m
}

// namedModel has layers named by the learner, so that their names and
// saving_lib's paths (by class) differ: "hidden" is at layers/dense_1.
func namedModel(t testing.TB) *nn.Model {
	t.Helper()
	first, hidden, out := nn.Dense(8, "relu"), nn.Dense(6, "tanh"), nn.Dense(2, "")
	hidden.SetName("hidden")
	out.SetName("dense")
	first.SetName("first")
	m, err := nn.NewModel("named", &nn.InputLayer{Shape: nn.Shape{5}, Name: "features"}, first, nn.BatchNormalization(), hidden, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(nn.Adam(), nn.MeanSquaredError); err != nil {
		t.Fatal(err)
	}
	return m
}

// inputs are n samples for m, varied and reproducible.
func inputs(m *nn.Model, n int) *nn.Data {
	size := m.Input.Shape.Size()
	x := make([]float32, n*size)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*0.37)) * 2
	}
	return &nn.Data{X: x, N: n}
}

func predict(t testing.TB, m *nn.Model, d *nn.Data) []float32 {
	t.Helper()
	p, err := m.Predict(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sameValues(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: value %d is %g, want %g", what, i, got[i], want[i])
		}
	}
}

var weatherCompile = &Compile{Optimizer: nn.Adam(), Loss: nn.MeanSquaredError, Metrics: []nn.Metric{nn.RootMeanSquaredError()}}
var cifarCompile = &Compile{Optimizer: nn.Adam(), Loss: nn.SparseCategoricalCrossentropy(true), Metrics: []nn.Metric{nn.Accuracy()}}

// TestRoundTrip: a model saved in either format and loaded back predicts
// exactly the same values, has the same summary and keeps its compile
// settings and lesson.
func TestRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		m    *nn.Model
		cc   *Compile
	}{{"weather", weatherModel(t, 1), weatherCompile}, {"cifar", cifarModel(t, 2), cifarCompile}, {"named", namedModel(t), weatherCompile}} {
		d := inputs(c.m, 5)
		want := predict(t, c.m, d)
		lesson := &Lesson{Name: c.name, Years: 3, Targets: []string{"BASEL_sunshine"}}
		s, err := FromModel(c.m, c.cc, lesson)
		if err != nil {
			t.Fatal(err)
		}
		k, err := WriteKeras(s)
		if err != nil {
			t.Fatal(err)
		}
		mj, bin, err := WriteTFJS(s, TFJSWeights)
		if err != nil {
			t.Fatal(err)
		}
		for format, load := range map[string]func() (*Saved, error){
			"keras": func() (*Saved, error) { return Load(k, nil) },
			"tfjs": func() (*Saved, error) {
				return Load(mj, func(name string) ([]byte, error) {
					if name != TFJSWeights {
						return nil, fmt.Errorf("no file %s", name)
					}
					return bin, nil
				})
			},
		} {
			got, err := load()
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, format, err)
			}
			m, err := got.Build(gpu.NewCPU())
			if err != nil {
				t.Fatalf("%s %s: %v", c.name, format, err)
			}
			sameValues(t, c.name+" "+format, predict(t, m, d), want)
			if m.Summary() != c.m.Summary() {
				t.Errorf("%s %s: summary\n%s\nwant\n%s", c.name, format, m.Summary(), c.m.Summary())
			}
			if got.Compile == nil || got.Compile.Loss != c.cc.Loss || got.Compile.Optimizer != c.cc.Optimizer || len(got.Compile.Metrics) != 1 || got.Compile.Metrics[0].Name != c.cc.Metrics[0].Name {
				t.Errorf("%s %s: compile settings %+v, want %+v", c.name, format, got.Compile, c.cc)
			}
			if got.Lesson == nil || got.Lesson.Name != c.name || got.Lesson.Years != 3 {
				t.Errorf("%s %s: lesson %+v", c.name, format, got.Lesson)
			}
			m.Release()
		}
	}
}

// TestKerasLayout checks the .keras zip against what Keras 3's saving_lib
// writes: the three members, config.json's Functional model with Keras 3's
// layer configs, and the weights at layers/<name>/vars/<i> with Keras's
// shapes and batch normalization's variables in Keras's order.
func TestKerasLayout(t *testing.T) {
	m := weatherModel(t, 3)
	s, err := FromModel(m, weatherCompile, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := WriteKeras(s)
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		r, _ := f.Open()
		var buf bytes.Buffer
		buf.ReadFrom(r)
		files[f.Name] = buf.Bytes()
	}
	if len(files) != 3 || files["config.json"] == nil || files["metadata.json"] == nil || files["model.weights.h5"] == nil {
		t.Fatalf("zip members: %v", keys(files))
	}
	var cfg struct {
		ClassName string `json:"class_name"`
		Module    string `json:"module"`
		Config    struct {
			Layers []struct {
				ClassName string         `json:"class_name"`
				Name      string         `json:"name"`
				Config    map[string]any `json:"config"`
			} `json:"layers"`
			InputLayers  []any `json:"input_layers"`
			OutputLayers []any `json:"output_layers"`
		} `json:"config"`
		CompileConfig map[string]any `json:"compile_config"`
	}
	if err := json.Unmarshal(files["config.json"], &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.ClassName != "Functional" || cfg.Module != "keras.src.models.functional" {
		t.Errorf("model class %q module %q", cfg.ClassName, cfg.Module)
	}
	var classes []string
	for _, l := range cfg.Config.Layers {
		classes = append(classes, l.ClassName+":"+l.Name)
	}
	if got := strings.Join(classes, " "); got != "InputLayer:input BatchNormalization:batch_normalization Dense:dense Dropout:dropout Dense:dense_1 Dense:dense_2" {
		t.Errorf("layers: %s", got)
	}
	in := cfg.Config.Layers[0].Config
	if fmt.Sprint(in["batch_shape"]) != "[<nil> 89]" {
		t.Errorf("InputLayer batch_shape %v", in["batch_shape"])
	}
	bn := cfg.Config.Layers[1].Config
	if bn["momentum"] != 0.99 || bn["epsilon"] != 0.001 || bn["axis"] != float64(-1) {
		t.Errorf("BatchNormalization config %v", bn)
	}
	dense := cfg.Config.Layers[2].Config
	for _, k := range []string{"name", "trainable", "dtype", "units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint"} {
		if _, ok := dense[k]; !ok {
			t.Errorf("Dense config lacks %s (Keras 3's get_config has it)", k)
		}
	}
	if dense["units"] != float64(100) || dense["activation"] != "relu" {
		t.Errorf("Dense config %v", dense)
	}
	if fmt.Sprint(cfg.Config.InputLayers) != "[input 0 0]" || fmt.Sprint(cfg.Config.OutputLayers) != "[dense_2 0 0]" {
		t.Errorf("input_layers %v output_layers %v", cfg.Config.InputLayers, cfg.Config.OutputLayers)
	}
	if cfg.CompileConfig["loss"] != "mse" {
		t.Errorf("compile_config %v", cfg.CompileConfig)
	}
	tree, err := hdf5.Read(files["model.weights.h5"])
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	tree.Walk(func(p string, g *hdf5.Group, d *hdf5.Dataset) {
		if d != nil {
			p += fmt.Sprint(d.Shape)
		}
		paths = append(paths, p)
	})
	want := "layers layers/batch_normalization layers/batch_normalization/vars layers/batch_normalization/vars/0[89] layers/batch_normalization/vars/1[89] layers/batch_normalization/vars/2[89] layers/batch_normalization/vars/3[89] " +
		"layers/dense layers/dense/vars layers/dense/vars/0[89 100] layers/dense/vars/1[100] layers/dense_1 layers/dense_1/vars layers/dense_1/vars/0[100 50] layers/dense_1/vars/1[50] " +
		"layers/dense_2 layers/dense_2/vars layers/dense_2/vars/0[50 1] layers/dense_2/vars/1[1] layers/dropout layers/dropout/vars layers/input_layer layers/input_layer/vars vars"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("weights file:\n%s\nwant\n%s", got, want)
	}
	ws, _ := m.Weights()
	for j, name := range []string{"gamma", "beta", "moving_mean", "moving_variance"} {
		d := tree.Lookup("layers/batch_normalization/vars").Dataset(fmt.Sprint(j))
		sameValues(t, "batch_normalization "+name, d.Data, ws[0][j])
	}
}

// TestKerasPaths: saving_lib names a layer's group by its class, counted
// per class, whatever the layer's name.
func TestKerasPaths(t *testing.T) {
	if got := strings.Join(layerPaths(namedModel(t)), " "); got != "input_layer dense batch_normalization dense_1 dense_2" {
		t.Errorf("paths %s", got)
	}
	if got := strings.Join(layerPaths(cifarModel(t, 1)), " "); got != "input_layer conv2d max_pooling2d conv2d_1 max_pooling2d_1 conv2d_2 dropout flatten dense dense_1" {
		t.Errorf("paths %s", got)
	}
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestKeepTraining: a loaded model trains on from its weights (with a
// fresh optimizer: the files hold no optimizer state) and its loss falls.
func TestKeepTraining(t *testing.T) {
	m := weatherModel(t, 7)
	s, _ := FromModel(m, weatherCompile, nil)
	k, err := WriteKeras(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadKeras(k)
	if err != nil {
		t.Fatal(err)
	}
	lm, err := got.Build(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lm.Release()
	d := inputs(lm, 64)
	d.Y = make([]float32, d.N)
	for i := range d.Y {
		d.Y[i] = d.X[i*89] + 0.5*d.X[i*89+3]
	}
	before, err := lm.Evaluate(d, 32)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lm.Fit(d, nn.FitConfig{BatchSize: 16, Epochs: 20}); err != nil {
		t.Fatal(err)
	}
	after, err := lm.Evaluate(d, 32)
	if err != nil {
		t.Fatal(err)
	}
	if !(after["loss"] < before["loss"]/2) {
		t.Fatalf("training the loaded model took the loss from %g to %g", before["loss"], after["loss"])
	}
}
