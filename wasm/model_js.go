//go:build js

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall/js"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/lab"
	"nnlab/modelfile"
	"nnlab/nn"
)

// Model files in the page: the trained model downloads as a .keras file
// or for TF.js, and "Load model" loads either (a .keras file, or a TF.js
// model.json chosen together with its weights .bin) to evaluate it on the
// lesson's test set and show its predictions. #model-result holds what
// the page shows as JSON (modelReport), for tests and automation.

// modelReport is #model-result: the trained or loaded model's test metrics
// and its predictions for the first test samples.
type modelReport struct {
	Source      string             `json:"source"` // "trained" or "loaded"
	File        string             `json:"file,omitempty"`
	Model       string             `json:"model"`
	Lesson      string             `json:"lesson"`
	Samples     int                `json:"samples,omitempty"` // test samples evaluated
	Metrics     map[string]float64 `json:"metrics,omitempty"`
	Predictions [][]float32        `json:"predictions"`     // model.predict of the first test samples
	Truth       []float32          `json:"truth,omitempty"` // their targets (weather) or labels (cifar, penguins)
	// Classification of named classes (penguins): the class names and the
	// test set's confusion_matrix(true, predicted).
	Classes   []string `json:"classes,omitempty"`
	Confusion [][]int  `json:"confusion,omitempty"`
}

// pageModels holds the last run's trained model (weights read back when
// fit ended) between the run and the download buttons.
var pageModels struct {
	sync.Mutex
	trained *modelfile.Saved // the last run's, with its settings
}

// setupModelFiles wires the download buttons and the file input.
func (a *app) setupModelFiles() {
	on("download-keras", "click", func() { a.download(false) })
	on("download-tfjs", "click", func() { a.download(true) })
	on("model-file", "change", a.loadModelFiles)
}

// modelTrained runs when a run has ended: a model it trained gets its
// compile settings and lesson, and the download buttons.
func (a *app) modelTrained(rs RunSettings, out *runOutcome) {
	pageModels.Lock()
	s, preds := out.saved, out.Preds
	if s != nil {
		s.Compile, s.Lesson = runCompile(rs), a.runLesson(rs)
		if rs.Lesson == "penguins" {
			var err error
			if s, err = penguinsSaved(s, rs); err != nil {
				showError("The trained model cannot be saved: " + err.Error())
			}
		}
		pageModels.trained = s
	}
	pageModels.Unlock()
	setDisabled("download-keras", s == nil)
	setDisabled("download-tfjs", s == nil)
	if s == nil {
		return
	}
	setText("model-status", fmt.Sprintf("The trained model %s can be downloaded: as a .keras file for keras.models.load_model, or for TensorFlow.js (model.json and its weights).", s.Model.Name))
	setHidden("model-results", true)
	showModelReport(&modelReport{Source: "trained", Model: s.Model.Name, Lesson: rs.Lesson, Predictions: preds})
}

// runCompile is the run's model.compile settings.
func runCompile(rs RunSettings) *modelfile.Compile {
	f := rs.Fit
	opt, err := nn.OptimizerByName(f.Optimizer)
	if err != nil {
		opt = nn.Adam()
	}
	if f.LR > 0 {
		opt.LR = float32(f.LR)
	}
	switch rs.Lesson {
	case "cifar":
		return &modelfile.Compile{Optimizer: opt, Loss: nn.SparseCategoricalCrossentropy(true), Metrics: []nn.Metric{nn.Accuracy()}}
	case "penguins":
		return &modelfile.Compile{Optimizer: opt, Loss: nn.CategoricalCrossentropy(false), Metrics: []nn.Metric{nn.Accuracy()}}
	case "weather":
	default:
		return nil // another lesson's loss: the file says none, Build picks one that fits
	}
	loss, err := nn.LossByName(f.Loss)
	if err != nil {
		loss = nn.MeanSquaredError
	}
	return &modelfile.Compile{Optimizer: opt, Loss: loss, Metrics: []nn.Metric{nn.RootMeanSquaredError()}}
}

// runLesson is what a saved model says of the data the run trained on.
func (a *app) runLesson(rs RunSettings) *modelfile.Lesson {
	if w := rs.Weather; w != nil {
		l := &modelfile.Lesson{Name: "weather", Years: w.Years, Station: w.Station, Targets: []string{w.Target}}
		if a.w != nil && a.w.prep != nil {
			l.Features = a.w.prep.Split.XTrain.Names
		}
		return l
	}
	if rs.Lesson == "cifar" {
		return &modelfile.Lesson{Name: "cifar", Classes: datasets.CIFARClasses[:]}
	}
	if rs.Lesson == "penguins" && a.p != nil && a.p.data != nil {
		// The page's split: the lesson's test_size=0.2, random_state=0.
		d := a.p.data
		return &modelfile.Lesson{Name: "penguins", Features: d.Split.XTrain.Names, Classes: d.Prepared.Classes, TestSize: 0.2}
	}
	return &modelfile.Lesson{Name: rs.Lesson}
}

// download saves the trained model as name.keras, or for TF.js as
// name.json with name.weights.bin (as TF.js's model.save("downloads://name")).
func (a *app) download(tfjs bool) {
	pageModels.Lock()
	s := pageModels.trained
	pageModels.Unlock()
	if s == nil {
		setText("model-status", "Train a model first: the buttons download the model of the last run.")
		return
	}
	name := fileName(s.Model.Name)
	if !tfjs {
		b, err := modelfile.WriteKeras(s)
		if err != nil {
			showError("Could not write the .keras file: " + err.Error())
			return
		}
		saveFile(name+".keras", "application/zip", b)
		setText("model-status", fmt.Sprintf("Downloaded %s.keras (%s). In Python: model = keras.models.load_model(%q)", name, nn.FormatBytes(int64(len(b))), name+".keras"))
		return
	}
	mj, bin, err := modelfile.WriteTFJS(s, name+".weights.bin")
	if err != nil {
		showError("Could not write the TF.js model: " + err.Error())
		return
	}
	saveFile(name+".json", "application/json", mj)
	saveFile(name+".weights.bin", "application/octet-stream", bin)
	setText("model-status", fmt.Sprintf("Downloaded %s.json and %s.weights.bin: keep them in one folder; in JavaScript, tf.loadLayersModel(\".../%s.json\").", name, name, name))
}

// fileName makes a model name safe as a file name.
func fileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
	if s == "" || strings.Trim(s, "._") == "" {
		return "model"
	}
	return s
}

// saveFile makes the browser download b as name.
func saveFile(name, mime string, b []byte) {
	blob := js.Global().Get("Blob").New([]any{bytesToJS(b)}, map[string]any{"type": mime})
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	link := document.Call("createElement", "a")
	link.Set("href", url)
	link.Set("download", name)
	link.Set("hidden", true)
	document.Get("body").Call("appendChild", link)
	link.Call("click")
	link.Call("remove")
	// The download has started from the URL; free it a while later.
	js.Global().Call("setTimeout", js.FuncOf(func(js.Value, []js.Value) any {
		js.Global().Get("URL").Call("revokeObjectURL", url)
		return nil
	}), 60000)
}

// maxModelFile bounds what "Load model" reads into memory.
const maxModelFile = 256 << 20

// loadModelFiles loads the chosen model file(s) and evaluates the model
// on the lesson's test set. Every failure is a message on the page.
func (a *app) loadModelFiles() {
	input := byID("model-file")
	files := input.Get("files")
	n := files.Length()
	if n == 0 {
		return
	}
	setText("model-status", "Loading the model…")
	setHidden("model-results", true)
	byID("model-results").Set("innerHTML", "")
	setText("model-result", "")
	contents := map[string][]byte{}
	var names []string
	for i := 0; i < n; i++ {
		f := files.Index(i)
		name := f.Get("name").String()
		if size := f.Get("size").Float(); size > maxModelFile {
			a.modelError(fmt.Sprintf("%s is %s, more than the page loads (%s): is it a model file?", name, nn.FormatBytes(int64(size)), nn.FormatBytes(maxModelFile)))
			return
		}
		b, err := readFile(f)
		if err != nil {
			a.modelError(fmt.Sprintf("Could not read %s: %v", name, err))
			return
		}
		contents[name] = b
		names = append(names, name)
	}
	// Let the same file be chosen again (after a fix) and still fire change.
	input.Set("value", "")
	main, err := mainModelFile(names)
	if err != nil {
		a.modelError(err.Error())
		return
	}
	s, err := modelfile.Load(contents[main], func(want string) ([]byte, error) {
		if b, ok := contents[path.Base(want)]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("choose it together with %s (hold Ctrl or Shift in the file dialog to choose both)", main)
	})
	if err != nil {
		a.modelError(fmt.Sprintf("%s: %v", main, strings.TrimPrefix(err.Error(), "modelfile: ")))
		return
	}
	rep, err := a.evaluateLoaded(s)
	if err != nil {
		a.modelError(fmt.Sprintf("%s: %v", main, err))
		return
	}
	rep.File = main
	clearError()
	showModelReport(rep)
	a.showLoaded(rep, s)
}

// mainModelFile picks the model among the chosen files: a .keras file, or
// one .json (with its .bin beside it).
func mainModelFile(names []string) (string, error) {
	var keras, jsons []string
	for _, n := range names {
		switch strings.ToLower(path.Ext(n)) {
		case ".keras", ".zip":
			keras = append(keras, n)
		case ".json":
			jsons = append(jsons, n)
		case ".h5", ".hdf5":
			return "", fmt.Errorf("%s is an HDF5 file: the page loads Keras 3's .keras files (model.save(\"name.keras\")) and TF.js models (model.json + weights .bin)", n)
		}
	}
	switch {
	case len(keras) == 1 && len(jsons) == 0:
		return keras[0], nil
	case len(keras) == 0 && len(jsons) == 1:
		return jsons[0], nil
	case len(keras)+len(jsons) > 1:
		return "", fmt.Errorf("choose one model: a .keras file, or one TF.js model.json with its .bin (got %s)", strings.Join(append(keras, jsons...), ", "))
	case len(names) == 1:
		return names[0], nil // no telling extension: let its bytes say
	}
	return "", fmt.Errorf("none of %s is a model: choose a .keras file, or a TF.js model.json with its weights .bin", strings.Join(names, ", "))
}

// readFile reads a File from the file input.
func readFile(f js.Value) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{b: bytesFromJS(js.Global().Get("Uint8Array").New(args[0]))}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: errors.New(js.Global().Get("String").Invoke(args[0]).String())}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	f.Call("arrayBuffer").Call("then", then).Call("catch", catch)
	r := <-ch
	return r.b, r.err
}

func (a *app) modelError(msg string) {
	setText("model-status", "")
	showError("Load model: " + msg)
}

// evaluateLoaded checks that a loaded model fits the lesson, evaluates it
// on the test set as a run does and predicts the first test samples.
func (a *app) evaluateLoaded(s *modelfile.Saved) (*modelReport, error) {
	a.mu.Lock()
	running, dev := a.running, a.dev
	a.mu.Unlock()
	if running {
		return nil, errors.New("a run is going on: load the model when it has ended")
	}
	a.devUse.Lock() // an estimate may be measuring a step
	defer a.devUse.Unlock()
	lesson := a.s.Lesson
	if s.Lesson != nil && s.Lesson.Name != "" && s.Lesson.Name != lesson {
		return nil, fmt.Errorf("this model was trained in the %s lesson, this page is the %s lesson: open ?lesson=%s to load it", s.Lesson.Name, lesson, s.Lesson.Name)
	}
	in, out := s.Model.Input.Shape, s.Model.OutputShape()
	rep := &modelReport{Source: "loaded", Model: s.Model.Name, Lesson: lesson, Metrics: map[string]float64{}}
	var test *nn.Data
	var truth []float32
	switch lesson {
	case "weather":
		cfg := a.w.dataConfig()
		if l := s.Lesson; l != nil {
			cfg = lab.WeatherConfig{Years: l.Years, Station: l.Station, Targets: l.Targets}
			if len(cfg.Targets) == 0 {
				cfg.Targets = []string{"BASEL_sunshine"}
			}
		}
		prep, err := lab.PrepareWeather(a.w.data, cfg)
		if err != nil {
			return nil, err
		}
		x, y := prep.Split.XTest, prep.Split.YTest
		if len(in) != 1 || in[0] != x.Cols {
			return nil, fmt.Errorf("the model takes inputs of shape %s, the weather data (%s) has %d features a day: choose the station the model was trained on, or load a model for these data", in, stationText(cfg.Station), x.Cols)
		}
		if s.Lesson != nil && s.Lesson.Features != nil && !slices.Equal(s.Lesson.Features, x.Names) {
			return nil, errors.New("the model was trained on other feature columns than the page's weather data")
		}
		if out.Size() != y.Cols {
			return nil, fmt.Errorf("the model gives %d outputs, the targets %v are %d", out.Size(), prep.Targets, y.Cols)
		}
		test, truth = &nn.Data{X: x.Data, N: x.Rows}, y.Data
	case "cifar":
		if !slices.Equal([]int(in), []int{32, 32, 3}) || out.Size() != 10 {
			return nil, fmt.Errorf("a CIFAR-10 model takes images of shape (None, 32, 32, 3) and gives 10 outputs; this one takes %s and gives %s", in, out)
		}
		if a.c.testSet == nil {
			return nil, errors.New("the test images are not loaded yet")
		}
		t := a.c.testSet
		if n := max(intValue("c-testn", 1000), 1); n < t.N {
			t = t.Head(n)
		}
		test = &nn.Data{XBytes: t.Pixels, Scale: 1 / 255.0, N: t.N}
		truth = make([]float32, t.N)
		for i := range truth {
			truth[i] = float32(t.Labels[i])
		}
	case "penguins":
		return a.evaluatePenguins(s, dev, rep)
	default:
		return nil, fmt.Errorf("the %s lesson does not load models yet: load it in the weather, penguins or CIFAR-10 lesson", lesson)
	}
	if dev == nil {
		dev = gpu.NewCPU()
	}
	m, err := s.Build(dev)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	p, err := predictYielding(m, test, fmt.Sprintf("Evaluating %s on the test set", s.Model.Name))
	if err != nil {
		return nil, err
	}
	cols := out.Size()
	rep.Samples = test.N
	if lesson == "weather" {
		// As the run reports it: the loss and RMSE over all targets.
		var sq, abs float64
		for i := range p {
			d := float64(p[i]) - float64(truth[i])
			sq += d * d
			abs += math.Abs(d)
		}
		nv := float64(len(p))
		rep.Metrics["test_rmse"], rep.Metrics["test_loss"] = math.Sqrt(sq/nv), sq/nv
		if s.Compile != nil && s.Compile.Loss.Name == "mae" {
			rep.Metrics["test_loss"] = abs / nv
		}
	} else {
		logits := s.Compile == nil || s.Compile.Loss.Kind == gpu.SparseCCEFromLogits || s.Compile.Loss.Kind == gpu.CategoricalCEFromLogits
		correct := 0
		var loss float64
		for i := 0; i < test.N; i++ {
			row, y := p[i*10:(i+1)*10], int(truth[i])
			if argmaxOf(row) == y {
				correct++
			}
			if logits {
				mx := float64(row[argmaxOf(row)])
				var sum float64
				for _, v := range row {
					sum += math.Exp(float64(v) - mx)
				}
				loss -= float64(row[y]) - mx - math.Log(sum)
			} else {
				loss -= math.Log(math.Max(float64(row[y]), 1e-7))
			}
		}
		rep.Metrics["test_accuracy"] = float64(correct) / float64(test.N)
		rep.Metrics["test_loss"] = loss / float64(test.N)
	}
	k := min(predictionsShown, test.N)
	rep.Predictions = rows(p[:k*cols], cols)
	if lesson == "weather" {
		for i := 0; i < k; i++ {
			rep.Truth = append(rep.Truth, truth[i*cols])
		}
	} else {
		rep.Truth = truth[:k]
	}
	return rep, nil
}

// evaluatePenguins scores a loaded penguins model on the test penguins of
// its split as a run does, shows the confusion matrix on the plots and
// reports the first predictions (the species' probabilities).
func (a *app) evaluatePenguins(s *modelfile.Saved, dev gpu.Device, rep *modelReport) (*modelReport, error) {
	if a.p == nil || a.p.data == nil {
		return nil, errors.New("the penguins are not loaded yet")
	}
	data, err := penguinsLoadedData(a.p.data, s.Lesson)
	if err != nil {
		return nil, err
	}
	ls, logits, err := s.ForLogits()
	if err != nil {
		return nil, err
	}
	if dev == nil {
		dev = gpu.NewCPU()
	}
	m, err := ls.Build(dev)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	sc, preds, err := scorePenguinsModel(m, logits, data)
	if err != nil {
		return nil, err
	}
	classes := data.Prepared.Classes
	rep.Samples, rep.Predictions, rep.Classes, rep.Confusion = len(sc.True), preds, classes, sc.Confusion
	rep.Metrics["test_accuracy"], rep.Metrics["test_loss"] = sc.Accuracy, sc.Loss
	for i := range preds {
		rep.Truth = append(rep.Truth, float32(sc.True[i]))
	}
	a.view.send(Msg{Kind: MsgCIFAR, Preds: confusionView(classes, sc.Confusion, sc.Accuracy)})
	return rep, nil
}

// predictYielding is m.Predict in slices of a few samples, giving the
// browser a turn between them: Go's wasm runs on the page's one thread,
// and 1,000 CIFAR-10 images on the pure-Go device take seconds.
func predictYielding(m *nn.Model, d *nn.Data, what string) ([]float32, error) {
	in := m.Input.Shape.Size()
	step := max(1, (1<<18)/max(in, 1)) // about a million values of input a slice
	var out []float32
	for off := 0; off < d.N; off += step {
		n := min(step, d.N-off)
		part := &nn.Data{N: n, Scale: d.Scale}
		if d.XBytes != nil {
			part.XBytes = d.XBytes[off*in : (off+n)*in]
		} else {
			part.X = d.X[off*in : (off+n)*in]
		}
		p, err := m.Predict(part, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
		setText("model-status", fmt.Sprintf("%s: %d of %d samples…", what, off+n, d.N))
		browserTurn()
	}
	return out, nil
}

func stationText(st string) string {
	if st == "" {
		return "all stations"
	}
	return "station " + st
}

func argmaxOf(v []float32) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

func showModelReport(rep *modelReport) {
	b, _ := json.MarshalIndent(rep, "", "  ")
	setText("model-result", string(b))
}

// showLoaded shows a loaded model's test metrics and its first
// predictions against the truth.
func (a *app) showLoaded(rep *modelReport, s *modelfile.Saved) {
	truth := rep.Truth
	var table, conf [][]string // conf: a confusion matrix, true species down
	var line string
	switch rep.Lesson {
	case "weather":
		line = fmt.Sprintf("Loaded %s (%s, %s parameters): test RMSE %.2f, loss %.4f on %d test days.", rep.File, rep.Model, commas(paramCount(s)), rep.Metrics["test_rmse"], rep.Metrics["test_loss"], rep.Samples)
		table = append(table, []string{"test day", "predicted", "true"})
		for i, p := range rep.Predictions {
			t := ""
			if i < len(truth) {
				t = fmt.Sprintf("%.2f", truth[i])
			}
			table = append(table, []string{fmt.Sprint(i + 1), fmt.Sprintf("%.2f", p[0]), t})
		}
	case "penguins":
		line = fmt.Sprintf("Loaded %s (%s, %s parameters): test accuracy %.3f, loss %.4f on %d test penguins.", rep.File, rep.Model, commas(paramCount(s)), rep.Metrics["test_accuracy"], rep.Metrics["test_loss"], rep.Samples)
		table = append(table, append(append([]string{"test penguin"}, rep.Classes...), "predicted", "true"))
		for i, p := range rep.Predictions {
			r := []string{fmt.Sprint(i)}
			for _, v := range p {
				r = append(r, fmt.Sprintf("%.3f", v))
			}
			table = append(table, append(r, rep.Classes[argmaxOf(p)], rep.Classes[int(truth[i])]))
		}
		conf = append(conf, append([]string{"true \\ predicted"}, rep.Classes...))
		for i, row := range rep.Confusion {
			r := []string{rep.Classes[i]}
			for _, v := range row {
				r = append(r, fmt.Sprint(v))
			}
			conf = append(conf, r)
		}
	default:
		line = fmt.Sprintf("Loaded %s (%s, %s parameters): test accuracy %.3f, loss %.4f on %d test images.", rep.File, rep.Model, commas(paramCount(s)), rep.Metrics["test_accuracy"], rep.Metrics["test_loss"], rep.Samples)
		table = append(table, []string{"test image", "predicted", "true"})
		for i, p := range rep.Predictions {
			t := ""
			if i < len(truth) {
				t = datasets.ClassName(int(truth[i]))
			}
			table = append(table, []string{fmt.Sprint(i + 1), datasets.ClassName(argmaxOf(p)), t})
		}
	}
	setText("model-status", line)
	box := byID("model-results")
	box.Set("innerHTML", "")
	t := textTable(table, false)
	// In a box that scrolls: the penguins' table is wider than the column.
	wrap := document.Call("createElement", "div")
	wrap.Set("className", "scroll")
	wrap.Call("appendChild", t)
	box.Call("appendChild", wrap)
	if conf != nil {
		note := document.Call("createElement", "p")
		note.Set("textContent", "Confusion matrix on the test set (rows the true species, columns the predicted):")
		box.Call("appendChild", note)
		ct := tableElement(conf)
		ct.Set("id", "model-confusion")
		box.Call("appendChild", ct)
	}
	setHidden("model-results", false)
}

func paramCount(s *modelfile.Saved) int {
	n, _, _ := s.Model.CountParams()
	return n
}

func commas(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
