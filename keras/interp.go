package keras

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"nnlab/nn"
)

// Env describes the lesson's prepared data that pasted code may name
// (X_train, train_images, ...): each name's shape, samples first.
type Env struct {
	Lesson string           // "weather" or "cifar"
	Data   map[string][]int // e.g. "X_train": {767, 89}
}

// WeatherEnv is the weather lesson's data: features columns, the split sizes.
func WeatherEnv(features, targets, train, val, test int) Env {
	all := train + val + test
	hold := val + test
	y := func(n int) []int {
		if targets == 1 {
			return []int{n}
		}
		return []int{n, targets}
	}
	return Env{Lesson: "weather", Data: map[string][]int{
		"X_data": {all, features}, "y_data": y(all),
		"X_train": {train, features}, "y_train": y(train),
		"X_holdout": {hold, features}, "y_holdout": y(hold),
		"X_val": {val, features}, "y_val": y(val),
		"X_test": {test, features}, "y_test": y(test),
	}}
}

// CIFAREnv is the CIFAR-10 lesson's data: n training and test images.
func CIFAREnv(n, test int) Env {
	return Env{Lesson: "cifar", Data: map[string][]int{
		"train_images": {n, 32, 32, 3}, "train_labels": {n, 1},
		"test_images": {test, 32, 32, 3}, "test_labels": {test, 1},
		"val_images": {test, 32, 32, 3}, "val_labels": {test, 1},
	}}
}

// Note is something the lab tells the learner about a line it did not run:
// the page shows it under the code, `nnlab code` prints it in the terminal,
// so it names neither (the lab, its settings: controls or flags).
type Note struct {
	Pos
	Msg string
}

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

// Program is what pasted Keras code asks for: a model and how to train it.
type Program struct {
	Model     *nn.Model
	ModelPos  Pos
	Layers    []LayerLine // the model's layers and their lines
	Compile   *CompileSpec
	Fit       *FitSpec
	Summaries int // model.summary() calls
	Notes     []Note
}

// ---- values ----

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

func (in *interp) tuple(p Pos, elts []value) (pyTuple, error) {
	s, err := in.newSeq(p, "tuple", elts)
	return pyTuple{s}, err
}

func (in *interp) list(p Pos, elts []value) (pyList, error) {
	s, err := in.newSeq(p, "list", elts)
	return pyList{s}, err
}

// charge counts n steps of work done at p and stops the run past MaxSteps.
func (in *interp) charge(p Pos, n int) error {
	if in.steps += n; in.steps > MaxSteps {
		return errAt(p, "this code takes more than %s steps, the lab's limit for one run: is a function calling itself, or a value doubling? (the lesson's code takes a few hundred)", thousands(MaxSteps))
	}
	return nil
}

type returnSignal struct{ v value }

func (returnSignal) Error() string { return "return outside a function" }

type interp struct {
	env   Env
	prog  *Program
	scope []map[string]value
	noted map[int]bool
	last  *modelVal
	depth int // function calls
	nest  int // eval's recursion, across function calls
	steps int // work done, see charge
}

// maxEvalNest bounds eval's recursion: an expression is at most
// MaxExprHeight high (the parser checks), but function bodies add up.
const maxEvalNest = 4 * MaxExprHeight

// Run runs pasted Keras code against the lesson's data and returns the
// model it builds and how it asks to train it. Lines outside the supported
// subset are skipped with a note saying what the lab offers instead; an
// error names its line and column.
func Run(src string, env Env) (_ *Program, err error) {
	defer recoverError(&err, "running the code")
	p, _, err := run(src, env)
	return p, err
}

// run is Run that also returns the steps the code took.
func run(src string, env Env) (*Program, int, error) {
	stmts, err := ParseProgram(src)
	if err != nil {
		return nil, 0, err
	}
	in := &interp{env: env, prog: &Program{}, noted: map[int]bool{}}
	p, err := in.run(stmts)
	return p, in.steps, err
}

func (in *interp) run(stmts []Stmt) (*Program, error) {
	in.scope = []map[string]value{{}}
	for name, shape := range in.env.Data {
		in.scope[0][name] = &dataVal{name, shape}
	}
	in.scope[0]["data"] = &unsupportedVal{"the pandas DataFrame", hintPandas}
	if err := in.exec(stmts); err != nil {
		var rs returnSignal
		if errors.As(err, &rs) {
			return nil, errAt(Pos{1, 1}, "return outside a function")
		}
		return nil, err
	}
	p := in.prog
	if in.last != nil && p.Model == nil {
		if err := in.last.build(in); err != nil {
			return nil, err
		}
		p.Model, p.ModelPos, p.Layers = in.last.m, in.last.pos, in.last.layers
	}
	if p.Model == nil {
		return p, errAt(Pos{1, 1}, "this code builds no model: define one with keras.Input(...) and keras.Model(inputs, outputs), or keras.Sequential([...])")
	}
	sort.SliceStable(p.Notes, func(i, j int) bool { return p.Notes[i].Line < p.Notes[j].Line })
	return p, nil
}

const (
	hintPandas  = "the lab loads the lesson's data itself: its data controls (flags in the terminal) choose the years, the stations and the target"
	hintPlot    = "plots are not drawn here: the lab's page draws the training curves, scatter plots, histograms and image grids itself"
	hintSplit   = "the lab splits the data as train_test_split(X, y, test_size=0.3, random_state=0) does, then the holdout 50/50 into validation and test"
	hintMetrics = "the lab computes the RMSE, accuracy and the baseline itself and shows them after training"
	hintLoop    = "loops and conditions are not run here: change one setting at a time with the lab's controls or flags"
	hintMagic   = "notebook magics are not run here: the lab's page shows TensorBoard-style curves and weight histograms itself"
)

var moduleHints = map[string]string{
	"pandas": hintPandas, "pd": hintPandas, "numpy": "numpy is not available here: " + hintPandas, "np": "numpy is not available here: " + hintPandas,
	"matplotlib": hintPlot, "plt": hintPlot, "seaborn": hintPlot, "sns": hintPlot,
	"sklearn": hintSplit, "datetime": "dates are not needed here", "os": "files are not used here", "IPython": hintPlot,
}

func (in *interp) note(p Pos, format string, args ...any) {
	if in.noted[p.Line] {
		return
	}
	in.noted[p.Line] = true
	in.prog.Notes = append(in.prog.Notes, Note{p, errAt(p, format, args...).Msg}) // with errAt's clipping
}

func (in *interp) lookup(name string) (value, bool) {
	for i := len(in.scope) - 1; i >= 0; i-- {
		if v, ok := in.scope[i][name]; ok {
			return v, true
		}
	}
	switch name {
	case "keras", "tf", "tensorflow":
		return qualName(map[string]string{"keras": "tensorflow.keras", "tf": "tensorflow", "tensorflow": "tensorflow"}[name]), true
	case "True":
		return true, true
	case "False":
		return false, true
	case "None":
		return pyNone{}, true
	case "print":
		return &unsupportedVal{"print", "the lab shows the summary and metrics itself"}, true
	}
	if h, ok := moduleHints[name]; ok {
		return &unsupportedVal{name, h}, true
	}
	return nil, false
}

func (in *interp) exec(stmts []Stmt) error {
	for _, s := range stmts {
		if err := in.stmt(s); err != nil {
			return err
		}
	}
	return nil
}

// stmtHook, when set (by tests), sees each statement before it runs.
var stmtHook func(Stmt)

func (in *interp) stmt(s Stmt) error {
	if err := in.charge(s.At(), 1); err != nil {
		return err
	}
	if stmtHook != nil {
		stmtHook(s)
	}
	switch st := s.(type) {
	case *Import:
		for bound, target := range st.Names {
			root := strings.Split(target, ".")[0]
			if root == "tensorflow" || root == "keras" {
				if root == "keras" {
					target = "tensorflow." + target
				}
				in.scope[len(in.scope)-1][bound] = qualName(target)
			} else {
				h := moduleHints[root]
				if h == "" {
					h = "only TensorFlow/Keras code is run here"
				}
				in.scope[len(in.scope)-1][bound] = &unsupportedVal{root, h}
			}
		}
	case *Def:
		f := &funcVal{def: st, defaults: map[string]value{}}
		for k, e := range st.Defaults {
			v, err := in.eval(e)
			if err != nil {
				return err
			}
			f.defaults[k] = v
		}
		in.scope[len(in.scope)-1][st.Name] = f
	case *Return:
		var v value = pyNone{}
		if st.Value != nil {
			var err error
			if v, err = in.eval(st.Value); err != nil {
				return err
			}
		}
		return returnSignal{v}
	case *Unsupported:
		if st.Kind == "magic" {
			in.note(st.Pos, "%s: %s", st.Text, hintMagic)
		} else {
			in.note(st.Pos, "%s: %s", st.Text, hintLoop)
		}
	case *Assign:
		v, err := in.eval(st.Value)
		if err != nil {
			return err
		}
		if u, ok := v.(*unsupportedVal); ok {
			in.note(st.Pos, "not run (%s): %s", u.what, u.hint)
			// data names keep the lesson's prepared arrays
			for _, t := range st.Targets {
				if _, isData := in.env.Data[t]; !isData {
					in.scope[len(in.scope)-1][t] = u
				}
			}
			return nil
		}
		for _, g := range st.Groups {
			if err := in.assign(g, v); err != nil {
				return err
			}
		}
	case *ExprStmt:
		v, err := in.eval(st.X)
		if err != nil {
			return err
		}
		if u, ok := v.(*unsupportedVal); ok {
			in.note(st.Pos, "not run (%s): %s", u.what, u.hint)
		}
	}
	return nil
}

// assign binds the names of target (a Name, or a Tuple of targets that
// unpacks v) in the current scope.
func (in *interp) assign(target Expr, v value) error {
	switch t := target.(type) {
	case *Name:
		in.scope[len(in.scope)-1][t.Name] = v
		return nil
	case *Tuple:
		var elts []value
		switch x := v.(type) {
		case pyTuple:
			elts = x.elts
		case pyList:
			elts = x.elts
		}
		if elts == nil || len(elts) != len(t.Elts) {
			return errAt(t.Pos, "cannot unpack %s into %d names", kindOf(v), len(t.Elts))
		}
		for i, el := range t.Elts {
			if err := in.assign(el, elts[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return errAt(target.At(), "can only assign to names here, not %s", exprText(target))
}

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
			return &unsupportedVal{r.name + "." + name, hintPandas}, nil
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

func lastName(q qualName) string {
	s := string(q)
	return s[strings.LastIndex(s, ".")+1:]
}

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
	case "set_random_seed", "seed", "clear_session":
		return &unsupportedVal{full, "the lab's seed setting (--seed in the terminal) makes training reproducible"}, nil
	}
	if strings.Contains(full, ".layers.") {
		return nil, errAt(c.Pos, "unknown layer %s%s; the lab has Dense, Conv2D, MaxPooling2D, Dropout, Flatten, BatchNormalization and Activation", strings.TrimPrefix(full, "tensorflow."), suggest(name))
	}
	return nil, errAt(c.Pos, "%s is not supported here; the lab has the layers Dense, Conv2D, MaxPooling2D, Dropout, Flatten, BatchNormalization, Activation, keras.Input, keras.Model, keras.Sequential, the optimizers Adam, SGD, RMSprop, and the callback EarlyStopping", full)
}

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
		return &unsupportedVal{"model." + mt.name, hintMetrics}, nil
	case "save", "save_weights", "load_weights":
		return &unsupportedVal{"model." + mt.name, "saving and loading models is not run here: the lab's page exports its model as Keras code"}, nil
	}
	return nil, errAt(c.Pos, "model.%s() is not supported here (the lab has summary, compile, fit, evaluate, predict)", mt.name)
}

func num(v value) (float64, bool) {
	n, ok := v.(pyNum)
	return n.v, ok
}

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
