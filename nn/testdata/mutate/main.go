// Command mutate is the test suite's mutation check: it makes realistic
// one-line bugs in nn, gpu (the pure-Go device), datasets and keras, one at a
// time, runs the tests of the packages concerned, records whether a test
// failed and which, restores the file, and writes the table to
// docs/mutation.md.
//
// From the repository root, with a clean working tree:
//
//	go run ./nn/testdata/mutate             # all mutations (about 25 minutes on 2 cores)
//	go run ./nn/testdata/mutate -only 7,12  # some of them again
//	go run ./nn/testdata/mutate -missing    # those without a recorded result
//	go run ./nn/testdata/mutate -check      # only check that each applies
//
// The WebGPU tests are skipped (-skip WebGPU|AcrossDevices): the bugs are in
// the reference, and the suite must catch them without a GPU.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"
)

type mutation struct {
	file, old, new string
	nth            int // which occurrence of old (1-based); 0: old must occur once
	bug            string
	tests          []string // test groups to run (see groups)
	why            string   // for one expected to pass: why no test can catch it
}

// groups are the go test arguments per package.
var groups = map[string][]string{
	"nn":       {"./nn"},
	"gpu":      {"-run", "CPU|ByDefinition", "./gpu"},
	"keras":    {"./keras"},
	"datasets": {"./datasets"},
}

var (
	nn   = []string{"nn"}
	dev  = []string{"gpu", "nn"}
	ker  = []string{"keras"}
	data = []string{"datasets"}
	both = []string{"nn", "keras"}
)

var mutations = []mutation{
	// ---- nn: layers ----
	{file: "nn/conv.go", old: "g.PadT = max((g.OH-1)*g.SH+g.KH-g.H, 0) / 2", new: "g.PadT = (max((g.OH-1)*g.SH+g.KH-g.H, 0) + 1) / 2",
		bug: "\"same\" padding rounded the wrong way (extra pixel at the top)", tests: nn},
	{file: "nn/conv.go", old: "g.PadL = max((g.OW-1)*g.SW+g.KW-g.W, 0) / 2", new: "g.PadL = max((g.OW-1)*g.SW+g.KW-g.W, 0) - max((g.OW-1)*g.SW+g.KW-g.W, 0)/2",
		bug: "\"same\" padding: the extra pixel on the left", tests: nn},
	{file: "nn/dense.go", old: "glorotUniform(fanIn, l.Units)", new: "glorotUniform(fanIn, fanIn)",
		bug: "Dense's Glorot limit from fan-in alone", tests: nn},
	{file: "nn/conv.go", old: "glorotUniform(kk*g.C, kk*l.Filters)", new: "glorotUniform(g.C+0*kk, l.Filters)",
		bug: "Conv2D's Glorot limit without the kernel area", tests: nn},
	{file: "nn/layers.go", old: "limit := math.Sqrt(6 / float64(fanIn+fanOut))", new: "limit := math.Sqrt(2 / float64(fanIn+fanOut))",
		bug: "Glorot-uniform limit sqrt(2/(in+out)) (the normal's deviation)", tests: nn},
	{file: "nn/dropout.go", old: "l.seed = mix(r.seed, r.step, l.idx)", new: "l.seed = mix(r.seed, 0, l.idx)",
		bug: "the dropout mask repeats every step", tests: nn},
	{file: "nn/batchnorm.go", old: "\tif !training {\n\t\tks.add(\"BatchNorm\"", new: "\tif !training && false {\n\t\tks.add(\"BatchNorm\"",
		bug: "BatchNormalization uses the batch's statistics at inference", tests: nn},
	{file: "nn/batchnorm.go", old: "return &BatchNormLayer{Momentum: 0.99, Epsilon: 1e-3}", new: "return &BatchNormLayer{Momentum: 0.99, Epsilon: 1e-5}",
		bug: "BatchNormalization's epsilon 1e-5 (PyTorch's) instead of Keras's 1e-3", tests: both},
	{file: "nn/batchnorm.go", old: "return &BatchNormLayer{Momentum: 0.99, Epsilon: 1e-3}", new: "return &BatchNormLayer{Momentum: 0.9, Epsilon: 1e-3}",
		bug: "BatchNormalization's momentum 0.9 instead of Keras's 0.99", tests: both},
	// ---- nn: fit and callbacks ----
	{file: "nn/fit.go", old: "if !cfg.NoShuffle {", new: "if cfg.NoShuffle {",
		bug: "shuffling switched off", tests: nn},
	{file: "nn/plan.go", old: "cols, 1/float32(n))", new: "cols, 1/float32(w.batch))",
		bug: "the partial last batch weighted as a full one", tests: nn},
	{file: "nn/fit.go", old: "m.logs(acc[:gpu.AccSlots], train.N, \"\", logs)", new: "m.logs(acc[:gpu.AccSlots], steps*cfg.BatchSize, \"\", logs)",
		bug: "the epoch's loss averaged as if every batch were full", tests: nn},
	{file: "nn/callbacks.go", old: "(len(mon) >= 8 && mon[len(mon)-8:] == \"accuracy\")", new: "mon == \"accuracy\"",
		bug: "EarlyStopping's auto mode minimises val_accuracy", tests: nn},
	{file: "nn/callbacks.go", old: "return cur+d < ref", new: "return cur-d < ref",
		bug: "EarlyStopping's min_delta in the wrong direction (minimising)", tests: nn},
	{file: "nn/callbacks.go", old: "return cur-d > ref", new: "return cur+d > ref",
		bug: "EarlyStopping's min_delta in the wrong direction (maximising)", tests: nn},
	{file: "nn/callbacks.go", old: "if e.wait >= e.Patience && epoch > 0 {", new: "if e.wait > e.Patience && epoch > 0 {",
		bug: "EarlyStopping waits one epoch more than its patience", tests: nn},
	{file: "nn/callbacks.go", old: "m.dev.Copy(m.w, m.best, m.nAll)", new: "m.dev.Copy(m.best, m.w, m.nAll)",
		bug: "restore_best_weights keeps the last weights", tests: nn},
	{file: "nn/fit.go", old: "\t\tlast = snap\n", new: "\t\t_ = snap\n",
		bug: "after a lost device, training resumes from the weights before training", tests: nn},
	{file: "nn/fit.go", old: "m.restoreState(m.dev, last)", new: "m.restoreState(m.dev, snap)",
		bug: "after a NaN, the NaN epoch's weights are kept", tests: nn},
	{file: "nn/fit.go", old: "r := m.newRun(w, false)\n\tfor off := 0; off < d.n; off += batch {", new: "r := m.newRun(w, true)\n\tfor off := 0; off < d.n; off += batch {",
		bug: "validation and evaluate run in training mode (dropout, batch statistics)", tests: nn},
	{file: "nn/compile.go", old: "Beta2: 0.999, Epsilon: 1e-7}}", new: "Beta2: 0.999, Epsilon: 1e-8}}",
		bug: "Adam's default epsilon 1e-8 (PyTorch's) instead of Keras's 1e-7", tests: both},
	{file: "nn/compile.go", old: "gpu.OptParams{Kind: gpu.SGD, LR: 0.01}", new: "gpu.OptParams{Kind: gpu.SGD, LR: 0.001}",
		bug: "SGD's default learning rate 0.001 instead of Keras's 0.01", tests: both},
	// ---- gpu: the pure-Go device ----
	{file: "gpu/cpu.go", old: "s := T(1 / (1 - float64(rate)))", new: "s := T(1)",
		bug: "dropout does not scale the kept values by 1/(1-rate)", tests: dev},
	{file: "gpu/cpu.go", old: "mm[j] = mm[j]*mom + mu[j]*(1-mom)", new: "mm[j] = mm[j]*(1-mom) + mu[j]*mom",
		bug: "moving mean updated with PyTorch's momentum convention", tests: dev},
	{file: "gpu/cpu.go", old: "va[j] /= T(rows)", new: "va[j] /= T(rows - 1)",
		bug: "unbiased batch variance (PyTorch's running_var) in BatchNormalization", tests: dev},
	{file: "gpu/cpu.go", old: "out[i] = ga[j] * inv * (g[i] - sdy/nr - xh*sdyxh/nr)", new: "out[i] = ga[j] * inv * (g[i] - xh*sdyxh/nr)",
		bug: "BatchNormalization's input gradient misses the mean term", tests: dev},
	{file: "gpu/cpu.go", old: "ww[i] -= alpha * m[i] / (T(math.Sqrt(float64(v[i]))) + eps)", new: "ww[i] -= alpha * m[i] / T(math.Sqrt(float64(v[i]+eps)))",
		bug: "Adam's epsilon inside the square root", tests: dev},
	{file: "gpu/cpu.go", old: "math.Sqrt(1-math.Pow(float64(o.Beta2), t))", new: "(1-math.Pow(float64(o.Beta2), t))",
		bug: "Adam's bias correction without the square root", tests: dev},
	{file: "gpu/cpu.go", old: "step := lr * gi / T(math.Sqrt(float64(s[i]+eps)))", new: "step := lr * gi / (T(math.Sqrt(float64(s[i]))) + eps)",
		bug: "RMSprop's epsilon outside the square root (PyTorch's)", tests: dev},
	{file: "gpu/cpu.go", old: "ww[i] += mom*v[i] - lr*gi", new: "ww[i] += v[i]",
		bug: "SGD's nesterov flag ignored", tests: dev},
	{file: "gpu/cpu.go", old: "ih := oh*g.SH + kh - g.PadT\n\t\t\t\t\tfor kw", new: "ih := oh*g.SH + kh\n\t\t\t\t\tfor kw",
		bug: "im2col ignores the top padding", tests: dev},
	{file: "gpu/cpu.go", old: "if best < 0 || in[i] > m {", new: "if best < 0 || in[i] >= m {",
		bug: "max pooling's gradient goes to the last of tied maxima", tests: dev},
	{file: "gpu/cpu.go", old: "\t\t\tif v > 0 {\n\t\t\t\tout[i] = g[i]", new: "\t\t\tif v >= 0 {\n\t\t\t\tout[i] = g[i]",
		bug: "relu's derivative 1 at zero outputs (every negative input)", tests: dev},
	{file: "gpu/cpu.go", old: "out[i] = g[i] * v * (1 - v)", new: "out[i] = g[i] * (1 - v*v)",
		bug: "sigmoid's derivative written as tanh's", tests: dev},
	{file: "gpu/cpu.go", old: "oi[j] = yi[j] * (gi[j] - dot)", new: "oi[j] = gi[j] - dot",
		bug: "softmax's gradient misses the factor y", tests: dev},
	{file: "gpu/cpu_loss.go", old: "dp[r*cols+j] = scale * 2 * e / T(cols)", new: "dp[r*cols+j] = scale * 2 * e",
		bug: "MSE's gradient not averaged over the outputs", tests: dev},
	{file: "gpu/cpu_loss.go", old: "\t\tq[j] = v / s\n", new: "\t\tq[j] = v\n",
		bug: "crossentropy on probabilities does not rescale rows to sum one", tests: dev},
	{file: "gpu/cpu_loss.go", old: "\t\t\t\ts = -1\n", new: "\t\t\t\ts = 0\n",
		bug: "MAE's gradient zero for negative errors", tests: dev},
	{file: "gpu/cpu.go", old: "o[j] = sc * T(v)", new: "o[j] = T(v)",
		bug: "image bytes gathered without their 1/255 scale", tests: dev},
	// ---- datasets ----
	{file: "datasets/cifar.go", old: "\"cat\", \"deer\", \"dog\"", new: "\"deer\", \"cat\", \"dog\"",
		bug: "CIFAR-10 class names out of order (cat and deer swapped)", tests: data},
	{file: "datasets/cifar.go", old: "px[3*p+1] = rec[1+cifarPlane+p]", new: "px[3*p+1] = rec[1+2*cifarPlane+p]",
		bug: "CIFAR-10 planes: blue read as green", tests: data},
	{file: "datasets/split.go", old: "nTest := int(math.Ceil(testSize * float64(n)))", new: "nTest := int(math.Floor(testSize * float64(n)))",
		bug: "train_test_split's test size rounded down (scikit-learn rounds up)", tests: data},
	{file: "datasets/split.go", old: "v, t := TrainTestSplit(len(hold), 0.5, seed)", new: "t, v := TrainTestSplit(len(hold), 0.5, seed)",
		bug: "the lesson's validation and test sets swapped", tests: data},
	// ---- keras ----
	{file: "keras/layers.go", old: "nn.Dense(a.int(\"units\", -1), a.str(\"activation\", \"\"))", new: "nn.Dense(a.int(\"units\", -1), a.str(\"activation\", \"relu\"))",
		bug: "Dense's default activation relu instead of None", tests: ker},
	{file: "keras/layers.go", old: "bn.Momentum = a.float(\"momentum\", 0.99)", new: "bn.Momentum = a.float(\"momentum\", 0.9)",
		bug: "BatchNormalization's default momentum 0.9 in the code interpreter", tests: ker},
	{file: "keras/interp.go", old: "fromLogits := false", new: "fromLogits := true",
		bug: "from_logits defaults to True", tests: ker},
	{file: "keras/interp.go", old: "BatchSize: 32, Epochs: 1, Verbose: 1}", new: "BatchSize: 32, Epochs: 10, Verbose: 1}",
		bug: "fit's default epochs 10 instead of 1", tests: ker},
	{file: "keras/layers.go", old: "\t\tif x.Activation != \"\" && x.Activation != \"linear\" {\n\t\t\ts += fmt.Sprintf(\", activation=%q\", x.Activation)\n\t\t}", nth: 2,
		new: "\t\tif false {\n\t\t}", bug: "the editor text drops Conv2D's activation", tests: ker},
	{file: "keras/export.go", old: "return \"keras.losses.SparseCategoricalCrossentropy(from_logits=True)\"", new: "return pyStr(l.Name)",
		bug: "Keras export drops from_logits=True", tests: ker},
	{file: "keras/layers.go", old: "if x.Epsilon != 1e-3 {", new: "if x.Epsilon != 1e-3 && false {",
		bug: "the editor text drops BatchNormalization's epsilon", tests: ker},
}

type result struct {
	Caught  bool
	By      []string
	Failure string // build failure or timeout
	Secs    float64
}

// cacheFile keeps every mutation's last result, keyed by the mutation
// itself, so that -only and -missing runs update the table.
const cacheFile = "nn/testdata/mutate/results.json"

func (m mutation) key() string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%d", m.file, m.old, m.new, m.nth)
}

func main() {
	only := flag.String("only", "", "comma-separated mutation numbers (1-based) to run")
	missing := flag.Bool("missing", false, "run only the mutations without a result in "+cacheFile)
	check := flag.Bool("check", false, "only check that every mutation applies")
	flag.Parse()
	if *check {
		for i, m := range mutations {
			src, err := os.ReadFile(m.file)
			if err == nil {
				_, err = apply(string(src), m)
			}
			if err != nil {
				fmt.Printf("mutation %d (%s): %v\n", i+1, m.file, err)
			}
		}
		fmt.Printf("%d mutations\n", len(mutations))
		return
	}
	pick := map[int]bool{}
	if *only != "" {
		for _, s := range strings.Split(*only, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 || n > len(mutations) {
				fail("-only: %q is not a mutation number (1..%d)", s, len(mutations))
			}
			pick[n] = true
		}
	}
	if out, _ := exec.Command("git", "status", "--porcelain", "--", "nn", "gpu", "keras", "datasets", ":!"+cacheFile).Output(); len(bytes.TrimSpace(out)) > 0 {
		fail("the working tree has changes in nn, gpu, keras or datasets; commit or stash them first:\n%s", out)
	}
	// Restore the file being mutated on Ctrl-C.
	var restore func()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	go func() {
		<-sig
		if restore != nil {
			restore()
		}
		os.Exit(1)
	}()

	cache := map[string]result{}
	if b, err := os.ReadFile(cacheFile); err == nil {
		json.Unmarshal(b, &cache)
	}
	var todo []int
	for i, m := range mutations {
		if len(pick) > 0 && !pick[i+1] {
			continue
		}
		if _, done := cache[m.key()]; *missing && done {
			continue
		}
		todo = append(todo, i)
		// The baselines, before any file is mutated.
		for _, g := range m.tests {
			baselineOf(g)
		}
	}
	for _, i := range todo {
		m := mutations[i]
		orig, err := os.ReadFile(m.file)
		if err != nil {
			fail("%v", err)
		}
		mutated, err := apply(string(orig), m)
		if err != nil {
			fail("mutation %d (%s): %v", i+1, m.file, err)
		}
		restore = func() { os.WriteFile(m.file, orig, 0o644) }
		if err := os.WriteFile(m.file, []byte(mutated), 0o644); err != nil {
			fail("%v", err)
		}
		t0 := time.Now()
		r := run(m.tests)
		r.Secs = time.Since(t0).Seconds()
		restore()
		restore = nil
		cache[m.key()] = r
		fmt.Fprintf(os.Stderr, "%2d %-6v %5.0fs %s: %s %s\n", i+1, r.Caught, r.Secs, m.file, m.bug, strings.Join(r.By, ", ")+r.Failure)
		// Saved after each, so that an interrupted run keeps what it did.
		b, _ := json.MarshalIndent(cache, "", "\t")
		if err := os.WriteFile(cacheFile, append(b, '\n'), 0o644); err != nil {
			fail("%v", err)
		}
	}
	table := render(cache)
	os.MkdirAll("docs", 0o755)
	if err := os.WriteFile("docs/mutation.md", []byte(table), 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Print(table)
}

func apply(src string, m mutation) (string, error) {
	n := strings.Count(src, m.old)
	switch {
	case n == 0:
		return "", fmt.Errorf("%q not found", m.old)
	case m.nth == 0 && n > 1:
		return "", fmt.Errorf("%q occurs %d times; give nth", m.old, n)
	case m.nth > n:
		return "", fmt.Errorf("%q occurs %d times, not %d", m.old, n, m.nth)
	}
	k := max(m.nth, 1)
	at := -1
	for range k {
		at += 1 + strings.Index(src[at+1:], m.old)
	}
	return src[:at] + m.new + src[at+len(m.old):], nil
}

// baseline holds, per group, the tests that fail without any mutation (a
// broken environment, e.g. missing data): they do not count as catching.
var (
	baseline      = map[string]map[string]bool{}
	baselineNotes []string
)

func baselineOf(g string) map[string]bool {
	if b, ok := baseline[g]; ok {
		return b
	}
	b := map[string]bool{}
	r, tops := runGroup(g, nil)
	for _, t := range tops {
		b[t] = true
	}
	if len(b) > 0 || r.Failure != "" {
		fmt.Fprintf(os.Stderr, "baseline of %s, without mutations, fails: %v%s (not counted)\n", g, tops, r.Failure)
		baselineNotes = append(baselineNotes, fmt.Sprintf("%s: %s%s", g, strings.Join(tops, ", "), r.Failure))
	}
	baseline[g] = b
	return b
}

// run runs the groups' tests; a failing test counts as caught, unless it
// fails without the mutation too.
func run(tests []string) result {
	var r result
	for _, g := range tests {
		gr, _ := runGroup(g, baselineOf(g))
		r.By = append(r.By, gr.By...)
		if gr.Failure != "" && r.Failure == "" {
			r.Failure = gr.Failure
		}
	}
	// A mutation that does not build is not a realistic bug: not counted as caught.
	r.Caught = len(r.By) > 0 && r.Failure == ""
	sort.Strings(r.By)
	if len(r.By) > 3 {
		r.By = append(r.By[:3], fmt.Sprintf("and %d more", len(r.By)-3))
	}
	return r
}

// runGroup runs one group's tests. Its result lists, for each failing
// top-level test not in skip, the first failing (sub)test's name; tops
// lists the failing top-level tests.
func runGroup(g string, skip map[string]bool) (r result, tops []string) {
	args := append([]string{"test", "-count=1", "-json", "-timeout", "600s", "-skip", "WebGPU|AcrossDevices"}, groups[g]...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	failed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct{ Action, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		if ev.Action == "fail" && ev.Test != "" {
			top, _, _ := strings.Cut(ev.Test, "/")
			if ev.Test == top {
				tops = append(tops, top)
			}
			if !failed[top] && !skip[top] {
				failed[top] = true
				r.By = append(r.By, ev.Test)
			}
		}
		if ev.Action == "build-fail" || strings.Contains(ev.Output, "[build failed]") {
			r.Failure = " (build failed: not a valid mutation)"
		}
	}
	if err != nil && len(tops) == 0 && r.Failure == "" {
		r.Failure = " (go test failed without a failing test: " + firstLine(stderr.String()+string(out)) + ")"
	}
	return r, tops
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func render(cache map[string]result) string {
	var b strings.Builder
	caught, ran := 0, 0
	for _, m := range mutations {
		if r, ok := cache[m.key()]; ok {
			ran++
			if r.Caught {
				caught++
			}
		}
	}
	b.WriteString("# Mutation check\n\n")
	b.WriteString("Realistic one-line bugs made one at a time in the reference (nn, the pure-Go device in gpu, datasets,\n")
	b.WriteString("keras), each followed by the tests of the packages concerned, without a GPU\n")
	b.WriteString("(`go test -skip 'WebGPU|AcrossDevices'`; gpu: `-run 'CPU|ByDefinition'`). Written by\n")
	b.WriteString("`go run ./nn/testdata/mutate` from the repository root (the mutations are listed in\n")
	b.WriteString("nn/testdata/mutate/main.go, the last results kept in nn/testdata/mutate/results.json).\n\n")
	fmt.Fprintf(&b, "**%d of %d caught (%.0f%%)**", caught, ran, 100*float64(caught)/float64(max(ran, 1)))
	if ran < len(mutations) {
		fmt.Fprintf(&b, "; %d not run yet", len(mutations)-ran)
	}
	b.WriteString(".\n\n| # | file | bug | caught | failing tests (first 3) |\n|---|---|---|---|---|\n")
	var un []string
	for i, m := range mutations {
		r, ok := cache[m.key()]
		c, by := "yes", strings.Join(r.By, ", ")+r.Failure
		switch {
		case !ok:
			c, by = "not run", ""
		case !r.Caught:
			c = "**no**"
			why := m.why
			if why == "" {
				why = "(not explained yet)"
			}
			un = append(un, fmt.Sprintf("- %d (%s): %s", i+1, m.bug, why))
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", i+1, m.file, strings.ReplaceAll(m.bug, "|", "\\|"), c, strings.ReplaceAll(by, "|", "\\|"))
	}
	if len(un) > 0 {
		b.WriteString("\n## Not caught\n\n" + strings.Join(un, "\n") + "\n")
	}
	if len(baselineNotes) > 0 {
		b.WriteString("\nTests that failed without any mutation in the last run (not counted as catching): " + strings.Join(baselineNotes, "; ") + ".\n")
	}
	return b.String()
}

func fail(format string, v ...any) {
	fmt.Fprintf(os.Stderr, "mutate: "+format+"\n", v...)
	os.Exit(1)
}
