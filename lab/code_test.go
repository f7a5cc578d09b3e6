package lab

import (
	"strings"
	"testing"

	"nnlab/keras"
	"nnlab/nn"
)

// SettingsFromCode takes compile's and fit's settings as the page does and
// says in notes what the lab does instead of the rest.
func TestSettingsFromCode(t *testing.T) {
	src := `inputs = keras.Input(shape=(10,))
x = keras.layers.Dense(4, activation='relu')(inputs)
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs, name="tiny")
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.005, momentum=0.9, nesterov=True), loss='mae')
es = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
model.fit(X_train, y_train, batch_size=16, epochs=7, validation_split=0.2, callbacks=[es])
`
	p, err := keras.Run(src, keras.WeatherEnv(89, 1, 767, 164, 165))
	if err != nil {
		t.Fatal(err)
	}
	cs, notes, err := SettingsFromCode(p, "weather", nn.Shape{89})
	if err != nil {
		t.Fatal(err)
	}
	if cs.Name != "tiny" || len(cs.Layers) != 2 || cs.Optimizer != "sgd" || cs.LR != 0.005 || cs.Momentum != 0.9 || cs.Loss != "mae" ||
		cs.BatchSize != 16 || cs.Epochs != 7 || cs.Patience != 3 || !cs.Restore {
		t.Errorf("settings %+v", cs)
	}
	var text []string
	for _, n := range notes {
		text = append(text, n.Msg)
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"the code's input has shape (10,), the lesson's data give (89,)", "nesterov=True", "validation_split=0.2: the lab has no such setting; it validates on X_val"} {
		if !strings.Contains(all, want) {
			t.Errorf("notes lack %q:\n%s", want, all)
		}
	}
	var c WeatherConfig
	cs.Weather(&c)
	m, err := WeatherModel(c, 89, 1)
	if err != nil {
		t.Fatal(err)
	}
	if total, _, _ := m.CountParams(); m.Name != "tiny" || total != 89*4+4+5 {
		t.Errorf("model %q with %d params", m.Name, total)
	}
	if CodeLesson(src) != "weather" || CodeLesson("x = train_images / 255.0") != "cifar" {
		t.Errorf("CodeLesson guessed wrong")
	}
}
