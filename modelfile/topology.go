package modelfile

import (
	"fmt"
	"strings"

	"nnlab/gpu"
	"nnlab/nn"
)

// topology writes the model as Keras serializes a Functional model whose
// layers form one chain: Keras 3's config.json object, or the Keras 2
// model_config TF.js reads.
func topology(s style, m *nn.Model) (obj, error) {
	in := m.Input
	inName := in.Name
	if inName == "" {
		inName = "input_layer"
	}
	inCfg := obj{"batch_shape": batchShape(in.Shape), "dtype": "float32", "sparse": false, "name": inName}
	if s == keras2 {
		inCfg = obj{"batch_input_shape": batchShape(in.Shape), "dtype": "float32", "sparse": false, "name": inName}
	}
	layers := []any{entry(s, "InputLayer", inName, inCfg)}
	prev, prevShape := inName, in.Shape
	for _, l := range m.Layers {
		class, cfg, err := layerConfig(s, l)
		if err != nil {
			return nil, err
		}
		e := entry(s, class, l.Name(), cfg)
		if s == keras3 {
			e["build_config"] = obj{"input_shape": batchShape(prevShape)}
			tensor := obj{"class_name": "__keras_tensor__", "config": obj{"shape": batchShape(prevShape), "dtype": "float32", "keras_history": []any{prev, 0, 0}}}
			e["inbound_nodes"] = []any{obj{"args": []any{tensor}, "kwargs": obj{}}}
		} else {
			e["inbound_nodes"] = []any{[]any{[]any{prev, 0, 0, obj{}}}}
		}
		layers = append(layers, e)
		prev, prevShape = l.Name(), outShape(l)
	}
	cfg := obj{"name": m.Name, "trainable": true, "layers": layers}
	if s == keras3 {
		// A model built from one input tensor and one output tensor, as
		// the lesson's keras.Model(inputs=inputs, outputs=outputs).
		cfg["input_layers"] = []any{inName, 0, 0}
		cfg["output_layers"] = []any{prev, 0, 0}
		return obj{"module": "keras.src.models.functional", "class_name": "Functional", "config": cfg, "registered_name": "Functional", "build_config": obj{"input_shape": nil}}, nil
	}
	cfg["input_layers"] = []any{[]any{inName, 0, 0}}
	cfg["output_layers"] = []any{[]any{prev, 0, 0}}
	return obj{"class_name": "Model", "config": cfg}, nil
}

func entry(s style, class, name string, cfg obj) obj {
	e := obj{"class_name": class, "config": cfg, "name": name, "inbound_nodes": []any{}}
	if s == keras3 {
		e["module"] = "keras.layers"
		e["registered_name"] = nil
	}
	return e
}

// fromTopology builds the model a Keras config describes: Sequential, or a
// Functional model (Keras 3's or Keras 2's "Model") whose layers form one
// chain from one input to one output, which is what nnlab runs.
func fromTopology(t obj) (*nn.Model, error) {
	if mc, ok := t["model_config"].(obj); ok { // tensorflowjs_converter's wrapping
		t = mc
	}
	class, _ := t["class_name"].(string)
	cfg, ok := t["config"].(obj)
	if !ok {
		return nil, fmt.Errorf("the model config has no \"config\" object (class_name %q)", class)
	}
	name, _ := cfg["name"].(string)
	list, ok := cfg["layers"].([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("the model config lists no layers")
	}
	switch class {
	case "Sequential":
	case "Functional", "Model":
	default:
		return nil, fmt.Errorf("a model of class %q cannot be loaded: nnlab loads Sequential and Functional models", class)
	}
	var in *nn.InputLayer
	var layers []nn.Layer
	prev := ""
	for i, raw := range list {
		e, ok := raw.(obj)
		if !ok {
			return nil, fmt.Errorf("layer %d of the config is not an object", i+1)
		}
		lclass, _ := e["class_name"].(string)
		lcfg, _ := e["config"].(obj)
		if lcfg == nil {
			lcfg = obj{}
		}
		lname, _ := lcfg["name"].(string)
		if n, ok := e["name"].(string); ok && n != "" {
			lname = n
		}
		if lclass == "InputLayer" {
			if in != nil {
				return nil, fmt.Errorf("the model has more than one input (%s and %s): nnlab runs models of one input", in.Name, lname)
			}
			if len(layers) > 0 {
				return nil, fmt.Errorf("the input %s comes after other layers", lname)
			}
			shp := lcfg["batch_shape"]
			if shp == nil {
				shp = lcfg["batch_input_shape"]
			}
			s, err := shapeOf(shp)
			if err != nil {
				return nil, fmt.Errorf("input %s: %w", lname, err)
			}
			in = &nn.InputLayer{Shape: s, Name: lname}
			prev = lname
			continue
		}
		if in == nil {
			// Sequential without an InputLayer: the first layer says the
			// shape (Keras 2's batch_input_shape, Keras 3's build_config).
			shp := lcfg["batch_input_shape"]
			if shp == nil {
				shp = lcfg["batch_shape"]
			}
			if bc, ok := e["build_config"].(obj); ok && shp == nil {
				shp = bc["input_shape"]
			}
			if shp == nil {
				if bis, ok := cfg["build_input_shape"]; ok {
					shp = bis
				}
			}
			s, err := shapeOf(shp)
			if err != nil {
				return nil, fmt.Errorf("the model's input shape is not known: %w", err)
			}
			in = &nn.InputLayer{Shape: s, Name: "input_layer"}
			prev = in.Name
		}
		if class != "Sequential" {
			from, err := inbound(e["inbound_nodes"])
			if err != nil {
				return nil, fmt.Errorf("layer %s: %w", lname, err)
			}
			if from != prev {
				return nil, fmt.Errorf("layer %s takes its input from %s, not from the layer before it (%s): nnlab runs chains of layers, one after the other", lname, from, prev)
			}
		}
		l, err := layerFrom(lclass, cfgReader{m: lcfg, class: lclass + " " + lname})
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", lname, err)
		}
		layers = append(layers, l)
		prev = l.Name()
		if prev == "" {
			prev = lname
		}
	}
	if in == nil || len(layers) == 0 {
		return nil, fmt.Errorf("the model has no layers after its input")
	}
	if class != "Sequential" {
		if out := outputName(cfg["output_layers"]); out != "" && out != prev {
			return nil, fmt.Errorf("the model's output is %s, not its last layer %s: nnlab runs chains of layers", out, prev)
		}
	}
	m, err := nn.NewModel(name, in, layers...)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// inbound reads the one layer a layer is called on, from Keras 3's
// {"args": [keras tensor]} or Keras 2's [[[name, 0, 0, {}]]].
func inbound(v any) (string, error) {
	nodes, ok := v.([]any)
	if !ok || len(nodes) != 1 {
		return "", fmt.Errorf("it is called %d times, or on no input: nnlab runs each layer once, on the layer before it", len(nodes))
	}
	switch n := nodes[0].(type) {
	case obj:
		args, _ := n["args"].([]any)
		if len(args) != 1 {
			return "", fmt.Errorf("it is called on %d inputs, nnlab's layers take one", len(args))
		}
		t, _ := args[0].(obj)
		c, _ := t["config"].(obj)
		h, _ := c["keras_history"].([]any)
		if len(h) < 1 {
			return "", fmt.Errorf("its input is not a layer's output")
		}
		s, _ := h[0].(string)
		return s, nil
	case []any:
		if len(n) != 1 {
			return "", fmt.Errorf("it is called on %d inputs, nnlab's layers take one", len(n))
		}
		t, _ := n[0].([]any)
		if len(t) < 1 {
			return "", fmt.Errorf("its inbound node is empty")
		}
		s, _ := t[0].(string)
		return s, nil
	}
	return "", fmt.Errorf("its inbound node %s is not one Keras writes", jsonText(nodes[0]))
}

// outputName reads output_layers: ["dense", 0, 0] or [["dense", 0, 0]].
func outputName(v any) string {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return ""
	}
	if s, ok := a[0].(string); ok {
		return s
	}
	if len(a) == 1 {
		return outputName(a[0])
	}
	return "more than one output"
}

// compileConfig writes model.compile's settings as Keras 3's compile_config.
func compileConfig(c *Compile) obj {
	o := c.Optimizer
	var class string
	oc := obj{"learning_rate": float64(o.LR)}
	switch o.Kind {
	case gpu.Adam:
		class = "Adam"
		oc["name"] = "adam"
		oc["beta_1"], oc["beta_2"], oc["epsilon"], oc["amsgrad"] = float64(o.Beta1), float64(o.Beta2), float64(o.Epsilon), false
	case gpu.SGD:
		class = "SGD"
		oc["name"] = "SGD"
		oc["momentum"], oc["nesterov"] = float64(o.Momentum), o.Nesterov
	default:
		class = "RMSprop"
		oc["name"] = "rmsprop"
		oc["rho"], oc["momentum"], oc["epsilon"], oc["centered"] = float64(o.Rho), float64(o.Momentum), float64(o.Epsilon), false
	}
	var loss any = c.Loss.Name
	switch c.Loss.Kind {
	case gpu.SparseCCE, gpu.SparseCCEFromLogits:
		loss = obj{"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy", "registered_name": nil,
			"config": obj{"name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size", "from_logits": c.Loss.Kind == gpu.SparseCCEFromLogits, "ignore_class": nil}}
	case gpu.CategoricalCE, gpu.CategoricalCEFromLogits:
		loss = obj{"module": "keras.losses", "class_name": "CategoricalCrossentropy", "registered_name": nil,
			"config": obj{"name": "categorical_crossentropy", "reduction": "sum_over_batch_size", "from_logits": c.Loss.Kind == gpu.CategoricalCEFromLogits, "label_smoothing": 0.0, "axis": -1}}
	}
	var metrics []any
	for _, mt := range c.Metrics {
		if mt.Name == "root_mean_squared_error" {
			metrics = append(metrics, obj{"module": "keras.metrics", "class_name": "RootMeanSquaredError", "registered_name": nil, "config": obj{"name": "root_mean_squared_error", "dtype": "float32"}})
		} else {
			metrics = append(metrics, mt.Name)
		}
	}
	return obj{
		"optimizer": obj{"module": "keras.optimizers", "class_name": class, "config": oc, "registered_name": nil},
		"loss":      loss, "loss_weights": nil, "metrics": metrics, "weighted_metrics": nil,
		"run_eagerly": false, "steps_per_execution": 1, "jit_compile": false,
	}
}

// fromCompileConfig reads a compile_config; what nnlab does not have gives
// nil (Build then compiles with DefaultCompile) rather than an error: the
// weights still predict.
func fromCompileConfig(v any) *Compile {
	cc, ok := v.(obj)
	if !ok {
		return nil
	}
	c := &Compile{}
	name, cfg := classAndConfig(cc["optimizer"])
	opt, err := nn.OptimizerByName(name)
	if err != nil {
		return nil
	}
	num := func(k string, into *float32) {
		if f, ok := cfg[k].(float64); ok {
			*into = float32(f)
		}
	}
	num("learning_rate", &opt.LR)
	num("beta_1", &opt.Beta1)
	num("beta_2", &opt.Beta2)
	num("epsilon", &opt.Epsilon)
	num("rho", &opt.Rho)
	num("momentum", &opt.Momentum)
	if b, ok := cfg["nesterov"].(bool); ok {
		opt.Nesterov = b
	}
	if !(opt.LR > 0) {
		return nil
	}
	c.Optimizer = opt
	lname, lcfg := classAndConfig(cc["loss"])
	logits, _ := lcfg["from_logits"].(bool)
	switch strings.ToLower(lname) {
	case "sparsecategoricalcrossentropy", "sparse_categorical_crossentropy":
		c.Loss = nn.SparseCategoricalCrossentropy(logits)
	case "categoricalcrossentropy", "categorical_crossentropy":
		c.Loss = nn.CategoricalCrossentropy(logits)
	case "meansquarederror":
		c.Loss = nn.MeanSquaredError
	case "meanabsoluteerror":
		c.Loss = nn.MeanAbsoluteError
	default:
		l, err := nn.LossByName(lname)
		if err != nil {
			return nil
		}
		c.Loss = l
	}
	ms, _ := cc["metrics"].([]any)
	for _, raw := range ms {
		mname, mcfg := classAndConfig(raw)
		if n, ok := mcfg["name"].(string); ok {
			mname = n
		}
		mt, err := nn.MetricByName(mname)
		if err != nil {
			continue // a metric nnlab does not compute is left out
		}
		c.Metrics = append(c.Metrics, mt)
	}
	return c
}

// classAndConfig reads a serialized object: a string, or {"class_name",
// "config"}.
func classAndConfig(v any) (string, obj) {
	switch x := v.(type) {
	case string:
		return x, obj{}
	case obj:
		n, _ := x["class_name"].(string)
		c, _ := x["config"].(obj)
		if c == nil {
			c = obj{}
		}
		return n, c
	}
	return "", obj{}
}
