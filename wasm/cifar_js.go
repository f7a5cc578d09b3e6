//go:build js

package main

import (
	"bytes"
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
	trainTotal, testTotal int   // images in the site's files
	lo, hi                uint8 // the range of the loaded pixels
}

// showFacts shows exercise 5's facts for the chosen n and test n: the
// arrays a run trains and tests on, as the notebook would print them.
func (c *cifarLesson) showFacts() {
	tr := c.trainSet
	n, testN := cifarShown(intValue("c-n", 2000), intValue("c-testn", 1000), c.trainTotal, c.testTotal)
	facts("cifar-facts",
		"train_images.shape", fmt.Sprintf("(%d, %d, %d, %d): the first n of this site's %d; the full set has 50,000", n, tr.H, tr.W, tr.C, c.trainTotal),
		"one image", fmt.Sprintf("(%d, %d, %d): rows, columns, RGB", tr.H, tr.W, tr.C),
		"values", fmt.Sprintf("%d..%d (divided by 255.0 for the network)", c.lo, c.hi),
		"train_labels.shape", fmt.Sprintf("(%d, 1), labels 0..9", n),
		"classes", strings.Join(datasets.CIFARClasses[:], ", "),
		"test images", fmt.Sprintf("%d (of this site's %d)", testN, c.testTotal),
	)
}

func (c *cifarLesson) load(a *app) error {
	setText("lesson-title", "Advanced layer types: CIFAR-10")
	setHidden("cifar-controls", false)
	setHidden("preset-label", false)
	setOptions("loss", []string{"sparse_categorical_crossentropy"}, []string{"SparseCategoricalCrossentropy(from_logits=True)"})
	if a.onCPU() {
		// The lesson's defaults take ten minutes on a laptop's CPU.
		CPUSized(&a.s)
		setValue("epochs", strconv.Itoa(a.s.Epochs))
		setText("cpu-note", fmt.Sprintf("On the pure-Go device (CPU) the page starts with %s training images and %d epochs, about a minute's fit on a laptop, "+
			"instead of the lesson's 2,000 and 10: the estimate next to Train says how long a choice takes on this computer.", thousands(CPUImages), CPUEpochs))
	}
	s := a.s
	setValue("c-n", strconv.Itoa(s.N))
	setValue("c-testn", strconv.Itoa(s.TestN))
	setValue("c-preset", s.Preset)
	on("c-preset", "change", func() {
		if t := CIFARPresetText(value("c-preset")); t != "" {
			a.setCodeBlock("")
			setValue("model-text", t)
			lineNumbers(t, 0)
			a.checkModel()
		}
	})
	if err := c.ensure(max(s.N, 25), max(s.TestN, 25)); err != nil {
		return err
	}
	tr := c.trainSet
	c.lo, c.hi = uint8(255), uint8(0)
	for _, p := range tr.Pixels {
		c.lo, c.hi = min(c.lo, p), max(c.hi, p)
	}
	c.showFacts()
	for _, id := range []string{"c-n", "c-testn"} {
		on(id, "input", c.showFacts)
		on(id, "change", c.showFacts)
	}
	setText("cifar-val-note", CIFARValidationNote)
	a.showExercises(c.exercises())
	on("c-n", "change", func() { a.showExercises(c.exercises()) })
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

func (c *cifarLesson) modelName(text string) string { return cifarModelName(text) }

func (c *cifarLesson) outputs() int { return 10 }

// codeEnv is the images as pasted code names them (train_images, ...).
func (c *cifarLesson) codeEnv() (keras.Env, error) {
	return keras.CIFAREnv(max(intValue("c-n", 2000), 1), max(intValue("c-testn", 1000), 1)), nil
}

func (c *cifarLesson) codePage() codePage {
	return codePage{Lesson: "cifar", Losses: []string{"sparse_categorical_crossentropy"}, Input: nn.Shape{32, 32, 3}, Data: "32×32 RGB images"}
}

func (c *cifarLesson) exportHeader() string {
	return fmt.Sprintf("# From nnlab, the CIFAR-10 lesson: the first %d training images, %d test images.\n"+
		"# The whole notebook: run it in Jupyter as it is, or one block a cell.\n\n", max(intValue("c-n", 2000), 1), max(intValue("c-testn", 1000), 1))
}

// settings reads the data controls into rs and checks them: the images
// are loaded (offline, only those this browser keeps) and the model text
// parses.
func (c *cifarLesson) settings(rs *RunSettings) error {
	n, testN := max(intValue("c-n", 2000), 1), max(intValue("c-testn", 1000), 1)
	rs.CIFAR = &CIFARRun{N: n, TestN: testN, Preset: cifarPreset(rs.ModelText)}
	if err := c.ensure(max(n, 25), max(testN, 25)); err != nil {
		return err
	}
	_, err := rs.cifarConfig()
	return err
}

// jobData gives the job the images it trains and tests on.
func (c *cifarLesson) jobData(j *trainJob) error {
	if c.trainSet == nil || c.testSet == nil {
		return errNoData
	}
	// Head keeps what is loaded when more is asked for; the run says how
	// many are missing.
	j.CIFAR = &lab.CIFARData{Train: c.trainSet.Head(j.Run.CIFAR.N), Test: c.testSet.Head(j.Run.CIFAR.TestN)}
	return nil
}

// show shows a run's first test predictions, its confusion matrix and
// results.
func (c *cifarLesson) show(rs RunSettings, res pageResult, sink pageSink) {
	r, test := res.(*cifarResult).CIFARResult, c.testSet
	if len(r.TestPred) == 0 {
		return
	}
	k := min(25, len(r.TestPred), test.N)
	set := ImageSet{W: test.W, H: test.H, Pixels: test.Pixels[:k*test.W*test.H*3]}
	for i := 0; i < k; i++ {
		p, t := r.TestPred[i], int(test.Labels[i])
		set.Captions = append(set.Captions, datasets.ClassName(p)+" / "+datasets.ClassName(t))
		set.Wrong = append(set.Wrong, p != t)
	}
	sink.view(Msg{Kind: MsgCIFAR, Preds: &Predictions{Images: set, Confusion: r.Confusion,
		Classes: datasets.CIFARClasses[:], Accuracy: r.Metrics["test_accuracy"]}})
	resultsTable(cifarTable(r, rs.Fit.Epochs))
}

// onCPU reports whether the lab trains on the pure-Go device.
func (a *app) onCPU() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.dev.(*gpu.CPU[float32])
	return ok
}
