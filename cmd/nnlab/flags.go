package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"nnlab/datasets"
	"nnlab/lab"
	"nnlab/nn"
)

// Flag checks. Every number a learner types is checked against its range
// right after parsing, before any data is read or memory allocated, and a
// value out of range is an error that names the flag, the value and the
// range: never a silent fallback to the default (--epochs 0 used to train
// 200 epochs, --lr NaN with Adam's default).

// flagChecks collects the range errors of one command line.
type flagChecks struct {
	set  map[string]bool // flags given on the command line
	errs []string
}

func newFlagChecks(fs *flag.FlagSet) *flagChecks {
	c := &flagChecks{set: map[string]bool{}}
	fs.Visit(func(f *flag.Flag) { c.set[f.Name] = true })
	return c
}

func (c *flagChecks) fail(name, value, rule string) {
	c.errs = append(c.errs, fmt.Sprintf("--%s %s: %s", name, value, rule))
}

// atLeast checks an int flag against its smallest value.
func (c *flagChecks) atLeast(name string, v, lo int, what string) {
	if v < lo {
		c.fail(name, strconv.Itoa(v), fmt.Sprintf("%s must be a whole number from %d up", what, lo))
	}
}

// positive checks a float flag that must be finite and > 0.
func (c *flagChecks) positive(name string, v float64, what string) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		c.fail(name, fmtFloat(v), what+" must be a number greater than 0")
	}
}

// between checks a float flag that must be finite and in [lo, hi) (or
// [lo, hi] when closed).
func (c *flagChecks) between(name string, v, lo, hi float64, closed bool, what string) {
	if !math.IsNaN(v) && v >= lo && (v < hi || closed && v == hi) {
		return
	}
	end := ")"
	if closed {
		end = "]"
	}
	c.fail(name, fmtFloat(v), fmt.Sprintf("%s must be a number in [%s, %s%s", what, fmtFloat(lo), fmtFloat(hi), end))
}

// oneOf checks a word flag against its choices.
func (c *flagChecks) oneOf(name, v string, choices ...string) {
	for _, ch := range choices {
		if strings.EqualFold(v, ch) {
			return
		}
	}
	c.fail(name, strconv.Quote(v), "use "+strings.Join(choices, ", "))
}

// learningRate checks --lr: 0 (the default) takes the optimizer's Keras
// default, but only when not given; a given rate must be positive.
func (c *flagChecks) learningRate(v float64) {
	if c.set["lr"] {
		c.positive("lr", v, "the learning rate (e.g. 0.001, Adam's default)")
	}
}

// momentum checks --momentum: [0, 1], as Keras's SGD and RMSprop take it.
func (c *flagChecks) momentum(v float64) { c.between("momentum", v, 0, 1, true, "momentum") }

// memory applies --memory (a size such as 4GB or 512MiB) to the model's
// memory budget.
func (c *flagChecks) memory(v string) {
	if !c.set["memory"] {
		return
	}
	n, err := parseBytes(v)
	if err != nil {
		c.fail("memory", strconv.Quote(v), err.Error())
		return
	}
	nn.SetMemoryBudget(n)
}

func (c *flagChecks) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(c.errs, "\n"))
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// parseBytes reads a memory size: a number and a unit (B, kB, MB, GB, TB in
// powers of 1,000; KiB, MiB, GiB, TiB in powers of 1,024), from 16 MB to
// 1 PB.
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult := map[string]float64{"": 1, "b": 1, "kb": 1e3, "k": 1e3, "mb": 1e6, "m": 1e6, "gb": 1e9, "g": 1e9, "tb": 1e12, "t": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 {
		return 0, fmt.Errorf("a memory size must be a number and a unit, e.g. 4GB, 512MB or 2GiB")
	}
	b := v * mult
	if math.IsNaN(b) || b < 16e6 || b > 1e15 {
		return 0, fmt.Errorf("a memory size must be from 16MB to 1PB")
	}
	return int64(b), nil
}

// memoryFlag defines --memory on a command that builds models.
func memoryFlag(fs *flag.FlagSet) *string {
	return fs.String("memory", "", "memory the model, its data and its training may use, e.g. 8GB or 512MiB (default "+nn.FormatBytes(nn.MemoryBudget())+")")
}

// checkWeatherFlags checks the flags of `train weather`.
func checkWeatherFlags(fs *flag.FlagSet, c *lab.WeatherConfig, memory string) error {
	ck := newFlagChecks(fs)
	ck.years(c.Years)
	ck.atLeast("nodes1", c.Nodes1, 1, "the units of the first hidden layer")
	ck.atLeast("nodes2", c.Nodes2, 1, "the units of the second hidden layer")
	ck.between("dropout", c.Dropout, 0, 1, false, "the dropout rate (0: no Dropout layers)")
	ck.atLeast("epochs", c.Epochs, 1, "the number of epochs")
	ck.atLeast("batch", c.BatchSize, 1, "the batch size")
	ck.atLeast("patience", c.Patience, 0, "the patience (0: no early stopping)")
	ck.oneOf("optimizer", c.Optimizer, "adam", "sgd", "rmsprop")
	ck.learningRate(c.LR)
	ck.momentum(c.Momentum)
	ck.oneOf("loss", c.Loss, "mse", "mae", "mean_squared_error", "mean_absolute_error")
	ck.memory(memory)
	return ck.err()
}

// years checks --years before the file is read (checkYears checks it
// against the file).
func (c *flagChecks) years(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < minYears {
		c.fail("years", fmtFloat(v), fmt.Sprintf("years must be a number from %g up to what the file holds (about 10 for the lesson's file)", minYears))
	}
}

// minYears keeps enough days for the 70/15/15 split (36 days: 25/5/6).
const minYears = 0.1

// checkYears checks --years against the days the file has: nr_rows =
// 365*years rows and the day after each.
func checkYears(years float64, w *datasets.Weather) error {
	most := float64(w.Rows()-2) / 365
	if math.Round(365*years) > float64(w.Rows()-2) {
		return fmt.Errorf("--years %s: years must be a number from %g to %s: %s has %d days, and 365*years rows need one more day each for the target",
			fmtFloat(years), minYears, fmtFloat(math.Floor(most*100)/100), w.Path, w.Rows())
	}
	return nil
}

// checkCIFARFlags checks the flags of `train cifar`.
func checkCIFARFlags(fs *flag.FlagSet, c *lab.CIFARConfig, memory string) error {
	ck := newFlagChecks(fs)
	ck.oneOf("model", c.Model, "small", "pool", "dropout")
	ck.atLeast("n", c.N, 0, "the number of training images (0: all)")
	ck.atLeast("test-n", c.TestN, 0, "the number of test images (0: all)")
	ck.atLeast("epochs", c.Epochs, 1, "the number of epochs")
	ck.atLeast("batch", c.BatchSize, 1, "the batch size")
	ck.atLeast("patience", c.Patience, 0, "the patience (0: no early stopping)")
	ck.oneOf("optimizer", c.Optimizer, "adam", "sgd", "rmsprop")
	ck.learningRate(c.LR)
	ck.momentum(c.Momentum)
	ck.memory(memory)
	return ck.err()
}

// checkImageCounts checks --n and --test-n against the images loaded.
func checkImageCounts(n, testN int, d *lab.CIFARData) error {
	ck := &flagChecks{}
	if n > d.Train.N {
		ck.fail("n", strconv.Itoa(n), fmt.Sprintf("%d training images are loaded: use 1 to %d, or 0 for all (the subset has 4,000, the full set 50,000)", d.Train.N, d.Train.N))
	}
	if testN > d.Test.N {
		ck.fail("test-n", strconv.Itoa(testN), fmt.Sprintf("%d test images are loaded: use 1 to %d, or 0 for all", d.Test.N, d.Test.N))
	}
	return ck.err()
}
