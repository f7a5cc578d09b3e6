package keras

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nnlab/nn"
)

// A layer that the memory budget refuses (Dense(3000000000)) is
// reported at its own line and column, not at the model's: in a Sequential
// list, in the functional API and in the model editor's text.
func TestBudgetErrorAtLayer(t *testing.T) {
	for _, c := range []struct {
		name, src string
		line, col int
	}{
		{"sequential", "model = keras.Sequential([\n    keras.Input(shape=(89,)),\n    keras.layers.Dense(10),\n    keras.layers.Dense(3000000000),\n    keras.layers.Dense(1),\n])\n", 4, 5},
		{"functional", "inputs = keras.Input(shape=(89,))\nx = keras.layers.Dense(10)(inputs)\nx = keras.layers.Dense(3000000000)(x)\noutputs = keras.layers.Dense(1)(x)\nmodel = keras.Model(inputs, outputs)\nmodel.summary()\n", 3, 5},
		{"add", "model = keras.Sequential()\nmodel.add(keras.Input(shape=(89,)))\nmodel.add(keras.layers.Dense(10))\nmodel.add(  keras.layers.Dense(3000000000))\nmodel.compile(optimizer='adam', loss='mse')\n", 4, 13},
	} {
		_, err := Run(c.src, weatherEnv)
		wantBudgetAt(t, c.name, err, c.line, c.col)
	}
	_, err := BuildModel("Dense(10)\n  Dense(3000000000)\nDense(1)\n", "m", &nn.InputLayer{Shape: nn.Shape{89}, Name: "input"})
	wantBudgetAt(t, "model text", err, 2, 3)
}

func wantBudgetAt(t *testing.T, name string, err error, line, col int) {
	t.Helper()
	var ke *Error
	switch {
	case !errors.As(err, &ke):
		t.Errorf("%s: error %v, want a *keras.Error", name, err)
	case ke.Line != line || ke.Col != col:
		t.Errorf("%s: error at line %d, column %d, want the layer's, line %d, column %d: %v", name, ke.Line, ke.Col, line, col, err)
	case !strings.Contains(ke.Msg, "Dense(3000000000) (layer dense_1) needs about"):
		t.Errorf("%s: message %q", name, ke.Msg)
	}
}

// The interpreter's notes are shown by the page and printed by `nnlab
// code` in a terminal: they name neither as where they are read ("the
// page loads ..."), but the lab and, where it matters, both.
func TestNotesFitPageAndTerminal(t *testing.T) {
	files, err := filepath.Glob("testdata/lesson/*.py")
	if err != nil || len(files) == 0 {
		t.Fatalf("no lesson files: %v", err)
	}
	extra := "import pandas as pd\ndata = pd.read_csv('weather.csv')\nprint(data)\nfor i in range(3):\n    print(i)\nplt.plot([1, 2])\n%matplotlib inline\n" +
		"keras.utils.set_random_seed(1)\n(train_images, train_labels), (test_images, test_labels) = keras.datasets.cifar10.load_data()\n" +
		"train_images = train_images / 255.0\n"
	// A model of its own for evaluate and save, whatever the lesson's is named.
	extra += "m = keras.Sequential([keras.Input(shape=(89,)), keras.layers.Dense(1)])\nm.save('m.keras')\n"
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		env, eval := weatherEnv, "m.evaluate(X_test, y_test)\n"
		if strings.Contains(f, "cifar") {
			env, eval = cifarEnv, "m.evaluate(test_images, test_labels)\n"
		}
		p, err := Run(string(src)+extra+eval, env)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, note := range p.Notes {
			n++
			if strings.Contains(strings.ToLower(note.Msg), "the page") {
				t.Errorf("%s:%d: %q says \"the page\", which a terminal is not", f, note.Line, note.Msg)
			}
		}
	}
	if n < 10*len(files) {
		t.Errorf("only %d notes from %d files: the test checks too little", n, len(files))
	}
}
