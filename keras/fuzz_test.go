package keras

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"nnlab/nn"
)

// FuzzRun feeds the code interpreter and the model editor's reader any
// text, seeded with the lesson's code blocks and the hostile inputs of
// hostile_test.go (at small sizes). It fails on a panic (which the exported
// functions turn into a "bug in nnlab" error), on work past the step limit,
// and on allocating more than a bound linear in the text: quadratic or
// exponential work shows there long before it shows in time.
//
//	go test ./keras -run '^$' -fuzz FuzzRun -fuzztime 3m
func FuzzRun(f *testing.F) {
	files, _ := filepath.Glob("testdata/lesson/*.py")
	for _, fn := range files {
		b, err := os.ReadFile(fn)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, c := range hostileCases {
		f.Add(c.src(min(c.n, 30)))
	}
	// Every construct of the subset, so that mutations start near each.
	f.Add(`from tensorflow.keras.layers import (Dense, Dropout as D,)
import numpy as np, tensorflow as tf
%matplotlib inline
n = X_train.shape[1]
s = X_train.shape[-1:]
a, (b, c) = 1, (2.5e0, 3 // 2 % 7 - -1)
d = X_train.shape[1:] + (1,)
name = "m" 'x' + """y"""
def make(units=10, act='relu'):
    x = inputs = keras.Input(shape=(n,), name=name)
    x = Dense(units * 2, activation=act)(inputs)
    return keras.Model(inputs=inputs, outputs=D(0.5)(x))
m = make(act="tanh")
if n > 3:
    print(n)
model = tf.keras.Sequential([keras.Input((89,)), keras.layers.BatchNormalization(), keras.layers.Dense(8, "relu", use_bias=False)])
model.add(keras.layers.Dropout(rate=0.2))
model.add(keras.layers.Dense(1))
model.summary()
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse", metrics=[keras.metrics.RootMeanSquaredError()])
model.fit(X_train, y_train, epochs=2, batch_size=16, callbacks=[keras.callbacks.EarlyStopping(patience=2)], validation_data=(X_val, y_val))
`)
	// Short ones too: a mutation of a short input lands on what matters.
	for _, s := range []string{
		"n = X_train.shape[1]\n", "t = (1, 2, 3)\nx = t[1:2]\ny = t[-1]\n", "x = 'a' 'b' + 'c'\n", "a, b = 1, 2\n",
		"x = -(1 + 2) * 3 // 4 % 5 / 6\n", "def f(a, b=2):\n    return a + b\nx = f(1, b=3)\n", "l = [1, [2, (3,)]]\nl2 = l + l\n",
		"model = keras.Sequential()\nmodel.add(keras.layers.Dense(1, input_shape=(89,)))\nmodel.summary()\n",
		"from tensorflow.keras import layers\nx = layers.Dense(2)\n", "Conv2D(8, 3, strides=(2, 2), padding='same')\nMaxPooling2D()\nFlatten()\nDense(10)\n",
	} {
		f.Add(s)
	}
	f.Add("def f():\n  return f()\nf()")
	f.Add("Dense(10, 'relu')\nDropout(0.5)\n")
	f.Add("x = inputs = keras.Input(shape=(89,))\nx = keras.layers.Dense(3)(x)\nm = keras.Model(inputs, x)\nm.summary()\nm.fit(X_train, y_train, epochs=2, validation_data=(X_val, y_val))\n")
	f.Fuzz(func(t *testing.T, src string) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		check := func(what string, err error) {
			if err != nil && strings.Contains(err.Error(), "this is a bug in nnlab") {
				t.Fatalf("%s panics on %q: %v", what, src, err)
			}
			if err != nil && len(err.Error()) > 1000 {
				t.Fatalf("%s gives a message of %d bytes on %q", what, len(err.Error()), src)
			}
		}
		var steps int
		var err error
		var p *Program
		func() {
			defer recoverError(&err, "running the code")
			p, steps, err = run(src, weatherEnv)
		}()
		if p != nil {
			for _, n := range p.Notes {
				if len(n.Msg) > 1000 {
					t.Fatalf("a note of %d bytes on %q", len(n.Msg), src)
				}
			}
		}
		check("Run", err)
		_, err = BuildModel(src, "m", nn.Input(89))
		check("BuildModel", err)
		_, err = BuildModel(src, "m", nn.Input(32, 32, 3))
		check("BuildModel", err)
		runtime.ReadMemStats(&after)
		if steps > MaxSteps+MaxValueSize {
			t.Fatalf("Run took %d steps on %q", steps, src)
		}
		// A run of the code and two builds: the lexer's tokens are at most
		// MaxTokens (10 MB), and the step limit allows some 40 MB of values.
		if alloc, bound := after.TotalAlloc-before.TotalAlloc, uint64(128<<20+256*len(src)); alloc > bound {
			t.Fatalf("%d bytes allocated (bound %d) for %q", alloc, bound, src)
		}
	})
}
