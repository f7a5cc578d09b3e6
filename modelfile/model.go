// Package modelfile saves a trained nnlab model in the two formats a
// learner takes elsewhere, and loads either back:
//
//   - Keras 3's .keras file (keras.models.load_model reads it): a zip of
//     config.json (the model as keras.saving.serialize_keras_object writes
//     a Functional model, layer configs with Keras 3's keys and defaults,
//     and compile_config), metadata.json and model.weights.h5, the weights
//     at layers/<layer name>/vars/<i> in each layer's variable order
//     (BatchNormalization: gamma, beta, moving_mean, moving_variance), as
//     saving_lib writes them. The HDF5 is written in memory by package
//     modelfile/hdf5, so the page can write it too.
//   - TensorFlow.js's layers model (tf.loadLayersModel reads it): model.json
//     with the Keras 2 topology TF.js speaks and a weights manifest, and one
//     weights .bin of little-endian float32 values.
//
// A file holds the weights, the model's compile settings and, in nnlab's
// own files, which lesson data it was trained on; it does not hold the
// optimizer's state (Adam's moments), so training a loaded model goes on
// from its weights with a fresh optimizer, as Keras does when a file has
// no optimizer variables. Loading reads nnlab's files and Keras-written
// ones whose layers are ones nnlab has (Sequential or a chain of layers in
// the functional API); anything else is an error naming the layer and the
// setting.
package modelfile

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"nnlab/gpu"
	"nnlab/nn"
)

// Saved is what a model file holds.
type Saved struct {
	Model   *nn.Model     // built (layers named, shapes known); no device
	Weights [][][]float32 // in Model.Weights' layout
	Compile *Compile      // nil: the file does not say how it was compiled
	Lesson  *Lesson       // nil: not an nnlab file, or it does not say
}

// Compile is model.compile's settings.
type Compile struct {
	Optimizer nn.Optimizer
	Loss      nn.Loss
	Metrics   []nn.Metric
}

// Lesson says which lesson data a model was trained on, so that evaluate
// and predict know the features (nnlab's own field of metadata.json, and of
// model.json's userDefinedMetadata).
type Lesson struct {
	Name     string   `json:"lesson"`             // weather, cifar, penguins
	Years    float64  `json:"years,omitempty"`    // weather: nr_rows = 365*years
	Station  string   `json:"station,omitempty"`  // weather: one station's features
	Targets  []string `json:"targets,omitempty"`  // weather: the predicted columns
	Features []string `json:"features,omitempty"` // the input columns, in order
	Classes  []string `json:"classes,omitempty"`  // classification: the class names
	// penguins: train_test_split's test_size and random_state, so that
	// evaluate tests the model on the penguins it was not trained on.
	TestSize  float64 `json:"test_size,omitempty"`
	SplitSeed uint32  `json:"split_seed,omitempty"`
}

// FromModel reads a compiled (or at least placed) model's weights into a
// Saved.
func FromModel(m *nn.Model, c *Compile, l *Lesson) (*Saved, error) {
	ws, err := m.Weights()
	if err != nil {
		return nil, err
	}
	for i, layer := range ws {
		for j, w := range layer {
			for _, v := range w {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return nil, fmt.Errorf("modelfile: %s's weight %d holds NaN or infinity (training diverged): nothing to save", m.Layers[i].Name(), j)
				}
			}
		}
	}
	return &Saved{Model: m, Weights: ws, Compile: c, Lesson: l}, nil
}

// Build puts the loaded model on dev with its weights, compiled with the
// file's settings (or, when the file has none, Adam and a loss that fits
// the output: mse, or sparse categorical cross-entropy from logits for
// more than one output), ready to predict, evaluate or train on.
func (s *Saved) Build(dev gpu.Device) (*nn.Model, error) {
	m := s.Model
	if dev == nil {
		dev = gpu.NewCPU()
	}
	if err := m.SetDevice(dev); err != nil {
		return nil, err
	}
	c := s.Compile
	if c == nil {
		c = DefaultCompile(m)
	}
	if err := m.Compile(c.Optimizer, c.Loss, c.Metrics...); err != nil {
		// A file's loss that does not fit its model (a Keras file of
		// another task): predict still works with a loss that fits.
		d := DefaultCompile(m)
		if err2 := m.Compile(d.Optimizer, d.Loss, d.Metrics...); err2 != nil {
			m.Release()
			return nil, fmt.Errorf("modelfile: compiling the loaded model: %w", err)
		}
	}
	if err := m.SetWeights(s.Weights); err != nil {
		m.Release()
		return nil, fmt.Errorf("modelfile: %w", err)
	}
	return m, nil
}

// DefaultCompile is what Build compiles a model with when its file does
// not say: a model ending in softmax classifies, any other regresses.
func DefaultCompile(m *nn.Model) *Compile {
	if out := m.OutputShape(); len(out) == 1 && out[0] > 1 && lastActivation(m) == "softmax" {
		return &Compile{Optimizer: nn.Adam(), Loss: nn.SparseCategoricalCrossentropy(false), Metrics: []nn.Metric{nn.Accuracy()}}
	}
	return &Compile{Optimizer: nn.Adam(), Loss: nn.MeanSquaredError, Metrics: []nn.Metric{nn.RootMeanSquaredError()}}
}

// lastActivation is "softmax" when the model ends in a softmax, "logits"
// when it ends in a linear Dense, "" otherwise.
func lastActivation(m *nn.Model) string {
	switch l := m.Layers[len(m.Layers)-1].(type) {
	case *nn.DenseLayer:
		if actName(l.Activation) == "softmax" {
			return "softmax"
		}
		if actName(l.Activation) == "linear" {
			return "logits"
		}
	case *nn.ActivationLayer:
		if actName(l.Activation) == "softmax" {
			return "softmax"
		}
	}
	return ""
}

// check makes sure the weights fit the model before they are written.
func (s *Saved) check() error {
	if s == nil || s.Model == nil {
		return errors.New("modelfile: no model to save")
	}
	if len(s.Weights) != len(s.Model.Layers) {
		return fmt.Errorf("modelfile: %d layers of weights for %d layers", len(s.Weights), len(s.Model.Layers))
	}
	for i, l := range s.Model.Layers {
		ps := params(l)
		if len(ps) != len(s.Weights[i]) {
			return fmt.Errorf("modelfile: layer %s has %d weights, got %d", l.Name(), len(ps), len(s.Weights[i]))
		}
		for j, p := range ps {
			if len(s.Weights[i][j]) != p.Size() {
				return fmt.Errorf("modelfile: %s/%s has %d values, got %d", l.Name(), p.Name, p.Size(), len(s.Weights[i][j]))
			}
		}
	}
	return nil
}

func params(l nn.Layer) []*nn.Param {
	if p, ok := l.(interface{ Params() []*nn.Param }); ok {
		return p.Params()
	}
	return nil
}

func outShape(l nn.Layer) nn.Shape {
	if p, ok := l.(interface{ OutputShape() nn.Shape }); ok {
		return p.OutputShape()
	}
	return nil
}

// batchShape is a sample shape with Keras's batch axis in front: [null, 89].
func batchShape(s nn.Shape) []any {
	out := []any{nil}
	for _, d := range s {
		out = append(out, d)
	}
	return out
}

// Load reads a model file of either format, told apart by its first
// bytes: a zip is a .keras file, JSON a TF.js model.json whose weights
// files file returns (it may be nil for a .keras file).
func Load(data []byte, file func(name string) ([]byte, error)) (*Saved, error) {
	if len(data) == 0 {
		return nil, errors.New("modelfile: the file is empty")
	}
	switch t := bytes.TrimLeft(data, " \t\r\n"); {
	case len(t) > 0 && t[0] == '{':
		if file == nil {
			file = func(name string) ([]byte, error) {
				return nil, fmt.Errorf("load it together with model.json (the weights file %s is missing)", name)
			}
		}
		return ReadTFJS(data, file)
	}
	return ReadKeras(data) // it names what else the file is (Keras 2's .h5, an image, ...)
}
