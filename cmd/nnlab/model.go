package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/lab"
	"nnlab/modelfile"
	"nnlab/nn"
)

// predictCmd is `nnlab predict --model PATH --csv INPUTS.csv`: one sample's
// features a line in, the model's outputs (model.predict) a line out, as
// CSV.
func predictCmd(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	model := fs.String("model", "", "the model: a .keras file, or a TF.js model folder (or its model.json)")
	in := fs.String("csv", "", `the inputs: one sample a line, its values separated by commas ("-" = standard input), as model.predict takes them: a weather model's features in the CSV's column order (a first line of column names is allowed), a penguins model's four measurements (bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g; it prints the species' probabilities), a CIFAR-10 model's 3,072 pixel values (height, width, RGB) divided by 255`)
	device := fs.String("device", "", "auto, cpu or webgpu")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("--csv INPUTS.csv is missing: one row of feature values a line")
	}
	s, err := readModel(*model)
	if err != nil {
		return err
	}
	var r io.Reader = os.Stdin
	name := "standard input"
	if *in != "-" {
		name = *in
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	var features []string
	if s.Lesson != nil {
		features = s.Lesson.Features
	}
	x, n, err := readInputs(r, name, s.Model.Input.Shape.Size(), features, s.Model.Input.Shape)
	if err != nil {
		return err
	}
	pred, err := onDevice(*device, func(dev gpu.Device) ([]float32, error) {
		m, err := s.Build(dev)
		if err != nil {
			return nil, err
		}
		defer m.Release()
		return m.Predict(&nn.Data{X: x, N: n}, 0)
	})
	if err != nil {
		return err
	}
	cols := s.Model.OutputShape().Size()
	w := csv.NewWriter(out)
	w.Write(outputNames(s, cols))
	row := make([]string, cols)
	for i := 0; i < n; i++ {
		for j := range row {
			row[j] = strconv.FormatFloat(float64(pred[i*cols+j]), 'g', -1, 32)
		}
		w.Write(row)
	}
	w.Flush()
	return w.Error()
}

// outputNames heads predict's columns: the weather targets, the classes,
// or Keras's output_0, output_1, ...
func outputNames(s *modelfile.Saved, cols int) []string {
	if l := s.Lesson; l != nil {
		if len(l.Targets) == cols {
			return l.Targets
		}
		if len(l.Classes) == cols {
			return l.Classes
		}
	}
	names := make([]string, cols)
	for i := range names {
		names[i] = fmt.Sprintf("output_%d", i)
	}
	return names
}

// maxInputRows bounds predict's input (a CSV of this many rows of 89
// features is about 300 MB).
const maxInputRows = 1 << 20

// readInputs reads one sample a line, size values each. A first line that
// is not numbers is taken as column names and, when the model knows its
// features, must name them in order.
func readInputs(r io.Reader, name string, size int, features []string, shape nn.Shape) ([]float32, int, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var x []float32
	n := 0
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", name, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != size {
			return nil, 0, fmt.Errorf("%s line %d has %d values, the model takes %d a sample (input shape %s): one sample's features a line, separated by commas", name, line, len(rec), size, shape)
		}
		if line == 1 {
			if _, err := strconv.ParseFloat(strings.TrimSpace(rec[0]), 32); err != nil {
				if features != nil && !slices.Equal(trimAll(rec), features) {
					return nil, 0, fmt.Errorf("%s: the header names other columns than the model's features (%s, ...): put the columns in the model's order, or leave the header out", name, strings.Join(features[:min(3, len(features))], ", "))
				}
				continue
			}
		}
		if n >= maxInputRows {
			return nil, 0, fmt.Errorf("%s has more than %d rows: split it", name, maxInputRows)
		}
		for j, f := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, fmt.Errorf("%s line %d, column %d: %q is not a number", name, line, j+1, f)
			}
			x = append(x, float32(v))
		}
		n++
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("%s has no rows of inputs", name)
	}
	return x, n, nil
}

func trimAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.TrimSpace(v)
	}
	return out
}

// evaluation is what `nnlab evaluate` reports (its --json object).
type evaluation struct {
	Lesson  string             `json:"lesson"`
	Model   string             `json:"model"`
	Device  string             `json:"device"`
	Samples int                `json:"samples"`
	Metrics map[string]float64 `json:"metrics"`
	// Classification: the classes and confusion_matrix(true, predicted)
	// on the test set (penguins).
	Classes   []string `json:"classes,omitempty"`
	Confusion [][]int  `json:"confusion,omitempty"`
	Notes     []string `json:"notes,omitempty"`
}

// evaluateCmd is `nnlab evaluate --model PATH`: the model on its lesson's
// test set (the lesson is in nnlab's files; for others it follows from the
// input shape), with the metrics training printed.
func evaluateCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	model := fs.String("model", "", "the model: a .keras file, or a TF.js model folder (or its model.json)")
	dataPath := fs.String("data", "", "the lesson's data file or folder (default: $NNLAB_DATA, the cache, ../shared/data, download)")
	testN := fs.Int("test-n", 0, "cifar: test images (0 = all loaded)")
	device := fs.String("device", "", "auto, cpu or webgpu")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *testN < 0 {
		return fmt.Errorf("--test-n %d: the number of test images must be a whole number from 0 up (0: all)", *testN)
	}
	s, err := readModel(*model)
	if err != nil {
		return err
	}
	l, note, err := lessonOf(s)
	if err != nil {
		return fmt.Errorf("--model %s: %w", *model, err)
	}
	var ev *evaluation
	switch l.Name {
	case "weather":
		ev, err = evaluateWeather(s, l, *dataPath, *device)
	case "cifar":
		ev, err = evaluateCIFAR(s, *dataPath, *testN, *device)
	case "penguins":
		ev, err = evaluatePenguins(s, l, *dataPath, *device)
	default:
		err = fmt.Errorf("--model %s: nnlab evaluate runs weather, cifar and penguins models, this one is for %s", *model, l.Name)
	}
	if err != nil {
		return err
	}
	if note != "" {
		ev.Notes = append(ev.Notes, note)
	}
	if *asJSON {
		return printJSON(out, ev)
	}
	fmt.Fprintf(out, "Model: %s (%s lesson), device: %s\n", ev.Model, ev.Lesson, ev.Device)
	m := ev.Metrics
	switch ev.Lesson {
	case "weather":
		fmt.Fprintf(out, "Test samples: %d\nTest loss: %.4f, Test RMSE: %.2f\n", ev.Samples, m["test_loss"], m["test_rmse"])
	case "cifar":
		fmt.Fprintf(out, "Test images: %d\nTest loss: %.4f, Test accuracy: %.3f\n", ev.Samples, m["test_loss"], m["test_accuracy"])
	case "penguins":
		fmt.Fprintf(out, "Test penguins: %d\nTest accuracy: %.3f (test loss %.4f)\n\nConfusion matrix (test set, rows true, columns predicted):\n", ev.Samples, m["test_accuracy"], m["test_loss"])
		fmt.Fprint(out, lab.ClassConfusionTable(ev.Confusion, ev.Classes))
	}
	for _, n := range ev.Notes {
		fmt.Fprintln(out, "Note:", n)
	}
	return nil
}

// lessonOf says which lesson's test set a model is for: from nnlab's
// metadata, else from its input shape (a Keras-written file).
func lessonOf(s *modelfile.Saved) (*modelfile.Lesson, string, error) {
	if s.Lesson != nil && s.Lesson.Name != "" {
		return s.Lesson, "", nil
	}
	in, out := s.Model.Input.Shape, s.Model.OutputShape()
	switch {
	case slices.Equal([]int(in), []int{32, 32, 3}) && slices.Equal([]int(out), []int{10}):
		return &modelfile.Lesson{Name: "cifar"}, "the file does not say its lesson: taken as CIFAR-10 from its input (32, 32, 3) and 10 outputs", nil
	case slices.Equal([]int(in), []int{len(datasets.PenguinsMeasurements)}) && slices.Equal([]int(out), []int{3}):
		return &modelfile.Lesson{Name: "penguins"}, "the file does not say its lesson: taken as the penguins lesson's from its 4 inputs and 3 outputs (the four measurements, test_size=0.2, random_state=0)", nil
	case len(in) == 1 && len(out) == 1:
		return &modelfile.Lesson{Name: "weather", Years: 3, Targets: []string{"BASEL_sunshine"}},
			"the file does not say its data: taken as the weather lesson's (all stations, 3 years, predicting BASEL_sunshine)", nil
	}
	return nil, "", fmt.Errorf("the file does not say which lesson's data the model was trained on, and its input %s is neither the weather lesson's (None, 89), the penguins' (None, 4) nor CIFAR-10's (None, 32, 32, 3)", in)
}

func evaluateWeather(s *modelfile.Saved, l *modelfile.Lesson, dataPath, device string) (*evaluation, error) {
	c := lab.WeatherConfig{Years: l.Years, Station: l.Station, Targets: l.Targets, DataPath: dataPath}
	w, err := datasets.LoadWeather(dataPath)
	if err != nil {
		return nil, err
	}
	if c.Years > 0 {
		if err := checkYears(c.Years, w); err != nil {
			return nil, err
		}
	}
	data, err := lab.PrepareWeather(w, c)
	if err != nil {
		return nil, err
	}
	xt, yt := data.Split.XTest, data.Split.YTest
	if xt.Cols != s.Model.Input.Shape.Size() {
		return nil, fmt.Errorf("the model takes %d features, the weather data prepared as its file says (station %q) has %d", s.Model.Input.Shape.Size(), l.Station, xt.Cols)
	}
	if l.Features != nil && !slices.Equal(l.Features, xt.Names) {
		return nil, errors.New("the model was trained on other feature columns than this weather file has: evaluate it with the data it was trained on (--data)")
	}
	if yt.Cols != s.Model.OutputShape().Size() {
		return nil, fmt.Errorf("the model has %d outputs, the targets %v are %d", s.Model.OutputShape().Size(), data.Targets, yt.Cols)
	}
	return onDevice(device, func(dev gpu.Device) (*evaluation, error) {
		m, err := s.Build(dev)
		if err != nil {
			return nil, err
		}
		defer m.Release()
		p, err := m.Predict(&nn.Data{X: xt.Data, N: xt.Rows}, 0)
		if err != nil {
			return nil, err
		}
		// As RunWeather reports it: the loss and RMSE over all targets.
		var sq, abs float64
		for i := range p {
			d := float64(p[i]) - float64(yt.Data[i])
			sq += d * d
			abs += math.Abs(d)
		}
		nv := float64(len(p))
		loss := sq / nv
		if s.Compile != nil && s.Compile.Loss.Name == "mae" {
			loss = abs / nv
		}
		return &evaluation{Lesson: "weather", Model: m.Name, Device: dev.Name(), Samples: xt.Rows,
			Metrics: map[string]float64{"test_loss": loss, "test_rmse": math.Sqrt(sq / nv)}}, nil
	})
}

func evaluateCIFAR(s *modelfile.Saved, dataPath string, testN int, device string) (*evaluation, error) {
	if !slices.Equal([]int(s.Model.Input.Shape), []int{32, 32, 3}) || s.Model.OutputShape().Size() != 10 {
		return nil, fmt.Errorf("a CIFAR-10 model takes (None, 32, 32, 3) and gives 10 outputs; this one takes %s and gives %s", s.Model.Input.Shape, s.Model.OutputShape())
	}
	d, err := lab.LoadCIFARData(dataPath)
	if err != nil {
		return nil, err
	}
	test := d.Test
	if testN > test.N {
		return nil, fmt.Errorf("--test-n %d: %d test images are loaded: use 1 to %d, or 0 for all", testN, test.N, test.N)
	}
	if testN > 0 {
		test = test.Head(testN)
	}
	// The model's outputs are logits unless it ends in a softmax (the
	// lesson's models give logits, trained from_logits=True).
	probs := false
	if s.Compile != nil {
		probs = s.Compile.Loss.Kind == gpu.SparseCCE || s.Compile.Loss.Kind == gpu.CategoricalCE
	} else {
		probs = modelfile.DefaultCompile(s.Model).Loss.Kind == gpu.SparseCCE
	}
	return onDevice(device, func(dev gpu.Device) (*evaluation, error) {
		m, err := s.Build(dev)
		if err != nil {
			return nil, err
		}
		defer m.Release()
		out, err := m.Predict(&nn.Data{XBytes: test.Pixels, Scale: 1 / 255.0, N: test.N}, 0)
		if err != nil {
			return nil, err
		}
		var loss float64
		correct := 0
		for i := 0; i < test.N; i++ {
			row, y := out[i*10:(i+1)*10], int(test.Labels[i])
			best := 0
			for j := range row {
				if row[j] > row[best] {
					best = j
				}
			}
			if best == y {
				correct++
			}
			if probs {
				loss -= math.Log(math.Max(float64(row[y]), 1e-7))
			} else {
				mx := float64(row[best])
				var sum float64
				for _, v := range row {
					sum += math.Exp(float64(v) - mx)
				}
				loss -= float64(row[y]) - mx - math.Log(sum)
			}
		}
		n := float64(max(test.N, 1))
		return &evaluation{Lesson: "cifar", Model: m.Name, Device: dev.Name(), Samples: test.N,
			Metrics: map[string]float64{"test_accuracy": float64(correct) / n, "test_loss": loss / n}}, nil
	})
}

// evaluatePenguins tests a penguins model on the test penguins of the
// split its file names (the lesson's test_size=0.2, random_state=0 when it
// does not), as `nnlab train penguins` scores them.
func evaluatePenguins(s *modelfile.Saved, l *modelfile.Lesson, dataPath, device string) (*evaluation, error) {
	c := lab.PenguinsConfig{Features: l.Features, TestSize: l.TestSize, SplitSeed: l.SplitSeed, DataPath: dataPath}
	data, err := lab.LoadPenguinsData(c)
	if err != nil {
		return nil, err
	}
	if l.Classes != nil && !slices.Equal(l.Classes, data.Prepared.Classes) {
		return nil, fmt.Errorf("the model's species are %s, the penguins file's %s", strings.Join(l.Classes, ", "), strings.Join(data.Prepared.Classes, ", "))
	}
	s, logits, err := s.ForLogits()
	if err != nil {
		return nil, err
	}
	return onDevice(device, func(dev gpu.Device) (*evaluation, error) {
		m, err := s.Build(dev)
		if err != nil {
			return nil, err
		}
		defer m.Release()
		sc, err := lab.ScorePenguins(m, logits, data)
		if err != nil {
			return nil, err
		}
		return &evaluation{Lesson: "penguins", Model: m.Name, Device: dev.Name(), Samples: len(sc.True),
			Metrics: map[string]float64{"test_accuracy": sc.Accuracy, "test_loss": sc.Loss}, Classes: data.Prepared.Classes, Confusion: sc.Confusion}, nil
	})
}
