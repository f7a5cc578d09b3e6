package modelfile

import (
	"math"
	"testing"

	"nnlab/nn"
)

// penguinsModel is the penguins lesson's network as lab trains it (its
// last Dense without the softmax, trained from logits), saved as the
// lesson's Keras model with the softmax, and built again: the model the
// files hold. It returns the logits model too.
func penguinsModel(t testing.TB, seed uint64) (saved, logits *nn.Model) {
	t.Helper()
	m, err := nn.NewModel("", &nn.InputLayer{Shape: nn.Shape{4}, Name: "input_1"}, nn.Dense(10, "relu"), nn.Dense(3, ""))
	if err != nil {
		t.Fatal(err)
	}
	m.Seed = seed
	if err := m.Compile(nn.Adam(), nn.CategoricalCrossentropy(true), nn.Accuracy()); err != nil {
		t.Fatal(err)
	}
	s, err := FromModel(m, &Compile{Optimizer: nn.Adam(), Loss: nn.CategoricalCrossentropy(false), Metrics: []nn.Metric{nn.Accuracy()}}, &Lesson{Name: "penguins"})
	if err != nil {
		t.Fatal(err)
	}
	s, err = s.WithOutputActivation("softmax")
	if err != nil {
		t.Fatal(err)
	}
	sm, err := s.Build(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sm.Release(); m.Release() })
	return sm, m
}

// WithOutputActivation gives the trained logits model its softmax (the
// same layers, names and weights), and ForLogits takes it back.
func TestOutputActivation(t *testing.T) {
	sm, lm := penguinsModel(t, 5)
	if sm.Layers[1].Name() != lm.Layers[1].Name() || sm.Layers[1].(*nn.DenseLayer).Activation != "softmax" {
		t.Fatalf("the saved model's last layer is %s (%s), want %s with softmax", sm.Layers[1].Name(), sm.Layers[1].(*nn.DenseLayer).Activation, lm.Layers[1].Name())
	}
	d := inputs(lm, 6)
	logits, probs := predict(t, lm, d), predict(t, sm, d)
	for r := range d.N {
		row := logits[r*3 : r*3+3]
		mx := math.Max(float64(row[0]), math.Max(float64(row[1]), float64(row[2])))
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - mx)
		}
		for j, v := range row {
			if p := math.Exp(float64(v)-mx) / sum; math.Abs(p-float64(probs[r*3+j])) > 1e-6 {
				t.Fatalf("row %d: the softmax model gives %v, softmax of the logits %v", r, probs[r*3:r*3+3], p)
			}
		}
	}
	s, err := FromModel(sm, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.OutputActivation() != "softmax" {
		t.Fatalf("OutputActivation %q", s.OutputActivation())
	}
	ls, ok, err := s.ForLogits()
	if err != nil || !ok {
		t.Fatalf("ForLogits: %v %v", ok, err)
	}
	m, err := ls.Build(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	sameValues(t, "ForLogits", predict(t, m, d), logits)
	// A model ending in another layer than Dense keeps its ending.
	if _, err := (&Saved{Model: namedModelWithActivation(t)}).WithOutputActivation("softmax"); err == nil {
		t.Error("a model ending in an Activation layer got a softmax Dense")
	}
}

func namedModelWithActivation(t *testing.T) *nn.Model {
	m, err := nn.NewModel("act", nn.Input(4), nn.Dense(3, ""), nn.Activation("softmax"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
