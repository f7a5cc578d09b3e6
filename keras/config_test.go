package keras

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nnlab/gpu"
	"nnlab/nn"
)

// Configurations compared field by field, as Keras's get_config would show
// them: round trips that compared only Summary() let an activation, a
// padding, a momentum or from_logits change unseen.

// layerConfig is a layer's full configuration with Keras's defaults filled
// in (an empty activation is Keras's None, "linear").
func layerConfig(l nn.Layer) string {
	act := func(a string) string {
		if a == "" || a == "None" {
			return "linear"
		}
		return strings.ToLower(a)
	}
	pad := func(p string) string {
		if p == "" {
			return "valid"
		}
		return strings.ToLower(p)
	}
	switch x := l.(type) {
	case *nn.DenseLayer:
		return fmt.Sprintf("Dense(units=%d, activation=%s, use_bias=%v)", x.Units, act(x.Activation), x.UseBias)
	case *nn.Conv2DLayer:
		s := x.Strides
		if s == [2]int{} {
			s = [2]int{1, 1}
		}
		return fmt.Sprintf("Conv2D(filters=%d, kernel_size=%v, strides=%v, padding=%s, activation=%s, use_bias=%v)",
			x.Filters, x.Kernel, s, pad(x.Padding), act(x.Activation), x.UseBias)
	case *nn.MaxPool2DLayer:
		s := x.Strides
		if s == [2]int{} {
			s = x.Pool
		}
		return fmt.Sprintf("MaxPooling2D(pool_size=%v, strides=%v, padding=%s)", x.Pool, s, pad(x.Padding))
	case *nn.BatchNormLayer:
		return fmt.Sprintf("BatchNormalization(momentum=%g, epsilon=%g)", x.Momentum, x.Epsilon)
	case *nn.DropoutLayer:
		return fmt.Sprintf("Dropout(rate=%g)", x.Rate)
	case *nn.ActivationLayer:
		return fmt.Sprintf("Activation(activation=%s)", act(x.Activation))
	case *nn.FlattenLayer:
		return "Flatten()"
	}
	return "unknown " + l.Type()
}

func modelConfig(m *nn.Model) []string {
	out := []string{fmt.Sprintf("Model(name=%s, input=%v)", m.Name, []int(m.Input.Shape))}
	for _, l := range m.Layers {
		out = append(out, layerConfig(l))
	}
	return out
}

func compileConfig(c *CompileSpec) string {
	o := c.Optimizer
	s := fmt.Sprintf("compile(optimizer=%s(learning_rate=%g", o.Name, o.LR)
	switch o.Kind {
	case gpu.Adam:
		s += fmt.Sprintf(", beta_1=%g, beta_2=%g, epsilon=%g", o.Beta1, o.Beta2, o.Epsilon)
	case gpu.SGD:
		s += fmt.Sprintf(", momentum=%g, nesterov=%v", o.Momentum, o.Nesterov)
	case gpu.RMSprop:
		s += fmt.Sprintf(", rho=%g, momentum=%g, epsilon=%g", o.Rho, o.Momentum, o.Epsilon)
	}
	logits := c.Loss.Kind == gpu.SparseCCEFromLogits || c.Loss.Kind == gpu.CategoricalCEFromLogits
	s += fmt.Sprintf("), loss=%s(from_logits=%v), metrics=[", c.Loss.Name, logits)
	for i, m := range c.Metrics {
		if i > 0 {
			s += ", "
		}
		s += m.Name
	}
	return s + "])"
}

func fitConfig(f *FitSpec) string {
	s := fmt.Sprintf("fit(x=%s, y=%s, batch_size=%d, epochs=%d, validation_data=(%s, %s), validation_split=%g, callbacks=[",
		f.X, f.Y, f.BatchSize, f.Epochs, f.ValX, f.ValY, f.ValidationSplit)
	if es := f.EarlyStopping; es != nil {
		mode := es.Mode
		if mode == "" {
			mode = "auto"
		}
		base := "None"
		if es.Baseline != nil {
			base = fmt.Sprint(*es.Baseline)
		}
		s += fmt.Sprintf("EarlyStopping(monitor=%s, min_delta=%g, patience=%d, mode=%s, baseline=%s, restore_best_weights=%v)",
			es.Monitor, es.MinDelta, es.Patience, mode, base, es.RestoreBestWeights)
	}
	return s + "])"
}

func diffConfigs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d entries, want %d:\n got  %s\n want %s", what, len(got), len(want), strings.Join(got, "\n      "), strings.Join(want, "\n      "))
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s, entry %d:\n got  %s\n want %s", what, i, got[i], want[i])
		}
	}
}

// The lesson's code blocks give exactly Keras's configurations, Keras's
// defaults included: Dense's activation None (linear), BatchNormalization's
// momentum 0.99 and epsilon 1e-3, Adam's lr 1e-3, beta_1 0.9, beta_2 0.999,
// epsilon 1e-7, from_logits False unless given, fit's batch size 32.
func TestLessonBlocksGiveKerasConfigurations(t *testing.T) {
	const (
		adam    = "compile(optimizer=adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07), "
		weather = "Model(name=%s, input=[89])"
		d100    = "Dense(units=100, activation=relu, use_bias=true)"
		d50     = "Dense(units=50, activation=relu, use_bias=true)"
		d1      = "Dense(units=1, activation=linear, use_bias=true)"
		c32     = "Conv2D(filters=32, kernel_size=[3 3], strides=[1 1], padding=valid, activation=relu, use_bias=true)"
		pool2   = "MaxPooling2D(pool_size=[2 2], strides=[2 2], padding=valid)"
		d10     = "Dense(units=10, activation=linear, use_bias=true)"
	)
	es := func(patience int) string {
		return fmt.Sprintf("EarlyStopping(monitor=val_loss, min_delta=0, patience=%d, mode=auto, baseline=None, restore_best_weights=false)", patience)
	}
	cases := []struct {
		file         string
		env          Env
		model        []string
		compile, fit string
	}{
		{"weather_create_nn.py", weatherEnv, []string{fmt.Sprintf(weather, "weather_prediction_model"), d100, d50, d1}, "", ""},
		{"weather_compile_fit.py", weatherEnv, []string{fmt.Sprintf(weather, "weather_prediction_model"), d100, d50, d1},
			adam + "loss=mse(from_logits=false), metrics=[root_mean_squared_error])",
			"fit(x=X_train, y=y_train, batch_size=32, epochs=200, validation_data=(, ), validation_split=0, callbacks=[])"},
		{"weather_validation.py", weatherEnv, []string{fmt.Sprintf(weather, "weather_prediction_model"), d100, d50, d1},
			adam + "loss=mse(from_logits=false), metrics=[root_mean_squared_error])",
			"fit(x=X_train, y=y_train, batch_size=32, epochs=200, validation_data=(X_val, y_val), validation_split=0, callbacks=[])"},
		{"weather_small_earlystopping.py", weatherEnv, []string{fmt.Sprintf(weather, "model_small"),
			"Dense(units=10, activation=relu, use_bias=true)", "Dense(units=5, activation=relu, use_bias=true)", d1},
			adam + "loss=mse(from_logits=false), metrics=[root_mean_squared_error])",
			"fit(x=X_train, y=y_train, batch_size=32, epochs=200, validation_data=(X_val, y_val), validation_split=0, callbacks=[" + es(10) + "])"},
		{"weather_batchnorm.py", weatherEnv, []string{fmt.Sprintf(weather, "model_batchnorm"),
			"BatchNormalization(momentum=0.99, epsilon=0.001)", d100, d50, d1},
			adam + "loss=mse(from_logits=false), metrics=[root_mean_squared_error])",
			"fit(x=X_train, y=y_train, batch_size=32, epochs=1000, validation_data=(X_val, y_val), validation_split=0, callbacks=[" + es(10) + "])"},
		{"cifar_pool.py", cifarEnv, []string{"Model(name=cifar_model_small, input=[32 32 3])", c32, pool2, c32, pool2, "Flatten()",
			"Dense(units=32, activation=relu, use_bias=true)", d10}, "", ""},
		{"cifar_dropout.py", cifarEnv, []string{"Model(name=cifar_model, input=[32 32 3])", c32, pool2, c32, pool2, c32, "Dropout(rate=0.2)", "Flatten()",
			"Dense(units=32, activation=relu, use_bias=true)", d10},
			adam + "loss=sparse_categorical_crossentropy(from_logits=true), metrics=[accuracy])",
			"fit(x=train_images, y=train_labels, batch_size=32, epochs=20, validation_data=(test_images, test_labels), validation_split=0, callbacks=[])"},
	}
	for _, c := range cases {
		src, err := os.ReadFile(filepath.Join("testdata", "lesson", c.file))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Run(string(src), c.env)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		diffConfigs(t, c.file, modelConfig(p.Model), c.model)
		if (p.Compile != nil) != (c.compile != "") || (p.Fit != nil) != (c.fit != "") {
			t.Errorf("%s: compiled %v, fit %v", c.file, p.Compile != nil, p.Fit != nil)
			continue
		}
		if p.Compile != nil {
			diffConfigs(t, c.file, []string{compileConfig(p.Compile)}, []string{c.compile})
		}
		if p.Fit != nil {
			diffConfigs(t, c.file, []string{fitConfig(p.Fit)}, []string{c.fit})
		}
	}
}

// Keras's defaults where the code leaves them out.
func TestKerasDefaultsInCode(t *testing.T) {
	src := `from tensorflow import keras
from tensorflow.keras.callbacks import EarlyStopping
inputs = keras.Input(shape=(89,))
x = keras.layers.BatchNormalization()(inputs)
x = keras.layers.Dense(10)(x)
x = keras.layers.Dense(4, activation=None)(x)
outputs = keras.layers.Activation('softmax')(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer=keras.optimizers.RMSprop(), loss=keras.losses.SparseCategoricalCrossentropy(), metrics=['accuracy'])
model.fit(X_train, y_train, callbacks=[EarlyStopping()])
`
	p, err := Run(src, weatherEnv)
	if err != nil {
		t.Fatal(err)
	}
	diffConfigs(t, "defaults", modelConfig(p.Model)[1:], []string{
		"BatchNormalization(momentum=0.99, epsilon=0.001)",
		"Dense(units=10, activation=linear, use_bias=true)",
		"Dense(units=4, activation=linear, use_bias=true)",
		"Activation(activation=softmax)",
	})
	diffConfigs(t, "defaults", []string{compileConfig(p.Compile), fitConfig(p.Fit)}, []string{
		"compile(optimizer=rmsprop(learning_rate=0.001, rho=0.9, momentum=0, epsilon=1e-07), loss=sparse_categorical_crossentropy(from_logits=false), metrics=[accuracy])",
		"fit(x=X_train, y=y_train, batch_size=32, epochs=1, validation_data=(, ), validation_split=0, callbacks=[EarlyStopping(monitor=val_loss, min_delta=0, patience=0, mode=auto, baseline=None, restore_best_weights=false)])",
	})
	q, err := Run("inputs = keras.Input(shape=(89,))\noutputs = keras.layers.Dense(1)(inputs)\nm = keras.Model(inputs, outputs)\nm.compile(optimizer='sgd', loss='mse')\nm.fit(X_train, y_train)\n", weatherEnv)
	if err != nil {
		t.Fatal(err)
	}
	diffConfigs(t, "sgd defaults", []string{compileConfig(q.Compile), fitConfig(q.Fit)}, []string{
		"compile(optimizer=sgd(learning_rate=0.01, momentum=0, nesterov=false), loss=mse(from_logits=false), metrics=[])",
		"fit(x=X_train, y=y_train, batch_size=32, epochs=1, validation_data=(, ), validation_split=0, callbacks=[])",
	})
}

// text -> model -> Keras export -> model: every layer's configuration and
// the compile and fit settings survive, non-default ones included.
func TestExportRoundTripKeepsEveryConfiguration(t *testing.T) {
	programs := []struct {
		src    string
		env    Env
		lesson string
	}{
		{`inputs = keras.Input(shape=(16, 14, 3), name='images')
x = keras.layers.Conv2D(8, (3, 3), strides=(2, 2), padding='same', activation='sigmoid', use_bias=False)(inputs)
x = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)
x = keras.layers.MaxPooling2D((3, 3), strides=(2, 2), padding='same')(x)
x = keras.layers.Conv2D(4, (2, 3), activation='tanh')(x)
x = keras.layers.MaxPooling2D((2, 2))(x)
x = keras.layers.Dropout(0.3)(x)
x = keras.layers.Flatten()(x)
x = keras.layers.Dense(16, activation='relu', use_bias=False)(x)
x = keras.layers.Dense(10)(x)
outputs = keras.layers.Activation('softmax')(x)
model = keras.Model(inputs=inputs, outputs=outputs, name='roundtrip')
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.8, nesterov=True),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False), metrics=['accuracy'])
model.fit(train_images, train_labels, batch_size=64, epochs=7, validation_data=(test_images, test_labels),
          callbacks=[keras.callbacks.EarlyStopping(monitor='val_accuracy', patience=4, min_delta=0.01, mode='max', restore_best_weights=True)])
`, cifarEnv, "cifar"},
		{`inputs = keras.Input(shape=(89,))
x = keras.layers.Dense(20, activation='tanh')(inputs)
x = keras.layers.Dense(5, 'sigmoid')(x)
outputs = keras.layers.Dense(3)(x)
model = keras.Model(inputs, outputs, name='reg')
model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5, epsilon=1e-6), loss='mae', metrics=['mae'])
model.fit(X_train, y_train, batch_size=16, epochs=3, validation_data=(X_val, y_val),
          callbacks=[keras.callbacks.EarlyStopping(monitor='val_mae', patience=2, baseline=5.0)])
`, weatherEnv, "weather"},
		{`inputs = keras.Input(shape=(89,))
outputs = keras.layers.Dense(4)(inputs)
model = keras.Model(inputs, outputs, name='logits')
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.002, beta_1=0.8, beta_2=0.99, epsilon=1e-4),
              loss=keras.losses.CategoricalCrossentropy(from_logits=True), metrics=['accuracy'])
model.fit(X_train, y_train, epochs=2)
`, weatherEnv, "weather"},
	}
	for i, pr := range programs {
		p, err := Run(pr.src, pr.env)
		if err != nil {
			t.Fatalf("program %d: %v", i+1, err)
		}
		code := Export(p.Model, *p.Compile, *p.Fit, pr.lesson)
		q, err := Run(code, pr.env)
		if err != nil {
			t.Fatalf("program %d: the exported code does not run: %v\n%s", i+1, err, code)
		}
		what := fmt.Sprintf("program %d exported and read back", i+1)
		diffConfigs(t, what, modelConfig(q.Model)[1:], modelConfig(p.Model)[1:])
		diffConfigs(t, what, []string{compileConfig(q.Compile), fitConfig(q.Fit)}, []string{compileConfig(p.Compile), fitConfig(p.Fit)})
		// And through the model editor's text.
		m, err := BuildModel(ModelText(p.Model.Layers), "m", p.Model.Input)
		if err != nil {
			t.Fatalf("program %d: editor text: %v\n%s", i+1, err, ModelText(p.Model.Layers))
		}
		diffConfigs(t, fmt.Sprintf("program %d through the editor text", i+1), modelConfig(m)[1:], modelConfig(p.Model)[1:])
	}
}
