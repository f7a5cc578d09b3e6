package modelfile

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"nnlab/modelfile/hdf5"
	"nnlab/nn"
)

// KerasVersion is the Keras release whose .keras layout the files follow
// (metadata.json's keras_version).
const KerasVersion = "3.6.0"

// maxEntry bounds what one zip member may expand to (a CIFAR model's
// weights are a few MB; a zip bomb is refused, not unpacked).
const maxEntry = 512 << 20

// WriteKeras returns s as a .keras file.
func WriteKeras(s *Saved) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	top, err := topology(keras3, s.Model)
	if err != nil {
		return nil, err
	}
	if s.Compile != nil {
		top["compile_config"] = compileConfig(s.Compile)
	} else {
		top["compile_config"] = nil
	}
	config, err := json.Marshal(top)
	if err != nil {
		return nil, err
	}
	meta := obj{"keras_version": KerasVersion, "date_saved": time.Now().UTC().Format("2006-01-02@15:04:05")}
	if s.Lesson != nil {
		meta["nnlab"] = s.Lesson
	}
	metadata, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	weights, err := hdf5.Write(weightsTree(s))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{"metadata.json", metadata}, {"config.json", config}, {"model.weights.h5", weights}} {
		// Stored, not deflated, as Keras's saving_lib writes its zip.
		w, err := z.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store, Modified: time.Now()})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// weightsTree lays the weights out as Keras 3's saving_lib does: the
// model's own (empty) vars, then layers/<path>/vars/<i> for every layer of
// model.layers, the input layer's empty. saving_lib names a layer's path
// by its class, not its name (input_layer, dense, dense_1, ... counted per
// class in model.layers' order), so that the same model saved twice has
// the same paths: see layerPaths.
func weightsTree(s *Saved) *hdf5.Group {
	root := &hdf5.Group{}
	root.Group("vars")
	ls := root.Group("layers")
	paths := layerPaths(s.Model)
	ls.Group(paths[0]).Group("vars")
	for i, l := range s.Model.Layers {
		vars := ls.Group(paths[i+1]).Group("vars")
		for j, p := range params(l) {
			vars.Add(strconv.Itoa(j), p.Shape, s.Weights[i][j])
		}
	}
	return root
}

// layerPaths are the names saving_lib's _save_container_state gives the
// input layer and each layer: the class name in snake case, then _1, _2,
// ... for the next of the same class.
func layerPaths(m *nn.Model) []string {
	used := map[string]int{}
	name := func(class string) string {
		base := snakeCase(class)
		n, ok := used[base]
		if !ok {
			used[base] = 0
			return base
		}
		used[base] = n + 1
		return fmt.Sprintf("%s_%d", base, n+1)
	}
	paths := []string{name("InputLayer")}
	for _, l := range m.Layers {
		paths = append(paths, name(l.Type()))
	}
	return paths
}

// snakeCase is Keras's naming.to_snake_case: MaxPooling2D → max_pooling2d.
func snakeCase(s string) string {
	s = snakeA.ReplaceAllString(s, "${1}_${2}")
	return strings.ToLower(snakeB.ReplaceAllString(s, "${1}_${2}"))
}

var (
	snakeA = regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	snakeB = regexp.MustCompile(`([a-z])([A-Z])`)
)

// ReadKeras loads a .keras file: nnlab's, or Keras 3's for models whose
// layers nnlab has.
func ReadKeras(b []byte) (*Saved, error) {
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		if bytes.HasPrefix(b, []byte("\x89HDF")) {
			return nil, errors.New("modelfile: this is an HDF5 file, not a .keras zip: a Keras 2 .h5 model or a .weights.h5 file; save the model with model.save(\"name.keras\") in Keras 3")
		}
		if bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
			return nil, errors.New("modelfile: this is a JSON file, not a .keras zip: load a TF.js model.json together with its weights .bin")
		}
		return nil, errors.New("modelfile: not a .keras file (a .keras file is a zip holding config.json and model.weights.h5)")
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		switch f.Name {
		case "config.json", "metadata.json", "model.weights.h5":
		default:
			continue
		}
		if f.UncompressedSize64 > maxEntry {
			return nil, fmt.Errorf("modelfile: %s in the .keras file is %d MB, more than nnlab loads", f.Name, f.UncompressedSize64>>20)
		}
		r, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("modelfile: %s in the .keras file: %w", f.Name, err)
		}
		data, err := io.ReadAll(io.LimitReader(r, maxEntry+1))
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("modelfile: reading %s in the .keras file: %w", f.Name, err)
		}
		if len(data) > maxEntry {
			return nil, fmt.Errorf("modelfile: %s in the .keras file is larger than nnlab loads", f.Name)
		}
		files[f.Name] = data
	}
	for _, n := range []string{"config.json", "model.weights.h5"} {
		if files[n] == nil {
			return nil, fmt.Errorf("modelfile: the zip holds no %s: it is not a .keras model file (Keras 3's model.save(\"name.keras\") writes one)", n)
		}
	}
	var top obj
	if err := json.Unmarshal(files["config.json"], &top); err != nil {
		return nil, fmt.Errorf("modelfile: config.json is not JSON: %v", err)
	}
	m, err := fromTopology(top)
	if err != nil {
		return nil, fmt.Errorf("modelfile: config.json: %w", err)
	}
	tree, err := hdf5.Read(files["model.weights.h5"])
	if err != nil {
		return nil, fmt.Errorf("modelfile: model.weights.h5: %w", err)
	}
	ws, err := weightsFromTree(m, tree)
	if err != nil {
		return nil, fmt.Errorf("modelfile: model.weights.h5: %w", err)
	}
	s := &Saved{Model: m, Weights: ws, Compile: fromCompileConfig(top["compile_config"])}
	if md := files["metadata.json"]; md != nil {
		var meta struct {
			Nnlab *Lesson `json:"nnlab"`
		}
		if json.Unmarshal(md, &meta) == nil {
			s.Lesson = meta.Nnlab
		}
	}
	return s, nil
}

// weightsFromTree finds each layer's variables in a Keras 3 weights file,
// at the paths saving_lib gives them (layerPaths).
func weightsFromTree(m *nn.Model, root *hdf5.Group) ([][][]float32, error) {
	ws := make([][][]float32, len(m.Layers))
	paths := layerPaths(m)
	for i, l := range m.Layers {
		ps := params(l)
		if len(ps) == 0 {
			continue
		}
		at := "layers/" + paths[i+1] + "/vars"
		vars := root.Lookup(at)
		if vars == nil {
			return nil, fmt.Errorf("no weights for layer %s (%s): the file has no group %s", l.Name(), l.Type(), at)
		}
		if len(vars.Datasets) != len(ps) {
			return nil, fmt.Errorf("layer %s (%s) has %d weights, the file has %d at %s", l.Name(), l.Type(), len(ps), len(vars.Datasets), at)
		}
		for j, p := range ps {
			d := vars.Dataset(strconv.Itoa(j))
			if d == nil {
				return nil, fmt.Errorf("layer %s (%s): the file has no %s/%d", l.Name(), l.Type(), at, j)
			}
			if !sameShape(d.Shape, p.Shape) {
				return nil, fmt.Errorf("layer %s's %s has shape %v in the file, but the model needs %v", l.Name(), p.Name, d.Shape, p.Shape)
			}
			ws[i] = append(ws[i], d.Data)
		}
	}
	return ws, nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
