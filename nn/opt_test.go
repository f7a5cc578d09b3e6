package nn

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"nnlab/gpu"
)

// Optimizer steps against hand calculations in float64.
func TestOptimizerStepsByHand(t *testing.T) {
	d := gpu.NewCPUOf[float64]()
	w0, g0 := []float64{1, -2, 0.5}, []float64{0.5, -0.25, 0}
	type state struct{ w, s1, s2 []float64 }
	steps := func(o Optimizer, n int) state {
		w, g, s1, s2 := d.Alloc(3), d.Alloc(3), d.Alloc(3), d.Alloc(3)
		copy(gpu.Host[float64](w), w0)
		copy(gpu.Host[float64](g), g0)
		for i := 1; i <= n; i++ {
			p := o.OptParams
			p.Step = i
			d.Update(p, w, g, s1, s2, 3)
		}
		return state{gpu.Host[float64](w), gpu.Host[float64](s1), gpu.Host[float64](s2)}
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-7*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %.10g, want %.10g", name, got, want)
		}
	}
	// Adam, Keras defaults, two steps with a constant gradient g = 0.5.
	// Step 1: m = 0.05, v = 0.00025, alpha = 0.001*sqrt(0.001)/0.1;
	// step 2: m = 0.095, v = 0.00049975, alpha = 0.001*sqrt(1-0.999²)/(1-0.9²).
	a := Adam()
	s := steps(a, 2)
	w := 1.0
	w -= 0.001 * math.Sqrt(1-0.999) / (1 - 0.9) * 0.05 / (math.Sqrt(0.00025) + 1e-7)
	w -= 0.001 * math.Sqrt(1-0.999*0.999) / (1 - 0.81) * 0.095 / (math.Sqrt(0.00049975) + 1e-7)
	near("adam w", s.w[0], w)
	near("adam m", s.s1[0], 0.095)
	near("adam v", s.s2[0], 0.00049975)
	near("adam w with zero gradient", s.w[2], 0.5)
	if a.LR != 1e-3 || a.Beta1 != 0.9 || a.Beta2 != 0.999 || a.Epsilon != 1e-7 {
		t.Errorf("Adam defaults %+v differ from Keras's", a.OptParams)
	}

	// SGD without momentum: w -= lr*g.
	s = steps(SGD(), 1)
	near("sgd w", s.w[1], -2+0.01*0.25)
	// SGD with momentum 0.9, two steps: v1 = -lr g, v2 = 0.9 v1 - lr g.
	sm := SGD()
	sm.Momentum = 0.9
	s = steps(sm, 2)
	near("sgd momentum w", s.w[0], 1-0.005-(0.9*0.005+0.005))
	// Nesterov: w += momentum*v - lr*g.
	sn := sm
	sn.Nesterov = true
	s = steps(sn, 1)
	near("sgd nesterov w", s.w[0], 1+0.9*(-0.005)-0.005)

	// RMSprop: s = 0.1 g², w -= lr g / sqrt(s + eps).
	s = steps(RMSprop(), 1)
	near("rmsprop w", s.w[0], 1-0.001*0.5/math.Sqrt(0.1*0.25+1e-7))
	near("rmsprop s", s.s1[0], 0.025)
	rm := RMSprop()
	rm.Momentum = 0.5
	s = steps(rm, 2)
	m1 := 0.001 * 0.5 / math.Sqrt(0.025+1e-7)
	sq2 := 0.025 + (0.25-0.025)*0.1
	m2 := 0.5*m1 + 0.001*0.5/math.Sqrt(sq2+1e-7)
	near("rmsprop momentum w", s.w[0], 1-m1-m2)
}

// Losses and metrics against hand calculations.
func TestLossValuesByHand(t *testing.T) {
	d := gpu.NewCPUOf[float64]()
	p, tt, acc, dp := d.Alloc(4), d.Alloc(4), d.Alloc(gpu.AccSlots), d.Alloc(4)
	copy(gpu.Host[float64](p), []float64{1, 2, 3, 5})
	copy(gpu.Host[float64](tt), []float64{1, 4, 2, 1})
	// two samples of two outputs: errors 0, -2, 1, 4
	d.Loss(gpu.MSE, dp, acc, 0, p, tt, nil, 0, 2, 2, 0.5)
	a := gpu.Host[float64](acc)
	if a[gpu.AccLoss] != (0+4)/2.0+(1+16)/2.0 || a[gpu.AccSqErr] != 21 || a[gpu.AccAbsErr] != 7 {
		t.Errorf("mse sums %v", a)
	}
	// d/dp of 0.5 * Σ_samples mean_j e² = 0.5 * 2e/2
	for i, want := range []float64{0, -1, 0.5, 2} {
		if g := gpu.Host[float64](dp)[i]; g != want {
			t.Errorf("mse grad[%d] = %g, want %g", i, g, want)
		}
	}
	// sparse CE from logits on logits (0, ln 3) with label 1: -log(3/4).
	l, lab, acc2 := d.Alloc(2), d.Alloc(1), d.Alloc(gpu.AccSlots)
	copy(gpu.Host[float64](l), []float64{0, math.Log(3)})
	gpu.Host[float64](lab)[0] = 1
	d.Loss(gpu.SparseCCEFromLogits, nil, acc2, 0, l, lab, nil, 0, 1, 2, 1)
	if got := gpu.Host[float64](acc2)[gpu.AccLoss]; math.Abs(got+math.Log(0.75)) > 1e-12 {
		t.Errorf("sparse CE = %g, want %g", got, -math.Log(0.75))
	}
	if gpu.Host[float64](acc2)[gpu.AccCorrect] != 1 {
		t.Error("argmax 1 with label 1 not counted correct")
	}
}

func weatherLikeData(n int, seed uint64) *Data {
	r := newRNG(seed)
	d := &Data{X: make([]float32, n*4), Y: make([]float32, n), N: n}
	for i := 0; i < n; i++ {
		s := 0.0
		for j := 0; j < 4; j++ {
			v := r.float64()*2 - 1
			d.X[i*4+j] = float32(v)
			s += v * float64(j+1)
		}
		d.Y[i] = float32(s + 0.05*(r.float64()-0.5))
	}
	return d
}

func TestFitLearnsAndLogsLikeKeras(t *testing.T) {
	m, err := NewModel("m", Input(4), Dense(16, "relu"), Dense(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = 1
	if err := m.Compile(Adam(), MeanSquaredError, RootMeanSquaredError()); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	h, err := m.Fit(weatherLikeData(200, 1), FitConfig{Epochs: 60, BatchSize: 32, Validation: weatherLikeData(50, 2), Verbose: &out})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"loss", "root_mean_squared_error", "val_loss", "val_root_mean_squared_error"}
	if strings.Join(h.Keys, ",") != strings.Join(want, ",") {
		t.Errorf("history keys %v, Keras's are %v", h.Keys, want)
	}
	l := h.History["loss"]
	if len(l) != 60 || l[59] > l[0]/10 {
		t.Errorf("loss did not fall tenfold in 60 epochs: %v ... %v", l[0], l[len(l)-1])
	}
	for i, v := range h.History["root_mean_squared_error"] {
		// The same float32 sums (cols = 1), the square root taken in
		// float64: equal to rounding (was 1e-4).
		if math.Abs(v*v-l[i]) > 1e-12*l[i] {
			t.Fatalf("epoch %d: rmse² %g != mse loss %g", i, v*v, l[i])
		}
	}
	if !strings.Contains(out.String(), "Epoch 60/60\n7/7 - ") || !strings.Contains(out.String(), " - val_root_mean_squared_error: ") {
		t.Errorf("progress is not Keras's verbose=2 format:\n%s", out.String()[:300])
	}
	ev, err := m.Evaluate(weatherLikeData(50, 2), 32)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ev["loss"]-h.History["val_loss"][59]) > 1e-6 {
		t.Errorf("evaluate loss %g != last val_loss %g", ev["loss"], h.History["val_loss"][59])
	}
	pred, err := m.Predict(weatherLikeData(50, 2), 7)
	if err != nil {
		t.Fatal(err)
	}
	se := 0.0
	for i, p := range pred {
		e := float64(p - weatherLikeData(50, 2).Y[i])
		se += e * e
	}
	if math.Abs(se/50-ev["loss"]) > 1e-4 {
		t.Errorf("predict MSE %g != evaluate %g", se/50, ev["loss"])
	}
}

func TestSameSeedSameTraining(t *testing.T) {
	run := func() float64 {
		m, _ := NewModel("m", Input(4), Dense(8, "relu"), Dropout(0.3), Dense(1, ""))
		m.Seed = 7
		m.Compile(Adam(), MeanSquaredError)
		h, err := m.Fit(weatherLikeData(100, 1), FitConfig{Epochs: 3})
		if err != nil {
			t.Fatal(err)
		}
		return h.History["loss"][2]
	}
	if a, b := run(), run(); a != b {
		t.Errorf("same seed, different losses %g and %g", a, b)
	}
}

func TestEarlyStoppingAndRestoreBest(t *testing.T) {
	m, _ := NewModel("m", Input(4), Dense(64, "relu"), Dense(1, ""))
	m.Seed = 2
	m.Compile(Adam(), MeanSquaredError)
	// Validation targets unrelated to inputs: val_loss soon stops improving.
	val := weatherLikeData(40, 9)
	for i := range val.Y {
		val.Y[i] = float32(i%3) * 5
	}
	es := &EarlyStopping{Monitor: "val_loss", Patience: 5, RestoreBestWeights: true}
	h, err := m.Fit(weatherLikeData(100, 1), FitConfig{Epochs: 500, Validation: val, Callbacks: []Callback{es}})
	if err != nil {
		t.Fatal(err)
	}
	if h.StoppedEpoch < 0 || len(h.Epochs) == 500 {
		t.Fatalf("did not stop early (%d epochs)", len(h.Epochs))
	}
	vl := h.History["val_loss"]
	best := 0
	for i, v := range vl {
		if v < vl[best] {
			best = i
		}
	}
	if len(vl)-1-best != 5 {
		t.Errorf("stopped %d epochs after the best, patience is 5", len(vl)-1-best)
	}
	ev, _ := m.Evaluate(val, 32)
	// Evaluate runs the very validation pass of Fit (same batches, same
	// order) on the restored weights: equal, not just close (was 1e-5).
	if ev["loss"] != vl[best] {
		t.Errorf("restored weights give val loss %g, the best epoch had %g", ev["loss"], vl[best])
	}
}

func TestStopByContext(t *testing.T) {
	m, _ := NewModel("m", Input(4), Dense(8, "relu"), Dense(1, ""))
	m.Compile(Adam(), MeanSquaredError)
	ctx, cancel := context.WithCancel(context.Background())
	h, err := m.Fit(weatherLikeData(100, 1), FitConfig{Epochs: 1000, Context: ctx,
		OnEpoch: func(e int, _ map[string]float64) {
			if e == 2 {
				cancel()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !h.Stopped || len(h.Epochs) != 3 {
		t.Errorf("stopped=%v after %d epochs, want stop after 3", h.Stopped, len(h.Epochs))
	}
}

func TestNaNLossKeepsLastGoodWeights(t *testing.T) {
	m, _ := NewModel("m", Input(4), Dense(8, "relu"), Dense(1, ""))
	m.Compile(Adam(), MeanSquaredError)
	d := weatherLikeData(64, 1)
	if _, err := m.Fit(d, FitConfig{Epochs: 2}); err != nil {
		t.Fatal(err)
	}
	before, _ := m.Weights()
	bad := weatherLikeData(64, 1)
	bad.X[5] = float32(math.NaN())
	_, err := m.Fit(bad, FitConfig{Epochs: 2})
	if !errors.Is(err, ErrNaN) || !strings.Contains(err.Error(), "learning rate") {
		t.Fatalf("error %v, want ErrNaN with advice", err)
	}
	after, _ := m.Weights()
	for i := range before {
		for j := range before[i] {
			for k := range before[i][j] {
				if before[i][j][k] != after[i][j][k] {
					t.Fatal("weights changed by the NaN epoch")
				}
			}
		}
	}
}

func TestBadDataErrors(t *testing.T) {
	m, _ := NewModel("m", Input(4), Dense(3, ""))
	m.Compile(Adam(), SparseCategoricalCrossentropy(true), Accuracy())
	_, err := m.Fit(&Data{X: make([]float32, 8), Y: []float32{1, 3}, N: 2}, FitConfig{})
	if err == nil || !strings.Contains(err.Error(), "label 1 is 3, but the model has 3 classes") {
		t.Errorf("bad label error: %v", err)
	}
	_, err = m.Fit(&Data{X: make([]float32, 7), Y: []float32{1, 2}, N: 2}, FitConfig{})
	if err == nil || !strings.Contains(err.Error(), "need 8 input values, got 7") {
		t.Errorf("bad size error: %v", err)
	}
	if err := m.Compile(Adam(), SparseCategoricalCrossentropy(true), RootMeanSquaredError()); err == nil {
		t.Error("RMSE with a classification loss accepted")
	}
}
