//go:build js

package main

import (
	"bytes"
	"fmt"
	"strings"
	"syscall/js"

	"nnlab/datasets"
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

// jobData gives the job the lesson's split.
func (l *penguinsLesson) jobData(j *trainJob) error {
	if l.data == nil {
		return errNoData
	}
	j.Penguins = l.data
	return nil
}

// show shows a run's confusion matrix, results and test predictions.
func (l *penguinsLesson) show(rs RunSettings, res pageResult, sink pageSink) {
	r := res.(*penguinsResult).PenguinsResult
	if len(r.Confusion) == 0 {
		return
	}
	sink.view(Msg{Kind: MsgCIFAR, Preds: penguinsConfusion(r)})
	resultsTable(penguinsTable(r, rs.Fit.Epochs))
	box := byID("results")
	det := document.Call("createElement", "details")
	det.Set("id", "penguins-preds")
	det.Set("open", true)
	sum := document.Call("createElement", "summary")
	sum.Set("textContent", fmt.Sprintf("Predictions on the %d test penguins: softmax outputs, predicted species (idxmax), true species", len(r.TestPred)))
	det.Call("appendChild", sum)
	wrap := document.Call("createElement", "div")
	wrap.Set("className", "scroll")
	wrap.Call("appendChild", tableElement(penguinsPredictions(r, len(r.TestPred))))
	det.Call("appendChild", wrap)
	box.Call("appendChild", det)
}
