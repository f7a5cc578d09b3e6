//go:build js

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/keras"
	"nnlab/lab"
	"nnlab/nn"
)

const (
	cifarTrainFile = "data/cifar10_train.bin"
	cifarTestFile  = "data/cifar10_test.bin"
)

// cifarLesson is "Advanced layer types": CIFAR-10 with Conv2D, MaxPooling2D
// and Dropout.
type cifarLesson struct {
	trainSet, testSet     *datasets.Images
	trainTotal, testTotal int // images in the site's files
}

func (c *cifarLesson) load(a *app) error {
	setText("lesson-title", "Advanced layer types: CIFAR-10")
	setHidden("cifar-controls", false)
	setHidden("preset-label", false)
	setOptions("loss", []string{"sparse_categorical_crossentropy"}, []string{"SparseCategoricalCrossentropy(from_logits=True)"})
	s := a.s
	setValue("c-n", strconv.Itoa(s.N))
	setValue("c-testn", strconv.Itoa(s.TestN))
	setValue("c-preset", s.Preset)
	on("c-preset", "change", func() {
		if t := CIFARPresetText(value("c-preset")); t != "" {
			setValue("model-text", t)
			lineNumbers(t, 0)
			a.checkModel()
		}
	})
	if err := c.ensure(max(s.N, 25), max(s.TestN, 25)); err != nil {
		return err
	}
	tr := c.trainSet
	lo, hi := uint8(255), uint8(0)
	for _, p := range tr.Pixels {
		lo, hi = min(lo, p), max(hi, p)
	}
	facts("cifar-facts",
		"train_images.shape", fmt.Sprintf("(%d, %d, %d, %d) here; the full set has 50,000", c.trainTotal, tr.H, tr.W, tr.C),
		"one image", fmt.Sprintf("(%d, %d, %d): rows, columns, RGB", tr.H, tr.W, tr.C),
		"values", fmt.Sprintf("%d..%d (divided by 255.0 for the network)", lo, hi),
		"train_labels.shape", fmt.Sprintf("(%d, 1), labels 0..9", c.trainTotal),
		"classes", strings.Join(datasets.CIFARClasses[:], ", "),
		"test images", fmt.Sprint(c.testTotal),
	)
	k := min(25, tr.N)
	set := &ImageSet{W: tr.W, H: tr.H, Pixels: tr.Pixels[:k*tr.W*tr.H*3]}
	for i := 0; i < k; i++ {
		set.Captions = append(set.Captions, datasets.ClassName(int(tr.Labels[i])))
	}
	a.view.send(Msg{Kind: MsgImages, Images: set})
	return nil
}

// ensure loads at least the first n training and testN test images (as
// many as the site has), fetching only those records.
func (c *cifarLesson) ensure(n, testN int) error {
	var err error
	if c.trainSet == nil || (c.trainSet.N < n && c.trainSet.N < c.trainTotal) {
		if c.trainSet, c.trainTotal, err = fetchCIFAR(cifarTrainFile, n); err != nil {
			return err
		}
	}
	if c.testSet == nil || (c.testSet.N < testN && c.testSet.N < c.testTotal) {
		if c.testSet, c.testTotal, err = fetchCIFAR(cifarTestFile, testN); err != nil {
			return err
		}
	}
	return nil
}

func fetchCIFAR(path string, n int) (*datasets.Images, int, error) {
	// A typed count of a billion asks for no more than CIFAR-10 has (and
	// n*record size cannot overflow).
	n = min(max(n, 1), datasets.CIFARMaxRecords)
	setText("run-status", fmt.Sprintf("Loading %d images from %s…", n, path))
	b, total, err := fetchBytes(path, int64(n)*datasets.CIFARRecordSize)
	var off *offlineError
	if errors.As(err, &off) {
		return nil, 0, fmt.Errorf("offline, this browser keeps the first %d images of %s (the ones used online), not %d: ask for at most %d, or train again when the server is back",
			off.kept/datasets.CIFARRecordSize, path, n, off.kept/datasets.CIFARRecordSize)
	}
	if err != nil {
		return nil, 0, err
	}
	im, err := datasets.ParseCIFAR(bytes.NewReader(b), path, int64(len(b)))
	if err != nil {
		return nil, 0, err
	}
	return im, int(total / datasets.CIFARRecordSize), nil
}

func (c *cifarLesson) input() *nn.InputLayer {
	if c.trainSet == nil {
		return nil
	}
	return nn.Input(32, 32, 3)
}

// preset returns the lesson model a text is, or "".
func cifarPreset(text string) string {
	for _, p := range []string{"small", "pool", "dropout"} {
		if strings.TrimSpace(CIFARPresetText(p)) == strings.TrimSpace(text) {
			return p
		}
	}
	return ""
}

func (c *cifarLesson) modelName(text string) string {
	if p := cifarPreset(text); p != "" {
		name, _ := lab.CIFARModels[p]()
		return name
	}
	return "cifar_model"
}

func (c *cifarLesson) outputs() int { return 10 }

// codeEnv is the images as pasted code names them (train_images, ...).
func (c *cifarLesson) codeEnv() (keras.Env, error) {
	return keras.CIFAREnv(max(intValue("c-n", 2000), 1), max(intValue("c-testn", 1000), 1)), nil
}

func (c *cifarLesson) codePage() codePage {
	return codePage{Lesson: "cifar", Losses: []string{"sparse_categorical_crossentropy"}, Input: nn.Shape{32, 32, 3}, Data: "32×32 RGB images"}
}

func (c *cifarLesson) exportHeader() string {
	return fmt.Sprintf("# From nnlab, the CIFAR-10 lesson: the first %d training images, %d test images,\n"+
		"# train_images / 255.0 and test_images / 255.0 as in the lesson.\n", max(intValue("c-n", 2000), 1), max(intValue("c-testn", 1000), 1))
}

func (c *cifarLesson) train(a *app, ctx context.Context, dev gpu.Device, text string) (map[string]any, bool, error) {
	f := readFitSettings()
	n, testN := max(intValue("c-n", 2000), 1), max(intValue("c-testn", 1000), 1)
	if err := c.ensure(max(n, 25), max(testN, 25)); err != nil {
		return nil, false, err
	}
	cfg := lab.CIFARConfig{
		Model: cifarPreset(text), N: n, TestN: testN,
		Epochs: f.Epochs, BatchSize: f.Batch, Patience: f.Patience, Restore: f.Restore,
		Optimizer: f.Optimizer, LR: f.LR, Seed: f.Seed,
		StopSkipsTrainEval: true,
		FitDone: func(h *nn.History) {
			what := "Evaluating the model"
			if h.Stopped {
				what = fmt.Sprintf("Stopped after %d of %d epochs. Predicting", len(h.Epochs), f.Epochs)
			}
			setText("run-status", fmt.Sprintf("%s: the %d test images…", what, min(testN, c.testSet.N)))
		},
	}
	if cfg.Model == "" {
		lines, err := keras.ParseLayers(text)
		if err != nil {
			return nil, false, err
		}
		for _, l := range lines {
			cfg.Layers = append(cfg.Layers, l.Layer)
		}
	}
	cfg.Name = a.modelName(text)
	keys := []string{"loss", "accuracy", "val_loss", "val_accuracy"}
	cfg.Callbacks = []nn.Callback{&epochReporter{a: a, epochs: f.Epochs, keys: keys}}
	p := &progress{a: a, epochs: f.Epochs}
	a.view.send(Msg{Kind: MsgRun, Epochs: f.Epochs, Keys: keys, Status: "training", Loss: "sparse categorical crossentropy",
		Title: fmt.Sprintf("%d images, %s (lr %s), batch %d, on %s", n, f.Optimizer, lrText(f.LR), f.Batch, dev.Name())})
	setText("run-status", "Training…")
	res, err := lab.RunCIFAR(ctx, cfg, dev, &lab.CIFARData{Train: c.trainSet, Test: c.testSet}, nil, nil, p.batch)
	if res == nil {
		return nil, false, err
	}
	stopped := stoppedByUser(res.Notes)
	out, jerr := resultMap(res)
	if jerr != nil {
		return nil, stopped, jerr
	}
	m := res.Metrics
	if err == nil && len(res.TestPred) > 0 {
		test := c.testSet
		k := min(25, len(res.TestPred))
		set := ImageSet{W: test.W, H: test.H, Pixels: test.Pixels[:k*test.W*test.H*3]}
		for i := 0; i < k; i++ {
			p, t := res.TestPred[i], int(test.Labels[i])
			set.Captions = append(set.Captions, datasets.ClassName(p)+" / "+datasets.ClassName(t))
			set.Wrong = append(set.Wrong, p != t)
		}
		a.view.send(Msg{Kind: MsgCIFAR, Preds: &Predictions{Images: set, Confusion: res.Confusion,
			Classes: datasets.CIFARClasses[:], Accuracy: m["test_accuracy"]}})
		train := "—"
		if v, ok := m["train_accuracy"]; ok {
			train = f3(v)
		}
		rows := [][]string{{"accuracy", "train", "validation", "test"},
			{"model", train, f3(m["val_accuracy"]), f3(m["test_accuracy"])}}
		line := runLine(res.EpochsRun, f.Epochs, res.TrainSeconds, res.Params)
		if stopped {
			line = fmt.Sprintf("Stopped after %d of %d epochs (%.1f s): the predictions use the weights as they are; the training set was not evaluated.",
				res.EpochsRun, f.Epochs, res.TrainSeconds)
		}
		if res.ImagesPerSec > 0 {
			line += fmt.Sprintf(" %.0f images/s.", res.ImagesPerSec)
		}
		resultsTable(rows, append([]string{line}, res.Notes...))
	}
	setText("run-status", statusLine(stopped, err, res.EpochsRun, res.TrainSeconds))
	return out, stopped, err
}

func f3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
