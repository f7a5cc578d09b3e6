package modelfile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// TFJSWeights is the weights file's name in a folder written for TF.js,
// as tensorflowjs_converter names its one shard.
const TFJSWeights = "group1-shard1of1.bin"

// WriteTFJS returns s as a TensorFlow.js layers model: model.json and the
// weights file it names weightsName, which go in one folder. (The page's
// downloads name them <model>.json and <model>.weights.bin, as TF.js's
// model.save("downloads://<model>") does.)
func WriteTFJS(s *Saved, weightsName string) (modelJSON, weights []byte, err error) {
	if err := s.check(); err != nil {
		return nil, nil, err
	}
	if weightsName == "" || strings.ContainsAny(weightsName, "/\\") {
		return nil, nil, fmt.Errorf("modelfile: %q cannot name the weights file (a file name, no folders)", weightsName)
	}
	top, err := topology(keras2, s.Model)
	if err != nil {
		return nil, nil, err
	}
	var manifest []any
	var bin []byte
	for i, l := range s.Model.Layers {
		for j, p := range params(l) {
			manifest = append(manifest, obj{"name": l.Name() + "/" + p.Name, "shape": p.Shape, "dtype": "float32"})
			for _, v := range s.Weights[i][j] {
				bin = binary.LittleEndian.AppendUint32(bin, math.Float32bits(v))
			}
		}
	}
	if manifest == nil {
		manifest = []any{}
	}
	doc := obj{
		"format":      "layers-model",
		"generatedBy": "nnlab",
		"convertedBy": nil,
		"modelTopology": obj{
			"keras_version": "nnlab (Keras 2 layers format)",
			"backend":       "tensor_flow.js",
			"model_config":  top,
		},
		"weightsManifest": []any{obj{"paths": []string{weightsName}, "weights": manifest}},
	}
	meta := obj{}
	if s.Lesson != nil {
		meta["nnlab"] = s.Lesson
	}
	if s.Compile != nil {
		meta["compile_config"] = compileConfig(s.Compile)
	}
	if len(meta) > 0 {
		doc["userDefinedMetadata"] = meta
	}
	modelJSON, err = json.MarshalIndent(doc, "", " ")
	return modelJSON, bin, err
}

// ReadTFJS loads a TF.js layers model from its model.json; file returns
// each weights file the manifest names (the .bin files beside it).
func ReadTFJS(modelJSON []byte, file func(name string) ([]byte, error)) (*Saved, error) {
	var doc struct {
		Format          string `json:"format"`
		ModelTopology   obj    `json:"modelTopology"`
		WeightsManifest []struct {
			Paths   []string `json:"paths"`
			Weights []struct {
				Name         string `json:"name"`
				Shape        []int  `json:"shape"`
				Dtype        string `json:"dtype"`
				Quantization any    `json:"quantization"`
			} `json:"weights"`
		} `json:"weightsManifest"`
		UserDefinedMetadata struct {
			Nnlab   *Lesson `json:"nnlab"`
			Compile any     `json:"compile_config"`
		} `json:"userDefinedMetadata"`
	}
	if bytes.HasPrefix(modelJSON, []byte("PK\x03\x04")) {
		return nil, errors.New("modelfile: this is a zip (a .keras file?), not a TF.js model.json")
	}
	if err := json.Unmarshal(modelJSON, &doc); err != nil {
		return nil, fmt.Errorf("modelfile: model.json is not a TF.js model: %v", err)
	}
	if doc.ModelTopology == nil {
		if doc.Format == "graph-model" {
			return nil, errors.New("modelfile: model.json is a TF.js graph model (a converted SavedModel): nnlab loads layers models (tf.loadLayersModel's format)")
		}
		return nil, errors.New("modelfile: model.json has no modelTopology: it is not a TF.js layers model")
	}
	m, err := fromTopology(doc.ModelTopology)
	if err != nil {
		return nil, fmt.Errorf("modelfile: model.json: %w", err)
	}
	// The shards of each group are one byte stream, in manifest order.
	values := map[string][]float32{}
	var order []string
	for _, g := range doc.WeightsManifest {
		var data []byte
		for _, p := range g.Paths {
			b, err := file(strings.TrimPrefix(p, "./"))
			if err != nil {
				return nil, fmt.Errorf("modelfile: model.json names the weights file %s: %w", p, err)
			}
			data = append(data, b...)
		}
		off := 0
		for _, w := range g.Weights {
			if w.Dtype != "float32" || w.Quantization != nil {
				return nil, fmt.Errorf("modelfile: weight %s is %s%s: nnlab loads float32 weights (convert without quantization)", w.Name, w.Dtype, map[bool]string{true: ", quantized", false: ""}[w.Quantization != nil])
			}
			n := 1
			for _, d := range w.Shape {
				if d < 0 || (d > 0 && n > math.MaxInt32/d) {
					return nil, fmt.Errorf("modelfile: weight %s has shape %v", w.Name, w.Shape)
				}
				n *= d
			}
			if len(data)-off < 4*n {
				return nil, fmt.Errorf("modelfile: the weights files end before weight %s (%d values): is a .bin file missing or cut short?", w.Name, n)
			}
			v := make([]float32, n)
			for i := range v {
				v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[off+4*i:]))
			}
			off += 4 * n
			values[w.Name] = v
			order = append(order, w.Name)
		}
		if off != len(data) {
			return nil, fmt.Errorf("modelfile: the weights files hold %d bytes more than model.json's manifest lists", len(data)-off)
		}
	}
	ws := make([][][]float32, len(m.Layers))
	next := 0 // TF.js files from other tools may name weights differently: then the manifest's order, which is the model's
	for i, l := range m.Layers {
		for _, p := range params(l) {
			name := l.Name() + "/" + p.Name
			v, ok := values[name]
			if !ok {
				if next >= len(order) {
					return nil, fmt.Errorf("modelfile: model.json's manifest has no weight %s", name)
				}
				v = values[order[next]]
			}
			next++
			if len(v) != p.Size() {
				return nil, fmt.Errorf("modelfile: weight %s has %d values, the model needs %v (%d)", name, len(v), p.Shape, p.Size())
			}
			ws[i] = append(ws[i], v)
		}
	}
	if next != len(order) {
		return nil, fmt.Errorf("modelfile: model.json's manifest lists %d weights, the model has %d", len(order), next)
	}
	return &Saved{Model: m, Weights: ws, Compile: fromCompileConfig(doc.UserDefinedMetadata.Compile), Lesson: doc.UserDefinedMetadata.Nnlab}, nil
}
