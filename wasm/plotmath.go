package main

import (
	"math"
	"strconv"
)

// niceTicks returns round tick values covering [lo, hi], about n of them
// (1, 2 or 5 times a power of ten apart, as matplotlib's MaxNLocator picks).
func niceTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || n < 1 {
		return nil
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
		out = append(out, k*step)
	}
	return out
}

// tickLabel formats a tick value with as many decimals as the spacing of
// the ticks needs: 0.25, 150, 2e+05.
func tickLabel(v, step float64) string {
	if math.Abs(v) < step*1e-6 {
		return "0"
	}
	if a := math.Abs(v); a >= 1e6 || a < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	dec := 0
	for s := step; dec < 6 && math.Abs(s-math.Round(s)) > 1e-9*max(1, math.Abs(s)); s *= 10 {
		dec++
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// span returns the range of the finite values of some series, widened a
// little (and made non-empty) for plotting.
func span[T float32 | float64](series ...[]T) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, v := range s {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				continue
			}
			lo, hi = min(lo, f), max(hi, f)
		}
	}
	if lo > hi {
		return 0, 1
	}
	if lo == hi {
		return lo - 0.5, hi + 0.5
	}
	pad := (hi - lo) * 0.05
	return lo - pad, hi + pad
}
