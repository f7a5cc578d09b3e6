package lab

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"nnlab/keras"
	"nnlab/nn"
)

// Lesson code (a notebook cell, a .py file) is run by the keras package's
// interpreter, which returns the model it builds and the compile and fit it
// asks for. CodeSettings maps that Program onto a lesson's run the way the
// page's "Paste Keras code" panel does: the model's layers are rebuilt on
// the lesson's data, compile's optimizer, learning rate and loss and fit's
// batch size, epochs and EarlyStopping are used, and the rest (the data the
// code names, validation_split, other hyper-parameters) is said in notes,
// because the lesson prepares, splits and validates its data itself.

// CodeSettings is what lesson code asks of a lesson's run.
type CodeSettings struct {
	Name    string     // the model's name in the code
	Layers  []nn.Layer // the code's layers, new (not yet built)
	Compile bool       // the code compiles the model
	// From compile (when Compile):
	Optimizer string
	LR        float64 // 0: the optimizer's Keras default
	Momentum  float64
	Loss      string
	Fit       bool // the code fits the model
	// From fit (when Fit):
	Epochs, BatchSize int
	Patience          int // EarlyStopping patience; 0: none
	Restore           bool
}

// CodeTarget is where lesson code's settings go (a run of `nnlab code`,
// the page's controls) and how the notes on the rest name it. The page and
// the command share one mapping, so that the same code gets the same
// settings and the same notes in the browser and in the terminal.
type CodeTarget struct {
	Lesson string   // "weather" or "cifar"
	Input  nn.Shape // the lesson's input shape (its data's); nil: not compared
	Data   string   // the data in words, for the input note: "the lesson's data"
	// Losses are the weather losses it trains with; KeptLoss is what it
	// uses when the code's is none of them ("mse", "the loss menu's choice").
	Losses   []string
	KeptLoss string
	Where    string // what does the rest instead: "the lab", "the page"
	Momentum bool   // it takes the optimizer's momentum (else a note)
}

// SettingsFromCode maps a Program of the lesson ("weather" or "cifar") to
// the settings of `nnlab code`'s run, with notes (by line, with the
// Program's own) on what the lab does instead of what the code asks.
func SettingsFromCode(p *keras.Program, lesson string, input nn.Shape) (CodeSettings, []keras.Note, error) {
	return SettingsFor(p, CodeTarget{Lesson: lesson, Input: input, Data: "the lesson's data",
		Losses: []string{"mse", "mae"}, KeptLoss: "mse", Where: "the lab", Momentum: true})
}

// SettingsFor maps a Program to the target's settings. The notes say, at
// the code's lines, what the target does with what it has no setting for
// (validation_split, the data the code names, ...); they come with the
// Program's own notes, sorted by line.
func SettingsFor(p *keras.Program, t CodeTarget) (CodeSettings, []keras.Note, error) {
	var cs CodeSettings
	if p == nil || p.Model == nil {
		return cs, nil, fmt.Errorf("lab: the code builds no model")
	}
	notes := slices.Clone(p.Notes)
	note := func(pos keras.Pos, format string, args ...any) {
		notes = append(notes, keras.Note{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
	// The layers again, from the model's text: new layers that NewModel
	// builds on the lesson's input.
	lines, err := keras.ParseLayers(keras.ModelText(p.Model.Layers))
	if err != nil {
		return cs, nil, err
	}
	for _, l := range lines {
		cs.Layers = append(cs.Layers, l.Layer)
	}
	cs.Name = p.Model.Name
	if in := p.Model.Input; in != nil && t.Input != nil && !slices.Equal(in.Shape, t.Input) {
		note(p.ModelPos, "the code's input has shape %s, %s give %s: %s builds the model on its data", ShapeText(in.Shape), t.Data, ShapeText(t.Input), t.Where)
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
			// The float32 rate as typed: 0.0005, not 0.0005000000237.
			cs.LR, _ = strconv.ParseFloat(strconv.FormatFloat(float64(o.LR), 'g', -1, 32), 64)
		}
		var other []string
		sets := "the optimizer and its learning rate"
		switch {
		case t.Momentum:
			sets = "the optimizer, its learning rate and momentum"
			if o.Name != "adam" {
				cs.Momentum, _ = strconv.ParseFloat(strconv.FormatFloat(float64(o.Momentum), 'g', -1, 32), 64)
			}
		case o.Momentum != def.Momentum:
			other = append(other, fmt.Sprintf("momentum=%g", o.Momentum))
		}
		if o.Nesterov {
			other = append(other, "nesterov=True")
		}
		for _, h := range []struct {
			name      string
			got, want float32
		}{{"beta_1", o.Beta1, def.Beta1}, {"beta_2", o.Beta2, def.Beta2}, {"epsilon", o.Epsilon, def.Epsilon}, {"rho", o.Rho, def.Rho}} {
			if h.got != h.want {
				other = append(other, fmt.Sprintf("%s=%g", h.name, h.got))
			}
		}
		if len(other) > 0 {
			note(c.Pos, "%s: %s sets %s; it trains with Keras's defaults for the rest", strings.Join(other, ", "), t.Where, sets)
		}
		want := "root_mean_squared_error"
		if t.Lesson == "penguins" {
			want = "accuracy" // the lab reports the test accuracy and the confusion matrix
		}
		switch {
		case t.Lesson == "cifar":
			want = "accuracy"
			cs.Loss = "sparse_categorical_crossentropy"
			if c.Loss != nn.SparseCategoricalCrossentropy(true) {
				note(c.Pos, "loss: %s trains the CIFAR-10 models with SparseCategoricalCrossentropy(from_logits=True), as the lesson does", t.Where)
			}
		case slices.Contains(t.Losses, c.Loss.Name):
			cs.Loss = c.Loss.Name
		default:
			note(c.Pos, "loss %s: %s trains this lesson with %s; it uses %s", c.Loss.Name, t.Where, strings.Join(t.Losses, " or "), t.KeptLoss)
		}
		for _, m := range c.Metrics {
			if m.Name != want {
				note(c.Pos, "metrics: %s reports the loss and %s (train, validation and test) itself", t.Where, strings.ReplaceAll(want, "_", " "))
				break
			}
		}
	}
	if f := p.Fit; f != nil {
		cs.Fit = true
		cs.BatchSize, cs.Epochs = max(f.BatchSize, 1), max(f.Epochs, 1)
		valData, trainX := "X_val, y_val (15% of the days)", "X_train"
		if t.Lesson == "cifar" {
			valData, trainX = "the test images, as the lesson's validation_data=(test_images, test_labels)", "train_images"
		}
		if f.X != "" && f.X != trainX {
			note(f.Pos, "fit(%s, ...): %s trains on %s", f.X, t.Where, trainX)
		}
		switch {
		case t.Lesson == "penguins":
			if f.ValidationSplit > 0 || f.ValX != "" {
				note(f.Pos, "validation: %s trains the penguins without validation data, as the lesson's fit does", t.Where)
			}
		case f.ValidationSplit > 0:
			note(f.Pos, "validation_split=%g: %s has no such setting; it validates on %s", f.ValidationSplit, t.Where, valData)
		case f.ValX == "":
			note(f.Pos, "fit has no validation data: %s validates on %s anyway, for the val_loss curve", t.Where, valData)
		}
		if es := f.EarlyStopping; es != nil {
			cs.Patience, cs.Restore = max(es.Patience, 1), es.RestoreBestWeights
			var other []string
			if es.Patience < 1 {
				other = append(other, fmt.Sprintf("patience=%d (%s's smallest is 1)", es.Patience, t.Where))
			}
			if es.Monitor != "" && es.Monitor != "val_loss" {
				other = append(other, fmt.Sprintf("monitor=%q (%s watches val_loss)", es.Monitor, t.Where))
			}
			if es.MinDelta != 0 {
				other = append(other, fmt.Sprintf("min_delta=%g (%s uses 0)", es.MinDelta, t.Where))
			}
			if es.Baseline != nil {
				other = append(other, fmt.Sprintf("baseline (%s has none)", t.Where))
			}
			if len(other) > 0 {
				note(f.Pos, "EarlyStopping: %s", strings.Join(other, "; "))
			}
		}
	}
	slices.SortStableFunc(notes, func(a, b keras.Note) int { return a.Line - b.Line })
	return cs, notes, nil
}

// ShapeText writes a shape as Keras prints one: (89,), (32, 32, 3).
func ShapeText(s nn.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// CodeLesson guesses the lesson of lesson code from the data it names:
// CIFAR-10's images, else the weather.
func CodeLesson(src string) string {
	for _, w := range []string{"train_images", "test_images", "cifar10", "Conv2D"} {
		if strings.Contains(src, w) {
			return "cifar"
		}
	}
	return "weather"
}

// Weather applies the settings to a weather run.
func (cs CodeSettings) Weather(c *WeatherConfig) {
	c.Layers, c.Name = cs.Layers, cs.Name
	if cs.Compile {
		c.Optimizer, c.LR, c.Momentum = cs.Optimizer, cs.LR, cs.Momentum
		if cs.Loss != "" {
			c.Loss = cs.Loss
		}
	}
	if cs.Fit {
		c.Epochs, c.BatchSize, c.Patience, c.Restore = cs.Epochs, cs.BatchSize, cs.Patience, cs.Restore
	}
}

// CIFAR applies the settings to a CIFAR-10 run.
func (cs CodeSettings) CIFAR(c *CIFARConfig) {
	c.Layers, c.Name = cs.Layers, cs.Name
	if cs.Compile {
		c.Optimizer, c.LR, c.Momentum = cs.Optimizer, cs.LR, cs.Momentum
	}
	if cs.Fit {
		c.Epochs, c.BatchSize, c.Patience, c.Restore = cs.Epochs, cs.BatchSize, cs.Patience, cs.Restore
	}
}
