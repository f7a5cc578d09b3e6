package keras

import (
	"errors"
	"strings"

	"nnlab/nn"
)

// lastName is the last part of a dotted name: Dense for
// tensorflow.keras.layers.Dense.
func lastName(q qualName) string {
	s := string(q)
	return s[strings.LastIndex(s, ".")+1:]
}

// layerNames are the names that construct turns into layers, aliases
// included.
var layerNames = func() map[string]bool {
	m := map[string]bool{}
	for k := range layerParams {
		m[k] = true
	}
	for k := range aliases {
		m[k] = true
	}
	return m
}()

// construct calls a Keras name: keras.Input, a layer, keras.Model,
// keras.Sequential, an optimizer, loss, metric or callback (kept as an
// objVal for compile and fit to read), or a helper whose work the lab does
// itself (train_test_split, load_data, ...), which becomes a note.
func (in *interp) construct(q qualName, c *Call, args []value, kw map[string]value) (value, error) {
	name := lastName(q)
	full := string(q)
	switch {
	case name == "Input" || name == "InputLayer":
		sh, ok := kw["shape"]
		if !ok && len(args) > 0 {
			sh = args[0]
		}
		if sh == nil {
			return nil, errAt(c.Pos, "keras.Input needs shape=..., e.g. shape=(89,)")
		}
		shape, err := shapeOf(sh, c.Pos)
		if err != nil {
			return nil, err
		}
		il := &nn.InputLayer{Shape: shape}
		if n, ok := kw["name"].(string); ok {
			il.Name = n
		}
		return &tensorVal{in: il}, nil
	case layerNames[name]:
		var inputShape []int
		if s, ok := kw["input_shape"]; ok {
			sh, err := shapeOf(s, c.Pos)
			if err != nil {
				return nil, err
			}
			inputShape = sh
			delete(kw, "input_shape")
		}
		call := &Call{Pos: c.Pos, Fn: c.Fn}
		if w := DottedName(c.Fn); w[strings.LastIndex(w, ".")+1:] != name {
			// imported under another name (from ... import Dropout as D)
			call.Fn = &Name{c.Fn.At(), full}
		}
		for _, a := range args {
			// toExpr copies each argument's elements
			if n, _ := sizeOf(a); n > 0 {
				if err := in.charge(c.Pos, n); err != nil {
					return nil, err
				}
			}
		}
		for _, v := range kw {
			if n, _ := sizeOf(v); n > 0 {
				if err := in.charge(c.Pos, n); err != nil {
					return nil, err
				}
			}
		}
		for i, a := range args {
			e, ok := toExpr(a, c.Args[i].At())
			if !ok {
				return nil, errAt(c.Args[i].At(), "%s: expected a number, string or tuple here, got %s", name, kindOf(a))
			}
			call.Args = append(call.Args, e)
		}
		for _, k := range c.Kw {
			v, ok := kw[k.Name]
			if !ok {
				continue
			}
			e, ok := toExpr(v, k.Value.At())
			if !ok {
				return nil, errAt(k.Value.At(), "%s(%s=...): expected a number, string or tuple, got %s", name, k.Name, kindOf(v))
			}
			call.Kw = append(call.Kw, Keyword{k.Pos, k.Name, e})
		}
		l, err := LayerFromCall(call)
		if err != nil {
			return nil, err
		}
		return &layerVal{line: LayerLine{l, c.Pos, call}, inputShape: inputShape}, nil
	case name == "Model" || name == "Functional":
		inV, outV := kw["inputs"], kw["outputs"]
		if len(args) > 0 {
			inV = args[0]
		}
		if len(args) > 1 {
			outV = args[1]
		}
		it, ok1 := inV.(*tensorVal)
		ot, ok2 := outV.(*tensorVal)
		if !ok1 || !ok2 {
			return nil, errAt(c.Pos, "keras.Model(inputs=..., outputs=...) needs the tensors from keras.Input and the last layer (one input and one output)")
		}
		if ot.in != it.in {
			return nil, errAt(c.Pos, "the outputs of this model do not come from its inputs")
		}
		mv := &modelVal{prog: in.prog, pos: c.Pos, layers: ot.chain(), in: it.in, name: "model"}
		if n, ok := kw["name"].(string); ok {
			mv.name = n
		}
		if err := mv.build(in); err != nil {
			return nil, err
		}
		in.last = mv
		return mv, nil
	case name == "Sequential":
		mv := &modelVal{prog: in.prog, pos: c.Pos, name: "sequential", seq: true}
		if n, ok := kw["name"].(string); ok {
			mv.name = n
		}
		var ls value
		if len(args) > 0 {
			ls = args[0]
		} else {
			ls = kw["layers"]
		}
		if ls != nil {
			list, ok := ls.(pyList)
			if !ok {
				return nil, errAt(c.Pos, "keras.Sequential takes a list of layers, e.g. keras.Sequential([Dense(10), Dense(1)])")
			}
			for _, el := range list.elts {
				if err := mv.add(el, c.Pos, in.env); err != nil {
					return nil, err
				}
			}
		}
		in.last = mv
		return mv, nil
	}
	if k := objKind(full, name); k != "" {
		return &objVal{kind: k, name: name, pos: c.Pos, kw: kw, args: args}, nil
	}
	switch name {
	case "train_test_split":
		return &unsupportedVal{"train_test_split", hintSplit}, nil
	case "mean_squared_error", "mean_absolute_error", "accuracy_score", "confusion_matrix":
		return &unsupportedVal{name, hintMetrics}, nil
	case "load_data":
		return &unsupportedVal{"keras.datasets.cifar10.load_data()", "the lab loads CIFAR-10 (the subset or the full set) itself; choose the number of images with its n setting (--n in the terminal)"}, nil
	case "plot_model":
		return in.plotModel(c, args)
	case "set_random_seed", "seed", "clear_session":
		return &unsupportedVal{full, "the lab's seed setting (--seed in the terminal) makes training reproducible"}, nil
	}
	if strings.Contains(full, ".layers.") {
		return nil, errAt(c.Pos, "unknown layer %s%s; the lab has Dense, Conv2D, MaxPooling2D, Dropout, Flatten, BatchNormalization and Activation", strings.TrimPrefix(full, "tensorflow."), suggest(name))
	}
	return nil, errAt(c.Pos, "%s is not supported here; the lab has the layers Dense, Conv2D, MaxPooling2D, Dropout, Flatten, BatchNormalization, Activation, keras.Input, keras.Model, keras.Sequential, the optimizers Adam, SGD, RMSprop, and the callback EarlyStopping", full)
}

// objKind says which kind of Keras object a name is (optimizer, loss,
// metric or callback), or "" for none.
func objKind(full, name string) string {
	switch {
	case strings.Contains(full, "optimizers") || name == "Adam" || name == "SGD" || name == "RMSprop":
		return "optimizer"
	case strings.Contains(full, "losses") || name == "SparseCategoricalCrossentropy" || name == "CategoricalCrossentropy" || name == "MeanSquaredError":
		return "loss"
	case strings.Contains(full, "metrics") || name == "RootMeanSquaredError" || name == "SparseCategoricalAccuracy":
		return "metric"
	case strings.Contains(full, "callbacks") || name == "EarlyStopping" || name == "TensorBoard":
		return "callback"
	}
	return ""
}

// applyLayer is layer(tensor) in the functional API: a new tensor linked
// to the one before. A layer is applied once (no shared layers).
func (in *interp) applyLayer(l *layerVal, c *Call, args []value) (value, error) {
	if len(args) != 1 {
		return nil, errAt(c.Pos, "a layer is applied to one tensor, e.g. Dense(10)(x)")
	}
	t, ok := args[0].(*tensorVal)
	if !ok {
		return nil, errAt(c.Pos, "a layer is applied to a tensor from keras.Input or another layer, not %s", kindOf(args[0]))
	}
	if l.applied {
		return nil, errAt(c.Pos, "this layer is already used: shared layers are not supported here, make a new one")
	}
	l.applied = true
	return &tensorVal{in: t.in, prev: t, line: l.line, depth: t.depth + 1}, nil
}

// chain is the layers from the input to t, first first.
func (t *tensorVal) chain() []LayerLine {
	out := make([]LayerLine, t.depth)
	for x := t; x.prev != nil; x = x.prev {
		out[x.depth-1] = x.line
	}
	return out
}

// add is model.add on a Sequential model, and adds each element of
// keras.Sequential([...]): keras.Input first, then layers.
func (mv *modelVal) add(v value, p Pos, env Env) error {
	switch x := v.(type) {
	case *tensorVal:
		if x.depth > 0 || mv.in != nil || len(mv.layers) > 0 {
			return errAt(p, "keras.Input can only come first in a Sequential model")
		}
		mv.in = x.in
	case *layerVal:
		if x.inputShape != nil && mv.in == nil && len(mv.layers) == 0 {
			mv.in = &nn.InputLayer{Shape: x.inputShape}
		}
		mv.layers = append(mv.layers, x.line)
	default:
		return errAt(p, "a Sequential model takes layers, not %s", kindOf(v))
	}
	mv.m = nil
	return nil
}

// build makes the nn.Model, reporting a layer that does not fit at its
// line; building charges in a step a layer.
func (mv *modelVal) build(it *interp) error {
	if mv.m != nil {
		return nil
	}
	if err := it.charge(mv.pos, len(mv.layers)); err != nil {
		return err
	}
	in := mv.in
	if in == nil {
		return errAt(mv.pos, "this Sequential model has no input shape: start it with keras.Input(shape=...) or give the first layer input_shape=...")
	}
	// Fresh layers: building sets a layer's names and shapes.
	layers := make([]nn.Layer, len(mv.layers))
	for i, l := range mv.layers {
		nl, err := LayerFromCall(l.Call)
		if err != nil {
			return err
		}
		layers[i] = nl
		mv.layers[i].Layer = nl
	}
	inCopy := &nn.InputLayer{Shape: in.Shape, Name: in.Name}
	m, err := nn.NewModel(mv.name, inCopy, layers...)
	var le *nn.LayerError
	if errors.As(err, &le) {
		return errAt(mv.layers[le.Index].Pos, "%s does not fit its input %s: %v", le.Layer, le.Input, le.Err)
	}
	if err != nil {
		return errAt(budgetPos(err, mv.layers, mv.pos), "%v", err)
	}
	mv.m = m
	return nil
}

// method calls a model's method: add, summary, count_params, compile and
// fit run; evaluate, predict, save and load become notes.
func (in *interp) method(mt *methodVal, c *Call, args []value, kw map[string]value) (value, error) {
	if o, ok := mt.recv.(*objVal); ok {
		return nil, errAt(c.Pos, "%s.%s() is not supported here", o.name, mt.name)
	}
	mv := mt.recv.(*modelVal)
	switch mt.name {
	case "add":
		if !mv.seq {
			return nil, errAt(c.Pos, "add() is for Sequential models")
		}
		if len(args) != 1 {
			return nil, errAt(c.Pos, "model.add takes one layer")
		}
		return pyNone{}, mv.add(args[0], c.Pos, in.env)
	case "summary":
		if err := mv.build(in); err != nil {
			return nil, err
		}
		in.prog.Summaries++
		in.last = mv
		return pyNone{}, nil
	case "count_params":
		if err := mv.build(in); err != nil {
			return nil, err
		}
		n, _, _ := mv.m.CountParams()
		return pyNum{float64(n), true}, nil
	case "compile":
		if err := mv.build(in); err != nil {
			return nil, err
		}
		cs, err := in.compileSpec(c, kw, mv)
		if err != nil {
			return nil, err
		}
		in.prog.Compile = cs
		in.last = mv
		return pyNone{}, nil
	case "fit":
		if err := mv.build(in); err != nil {
			return nil, err
		}
		fs, err := in.fitSpec(c, args, kw)
		if err != nil {
			return nil, err
		}
		in.prog.Fit = fs
		in.prog.Model, in.prog.ModelPos, in.prog.Layers = mv.m, mv.pos, mv.layers
		in.last = mv
		return historyVal{}, nil
	case "evaluate", "predict":
		if in.env.Lesson == "penguins" {
			return &unsupportedVal{"model." + mt.name, hintPenguinsResults}, nil
		}
		return &unsupportedVal{"model." + mt.name, hintMetrics}, nil
	case "save", "save_weights", "load_weights":
		return &unsupportedVal{"model." + mt.name, "saving and loading models is not run here: the lab's page exports its model as Keras code"}, nil
	}
	return nil, errAt(c.Pos, "model.%s() is not supported here (the lab has summary, compile, fit, evaluate, predict)", mt.name)
}
