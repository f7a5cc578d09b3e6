package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/keras"
	"nnlab/lab"
	"nnlab/nn"
)

// maxCodeBytes bounds a lesson-code file: a notebook's cells are a few kB,
// the page's code panel takes about as much.
const maxCodeBytes = 1 << 20

// code runs lesson code (a notebook cell saved as .py) from the terminal as
// the page's "Paste Keras code" panel runs it: the keras interpreter on the
// lesson's data, the model rebuilt on the data, compile's and fit's
// settings used (lab.SettingsFromCode), notes on the lines not run, then
// the lesson's training and report, as `nnlab train` prints them.
func code(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("code", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: nnlab code [flags] lesson.py\n\nflags (before or after the file):")
		fs.PrintDefaults()
	}
	var wc lab.WeatherConfig
	var cc lab.CIFARConfig
	var lesson, dataPath, device, targets string
	var epochs int
	var seed uint64
	var asJSON bool
	fs.StringVar(&lesson, "lesson", "auto", "weather, cifar, or auto (cifar when the code names train_images, test_images, cifar10 or Conv2D)")
	fs.StringVar(&dataPath, "data", "", "the lesson's data file or folder (default: $NNLAB_DATA, the cache, ../shared/data, download)")
	fs.Float64Var(&wc.Years, "years", 3, "weather: years of data (nr_rows = 365*years)")
	fs.StringVar(&wc.Station, "station", "", "weather: keep only this station's features")
	fs.StringVar(&targets, "targets", "BASEL_sunshine", "weather: comma-separated columns to predict")
	fs.IntVar(&cc.N, "n", 0, "cifar: training images; 0 = all loaded")
	fs.IntVar(&cc.TestN, "test-n", 0, "cifar: test images; 0 = all loaded")
	fs.IntVar(&epochs, "epochs", 0, "train this many epochs instead of the code's fit(epochs=...)")
	fs.Uint64Var(&seed, "seed", 0, "seed for weights, shuffling and dropout")
	fs.StringVar(&device, "device", "", "auto, cpu or webgpu (default $NNLAB_DEVICE or auto)")
	fs.BoolVar(&asJSON, "json", false, "print one JSON object at the end instead of the text report")
	memory := memoryFlag(fs)
	// Flags may come before or after the file, as learners type them.
	if err := fs.Parse(args); err != nil {
		return err
	}
	var files []string
	for fs.NArg() > 0 {
		files = append(files, fs.Arg(0))
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return err
		}
	}
	if len(files) != 1 {
		return fmt.Errorf("code: give one file of lesson code, e.g. nnlab code lesson.py (got %d)", len(files))
	}
	path := files[0]

	ck := newFlagChecks(fs)
	ck.oneOf("lesson", lesson, "auto", "weather", "cifar")
	if ck.set["epochs"] {
		ck.atLeast("epochs", epochs, 1, "the number of epochs")
	}
	ck.atLeast("n", cc.N, 0, "the number of training images (0: all)")
	ck.atLeast("test-n", cc.TestN, 0, "the number of test images (0: all)")
	ck.years(wc.Years)
	ck.memory(*memory)
	if err := ck.err(); err != nil {
		return err
	}
	src, err := readCode(path)
	if err != nil {
		return err
	}
	if lesson = strings.ToLower(lesson); lesson == "auto" {
		lesson = lab.CodeLesson(src)
	}
	rep := report{out, asJSON}
	run := codeRun{path: path, src: src, log: rep.log()}

	if lesson == "cifar" {
		cc.DataPath, cc.Seed = dataPath, seed
		data, err := lab.LoadCIFARData(dataPath)
		if err != nil {
			return err
		}
		if err := checkImageCounts(cc.N, cc.TestN, data); err != nil {
			return err
		}
		n, testN := data.Train.N, data.Test.N
		if cc.N > 0 {
			n = cc.N
		}
		if cc.TestN > 0 {
			testN = cc.TestN
		}
		cs, err := run.settings(keras.CIFAREnv(n, testN), "cifar", nn.Shape{32, 32, 3})
		if err != nil {
			return err
		}
		cs.CIFAR(&cc)
		if epochs > 0 {
			cc.Epochs = epochs
		}
		if !cs.Fit {
			m, err := lab.CIFARModel(cc)
			return run.noFit(m, err, out, asJSON)
		}
		res, err := onDevice(device, func(dev gpu.Device) (*lab.CIFARResult, error) {
			return lab.RunCIFAR(ctx, cc, dev, data, rep.hooks())
		})
		if err != nil {
			return run.modelError(err)
		}
		return result(rep, res, printCIFAR)
	}

	wc.DataPath, wc.Seed, wc.Targets = dataPath, seed, strings.Split(targets, ",")
	w, err := datasets.LoadWeather(dataPath)
	if err != nil {
		return err
	}
	if err := checkYears(wc.Years, w); err != nil {
		return err
	}
	data, err := lab.PrepareWeather(w, wc)
	if err != nil {
		return err
	}
	s := data.Split
	env := keras.WeatherEnv(s.XTrain.Cols, s.YTrain.Cols, s.XTrain.Rows, s.XVal.Rows, s.XTest.Rows)
	cs, err := run.settings(env, "weather", nn.Shape{s.XTrain.Cols})
	if err != nil {
		return err
	}
	cs.Weather(&wc)
	if epochs > 0 {
		wc.Epochs = epochs
	}
	if !cs.Fit {
		m, err := lab.WeatherModel(wc, s.XTrain.Cols, s.YTrain.Cols)
		return run.noFit(m, err, out, asJSON)
	}
	res, err := onDevice(device, func(dev gpu.Device) (*lab.WeatherResult, error) {
		return lab.RunWeather(ctx, wc, dev, data, rep.hooks())
	})
	if err != nil {
		return run.modelError(err)
	}
	return result(rep, res, printWeather)
}

// readCode reads a file of lesson code, at most maxCodeBytes.
func readCode(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("code: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return "", fmt.Errorf("code: %w", err)
	} else if st.IsDir() {
		return "", fmt.Errorf("code: %s is a folder, but a file of lesson code (e.g. lesson.py) was expected", path)
	} else if st.Mode().IsRegular() && st.Size() > maxCodeBytes {
		return "", fmt.Errorf("code: %s has %d bytes; lesson code is at most %d (1 MiB)", path, st.Size(), maxCodeBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxCodeBytes+1))
	if err != nil {
		return "", fmt.Errorf("code: reading %s: %w", path, err)
	}
	if len(b) > maxCodeBytes {
		return "", fmt.Errorf("code: %s goes on past %d bytes; lesson code is at most 1 MiB", path, maxCodeBytes)
	}
	return string(b), nil
}

// codeRun is one file of lesson code being run.
type codeRun struct {
	path, src string
	log       io.Writer
	prog      *keras.Program
}

// settings runs the code on the lesson's data and maps what it asks for;
// the notes go to the log as file:line: note.
func (r *codeRun) settings(env keras.Env, lesson string, input nn.Shape) (lab.CodeSettings, error) {
	p, err := keras.Run(r.src, env)
	if err != nil {
		return lab.CodeSettings{}, r.at(err)
	}
	r.prog = p
	cs, notes, err := lab.SettingsFromCode(p, lesson, input)
	if err != nil {
		return cs, r.at(err)
	}
	if len(notes) > 0 {
		fmt.Fprintf(r.log, "Not run here, and what the lab does instead (%s lesson):\n", lesson)
		for _, n := range notes {
			fmt.Fprintf(r.log, "  %s:%d: %s\n", r.path, n.Line, n.Msg)
		}
	}
	return cs, nil
}

// at puts the file's name before an error of the code at a line and
// column: lesson.py:12:5: message, as compilers write them.
func (r *codeRun) at(err error) error {
	var ke *keras.Error
	if errors.As(err, &ke) {
		return fmt.Errorf("%s:%d:%d: %s", r.path, ke.Line, ke.Col, ke.Msg)
	}
	return fmt.Errorf("%s: %w", r.path, err)
}

// modelError puts the code's line of a layer that does not fit the lesson's
// data (or the memory budget) before the error.
func (r *codeRun) modelError(err error) error {
	if r.prog == nil {
		return err
	}
	i := -1
	var le *nn.LayerError
	var be *nn.BudgetError
	switch {
	case errors.As(err, &le):
		i = le.Index
	case errors.As(err, &be):
		i = be.Index
	}
	if i < 0 || i >= len(r.prog.Layers) {
		return err
	}
	pos := r.prog.Layers[i].Pos
	return fmt.Errorf("%s:%d:%d: on the lesson's data: %w", r.path, pos.Line, pos.Col, err)
}

// noFit reports a model that the code builds but does not fit: its summary
// (or, with --json, its name and parameters), as model.summary() shows it.
func (r *codeRun) noFit(m *nn.Model, err error, out io.Writer, asJSON bool) error {
	if err != nil {
		return r.modelError(err)
	}
	total, _, _ := m.CountParams()
	if asJSON {
		return printJSON(out, map[string]any{"model": m.Name, "params": total, "epochs_run": 0})
	}
	fmt.Fprint(out, m.Summary())
	fmt.Fprintf(out, "The code builds %q (%d parameters) but does not call model.fit: nothing was trained.\n", m.Name, total)
	return nil
}
