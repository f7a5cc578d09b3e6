package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"nnlab/datasets"
	"nnlab/lab"
	"nnlab/modelfile"
	"nnlab/nn"
)

// saver is `train --save PATH`: it takes the trained model from the run's
// Trained hook and writes it as a .keras file, or as a TF.js model in a
// folder.
type saver struct {
	path  string
	tfjs  bool
	saved bool
	err   error
}

// saveFlag defines --save on a train command.
func saveFlag(fs *flag.FlagSet) *string {
	return fs.String("save", "", "save the trained model: PATH.keras (Keras 3's model.save format) or a folder for TensorFlow.js (model.json + weights .bin)")
}

// newSaver checks --save before any training: a learner should not train
// for minutes to hear that the path cannot be written.
func newSaver(path string) (*saver, error) {
	if path == "" {
		return nil, nil
	}
	s := &saver{path: path}
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case ext == ".keras":
		dir := filepath.Dir(path)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--save %s: the folder %s does not exist", path, dir)
		}
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			return nil, fmt.Errorf("--save %s: that is a folder; give a file name ending in .keras, or a folder name without .keras for TF.js", path)
		}
	case ext == ".h5" || ext == ".hdf5":
		return nil, fmt.Errorf("--save %s: Keras 3 saves whole models as .keras files (the .h5 format is Keras 2's): use %s.keras, or a folder for TF.js", path, strings.TrimSuffix(path, filepath.Ext(path)))
	case ext == ".json":
		return nil, fmt.Errorf("--save %s: for TensorFlow.js give the folder to write model.json into (e.g. --save %s)", path, filepath.Dir(path))
	default:
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			return nil, fmt.Errorf("--save %s: that is a file; give a name ending in .keras, or a folder for TF.js", path)
		}
		if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--save %s: the folder %s does not exist", path, filepath.Dir(path))
		}
		s.tfjs = true
	}
	return s, nil
}

// hook returns the Trained hook that saves the model with its compile
// settings and lesson.
func (s *saver) hook(c *modelfile.Compile, l *modelfile.Lesson) func(*nn.Model) {
	return s.hookAs(c, l, "")
}

// hookAs is hook for a model trained from logits: the file's last Dense
// gets the activation act ("" keeps the trained model's).
func (s *saver) hookAs(c *modelfile.Compile, l *modelfile.Lesson, act string) func(*nn.Model) {
	if s == nil {
		return nil
	}
	return func(m *nn.Model) {
		sv, err := modelfile.FromModel(m, c, l)
		if err == nil && act != "" {
			sv, err = sv.WithOutputActivation(act)
		}
		if err == nil {
			err = writeModel(s.path, s.tfjs, sv)
		}
		s.err, s.saved = err, err == nil
	}
}

// done reports where the model went, or why it did not.
func (s *saver) done(log io.Writer) error {
	if s == nil {
		return nil
	}
	if s.err != nil {
		return fmt.Errorf("--save %s: %w", s.path, s.err)
	}
	if !s.saved {
		return fmt.Errorf("--save %s: the run ended before a model was trained; nothing was saved", s.path)
	}
	if s.tfjs {
		fmt.Fprintf(log, "Saved the model for TensorFlow.js in %s (model.json, %s): tf.loadLayersModel(\".../model.json\") loads it\n", s.path, modelfile.TFJSWeights)
	} else {
		fmt.Fprintf(log, "Saved the model to %s: keras.models.load_model(%q) loads it; nnlab evaluate --model %s tests it\n", s.path, filepath.Base(s.path), s.path)
	}
	return nil
}

// writeModel writes sv as path.keras, or into the folder path for TF.js.
func writeModel(path string, tfjs bool, sv *modelfile.Saved) error {
	if !tfjs {
		b, err := modelfile.WriteKeras(sv)
		if err != nil {
			return err
		}
		return os.WriteFile(path, b, 0o644)
	}
	mj, bin, err := modelfile.WriteTFJS(sv, modelfile.TFJSWeights)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(path, modelfile.TFJSWeights), bin, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(path, "model.json"), mj, 0o644)
}

// readModel loads a model file: PATH.keras, a TF.js model.json, or the
// folder holding one.
func readModel(path string) (*modelfile.Saved, error) {
	if path == "" {
		return nil, errors.New("--model PATH is missing: a .keras file, or a TF.js model folder (or its model.json)")
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--model %s: %w", path, err)
	}
	if st.IsDir() {
		mj := filepath.Join(path, "model.json")
		if _, err := os.Stat(mj); err != nil {
			return nil, fmt.Errorf("--model %s: the folder holds no model.json (a TF.js model) ", path)
		}
		path = mj
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	s, err := modelfile.Load(b, func(name string) ([]byte, error) {
		if name != filepath.Base(name) {
			return nil, fmt.Errorf("the weights path %q leaves the model's folder", name)
		}
		return os.ReadFile(filepath.Join(dir, name))
	})
	if err != nil {
		return nil, fmt.Errorf("--model %s: %w", path, err)
	}
	return s, nil
}

// weatherCompile is the compile settings RunWeather uses for c.
func weatherCompile(c lab.WeatherConfig) *modelfile.Compile {
	return &modelfile.Compile{Optimizer: optimizerOf(c.Optimizer, c.LR, c.Momentum), Loss: lossOf(c.Loss), Metrics: []nn.Metric{nn.RootMeanSquaredError()}}
}

// cifarCompile is the compile settings RunCIFAR uses for c.
func cifarCompile(c lab.CIFARConfig) *modelfile.Compile {
	return &modelfile.Compile{Optimizer: optimizerOf(c.Optimizer, c.LR, c.Momentum), Loss: nn.SparseCategoricalCrossentropy(true), Metrics: []nn.Metric{nn.Accuracy()}}
}

func optimizerOf(name string, lr, momentum float64) nn.Optimizer {
	o, err := nn.OptimizerByName(name)
	if err != nil {
		o = nn.Adam()
	}
	if lr > 0 {
		o.LR = float32(lr)
	}
	if momentum != 0 {
		o.Momentum = float32(momentum)
	}
	return o
}

func lossOf(name string) nn.Loss {
	l, err := nn.LossByName(name)
	if err != nil {
		return nn.MeanSquaredError
	}
	return l
}

// penguinsCompile is the lesson's compile(optimizer="adam",
// loss=keras.losses.CategoricalCrossentropy()) as c sets it.
func penguinsCompile(c lab.PenguinsConfig, fromLogits bool) *modelfile.Compile {
	return &modelfile.Compile{Optimizer: optimizerOf(c.Optimizer, c.LR, 0), Loss: nn.CategoricalCrossentropy(fromLogits), Metrics: []nn.Metric{nn.Accuracy()}}
}

// penguinsLesson is what a saved penguins model says of its data: the
// features and species in order, and the split that kept its test set.
func penguinsLesson(c lab.PenguinsConfig, d *lab.PenguinsData) *modelfile.Lesson {
	return &modelfile.Lesson{Name: "penguins", Features: d.Split.XTrain.Names, Classes: d.Prepared.Classes, TestSize: c.TestSize, SplitSeed: c.SplitSeed}
}

// weatherLesson is what a saved weather model says of its data.
func weatherLesson(c lab.WeatherConfig, d *lab.WeatherData) *modelfile.Lesson {
	return &modelfile.Lesson{Name: "weather", Years: c.Years, Station: c.Station, Targets: d.Targets, Features: d.Split.XTrain.Names}
}

// cifarLesson is what a saved CIFAR-10 model says of its data.
func cifarLesson() *modelfile.Lesson {
	return &modelfile.Lesson{Name: "cifar", Classes: datasets.CIFARClasses[:]}
}
