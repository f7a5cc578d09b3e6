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
	s, errs := ParseSettings("lesson=weather&epochs=abc&device=tpu&preset=big&lr=-1&kernels=avx")
	if len(errs) != 5 {
		t.Fatalf("want 5 errors, got %v", errs)
	}
	for _, want := range []string{"epochs=", "device=", "preset=", "lr=", "kernels="} {
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

// The address holds the lesson's state: Query writes what differs from
// the defaults, ParseSettings reads it back, a long model included.
func TestQueryRoundTrip(t *testing.T) {
	long := strings.Repeat("Dense(64, activation=\"relu\")\n", 60) + "Dense(1)\n"
	cases := []Settings{
		DefaultSettings("weather"),
		func() Settings {
			s := DefaultSettings("weather")
			s.Device, s.Epochs, s.Batch, s.Patience, s.Restore, s.Optimizer, s.LR, s.Loss, s.Seed = "cpu", 50, 16, 10, true, "rmsprop", 0.0005, "mae", 7
			s.Years, s.Station, s.Target, s.Features, s.Model = 9, "BASEL", "BASEL_precipitation", []string{"BASEL_humidity"}, long
			s.HideAnswers = true
			s.NoWorker, s.Kernels = true, "go"
			return s
		}(),
		func() Settings {
			s := DefaultSettings("cifar")
			s.N, s.TestN, s.Epochs, s.Model = 300, 200, 2, CIFARPresetText("pool")
			return s
		}(),
		func() Settings {
			s := DefaultSettings("cifar")
			s.Model = "Conv2D(8, (3, 3), activation=\"relu\")\nFlatten()\nDense(10)\n"
			return s
		}(),
	}
	for i, want := range cases {
		q := Query(want, DefaultSettings(want.Lesson))
		got, errs := ParseSettings(q)
		if len(errs) > 0 {
			t.Errorf("%d: %s: %v", i, q, errs)
			continue
		}
		if got.Lesson != want.Lesson || got.Device != want.Device || got.Epochs != want.Epochs || got.Batch != want.Batch ||
			got.Patience != want.Patience || got.Restore != want.Restore || got.Optimizer != want.Optimizer || got.LR != want.LR ||
			got.Loss != want.Loss || got.Seed != want.Seed || got.Model != want.Model || got.HideAnswers != want.HideAnswers {
			t.Errorf("%d: %s read back as\n%+v\nwant\n%+v", i, q, got, want)
		}
		if want.Lesson == "weather" && (got.Years != want.Years || got.Station != want.Station || got.Target != want.Target ||
			strings.Join(got.Features, ",") != strings.Join(want.Features, ",")) {
			t.Errorf("%d: %s: data %v %q %q %v", i, q, got.Years, got.Station, got.Target, got.Features)
		}
		if want.Lesson == "cifar" && (got.N != want.N || got.TestN != want.TestN || got.Preset != cifarPreset(want.Model)) {
			t.Errorf("%d: %s: n %d test_n %d preset %q", i, q, got.N, got.TestN, got.Preset)
		}
		if len(q) > 2000 {
			t.Errorf("%d: the address is %d characters: %s", i, len(q), q)
		}
	}
	if q := Query(DefaultSettings("weather"), DefaultSettings("weather")); q != "lesson=weather" {
		t.Errorf("the default weather lesson's address: %s", q)
	}
}

// A damaged mz (cut short, edited, not base64) says so, names the
// parameter, and leaves the lesson's model.
func TestDamagedModelParameter(t *testing.T) {
	good := DeflateModel("Dense(10)\nDense(1)\n")
	for _, v := range []string{good[:len(good)/2], "!!!notbase64", "AAAA", good + "x"} {
		s, errs := ParseSettings("lesson=weather&mz=" + v)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "the model in the link is damaged") || !strings.HasPrefix(errs[0].Error(), "mz=") {
			t.Errorf("mz=%s: errors %v", v, errs)
		}
		if s.Model != DefaultWeatherModel || s.Given["model"] {
			t.Errorf("mz=%s: model %q", v, s.Model)
		}
	}
	if s, errs := ParseSettings("lesson=weather&mz=" + good); len(errs) > 0 || s.Model != "Dense(10)\nDense(1)\n" {
		t.Errorf("the good mz: %q %v", s.Model, errs)
	}
	if s, errs := ParseSettings("lesson=cifar&answers=hide"); len(errs) > 0 || !s.HideAnswers {
		t.Errorf("answers=hide: %v %v", s.HideAnswers, errs)
	}
	if _, errs := ParseSettings("lesson=cifar&answers=maybe"); len(errs) != 1 {
		t.Errorf("answers=maybe: %v", errs)
	}
}

func TestCPUSized(t *testing.T) {
	s, _ := ParseSettings("lesson=cifar")
	CPUSized(&s)
	if s.N != CPUImages || s.Epochs != CPUEpochs {
		t.Errorf("CPU defaults: n %d epochs %d", s.N, s.Epochs)
	}
	s, _ = ParseSettings("lesson=cifar&n=2000&epochs=10")
	CPUSized(&s)
	if s.N != 2000 || s.Epochs != 10 {
		t.Errorf("a link's own n and epochs: n %d epochs %d", s.N, s.Epochs)
	}
}
