package main

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"nnlab/keras"
	"nnlab/nn"
)

var weatherPage = codePage{Lesson: "weather", Losses: []string{"mse", "mae"}, Input: nn.Shape{89}, Data: "all stations"}

func TestSettingsFromLessonCode(t *testing.T) {
	src, err := os.ReadFile("../keras/testdata/lesson/weather_batchnorm.py")
	if err != nil {
		t.Fatal(err)
	}
	p, err := keras.Run(string(src), keras.WeatherEnv(89, 1, 767, 164, 165))
	if err != nil {
		t.Fatal(err)
	}
	cs, notes, err := SettingsFromProgram(p, weatherPage)
	if err != nil {
		t.Fatal(err)
	}
	want := CodeSettings{Compile: true, Fit: true, fitSettings: fitSettings{Optimizer: "adam", Loss: "mse", Batch: 32, Epochs: 1000, Patience: 10}}
	if cs != want {
		t.Errorf("settings %+v, want %+v", cs, want)
	}
	lines := map[int]bool{}
	for _, n := range notes {
		lines[n.Line] = true
	}
	// pandas, seaborn, plt.xlabel, plt.ylabel; the import, the summary
	// and verbose=2, understood
	for _, l := range []int{31, 32, 33, 34, 1, 22, 24} {
		if !lines[l] {
			t.Errorf("no note for line %d: %v", l, NoteLines(notes))
		}
	}
	if d := differences(notes); len(d) != 4 || len(notes) != 7 {
		t.Errorf("notes %v", NoteLines(notes))
	}
	for _, n := range notes[3:] {
		if n.Panel != "curves" {
			t.Errorf("line %d points to %q, want the curves", n.Line, n.Panel)
		}
	}
	if p.Model.Name != "model_batchnorm" || keras.ModelText(p.Model.Layers) != "BatchNormalization()\nDense(100, activation=\"relu\")\nDense(50, activation=\"relu\")\nDense(1)\n" {
		t.Errorf("model %q:\n%s", p.Model.Name, keras.ModelText(p.Model.Layers))
	}
}

func TestSettingsFromCodeNotes(t *testing.T) {
	src := `model = keras.Sequential([keras.Input(shape=(89,)), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.005, momentum=0.9), loss='categorical_crossentropy', metrics=['mae'])
model.fit(X_data, y_data, epochs=5, batch_size=16, validation_split=0.2,
          callbacks=[keras.callbacks.EarlyStopping(monitor='loss', patience=3, restore_best_weights=True)])
`
	p, err := keras.Run(src, keras.WeatherEnv(89, 1, 767, 164, 165))
	if err != nil {
		t.Fatal(err)
	}
	page := weatherPage
	page.Input, page.Data = nn.Shape{9}, "station BASEL"
	cs, notes, err := SettingsFromProgram(p, page)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Optimizer != "sgd" || cs.LR != 0.005 || cs.Loss != "" || cs.Batch != 16 || cs.Epochs != 5 || cs.Patience != 3 || !cs.Restore {
		t.Errorf("settings %+v", cs)
	}
	all := strings.Join(NoteLines(notes), "\n")
	if strings.Contains(all, "restore_best_weights") {
		t.Errorf("restore_best_weights is a page control now, yet noted:\n%s", all)
	}
	for _, want := range []string{"Line 1: the code's input has shape (89,), the page's data (station BASEL) give (9,)", "momentum=0.9",
		"loss categorical_crossentropy", "metrics", "fit(X_data, ...): the page trains on X_train", "validation_split=0.2: the page has no such setting",
		"monitor=\"loss\""} {
		if !strings.Contains(all, want) {
			t.Errorf("notes lack %q:\n%s", want, all)
		}
	}
}

// The page's settings exported as Keras code and pasted back give the same
// model and settings.
func TestExportSpecsRoundTrip(t *testing.T) {
	for _, c := range []struct {
		lesson, text string
		f            fitSettings
		env          keras.Env
		in           *nn.InputLayer
	}{
		{"weather", DefaultWeatherModel, fitSettings{Optimizer: "rmsprop", LR: 0.0005, Loss: "mae", Batch: 64, Epochs: 7, Patience: 4, Restore: true},
			keras.WeatherEnv(89, 1, 767, 164, 165), &nn.InputLayer{Shape: nn.Shape{89}, Name: "input"}},
		{"cifar", CIFARPresetText("dropout"), fitSettings{Optimizer: "adam", Loss: "sparse_categorical_crossentropy", Batch: 32, Epochs: 3},
			keras.CIFAREnv(2000, 1000), nn.Input(32, 32, 3)},
		{"penguins", DefaultPenguinsModel, fitSettings{Optimizer: "adam", Loss: "categorical_crossentropy", Batch: 32, Epochs: 100},
			keras.PenguinsEnv(273, 69), &nn.InputLayer{Shape: nn.Shape{4}, Name: "input_1"}},
	} {
		m, err := keras.BuildModel(c.text, "my_model", c.in)
		if err != nil {
			t.Fatal(err)
		}
		cs, fs, err := ExportSpecs(c.f, c.lesson)
		if err != nil {
			t.Fatal(err)
		}
		code := "# a header comment\n" + keras.Export(m, cs, fs, c.lesson)
		p, err := keras.Run(code, c.env)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.lesson, err, code)
		}
		if p.Model.Summary() != m.Summary() {
			t.Errorf("%s: summary\n%s\nwant\n%s", c.lesson, p.Model.Summary(), m.Summary())
		}
		page := codePage{Lesson: c.lesson, Losses: []string{c.f.Loss}, Input: c.in.Shape}
		if c.lesson == "weather" {
			page.Losses = []string{"mse", "mae"}
		}
		got, notes, err := SettingsFromProgram(p, page)
		if err != nil {
			t.Fatal(err)
		}
		if got.fitSettings != c.f || len(differences(notes)) != 0 {
			t.Errorf("%s: settings %+v, notes %v; want %+v", c.lesson, got.fitSettings, NoteLines(notes), c.f)
		}
	}
}

func TestParseSettingsCode(t *testing.T) {
	code := "inputs = keras.Input(shape=(89,))\r\noutputs = keras.layers.Dense(1)(inputs)\r\nmodel = keras.Model(inputs, outputs)"
	s, errs := ParseSettings("lesson=weather&epochs=3&batch=x&code=" + url.QueryEscape(code))
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	if s.Code != strings.ReplaceAll(code, "\r\n", "\n") {
		t.Errorf("code %q", s.Code)
	}
	if !s.Given["epochs"] || !s.Given["code"] || s.Given["batch"] || s.Given["lr"] {
		t.Errorf("given %v: epochs and code, not the bad batch nor lr", s.Given)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 14457: "14,457", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q", n, got)
		}
	}
}

// The page's path for pasted code (keras.Run, the model text, its build on
// the page's input, the settings) on hostile code: errors at a line and
// column, or, for a model of 10,000 layers, that model.
func TestHostileCodeOnThePage(t *testing.T) {
	env := keras.WeatherEnv(89, 1, 767, 164, 165)
	model := "inputs = keras.Input(shape=(89,))\nmodel = keras.Model(inputs, keras.layers.Dense(1)(inputs))\n"
	for src, want := range map[string]string{
		`s = "xxxxxxxxxxxxxxxx"` + "\n" + strings.Repeat("s = s + s\n", 40) + model:            "line 18, column 7: this string would be 2,097,152 characters long",
		"t = 1\n" + strings.Repeat("t = (t, t)\n", 40) + "d = keras.layers.Dense(t)\n" + model: "line 21, column 5: this tuple would hold",
		strings.Repeat("(", 500000):                                            "line 1, column 201: too many nested parentheses",
		"x = " + strings.Repeat("-", 1000000) + "1\n":                          "line 1, column 205: more than 200 signs in a row",
		model + "d = keras.layers.Dense(1" + strings.Repeat("+1", 29999) + ")": "line 3, column 2023: this expression chains more than 1000 operations",
	} {
		_, err := keras.Run(src, env)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%.40q…: error %v, want %q", src, err, want)
		}
	}
	src := "model = keras.Sequential([keras.Input(shape=(89,)),\n" + strings.Repeat("    keras.layers.Dense(1),\n", 10000) + "])\nmodel.summary()\n"
	p, err := keras.Run(src, env)
	if err != nil {
		t.Fatal(err)
	}
	m, err := keras.BuildModel(keras.ModelText(p.Model.Layers), p.Model.Name, &nn.InputLayer{Shape: nn.Shape{89}, Name: "input"})
	if err != nil || len(m.Layers) != 10000 || m.Layers[9999].Name() != "dense_9999" {
		t.Fatalf("the 10,000-layer model on the page: %v", err)
	}
	if _, notes, err := SettingsFromProgram(p, weatherPage); err != nil || len(differences(notes)) != 0 {
		t.Errorf("notes %v, error %v", NoteLines(notes), err)
	}
}

// differences are the notes of lines the page does not run as written,
// without those it understands (imports, summary, verbose=).
func differences(notes []keras.Note) []keras.Note {
	var out []keras.Note
	for _, n := range notes {
		if !n.Understood {
			out = append(out, n)
		}
	}
	return out
}

func TestPanicError(t *testing.T) {
	err := panicError("using the code", "index out of range [3] with length 3")
	if want := "using the code failed inside the lab: index out of range [3] with length 3 (a bug in nnlab, not in your text; the page keeps working, please report it with the text)"; err.Error() != want {
		t.Errorf("%v", err)
	}
}
