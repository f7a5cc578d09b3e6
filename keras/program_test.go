package keras

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nnlab/nn"
)

var weatherEnv = WeatherEnv(89, 1, 767, 164, 165)
var cifarEnv = CIFAREnv(4000, 1000)

// Every model-building, compile and fit block of the two lessons, as the
// lesson prints it, builds Keras's model (counts from Keras's summaries in
// the lesson, or Keras's formulas for the CIFAR models).
func TestLessonCodeBlocks(t *testing.T) {
	cases := []struct {
		file              string
		env               Env
		total, train, non int
		layers            string // type(output shape) per layer
		compiled, fit     bool
		epochs, patience  int
		val               string
	}{
		{"weather_create_nn.py", weatherEnv, 14101, 14101, 0, "Dense(None, 100) Dense(None, 50) Dense(None, 1)", false, false, 0, 0, ""},
		{"weather_compile_fit.py", weatherEnv, 14101, 14101, 0, "Dense(None, 100) Dense(None, 50) Dense(None, 1)", true, true, 200, 0, ""},
		{"weather_validation.py", weatherEnv, 14101, 14101, 0, "Dense(None, 100) Dense(None, 50) Dense(None, 1)", true, true, 200, 0, "X_val"},
		{"weather_small_earlystopping.py", weatherEnv, 961, 961, 0, "Dense(None, 10) Dense(None, 5) Dense(None, 1)", true, true, 200, 10, "X_val"},
		{"weather_batchnorm.py", weatherEnv, 14457, 14279, 178, "BatchNormalization(None, 89) Dense(None, 100) Dense(None, 50) Dense(None, 1)", true, true, 1000, 10, "X_val"},
		{"weather_tensorboard.py", weatherEnv, 14101, 14101, 0, "Dense(None, 100) Dense(None, 50) Dense(None, 1)", true, true, 200, 0, "X_val"},
		{"cifar_small.py", cifarEnv, 261034, 261034, 0, "Conv2D(None, 30, 30, 32) Conv2D(None, 28, 28, 32) Flatten(None, 25088) Dense(None, 10)", false, false, 0, 0, ""},
		{"cifar_pool.py", cifarEnv, 47370, 47370, 0, "Conv2D(None, 30, 30, 32) MaxPooling2D(None, 15, 15, 32) Conv2D(None, 13, 13, 32) MaxPooling2D(None, 6, 6, 32) Flatten(None, 1152) Dense(None, 32) Dense(None, 10)", false, false, 0, 0, ""},
		{"cifar_dropout.py", cifarEnv, 36138, 36138, 0, "Conv2D(None, 30, 30, 32) MaxPooling2D(None, 15, 15, 32) Conv2D(None, 13, 13, 32) MaxPooling2D(None, 6, 6, 32) Conv2D(None, 4, 4, 32) Dropout(None, 4, 4, 32) Flatten(None, 512) Dense(None, 32) Dense(None, 10)", true, true, 20, 0, "test_images"},
	}
	for _, c := range cases {
		src, err := os.ReadFile(filepath.Join("testdata", "lesson", c.file))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Run(string(src), c.env)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		total, train, non := p.Model.CountParams()
		if total != c.total || train != c.train || non != c.non {
			t.Errorf("%s: params %d/%d/%d, Keras: %d/%d/%d", c.file, total, train, non, c.total, c.train, c.non)
		}
		var ls []string
		for _, l := range p.Model.Layers {
			ls = append(ls, l.Type()+l.(interface{ OutputShape() nn.Shape }).OutputShape().String())
		}
		if got := strings.Join(ls, " "); got != c.layers {
			t.Errorf("%s: layers %s, want %s", c.file, got, c.layers)
		}
		if (p.Compile != nil) != c.compiled || (p.Fit != nil) != c.fit {
			t.Errorf("%s: compiled %v fit %v", c.file, p.Compile != nil, p.Fit != nil)
			continue
		}
		if p.Fit != nil {
			if p.Fit.Epochs != c.epochs || p.Fit.ValX != c.val || p.Fit.BatchSize != 32 {
				t.Errorf("%s: fit %+v", c.file, *p.Fit)
			}
			if (c.patience > 0) != (p.Fit.EarlyStopping != nil) || (p.Fit.EarlyStopping != nil && p.Fit.EarlyStopping.Patience != c.patience) {
				t.Errorf("%s: early stopping %+v, want patience %d", c.file, p.Fit.EarlyStopping, c.patience)
			}
		}
	}
}

func TestLessonSummaryIsKeras(t *testing.T) {
	src, _ := os.ReadFile("testdata/lesson/weather_create_nn.py")
	p, err := Run(string(src), weatherEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := ` input (InputLayer)          [(None, 89)]              0`
	if s := p.Model.Summary(); !strings.Contains(s, want) || !strings.Contains(s, `Model: "weather_prediction_model"`) || !strings.Contains(s, " dense_2 (Dense)             (None, 1)                 51") {
		t.Errorf("summary:\n%s", s)
	}
	if p.Summaries != 1 {
		t.Errorf("%d summary calls", p.Summaries)
	}
}

func TestUnsupportedLinesGetFriendlyNotes(t *testing.T) {
	src := `import pandas as pd
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
data = pd.read_csv('weather.csv')
X_train, X_holdout, y_train, y_holdout = train_test_split(X_data, y_data, test_size=0.3, random_state=0)
for i in range(3):
    print(i)
inputs = keras.Input(shape=(89,))
outputs = keras.layers.Dense(1)(inputs)
model = keras.Model(inputs, outputs)
plt.plot([1, 2])
%matplotlib inline
`
	p, err := Run(src, weatherEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{4: "data controls", 5: "train_test_split(X, y, test_size=0.3, random_state=0)", 6: "loops", 11: "draws the training curves", 12: "notebook magics"}
	got := map[int]string{}
	for _, n := range p.Notes {
		got[n.Line] = n.Msg
	}
	for line, frag := range want {
		if !strings.Contains(got[line], frag) {
			t.Errorf("line %d: note %q, want it to mention %q (all: %v)", line, got[line], frag, p.Notes)
		}
	}
	if total, _, _ := p.Model.CountParams(); total != 90 {
		t.Errorf("model has %d params", total)
	}
}

func TestProgramErrorsNameLineAndColumn(t *testing.T) {
	cases := []struct{ src, want string }{
		{"inputs = keras.Input(shape=(89,))\nx = keras.layers.Dens(10)(inputs)", "line 2, column 5: unknown layer keras.layers.Dens (did you mean Dense?)"},
		{"inputs = keras.Input(shape=(89,))\nx = keras.layers.Dense(10)(inputz)", "line 2, column 28: name \"inputz\" is not defined"},
		{"inputs = keras.Input(shape=(89,))\nx = keras.layers.Flatten()(inputs)\nx = keras.layers.Conv2D(3, 3)(x)\nm = keras.Model(inputs, x)", "line 3, column 5: conv2d does not fit its input (None, 89)"},
		{"def f(:\n  pass", "line 1, column 7"},
		{"x = keras.layers.Dense(10", "missing \")\""},
		{"model = keras.Sequential([keras.layers.Dense(1)])\nmodel.summary()", "no input shape"},
		{"x = 1", "builds no model"},
		{"inputs = keras.Input(shape=(89,))\nm = keras.Model(inputs, keras.layers.Dense(1)(inputs))\nm.fit(X_trian, y_train)", "name \"X_trian\" is not defined (the weather lesson's data are X_data, X_holdout, X_test, X_train, X_val"},
		{"  x = 1", "unexpected indentation"},
	}
	for _, c := range cases {
		_, err := Run(c.src, weatherEnv)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

func TestSequentialAndOptimizerObjects(t *testing.T) {
	src := `model = keras.Sequential([
    keras.Input(shape=(89,)),
    keras.layers.BatchNormalization(),
    keras.layers.Dense(10, activation="relu"),
])
model.add(keras.layers.Dense(1))
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.005, momentum=0.9), loss=keras.losses.MeanAbsoluteError(), metrics=["mae"])
model.fit(X_train, y_train, epochs=5, batch_size=16, validation_split=0.2,
          callbacks=[keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)])
`
	p, err := Run(src, weatherEnv)
	if err != nil {
		t.Fatal(err)
	}
	if total, _, _ := p.Model.CountParams(); total != 356+900+11 {
		t.Errorf("params %d", total)
	}
	c, f := p.Compile, p.Fit
	if c.Optimizer.Name != "sgd" || c.Optimizer.LR != 0.005 || c.Optimizer.Momentum != 0.9 || c.Loss.Name != "mae" || c.Metrics[0].Name != "mae" {
		t.Errorf("compile %+v", c)
	}
	if f.Epochs != 5 || f.BatchSize != 16 || f.ValidationSplit != 0.2 || !f.EarlyStopping.RestoreBestWeights || f.EarlyStopping.Patience != 3 {
		t.Errorf("fit %+v", f)
	}
}

// Export to Keras code, paste it back: the same model and settings.
func TestExportRoundTrip(t *testing.T) {
	for _, file := range []string{"weather_small_earlystopping.py", "weather_batchnorm.py", "cifar_dropout.py"} {
		src, _ := os.ReadFile(filepath.Join("testdata", "lesson", file))
		env := weatherEnv
		lesson := "weather"
		if strings.HasPrefix(file, "cifar") {
			env, lesson = cifarEnv, "cifar"
		}
		p, err := Run(string(src), env)
		if err != nil {
			t.Fatal(err)
		}
		code := Export(p.Model, *p.Compile, *p.Fit, lesson)
		q, err := Run(code, env)
		if err != nil {
			t.Fatalf("%s: exported code does not run: %v\n%s", file, err, code)
		}
		if p.Model.Summary() != q.Model.Summary() {
			t.Errorf("%s: round trip changed the model:\n%s\n%s", file, p.Model.Summary(), q.Model.Summary())
		}
		if p.Compile.Optimizer != q.Compile.Optimizer || p.Compile.Loss != q.Compile.Loss || len(p.Compile.Metrics) != len(q.Compile.Metrics) {
			t.Errorf("%s: compile changed: %+v vs %+v", file, p.Compile, q.Compile)
		}
		pf, qf := *p.Fit, *q.Fit
		pf.Pos, qf.Pos = Pos{}, Pos{}
		if pf.Epochs != qf.Epochs || pf.BatchSize != qf.BatchSize || pf.ValX != qf.ValX || (pf.EarlyStopping == nil) != (qf.EarlyStopping == nil) {
			t.Errorf("%s: fit changed: %+v vs %+v", file, pf, qf)
		}
		for _, n := range q.Notes {
			if !n.Understood {
				t.Errorf("%s: exported code has a line the lab does not run: %v", file, n)
			}
		}
	}
}

// Python details the lesson's code and learners' variants use: a chain of
// assignments, nested unpacking, tuple concatenation, a layer imported
// under another name, Python's modulo, division by zero.
func TestPythonDetails(t *testing.T) {
	src := `from tensorflow.keras.layers import Dense as D
x = inputs = keras.Input(shape=X_train.shape[1:] + (0 + 1 - 1,)[:0])
a, (b, c) = 1, (-7 % 3, 7 // -2)
x = D(b + c + 10)(x)
model = keras.Model(inputs, keras.layers.Dense(1)(x))
`
	p, err := Run(src, weatherEnv)
	if err != nil {
		t.Fatal(err)
	}
	// -7 % 3 == 2 and 7 // -2 == -4 in Python: Dense(8)
	if total, _, _ := p.Model.CountParams(); total != 90*8+9 {
		t.Errorf("params %d, want %d", total, 90*8+9)
	}
	if _, err := Run("x = 1 / (2 - 2)", weatherEnv); err == nil || !strings.Contains(err.Error(), "line 1, column 7: division by zero") {
		t.Errorf("1 / 0: %v", err)
	}
}
