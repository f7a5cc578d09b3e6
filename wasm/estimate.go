package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"nnlab/gpu"
	"nnlab/nn"
)

// A fit's duration, estimated before Train from a few real training steps
// on the device in use: the time of one step scales with the model, the
// batch size and the device, not with the epochs or the number of samples,
// so one measurement serves every choice of those.

// estimateSteps are the steps measured; the first, which prepares the
// device (uploads, pipelines), is not counted.
const estimateSteps = 6

// measureStep trains m on the first samples of d for estimateSteps steps
// of batch on dev and returns the median time of a step after the first.
// m is compiled with Adam and loss for the measurement: the caller builds a
// model of its own for it, never the one it trains.
func measureStep(ctx context.Context, m *nn.Model, dev gpu.Device, loss nn.Loss, d *nn.Data, batch int) (time.Duration, error) {
	if d.N == 0 || batch <= 0 {
		return 0, errors.New("no data to measure a step on")
	}
	batch = min(batch, d.N)
	n := min(d.N, estimateSteps*batch)
	sub := &nn.Data{N: n, Scale: d.Scale, Y: d.Y[:n*len(d.Y)/d.N]}
	if d.XBytes != nil {
		sub.XBytes = d.XBytes[:n*len(d.XBytes)/d.N]
	} else {
		sub.X = d.X[:n*len(d.X)/d.N]
	}
	if err := m.SetDevice(dev); err != nil {
		return 0, err
	}
	defer m.Release()
	if err := m.Compile(nn.Adam(), loss); err != nil {
		return 0, err
	}
	var times []time.Duration
	last := time.Now()
	h, err := m.Fit(sub, nn.FitConfig{BatchSize: batch, Epochs: 1, NoShuffle: true, Context: ctx,
		OnBatch: func(_, step, _ int) {
			now := time.Now()
			if step > 0 {
				times = append(times, now.Sub(last))
			}
			last = now
		}})
	if err != nil {
		return 0, err
	}
	if h.Stopped {
		return 0, context.Canceled
	}
	if len(times) == 0 { // one step only: count it, preparation and all
		return time.Since(last), nil
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}

// fitTime is the duration of a fit of epochs over train samples, with val
// validation samples, from the time of one step: each epoch runs
// ceil(train/batch) steps and the validation's forward passes, about a
// third of a step's work per batch.
func fitTime(step time.Duration, train, val, batch, epochs int) time.Duration {
	if batch <= 0 {
		return 0
	}
	steps := math.Ceil(float64(train)/float64(batch)) + math.Ceil(float64(val)/float64(batch))/3
	return time.Duration(float64(step) * steps * float64(epochs))
}

// durationText is a duration as a learner reads it: "about 40 s",
// "about 3 min", "about 1 h 20 min"; under a second, "under a second".
func durationText(d time.Duration) string {
	switch s := d.Seconds(); {
	case s < 1:
		return "under a second"
	case s < 90:
		return fmt.Sprintf("about %.0f s", s)
	case s < 3600:
		return fmt.Sprintf("about %.0f min", math.Round(s/60))
	default:
		h := int(s / 3600)
		return fmt.Sprintf("about %d h %d min", h, int(math.Round((s-float64(h)*3600)/60)))
	}
}
