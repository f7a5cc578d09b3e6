package nn

import (
	"strings"
	"testing"
)

// The lesson's models (day-2 notes) and the counts Keras printed for them.
func lessonWeather(nodes1, nodes2 int, name string) *Model {
	m, err := NewModel(name, &InputLayer{Shape: Shape{89}, Name: "input"},
		Dense(nodes1, "relu"), Dense(nodes2, "relu"), Dense(1, ""))
	if err != nil {
		panic(err)
	}
	return m
}

func trimLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

func TestSummaryWeatherMatchesKeras(t *testing.T) {
	// Printed by Keras in the lesson (trailing spaces trimmed).
	want := `Model: "weather_prediction_model"
_________________________________________________________________
 Layer (type)                Output Shape              Param #
=================================================================
 input (InputLayer)          [(None, 89)]              0

 dense (Dense)               (None, 100)               9000

 dense_1 (Dense)             (None, 50)                5050

 dense_2 (Dense)             (None, 1)                 51

=================================================================
Total params: 14,101
Trainable params: 14,101
Non-trainable params: 0
_________________________________________________________________`
	got := lessonWeather(100, 50, "weather_prediction_model").Summary()
	if trimLines(got) != want {
		t.Errorf("summary differs from Keras's:\n%s\nwant:\n%s", got, want)
	}
	for _, l := range strings.Split(strings.TrimRight(got, "\n"), "\n")[1:] {
		if !strings.HasPrefix(l, "Total") && !strings.HasPrefix(l, "Trainable") && !strings.HasPrefix(l, "Non-") && len(l) != 65 {
			t.Errorf("line %q is %d wide, Keras's are 65", l, len(l))
		}
	}
}

func TestSummaryBatchNormMatchesKeras(t *testing.T) {
	m, err := NewModel("model_batchnorm", &InputLayer{Shape: Shape{89}, Name: "input"},
		BatchNormalization(), Dense(100, "relu"), Dense(50, "relu"), Dense(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	want := `Model: "model_batchnorm"
_________________________________________________________________
 Layer (type)                Output Shape              Param #
=================================================================
 input (InputLayer)          [(None, 89)]              0

 batch_normalization (BatchN  (None, 89)               356
 ormalization)

 dense (Dense)               (None, 100)               9000

 dense_1 (Dense)             (None, 50)                5050

 dense_2 (Dense)             (None, 1)                 51

=================================================================
Total params: 14,457
Trainable params: 14,279
Non-trainable params: 178
_________________________________________________________________`
	if got := m.Summary(); trimLines(got) != want {
		t.Errorf("summary differs from Keras's:\n%s\nwant:\n%s", got, want)
	}
}

func TestParamCountsMatchKeras(t *testing.T) {
	conv := func(f int) *Conv2DLayer { return Conv2D(f, [2]int{3, 3}, "relu") }
	pool := func() *MaxPool2DLayer { return MaxPooling2D([2]int{2, 2}) }
	cifar := &InputLayer{Shape: Shape{32, 32, 3}}
	noBias := Conv2D(100, [2]int{3, 3}, "")
	noBias.UseBias = false
	cases := []struct {
		name              string
		in                *InputLayer
		layers            []Layer
		total, train, non int
		out               string
	}{
		{"weather", &InputLayer{Shape: Shape{89}}, []Layer{Dense(100, "relu"), Dense(50, "relu"), Dense(1, "")}, 14101, 14101, 0, "(None, 1)"},
		{"small", &InputLayer{Shape: Shape{89}}, []Layer{Dense(10, "relu"), Dense(5, "relu"), Dense(1, "")}, 961, 961, 0, "(None, 1)"},
		{"batchnorm", &InputLayer{Shape: Shape{89}}, []Layer{BatchNormalization(), Dense(100, "relu"), Dense(50, "relu"), Dense(1, "")}, 14457, 14279, 178, "(None, 1)"},
		{"two outputs", &InputLayer{Shape: Shape{89}}, []Layer{Dense(100, "relu"), Dense(50, "relu"), Dense(2, "")}, 14152, 14152, 0, "(None, 2)"},
		// Keras: conv 3*3*3*32+32 = 896; 3*3*32*32+32 = 9248; 28*28*32*10+10 = 250890.
		{"cifar_model_small", cifar, []Layer{conv(32), conv(32), Flatten(), Dense(10, "")}, 896 + 9248 + 250890, 261034, 0, "(None, 10)"},
		// pooling: 896; 15x15 → conv 13x13 = 9248; pool 6x6 → 1152 → Dense 32: 36896; Dense 10: 330.
		{"cifar_pool", cifar, []Layer{conv(32), pool(), conv(32), pool(), Flatten(), Dense(32, "relu"), Dense(10, "")}, 896 + 9248 + 36896 + 330, 47370, 0, "(None, 10)"},
		// dropout model: third conv on 6x6 → 4x4x32 = 512 → Dense 32: 16416.
		{"cifar_model", cifar, []Layer{conv(32), pool(), conv(32), pool(), conv(32), Dropout(0.2), Flatten(), Dense(32, "relu"), Dense(10, "")}, 896 + 9248 + 9248 + 16416 + 330, 36138, 0, "(None, 10)"},
		// Exercise 6: 100 kernels of 3x3x3 without bias.
		{"exercise 6", cifar, []Layer{noBias}, 2700, 2700, 0, "(None, 30, 30, 100)"},
	}
	for _, c := range cases {
		m, err := NewModel(c.name, c.in, c.layers...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		total, train, non := m.CountParams()
		if total != c.total || train != c.train || non != c.non {
			t.Errorf("%s: params %d/%d/%d, Keras has %d/%d/%d", c.name, total, train, non, c.total, c.train, c.non)
		}
		if got := m.OutputShape().String(); got != c.out {
			t.Errorf("%s: output %s, want %s", c.name, got, c.out)
		}
		if !strings.Contains(m.Summary(), "Total params: "+commas(c.total)+"\n") {
			t.Errorf("%s: summary does not say Total params: %s", c.name, commas(c.total))
		}
	}
}

func TestKerasLayerNames(t *testing.T) {
	m, err := NewModel("m", Input(32, 32, 3), Conv2D(8, [2]int{3, 3}, "relu"), MaxPooling2D([2]int{2, 2}),
		Conv2D(8, [2]int{3, 3}, "relu"), MaxPooling2D([2]int{2, 2}), Dropout(0.2), Flatten(), BatchNormalization(), Dense(10, ""))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "dropout", "flatten", "batch_normalization", "dense"}
	for i, l := range m.Layers {
		if l.Name() != want[i] {
			t.Errorf("layer %d named %q, Keras names it %q", i, l.Name(), want[i])
		}
	}
	s := m.Summary()
	for _, frag := range []string{" conv2d (Conv2D)             (None, 30, 30, 8)", " max_pooling2d (MaxPooling2D  (None, 15, 15, 8)", " flatten (Flatten)           (None, 288)"} {
		if !strings.Contains(s, frag) {
			t.Errorf("summary lacks %q:\n%s", frag, s)
		}
	}
}

func TestShapeErrorsNameTheLayer(t *testing.T) {
	cases := []struct {
		in     *InputLayer
		layers []Layer
		want   string
	}{
		{Input(89), []Layer{Dense(10, "relu"), Conv2D(3, [2]int{3, 3}, "")}, "layer 2 (conv2d) does not fit its input (None, 10)"},
		{Input(4, 4, 3), []Layer{Conv2D(3, [2]int{5, 5}, "")}, "larger than its 4x4 input"},
		{Input(89), []Layer{Dense(10, "swish")}, `unknown activation "swish"`},
		{Input(89), []Layer{Dropout(1.5)}, "rate must be in [0, 1)"},
		{Input(8, 8, 3), []Layer{Conv2D(3, [2]int{3, 3}, "")}, ""},
	}
	for _, c := range cases {
		_, err := NewModel("m", c.in, c.layers...)
		if c.want == "" {
			if err != nil {
				t.Errorf("unexpected error %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
	}
}
