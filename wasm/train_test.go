package main

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"nnlab/gpu"
	"nnlab/lab"
)

// recordSink keeps what a run reports.
type recordSink struct {
	statuses []string
	views    []Msg
}

func (r *recordSink) status(s string) { r.statuses = append(r.statuses, s) }
func (r *recordSink) view(m Msg)      { r.views = append(r.views, m) }

// lessonJobs are short runs of the three lessons on the real data (skipped
// where the data are not here).
func lessonJobs(t *testing.T) []*trainJob {
	t.Helper()
	fit := func(lesson string) fitSettings {
		d := DefaultSettings(lesson)
		return fitSettings{Optimizer: d.Optimizer, Loss: d.Loss, Batch: d.Batch, Epochs: 2, Seed: 3}
	}
	var jobs []*trainJob
	w := DefaultSettings("weather")
	rs := RunSettings{Lesson: "weather", ModelText: w.Model, ModelName: "weather_prediction_model", Fit: fit("weather"),
		Weather: &WeatherRun{Years: w.Years, Target: w.Target}}
	if cfg, err := rs.weatherConfig(); err != nil {
		t.Fatal(err)
	} else if wd, err := lab.LoadWeatherData(cfg); err == nil {
		jobs = append(jobs, &trainJob{Run: rs, Device: "cpu", Weather: wd})
	} else {
		t.Logf("no weather data here: %v", err)
	}
	p := DefaultSettings("penguins")
	rs = RunSettings{Lesson: "penguins", ModelText: p.Model, ModelName: "model", Fit: fit("penguins")}
	if pd, err := lab.LoadPenguinsData(lab.PenguinsConfig{}); err == nil {
		jobs = append(jobs, &trainJob{Run: rs, Device: "cpu", Penguins: pd})
	} else {
		t.Logf("no penguins data here: %v", err)
	}
	c := DefaultSettings("cifar")
	rs = RunSettings{Lesson: "cifar", ModelText: c.Model, ModelName: "model", Fit: fit("cifar"),
		CIFAR: &CIFARRun{N: 64, TestN: 32, Preset: c.Preset}}
	if cd, err := lab.LoadCIFARData(""); err == nil {
		jobs = append(jobs, &trainJob{Run: rs, Device: "cpu", CIFAR: &lab.CIFARData{Train: cd.Train.Head(64), Test: cd.Test.Head(32)}})
	} else {
		t.Logf("no CIFAR-10 data here: %v", err)
	}
	if len(jobs) == 0 {
		t.Skip("no lesson data here (../shared/data)")
	}
	return jobs
}

// TestTrainJobWire checks that a job sent to the training worker trains as
// it does on the page: a job that went through the wire gives the same
// numbers (same seed, same device), the outcome comes back whole (result,
// error, the trained model and its predictions), and so do the plots'
// messages.
func TestTrainJobWire(t *testing.T) {
	for _, job := range lessonJobs(t) {
		t.Run(job.Run.Lesson, func(t *testing.T) {
			local := &recordSink{}
			out := job.train(context.Background(), gpu.NewCPU(), local, nil)
			if out.Err != "" {
				t.Fatal(out.Err)
			}
			b, err := encodeJob(job)
			if err != nil {
				t.Fatal(err)
			}
			sent, err := decodeJob(b)
			if err != nil {
				t.Fatal(err)
			}
			remote := &recordSink{}
			again := sent.train(context.Background(), gpu.NewCPU(), remote, nil)
			if again.Err != "" {
				t.Fatal(again.Err)
			}
			b, err = encodeOutcome(again)
			if err != nil {
				t.Fatal(err)
			}
			back, err := decodeOutcome(b)
			if err != nil {
				t.Fatal(err)
			}

			want, got := resultJSON(t, out), resultJSON(t, back)
			if want != got {
				t.Errorf("the result through the wire differs:\n got %s\nwant %s", got, want)
			}
			if back.saved == nil || len(back.saved.Weights) != len(out.saved.Weights) {
				t.Fatalf("trained model through the wire: %v", back.saved)
			}
			for i := range out.saved.Weights {
				for j := range out.saved.Weights[i] {
					if a, b := out.saved.Weights[i][j], back.saved.Weights[i][j]; !slices.Equal(a, b) {
						t.Errorf("layer %d weight %d differs through the wire", i, j)
					}
				}
			}
			if len(back.Preds) == 0 || len(back.Preds) != len(out.Preds) {
				t.Errorf("predictions: %d through the wire, %d locally", len(back.Preds), len(out.Preds))
			}
			if len(back.Weights) == 0 {
				t.Error("no epoch weights through the wire")
			}
			if len(remote.views) != len(local.views) || len(remote.views) < 3 {
				t.Fatalf("%d plots' messages through the wire, %d locally", len(remote.views), len(local.views))
			}
			b, err = toGob(&progressPost{Msgs: local.views, Status: "Epoch 2/2"})
			if err != nil {
				t.Fatal(err)
			}
			post, err := decodeProgress(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(post.Msgs) != len(local.views) || post.Status != "Epoch 2/2" {
				t.Fatalf("progress through the wire: %d messages, status %q", len(post.Msgs), post.Status)
			}
			epochs := 0
			for i, m := range local.views {
				j1, _ := json.Marshal(m)
				j2, _ := json.Marshal(post.Msgs[i])
				if string(j1) != string(j2) {
					t.Errorf("message through the wire:\n got %s\nwant %s", j2, j1)
				}
				if m.Kind == MsgEpoch {
					epochs++
				}
			}
			if epochs != 2 {
				t.Errorf("%d epoch messages, want 2", epochs)
			}
		})
	}
}

// resultJSON is the outcome's result as #nnlab-result shows it, without
// the timings.
func resultJSON(t *testing.T, o *runOutcome) string {
	t.Helper()
	r := o.result()
	if r == nil {
		t.Fatal("no result")
	}
	f := r.fit()
	f.TrainSeconds = 0
	var m map[string]any
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"images_per_second", "seconds"} {
		delete(m, k)
	}
	b, _ = json.Marshal(m)
	return string(b)
}

// TestTrainJobErrors: a job the worker cannot read, or one without its
// data, ends in an error that says so, not a crash.
func TestTrainJobErrors(t *testing.T) {
	if _, err := decodeJob([]byte("not a job")); err == nil {
		t.Error("garbage decoded as a job")
	}
	if _, err := decodeOutcome([]byte{1, 2, 3}); err == nil {
		t.Error("garbage decoded as an outcome")
	}
	job := &trainJob{Run: RunSettings{Lesson: "weather", ModelText: DefaultWeatherModel, Weather: &WeatherRun{Years: 3, Target: "BASEL_sunshine"},
		Fit: fitSettings{Optimizer: "adam", Loss: "mse", Batch: 32, Epochs: 1}}}
	out := job.train(context.Background(), gpu.NewCPU(), &recordSink{}, nil)
	if out.Err == "" || out.result() != nil {
		t.Errorf("a job without data: error %q, result %v", out.Err, out.result())
	}
}
