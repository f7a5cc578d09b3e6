package main

import (
	"strings"
	"testing"
)

func TestParseSettingsLink(t *testing.T) {
	s, errs := ParseSettings("?lesson=weather&epochs=200&batch=32&device=cpu&autorun=1&years=8&station=BASEL&seed=7&patience=10&restore=1&optimizer=SGD&lr=0.01&model=Dense(10)%5CnDense(1)")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := Settings{Lesson: "weather", Device: "cpu", Autorun: true, Epochs: 200, Batch: 32, Patience: 10,
		Optimizer: "sgd", LR: 0.01, Loss: "mse", Seed: 7, Model: "Dense(10)\nDense(1)", Years: 8, Station: "BASEL",
		Target: "BASEL_sunshine", Features: DefaultSettings("weather").Features}
	if s.Lesson != want.Lesson || s.Device != want.Device || s.Autorun != want.Autorun || s.Epochs != want.Epochs ||
		s.Batch != want.Batch || s.Patience != want.Patience || s.Optimizer != want.Optimizer || s.LR != want.LR ||
		s.Seed != want.Seed || s.Model != want.Model || s.Years != want.Years || s.Station != want.Station || s.Target != want.Target ||
		!s.Restore {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
}

func TestParseSettingsCIFAR(t *testing.T) {
	s, errs := ParseSettings("lesson=cifar&n=256&epochs=1&preset=pool")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if s.N != 256 || s.Epochs != 1 || s.Preset != "pool" || !strings.Contains(s.Model, "MaxPooling2D((2, 2))") {
		t.Errorf("got %+v", s)
	}
	// A model in the link is the user's own, not a preset.
	s, _ = ParseSettings("lesson=cifar&model=Flatten()%0ADense(10)")
	if s.Preset != "" || s.Model != "Flatten()\nDense(10)" {
		t.Errorf("model link: preset %q, model %q", s.Preset, s.Model)
	}
}

func TestParseSettingsErrors(t *testing.T) {
	s, errs := ParseSettings("lesson=weather&epochs=abc&device=tpu&preset=big&lr=-1")
	if len(errs) != 4 {
		t.Fatalf("want 4 errors, got %v", errs)
	}
	for _, want := range []string{"epochs=", "device=", "preset=", "lr="} {
		found := false
		for _, e := range errs {
			found = found || strings.HasPrefix(e.Error(), want)
		}
		if !found {
			t.Errorf("no error about %s in %v", want, errs)
		}
	}
	if s.Epochs != 200 || s.Device != "auto" {
		t.Errorf("bad parameters must keep the defaults: %+v", s)
	}
	if _, errs := ParseSettings("lesson=chess"); len(errs) != 1 {
		t.Errorf("unknown lesson: %v", errs)
	}
}

func TestDefaultModels(t *testing.T) {
	if DefaultSettings("weather").Model != "Dense(100, activation=\"relu\")\nDense(50, activation=\"relu\")\nDense(1)\n" {
		t.Errorf("weather default model: %q", DefaultSettings("weather").Model)
	}
	for _, p := range []string{"small", "pool", "dropout"} {
		if CIFARPresetText(p) == "" {
			t.Errorf("no text for preset %s", p)
		}
	}
	if CIFARPresetText("big") != "" {
		t.Error("unknown preset has text")
	}
}

// The penguins lesson's link: the episode's settings by default (100
// epochs, categorical crossentropy, keras.utils.set_random_seed(2), the
// functional model's layers), the link's over them.
func TestPenguinsSettings(t *testing.T) {
	s, errs := ParseSettings("lesson=penguins&epochs=100&autorun=1&device=webgpu")
	if len(errs) > 0 || s.Lesson != "penguins" || s.Epochs != 100 || !s.Autorun || s.Device != "webgpu" || s.Seed != 2 ||
		s.Loss != "categorical_crossentropy" || s.Model != DefaultPenguinsModel || s.Batch != 32 {
		t.Errorf("%+v %v", s, errs)
	}
	if s, _ := ParseSettings("lesson=penguins&seed=7&epochs=5"); s.Seed != 7 || s.Epochs != 5 {
		t.Errorf("seed %d epochs %d; want the link's 7 and 5", s.Seed, s.Epochs)
	}
	if s, errs := ParseSettings("lesson=palmerpenguins"); len(errs) > 0 || s.Lesson != "penguins" {
		t.Errorf("lesson=palmerpenguins: %q %v", s.Lesson, errs)
	}
	if _, errs := ParseSettings("lesson=chess"); len(errs) != 1 || !strings.Contains(errs[0].Error(), "use weather, cifar or penguins") {
		t.Errorf("unknown lesson: %v", errs)
	}
}
