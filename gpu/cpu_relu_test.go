package gpu

import (
	"math"
	"testing"
)

// relu is max(v, 0) bit for bit in every build, the browser's included
// (whose loop avoids max): NaNs pass through, both zeros give +0, and
// infinities, subnormals and the extremes keep their bits.
func TestCPUReLUIsMax(t *testing.T) {
	in := []float32{
		0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN()), -float32(math.NaN()),
		float32(math.Inf(1)), float32(math.Inf(-1)), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		math.MaxFloat32, -math.MaxFloat32, 0.5, -2.5e-30,
	}
	out := make([]float32, len(in))
	relu(out, in)
	for i, v := range in {
		if want := max(v, 0); math.Float32bits(out[i]) != math.Float32bits(want) {
			t.Errorf("relu(%v) = %v (bits %#x), max(v, 0) = %v (bits %#x)", v, out[i], math.Float32bits(out[i]), want, math.Float32bits(want))
		}
	}
	in64 := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(-1), -math.SmallestNonzeroFloat64, 3}
	out64 := make([]float64, len(in64))
	relu(out64, in64)
	for i, v := range in64 {
		if want := max(v, 0); math.Float64bits(out64[i]) != math.Float64bits(want) {
			t.Errorf("relu(%v) = %v, max(v, 0) = %v", v, out64[i], want)
		}
	}
}
