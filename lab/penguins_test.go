package lab

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"nnlab/gpu"
	"nnlab/nn"
)

// The lesson end to end: the counts a learner checks (344 rows, 342 after
// dropna, 273/69, 83 parameters), 100 epochs without validation, and a test
// confusion matrix whose rows hold 30 Adelie, 14 Chinstrap, 25 Gentoo.
func TestPenguinsLessonRuns(t *testing.T) {
	c := PenguinsConfig{Seed: 2}
	res, err := RunPenguins(context.Background(), c, gpu.NewCPU(), nil, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 344 || res.RowsDropNA != 342 || res.Samples != (Samples{Train: 273, Test: 69}) {
		t.Errorf("rows %d, after dropna %d, samples %+v; want 344, 342, 273/69", res.Rows, res.RowsDropNA, res.Samples)
	}
	if res.Params != 83 || res.EpochsRun != 100 || len(res.History["loss"]) != 100 {
		t.Errorf("params %d epochs %d; want 83 and 100", res.Params, res.EpochsRun)
	}
	if _, ok := res.History["val_loss"]; ok {
		t.Error("the lesson fits without validation data, yet there is a val_loss")
	}
	for _, want := range []string{`Model: "model"`, "input_1 (InputLayer)", "dense (Dense)", "(None, 10)", "50", "dense_1 (Dense)", "(None, 3)", "33", "Total params: 83"} {
		if !strings.Contains(res.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.Summary)
		}
	}
	if !slices.Equal(res.Classes, []string{"Adelie", "Chinstrap", "Gentoo"}) || !slices.Equal(res.TestCounts, []int{30, 14, 25}) {
		t.Errorf("classes %v test counts %v", res.Classes, res.TestCounts)
	}
	correct := 0
	for i, row := range res.Confusion {
		n := 0
		for _, v := range row {
			n += v
		}
		if n != res.TestCounts[i] {
			t.Errorf("confusion row %s sums to %d, want %d", res.Classes[i], n, res.TestCounts[i])
		}
		correct += row[i]
	}
	if a := res.Metrics["test_accuracy"]; math.Abs(a-float64(correct)/69) > 1e-12 {
		t.Errorf("test accuracy %v, the confusion matrix's diagonal gives %v", a, float64(correct)/69)
	}
	// Unscaled features make the run vary (the lesson's own got 0.59 and
	// never predicted Chinstrap); better than always saying Adelie (30/69).
	if a := res.Metrics["test_accuracy"]; a < 0.45 || a > 1 {
		t.Errorf("test accuracy %.3f, outside the band [0.45, 1]", a)
	}
	if l := res.History["loss"]; !(l[len(l)-1] < l[0]) {
		t.Errorf("the training loss did not fall: %.3f -> %.3f", l[0], l[len(l)-1])
	}
	if len(res.TestProbs) != 69*3 || len(res.TestPred) != 69 {
		t.Errorf("%d probabilities, %d predictions", len(res.TestProbs), len(res.TestPred))
	}
	for i := range 69 {
		p := res.TestProbs[i*3 : i*3+3]
		if s := p[0] + p[1] + p[2]; math.Abs(float64(s)-1) > 1e-4 || argmax(p) != res.TestPred[i] {
			t.Fatalf("penguin %d: softmax %v, predicted %d", i, p, res.TestPred[i])
		}
	}
}

// Every seed trains: with the lesson's unscaled features the first epoch's
// loss is in the hundreds, and it must fall (a crossentropy on clipped
// softmax outputs kept it flat, one on exp-then-log logits made it +Inf).
// The accuracies are logged (go test -v -run TestPenguinsSeeds ./lab).
func TestPenguinsSeeds(t *testing.T) {
	d, err := LoadPenguinsData(PenguinsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(6) {
		res, err := RunPenguins(context.Background(), PenguinsConfig{Seed: seed}, gpu.NewCPU(), d, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		l := res.History["loss"]
		t.Logf("seed %d: test accuracy %.3f, loss %.1f -> %.3f, confusion %v", seed, res.Metrics["test_accuracy"], l[0], l[len(l)-1], res.Confusion)
		if !(l[len(l)-1] < l[0]/10) {
			t.Errorf("seed %d: the loss fell from %.3f to %.3f only", seed, l[0], l[len(l)-1])
		}
	}
}

func TestPenguinsConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  PenguinsConfig
		want string
	}{
		{PenguinsConfig{TestSize: 1.5}, "test_size must be in [0, 1), got 1.5"},
		{PenguinsConfig{Epochs: -1}, "epochs must be 0 or more, got -1"},
		{PenguinsConfig{Features: []string{"bill_lenght_mm"}}, "did you mean bill_length_mm"},
	} {
		_, err := RunPenguins(context.Background(), c.cfg, gpu.NewCPU(), nil, Hooks{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one containing %q", c.cfg, err, c.want)
		}
	}
}

func TestConfusionTable(t *testing.T) {
	conf := ConfusionMatrix([]int{0, 0, 1, 2, 2}, []int{0, 2, 0, 2, 2}, 3)
	if want := [][]int{{1, 0, 1}, {1, 0, 0}, {0, 0, 2}}; !slices.EqualFunc(conf, want, slices.Equal) {
		t.Errorf("confusion %v, want %v", conf, want)
	}
	got := ClassConfusionTable(conf, []string{"Adelie", "Chinstrap", "Gentoo"})
	want := "true\\pred    Adelie  Chinstrap  Gentoo\nAdelie            1          0       1\nChinstrap         1          0       0\nGentoo            0          0       2\n"
	if got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	if n := neverPredicted(conf, []string{"Adelie", "Chinstrap", "Gentoo"}); n != "Chinstrap" {
		t.Errorf("never predicted %q", n)
	}
}

// The page's model editor gives the lesson's network as layers, ending in
// Dense(3, activation="softmax"): it trains from the logits as the lesson's
// own model does, to the same numbers for the same seed, and the layers
// given are left as they were.
func TestPenguinsEditorLayers(t *testing.T) {
	d, err := LoadPenguinsData(PenguinsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c := PenguinsConfig{Seed: 3, Epochs: 20}
	want, err := RunPenguins(context.Background(), c, gpu.NewCPU(), d, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	out := nn.Dense(3, "softmax")
	c.Layers = []nn.Layer{nn.Dense(10, "relu"), out}
	got, err := RunPenguins(context.Background(), c, gpu.NewCPU(), d, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Activation != "softmax" {
		t.Errorf("the editor's layer was changed: activation %q", out.Activation)
	}
	if got.Params != 83 || !slices.Equal(got.History["loss"], want.History["loss"]) || !slices.Equal(got.TestProbs, want.TestProbs) {
		t.Errorf("editor layers: params %d, losses %v...; the lesson's model: %v...", got.Params, got.History["loss"][:3], want.History["loss"][:3])
	}
	// A last layer that is not one output per species is refused, saying so.
	c.Layers = []nn.Layer{nn.Dense(10, "relu"), nn.Dense(2, "softmax")}
	if _, err := RunPenguins(context.Background(), c, gpu.NewCPU(), d, Hooks{}); err == nil || !strings.Contains(err.Error(), "gives 2 outputs, the penguins need 3") {
		t.Errorf("Dense(2) last: %v", err)
	}
	// Probabilities from a sigmoid are taken as they are (clipped), not
	// through a second softmax.
	c.Layers = []nn.Layer{nn.Dense(10, "relu"), nn.Dense(3, "sigmoid")}
	sig, err := RunPenguins(context.Background(), c, gpu.NewCPU(), d, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	notOne := 0
	for i := range len(sig.TestProbs) / 3 {
		p := sig.TestProbs[i*3 : i*3+3]
		if math.Abs(float64(p[0]+p[1]+p[2])-1) > 1e-3 {
			notOne++
		}
	}
	if notOne == 0 {
		t.Errorf("sigmoid outputs all sum to 1: a softmax was applied to them (%v)", sig.TestProbs[:3])
	}
}
