package main

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"nnlab/keras"
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
	Lesson string   // "weather" or "cifar"
	Losses []string // the loss menu's values
	Input  nn.Shape // the page's input shape (the data's)
	Data   string   // the page's data, in words (for the input note)
}

// SettingsFromProgram maps pasted code's compile and fit to the page's
// controls. The notes say, at the code's lines, what the page does with
// what it has no control for (validation_split, momentum, ...); they come
// with the program's own notes, sorted by line.
func SettingsFromProgram(p *keras.Program, pg codePage) (CodeSettings, []keras.Note) {
	var cs CodeSettings
	notes := slices.Clone(p.Notes)
	note := func(pos keras.Pos, format string, args ...any) {
		notes = append(notes, keras.Note{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
	if in := p.Model.Input; in != nil && pg.Input != nil && !slices.Equal(in.Shape, pg.Input) {
		note(p.ModelPos, "the code's input has shape %s, the page's data (%s) give %s: the page builds the model on its data", shapeText(in.Shape), pg.Data, shapeText(pg.Input))
	}
	if c := p.Compile; c != nil {
		cs.Compile = true
		o := c.Optimizer
		cs.Optimizer = o.Name
		def, err := nn.OptimizerByName(o.Name)
		if err != nil {
			def = o
		}
		if o.LR != def.LR {
			cs.LR, _ = strconv.ParseFloat(strconv.FormatFloat(float64(o.LR), 'g', -1, 32), 64)
		}
		var other []string
		if o.Momentum != def.Momentum {
			other = append(other, fmt.Sprintf("momentum=%g", o.Momentum))
		}
		if o.Nesterov {
			other = append(other, "nesterov=True")
		}
		if o.Beta1 != def.Beta1 {
			other = append(other, fmt.Sprintf("beta_1=%g", o.Beta1))
		}
		if o.Beta2 != def.Beta2 {
			other = append(other, fmt.Sprintf("beta_2=%g", o.Beta2))
		}
		if o.Epsilon != def.Epsilon {
			other = append(other, fmt.Sprintf("epsilon=%g", o.Epsilon))
		}
		if o.Rho != def.Rho {
			other = append(other, fmt.Sprintf("rho=%g", o.Rho))
		}
		if len(other) > 0 {
			note(c.Pos, "%s: the page sets the optimizer and its learning rate; it trains with Keras's defaults for the rest", strings.Join(other, ", "))
		}
		switch {
		case pg.Lesson == "cifar":
			cs.Loss = "sparse_categorical_crossentropy"
			if c.Loss != nn.SparseCategoricalCrossentropy(true) {
				note(c.Pos, "loss: the page trains the CIFAR-10 models with SparseCategoricalCrossentropy(from_logits=True), as the lesson does")
			}
		case slices.Contains(pg.Losses, c.Loss.Name):
			cs.Loss = c.Loss.Name
		default:
			note(c.Pos, "loss %s: this lesson's page trains with %s; the loss menu keeps its choice", c.Loss.Name, strings.Join(pg.Losses, " or "))
		}
		want := "root_mean_squared_error"
		if pg.Lesson == "cifar" {
			want = "accuracy"
		}
		for _, m := range c.Metrics {
			if m.Name != want {
				note(c.Pos, "metrics: the page reports the loss and %s (train, validation and test) itself", strings.ReplaceAll(want, "_", " "))
				break
			}
		}
	}
	if f := p.Fit; f != nil {
		cs.Fit = true
		cs.Batch, cs.Epochs = max(f.BatchSize, 1), max(f.Epochs, 1)
		valData, trainX := "X_val, y_val (15% of the days)", "X_train"
		if pg.Lesson == "cifar" {
			valData, trainX = "the test images, as the lesson's validation_data=(test_images, test_labels)", "train_images"
		}
		if f.X != "" && f.X != trainX {
			note(f.Pos, "fit(%s, ...): the page trains on %s", f.X, trainX)
		}
		switch {
		case f.ValidationSplit > 0:
			note(f.Pos, "validation_split=%g: the page has no such control; it validates on %s", f.ValidationSplit, valData)
		case f.ValX == "":
			note(f.Pos, "fit has no validation data: the page validates on %s anyway, for the val_loss curve", valData)
		}
		if es := f.EarlyStopping; es != nil {
			cs.Patience = max(es.Patience, 1)
			cs.Restore = es.RestoreBestWeights
			var other []string
			if es.Patience < 1 {
				other = append(other, fmt.Sprintf("patience=%d (the page's smallest is 1)", es.Patience))
			}
			if es.Monitor != "" && es.Monitor != "val_loss" {
				other = append(other, fmt.Sprintf("monitor=%q (the page watches val_loss)", es.Monitor))
			}
			if es.MinDelta != 0 {
				other = append(other, fmt.Sprintf("min_delta=%g (the page uses 0)", es.MinDelta))
			}
			if es.Baseline != nil {
				other = append(other, "baseline (the page has none)")
			}
			if len(other) > 0 {
				note(f.Pos, "EarlyStopping: %s", strings.Join(other, "; "))
			}
		}
	}
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].Line < notes[j].Line })
	return cs, notes
}

func shapeText(s nn.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
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
