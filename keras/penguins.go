package keras

import (
	"fmt"
	"strings"

	"nnlab/nn"
)

// PenguinsEnv is the penguins lesson's data as its code names them: the
// prepared features and one-hot target (342 penguins after dropna), and
// train_test_split's train and test sets.
func PenguinsEnv(train, test int) Env {
	all := train + test
	return Env{Lesson: "penguins", Data: map[string][]int{
		"features": {all, 4}, "target": {all, 3},
		"X_train": {train, 4}, "y_train": {train, 3},
		"X_test": {test, 4}, "y_test": {test, 3},
	}}
}

// The penguins lesson's code prepares its data with pandas and
// scikit-learn, draws with seaborn and reads the predictions with idxmax
// and confusion_matrix: the page does each of those itself, and its notes
// say so in the lesson's terms.
const (
	hintPenguinsData = "the lab prepares penguins.csv as the lesson does: 342 penguins after dropna, 273 training and 69 test " +
		"(X_train, y_train, X_test, y_test) from the stratified train_test_split(test_size=0.2, random_state=0), " +
		"species one-hot as Adelie, Chinstrap, Gentoo"
	hintPenguinsPlot    = "the lab shows the table head, the pair plot (by species or sex), the training curve and the confusion matrix itself"
	hintPenguinsResults = "after training the lab shows the test penguins' softmax outputs with the predicted species (idxmax) " +
		"and the confusion matrix of true and predicted species"
)

// penguinsHints are the penguins lesson's hints for the modules its code
// imports.
var penguinsHints = map[string]string{
	"pandas": hintPenguinsData, "pd": hintPenguinsData, "numpy": hintPenguinsData, "np": hintPenguinsData,
	"seaborn": hintPenguinsPlot, "sns": hintPenguinsPlot, "matplotlib": hintPenguinsPlot, "plt": hintPenguinsPlot,
	"sklearn": hintPenguinsData + "; " + hintPenguinsResults,
}

// moduleHint is what the lab does instead of a module's code, in the
// lesson's terms.
func (in *interp) moduleHint(name string) (string, bool) {
	if in.env.Lesson == "penguins" {
		if h, ok := penguinsHints[name]; ok {
			return h, true
		}
	}
	h, ok := moduleHints[name]
	return h, ok
}

// plotModel is keras.utils.plot_model(model, ...): the page has no image
// to show in a note, so the note draws the model as its chain of layers.
func (in *interp) plotModel(c *Call, args []value) (value, error) {
	var mv *modelVal
	if len(args) > 0 {
		mv, _ = args[0].(*modelVal)
	}
	if mv == nil {
		return nil, errAt(c.Pos, "plot_model needs a model as its first argument, e.g. keras.utils.plot_model(model, show_shapes=True)")
	}
	if err := mv.build(in); err != nil {
		return nil, err
	}
	parts := []string{fmt.Sprintf("Input(shape=%s)", shapeText(mv.m.Input.Shape))}
	for _, l := range mv.m.Layers {
		parts = append(parts, LayerText(l))
	}
	in.note(c.Pos, "plot_model, drawn as the layers: %s; the model's summary shows their shapes and parameters", strings.Join(parts, " → "))
	return pyNone{}, nil
}

func shapeText(s nn.Shape) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = fmt.Sprint(d)
	}
	if len(p) == 1 {
		return "(" + p[0] + ",)"
	}
	return "(" + strings.Join(p, ", ") + ")"
}
