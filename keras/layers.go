package keras

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"nnlab/nn"
)

// LayerLine is one layer of a model text and the line it came from.
type LayerLine struct {
	Layer nn.Layer
	Pos   Pos
	Call  *Call
}

// ParseLayers reads a model text, one layer call a line (a call may span
// lines inside its brackets; comments and blank lines are skipped), e.g.
//
//	Dense(100, activation="relu")
//	Conv2D(32, (3, 3), activation="relu")
//
// Prefixes such as keras.layers. are accepted. The first error is returned
// as an *Error naming its line and column.
func ParseLayers(text string) (_ []LayerLine, err error) {
	defer recoverError(&err, "reading the model text")
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	var out []LayerLine
	for {
		for p.peek().kind == tNewline {
			p.next()
		}
		if p.peek().kind == tEOF {
			return out, nil
		}
		start := p.peek().pos
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if t := p.peek(); t.kind != tNewline {
			return nil, errAt(t.pos, "one layer a line: unexpected %s after the layer", describe(t))
		}
		c, ok := e.(*Call)
		if !ok {
			return nil, errAt(start, "expected a layer such as Dense(10, activation=\"relu\"), found %s", exprText(e))
		}
		l, err := LayerFromCall(c)
		if err != nil {
			return nil, err
		}
		if l == nil { // an Input(...) line: the data decide the input
			continue
		}
		out = append(out, LayerLine{l, start, c})
	}
}

// BuildModel parses a model text and builds it on the given input. A shape
// that does not fit is reported at the line of the layer that fails.
func BuildModel(text, name string, in *nn.InputLayer) (_ *nn.Model, err error) {
	defer recoverError(&err, "building the model text")
	lines, err := ParseLayers(text)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, errAt(Pos{1, 1}, "the model has no layers: add one a line, e.g. Dense(1)")
	}
	layers := make([]nn.Layer, len(lines))
	named := map[string]int{} // a name the text gives: its line
	for i, l := range lines {
		layers[i] = l.Layer
		if n := l.Layer.Name(); n != "" {
			if line, dup := named[n]; dup {
				return nil, errAt(l.Pos, "the name %q is used twice (line %d has it too): each layer needs its own", n, line)
			}
			named[n] = l.Pos.Line
		}
	}
	m, err := nn.NewModel(name, in, layers...)
	var le *nn.LayerError
	if errors.As(err, &le) {
		return nil, errAt(lines[le.Index].Pos, "%s does not fit its input %s: %v", le.Layer, le.Input, le.Err)
	}
	if err != nil {
		return nil, errAt(budgetPos(err, lines, Pos{1, 1}), "%v", err) // errAt clips what it quotes
	}
	return m, nil
}

// budgetPos is where an error of nn.NewModel belongs: a layer that the
// memory budget refuses (nn.BudgetError's Index) at that layer's line and
// column, anything else (the input's size) at pos, the model's.
func budgetPos(err error, layers []LayerLine, pos Pos) Pos {
	var be *nn.BudgetError
	if errors.As(err, &be) && be.Index >= 0 && be.Index < len(layers) {
		return layers[be.Index].Pos
	}
	return pos
}

// layerParams are the layers' parameters in Keras's positional order: the
// positional arguments and the keywords that a call may give.
var layerParams = map[string][]string{
	"Dense":              {"units", "activation", "use_bias", "name"},
	"Conv2D":             {"filters", "kernel_size", "strides", "padding", "activation", "use_bias", "name"},
	"MaxPooling2D":       {"pool_size", "strides", "padding", "name"},
	"Dropout":            {"rate", "seed", "name"},
	"Flatten":            {"name"},
	"BatchNormalization": {"axis", "momentum", "epsilon", "name"},
	"Activation":         {"activation", "name"},
	"Input":              {"shape", "name", "batch_size", "dtype"},
}

// aliases are other names Keras gives the same layers.
var aliases = map[string]string{"MaxPool2D": "MaxPooling2D", "Convolution2D": "Conv2D", "InputLayer": "Input"}

// LayerFromCall turns a call such as keras.layers.Dense(10, "relu") into a
// layer; nil for an Input call.
func LayerFromCall(c *Call) (nn.Layer, error) {
	full := DottedName(c.Fn)
	if full == "" {
		return nil, errAt(c.Pos, "expected a layer name before '('")
	}
	name := full[strings.LastIndex(full, ".")+1:]
	if a, ok := aliases[name]; ok {
		name = a
	}
	params, ok := layerParams[name]
	if !ok {
		return nil, errAt(c.Pos, "unknown layer %s%s; the lab has Dense, Conv2D, MaxPooling2D, Dropout, Flatten, BatchNormalization and Activation", full, suggest(name))
	}
	args := map[string]Expr{}
	if len(c.Args) > len(params) {
		return nil, errAt(c.Args[len(params)].At(), "%s takes at most %d positional arguments (%s)", name, len(params), strings.Join(params, ", "))
	}
	for i, a := range c.Args {
		args[params[i]] = a
	}
	for _, kw := range c.Kw {
		if !contains(params, kw.Name) {
			return nil, errAt(kw.Pos, "%s has no argument %q (it takes %s)", name, kw.Name, strings.Join(params, ", "))
		}
		if _, dup := args[kw.Name]; dup {
			return nil, errAt(kw.Pos, "%s got %q twice", name, kw.Name)
		}
		args[kw.Name] = kw.Value
	}
	a := argReader{name: name, args: args, pos: c.Pos}
	var l nn.Layer
	switch name {
	case "Dense":
		d := nn.Dense(a.int("units", -1), a.str("activation", ""))
		d.UseBias = a.bool("use_bias", true)
		l = d
	case "Conv2D":
		cv := nn.Conv2D(a.int("filters", -1), a.pair("kernel_size", nil), a.str("activation", ""))
		cv.Strides = a.pair("strides", []int{1, 1})
		cv.Padding = a.str("padding", "valid")
		cv.UseBias = a.bool("use_bias", true)
		l = cv
	case "MaxPooling2D":
		mp := nn.MaxPooling2D(a.pair("pool_size", []int{2, 2}))
		if _, ok := args["strides"]; ok && !isNone(args["strides"]) {
			mp.Strides = a.pair("strides", nil)
		}
		mp.Padding = a.str("padding", "valid")
		l = mp
	case "Dropout":
		l = nn.Dropout(a.float("rate", math.NaN()))
	case "Flatten":
		l = nn.Flatten()
	case "BatchNormalization":
		if ax := a.int("axis", -1); ax != -1 && a.err == nil {
			a.fail("axis", "only axis=-1 (the last axis, Keras's default) is supported")
		}
		bn := nn.BatchNormalization()
		bn.Momentum = a.float("momentum", 0.99)
		bn.Epsilon = a.float("epsilon", 1e-3)
		l = bn
	case "Activation":
		l = nn.Activation(a.str("activation", "\x00"))
	case "Input":
		return nil, a.err
	}
	if a.err != nil {
		return nil, a.err
	}
	if n := a.str("name", ""); n != "" {
		l.(interface{ SetName(string) }).SetName(n)
	}
	return l, a.err
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// suggest proposes the closest layer name for a misspelt one.
func suggest(name string) string {
	var names []string
	for k := range layerParams {
		names = append(names, k)
	}
	sort.Strings(names)
	best, bd := "", 4
	if len(name) > 40 { // no layer name is near it; and editDistance is len(a)*len(b)
		return ""
	}
	for _, k := range names {
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bd {
			best, bd = k, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev = cur
	}
	return prev[len(b)]
}

func isNone(e Expr) bool {
	n, ok := e.(*Name)
	return ok && n.Name == "None"
}

// argReader converts argument expressions, remembering the first error.
type argReader struct {
	name string
	args map[string]Expr
	pos  Pos
	err  error
}

func (a *argReader) fail(arg string, format string, v ...any) {
	if a.err != nil {
		return
	}
	p := a.pos
	if e, ok := a.args[arg]; ok {
		p = e.At()
	}
	a.err = errAt(p, "%s(%s=...): %s", a.name, arg, fmt.Sprintf(format, v...))
}

func (a *argReader) get(arg string) (Expr, bool) {
	e, ok := a.args[arg]
	if ok && isNone(e) {
		return nil, false
	}
	return e, ok
}

func (a *argReader) int(arg string, def int) int {
	e, ok := a.get(arg)
	if !ok {
		if def == -1 && arg != "axis" {
			a.fail(arg, "this argument is required")
		}
		return def
	}
	v, err := Number(e)
	if err != nil || v != math.Trunc(v) {
		a.fail(arg, "expected a whole number, got %s", exprText(e))
		return def
	}
	if math.Abs(v) > 1<<53 {
		// beyond float64's whole numbers, and far beyond any layer
		a.fail(arg, "%s is too large", exprText(e))
		return def
	}
	return int(v)
}

func (a *argReader) float(arg string, def float64) float64 {
	e, ok := a.get(arg)
	if !ok {
		if math.IsNaN(def) {
			a.fail(arg, "this argument is required")
		}
		return def
	}
	v, err := Number(e)
	if err != nil {
		a.fail(arg, "expected a number, got %s", exprText(e))
		return def
	}
	return v
}

func (a *argReader) str(arg string, def string) string {
	e, ok := a.get(arg)
	if !ok {
		if def == "\x00" {
			a.fail(arg, "this argument is required")
			return ""
		}
		return def
	}
	s, isStr := e.(*Str)
	if !isStr {
		a.fail(arg, "expected a string in quotes, e.g. \"relu\", got %s", exprText(e))
		return def
	}
	return s.V
}

func (a *argReader) bool(arg string, def bool) bool {
	e, ok := a.get(arg)
	if !ok {
		return def
	}
	if n, isName := e.(*Name); isName && (n.Name == "True" || n.Name == "False") {
		return n.Name == "True"
	}
	a.fail(arg, "expected True or False, got %s", exprText(e))
	return def
}

// pair reads an int or a tuple of two ints (kernel_size=3 means (3, 3)).
func (a *argReader) pair(arg string, def []int) [2]int {
	e, ok := a.get(arg)
	if !ok {
		if def == nil {
			a.fail(arg, "this argument is required")
			return [2]int{}
		}
		return [2]int{def[0], def[1]}
	}
	var elts []Expr
	switch t := e.(type) {
	case *Tuple:
		elts = t.Elts
	case *List:
		elts = t.Elts
	default:
		elts = []Expr{e, e}
	}
	if len(elts) != 2 {
		a.fail(arg, "expected two numbers like (3, 3), got %s", exprText(e))
		return [2]int{}
	}
	var out [2]int
	for i, x := range elts {
		v, err := Number(x)
		if err != nil || v != math.Trunc(v) || v <= 0 {
			a.fail(arg, "expected positive whole numbers like (3, 3), got %s", exprText(e))
			return [2]int{}
		}
		out[i] = int(v)
	}
	return out
}

// Number evaluates a numeric expression (literals and + - * / // %).
func Number(e Expr) (float64, error) {
	switch x := e.(type) {
	case *Num:
		return x.V, nil
	case *Neg:
		v, err := Number(x.X)
		return -v, err
	case *BinOp:
		a, err := Number(x.X)
		if err != nil {
			return 0, err
		}
		b, err := Number(x.Y)
		if err != nil {
			return 0, err
		}
		switch x.Op {
		case "+":
			return a + b, nil
		case "-":
			return a - b, nil
		case "*":
			return a * b, nil
		case "/":
			return a / b, nil
		case "//":
			return math.Floor(a / b), nil
		case "%":
			return math.Mod(a, b), nil
		}
	}
	return 0, errAt(e.At(), "expected a number, got %s", exprText(e))
}
