package lab

import (
	"context"
	"math"
	"os"
	"strconv"
	"testing"

	"nnlab/datasets"
	"nnlab/gpu"
)

func weatherData(t testing.TB, c WeatherConfig) *WeatherData {
	d, err := LoadWeatherData(c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The lesson: 200 epochs of 89-100-50-1 overfit (train RMSE well under 1,
// test about 4) next to the 3.88 baseline.
func TestWeatherLessonReproduces(t *testing.T) {
	c := WeatherConfig{}
	res, err := RunWeather(context.Background(), c, gpu.NewCPU(), weatherData(t, c), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Samples != (Samples{767, 164, 165}) || res.Params != 14101 || res.EpochsRun != 200 {
		t.Errorf("samples %+v params %d epochs %d", res.Samples, res.Params, res.EpochsRun)
	}
	m := res.Metrics
	if b := math.Round(m["baseline_test_rmse"]*100) / 100; b != 3.88 {
		t.Errorf("baseline test RMSE %.4f, the lesson prints 3.88", m["baseline_test_rmse"])
	}
	if m["train_rmse"] > 1.2 || m["test_rmse"] < 3.3 || m["test_rmse"] > 4.8 {
		t.Errorf("train RMSE %.2f (lesson 0.65), test RMSE %.2f (lesson 3.92)", m["train_rmse"], m["test_rmse"])
	}
	if len(res.TestPred) != 165 || len(res.TrainPred) != 767 || len(res.Baseline) != 165 {
		t.Errorf("scatter pairs: %d test, %d train", len(res.TestPred), len(res.TrainPred))
	}
	if got := datasets.RMSE(res.TestPred, res.TestTrue); math.Abs(got-m["test_rmse"]) > 1e-3 {
		t.Errorf("RMSE of the predictions %.4f != the reported %.4f", got, m["test_rmse"])
	}
	sameAsLastValidation(t, res)
}

// sameAsLastValidation: the metrics computed from the predictions agree with
// what Fit's last validation pass measured on the device with the same
// weights (model.evaluate's numbers).
func sameAsLastValidation(t *testing.T, res *WeatherResult) {
	t.Helper()
	for _, k := range []string{"loss", "root_mean_squared_error"} {
		h := res.History["val_"+k]
		key := "val_loss"
		if k != "loss" {
			key = "val_rmse"
		}
		if got, want := res.Metrics[key], h[len(h)-1]; math.Abs(got-want) > 1e-5*want {
			t.Errorf("%s %v from the predictions, %v from the last validation", key, got, want)
		}
	}
}

// Batch normalization with early stopping stops early and does better on
// validation than the plain model's last epoch.
func TestWeatherBatchNormEarlyStopping(t *testing.T) {
	plain := WeatherConfig{Epochs: 200}
	bn := WeatherConfig{Epochs: 1000, BatchNorm: true, Patience: 10}
	d := weatherData(t, plain)
	rp, err := RunWeather(context.Background(), plain, gpu.NewCPU(), d, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := RunWeather(context.Background(), bn, gpu.NewCPU(), d, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if rb.Params != 14457 || rb.EpochsRun >= 1000 || rb.EpochsRun < 11 {
		t.Errorf("batchnorm model: params %d, ran %d epochs", rb.Params, rb.EpochsRun)
	}
	if rb.Metrics["val_rmse"] >= rp.Metrics["val_rmse"] {
		t.Errorf("batchnorm + early stopping val RMSE %.2f, plain 200 epochs %.2f", rb.Metrics["val_rmse"], rp.Metrics["val_rmse"])
	}
}

func TestWeatherExercises(t *testing.T) {
	// Exercise 4: BASEL only, 9 years; two targets.
	c := WeatherConfig{Station: "BASEL", Years: 9, Epochs: 3}
	res, err := RunWeather(context.Background(), c, gpu.NewCPU(), nil, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Features != 9 || res.Samples.Train+res.Samples.Val+res.Samples.Test != 365*9+1 {
		t.Errorf("BASEL 9 years: %d features, %+v", res.Features, res.Samples)
	}
	// Exercise 2 (optional): sunshine and precipitation; here with mae.
	c = WeatherConfig{Targets: []string{"BASEL_sunshine", "BASEL_precipitation"}, Epochs: 2, Nodes1: 10, Nodes2: 5, Loss: "mae"}
	res, err = RunWeather(context.Background(), c, gpu.NewCPU(), nil, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Params != 900+55+12 {
		t.Errorf("two outputs: %d params", res.Params)
	}
	sameAsLastValidation(t, res)
}

func TestCIFARShortRunLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a CNN for a while")
	}
	d, err := LoadCIFARData("")
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunCIFAR(context.Background(), CIFARConfig{N: 2000, Epochs: 4, Seed: 1}, gpu.NewCPU(), d, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Params != 36138 || res.Samples.Train != 2000 || res.Samples.Test != 1000 {
		t.Errorf("params %d samples %+v", res.Params, res.Samples)
	}
	// Chance is 10%; four epochs on 2,000 images get well above it.
	if a := res.Metrics["test_accuracy"]; a < 0.25 {
		t.Errorf("test accuracy %.3f after 4 epochs on 2,000 images", a)
	}
	n := 0
	for i := range res.Confusion {
		for j := range res.Confusion[i] {
			n += res.Confusion[i][j]
		}
	}
	if n != 1000 || len(res.TestProbs) != 10000 {
		t.Errorf("confusion matrix counts %d, probabilities %d", n, len(res.TestProbs))
	}
	// The test metrics come from the predictions; the last epoch validated
	// on the same images with the same weights (model.evaluate's numbers).
	last := func(k string) float64 { return res.History[k][len(res.History[k])-1] }
	if a, v := res.Metrics["test_accuracy"], last("val_accuracy"); math.Abs(a-v) > 1e-9 {
		t.Errorf("test accuracy %v from the predictions, %v from the last validation", a, v)
	}
	if l, v := res.Metrics["test_loss"], last("val_loss"); math.Abs(l-v) > 1e-4*v {
		t.Errorf("test loss %v from the predictions, %v from the last validation", l, v)
	}
	if res.Metrics["train_accuracy"] <= 0.1 {
		t.Errorf("train accuracy %v", res.Metrics["train_accuracy"])
	}
}

// A stopped run skips the training set's evaluation when asked, yet still
// predicts the test images with the weights it has.
func TestCIFARStoppedStillPredicts(t *testing.T) {
	d, err := LoadCIFARData("")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	onBatch := func(epoch, step, steps int) {
		if batches++; batches == 3 {
			cancel()
		}
	}
	res, err := RunCIFAR(ctx, CIFARConfig{N: 320, TestN: 100, Epochs: 3, StopSkipsTrainEval: true}, gpu.NewCPU(), d, Hooks{Batch: onBatch})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Metrics["train_accuracy"]; ok {
		t.Errorf("train accuracy evaluated after a stop: %v", res.Metrics)
	}
	if len(res.TestPred) != 100 || res.Metrics["test_loss"] <= 0 {
		t.Errorf("%d test predictions, metrics %v", len(res.TestPred), res.Metrics)
	}
}

// Benchmarks (go test -bench . ./lab): the issues' speed figures, on the
// device NNLAB_DEVICE names (cpu, webgpu; default auto).

func benchDevice(b *testing.B) gpu.Device {
	dev, note, err := gpu.Open("")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("device: %s (%s)", dev.Name(), note)
	return dev
}

// reportSteps reports a WebGPU device's dispatches, passes, submits and
// readbacks per training step, and the pipelines the device compiled.
func reportSteps(b *testing.B, dev gpu.Device, before gpu.WebGPUStats, steps int) {
	w, ok := dev.(*gpu.WebGPU)
	if !ok || steps == 0 {
		return
	}
	s := w.Stats()
	per := func(v, v0 int64) float64 { return float64(v-v0) / float64(steps) }
	b.ReportMetric(per(s.Dispatches, before.Dispatches), "dispatches/step")
	b.ReportMetric(per(s.Passes, before.Passes), "passes/step")
	b.ReportMetric(per(s.Submits, before.Submits), "submits/step")
	b.ReportMetric(per(s.Readbacks, before.Readbacks), "readbacks/step")
	// The pipelines the device compiled, all in its first fit (later fits
	// reuse them), and the time that took.
	b.ReportMetric(float64(s.Pipelines), "pipelines")
	b.ReportMetric(s.CompileSeconds, "compile-s")
}

func stats(dev gpu.Device) gpu.WebGPUStats {
	if w, ok := dev.(*gpu.WebGPU); ok {
		return w.Stats()
	}
	return gpu.WebGPUStats{}
}

// BenchmarkWeather200Epochs is the lesson's job: 200 epochs of 89-100-50-1,
// batch 32, 767 samples, with validation (NNLAB_BENCH_EPOCHS overrides 200).
func BenchmarkWeather200Epochs(b *testing.B) {
	c := WeatherConfig{}
	if e, err := strconv.Atoi(os.Getenv("NNLAB_BENCH_EPOCHS")); err == nil {
		c.Epochs = e
	}
	d := weatherData(b, c)
	dev := benchDevice(b)
	defer dev.Close()
	for i := 0; i < b.N; i++ {
		st := stats(dev)
		res, err := RunWeather(context.Background(), c, dev, d, Hooks{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.TrainSeconds, "fit-s")
		reportSteps(b, dev, st, res.EpochsRun*24)
	}
}

// BenchmarkCIFARDropout trains the dropout model for one epoch on 1,000
// images (NNLAB_BENCH_N), batch 32, and reports images per second and
// GFLOP/s (13.5 MFLOP an image for forward and backward).
func BenchmarkCIFARDropout(b *testing.B) {
	d, err := LoadCIFARData("")
	if err != nil {
		b.Fatal(err)
	}
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("NNLAB_BENCH_N")); err == nil {
		n = v
	}
	dev := benchDevice(b)
	defer dev.Close()
	for i := 0; i < b.N; i++ {
		st := stats(dev)
		res, err := RunCIFAR(context.Background(), CIFARConfig{N: n, TestN: 32, Epochs: 1}, dev, d, Hooks{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.ImagesPerSec, "images/s")
		b.ReportMetric(res.ImagesPerSec*13.5e-3, "GFLOP/s")
		reportSteps(b, dev, st, (n+31)/32)
	}
}
