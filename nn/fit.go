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
