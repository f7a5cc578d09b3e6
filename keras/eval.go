package keras

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// eval evaluates e, each operand once.
func (in *interp) eval(e Expr) (value, error) {
	if err := in.charge(e.At(), 1); err != nil {
		return nil, err
	}
	if in.nest++; in.nest > maxEvalNest {
		return nil, errAt(e.At(), "this code nests calls and expressions more than %d levels deep", maxEvalNest)
	}
	defer func() { in.nest-- }()
	switch x := e.(type) {
	case *Num:
		return pyNum{x.V, x.IsInt}, nil
	case *Str:
		return x.V, nil
	case *Name:
		v, ok := in.lookup(x.Name)
		if !ok {
			return nil, errAt(x.Pos, "name %q is not defined%s", x.Name, in.dataHint(x.Name))
		}
		return v, nil
	case *Tuple, *List:
		var elts []Expr
		if t, ok := x.(*Tuple); ok {
			elts = t.Elts
		} else {
			elts = x.(*List).Elts
		}
		out := make([]value, len(elts))
		for i, el := range elts {
			v, err := in.eval(el)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		if _, ok := x.(*Tuple); ok {
			return in.tuple(x.At(), out)
		}
		return in.list(x.At(), out)
	case *Neg:
		v, err := in.eval(x.X)
		if err != nil {
			return nil, err
		}
		if r, done := prepOperand(v); done {
			return r, nil
		}
		n, err := number(x.X, v)
		return pyNum{-n.v, n.isInt}, err
	case *BinOp:
		return in.binOp(x)
	case *Attr:
		recv, err := in.eval(x.X)
		if err != nil {
			return nil, err
		}
		return in.attr(recv, x.Name, x.Pos)
	case *Index:
		recv, err := in.eval(x.X)
		if err != nil {
			return nil, err
		}
		return in.index(recv, x)
	case *Call:
		fn, err := in.eval(x.Fn)
		if err != nil {
			return nil, err
		}
		args := make([]value, len(x.Args))
		for i, a := range x.Args {
			if args[i], err = in.eval(a); err != nil {
				return nil, err
			}
		}
		kw := map[string]value{}
		for _, k := range x.Kw {
			if kw[k.Name], err = in.eval(k.Value); err != nil {
				return nil, err
			}
		}
		return in.call(fn, x, args, kw)
	}
	return nil, errAt(e.At(), "this expression is not supported here: %s", exprText(e))
}

// dataHint lists the lesson's data names, for a message about a name.
func (in *interp) dataHint(name string) string {
	var names []string
	for k := range in.env.Data {
		names = append(names, k)
	}
	sort.Strings(names)
	return fmt.Sprintf(" (the %s lesson's data are %s)", in.env.Lesson, strings.Join(names, ", "))
}

// prepOperand says whether an operand makes the whole expression data
// preparation that the lab does itself (train_images / 255.0), or code
// that is not run; r is then the expression's value.
func prepOperand(v value) (r value, done bool) {
	switch d := v.(type) {
	case *dataVal:
		return &unsupportedVal{"arithmetic on " + d.name, "the lab prepares the data itself (the images are scaled to 0..1, / 255.0)"}, true
	case *unsupportedVal:
		return d, true
	}
	return nil, false
}

// number is v, the value of e, as a number, or an error at e.
func number(e Expr, v value) (pyNum, error) {
	if n, ok := v.(pyNum); ok {
		return n, nil
	}
	if u, ok := v.(*unsupportedVal); ok {
		return pyNum{}, errAt(e.At(), "%s is not available here: %s", u.what, u.hint)
	}
	return pyNum{}, errAt(e.At(), "expected a number, got %s", kindOf(v))
}

// binOp evaluates x's operands once each, left first: arithmetic on
// numbers, + on strings.
func (in *interp) binOp(x *BinOp) (value, error) {
	a, err := in.eval(x.X)
	if err != nil {
		return nil, err
	}
	if r, done := prepOperand(a); done {
		return r, nil
	}
	b, err := in.eval(x.Y)
	if err != nil {
		return nil, err
	}
	if r, done := prepOperand(b); done {
		return r, nil
	}
	if l, ok := a.(string); ok && x.Op == "+" {
		if r, ok := b.(string); ok {
			if len(l)+len(r) > MaxValueSize {
				return nil, errAt(x.Pos, "this string would be %s characters long; the lab's limit for one value is %s", thousands(len(l)+len(r)), thousands(MaxValueSize))
			}
			if err := in.charge(x.Pos, (len(l)+len(r))/8); err != nil {
				return nil, err
			}
			return l + r, nil
		}
	}
	if x.Op == "+" {
		// (1, 2) + (3,), as in X_train.shape[1:] + (1,): one copy, counted
		switch l := a.(type) {
		case pyTuple:
			if r, ok := b.(pyTuple); ok {
				return in.tuple(x.Pos, append(slices.Clip(l.elts), r.elts...))
			}
		case pyList:
			if r, ok := b.(pyList); ok {
				return in.list(x.Pos, append(slices.Clip(l.elts), r.elts...))
			}
		}
	}
	an, err := number(x.X, a)
	if err != nil {
		return nil, err
	}
	bn, err := number(x.Y, b)
	if err != nil {
		return nil, err
	}
	isInt := an.isInt && bn.isInt
	switch x.Op {
	case "+":
		return pyNum{an.v + bn.v, isInt}, nil
	case "-":
		return pyNum{an.v - bn.v, isInt}, nil
	case "*":
		return pyNum{an.v * bn.v, isInt}, nil
	}
	if bn.v == 0 {
		return nil, errAt(x.Pos, "division by zero")
	}
	switch x.Op {
	case "/":
		return pyNum{an.v / bn.v, false}, nil
	case "//":
		return pyNum{math.Floor(an.v / bn.v), isInt}, nil
	case "%":
		// Python's modulo takes the divisor's sign
		m := math.Mod(an.v, bn.v)
		if m != 0 && (m < 0) != (bn.v < 0) {
			m += bn.v
		}
		return pyNum{m, isInt}, nil
	}
	return nil, errAt(x.Pos, "operator %s is not supported", x.Op)
}

// numExpr evaluates e to a number.
func (in *interp) numExpr(e Expr) (pyNum, error) {
	v, err := in.eval(e)
	if err != nil {
		return pyNum{}, err
	}
	return number(e, v)
}

// attr evaluates recv.name: a longer Keras path, a data name's .shape, a
// model's or a Keras object's method, or a note for what is not run.
func (in *interp) attr(recv value, name string, p Pos) (value, error) {
	switch r := recv.(type) {
	case qualName:
		if err := in.charge(p, len(r)/8); err != nil {
			return nil, err
		}
		return qualName(string(r) + "." + name), nil
	case *dataVal:
		switch name {
		case "shape":
			t := make([]value, len(r.shape))
			for i, d := range r.shape {
				t[i] = pyNum{float64(d), true}
			}
			return in.tuple(p, t)
		case "columns", "loc", "iloc", "values", "head", "describe", "drop", "max", "min":
			h, _ := in.moduleHint("pandas")
			return &unsupportedVal{r.name + "." + name, h}, nil
		case "idxmax", "value_counts", "sum", "index":
			return &unsupportedVal{r.name + "." + name, hintPenguinsResults}, nil
		}
		return nil, errAt(p, "%s has no attribute %q here (only .shape)", r.name, name)
	case *modelVal, *objVal:
		return &methodVal{recv, name, p}, nil
	case *unsupportedVal:
		return r, nil
	case historyVal:
		return &unsupportedVal{"history." + name, hintPlot}, nil
	}
	return nil, errAt(p, "%s has no attribute %q here", kindOf(recv), name)
}

// index evaluates recv[i] or recv[lo:hi] on a tuple or a list, with
// Python's negative indices and clamped slices.
func (in *interp) index(recv value, x *Index) (value, error) {
	if u, ok := recv.(*unsupportedVal); ok {
		return u, nil
	}
	var seq []value
	switch r := recv.(type) {
	case pyTuple:
		seq = r.elts
	case pyList:
		seq = r.elts
	case *dataVal:
		return &unsupportedVal{r.name + "[...]", hintPandas}, nil
	default:
		return nil, errAt(x.Pos, "cannot index %s", kindOf(recv))
	}
	idx := func(e Expr, def int) (int, error) {
		if e == nil {
			return def, nil
		}
		n, err := in.numExpr(e)
		if err != nil {
			return 0, err
		}
		if !n.isInt {
			return 0, errAt(e.At(), "indices must be whole numbers, not %g", n.v)
		}
		i := int(max(min(n.v, 1<<40), -(1 << 40))) // a clamp before the int: huge floats have no int
		if i < 0 {
			i += len(seq)
		}
		return i, nil
	}
	lo, err := idx(x.Lo, 0)
	if err != nil {
		return nil, err
	}
	if !x.Slice {
		if lo < 0 || lo >= len(seq) {
			return nil, errAt(x.Pos, "index %d is out of range for a tuple of %d", lo, len(seq))
		}
		return seq[lo], nil
	}
	hi, err := idx(x.Hi, len(seq))
	if err != nil {
		return nil, err
	}
	lo, hi = max(0, min(lo, len(seq))), max(0, min(hi, len(seq)))
	if hi < lo {
		hi = lo
	}
	out := append([]value(nil), seq[lo:hi]...)
	if _, ok := recv.(pyList); ok {
		return in.list(x.Pos, out)
	}
	return in.tuple(x.Pos, out)
}

// call calls fn: a function defined in the code, a layer applied to a
// tensor, a model's method, or a Keras name (see construct).
func (in *interp) call(fn value, c *Call, args []value, kw map[string]value) (value, error) {
	switch f := fn.(type) {
	case *unsupportedVal:
		return f, nil
	case *funcVal:
		return in.callFunc(f, c, args, kw)
	case *layerVal:
		return in.applyLayer(f, c, args)
	case *methodVal:
		return in.method(f, c, args, kw)
	case qualName:
		return in.construct(f, c, args, kw)
	}
	return nil, errAt(c.Pos, "%s cannot be called", kindOf(fn))
}

// callFunc runs a function defined in the code in a new scope, binding
// its arguments as Python does: positional, then keywords, then defaults.
func (in *interp) callFunc(f *funcVal, c *Call, args []value, kw map[string]value) (value, error) {
	if in.depth > 20 {
		return nil, errAt(c.Pos, "functions call each other too deeply")
	}
	d := f.def
	if len(args) > len(d.Params) {
		return nil, errAt(c.Pos, "%s takes %d arguments, got %d", d.Name, len(d.Params), len(args))
	}
	if err := in.charge(c.Pos, len(d.Params)); err != nil {
		return nil, err
	}
	params := make(map[string]bool, len(d.Params))
	for _, p := range d.Params {
		params[p] = true
	}
	local := map[string]value{}
	for i, a := range args {
		local[d.Params[i]] = a
	}
	for k, v := range kw {
		if !params[k] {
			return nil, errAt(c.Pos, "%s has no parameter %q", d.Name, k)
		}
		local[k] = v
	}
	for _, p := range d.Params {
		if _, ok := local[p]; !ok {
			v, ok := f.defaults[p]
			if !ok {
				return nil, errAt(c.Pos, "%s needs the argument %q", d.Name, p)
			}
			local[p] = v
		}
	}
	in.scope = append(in.scope, local)
	in.depth++
	err := in.exec(d.Body)
	in.depth--
	in.scope = in.scope[:len(in.scope)-1]
	var rs returnSignal
	if errors.As(err, &rs) {
		return rs.v, nil
	}
	if err != nil {
		return nil, err
	}
	return pyNone{}, nil
}
