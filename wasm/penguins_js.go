//go:build js

package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"syscall/js"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/keras"
	"nnlab/lab"
	"nnlab/nn"
)

const penguinsFile = "data/penguins.csv"

// penguinsLesson is the workshop's first Keras episode, "Classification by
// a neural network using Keras": species of Palmer penguins from four
// measurements.
type penguinsLesson struct {
	data *lab.PenguinsData // the file, prepared and split as the lesson does
}

func (l *penguinsLesson) load(a *app) error {
	setText("lesson-title", "Classification by a neural network using Keras: penguins")
	setHidden("penguins-controls", false)
	setOptions("loss", []string{"categorical_crossentropy"}, []string{"CategoricalCrossentropy()"})
	b, _, err := fetchBytes(penguinsFile, 0)
	if err != nil {
		return err
	}
	p, err := datasets.ParsePenguins(bytes.NewReader(b), penguinsFile)
	if err != nil {
		return err
	}
	d, err := lab.PreparePenguins(p, lab.PenguinsConfig{})
	if err != nil {
		return err
	}
	l.data = d
	counts, err := p.ValueCounts("species")
	if err != nil {
		return err
	}
	var cs, missing []string
	for _, c := range counts {
		cs = append(cs, fmt.Sprintf("%s %d", c.Value, c.Count))
	}
	for _, c := range p.Columns {
		n := 0
		for i := range p.Rows() {
			if p.Missing(i, c) {
				n++
			}
		}
		if n > 0 {
			missing = append(missing, fmt.Sprintf("%s %d", c, n))
		}
	}
	facts("penguins-facts",
		"penguins.shape", fmt.Sprintf("(%d, %d): %d penguins, columns %s", p.Rows(), len(p.Columns), p.Rows(), strings.Join(p.Columns, ", ")),
		"species", strings.Join(cs, ", "),
		"missing values", strings.Join(missing, ", "),
	)
	dataTable("penguins-head", penguinsHead(p, 5))
	s := d.Split
	testCounts := make([]int, len(d.Prepared.Classes))
	for i := range s.YTest.Rows {
		testCounts[argmaxRow(s.YTest.Row(i))]++
	}
	var tc []string
	for i, c := range d.Prepared.Classes {
		tc = append(tc, fmt.Sprintf("%d %s", testCounts[i], c))
	}
	facts("penguins-prep",
		"features", strings.Join(s.XTrain.Names, ", ")+" (island and sex dropped; not scaled, as in the lesson)",
		"dropna", fmt.Sprintf("dropped %s; %d rows left", penguinsDroppedText(d.Prepared), d.Prepared.X.Rows),
		"target", "pd.get_dummies(species): "+strings.Join(d.Prepared.Classes, ", "),
		"split", fmt.Sprintf("train_test_split(test_size=0.2, random_state=0, shuffle=True, stratify=target): %d training, %d test penguins (test: %s)",
			s.XTrain.Rows, s.XTest.Rows, strings.Join(tc, ", ")),
	)
	dataTable("penguins-dummies", penguinsDummiesHead(d.Prepared, 5))
	send := func() {
		hue := value("p-hue")
		if hue != "sex" {
			hue = "species"
		}
		pp, err := NewPairPlot(p, hue)
		if err != nil {
			showError(err.Error())
			return
		}
		a.view.send(Msg{Kind: MsgPairs, Pairs: pp})
	}
	send()
	on("p-hue", "change", send)
	return nil
}

func argmaxRow(r []float32) int {
	best := 0
	for i, v := range r {
		if v > r[best] {
			best = i
		}
	}
	return best
}

// dataTable fills the element id with a table (header row first), as a
// notebook shows a DataFrame.
func dataTable(id string, rows [][]string) {
	box := byID(id)
	box.Set("innerHTML", "")
	box.Call("appendChild", tableElement(rows))
}

// tableElement is a DataFrame as a notebook shows it: the index and the
// columns as heads.
func tableElement(rows [][]string) js.Value {
	t := textTable(rows, true)
	t.Set("className", "frame")
	return t
}

func (l *penguinsLesson) input() *nn.InputLayer {
	if l.data == nil {
		return nil
	}
	return &nn.InputLayer{Shape: nn.Shape{l.data.Split.XTrain.Cols}, Name: "input_1"}
}

func (l *penguinsLesson) modelName(text string) string { return penguinsModelName(text) }

func (l *penguinsLesson) outputs() int {
	if l.data == nil {
		return 3
	}
	return len(l.data.Prepared.Classes)
}

// settings checks the model text; the data are the lesson's, prepared once.
func (l *penguinsLesson) settings(rs *RunSettings) error {
	_, err := rs.penguinsConfig()
	return err
}

func (l *penguinsLesson) codeEnv() (keras.Env, error) {
	s := l.data.Split
	return keras.PenguinsEnv(s.XTrain.Rows, s.XTest.Rows), nil
}

func (l *penguinsLesson) codePage() codePage {
	return codePage{Lesson: "penguins", Losses: []string{"categorical_crossentropy"}, Input: nn.Shape{len(datasets.PenguinsMeasurements)},
		Data: "the four measurements"}
}

func (l *penguinsLesson) exportHeader() string {
	return "# From nnlab, the penguins lesson: X_train, y_train, X_test, y_test come from\n" +
		"# penguins.drop(columns=['island', 'sex']).dropna(), pd.get_dummies(species) and\n" +
		"# train_test_split(features, target, test_size=0.2, random_state=0, shuffle=True, stratify=target).\n"
}

// run trains; it reads no control, and shows itself through r.
func (l *penguinsLesson) run(ctx context.Context, dev gpu.Device, rs RunSettings, r *reporter) (pageResult, error) {
	f := rs.Fit
	cfg, err := rs.penguinsConfig()
	if err != nil {
		return nil, err
	}
	r.start(Msg{Kind: MsgRun, Epochs: f.Epochs, Keys: lab.PenguinsLogKeys, Status: "training", Loss: "categorical crossentropy",
		Title: fmt.Sprintf("%s (lr %s), batch %d, on %s", f.Optimizer, lrText(f.LR), f.Batch, dev.Name())})
	res, err := lab.RunPenguins(ctx, cfg, dev, l.data, r.hooks(func(fr lab.FitReport) {
		what := "Predicting"
		if fr.Stopped {
			what = fmt.Sprintf("Stopped after %d of %d epochs. Predicting", fr.EpochsRun, f.Epochs)
		}
		r.status(what + " the test penguins…")
	}))
	if res == nil {
		return nil, err
	}
	if err == nil && len(res.Confusion) > 0 {
		r.view(Msg{Kind: MsgCIFAR, Preds: penguinsConfusion(res)})
		r.results(penguinsTable(res, f.Epochs))
		box := byID("results")
		det := document.Call("createElement", "details")
		det.Set("id", "penguins-preds")
		det.Set("open", true)
		sum := document.Call("createElement", "summary")
		sum.Set("textContent", fmt.Sprintf("Predictions on the %d test penguins: softmax outputs, predicted species (idxmax), true species", len(res.TestPred)))
		det.Call("appendChild", sum)
		wrap := document.Call("createElement", "div")
		wrap.Set("className", "scroll")
		wrap.Call("appendChild", tableElement(penguinsPredictions(res, len(res.TestPred))))
		det.Call("appendChild", wrap)
		box.Call("appendChild", det)
	}
	r.status(statusLine(res.Stopped, err, res.EpochsRun, res.TrainSeconds))
	return &penguinsResult{PenguinsResult: res}, err
}
