package modelfile

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"nnlab/nn"
)

// rezip returns a .keras file with config.json changed by edit.
func rezip(t *testing.T, k []byte, edit func(cfg map[string]any)) []byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(k), int64(len(k)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := zip.NewWriter(&out)
	for _, f := range z.File {
		r, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(r)
		data := b.Bytes()
		if f.Name == "config.json" {
			var cfg map[string]any
			json.Unmarshal(data, &cfg)
			edit(cfg)
			data, _ = json.Marshal(cfg)
		}
		fw, _ := w.Create(f.Name)
		fw.Write(data)
	}
	w.Close()
	return out.Bytes()
}

func layersOf(cfg map[string]any) []any { return cfg["config"].(map[string]any)["layers"].([]any) }
func layerCfg(cfg map[string]any, i int) map[string]any {
	return layersOf(cfg)[i].(map[string]any)["config"].(map[string]any)
}

// TestLoadErrors: what a learner may load by mistake gets a message that
// says what is wrong, never a crash.
func TestLoadErrors(t *testing.T) {
	m := weatherModel(t, 5)
	s, err := FromModel(m, weatherCompile, nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := WriteKeras(s)
	if err != nil {
		t.Fatal(err)
	}
	mj, _, err := WriteTFJS(s, TFJSWeights)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"a PNG", []byte("\x89PNG\r\n\x1a\n...."), "not a .keras file"},
		{"blank lines", []byte("\n\n"), "not a .keras file"},
		{"an HDF5 file", []byte("\x89HDF\r\n\x1a\n...."), "Keras 2 .h5"},
		{"a cut zip", k[:len(k)/2], "not a .keras file"},
		{"a zip without config", func() []byte {
			var b bytes.Buffer
			w := zip.NewWriter(&b)
			f, _ := w.Create("notes.txt")
			f.Write([]byte("hi"))
			w.Close()
			return b.Bytes()
		}(), "no config.json"},
		{"an LSTM", rezip(t, k, func(c map[string]any) { layersOf(c)[2].(map[string]any)["class_name"] = "LSTM" }), "LSTM is not one nnlab has"},
		{"a wrong units count", rezip(t, k, func(c map[string]any) { layerCfg(c, 2)["units"] = 99.0 }), "has shape [89 100] in the file, but the model needs [89 99]"},
		{"units not a number", rezip(t, k, func(c map[string]any) { layerCfg(c, 2)["units"] = "many" }), "units must be a whole number"},
		{"gelu", rezip(t, k, func(c map[string]any) { layerCfg(c, 2)["activation"] = "gelu" }), "activation gelu is not one nnlab has"},
		{"a branch", rezip(t, k, func(c map[string]any) {
			l := layersOf(c)[3].(map[string]any)
			l["inbound_nodes"] = []any{map[string]any{"args": []any{map[string]any{"config": map[string]any{"keras_history": []any{"input", 0, 0}}}}}}
		}), "nnlab runs chains of layers"},
		{"a model.json without weights", mj, "weights file group1-shard1of1.bin is missing"},
		{"a graph model", []byte(`{"format": "graph-model", "modelTopology": null}`), "graph model"},
	} {
		_, err := Load(c.data, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error saying %q", c.name, err, c.want)
		}
	}
}

// TestLoadDamaged flips bytes all over a .keras file: Load either fails or
// gives a model, never panics or hangs.
func TestLoadDamaged(t *testing.T) {
	m, err := nn.NewModel("small", nn.Input(4), nn.BatchNormalization(), nn.Dense(3, "relu"), nn.Dense(2, "softmax"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(nn.Adam(), nn.SparseCategoricalCrossentropy(false), nn.Accuracy()); err != nil {
		t.Fatal(err)
	}
	s, _ := FromModel(m, nil, nil)
	k, err := WriteKeras(s)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(k); i += 3 {
		b := bytes.Clone(k)
		b[i] ^= 0xff
		if got, err := Load(b, nil); err == nil {
			if bm, err := got.Build(nil); err == nil {
				bm.Release()
			}
		}
	}
}

// TestKerasSequential reads config.json as Keras 3 writes a Sequential
// model (keras.Sequential([keras.Input((4,)), Dense(3), ...])).
func TestKerasSequential(t *testing.T) {
	m, err := nn.NewModel("sequential", &nn.InputLayer{Shape: nn.Shape{4}, Name: "input_layer"}, nn.Dense(3, "relu"), nn.Dense(2, "softmax"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(nn.Adam(), nn.SparseCategoricalCrossentropy(false), nn.Accuracy()); err != nil {
		t.Fatal(err)
	}
	d := inputs(m, 3)
	want := predict(t, m, d)
	s, _ := FromModel(m, nil, nil)
	k, _ := WriteKeras(s)
	seq := rezip(t, k, func(c map[string]any) {
		c["class_name"], c["module"], c["registered_name"] = "Sequential", "keras", nil
		cfg := c["config"].(map[string]any)
		delete(cfg, "input_layers")
		delete(cfg, "output_layers")
		for _, l := range cfg["layers"].([]any) {
			l := l.(map[string]any)
			delete(l, "inbound_nodes")
			delete(l, "name")
		}
		cfg["build_input_shape"] = []any{nil, 4.0}
	})
	got, err := Load(seq, nil)
	if err != nil {
		t.Fatal(err)
	}
	bm, err := got.Build(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bm.Release()
	sameValues(t, "Sequential", predict(t, bm, d), want)
	if got.Compile != nil || DefaultCompile(bm).Loss.Name != "sparse_categorical_crossentropy" {
		t.Errorf("a model ending in softmax without compile_config: %+v, default %+v", got.Compile, DefaultCompile(bm))
	}
}
