package keras

import (
	"errors"
	"sort"
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
	// Panel is the lab's panel that shows what the line would draw or
	// print ("curves", "scatter", "images", "histograms", "summary"), ""
	// for none: the page links the note to it.
	Panel string
	// Understood: the line needs nothing run (an import of Keras, a
	// summary the lab shows, verbose=): a note, not a difference.
	Understood bool
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
	// Understood are the notes on lines that need nothing run (imports,
	// a summary, verbose=), apart from Notes, which say what the lab does
	// differently.
	Understood []Note
	// Earlier: the model is one an earlier run of the Session made (this
	// code compiled or fitted it); Model is nil when the code touched no
	// model, which a Session allows (a notebook cell that plots, say).
	Earlier bool
}

// returnSignal carries a return statement's value up through exec to
// callFunc, as an error.
type returnSignal struct{ v value }

func (returnSignal) Error() string { return "return outside a function" }

// interp is one run of pasted code: its scopes (the module's, then one for
// each function call), the Program it fills, and the counters the limits
// check.
type interp struct {
	env   Env
	prog  *Program
	scope []map[string]value
	noted map[int]bool
	last  *modelVal
	lines []string // the source, for the notes' panels
	panel string   // the panel of the last plotting line, for the lines that style it
	sess  *Session // nil for Run: one block, on its own
	depth int      // function calls
	nest  int      // eval's recursion, across function calls
	steps int      // work done, see charge
}

// maxEvalNest bounds eval's recursion: an expression is at most
// MaxExprHeight high (the parser checks), but function bodies add up.
const maxEvalNest = 4 * MaxExprHeight

// charge counts n steps of work done at p and stops the run past MaxSteps.
func (in *interp) charge(p Pos, n int) error {
	if in.steps += n; in.steps > MaxSteps {
		return errAt(p, "this code takes more than %s steps, the lab's limit for one run: is a function calling itself, or a value doubling? (the lesson's code takes a few hundred)", thousands(MaxSteps))
	}
	return nil
}

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
	return runIn(src, env, nil)
}

func runIn(src string, env Env, sess *Session) (*Program, int, error) {
	stmts, err := ParseProgram(src)
	if err != nil {
		return nil, 0, err
	}
	in := &interp{env: env, prog: &Program{}, noted: map[int]bool{}, lines: strings.Split(src, "\n"), sess: sess}
	p, err := in.run(stmts)
	return p, in.steps, err
}

// Session is one namespace that lives across runs of pasted code, as a
// notebook's cells share one Python kernel: a block that fits `model`
// runs after the block that made it. Names a run binds stay bound, also
// those bound before an error (as in a notebook); the lesson's data names
// are bound afresh from the Env of each run, so that they follow the data
// choices.
type Session struct {
	globals map[string]value
}

// NewSession is an empty namespace.
func NewSession() *Session { return &Session{globals: map[string]value{}} }

// Run runs src in the session's namespace; see Run. A block that builds,
// compiles and fits no model is no error here: Program.Model is nil.
func (s *Session) Run(src string, env Env) (_ *Program, err error) {
	defer recoverError(&err, "running the code")
	p, _, err := runIn(src, env, s)
	return p, err
}

// Reset forgets every name the code bound.
func (s *Session) Reset() { s.globals = map[string]value{} }

// Names are the names the code bound, sorted; the lesson's data names
// are not among them.
func (s *Session) Names() []string {
	var out []string
	for name, v := range s.globals {
		if _, isData := v.(*dataVal); !isData && name != "data" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// run executes the module's statements with the lesson's data names
// bound, then builds the last model the code made if no fit named one.
func (in *interp) run(stmts []Stmt) (*Program, error) {
	in.scope = []map[string]value{{}}
	if in.sess != nil {
		in.scope[0] = in.sess.globals
	}
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
	if p.Model != nil && in.last != nil {
		p.Earlier = in.last.prog != in.prog
	}
	if p.Fit != nil && p.Fit.Verbose != 1 {
		in.understood(p.Fit.Pos, "", "verbose=%d: the lab reports every epoch itself", p.Fit.Verbose)
	}
	sort.SliceStable(p.Notes, func(i, j int) bool { return p.Notes[i].Line < p.Notes[j].Line })
	sort.SliceStable(p.Understood, func(i, j int) bool { return p.Understood[i].Line < p.Understood[j].Line })
	if p.Model == nil && in.sess == nil {
		return p, errAt(Pos{1, 1}, "this code builds no model: define one with keras.Input(...) and keras.Model(inputs, outputs), or keras.Sequential([...])")
	}
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

// moduleHints say, for a module that the lab does not run, what it does
// instead.
var moduleHints = map[string]string{
	"pandas": hintPandas, "pd": hintPandas, "numpy": "numpy is not available here: " + hintPandas, "np": "numpy is not available here: " + hintPandas,
	"matplotlib": hintPlot, "plt": hintPlot, "seaborn": hintPlot, "sns": hintPlot,
	"sklearn": hintSplit, "datetime": "dates are not needed here", "os": "files are not used here", "IPython": hintPlot,
}

// note adds a Note at p, at most one a line.
func (in *interp) note(p Pos, format string, args ...any) {
	in.addNote(Note{Pos: p, Msg: errAt(p, format, args...).Msg}) // with errAt's clipping
}

// understood adds an Understood note at p, linked to panel.
func (in *interp) understood(p Pos, panel, format string, args ...any) {
	in.prog.Understood = append(in.prog.Understood, Note{Pos: p, Msg: errAt(p, format, args...).Msg, Panel: panel, Understood: true})
}

func (in *interp) addNote(n Note) {
	if in.noted[n.Line] {
		return
	}
	in.noted[n.Line] = true
	in.prog.Notes = append(in.prog.Notes, n)
}

// plotting are the names of the modules that draw.
var plotting = map[string]bool{"plt": true, "matplotlib": true, "sns": true, "seaborn": true}

// plotPanel says which of the lab's panels shows what the plotting line
// at p draws: the training curves for the history, the scatter plots, the
// image grid, the histograms. A line that only styles a plot (xlabel,
// figure, show) belongs to the plot before it.
func (in *interp) plotPanel(p Pos, what string) string {
	text := ""
	if p.Line-1 < len(in.lines) {
		text = in.lines[p.Line-1]
	}
	panel := ""
	switch {
	case strings.Contains(text, "imshow") || strings.Contains(text, "subplot(5"):
		panel = "images"
	case strings.Contains(text, "scatter"):
		panel = "scatter"
	case strings.Contains(text, "history") || strings.Contains(text, "lineplot"):
		panel = "curves"
	case strings.Contains(text, "hist"):
		panel = "histograms"
	case plotting[what]:
		panel = in.panel
		if panel == "" {
			panel = "plots"
		}
	}
	if panel != "" {
		in.panel = panel
	}
	return panel
}

// noteUnsupported notes a line that uses what the lab does not run,
// linking a plotting line to the panel that shows its plot.
func (in *interp) noteUnsupported(p Pos, u *unsupportedVal) {
	if panel := in.plotPanel(p, u.what); panel != "" {
		in.addNote(Note{Pos: p, Msg: errAt(p, "not run (%s): %s", u.what, u.hint).Msg, Panel: panel})
		return
	}
	in.note(p, "not run (%s): %s", u.what, u.hint)
}

// lookup finds name in the scopes, innermost first, then among the names
// that need no import (keras, tf, True, None, print, ...) and the modules
// with a hint.
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
	if h, ok := in.moduleHint(name); ok {
		return &unsupportedVal{name, h}, true
	}
	return nil, false
}

// exec runs statements in order, up to the first error.
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

// stmt runs one statement, charging a step.
func (in *interp) stmt(s Stmt) error {
	if err := in.charge(s.At(), 1); err != nil {
		return err
	}
	if stmtHook != nil {
		stmtHook(s)
	}
	switch st := s.(type) {
	case *Import:
		var kept []string
		for bound, target := range st.Names {
			root := strings.Split(target, ".")[0]
			if root == "tensorflow" || root == "keras" {
				if root == "keras" {
					target = "tensorflow." + target
				}
				in.scope[len(in.scope)-1][bound] = qualName(target)
				kept = append(kept, bound)
			} else {
				h, _ := in.moduleHint(root)
				if h == "" {
					h = "only TensorFlow/Keras code is run here"
				}
				in.scope[len(in.scope)-1][bound] = &unsupportedVal{root, h}
			}
		}
		if len(kept) == len(st.Names) {
			sort.Strings(kept)
			in.understood(st.Pos, "", "import of %s: understood, nothing to run", strings.Join(kept, ", "))
		} else {
			// The module's own note comes where it is used; the import
			// says what the lab does without it.
			for _, target := range st.Names {
				if root := strings.Split(target, ".")[0]; root != "tensorflow" && root != "keras" {
					h, _ := in.moduleHint(root)
					if h == "" {
						h = "only TensorFlow/Keras code is run here"
					}
					in.understood(st.Pos, in.plotPanel(st.Pos, root), "import of %s: not needed: %s", root, h)
					break
				}
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
		v, err := in.evalStmt(st.Value)
		if err != nil {
			return err
		}
		if u, ok := v.(*unsupportedVal); ok {
			in.noteUnsupported(st.Pos, u)
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
		v, err := in.evalStmt(st.X)
		if err != nil {
			return err
		}
		if u, ok := v.(*unsupportedVal); ok {
			in.noteUnsupported(st.Pos, u)
		}
		if c, ok := st.X.(*Call); ok {
			if a, ok := c.Fn.(*Attr); ok && a.Name == "summary" && in.last != nil {
				in.understood(st.Pos, "summary", "%s: the lab shows the model's summary itself", exprText(c))
			}
		}
	}
	return nil
}

// evalStmt evaluates a statement's expression, except one that starts
// from a module the lab does not run (pd.DataFrame(...), plt.plot(...)):
// that line is not run, so neither are its arguments, which may name what
// only the notebook has (a plotting cell pasted on its own names history).
func (in *interp) evalStmt(e Expr) (value, error) {
	root := e
	for {
		switch x := root.(type) {
		case *Call:
			root = x.Fn
			continue
		case *Attr:
			root = x.X
			continue
		case *Index:
			root = x.X
			continue
		case *Name:
			if v, ok := in.lookup(x.Name); ok {
				if u, ok := v.(*unsupportedVal); ok {
					return u, nil
				}
			}
		}
		return in.eval(e)
	}
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
	if a, ok := target.(*Attr); ok {
		// confusion_df.index.name = 'True Label': setting an attribute
		// of a value the lab does not run is not run either.
		recv, err := in.eval(a.X)
		if err != nil {
			return err
		}
		if u, ok := recv.(*unsupportedVal); ok {
			in.note(a.Pos, "not run (%s): %s", u.what, u.hint)
			return nil
		}
	}
	return errAt(target.At(), "can only assign to names here, not %s", exprText(target))
}
