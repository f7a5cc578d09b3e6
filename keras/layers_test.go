package keras

import (
	"strings"
	"testing"

	"nnlab/nn"
)

func TestParseLayersLessonModels(t *testing.T) {
	cases := []struct {
		text  string
		in    *nn.InputLayer
		total int
	}{
		{"Dense(100, activation=\"relu\")\nDense(50, 'relu')\nDense(1)\n", nn.Input(89), 14101},
		{"# the small model\nkeras.layers.Dense(10, 'relu')\n\nkeras.layers.Dense(5, 'relu')  # five\nkeras.layers.Dense(1)", nn.Input(89), 961},
		{"BatchNormalization()\nDense(100, 'relu')\nDense(50, 'relu')\nDense(1)", nn.Input(89), 14457},
		{"Conv2D(32, (3, 3), activation='relu')\nMaxPooling2D((2, 2))\nConv2D(32, (3, 3), activation='relu')\nMaxPooling2D((2, 2))\nConv2D(32, (3, 3), activation='relu')\nDropout(0.2)\nFlatten()\nDense(32, activation='relu')\nDense(10)", nn.Input(32, 32, 3), 36138},
		{"Conv2D(filters=100, kernel_size=3, use_bias=False)", nn.Input(32, 32, 3), 2700},
		{"Conv2D(8, 3,\n       strides=2, padding='same')\nMaxPool2D(pool_size=(3, 3), strides=(2, 2))\nFlatten()\nDense(10, activation='softmax')", nn.Input(32, 32, 3), 8*27 + 8 + 7*7*8*10 + 10},
	}
	for _, c := range cases {
		m, err := BuildModel(c.text, "m", c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.text, err)
		}
		if total, _, _ := m.CountParams(); total != c.total {
			t.Errorf("%q: %d params, want %d", c.text, total, c.total)
		}
		// Round trip through the editor text.
		m2, err := BuildModel(ModelText(m.Layers), "m", c.in)
		if err != nil {
			t.Fatalf("round trip of %q: %v\n%s", c.text, err, ModelText(m.Layers))
		}
		if m.Summary() != m2.Summary() {
			t.Errorf("round trip changed the model:\n%s\n%s", m.Summary(), m2.Summary())
		}
	}
}

func TestParseLayersErrorsNameLineAndColumn(t *testing.T) {
	cases := []struct{ text, want string }{
		{"Dense(10, 'relu')\nDens(5)", "line 2, column 1: unknown layer Dens (did you mean Dense?)"},
		{"Dense(10, activation=relu)", "line 1, column 22: Dense(activation=...): expected a string in quotes"},
		{"Dense(10,\n  activaton='relu')", "line 2, column 3: Dense has no argument \"activaton\""},
		{"Dense(10", "missing \")\""},
		{"Dense()", "line 1, column 1: Dense(units=...): this argument is required"},
		{"Dense(10) Dense(5)", "line 1, column 11: one layer a line"},
		{"Dense(10, 'relu'", "missing"},
		{"Dense(10, 'relu)", "line 1, column 11: this string is not closed"},
		{"Conv2D(32, (3, 3, 3))", "expected two numbers like (3, 3)"},
		{"Dropout('a lot')", "Dropout(rate=...): expected a number"},
		{"Dense(1.5)", "expected a whole number"},
		{"42", "expected a layer such as Dense"},
		{"Dense(10, 'relu')\nFlatten()\nConv2D(4, (3, 3))", "line 3, column 1: conv2d does not fit its input (None, 10)"},
		{"", "the model has no layers"},
	}
	for _, c := range cases {
		_, err := BuildModel(c.text, "m", nn.Input(89))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.text, err, c.want)
		}
	}
}
