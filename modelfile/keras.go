package modelfile

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
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
// model's own (empty) vars, then layers/<name>/vars/<i> for every layer,
// the input layer's empty.
func weightsTree(s *Saved) *hdf5.Group {
	root := &hdf5.Group{}
	root.Group("vars")
	ls := root.Group("layers")
	in := s.Model.Input.Name
	if in == "" {
		in = "input_layer"
	}
	ls.Group(in).Group("vars")
	for i, l := range s.Model.Layers {
		vars := ls.Group(l.Name()).Group("vars")
		for j, p := range params(l) {
			vars.Add(strconv.Itoa(j), p.Shape, s.Weights[i][j])
		}
	}
	return root
}

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

// weightsFromTree finds each layer's variables in a Keras 3 weights file.
func weightsFromTree(m *nn.Model, root *hdf5.Group) ([][][]float32, error) {
	ws := make([][][]float32, len(m.Layers))
	for i, l := range m.Layers {
		ps := params(l)
		if len(ps) == 0 {
			continue
		}
		vars := findVars(root, l.Name())
		if vars == nil {
			return nil, fmt.Errorf("no weights for layer %s (expected the group layers/%s/vars)", l.Name(), l.Name())
		}
		for j, p := range ps {
			d := vars.Dataset(strconv.Itoa(j))
			if d == nil {
				return nil, fmt.Errorf("layer %s (%s) has %d weights, the file has %d at layers/%s/vars", l.Name(), l.Type(), len(ps), len(vars.Datasets), l.Name())
			}
			if !sameShape(d.Shape, p.Shape) {
				return nil, fmt.Errorf("layer %s's %s has shape %v in the file, but the model needs %v", l.Name(), p.Name, d.Shape, p.Shape)
			}
			ws[i] = append(ws[i], d.Data)
		}
		if len(vars.Datasets) > len(ps) {
			return nil, fmt.Errorf("layer %s (%s) has %d weights, the file has %d at layers/%s/vars", l.Name(), l.Type(), len(ps), len(vars.Datasets), l.Name())
		}
	}
	return ws, nil
}

// findVars finds a layer's vars group: layers/<name>/vars as Keras 3
// writes it, else a group of that name anywhere (older Keras 3 files
// nested some layers differently).
func findVars(root *hdf5.Group, name string) *hdf5.Group {
	if g := root.Lookup("layers/" + name + "/vars"); g != nil {
		return g
	}
	var found *hdf5.Group
	root.Walk(func(path string, g *hdf5.Group, _ *hdf5.Dataset) {
		if found == nil && g != nil && g.Name == name {
			found = g.Lookup("vars")
		}
	})
	return found
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
