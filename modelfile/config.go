package modelfile

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"nnlab/gpu"
	"nnlab/nn"
)

// style is the dialect of Keras's JSON a file speaks: Keras 3's
// serialization_lib (.keras) or Keras 2's, which TensorFlow.js's layers
// format keeps (model.json).
type style int

const (
	keras3 style = iota
	keras2
)

// obj is one JSON object as Keras writes it; encoding/json sorts the keys,
// which Keras's readers do not mind.
type obj = map[string]any

// initializer is how each style names an initializer.
func initializer(s style, class string) any {
	cfg := obj{}
	if class == "GlorotUniform" {
		cfg["seed"] = nil
	}
	if s == keras2 {
		return obj{"class_name": class, "config": cfg}
	}
	return obj{"module": "keras.initializers", "class_name": class, "config": cfg, "registered_name": nil}
}

// layerConfig is layer.get_config() with Keras's keys and defaults.
func layerConfig(s style, l nn.Layer) (class string, cfg obj, err error) {
	cfg = obj{"name": l.Name(), "trainable": true}
	if s == keras3 {
		cfg["dtype"] = obj{"module": "keras", "class_name": "DTypePolicy", "config": obj{"name": "float32"}, "registered_name": nil}
	} else {
		cfg["dtype"] = "float32"
	}
	noReg := func(keys ...string) {
		for _, k := range keys {
			cfg[k] = nil
		}
	}
	switch x := l.(type) {
	case *nn.DenseLayer:
		cfg["units"] = x.Units
		cfg["activation"] = actName(x.Activation)
		cfg["use_bias"] = x.UseBias
		cfg["kernel_initializer"] = initializer(s, "GlorotUniform")
		cfg["bias_initializer"] = initializer(s, "Zeros")
		noReg("kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint")
		if s == keras2 {
			noReg("activity_regularizer")
		}
	case *nn.Conv2DLayer:
		strides := x.Strides
		if strides == [2]int{} {
			strides = [2]int{1, 1}
		}
		cfg["filters"] = x.Filters
		cfg["kernel_size"] = x.Kernel[:]
		cfg["strides"] = strides[:]
		cfg["padding"] = padding(x.Padding)
		cfg["data_format"] = "channels_last"
		cfg["dilation_rate"] = []int{1, 1}
		if s == keras3 {
			cfg["groups"] = 1
		}
		cfg["activation"] = actName(x.Activation)
		cfg["use_bias"] = x.UseBias
		cfg["kernel_initializer"] = initializer(s, "GlorotUniform")
		cfg["bias_initializer"] = initializer(s, "Zeros")
		noReg("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")
	case *nn.MaxPool2DLayer:
		strides := x.Strides
		if strides == [2]int{} {
			strides = x.Pool
		}
		cfg["pool_size"] = x.Pool[:]
		cfg["padding"] = padding(x.Padding)
		cfg["strides"] = strides[:]
		cfg["data_format"] = "channels_last"
	case *nn.DropoutLayer:
		cfg["rate"] = x.Rate
		noReg("seed", "noise_shape")
	case *nn.FlattenLayer:
		cfg["data_format"] = "channels_last"
	case *nn.BatchNormLayer:
		cfg["axis"] = -1
		cfg["momentum"] = x.Momentum
		cfg["epsilon"] = x.Epsilon
		cfg["center"] = true
		cfg["scale"] = true
		cfg["beta_initializer"] = initializer(s, "Zeros")
		cfg["gamma_initializer"] = initializer(s, "Ones")
		cfg["moving_mean_initializer"] = initializer(s, "Zeros")
		cfg["moving_variance_initializer"] = initializer(s, "Ones")
		noReg("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
	case *nn.ActivationLayer:
		cfg["activation"] = actName(x.Activation)
	default:
		return "", nil, fmt.Errorf("modelfile: layer %s (%s) has no Keras config here", l.Name(), l.Type())
	}
	return l.Type(), cfg, nil
}

func actName(a string) string {
	if a == "" || a == "None" {
		return "linear"
	}
	return strings.ToLower(a)
}

func padding(p string) string {
	if p == "" {
		return "valid"
	}
	return strings.ToLower(p)
}

// Supported lists the layer classes nnlab builds, for error messages.
const Supported = "InputLayer, Dense, Conv2D, MaxPooling2D, Dropout, Flatten, BatchNormalization and Activation"

// layerFrom builds an nnlab layer from a Keras class name and config, of
// either style. A setting nnlab does not have (another data format,
// dilation, a layer without its bias where Keras keeps one, ...) is an
// error naming the layer and the setting, never ignored: the model would
// predict something else.
func layerFrom(class string, c cfgReader) (nn.Layer, error) {
	var l nn.Layer
	switch class {
	case "Dense":
		d := nn.Dense(c.int("units", 0), c.act("activation"))
		d.UseBias = c.bool("use_bias", true)
		if d.Units <= 0 && c.err == nil {
			c.fail("units must be a positive number")
		}
		l = d
	case "Conv2D":
		x := nn.Conv2D(c.int("filters", 0), c.pair("kernel_size", nil), c.act("activation"))
		x.Strides = c.pair("strides", []int{1, 1})
		x.Padding = c.str("padding", "valid")
		x.UseBias = c.bool("use_bias", true)
		c.want("data_format", "channels_last")
		if d := c.pair("dilation_rate", []int{1, 1}); d != [2]int{1, 1} {
			c.fail("dilation_rate %v is not supported (only 1)", d)
		}
		if g := c.int("groups", 1); g != 1 {
			c.fail("groups=%d is not supported (only 1)", g)
		}
		l = x
	case "MaxPooling2D", "MaxPool2D":
		x := nn.MaxPooling2D(c.pair("pool_size", []int{2, 2}))
		x.Strides = c.pair("strides", x.Pool[:])
		x.Padding = c.str("padding", "valid")
		c.want("data_format", "channels_last")
		l = x
	case "Dropout":
		l = nn.Dropout(c.float("rate", 0))
		if c.has("noise_shape") {
			c.fail("noise_shape is not supported")
		}
	case "Flatten":
		c.want("data_format", "channels_last")
		l = nn.Flatten()
	case "BatchNormalization":
		x := nn.BatchNormalization()
		x.Momentum = c.float("momentum", 0.99)
		x.Epsilon = c.float("epsilon", 1e-3)
		if !c.bool("center", true) || !c.bool("scale", true) {
			c.fail("center=False or scale=False is not supported (nnlab's batch normalization has both beta and gamma)")
		}
		switch ax := c.get("axis"); v := ax.(type) {
		case nil:
		case float64:
			if v != -1 {
				c.fail("axis=%v is not supported: nnlab normalizes the last axis (axis=-1)", v)
			}
		case []any:
			if len(v) != 1 || v[0] != float64(-1) {
				c.fail("axis=%v is not supported: nnlab normalizes the last axis (axis=-1)", v)
			}
		}
		l = x
	case "Activation":
		l = nn.Activation(c.act("activation"))
	default:
		return nil, fmt.Errorf("layer class %s is not one nnlab has (%s)", class, Supported)
	}
	if c.err != nil {
		return nil, c.err
	}
	if name := c.str("name", ""); name != "" {
		l.(interface{ SetName(string) }).SetName(name)
	}
	return l, c.err
}

// cfgReader reads a layer's config; the first wrong value sets err.
type cfgReader struct {
	m     obj
	class string
	err   error
}

func (c *cfgReader) fail(format string, v ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%s: %s", c.class, fmt.Sprintf(format, v...))
	}
}

func (c *cfgReader) get(k string) any { return c.m[k] }
func (c *cfgReader) has(k string) bool {
	v, ok := c.m[k]
	return ok && v != nil
}

func (c *cfgReader) int(k string, def int) int {
	v, ok := c.m[k]
	if !ok || v == nil {
		return def
	}
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<30 {
		c.fail("%s must be a whole number, got %v", k, v)
		return def
	}
	return int(f)
}

func (c *cfgReader) float(k string, def float64) float64 {
	v, ok := c.m[k]
	if !ok || v == nil {
		return def
	}
	f, ok := v.(float64)
	if !ok {
		c.fail("%s must be a number, got %v", k, v)
		return def
	}
	return f
}

func (c *cfgReader) bool(k string, def bool) bool {
	v, ok := c.m[k]
	if !ok || v == nil {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		c.fail("%s must be true or false, got %v", k, v)
		return def
	}
	return b
}

func (c *cfgReader) str(k, def string) string {
	v, ok := c.m[k]
	if !ok || v == nil {
		return def
	}
	s, ok := v.(string)
	if !ok {
		c.fail("%s must be a string, got %v", k, v)
		return def
	}
	return s
}

func (c *cfgReader) want(k, only string) {
	if v := c.str(k, only); v != only {
		c.fail("%s=%q is not supported (only %q)", k, v, only)
	}
}

// pair reads a size given as one number or two (kernel_size=3 or (3, 3)).
func (c *cfgReader) pair(k string, def []int) [2]int {
	v, ok := c.m[k]
	if !ok || v == nil {
		if def == nil {
			c.fail("%s is missing", k)
			return [2]int{}
		}
		return [2]int{def[0], def[1]}
	}
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && x > 0 && x < 1<<20 {
			return [2]int{int(x), int(x)}
		}
	case []any:
		if len(x) == 2 {
			a, aok := x[0].(float64)
			b, bok := x[1].(float64)
			if aok && bok && a == math.Trunc(a) && b == math.Trunc(b) && a > 0 && b > 0 && a < 1<<20 && b < 1<<20 {
				return [2]int{int(a), int(b)}
			}
		}
	}
	c.fail("%s must be one positive whole number or two, got %v", k, v)
	return [2]int{1, 1}
}

// act reads an activation: a name, or Keras 3's serialized function.
func (c *cfgReader) act(k string) string {
	v, ok := c.m[k]
	if !ok || v == nil {
		return "linear"
	}
	name := ""
	switch x := v.(type) {
	case string:
		name = x
	case map[string]any:
		// {"module": "keras.activations", "class_name": "function", "config": "relu"}
		if s, ok := x["config"].(string); ok {
			name = s
		} else if s, ok := x["class_name"].(string); ok {
			name = s
		}
	}
	name = strings.ToLower(name)
	if _, ok := gpu.ActNames[name]; !ok && name != "linear" {
		c.fail("activation %v is not one nnlab has (relu, sigmoid, tanh, softmax, linear)", v)
		return "linear"
	}
	return name
}

// shapeOf reads a batch shape [null, 89] as the sample shape (89).
func shapeOf(v any) (nn.Shape, error) {
	a, ok := v.([]any)
	if !ok || len(a) < 2 {
		return nil, fmt.Errorf("the input shape %v is not a batch shape such as [null, 89]", jsonText(v))
	}
	var s nn.Shape
	for _, d := range a[1:] {
		f, ok := d.(float64)
		if !ok || f != math.Trunc(f) || f <= 0 || f > 1<<24 {
			return nil, fmt.Errorf("the input shape %v needs known positive sizes after the batch axis", jsonText(v))
		}
		s = append(s, int(f))
	}
	return s, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// sortedKeys is for messages that list what a config holds.
func sortedKeys(m obj) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
