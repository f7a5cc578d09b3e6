package nn

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"nnlab/gpu"
)

// Behaviour of Fit that Keras users rely on, each test named for the bug it
// catches. A spyDevice (the float32 pure-Go device underneath) records what
// Fit asks of the device: the sample order of each batch, each batch's loss
// scale, the dropout masks.

type spyDevice struct {
	gpu.Device
	batches [][]int   // Gather's sample indices, one slice a call
	scales  []float32 // Loss's scale, training calls (dp != nil) only
	masks   [][]bool  // Dropout's kept elements, one slice a call
	nanAt   int       // the Update call (1-based) whose gradients become NaN; 0: none
	updates int
}

func newSpy() *spyDevice { return &spyDevice{Device: gpu.NewCPU()} }

func (d *spyDevice) Gather(dst, src, idx gpu.Buffer, idxOff, rows, rowLen int, scale float32) {
	var b []int
	for _, v := range gpu.Host[float32](idx)[idxOff : idxOff+rows] {
		b = append(b, int(v))
	}
	d.batches = append(d.batches, b)
	d.Device.Gather(dst, src, idx, idxOff, rows, rowLen, scale)
}

func (d *spyDevice) Loss(kind gpu.LossKind, dp, acc gpu.Buffer, slot int, p, t, tIdx gpu.Buffer, tIdxOff, rows, cols int, scale float32) {
	if dp != nil {
		d.scales = append(d.scales, scale)
	}
	d.Device.Loss(kind, dp, acc, slot, p, t, tIdx, tIdxOff, rows, cols, scale)
}

func (d *spyDevice) Dropout(y, x gpu.Buffer, n int, rate float32, seed uint32) {
	d.Device.Dropout(y, x, n, rate, seed)
	keep := make([]bool, n)
	for i, v := range gpu.Host[float32](y)[:n] {
		keep[i] = v != 0 // the inputs are all nonzero
	}
	d.masks = append(d.masks, keep)
}

func (d *spyDevice) Update(o gpu.OptParams, w, g, s1, s2 gpu.Buffer, n int) {
	d.updates++
	if d.updates == d.nanAt {
		d.Device.Write(g, 0, []float32{float32(math.NaN())})
	}
	d.Device.Update(o, w, g, s1, s2, n)
}

func ones(n, size int) *Data {
	d := &Data{X: make([]float32, n*size), Y: make([]float32, n), N: n}
	for i := range d.X {
		d.X[i] = 1 + float32(i%7)/10
	}
	return d
}

// Bug: the dropout mask repeats (from step to step, or from sample to
// sample). Keras draws a fresh mask at every training step.
func TestFitDropoutMaskDiffersEveryStep(t *testing.T) {
	spy := newSpy()
	m, _ := NewModel("m", Input(64), Dropout(0.5), Dense(1, ""))
	m.Seed = 3
	m.SetDevice(spy)
	m.Compile(Adam(), MeanSquaredError)
	if _, err := m.Fit(ones(20, 64), FitConfig{Epochs: 3, BatchSize: 8}); err != nil {
		t.Fatal(err)
	}
	if len(spy.masks) != 9 {
		t.Fatalf("%d dropout calls in 3 epochs of 3 steps, want 9", len(spy.masks))
	}
	seen := map[string]int{}
	kept, total := 0, 0
	for s, mask := range spy.masks {
		key := fmt.Sprint(mask)
		if prev, ok := seen[key]; ok {
			t.Errorf("step %d drew the same dropout mask as step %d", s+1, prev+1)
		}
		seen[key] = s + 1
		// Within a batch each sample has its own mask.
		if rows := len(mask) / 64; rows > 1 && fmt.Sprint(mask[:64]) == fmt.Sprint(mask[64:128]) {
			t.Errorf("step %d: samples 1 and 2 share a dropout mask", s+1)
		}
		for _, k := range mask {
			total++
			if k {
				kept++
			}
		}
	}
	// Binomial(1280, 0.5): 640 ± 18 (one standard deviation); the bound is
	// 5 standard deviations.
	if math.Abs(float64(kept)-float64(total)/2) > 5*math.Sqrt(float64(total)/4) {
		t.Errorf("kept %d of %d at rate 0.5", kept, total)
	}
}

// Bug: shuffling switched off (or the same order every epoch). Keras's fit
// reshuffles the samples every epoch by default.
func TestFitReshufflesEveryEpoch(t *testing.T) {
	const n, batch, epochs = 20, 8, 4
	order := func(noShuffle bool) [][]int {
		spy := newSpy()
		m, _ := NewModel("m", Input(3), Dense(1, ""))
		m.Seed = 5
		m.SetDevice(spy)
		m.Compile(SGD(), MeanSquaredError)
		if _, err := m.Fit(ones(n, 3), FitConfig{Epochs: epochs, BatchSize: batch, NoShuffle: noShuffle}); err != nil {
			t.Fatal(err)
		}
		var per [][]int
		for e := 0; e < epochs; e++ {
			var o []int
			for _, b := range spy.batches[e*3 : e*3+3] {
				o = append(o, b...)
			}
			per = append(per, o)
		}
		return per
	}
	identity := fmt.Sprint(order(true)[0])
	for e, o := range order(true) {
		if fmt.Sprint(o) != identity {
			t.Errorf("NoShuffle: epoch %d order %v", e+1, o)
		}
	}
	shuffled := order(false)
	seen := map[string]int{}
	for e, o := range shuffled {
		count := make([]int, n)
		for _, i := range o {
			count[i]++
		}
		for i, c := range count {
			if c != 1 {
				t.Fatalf("epoch %d: sample %d used %d times: %v", e+1, i, c, o)
			}
		}
		key := fmt.Sprint(o)
		if key == identity {
			t.Errorf("epoch %d is not shuffled: %v", e+1, o)
		}
		if prev, ok := seen[key]; ok {
			t.Errorf("epoch %d has epoch %d's order %v: not reshuffled", e+1, prev+1, o)
		}
		seen[key] = e + 1
	}
}

// Bug: the partial last batch weighted as a full one. Keras averages each
// batch's loss over its own rows, and the epoch's loss over all samples.
// One epoch of SGD on a linear model, in float64, against the same steps by
// hand: 6 samples in batches of 4 and 2.
func TestFitPartialLastBatchAveragesItsOwnRows(t *testing.T) {
	m, _ := NewModel("m", Input(2), Dense(1, ""))
	m.SetDevice(gpu.NewCPUOf[float64]())
	m.Compile(SGD(), MeanSquaredError)
	w0 := []float64{0.5, -0.25, 0.125} // kernel (2, 1), bias
	copy(gpu.Host[float64](m.w), w0[:2])
	gpu.Host[float64](m.Layers[0].base().params[1].w)[0] = w0[2]
	d := &Data{N: 6, X: []float32{1, 2, -1, 0.5, 3, -2, 0.25, 1, -1.5, -0.5, 2, 2}, Y: []float32{1, 0, -1, 2, 0.5, -2}}
	spy := []float32{}
	h, err := m.Fit(d, FitConfig{Epochs: 1, BatchSize: 4, NoShuffle: true, OnBatch: func(_, step, _ int) {
		spy = append(spy, float32(step))
	}})
	if err != nil {
		t.Fatal(err)
	}
	// By hand: w -= lr * mean over the batch's rows of d(err²)/dw.
	w := append([]float64(nil), w0...)
	lr := float64(float32(0.01))
	sumLoss := 0.0
	for _, b := range [][2]int{{0, 4}, {4, 6}} {
		var g [3]float64
		for r := b[0]; r < b[1]; r++ {
			x0, x1 := float64(d.X[2*r]), float64(d.X[2*r+1])
			e := w[0]*x0 + w[1]*x1 + w[2] - float64(d.Y[r])
			sumLoss += e * e
			g[0] += 2 * e * x0
			g[1] += 2 * e * x1
			g[2] += 2 * e
		}
		rows := float64(b[1] - b[0])
		for i := range w {
			w[i] -= lr * g[i] / rows
		}
	}
	got := gpu.Host[float64](m.w)
	bias := gpu.Host[float64](m.Layers[0].base().params[1].w)[0]
	for i, v := range []float64{got[0], got[1], bias} {
		// float64 on both sides, lr rounded to float32 on both: the same
		// arithmetic in another order, equal to about 1e-16.
		if math.Abs(v-w[i]) > 1e-12 {
			t.Errorf("weight %d after the epoch = %.15g, by hand %.15g", i, v, w[i])
		}
	}
	// The epoch's metric sums come back through a float32 readback.
	if l := h.History["loss"][0]; math.Abs(l-sumLoss/6) > 1e-6*sumLoss/6 {
		t.Errorf("epoch loss %.15g, want the mean over the 6 samples %.15g", l, sumLoss/6)
	}
	if len(spy) != 2 {
		t.Errorf("%d steps for 6 samples in batches of 4, want 2", len(spy))
	}
}

// The loss scale handed to the device is 1/rows of each batch.
func TestFitLossScaleIsOneOverBatchRows(t *testing.T) {
	spy := newSpy()
	m, _ := NewModel("m", Input(3), Dense(1, ""))
	m.SetDevice(spy)
	m.Compile(SGD(), MeanSquaredError)
	if _, err := m.Fit(ones(10, 3), FitConfig{Epochs: 1, BatchSize: 4}); err != nil {
		t.Fatal(err)
	}
	want := []float32{1. / 4, 1. / 4, 1. / 2}
	if fmt.Sprint(spy.scales) != fmt.Sprint(want) {
		t.Errorf("loss scales %v for batches of 4, 4, 2; want %v", spy.scales, want)
	}
}

// Bugs: EarlyStopping's auto mode minimising accuracy; min_delta applied
// in the wrong direction. Keras: mode "auto" maximises a monitor whose name
// ends in acc/accuracy (or is auc), an improvement must beat the best by
// more than |min_delta| in the monitored direction, and training stops once
// patience epochs in a row did not improve.
func TestEarlyStoppingModesAndMinDelta(t *testing.T) {
	stopsAt := func(es *EarlyStopping, monitor string, values ...float64) int {
		es.Monitor = monitor
		es.OnTrainBegin(nil)
		for e, v := range values {
			if es.OnEpochEnd(nil, e, map[string]float64{monitor: v}) {
				return e
			}
		}
		return -1
	}
	rising := []float64{0.5, 0.6, 0.7, 0.8, 0.9}
	falling := []float64{0.9, 0.8, 0.7, 0.6, 0.5}
	for _, mon := range []string{"val_accuracy", "accuracy", "val_acc", "val_sparse_categorical_accuracy"} {
		if e := stopsAt(&EarlyStopping{Patience: 1}, mon, rising...); e != -1 {
			t.Errorf("auto mode, %s rising every epoch: stopped at epoch %d", mon, e)
		}
		if e := stopsAt(&EarlyStopping{Patience: 1}, mon, falling...); e != 1 {
			t.Errorf("auto mode, %s falling: stopped at epoch %d, want 1", mon, e)
		}
	}
	for _, mon := range []string{"val_loss", "loss", "val_mae", "val_root_mean_squared_error"} {
		if e := stopsAt(&EarlyStopping{Patience: 1}, mon, falling...); e != -1 {
			t.Errorf("auto mode, %s falling every epoch: stopped at epoch %d", mon, e)
		}
		if e := stopsAt(&EarlyStopping{Patience: 1}, mon, rising...); e != 1 {
			t.Errorf("auto mode, %s rising: stopped at epoch %d, want 1", mon, e)
		}
	}
	if e := stopsAt(&EarlyStopping{Patience: 1, Mode: "max"}, "val_loss", rising...); e != -1 {
		t.Errorf("mode max, rising: stopped at epoch %d", e)
	}
	if e := stopsAt(&EarlyStopping{Patience: 1, Mode: "min"}, "val_accuracy", falling...); e != -1 {
		t.Errorf("mode min, falling: stopped at epoch %d", e)
	}
	// min_delta 0.1, minimising: 0.95 and 0.93 are not 0.1 better than 1.0.
	// Its sign does not matter (Keras takes its absolute value).
	for _, d := range []float64{0.1, -0.1} {
		if e := stopsAt(&EarlyStopping{Patience: 2, MinDelta: d}, "val_loss", 1.0, 0.95, 0.93, 0.5); e != 2 {
			t.Errorf("min_delta %g, val_loss 1.0, 0.95, 0.93: stopped at epoch %d, want 2", d, e)
		}
		if e := stopsAt(&EarlyStopping{Patience: 2, MinDelta: d}, "val_loss", 1.0, 0.85, 0.7, 0.55, 0.4); e != -1 {
			t.Errorf("min_delta %g, val_loss falling by 0.15: stopped at epoch %d", d, e)
		}
		if e := stopsAt(&EarlyStopping{Patience: 2, MinDelta: d}, "val_accuracy", 0.5, 0.55, 0.58, 0.9); e != 2 {
			t.Errorf("min_delta %g, val_accuracy 0.5, 0.55, 0.58: stopped at epoch %d, want 2", d, e)
		}
		if e := stopsAt(&EarlyStopping{Patience: 2, MinDelta: d}, "val_accuracy", 0.1, 0.25, 0.4, 0.55); e != -1 {
			t.Errorf("min_delta %g, val_accuracy rising by 0.15: stopped at epoch %d", d, e)
		}
	}
	// Patience counts epochs without improvement: a late improvement resets it.
	if e := stopsAt(&EarlyStopping{Patience: 3}, "val_loss", 1, 1.1, 1.2, 0.9, 1.0, 1.0, 1.0, 1.0); e != 6 {
		t.Errorf("patience 3 after an improvement at epoch 3: stopped at epoch %d, want 6", e)
	}
}

// weightsAfterEpochs fits m and returns its weights at the end of every
// logged epoch, flattened.
func weightsAfterEpochs(t *testing.T, m *Model, d *Data, cfg FitConfig) ([][]float32, *History, error) {
	t.Helper()
	var per [][]float32
	cfg.OnEpoch = func(int, map[string]float64) {
		ws, err := m.Weights()
		if err != nil {
			t.Fatal(err)
		}
		var flat []float32
		for _, l := range ws {
			for _, p := range l {
				flat = append(flat, p...)
			}
		}
		per = append(per, flat)
	}
	h, err := m.Fit(d, cfg)
	return per, h, err
}

func flatWeights(t *testing.T, m *Model) []float32 {
	t.Helper()
	ws, err := m.Weights()
	if err != nil {
		t.Fatal(err)
	}
	var flat []float32
	for _, l := range ws {
		for _, p := range l {
			flat = append(flat, p...)
		}
	}
	return flat
}

func sameWeights(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d weights, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: weight %d is %g, want %g (and maybe more)", what, i, got[i], want[i])
			return
		}
	}
}

// Bug: restore_best_weights restores the wrong epoch's weights (or none).
func TestEarlyStoppingRestoresTheBestEpochsWeights(t *testing.T) {
	m, _ := NewModel("m", Input(4), Dense(16, "relu"), Dense(1, ""))
	m.Seed = 2
	m.Compile(Adam(), MeanSquaredError)
	val := weatherLikeData(40, 9)
	for i := range val.Y {
		val.Y[i] = float32(i%3) * 5 // unrelated to the inputs: val_loss soon stops improving
	}
	es := &EarlyStopping{Patience: 3, RestoreBestWeights: true}
	per, h, err := weightsAfterEpochs(t, m, weatherLikeData(100, 1), FitConfig{Epochs: 300, Validation: val, Callbacks: []Callback{es}})
	if err != nil {
		t.Fatal(err)
	}
	if h.StoppedEpoch < 0 {
		t.Fatal("did not stop early")
	}
	vl := h.History["val_loss"]
	best := 0
	for i, v := range vl {
		if v < vl[best] {
			best = i
		}
	}
	if best == len(vl)-1 || es.BestEpoch != best {
		t.Fatalf("best epoch %d (EarlyStopping says %d) of %d: the test needs a best epoch before the last", best, es.BestEpoch, len(vl))
	}
	sameWeights(t, fmt.Sprintf("after restore_best_weights (best epoch %d of %d)", best, len(vl)), flatWeights(t, m), per[best])
}

// Bug: after a lost device, training goes on from the wrong weights (the
// initial ones, the lost epoch's partial ones) or without the optimizer's
// state. Without shuffling and dropout a fit is deterministic, so every
// epoch's weights of the interrupted fit equal those of an uninterrupted one.
func TestDeviceLostResumesFromLastEpochsWeights(t *testing.T) {
	fit := func(dev gpu.Device) ([][]float32, *History) {
		m, _ := NewModel("m", Input(4), Dense(8, "relu"), Dense(1, ""))
		m.Seed = 4
		m.SetDevice(dev)
		m.Compile(Adam(), MeanSquaredError)
		per, h, err := weightsAfterEpochs(t, m, weatherLikeData(100, 1), FitConfig{Epochs: 5, NoShuffle: true})
		if err != nil {
			t.Fatal(err)
		}
		return per, h
	}
	ref, _ := fit(gpu.NewCPU())
	// Reads: one before training, then two an epoch (Fit's snapshot, then
	// Weights in OnEpoch): the 6th, ending epoch 3, finds the device lost
	// after two good epochs.
	got, h := fit(&lostDevice{Device: gpu.NewCPU(), lostAt: 6})
	if len(got) != 5 || len(h.Notes) == 0 || !strings.Contains(h.Notes[0], "during epoch 3") {
		t.Fatalf("%d epochs logged, notes %q; want 5 epochs and a note on epoch 3", len(got), h.Notes)
	}
	for e := range ref {
		sameWeights(t, fmt.Sprintf("epoch %d", e+1), got[e], ref[e])
	}
}

// Bug: after a NaN loss, Fit keeps the broken weights or restores the wrong
// epoch's. Two good epochs, then a NaN in the third's first step: the
// weights of epoch 2 are kept.
func TestNaNInThirdEpochRestoresSecondEpochsWeights(t *testing.T) {
	spy := newSpy()
	spy.nanAt = 2*4 + 1 // 4 steps an epoch
	m, _ := NewModel("m", Input(4), Dense(8, "relu"), Dense(1, ""))
	m.Seed = 6
	m.SetDevice(spy)
	m.Compile(Adam(), MeanSquaredError)
	per, h, err := weightsAfterEpochs(t, m, weatherLikeData(100, 1), FitConfig{Epochs: 5})
	if !errors.Is(err, ErrNaN) || !strings.Contains(err.Error(), "epoch 3") || !strings.Contains(err.Error(), "the weights of epoch 2 are kept") {
		t.Fatalf("error %v, want ErrNaN in epoch 3 keeping epoch 2's weights", err)
	}
	if len(per) != 2 || len(h.Epochs) != 2 {
		t.Fatalf("%d epochs logged, want 2", len(per))
	}
	sameWeights(t, "after the NaN", flatWeights(t, m), per[1])
}

// Bug: Glorot-uniform limits without the kernel area (Conv2D) or with
// fan-in alone. Keras: U(-limit, limit), limit = sqrt(6/(fan_in+fan_out)),
// fan_in = kh*kw*in_channels, fan_out = kh*kw*filters. Checked by the
// statistics of the drawn weights: their largest magnitude (within 1% of
// the limit below it, never above: each case draws at least 960, so a
// largest one under 0.99·limit has a chance below 0.99^960 ≈ 6e-5) and
// their variance (limit²/3); biases start at zero.
func TestGlorotUniformLimits(t *testing.T) {
	conv := Conv2D(32, [2]int{3, 3}, "relu")
	conv2 := Conv2D(16, [2]int{5, 3}, "")
	conv2.UseBias = true
	cases := []struct {
		name          string
		in            *InputLayer
		layer         Layer
		fanIn, fanOut int
	}{
		{"Dense 300->200", Input(300), Dense(200, "relu"), 300, 200},
		{"Dense 10->100", Input(10), Dense(100, ""), 10, 100},
		{"Conv2D 3x3, 16->32", Input(8, 8, 16), conv, 9 * 16, 9 * 32},
		{"Conv2D 5x3, 4->16", Input(8, 8, 4), conv2, 15 * 4, 15 * 16},
	}
	for _, c := range cases {
		m, err := NewModel("m", c.in, c.layer)
		if err != nil {
			t.Fatal(err)
		}
		m.Seed = 11
		m.Compile(SGD(), MeanSquaredError)
		ws, _ := m.Weights()
		kernel := ws[0][0]
		limit := math.Sqrt(6 / float64(c.fanIn+c.fanOut))
		maxAbs, sq := 0.0, 0.0
		for _, v := range kernel {
			maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
			sq += float64(v) * float64(v)
		}
		variance := sq / float64(len(kernel))
		if maxAbs > limit || maxAbs < 0.99*limit {
			t.Errorf("%s: largest |weight| %.5f, the Glorot limit is %.5f", c.name, maxAbs, limit)
		}
		// The mean of w² over n uniform draws has a relative standard error
		// of sqrt(4/45)/(1/3)/sqrt(n) = 0.894/sqrt(n); allow 6 of them.
		tol := 6 * 0.894 / math.Sqrt(float64(len(kernel)))
		if want := limit * limit / 3; math.Abs(variance-want) > tol*want {
			t.Errorf("%s: weight variance %.6f, Glorot uniform's is %.6f", c.name, variance, want)
		}
		for _, b := range ws[0][1] {
			if b != 0 {
				t.Fatalf("%s: bias starts at %g, Keras's is zeros", c.name, b)
			}
		}
	}
}

// Bug: validation and Evaluate run in training mode (dropout active,
// batch statistics, moving statistics updated). Keras evaluates in
// inference mode: val_loss, Evaluate and the loss of Predict's outputs
// agree, and evaluating changes no weight.
func TestValidationAndEvaluateRunInInferenceMode(t *testing.T) {
	m, _ := NewModel("m", Input(4), BatchNormalization(), Dense(16, "relu"), Dropout(0.5), Dense(1, ""))
	m.Seed = 8
	m.Compile(Adam(), MeanSquaredError)
	val := weatherLikeData(40, 2)
	h, err := m.Fit(weatherLikeData(100, 1), FitConfig{Epochs: 3, Validation: val})
	if err != nil {
		t.Fatal(err)
	}
	before := flatWeights(t, m)
	ev, err := m.Evaluate(val, 32)
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, "after Evaluate", flatWeights(t, m), before)
	// Evaluate runs Fit's validation pass: the same number.
	if last := h.History["val_loss"][2]; ev["loss"] != last {
		t.Errorf("Evaluate loss %.9g, the last epoch's val_loss %.9g", ev["loss"], last)
	}
	pred, err := m.Predict(val, 0)
	if err != nil {
		t.Fatal(err)
	}
	se := 0.0
	for i, p := range pred {
		e := float64(p - val.Y[i])
		se += e * e
	}
	// Predict takes other batch sizes; float32 sums in another order.
	if mse := se / float64(val.N); math.Abs(mse-ev["loss"]) > 1e-5*mse {
		t.Errorf("the MSE of Predict's outputs %.9g, Evaluate's loss %.9g: not both in inference mode", mse, ev["loss"])
	}
}
