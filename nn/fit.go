package nn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"nnlab/gpu"
)

// Data is a set of samples: inputs X (or XBytes scaled by Scale, for
// images kept as bytes) of N samples of the model's input shape, and targets
// Y: N*outputs values for regression and one-hot labels, or N class indices
// for sparse labels.
type Data struct {
	X      []float32
	XBytes []uint8
	Scale  float32 // XBytes are multiplied by Scale (e.g. 1/255)
	Y      []float32
	N      int
}

// FitConfig holds model.fit's arguments.
type FitConfig struct {
	BatchSize  int // default 32
	Epochs     int // default 1
	Validation *Data
	NoShuffle  bool // Keras shuffles the training data every epoch by default
	Callbacks  []Callback
	// Verbose, if not nil, gets Keras's verbose=2 progress: one line an epoch.
	Verbose io.Writer
	// Context stops training between steps when it is cancelled (the Stop
	// button); Fit then returns the history so far with Stopped set.
	Context context.Context
	// OnBatch, if set, runs after each training step is recorded: the browser
	// uses it to yield to the page.
	OnBatch func(epoch, step, steps int)
	// OnEpoch, if set, gets each epoch's logs as soon as they are known.
	OnEpoch func(epoch int, logs map[string]float64)
}

// History is what model.fit returns: per-epoch logs (loss, metrics, and
// val_ versions with validation data).
type History struct {
	Epochs  []int                // 0-based epoch numbers run
	History map[string][]float64 // e.g. History["val_loss"][epoch]
	Keys    []string             // the keys in Keras's order
	Stopped bool                 // stopped by the Context (the Stop button)
	// StoppedEpoch is the 0-based epoch at which a callback stopped
	// training, or -1.
	StoppedEpoch int
	// Notes are things the learner should know (a device fallback, an early stop).
	Notes []string
	// Seconds is the wall time of the fit.
	Seconds float64
}

// Callback is called by Fit. OnEpochEnd returns true to stop training.
type Callback interface {
	OnTrainBegin(m *Model)
	OnEpochEnd(m *Model, epoch int, logs map[string]float64) (stop bool)
	OnTrainEnd(m *Model, h *History)
}

// workspace holds the device buffers for running batches of up to batch samples.
type workspace struct {
	batch int
	xb    gpu.Buffer   // the batch's inputs (Loss reads the targets in place)
	acts  []gpu.Buffer // output of each layer
	// dxAct[i] is the activation whose derivative layer i folds into its
	// dx; actDone[i] says layer i's own was folded by the next.
	dxAct   []gpu.Act
	actDone []bool
	d0, d1  gpu.Buffer // gradient ping-pong
	scratch gpu.Buffer
}

func (w *workspace) free(dev gpu.Device) {
	if w == nil {
		return
	}
	for _, b := range append([]gpu.Buffer{w.xb, w.d0, w.d1, w.scratch}, w.acts...) {
		if b != nil {
			dev.Free(b)
		}
	}
}

func (m *Model) yCols() int {
	if m.loss.sparse() {
		return 1
	}
	return m.OutputShape().Size()
}

func (m *Model) workspace(batch int) *workspace {
	if m.ws != nil && m.ws.batch >= batch {
		return m.ws
	}
	m.ws.free(m.dev)
	d := m.dev
	w := &workspace{batch: batch}
	w.xb = d.Alloc(batch * m.Input.Shape.Size())
	maxAct, maxScratch := m.Input.Shape.Size(), 1
	for i, l := range m.Layers {
		if reshapes(l) {
			prev := w.xb
			if i > 0 {
				prev = w.acts[i-1]
			}
			w.acts = append(w.acts, prev)
			continue
		}
		w.acts = append(w.acts, d.Alloc(batch*l.base().out.Size()))
		maxAct = max(maxAct, l.base().out.Size())
		maxScratch = max(maxScratch, l.scratch())
	}
	w.dxAct, w.actDone = m.foldedActs()
	w.d0, w.d1 = d.Alloc(batch*maxAct), d.Alloc(batch*maxAct)
	w.scratch = d.Alloc(batch * maxScratch)
	m.ws = w
	return w
}

func (m *Model) newRun(w *workspace, training bool) *run {
	return &run{dev: m.ops, training: training, step: uint32(m.step), seed: uint32(m.Seed), scratch: w.scratch}
}

// forward runs the layers on the n samples in w.xb.
func (m *Model) forward(r *run, w *workspace, n int) gpu.Buffer {
	x := w.xb
	for i, l := range m.Layers {
		if !reshapes(l) {
			l.forward(r, x, w.acts[i], n)
		}
		x = w.acts[i]
	}
	return x
}

// foldedActs decides which activation derivatives fold into the next
// layer's dx kernel: a Dense, MaxPooling2D or Dropout (a dxFuser) after a
// layer that ends with relu, sigmoid or tanh (an actProducer), Flattens
// between them allowed. That kernel then yields the gradient at the
// producer's pre-activation, and the producer skips its own ActivateGrad:
// one kernel fewer.
func (m *Model) foldedActs() (dxAct []gpu.Act, actDone []bool) {
	dxAct, actDone = make([]gpu.Act, len(m.Layers)), make([]bool, len(m.Layers))
	for i, l := range m.Layers {
		if _, ok := l.(dxFuser); !ok {
			continue
		}
		p := i - 1
		for p >= 0 && reshapes(m.Layers[p]) {
			p--
		}
		if p < 0 {
			continue
		}
		if ap, ok := m.Layers[p].(actProducer); ok && ap.outAct() != gpu.Linear {
			dxAct[i], actDone[p] = ap.outAct(), true
		}
	}
	return dxAct, actDone
}

// A reshaper's output is its input read with another shape (Flatten): the
// workspace gives it its input's buffer, and neither pass runs a kernel.
type reshaper interface{ reshapeOnly() }

func reshapes(l Layer) bool {
	_, ok := l.(reshaper)
	return ok
}

// backward propagates the loss gradient in w.d0 through the layers,
// accumulating parameter gradients.
func (m *Model) backward(r *run, w *workspace, n int) {
	dy, dx := w.d0, w.d1
	for i := len(m.Layers) - 1; i >= 0; i-- {
		if reshapes(m.Layers[i]) {
			continue // the gradient passes through unchanged
		}
		x := w.xb
		if i > 0 {
			x = w.acts[i-1]
		}
		var dxi gpu.Buffer
		if i > 0 {
			dxi = dx
		}
		r.dxAct, r.actDone = w.dxAct[i], w.actDone[i]
		m.Layers[i].backward(r, x, w.acts[i], dy, dxi, n)
		dy, dx = dx, dy
	}
}

// trainStep records one optimizer step on the n samples in w.xb, whose
// targets are d's at sample indices idx[off:off+n], and adds the batch's
// metric sums to m.acc[0:AccSlots].
func (m *Model) trainStep(w *workspace, d *devData, off, n int) {
	r := m.newRun(w, true)
	out := m.forward(r, w, n)
	// Every trainable parameter's gradient is overwritten by its layer's
	// backward (the padding between them stays zero from the allocation).
	m.dev.Loss(m.loss.Kind, w.d0, m.acc, 0, out, d.y, d.idx, off, n, m.OutputShape().Size(), 1/float32(n))
	m.backward(r, w, n)
	m.step++
	o := m.opt.OptParams
	o.Step = m.step
	m.dev.Update(o, m.w, m.g, m.s1, m.s2, m.nTrain)
}

// devData is a Data set uploaded to the device once.
type devData struct {
	x, y, idx gpu.Buffer
	n         int
	scale     float32
}

func (m *Model) upload(d *Data) (*devData, error) {
	in, yc := m.Input.Shape.Size(), m.yCols()
	switch {
	case d == nil || d.N <= 0:
		return nil, fmt.Errorf("nn: no samples")
	case d.XBytes == nil && len(d.X) != d.N*in:
		return nil, fmt.Errorf("nn: %d samples of shape %v need %d input values, got %d", d.N, []int(m.Input.Shape), d.N*in, len(d.X))
	case d.XBytes != nil && len(d.XBytes) != d.N*in:
		return nil, fmt.Errorf("nn: %d samples of shape %v need %d input bytes, got %d", d.N, []int(m.Input.Shape), d.N*in, len(d.XBytes))
	case len(d.Y) != d.N*yc:
		return nil, fmt.Errorf("nn: %d samples need %d target values for loss %s and output %s, got %d", d.N, d.N*yc, m.loss.Name, m.OutputShape(), len(d.Y))
	}
	if m.loss.sparse() {
		classes := m.OutputShape().Size()
		for i, v := range d.Y {
			if v < 0 || int(v) >= classes || v != float32(int(v)) {
				return nil, fmt.Errorf("nn: label %d is %g, but the model has %d classes (0..%d)", i, v, classes, classes-1)
			}
		}
	}
	dd := &devData{n: d.N, scale: 1}
	if d.XBytes != nil {
		dd.x = m.dev.UploadBytes(d.XBytes)
		dd.scale = d.Scale
		if dd.scale == 0 {
			dd.scale = 1
		}
	} else {
		dd.x = m.dev.Alloc(len(d.X))
		m.dev.Write(dd.x, 0, d.X)
	}
	dd.y = m.dev.Alloc(len(d.Y))
	m.dev.Write(dd.y, 0, d.Y)
	dd.idx = m.dev.Alloc(d.N)
	seq := make([]float32, d.N)
	for i := range seq {
		seq[i] = float32(i)
	}
	m.dev.Write(dd.idx, 0, seq)
	return dd, nil
}

func (m *Model) freeData(d *devData) {
	if d != nil {
		m.dev.Free(d.x)
		m.dev.Free(d.y)
		m.dev.Free(d.idx)
	}
}

// gather loads the inputs of samples idx[off:off+n] of d into the workspace
// (Loss picks their targets itself).
func (m *Model) gather(w *workspace, d *devData, off, n int) {
	m.dev.Gather(w.xb, d.x, d.idx, off, n, m.Input.Shape.Size(), d.scale)
}

// evalInto records the forward pass over all of d in batches, adding metric
// sums into m.acc[slot:]. It returns false, early, if ctx is cancelled.
func (m *Model) evalInto(ctx context.Context, w *workspace, d *devData, batch, slot int) bool {
	r := m.newRun(w, false)
	for off := 0; off < d.n; off += batch {
		if ctx.Err() != nil {
			return false
		}
		n := min(batch, d.n-off)
		m.gather(w, d, off, n)
		out := m.forward(r, w, n)
		m.dev.Loss(m.loss.Kind, nil, m.acc, slot, out, d.y, d.idx, off, n, m.OutputShape().Size(), 0)
	}
	return true
}

// logs turns metric sums over n samples into Keras's log dict.
func (m *Model) logs(acc []float32, n int, prefix string, into map[string]float64) {
	into[prefix+"loss"] = float64(acc[gpu.AccLoss]) / float64(n)
	cols := m.OutputShape().Size()
	for _, mt := range m.metrics {
		into[prefix+mt.Name] = mt.value(acc, n, cols)
	}
}

func (m *Model) logKeys(val bool) []string {
	keys := []string{"loss"}
	for _, mt := range m.metrics {
		keys = append(keys, mt.Name)
	}
	if val {
		for _, k := range keys[:len(keys):len(keys)] {
			keys = append(keys, "val_"+k)
		}
	}
	return keys
}

type snapshot struct {
	w, s1, s2 []float32
	step      int
}

// snapshot reads the whole state buffer back in one Read: the weights and
// optimizer state (kept on the host so that training can go on elsewhere if
// the device is lost) and the metric sums, returned as acc.
func (m *Model) snapshot() (s *snapshot, acc []float32, err error) {
	o1, o2, oa, size := m.stateLayout()
	all := make([]float32, size)
	if err := m.dev.Read(all, m.state, 0); err != nil {
		return nil, nil, err
	}
	s = &snapshot{w: all[:m.nAll:m.nAll], s1: all[o1 : o1+m.nTrain : o1+m.nTrain], s2: all[o2 : o2+m.nTrain : o2+m.nTrain], step: m.step}
	return s, all[oa : oa+2*gpu.AccSlots], nil
}

// ErrNaN is returned (wrapped) by Fit when the loss stops being a number.
var ErrNaN = errors.New("the loss is not a number")

// Fit trains the model as model.fit does: each epoch shuffles the training
// samples, runs the batches (the last one may be smaller), then evaluates the
// validation data, logs, calls the callbacks and prints progress.
//
// If the device is lost, training continues on the pure-Go device from the
// last completed epoch, and History.Notes says so. If the loss turns NaN,
// the weights of the last good epoch are restored and an error wrapping ErrNaN
// says what to try.
func (m *Model) Fit(train *Data, cfg FitConfig) (*History, error) {
	if !m.Compiled() {
		return nil, fmt.Errorf("nn: call Compile before Fit")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	if cfg.Epochs <= 0 {
		cfg.Epochs = 1
	}
	if train != nil && train.N > 0 {
		// Keras clamps the batch to the samples: a batch_size of a billion
		// over 766 days is one batch of 766, and the workspace is sized so.
		cfg.BatchSize = min(cfg.BatchSize, train.N)
	}
	if err := m.checkRunBudget("fit", cfg.BatchSize, train, cfg.Validation); err != nil {
		return nil, err
	}
	ctx := cfg.Context
	if ctx == nil {
		ctx = context.Background()
	}
	h := &History{History: map[string][]float64{}, Keys: m.logKeys(cfg.Validation != nil), StoppedEpoch: -1}
	start := time.Now()
	defer func() { h.Seconds = time.Since(start).Seconds() }()

	var tr, va *devData
	setup := func() error {
		var err error
		if tr, err = m.upload(train); err != nil {
			return err
		}
		if cfg.Validation != nil {
			if va, err = m.upload(cfg.Validation); err != nil {
				return fmt.Errorf("%w (validation data)", err)
			}
		}
		return nil
	}
	if err := setup(); err != nil {
		return nil, err
	}
	defer func() { m.freeData(tr); m.freeData(va) }()

	for _, cb := range cfg.Callbacks {
		cb.OnTrainBegin(m)
	}
	shuffle := newRNG(m.Seed ^ 0x5851f42d4c957f2d)
	perm := make([]float32, train.N)
	for i := range perm {
		perm[i] = float32(i)
	}
	steps := (train.N + cfg.BatchSize - 1) / cfg.BatchSize
	last, _, err := m.snapshot()
	if err != nil {
		return nil, err
	}

	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		if cfg.Verbose != nil {
			fmt.Fprintf(cfg.Verbose, "Epoch %d/%d\n", epoch+1, cfg.Epochs)
		}
		t0 := time.Now()
		if !cfg.NoShuffle {
			for i := len(perm) - 1; i > 0; i-- {
				j := shuffle.intn(i + 1)
				perm[i], perm[j] = perm[j], perm[i]
			}
			m.dev.Write(tr.idx, 0, perm)
		}
		w := m.workspace(cfg.BatchSize)
		m.dev.Fill(m.acc, 0, 2*gpu.AccSlots)
		stopped := false
		for s := 0; s < steps; s++ {
			if ctx.Err() != nil {
				stopped = true
				break
			}
			off := s * cfg.BatchSize
			n := min(cfg.BatchSize, train.N-off)
			m.gather(w, tr, off, n)
			m.trainStep(w, tr, off, n)
			if cfg.OnBatch != nil {
				cfg.OnBatch(epoch, s+1, steps)
			}
		}
		if !stopped && va != nil && !m.evalInto(ctx, w, va, cfg.BatchSize, gpu.AccSlots) {
			stopped = true // during the validation pass: the epoch is not logged
		}
		if stopped {
			// Keep the weights of the steps taken; the epoch is not logged.
			h.Stopped = true
			h.Notes = append(h.Notes, fmt.Sprintf("stopped during epoch %d", epoch+1))
			if err := m.dev.Sync(); err != nil {
				return h, err
			}
			break
		}
		// The one readback of the epoch: metrics, weights, optimizer state.
		snap, acc, err := m.snapshot()
		if err != nil {
			if !errors.Is(err, gpu.ErrDeviceLost) {
				return h, fmt.Errorf("nn: epoch %d on %s: %w", epoch+1, m.dev.Name(), err)
			}
			// Go on from the last completed epoch on the pure-Go device.
			lost := m.dev.Name()
			m.ws = nil // its buffers went with the device
			tr, va = nil, nil
			m.restoreState(gpu.NewCPU(), last)
			if err := setup(); err != nil {
				return h, err
			}
			note := fmt.Sprintf("the GPU device (%s) was lost during epoch %d: training goes on from epoch %d on %s", lost, epoch+1, epoch, m.dev.Name())
			h.Notes = append(h.Notes, note)
			if cfg.Verbose != nil {
				fmt.Fprintln(cfg.Verbose, note)
			}
			epoch--
			continue
		}
		logs := map[string]float64{}
		m.logs(acc[:gpu.AccSlots], train.N, "", logs)
		if va != nil {
			m.logs(acc[gpu.AccSlots:], va.n, "val_", logs)
		}
		if nanGuard(logs["loss"]) {
			m.restoreState(m.dev, last)
			kept := fmt.Sprintf("the weights of epoch %d are kept", epoch)
			if epoch == 0 {
				kept = "the weights from before it are kept"
			}
			return h, fmt.Errorf("nn: epoch %d: %w (%v); %s. Try a lower learning rate, scaling the inputs, or batch normalization", epoch+1, ErrNaN, logs["loss"], kept)
		}
		last = snap
		dt := time.Since(t0)
		if cfg.Verbose != nil {
			fmt.Fprintf(cfg.Verbose, "%d/%d - %s", steps, steps, kerasSeconds(dt))
			for _, k := range h.Keys {
				fmt.Fprintf(cfg.Verbose, " - %s: %.4f", k, logs[k])
			}
			fmt.Fprintf(cfg.Verbose, " - %s/epoch - %s/step\n", kerasDuration(dt), kerasDuration(dt/time.Duration(steps)))
		}
		h.Epochs = append(h.Epochs, epoch)
		for _, k := range h.Keys {
			h.History[k] = append(h.History[k], logs[k])
		}
		if cfg.OnEpoch != nil {
			cfg.OnEpoch(epoch, logs)
		}
		stop := false
		for _, cb := range cfg.Callbacks {
			if cb.OnEpochEnd(m, epoch, logs) {
				stop = true
			}
		}
		if stop {
			h.StoppedEpoch = epoch
			break
		}
	}
	for _, cb := range cfg.Callbacks {
		cb.OnTrainEnd(m, h)
	}
	if h.StoppedEpoch >= 0 && cfg.Verbose != nil {
		fmt.Fprintf(cfg.Verbose, "Epoch %d: early stopping\n", h.StoppedEpoch+1)
	}
	return h, m.dev.Sync()
}

func kerasSeconds(d time.Duration) string { return fmt.Sprintf("%.0fs", math.Floor(d.Seconds())) }

// kerasDuration prints a time as Keras's progress bar does: 25ms, 1s, 120us.
func kerasDuration(d time.Duration) string {
	switch s := d.Seconds(); {
	case s >= 1:
		return fmt.Sprintf("%.0fs", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.0fms", s*1e3)
	default:
		return fmt.Sprintf("%.0fus", s*1e6)
	}
}

// Evaluate returns the loss and metrics over d, as model.evaluate(...,
// return_dict=True) does, with batches of batchSize (Keras's default is 32).
func (m *Model) Evaluate(d *Data, batchSize int) (map[string]float64, error) {
	if !m.Compiled() {
		return nil, fmt.Errorf("nn: call Compile before Evaluate")
	}
	if batchSize <= 0 {
		batchSize = 32
	}
	if d != nil && d.N > 0 {
		batchSize = min(batchSize, d.N)
	}
	if err := m.checkRunBudget("evaluate", batchSize, d); err != nil {
		return nil, err
	}
	dd, err := m.upload(d)
	if err != nil {
		return nil, err
	}
	defer m.freeData(dd)
	w := m.workspace(batchSize)
	m.dev.Fill(m.acc, 0, 2*gpu.AccSlots)
	m.evalInto(context.Background(), w, dd, batchSize, gpu.AccSlots)
	acc := make([]float32, gpu.AccSlots)
	if err := m.dev.Read(acc, m.acc, gpu.AccSlots); err != nil {
		return nil, err
	}
	logs := map[string]float64{}
	m.logs(acc, d.N, "", logs)
	return logs, nil
}

// Predict returns the model's outputs for the inputs of d (Y may be nil),
// N × outputs values, computed in batches of at least batchSize (default 32).
func (m *Model) Predict(d *Data, batchSize int) ([]float32, error) {
	if m.dev == nil {
		return nil, fmt.Errorf("nn: call Compile before Predict")
	}
	if batchSize <= 0 {
		batchSize = 32
	}
	in := m.Input.Shape.Size()
	if (d.XBytes == nil && len(d.X) != d.N*in) || (d.XBytes != nil && len(d.XBytes) != d.N*in) {
		return nil, fmt.Errorf("nn: Predict: %d samples of shape %v need %d input values", d.N, []int(m.Input.Shape), d.N*in)
	}
	// Inference does not depend on the batch size, so take batches as large
	// as about 8 MB a buffer allows: one readback a batch.
	per := m.Input.Shape.Size()
	for _, l := range m.Layers {
		per = max(per, l.base().out.Size(), l.scratch())
	}
	batchSize = max(min(max(batchSize, (2<<20)/per), d.N), 1)
	if err := m.checkRunBudget("predict", batchSize, d); err != nil {
		return nil, err
	}
	outSize := m.OutputShape().Size()
	res := make([]float32, d.N*outSize)
	w := m.workspace(batchSize)
	r := m.newRun(w, false)
	var src gpu.Buffer
	scale := float32(1)
	if d.XBytes != nil {
		src, scale = m.dev.UploadBytes(d.XBytes), d.Scale
	} else {
		src = m.dev.Alloc(len(d.X))
		m.dev.Write(src, 0, d.X)
	}
	defer m.dev.Free(src)
	idx := m.dev.Alloc(d.N)
	defer m.dev.Free(idx)
	seq := make([]float32, d.N)
	for i := range seq {
		seq[i] = float32(i)
	}
	m.dev.Write(idx, 0, seq)
	for off := 0; off < d.N; off += batchSize {
		n := min(batchSize, d.N-off)
		m.dev.Gather(w.xb, src, idx, off, n, in, scale)
		out := m.forward(r, w, n)
		if err := m.dev.Read(res[off*outSize:(off+n)*outSize], out, 0); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// ---- callbacks ----

// EarlyStopping is keras.callbacks.EarlyStopping: stop when the monitored
// value has not improved by more than MinDelta for Patience epochs.
type EarlyStopping struct {
	Monitor            string  // default "val_loss"
	MinDelta           float64 // an improvement must be larger than this
	Patience           int
	Mode               string // "min", "max" or "auto" (max for accuracy-like names)
	RestoreBestWeights bool
	Baseline           *float64
	Verbose            io.Writer

	wait      int
	best      float64
	BestEpoch int
}

func (e *EarlyStopping) monitor() string {
	if e.Monitor == "" {
		return "val_loss"
	}
	return e.Monitor
}

func (e *EarlyStopping) maximize() bool {
	switch e.Mode {
	case "max":
		return true
	case "min":
		return false
	}
	mon := e.monitor()
	return len(mon) >= 3 && (mon[len(mon)-3:] == "acc" || (len(mon) >= 8 && mon[len(mon)-8:] == "accuracy") || mon == "auc")
}

func (e *EarlyStopping) improved(cur, ref float64) bool {
	d := math.Abs(e.MinDelta)
	if e.maximize() {
		return cur-d > ref
	}
	return cur+d < ref
}

func (e *EarlyStopping) OnTrainBegin(m *Model) {
	e.wait, e.BestEpoch = 0, 0
	e.best = math.Inf(1)
	if e.maximize() {
		e.best = math.Inf(-1)
	}
	if e.Baseline != nil {
		e.best = *e.Baseline
	}
}

func (e *EarlyStopping) OnEpochEnd(m *Model, epoch int, logs map[string]float64) bool {
	cur, ok := logs[e.monitor()]
	if !ok {
		return false
	}
	if e.RestoreBestWeights && m.best == nil {
		m.saveBest()
	}
	e.wait++
	if e.improved(cur, e.best) {
		e.best, e.BestEpoch = cur, epoch
		if e.RestoreBestWeights {
			m.saveBest()
		}
		e.wait = 0
		return false
	}
	if e.wait >= e.Patience && epoch > 0 {
		if e.RestoreBestWeights && m.best != nil {
			if e.Verbose != nil {
				fmt.Fprintf(e.Verbose, "Restoring model weights from the end of the best epoch: %d.\n", e.BestEpoch+1)
			}
			m.dev.Copy(m.w, m.best, m.nAll)
		}
		return true
	}
	return false
}

func (e *EarlyStopping) OnTrainEnd(m *Model, h *History) {
	if h.StoppedEpoch >= 0 {
		h.Notes = append(h.Notes, fmt.Sprintf("early stopping at epoch %d: %s did not improve for %d epochs (best %.4f at epoch %d)",
			h.StoppedEpoch+1, e.monitor(), e.Patience, e.best, e.BestEpoch+1))
	}
	if m.best != nil {
		m.dev.Free(m.best)
		m.best = nil
	}
}

func (m *Model) saveBest() {
	if m.best == nil {
		m.best = m.dev.Alloc(m.nAll)
	}
	m.dev.Copy(m.best, m.w, m.nAll)
}

func sqrt(v float64) float64 { return math.Sqrt(v) }
