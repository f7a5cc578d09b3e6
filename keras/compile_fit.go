package keras

import (
	"fmt"
	"math"
	"strings"

	"nnlab/nn"
)

// CompileSpec is model.compile's arguments.
type CompileSpec struct {
	Pos
	Optimizer nn.Optimizer
	Loss      nn.Loss
	Metrics   []nn.Metric
}

// FitSpec is model.fit's arguments.
type FitSpec struct {
	Pos
	X, Y            string // data names
	ValX, ValY      string // validation_data names ("" = none)
	ValidationSplit float64
	BatchSize       int
	Epochs          int
	Verbose         int
	EarlyStopping   *nn.EarlyStopping
	TensorBoard     bool
}

// compileSpec reads model.compile's arguments: the optimizer (a name, or
// an object with its keywords), the loss and the metrics.
func (in *interp) compileSpec(c *Call, kw map[string]value, mv *modelVal) (*CompileSpec, error) {
	cs := &CompileSpec{Pos: c.Pos, Optimizer: nn.Adam(), Loss: nn.MeanSquaredError}
	for k := range kw {
		switch k {
		case "optimizer", "loss", "metrics":
		default:
			return nil, errAt(c.Pos, "compile(%s=...) is not supported here (the lab takes optimizer, loss and metrics)", k)
		}
	}
	switch o := kw["optimizer"].(type) {
	case nil:
	case string:
		opt, err := nn.OptimizerByName(o)
		if err != nil {
			return nil, errAt(c.Pos, "%v", err)
		}
		cs.Optimizer = opt
	case *objVal:
		if o.kind != "optimizer" {
			return nil, errAt(o.pos, "optimizer= needs an optimizer, got %s", o.name)
		}
		opt, err := nn.OptimizerByName(o.name)
		if err != nil {
			return nil, errAt(o.pos, "%v", err)
		}
		if len(o.args) > 0 {
			o.kw["learning_rate"] = o.args[0]
		}
		for k, v := range o.kw {
			f, isNum := num(v)
			switch {
			case (k == "learning_rate" || k == "lr") && isNum:
				opt.LR = float32(f)
			case k == "beta_1" && isNum:
				opt.Beta1 = float32(f)
			case k == "beta_2" && isNum:
				opt.Beta2 = float32(f)
			case k == "epsilon" && isNum:
				opt.Epsilon = float32(f)
			case k == "momentum" && isNum:
				opt.Momentum = float32(f)
			case k == "rho" && isNum:
				opt.Rho = float32(f)
			case k == "nesterov":
				b, _ := v.(bool)
				opt.Nesterov = b
			default:
				return nil, errAt(o.pos, "%s(%s=...) is not supported here", o.name, k)
			}
		}
		cs.Optimizer = opt
	default:
		return nil, errAt(c.Pos, "optimizer= takes \"adam\", \"sgd\", \"rmsprop\" or keras.optimizers.Adam(...)")
	}
	switch l := kw["loss"].(type) {
	case nil:
		return nil, errAt(c.Pos, "compile needs loss=..., e.g. loss='mse'")
	case string:
		loss, err := nn.LossByName(l)
		if err != nil {
			return nil, errAt(c.Pos, "%v", err)
		}
		cs.Loss = loss
	case *objVal:
		fromLogits := false
		if b, ok := l.kw["from_logits"].(bool); ok {
			fromLogits = b
		}
		switch l.name {
		case "MeanSquaredError":
			cs.Loss = nn.MeanSquaredError
		case "MeanAbsoluteError":
			cs.Loss = nn.MeanAbsoluteError
		case "SparseCategoricalCrossentropy":
			cs.Loss = nn.SparseCategoricalCrossentropy(fromLogits)
		case "CategoricalCrossentropy":
			cs.Loss = nn.CategoricalCrossentropy(fromLogits)
		default:
			return nil, errAt(l.pos, "the loss %s is not supported here", l.name)
		}
	default:
		return nil, errAt(c.Pos, "loss= takes a name like 'mse' or keras.losses.SparseCategoricalCrossentropy(from_logits=True)")
	}
	if ms, ok := kw["metrics"]; ok {
		list, ok := ms.(pyList)
		if !ok {
			if t, isT := ms.(pyTuple); isT {
				list = pyList(t)
			} else {
				return nil, errAt(c.Pos, "metrics= takes a list, e.g. metrics=['accuracy']")
			}
		}
		for _, m := range list.elts {
			var met nn.Metric
			var err error
			switch x := m.(type) {
			case string:
				met, err = nn.MetricByName(x)
			case *objVal:
				switch x.name {
				case "RootMeanSquaredError":
					met = nn.RootMeanSquaredError()
				case "MeanAbsoluteError":
					met = nn.MeanAbsoluteErrorMetric()
				case "SparseCategoricalAccuracy", "Accuracy", "CategoricalAccuracy":
					met, err = nn.MetricByName(strings.ToLower(x.name[:1]) + x.name[1:])
					if err != nil {
						met, err = nn.Accuracy(), nil
					}
				default:
					err = fmt.Errorf("the metric %s is not supported here", x.name)
				}
			default:
				err = fmt.Errorf("metrics= takes names or keras.metrics objects, got %s", kindOf(m))
			}
			if err != nil {
				return nil, errAt(c.Pos, "%v", err)
			}
			cs.Metrics = append(cs.Metrics, met)
		}
	}
	return cs, nil
}

// fitSpec reads model.fit's arguments, positional in Keras's order or
// keywords: the data names, batch size, epochs, validation and callbacks.
func (in *interp) fitSpec(c *Call, args []value, kw map[string]value) (*FitSpec, error) {
	fs := &FitSpec{Pos: c.Pos, BatchSize: 32, Epochs: 1, Verbose: 1}
	names := []string{"x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data", "shuffle"}
	for i, a := range args {
		if i >= len(names) {
			return nil, errAt(c.Pos, "fit takes at most %d positional arguments", len(names))
		}
		kw[names[i]] = a
	}
	dataName := func(v value, what string) (string, error) {
		switch d := v.(type) {
		case *dataVal:
			return d.name, nil
		case nil:
			return "", errAt(c.Pos, "fit needs %s", what)
		case *unsupportedVal:
			return "", errAt(c.Pos, "fit: %s comes from code that is not run here (%s); use the lesson's %s", what, d.what, strings.TrimPrefix(in.dataHint(""), " "))
		}
		return "", errAt(c.Pos, "fit: %s must name the lesson's data%s", what, in.dataHint(""))
	}
	var err error
	for k, v := range kw {
		switch k {
		case "x":
			fs.X, err = dataName(v, "the inputs x")
		case "y":
			fs.Y, err = dataName(v, "the targets y")
		case "batch_size", "epochs", "verbose":
			f, ok := num(v)
			if !ok || f < 0 || f != math.Trunc(f) {
				return nil, errAt(c.Pos, "fit(%s=...) needs a whole number", k)
			}
			switch k {
			case "batch_size":
				fs.BatchSize = int(f)
			case "epochs":
				fs.Epochs = int(f)
			default:
				fs.Verbose = int(f)
			}
		case "validation_split":
			f, ok := num(v)
			if !ok || f < 0 || f >= 1 {
				return nil, errAt(c.Pos, "validation_split must be a fraction in [0, 1)")
			}
			fs.ValidationSplit = f
		case "validation_data":
			t, ok := v.(pyTuple)
			if !ok || len(t.elts) != 2 {
				return nil, errAt(c.Pos, "validation_data takes a pair, e.g. validation_data=(X_val, y_val)")
			}
			if fs.ValX, err = dataName(t.elts[0], "validation inputs"); err == nil {
				fs.ValY, err = dataName(t.elts[1], "validation targets")
			}
		case "callbacks":
			list, ok := v.(pyList)
			if !ok {
				return nil, errAt(c.Pos, "callbacks takes a list, e.g. callbacks=[earlystopper]")
			}
			for _, cb := range list.elts {
				o, ok := cb.(*objVal)
				if !ok || o.kind != "callback" {
					return nil, errAt(c.Pos, "callbacks: %s is not a callback", kindOf(cb))
				}
				switch o.name {
				case "EarlyStopping":
					es, err := earlyStopping(o)
					if err != nil {
						return nil, err
					}
					fs.EarlyStopping = es
				case "TensorBoard":
					fs.TensorBoard = true
					in.note(o.pos, "TensorBoard: %s", hintMagic)
				default:
					return nil, errAt(o.pos, "the callback %s is not supported here (EarlyStopping and TensorBoard are)", o.name)
				}
			}
		case "shuffle":
		default:
			return nil, errAt(c.Pos, "fit(%s=...) is not supported here", k)
		}
		if err != nil {
			return nil, err
		}
	}
	if fs.X == "" || fs.Y == "" {
		return nil, errAt(c.Pos, "fit needs the inputs and targets, e.g. model.fit(X_train, y_train, ...)")
	}
	return fs, nil
}

// earlyStopping reads keras.callbacks.EarlyStopping's keywords.
func earlyStopping(o *objVal) (*nn.EarlyStopping, error) {
	es := &nn.EarlyStopping{Monitor: "val_loss"}
	for k, v := range o.kw {
		f, isNum := num(v)
		switch {
		case k == "monitor":
			s, ok := v.(string)
			if !ok {
				return nil, errAt(o.pos, "EarlyStopping(monitor=...) takes a name like \"val_loss\"")
			}
			es.Monitor = s
		case k == "patience" && isNum:
			es.Patience = int(f)
		case k == "min_delta" && isNum:
			es.MinDelta = f
		case k == "verbose" && isNum:
		case k == "mode":
			s, _ := v.(string)
			es.Mode = s
		case k == "restore_best_weights":
			b, _ := v.(bool)
			es.RestoreBestWeights = b
		case k == "baseline" && isNum:
			es.Baseline = &f
		default:
			return nil, errAt(o.pos, "EarlyStopping(%s=...) is not supported here", k)
		}
	}
	return es, nil
}
