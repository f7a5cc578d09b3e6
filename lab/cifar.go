package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/nn"
)

// CIFARConfig holds the CIFAR-10 lesson's choices.
type CIFARConfig struct {
	Model     string // "small", "pool" or "dropout" (default): the lesson's three models
	Layers    []nn.Layer
	Name      string // the model's name; default the preset's, or cifar_model with Layers
	N         int    // training images (train_images[:n]); 0: all that were loaded
	TestN     int    // test images; 0: all
	Epochs    int    // default 20
	BatchSize int    // default 32
	Patience  int
	Restore   bool // restore_best_weights
	Optimizer string
	LR        float64
	Momentum  float64 // sgd and rmsprop
	Seed      uint64
	DataPath  string
	// StopSkipsTrainEval: when the Context stops Fit (the browser's Stop
	// button), skip the evaluation of the training set, which takes seconds
	// on the pure-Go device; the test images are still predicted with the
	// weights as they are.
	StopSkipsTrainEval bool
}

func (c *CIFARConfig) defaults() {
	if c.Model == "" {
		c.Model = "dropout"
	}
	if c.Epochs <= 0 {
		c.Epochs = 20
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 32
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
}

// CIFARModels are the lesson's three models, by preset name.
var CIFARModels = map[string]func() (string, []nn.Layer){
	"small": func() (string, []nn.Layer) {
		return "cifar_model_small", []nn.Layer{conv32(), conv32(), nn.Flatten(), nn.Dense(10, "")}
	},
	"pool": func() (string, []nn.Layer) {
		return "cifar_model_small", []nn.Layer{conv32(), pool2(), conv32(), pool2(), nn.Flatten(), nn.Dense(32, "relu"), nn.Dense(10, "")}
	},
	"dropout": func() (string, []nn.Layer) {
		return "cifar_model", []nn.Layer{conv32(), pool2(), conv32(), pool2(), conv32(), nn.Dropout(0.2), nn.Flatten(), nn.Dense(32, "relu"), nn.Dense(10, "")}
	},
}

func conv32() nn.Layer { return nn.Conv2D(32, [2]int{3, 3}, "relu") }
func pool2() nn.Layer  { return nn.MaxPooling2D([2]int{2, 2}) }

// CIFARModel builds a preset or the given layers on a (32, 32, 3) input.
func CIFARModel(c CIFARConfig) (*nn.Model, error) {
	c.defaults()
	in := nn.Input(32, 32, 3)
	if c.Layers != nil {
		name := c.Name
		if name == "" {
			name = "cifar_model"
		}
		return nn.NewModel(name, in, c.Layers...)
	}
	mk, ok := CIFARModels[c.Model]
	if !ok {
		return nil, fmt.Errorf("lab: unknown CIFAR model %q (use small, pool or dropout)", c.Model)
	}
	name, layers := mk()
	if c.Name != "" {
		name = c.Name
	}
	return nn.NewModel(name, in, layers...)
}

// CIFARData is the loaded image data.
type CIFARData struct {
	Train, Test *datasets.Images
}

// LoadCIFARData loads the training and test images (the full set or the
// subset) from path, a folder ("" finds one, see datasets.Find), or a
// training file with its test file beside it: train_4000.bin with
// test_1000.bin, data_batch_N.bin with test_batch.bin. One file is never
// both the training and the test set (its accuracy would be reported as a
// test accuracy).
func LoadCIFARData(path string) (*CIFARData, error) {
	trainPath, testPath := path, path
	if st, err := os.Stat(path); path != "" && err == nil && !st.IsDir() {
		if testPath, err = cifarTestBeside(path); err != nil {
			return nil, err
		}
	}
	tr, err := datasets.CIFARTrain(trainPath)
	if err != nil {
		return nil, err
	}
	te, err := datasets.CIFARTest(testPath)
	if err != nil {
		return nil, err
	}
	return &CIFARData{Train: tr, Test: te}, nil
}

// cifarTestBeside finds the test file that goes with the training file p.
func cifarTestBeside(p string) (string, error) {
	dir, base := filepath.Dir(p), filepath.Base(p)
	if !strings.HasSuffix(base, ".bin") {
		return "", fmt.Errorf("lab: %s is not a CIFAR-10 binary file (.bin): give the folder holding %s and %s (or the full set's data_batch_*.bin and test_batch.bin), or the training file", p, datasets.CIFARSubsetTrain, datasets.CIFARSubsetTest)
	}
	if base == datasets.CIFARSubsetTest || slices.Contains(datasets.CIFARTestFiles, base) {
		return "", fmt.Errorf("lab: %s holds the test images: give the training file (%s or data_batch_1.bin) or the folder holding both", p, datasets.CIFARSubsetTrain)
	}
	want := []string{datasets.CIFARSubsetTest, datasets.CIFARTestFiles[0]}
	if slices.Contains(datasets.CIFARTrainFiles, base) {
		want = []string{datasets.CIFARTestFiles[0]}
	} else if base == datasets.CIFARSubsetTrain {
		want = []string{datasets.CIFARSubsetTest}
	}
	for _, w := range want {
		tp := filepath.Join(dir, w)
		if st, err := os.Stat(tp); err == nil && st.Mode().IsRegular() {
			return tp, nil
		}
	}
	return "", fmt.Errorf("lab: %s is a file of training images, and the test images need their own file: put %s beside it, or give the folder holding both",
		p, strings.Join(want, " or "))
}

// CIFARResult is what a CIFAR run reports.
type CIFARResult struct {
	FitReport
	Samples      Samples            `json:"samples"`
	ImagesPerSec float64            `json:"images_per_second"`
	Metrics      map[string]float64 `json:"metrics"`
	Confusion    [10][10]int        `json:"confusion"` // [true][predicted] on the test images
	TestPred     []int              `json:"-"`
	TestProbs    []float32          `json:"-"`
}

func imageData(im *datasets.Images) *nn.Data {
	y := make([]float32, im.N)
	for i, l := range im.Labels {
		y[i] = float32(l)
	}
	return &nn.Data{XBytes: im.Pixels, Scale: 1 / 255.0, Y: y, N: im.N}
}

// RunCIFAR runs the lesson: the first N training images, the model, Adam
// with SparseCategoricalCrossentropy(from_logits=True) and accuracy, fit with
// the test images as validation data (as the lesson does), then accuracies,
// predictions and the confusion matrix.
func RunCIFAR(ctx context.Context, c CIFARConfig, dev gpu.Device, data *CIFARData, hooks Hooks) (*CIFARResult, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	c.defaults()
	if data == nil {
		var err error
		if data, err = LoadCIFARData(c.DataPath); err != nil {
			return nil, err
		}
	}
	train, test := data.Train, data.Test
	if c.N > 0 {
		if c.N > train.N {
			return nil, fmt.Errorf("lab: asked for %d training images, only %d are loaded (the subset has 4,000; the full set 50,000)", c.N, train.N)
		}
		train = train.Head(c.N)
	}
	if c.TestN > 0 && c.TestN < test.N {
		test = test.Head(c.TestN)
	}
	m, err := CIFARModel(c)
	if err != nil {
		return nil, err
	}
	rep, err := setUp(m, c.Seed, dev, optimizer{c.Optimizer, c.LR, c.Momentum}, hooks, nn.SparseCategoricalCrossentropy(true), nn.Accuracy())
	if err != nil {
		return nil, err
	}
	defer m.Release()
	res := &CIFARResult{FitReport: rep, Samples: Samples{train.N, test.N, test.N}, Metrics: map[string]float64{}}
	trd, ted := imageData(train), imageData(test)
	plan := fitPlan{train: trd, val: ted, batch: c.BatchSize, epochs: c.Epochs, patience: c.Patience, restore: c.Restore, keys: CIFARLogKeys}
	h, err := fit(ctx, m, plan, hooks, &res.FitReport)
	if h != nil && h.Seconds > 0 {
		res.ImagesPerSec = float64(len(h.Epochs)*train.N) / h.Seconds
	}
	if err != nil {
		return res, err
	}
	if !(c.StopSkipsTrainEval && res.Stopped) {
		ev, err := m.Evaluate(trd, c.BatchSize)
		if err != nil {
			return res, err
		}
		res.Metrics["train_accuracy"] = ev["accuracy"]
		res.Metrics["train_loss"] = ev["loss"]
	}
	// The test set in one pass: predictions, and from them what
	// model.evaluate would print.
	logits, err := m.Predict(ted, c.BatchSize)
	if err != nil {
		return res, err
	}
	res.TestProbs = softmaxRows(logits, 10)
	var loss float64
	correct := 0
	for i := 0; i < test.N; i++ {
		probs, y := res.TestProbs[i*10:(i+1)*10], int(test.Labels[i])
		p := argmax(probs)
		res.TestPred = append(res.TestPred, p)
		res.Confusion[y][p]++
		if p == y {
			correct++
		}
		loss -= logSoftmax(logits[i*10:(i+1)*10], y)
	}
	res.Metrics["test_accuracy"] = float64(correct) / float64(max(test.N, 1))
	res.Metrics["test_loss"] = loss / float64(max(test.N, 1))
	res.Metrics["val_accuracy"] = res.Metrics["test_accuracy"]
	if va := h.History["val_accuracy"]; len(va) > 0 {
		res.Metrics["val_accuracy"] = va[len(va)-1]
	}
	return res, nil
}

// ConfusionTable prints the confusion matrix with class names.
func ConfusionTable(c [10][10]int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s", "true\\pred")
	for j := 0; j < 10; j++ {
		fmt.Fprintf(&b, "%6.5s", datasets.CIFARClasses[j])
	}
	b.WriteString("\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "%-12s", datasets.CIFARClasses[i])
		for j := 0; j < 10; j++ {
			fmt.Fprintf(&b, "%6d", c[i][j])
		}
		b.WriteString("\n")
	}
	return b.String()
}
