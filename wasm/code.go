package main

import (
	"fmt"
	"slices"
	"strconv"

	"nnlab/keras"
	"nnlab/lab"
	"nnlab/nn"
)

// fitSettings are the page's compile and fit controls.
type fitSettings struct {
	Optimizer     string
	LR            float64 // 0: the optimizer's Keras default
	Loss          string
	Batch, Epochs int
	Patience      int  // EarlyStopping patience; 0: no early stopping
	Restore       bool // EarlyStopping restore_best_weights
	Seed          uint64
}

// CodeSettings are what pasted Keras code sets in the page's controls:
// compile's (when the code compiles) and fit's (when it fits).
type CodeSettings struct {
	Compile bool
	fitSettings
	Fit bool
}

// Controls of the page that pasted code may set, for SettingsFromProgram.
type codePage struct {
	Lesson string   // "weather", "cifar" or "penguins"
	Losses []string // the loss menu's values
	Input  nn.Shape // the page's input shape (the data's)
	Data   string   // the page's data, in words (for the input note)
}

// SettingsFromProgram maps pasted code's compile and fit to the page's
// controls with lab.SettingsFor, as `nnlab code` maps them for a run: the
// notes say, at the code's lines, what the page does with what it has no
// control for (validation_split, momentum, ...); they come with the
// program's own notes, sorted by line.
func SettingsFromProgram(p *keras.Program, pg codePage) (CodeSettings, []keras.Note, error) {
	ls, notes, err := lab.SettingsFor(p, lab.CodeTarget{Lesson: pg.Lesson, Input: pg.Input, Data: "the page's data (" + pg.Data + ")",
		Losses: pg.Losses, KeptLoss: "the loss menu's choice", Where: "the page"})
	if err != nil {
		return CodeSettings{}, nil, err
	}
	cs := CodeSettings{Compile: ls.Compile, Fit: ls.Fit, fitSettings: fitSettings{Optimizer: ls.Optimizer, LR: ls.LR, Loss: ls.Loss,
		Batch: ls.BatchSize, Epochs: ls.Epochs, Patience: ls.Patience, Restore: ls.Restore}}
	return cs, withUnderstood(notes, p.Understood), nil
}

// withUnderstood adds the understood lines' notes to notes, by line: the
// page lists both.
func withUnderstood(notes, understood []keras.Note) []keras.Note {
	out := append(slices.Clone(notes), understood...)
	slices.SortStableFunc(out, func(a, b keras.Note) int { return a.Line - b.Line })
	return out
}

// ExportSpecs are the page's compile and fit settings as Keras's, for
// keras.Export: the lesson's loss and metrics (RMSE for the weather,
// accuracy for CIFAR-10) and early stopping on val_loss.
func ExportSpecs(f fitSettings, lesson string) (keras.CompileSpec, keras.FitSpec, error) {
	var c keras.CompileSpec
	opt, err := nn.OptimizerByName(f.Optimizer)
	if err != nil {
		return c, keras.FitSpec{}, err
	}
	if f.LR > 0 {
		opt.LR = float32(f.LR)
	}
	c.Optimizer = opt
	if lesson == "cifar" {
		c.Loss, c.Metrics = nn.SparseCategoricalCrossentropy(true), []nn.Metric{nn.Accuracy()}
	} else if lesson == "penguins" {
		c.Loss = nn.CategoricalCrossentropy(false) // the lesson's compile: no metrics
	} else {
		if c.Loss, err = nn.LossByName(f.Loss); err != nil {
			return c, keras.FitSpec{}, err
		}
		c.Metrics = []nn.Metric{nn.RootMeanSquaredError()}
	}
	fs := keras.FitSpec{BatchSize: max(f.Batch, 1), Epochs: max(f.Epochs, 1)}
	if f.Patience > 0 {
		fs.EarlyStopping = &nn.EarlyStopping{Monitor: "val_loss", Patience: f.Patience, RestoreBestWeights: f.Restore}
	}
	return c, fs, nil
}

// codeLineOfLayer maps a line of the model text that ModelText wrote (one
// layer a line) to the pasted code's line of that layer.
func codeLineOfLayer(p *keras.Program, textLine int) keras.Pos {
	if i := textLine - 1; i >= 0 && i < len(p.Layers) {
		return p.Layers[i].Pos
	}
	if n := len(p.Layers); n > 0 {
		return p.Layers[n-1].Pos
	}
	return p.ModelPos
}

// NoteLines writes notes as "Line N: message".
func NoteLines(notes []keras.Note) []string {
	out := make([]string, len(notes))
	for i, n := range notes {
		out[i] = fmt.Sprintf("Line %d: %s", n.Line, n.Msg)
	}
	return out
}

// thousands writes n with commas, as model.summary() does.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// panicError is the message of a panic while the page ran learner input
// (pasted code, the model editor's text; useCode and checkModel recover
// it): the interpreter's limits keep out the fatal errors (out of memory,
// stack overflow) that nothing can recover, and a panic, a bug, must not
// take the page and the learner's work down with it.
func panicError(what string, r any) error {
	return fmt.Errorf("%s failed inside the lab: %v (a bug in nnlab, not in your text; the page keeps working, please report it with the text)", what, r)
}
