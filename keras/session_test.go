package keras

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The notes' blocks pasted one at a time, as notebook cells: the model
// block, then compile, then the early-stopping fit, then the plot. Each
// later block uses the names the earlier ones bound.
func TestSessionSharesNamesAcrossBlocks(t *testing.T) {
	s := NewSession()
	model := `def create_nn(nodes1=100, nodes2=50):
    inputs = keras.layers.Input(shape=(X_data.shape[1],), name='input')
    layers_dense = keras.layers.Dense(nodes1, 'relu')(inputs)
    layers_dense = keras.layers.Dense(nodes2, 'relu')(layers_dense)
    outputs = keras.layers.Dense(1)(layers_dense)
    return keras.Model(inputs=inputs, outputs=outputs, name="model_small")

model = create_nn(10, 5)
model.summary()
`
	p, err := s.Run(model, weatherEnv)
	if err != nil || p.Model == nil || p.Earlier {
		t.Fatalf("the model block: %v, model %v, earlier %v", err, p != nil && p.Model != nil, p != nil && p.Earlier)
	}
	if n, _, _ := p.Model.CountParams(); n != 961 {
		t.Errorf("model_small has %d params, want 961", n)
	}
	fit := `from tensorflow.keras.callbacks import EarlyStopping

earlystopper = EarlyStopping(monitor="val_loss", patience=10, verbose=1)

history = model.fit(X_train, y_train,
                    batch_size = 32,
                    epochs = 200,
                    validation_data=(X_val, y_val),
                    callbacks=[earlystopper],
                    verbose = 2)
`
	// Without the model block first, the fit block fails as in a fresh
	// notebook.
	if _, err := NewSession().Run(fit, weatherEnv); err == nil || !strings.Contains(err.Error(), `name "model" is not defined`) {
		t.Errorf("the fit block in a fresh session: %v", err)
	}
	p, err = s.Run(fit, weatherEnv)
	if err != nil {
		t.Fatalf("the fit block after the model block: %v", err)
	}
	if p.Model == nil || !p.Earlier || p.Model.Name != "model_small" || p.Fit == nil || p.Fit.Epochs != 200 ||
		p.Fit.EarlyStopping == nil || p.Fit.EarlyStopping.Patience != 10 {
		t.Fatalf("the fit block: model %v earlier %v fit %+v", p.Model != nil, p.Earlier, p.Fit)
	}
	notes := noteText(p.Understood)
	for _, want := range []string{"1:import of EarlyStopping: understood", "5:verbose=2: the lab reports every epoch itself"} {
		if !strings.Contains(notes, want) {
			t.Errorf("the fit block's notes lack %q:\n%s", want, notes)
		}
	}
	plot := `history_df = pd.DataFrame.from_dict(history.history)
sns.lineplot(data=history_df[['root_mean_squared_error', 'val_root_mean_squared_error']])
plt.xlabel("epochs")
plt.ylabel("RMSE")
`
	for name, sess := range map[string]*Session{"after the fit": s, "alone": NewSession()} {
		p, err = sess.Run(plot, weatherEnv)
		if err != nil {
			t.Errorf("the plotting block %s: %v", name, err)
			continue
		}
		if p.Model != nil {
			t.Errorf("the plotting block %s gave a model", name)
		}
		if len(p.Notes) != 4 {
			t.Errorf("the plotting block %s: %d notes, want one a line:\n%s", name, len(p.Notes), noteText(p.Notes))
		}
		for _, n := range p.Notes {
			if n.Panel != "curves" {
				t.Errorf("the plotting block %s: line %d points to %q, want the curves", name, n.Line, n.Panel)
			}
		}
	}
	if got := strings.Join(s.Names(), " "); got != "EarlyStopping create_nn earlystopper history history_df model" {
		t.Errorf("names bound: %s", got)
	}
	s.Reset()
	if _, err := s.Run("model.summary()", weatherEnv); err == nil {
		t.Errorf("model.summary() after Reset ran")
	}
	// Run, one block on its own (nnlab code), still wants a model.
	if _, err := Run(plot, weatherEnv); err == nil || !strings.Contains(err.Error(), "builds no model") {
		t.Errorf("Run of the plotting block: %v", err)
	}
}

// Every plotting line of the lesson's code points to a panel, the images
// grid for CIFAR's, the scatter plots for the predictions'.
func TestPlotLinesPointToPanels(t *testing.T) {
	cases := []struct {
		src   string
		env   Env
		panel string
	}{
		{"plt.figure(figsize=(10,10))\nfor i in range(25):\n    plt.subplot(5,5,i+1)\nplt.imshow(train_images[0])\nplt.show()\n", cifarEnv, "images"},
		{"fig, axes = plt.subplots(1, 2, figsize=(12, 6))\naxes[0].scatter(y_train, y_train)\n", weatherEnv, "scatter"},
		{"plt.scatter(y_test, y_test, s=10, alpha=0.5)\nplt.xlabel(\"sunshine hours yesterday\")\n", weatherEnv, "scatter"},
	}
	for _, c := range cases {
		p, err := NewSession().Run(c.src, c.env)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		found := false
		for _, n := range p.Notes {
			found = found || n.Panel == c.panel
			if n.Panel != "" && n.Panel != c.panel && n.Panel != "plots" {
				t.Errorf("%q: line %d points to %q, want %q", c.src, n.Line, n.Panel, c.panel)
			}
		}
		if !found {
			t.Errorf("%q: no line points to %q:\n%s", c.src, c.panel, noteText(p.Notes))
		}
	}
}

// The lesson's files in one session, in order: each runs, and a later
// file's model replaces the earlier's.
func TestSessionRunsTheLessonInOrder(t *testing.T) {
	s := NewSession()
	for _, f := range []string{"weather_create_nn.py", "weather_compile_fit.py", "weather_validation.py", "weather_small_earlystopping.py", "weather_batchnorm.py"} {
		src, err := os.ReadFile(filepath.Join("testdata", "lesson", f))
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Run(string(src), weatherEnv)
		if err != nil || p.Model == nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
}

func noteText(ns []Note) string {
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "%d:%s\n", n.Line, n.Msg)
	}
	return b.String()
}

// The whole notebook that "Show as Keras" writes runs here too: the data
// preparation with the page's choices, the seed, the model, compile, fit.
func TestExportNotebook(t *testing.T) {
	for _, d := range []DataPrep{
		{Lesson: "weather", Years: 9, Station: "BASEL", Target: "BASEL_precipitation", Seed: 3},
		{Lesson: "weather", Years: 2.5},
		{Lesson: "cifar", N: 1000, TestN: 500, Seed: 1},
	} {
		file, env := "weather_small_earlystopping.py", weatherEnv
		if d.Lesson == "cifar" {
			file, env = "cifar_dropout.py", cifarEnv
		}
		src, err := os.ReadFile(filepath.Join("testdata", "lesson", file))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Run(string(src), env)
		if err != nil {
			t.Fatal(err)
		}
		code := ExportNotebook(d, p.Model, *p.Compile, *p.Fit)
		q, err := Run(code, env)
		if err != nil {
			t.Fatalf("%+v: the notebook does not run: %v\n%s", d, err, code)
		}
		if q.Model.Summary() != p.Model.Summary() || q.Fit.Epochs != p.Fit.Epochs {
			t.Errorf("%+v: the notebook's model or fit differ", d)
		}
		var want []string
		switch {
		case d.Lesson == "cifar":
			want = []string{"keras.utils.set_random_seed(1)", "cifar10.load_data()", "n = 1000\n", "test_images[:500]", "/ 255.0", "validates on the test set",
				"validation_data=(test_images, test_labels)"}
		case d.Station != "":
			want = []string{"import pandas as pd", "keras.utils.set_random_seed(3)", "nr_rows = 365*9\n", ".filter(regex='^BASEL_')",
				"[1:(nr_rows + 1)]['BASEL_precipitation']", "train_test_split(X_data, y_data, test_size=0.3, random_state=0)", "EarlyStopping(monitor='val_loss', patience=10"}
		default:
			want = []string{"nr_rows = 913  # 365*2.5", "drop(columns=['DATE', 'MONTH'])\n", "['BASEL_sunshine']"}
		}
		for _, w := range want {
			if !strings.Contains(code, w) {
				t.Errorf("%+v: the notebook lacks %q:\n%s", d, w, code)
			}
		}
	}
}
