package keras

import (
	"os"
	"strings"
	"testing"

	"nnlab/nn"
)

// The penguins episode's code, pasted whole: the functional model (83
// parameters), compile with CategoricalCrossentropy and fit for 100
// epochs run; pandas, scikit-learn and seaborn lines, model.predict,
// idxmax, confusion_matrix and the DataFrame attributes it sets are notes
// in the lesson's terms, not errors.
func TestPenguinsEpisodeCode(t *testing.T) {
	src, err := os.ReadFile("testdata/penguins/penguins_episode.py")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Run(string(src), PenguinsEnv(273, 69))
	if err != nil {
		t.Fatal(err)
	}
	if n, _, _ := p.Model.CountParams(); n != 83 || len(p.Model.Input.Shape) != 1 || p.Model.Input.Shape[0] != 4 {
		t.Errorf("model: %d params, input %v; want 83, (4,)", n, p.Model.Input.Shape)
	}
	if p.Compile == nil || p.Compile.Loss != nn.CategoricalCrossentropy(false) || p.Compile.Optimizer.Name != "adam" {
		t.Errorf("compile %+v", p.Compile)
	}
	if p.Fit == nil || p.Fit.Epochs != 100 || p.Fit.X != "X_train" {
		t.Errorf("fit %+v", p.Fit)
	}
	notes := map[int]string{}
	for _, n := range p.Notes {
		notes[n.Line] = n.Msg
	}
	for line, want := range map[int]string{
		5:  "pair plot",                 // sns.pairplot
		7:  "pair plot",                 // penguins.drop(...).dropna(), on seaborn's frame
		11: "one-hot",                   // pd.get_dummies
		12: "342 penguins after dropna", // target.head()
		15: "273 training and 69 test",
		32: "softmax outputs",  // model.predict
		37: "idxmax",           // y_test.idxmax
		40: "not run (pandas)", // confusion_df.index.name = ...
	} {
		if !strings.Contains(notes[line], want) {
			t.Errorf("line %d: note %q, want one with %q", line, notes[line], want)
		}
	}
	for _, n := range append(p.Notes, p.Understood...) {
		if strings.Contains(n.Msg, "stations") || strings.Contains(n.Msg, "test_size=0.3") {
			t.Errorf("line %d: a weather note in the penguins lesson: %s", n.Line, n.Msg)
		}
	}
}

// plot_model is drawn in a note as the chain of layers.
func TestPenguinsPlotModel(t *testing.T) {
	src := "inputs = keras.Input(shape=(4,))\nx = keras.layers.Dense(10, activation='relu')(inputs)\n" +
		"out = keras.layers.Dense(3, activation='softmax')(x)\nmodel = keras.Model(inputs=inputs, outputs=out)\n" +
		"keras.utils.plot_model(model, show_shapes=True)\n"
	p, err := Run(src, PenguinsEnv(273, 69))
	if err != nil {
		t.Fatal(err)
	}
	want := `Input(shape=(4,)) → Dense(10, activation="relu") → Dense(3, activation="softmax")`
	if len(p.Notes) != 1 || p.Notes[0].Line != 5 || !strings.Contains(p.Notes[0].Msg, want) {
		t.Errorf("notes %v; want line 5 with %q", p.Notes, want)
	}
	if _, err := Run("keras.utils.plot_model(3)\n", PenguinsEnv(273, 69)); err == nil || !strings.Contains(err.Error(), "plot_model needs a model") {
		t.Errorf("plot_model(3): %v", err)
	}
}

// The episode's optional Sequential model, with plot_model.
func TestPenguinsSequential(t *testing.T) {
	src, err := os.ReadFile("testdata/penguins/penguins_sequential.py")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Run(string(src), PenguinsEnv(273, 69))
	if err != nil {
		t.Fatal(err)
	}
	if n, _, _ := p.Model.CountParams(); n != 83 || p.Fit == nil || p.Fit.Epochs != 100 {
		t.Errorf("%d params, fit %+v", n, p.Fit)
	}
	found := false
	for _, n := range p.Notes {
		found = found || n.Line == 11 && strings.Contains(n.Msg, "Dense(10, activation=\"relu\") → Dense(3, activation=\"softmax\")")
	}
	if !found {
		t.Errorf("no plot_model drawing at line 11: %v", p.Notes)
	}
}
