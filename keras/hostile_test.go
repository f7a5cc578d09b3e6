package keras

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"nnlab/nn"
)

// cost is the work and the memory one run of the interpreter took: its
// counted steps, and the bytes it allocated (runtime.MemStats.TotalAlloc,
// which counts every allocation, so quadratic copying shows even when the
// garbage collector keeps the heap small).
type cost struct {
	steps int
	alloc uint64
}

func measure(f func() (int, error)) (cost, error) {
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	steps, err := f()
	runtime.ReadMemStats(&b)
	return cost{steps, b.TotalAlloc - a.TotalAlloc}, err
}

// runCode runs pasted code on the weather lesson's data.
func runCode(src string) (int, error) {
	_, steps, err := run(src, weatherEnv)
	return steps, err
}

// buildText builds a model-editor text on the weather lesson's input.
func buildText(src string) (int, error) {
	_, err := BuildModel(src, "m", nn.Input(89))
	return 0, err
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// lines is n copies of line, one a line.
func lines(line string, n int) string { return strings.Repeat(line+"\n", n) }

const model = "inputs = keras.Input(shape=(89,))\nmodel = keras.Model(inputs, keras.layers.Dense(1)(inputs))\n"

// hostileCases are learner texts built to exhaust the code interpreter's
// time or memory, each at full size (n) and as a small version (n/100) that
// sets the memory bound of the large one. want is a fragment of the error, or "" when
// the text must run; at is the error's "line L, column C".
var hostileCases = []struct {
	name string
	run  func(string) (int, error)
	src  func(n int) string
	n    int
	want string
	at   string
}{
	{"s = s + s forty times", runCode, func(n int) string {
		return `s = "xxxxxxxxxxxxxxxx"` + "\n" + lines("s = s + s", n) + model
	}, 40, "this string would be 2,097,152 characters long; the lab's limit for one value is 1,048,576", "line 18, column 7"},
	{"t = (t, t) forty times, then Dense(t)", runCode, func(n int) string {
		return "t = 1\n" + lines("t = (t, t)", n) + "d = keras.layers.Dense(t)\n" + model
	}, 40, "this tuple would hold 2,097,150 elements", "line 21, column 5"},
	{"500,000 (", runCode, func(n int) string { return repeat("(", n) }, 500000,
		"too many nested parentheses: more than 200 brackets are open here", "line 1, column 201"},
	{"500,000 ( in the model editor", buildText, func(n int) string { return repeat("(", n) }, 500000,
		"too many nested parentheses", "line 1, column 201"},
	{"a million nested parentheses", runCode, func(n int) string { return "x = " + repeat("(", n) + "1" + repeat(")", n) }, 1000000,
		"the text is 2,000,005 bytes long; the lab reads at most 1,048,576 (1 MiB)", "line 1, column 1048577"},
	{"400,000 nested parentheses in the model editor", buildText, func(n int) string { return "Dense(" + repeat("(", n) + "1" + repeat(")", n) + ")" }, 400000,
		"too many nested parentheses", "line 1, column 206"},
	{"a million - signs", runCode, func(n int) string { return "x = " + repeat("-", n) + "1\n" }, 1000000,
		"more than 200 signs in a row: write the sign once", "line 1, column 205"},
	{"a million - signs in the model editor", buildText, func(n int) string { return "Dense(" + repeat("-", n) + "1)" }, 1000000,
		"more than 200 signs in a row", "line 1, column 207"},
	{"Dense(1+1+...) with 30,000 terms", runCode, func(n int) string {
		return model + "d = keras.layers.Dense(1" + repeat("+1", n-1) + ")\n"
	}, 30000, "this expression chains more than 1000 operations", "line 3, column 2023"},
	{"Dense(1+1+...) with 30,000 terms in the model editor", buildText, func(n int) string { return "Dense(1" + repeat("+1", n-1) + ")" }, 30000,
		"this expression chains more than 1000 operations", "line 1, column 2006"},
	{"100,000 adjacent strings", runCode, func(n int) string {
		return "inputs = keras.Input(shape=(89,), name=" + repeat(`"a" `, n) + ")\nmodel = keras.Model(inputs, keras.layers.Dense(1)(inputs))\n"
	}, 100000, "", ""},
	{"100,000 adjacent strings in the model editor", buildText, func(n int) string { return "Dense(1, name=" + repeat(`'b' `, n) + ")" }, 100000, "", ""},
	{"a 100,000-long attribute chain", runCode, func(n int) string { return model + "x = keras" + repeat(".layers", n) + ".Dense(1)\n" }, 100000,
		"this expression chains more than 1000 operations", "line 3, column 7003"},
	{"a 100,000-long attribute chain in the model editor", buildText, func(n int) string { return "keras" + repeat(".layers", n) + ".Dense(1)" }, 100000,
		"this expression chains more than 1000 operations", "line 1, column 6999"},
	{"a model text of 10,000 Dense(1) lines", buildText, func(n int) string { return lines("Dense(1)", n) }, 10000, "", ""},
	{"a Sequential model of 10,000 Dense(1) lines", runCode, func(n int) string {
		return "model = keras.Sequential([\n    keras.Input(shape=(89,)),\n" + lines("    keras.layers.Dense(1),", n) + "])\nmodel.summary()\n"
	}, 10000, "", ""},
	{"x = Dense(1)(x) 10,000 times", runCode, func(n int) string {
		return "inputs = keras.Input(shape=(89,))\nx = inputs\n" + lines("x = keras.layers.Dense(1)(x)", n) + "model = keras.Model(inputs, x)\n"
	}, 10000, "", ""},
	{"functions that double the work", runCode, func(n int) string {
		var b strings.Builder
		b.WriteString("def f0():\n    return 1\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "def f%d():\n    return f%d() + f%d()\n", i, i-1, i-1)
		}
		fmt.Fprintf(&b, "x = f%d()\n%s", n-1, model)
		return b.String()
	}, 20, "this code takes more than 1,048,576 steps", "line "},
	{"a function that calls itself", runCode, func(int) string { return "def f():\n    return f()\nf()\n" + model }, 1,
		"functions call each other too deeply", "line 2, column 12"},
	{"a list that holds itself a million times", runCode, func(n int) string {
		return "a = [1, 2, 3, 4, 5, 6, 7, 8]\n" + lines("a = [a, a, a, a, a, a, a, a]", n) + model
	}, 10, "this list would hold 2,396,744 elements", "line 7, column 5"},
	{"200 nested tuples of one element", runCode, func(n int) string { return "t = 1\n" + lines("t = (t,)", n) + "d = keras.layers.Dense(t)\n" + model }, 300,
		"this tuple nests tuples and lists more than 200 levels deep", "line 202, column 5"},
	{"an undefined name 100,000 characters long", runCode, func(n int) string { return model + "x = " + repeat("a", n) + "\n" }, 100000,
		"is not defined", "line 3, column 5"},
	{"a string of 100,000 characters after a layer", buildText, func(n int) string { return "Dense(1) '" + repeat("x", n) + "'" }, 100000,
		"one layer a line: unexpected the string \"xxxxx", "line 1, column 10"},
	{"a layer name of 100,000 characters, twice", buildText, func(n int) string {
		return "Dense(2, name='" + repeat("x", n) + "')\nDense(1, name='" + repeat("x", n) + "')"
	}, 100000, "is used twice (line 1 has it too)", "line 2, column 1"},
	{"a loop header of 100,000 characters", runCode, func(n int) string { return "for " + repeat("i", n) + " in x:\n    pass\n" + model }, 100000, "", ""},
	{"a list of 300,000 numbers", runCode, func(n int) string { return "x = [" + repeat("1,", n) + "]\n" + model }, 300000,
		"the text has more than 262,144 words, numbers and symbols", "line 1, column 262147"},
	{"indentation 300 levels deep", runCode, func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "%sdef f%d():\n", repeat(" ", i), i)
		}
		return b.String()
	}, 300, "more than 200 levels of indentation", "line 202, column 202"},
}

var lineCol = regexp.MustCompile(`^line \d+, column \d+: `)

// Each hostile input ends with its error (at its line and
// column) or with the right model, in work linear in its length: the
// interpreter's steps are at most a few per byte, and its allocations at
// most a few times its n/100 version's, scaled by 100 (quadratic copying
// would be 100 times more). Stack overflows are fatal: the stack is capped
// at 64 MB here so that one would fail fast (the default is 1 GB).
func TestHostileCode(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(64 << 20))
	for _, c := range hostileCases {
		t.Run(c.name, func(t *testing.T) {
			src := c.src(c.n)
			start := time.Now()
			big, err := measure(func() (int, error) { return c.run(src) })
			took := time.Since(start) // logged, never asserted
			msg := "<nil>"
			if err != nil {
				msg = err.Error()
			}
			if p, _, _ := run(src, weatherEnv); p != nil {
				for _, n := range p.Notes {
					if len(n.Msg) > 600 {
						t.Errorf("a note of %d bytes: %.300s…", len(n.Msg), n.Msg)
					}
				}
			}
			if len(msg) > 600 {
				t.Errorf("a message of %d bytes: %.300s…", len(msg), msg)
			}
			switch {
			case c.want == "" && err != nil:
				t.Errorf("error %s", msg)
			case c.want != "" && (!strings.Contains(msg, c.want) || !strings.HasPrefix(msg, c.at) || !lineCol.MatchString(msg)):
				t.Errorf("error %s\nwant %q at %q", msg, c.want, c.at)
			}
			var ke *Error
			if err != nil && !errors.As(err, &ke) {
				t.Errorf("the error is a %T, not a *keras.Error with its line and column", err)
			}
			bound, steps := uint64(64<<20), MaxSteps+1000
			if c.n >= 1000 {
				small, _ := measure(func() (int, error) { return c.run(c.src(c.n / 100)) })
				bound, steps = 4*100*small.alloc+4<<20, 4*100*small.steps+1000
			}
			if big.steps > steps {
				t.Errorf("%s steps for %s bytes; the bound is %s", thousands(big.steps), thousands(len(src)), thousands(steps))
			}
			if big.alloc > bound {
				t.Errorf("allocated %s bytes for %s bytes of text; the bound is %s", thousands(int(big.alloc)), thousands(len(src)), thousands(int(bound)))
			}
			t.Logf("%s bytes: %s steps, %s bytes allocated (bounds %s, %s), %v: %.120s", thousands(len(src)), thousands(big.steps), thousands(int(big.alloc)), thousands(steps), thousands(int(bound)), took.Round(time.Millisecond), msg)
		})
	}
}

// The successful hostile inputs give the right model: the whole name of
// 100,000 strings, and 10,000 layers named as Keras names them.
func TestHostileCodeResults(t *testing.T) {
	p, err := Run("inputs = keras.Input(shape=(89,), name="+repeat(`"a" `, 100000)+")\nmodel = keras.Model(inputs, keras.layers.Dense(1)(inputs))\n", weatherEnv)
	if err != nil || p.Model.Input.Name != repeat("a", 100000) {
		t.Fatalf("adjacent strings: %v", err)
	}
	m, err := BuildModel(lines("Dense(1)", 10000), "m", nn.Input(89))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 10000 || m.Layers[0].Name() != "dense" || m.Layers[1].Name() != "dense_1" || m.Layers[9999].Name() != "dense_9999" {
		t.Errorf("%d layers named %s, %s, ..., %s", len(m.Layers), m.Layers[0].Name(), m.Layers[1].Name(), m.Layers[len(m.Layers)-1].Name())
	}
	if total, _, _ := m.CountParams(); total != 90+2*9999 {
		t.Errorf("%d params", total)
	}
	// Names the text gives are skipped by the counter, as in Keras.
	m, err = BuildModel("Dense(2)\nDense(2, name='dense_1')\nDense(1)\nDense(1, name='dense_3')\nDense(1)", "m", nn.Input(89))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range m.Layers {
		names = append(names, l.Name())
	}
	if got := strings.Join(names, " "); got != "dense dense_1 dense_2 dense_3 dense_4" {
		t.Errorf("names %s", got)
	}
}

// A panic inside the interpreter (a bug) comes back from the exported
// functions as an error: natively as in the page.
func TestPanicsBecomeErrors(t *testing.T) {
	stmtHook = func(Stmt) {
		var m map[string]int
		m["x"] = 1
	}
	defer func() { stmtHook = nil }()
	p, err := Run(model, weatherEnv)
	if p != nil || err == nil || !strings.Contains(err.Error(), "keras: running the code failed inside the lab (this is a bug in nnlab, not in your code; please report it with the text): assignment to entry in nil map") {
		t.Errorf("error %v", err)
	}
	stmtHook = nil
	if _, err := Run(model, weatherEnv); err != nil {
		t.Errorf("the next run: %v", err)
	}
}
