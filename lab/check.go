package lab

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// The configs' zero values take the lesson's settings (the page leaves what
// the learner did not set at zero), but a negative size, a NaN or a rate out
// of its range is an error, never replaced by a default: a learner who typed
// it should hear that it was wrong.

type configChecks []string

func (c *configChecks) intMin(name string, v, lo int) {
	if v < lo {
		*c = append(*c, fmt.Sprintf("%s must be %d or more, got %d", name, lo, v))
	}
}

// rate checks that v is finite and in [lo, hi).
func (c *configChecks) rate(name string, v, lo, hi float64) {
	if math.IsNaN(v) || v < lo || v >= hi {
		*c = append(*c, fmt.Sprintf("%s must be in [%g, %g), got %g", name, lo, hi, v))
	}
}

// momentum checks SGD's and RMSprop's momentum: Keras takes [0, 1].
func (c *configChecks) momentum(v float64) {
	if math.IsNaN(v) || v < 0 || v > 1 {
		*c = append(*c, fmt.Sprintf("momentum must be in [0, 1], got %g", v))
	}
}

// nonNegative checks that v is finite and not negative (0: the default).
func (c *configChecks) nonNegative(name string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		*c = append(*c, fmt.Sprintf("%s must be a positive number, got %g", name, v))
	}
}

func (c configChecks) err() error {
	if len(c) == 0 {
		return nil
	}
	return errors.New("lab: " + strings.Join(c, "; "))
}

// maxYears bounds Years before it becomes a row count (an int): 365*years
// of a huge or NaN years used to give "Rows -9223372036854775808".
const maxYears = 10000

func (c WeatherConfig) check() error {
	var ck configChecks
	ck.nonNegative("years", c.Years)
	if c.Years > maxYears {
		ck = append(ck, fmt.Sprintf("years must be at most %d, got %g", maxYears, c.Years))
	}
	ck.intMin("nodes1", c.Nodes1, 0)
	ck.intMin("nodes2", c.Nodes2, 0)
	ck.rate("dropout rate", c.Dropout, 0, 1)
	ck.intMin("epochs", c.Epochs, 0)
	ck.intMin("batch_size", c.BatchSize, 0)
	ck.intMin("patience", c.Patience, 0)
	ck.nonNegative("learning_rate", c.LR)
	ck.momentum(c.Momentum)
	return ck.err()
}

func (c CIFARConfig) check() error {
	var ck configChecks
	ck.intMin("n", c.N, 0)
	ck.intMin("test_n", c.TestN, 0)
	ck.intMin("epochs", c.Epochs, 0)
	ck.intMin("batch_size", c.BatchSize, 0)
	ck.intMin("patience", c.Patience, 0)
	ck.nonNegative("learning_rate", c.LR)
	ck.momentum(c.Momentum)
	return ck.err()
}
