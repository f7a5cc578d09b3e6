package keras

import (
	"fmt"
	"strconv"

	"nnlab/nn"
)

type (
	value any
	pyNum struct {
		v     float64
		isInt bool
	}
	pyTuple  struct{ seq }
	pyList   struct{ seq }
	pyNone   struct{}
	qualName string // a module or class path: tensorflow.keras.layers.Dense
	layerVal struct {
		line       LayerLine
		inputShape []int
		applied    bool
	}
	// tensorVal is the output of a chain of layers applied from an input:
	// each application links to the tensor before it instead of copying the
	// chain, so that x = Dense(1)(x) ten thousand times stays linear.
	tensorVal struct {
		in    *nn.InputLayer
		prev  *tensorVal // nil at the input
		line  LayerLine  // the layer that gave this tensor (none at the input)
		depth int        // layers from the input
	}
	modelVal struct {
		prog   *Program
		m      *nn.Model
		pos    Pos
		layers []LayerLine
		in     *nn.InputLayer
		name   string
		seq    bool // Sequential: built lazily, add() allowed
	}
	dataVal struct {
		name  string
		shape []int
	}
	objVal struct {
		kind, name string // kind: optimizer, loss, metric, callback
		pos        Pos
		kw         map[string]value
		args       []value
	}
	funcVal struct {
		def      *Def
		defaults map[string]value
	}
	methodVal struct {
		recv value
		name string
		pos  Pos
	}
	unsupportedVal struct{ what, hint string }
	historyVal     struct{}
)

// seq is a tuple's or a list's elements with the counts that the value
// limits check, kept so that a tuple of tuples is never walked to count.
type seq struct {
	elts  []value
	size  int // elements, counted through nested tuples and lists, plus strings' bytes
	depth int // nesting of tuples and lists: 1 for (1, 2)
}

// sizeOf is v's size and depth as newSeq counts them.
func sizeOf(v value) (size, depth int) {
	switch x := v.(type) {
	case pyTuple:
		return x.size, x.depth
	case pyList:
		return x.size, x.depth
	case string:
		return len(x), 0
	}
	return 0, 0
}

// newSeq counts elts for a tuple or a list built at p ("tuple" or "list"
// in messages), checking MaxValueSize and MaxNesting and charging the copy.
func (in *interp) newSeq(p Pos, what string, elts []value) (seq, error) {
	s := seq{elts: elts, size: len(elts), depth: 1}
	for _, v := range elts {
		n, d := sizeOf(v)
		s.size += n
		s.depth = max(s.depth, d+1)
	}
	if s.size > MaxValueSize {
		return s, errAt(p, "this %s would hold %s elements, counting those of the tuples and lists in it (and the characters of its strings); the lab's limit for one value is %s", what, thousands(s.size), thousands(MaxValueSize))
	}
	if s.depth > MaxNesting {
		return s, errAt(p, "this %s nests tuples and lists more than %d levels deep", what, MaxNesting)
	}
	return s, in.charge(p, len(elts))
}

// tuple builds a tuple with newSeq's checks.
func (in *interp) tuple(p Pos, elts []value) (pyTuple, error) {
	s, err := in.newSeq(p, "tuple", elts)
	return pyTuple{s}, err
}

// list builds a list with newSeq's checks.
func (in *interp) list(p Pos, elts []value) (pyList, error) {
	s, err := in.newSeq(p, "list", elts)
	return pyList{s}, err
}

// kindOf names v for messages: "a tuple", "the data X_train", ...
func kindOf(v value) string {
	switch x := v.(type) {
	case pyNum:
		return "a number"
	case string:
		return "a string"
	case bool:
		return "True/False"
	case pyNone:
		return "None"
	case pyTuple:
		return "a tuple"
	case pyList:
		return "a list"
	case qualName:
		return string(x)
	case *layerVal:
		return "a layer"
	case *tensorVal:
		return "a tensor"
	case *modelVal:
		return "a model"
	case *dataVal:
		return "the data " + x.name
	case *objVal:
		return "a " + x.kind
	case *funcVal:
		return "the function " + x.def.Name
	case *unsupportedVal:
		return x.what
	}
	return fmt.Sprintf("%T", v)
}

// num is v's number, if v is one.
func num(v value) (float64, bool) {
	n, ok := v.(pyNum)
	return n.v, ok
}

// toExpr turns a value back into a literal so that LayerFromCall can read it.
func toExpr(v value, p Pos) (Expr, bool) {
	switch x := v.(type) {
	case pyNum:
		t := strconv.FormatFloat(x.v, 'g', -1, 64)
		return &Num{p, x.v, x.isInt, t}, true
	case string:
		return &Str{p, x}, true
	case bool:
		if x {
			return &Name{p, "True"}, true
		}
		return &Name{p, "False"}, true
	case pyNone:
		return &Name{p, "None"}, true
	case pyTuple, pyList:
		var elts []Expr
		var src []value
		if t, ok := x.(pyTuple); ok {
			src = t.elts
		} else {
			src = x.(pyList).elts
		}
		for _, el := range src {
			e, ok := toExpr(el, p)
			if !ok {
				return nil, false
			}
			elts = append(elts, e)
		}
		if _, ok := x.(pyTuple); ok {
			return &Tuple{p, elts}, true
		}
		return &List{p, elts}, true
	}
	return nil, false
}

// shapeOf reads a shape for keras.Input or input_shape=: a tuple, a list
// or a number, of positive whole numbers.
func shapeOf(v value, p Pos) ([]int, error) {
	var src []value
	switch x := v.(type) {
	case pyTuple:
		src = x.elts
	case pyList:
		src = x.elts
	case pyNum:
		src = []value{x}
	default:
		return nil, errAt(p, "expected a shape like (89,), got %s", kindOf(v))
	}
	out := make([]int, len(src))
	for i, el := range src {
		n, ok := el.(pyNum)
		if !ok || !n.isInt || n.v <= 0 || n.v > 1<<53 {
			return nil, errAt(p, "expected a shape of positive whole numbers like (32, 32, 3)")
		}
		out[i] = int(n.v)
	}
	return out, nil
}
