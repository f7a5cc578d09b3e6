package keras

import (
	"fmt"
	"math"
	"strings"

	"nnlab/gpu"
	"nnlab/nn"
)

// Export writes a model built in the page, with its compile and fit
// settings, as runnable Keras code in the lesson's style (the functional
// API inside a create function, then compile and fit). The data names are
// the lesson's (X_train, y_train, ... or train_images, train_labels, ...).
func Export(m *nn.Model, c CompileSpec, f FitSpec, lesson string) string {
	var b strings.Builder
	b.WriteString("from tensorflow import keras\n")
	if f.EarlyStopping != nil {
		b.WriteString("from tensorflow.keras.callbacks import EarlyStopping\n")
	}
	b.WriteString("\n")
	exportModel(&b, m, c, f, lesson)
	return b.String()
}

// DataPrep is the lesson's data preparation as the page chose it: the
// weather's years, station and target, CIFAR-10's image counts, and the
// seed.
type DataPrep struct {
	Lesson   string  // "weather" or "cifar"
	Years    float64 // weather: nr_rows = 365*Years
	Station  string  // weather: "" all stations
	Target   string  // weather: the column predicted for tomorrow
	N, TestN int     // CIFAR-10: the first N training and TestN test images
	Seed     uint64
}

// weatherURL is the lesson's data file.
const weatherURL = "https://zenodo.org/record/5071376/files/weather_prediction_dataset_light.csv?download=1"

// ExportNotebook is the whole notebook for Jupyter: the imports, the seed,
// the data preparation of the lesson with the page's choices (in the
// notes' words), then Export's model, compile and fit.
func ExportNotebook(d DataPrep, m *nn.Model, c CompileSpec, f FitSpec) string {
	var b strings.Builder
	if d.Lesson == "cifar" {
		b.WriteString("from tensorflow import keras\n")
	} else {
		b.WriteString("import pandas as pd\nfrom sklearn.model_selection import train_test_split\nfrom tensorflow import keras\n")
	}
	if f.EarlyStopping != nil {
		b.WriteString("from tensorflow.keras.callbacks import EarlyStopping\n")
	}
	fmt.Fprintf(&b, "\nkeras.utils.set_random_seed(%d)\n\n", d.Seed)
	if d.Lesson == "cifar" {
		b.WriteString("(train_images, train_labels), (test_images, test_labels) = keras.datasets.cifar10.load_data()\n")
		fmt.Fprintf(&b, "n = %d\ntrain_images = train_images[:n]\ntrain_labels = train_labels[:n]\n", d.N)
		fmt.Fprintf(&b, "test_images = test_images[:%d]\ntest_labels = test_labels[:%d]\n", d.TestN, d.TestN)
		b.WriteString("train_images = train_images / 255.0\ntest_images = test_images / 255.0\n")
		b.WriteString("# The lesson validates on the test set: CIFAR-10 comes as a training and a test set.\n\n")
	} else {
		years := d.Years
		if years <= 0 {
			years = 3
		}
		fmt.Fprintf(&b, "filename = %s\ndata = pd.read_csv(filename)\n", pyStr(weatherURL))
		if rows := 365 * years; rows == float64(int(rows)) && years == float64(int(years)) {
			fmt.Fprintf(&b, "nr_rows = 365*%d\n", int(years))
		} else {
			fmt.Fprintf(&b, "nr_rows = %d  # 365*%g\n", int(math.Round(rows)), years)
		}
		if d.Station != "" {
			fmt.Fprintf(&b, "# station %s only (exercise 4)\n", d.Station)
			fmt.Fprintf(&b, "X_data = data.loc[:nr_rows].drop(columns=['DATE', 'MONTH']).filter(regex=%s)\n", pyStr("^"+d.Station+"_"))
		} else {
			b.WriteString("X_data = data.loc[:nr_rows].drop(columns=['DATE', 'MONTH'])\n")
		}
		target := d.Target
		if target == "" {
			target = "BASEL_sunshine"
		}
		fmt.Fprintf(&b, "y_data = data.loc[1:(nr_rows + 1)][%s]\n\n", pyStr(target))
		b.WriteString("X_train, X_holdout, y_train, y_holdout = train_test_split(X_data, y_data, test_size=0.3, random_state=0)\n")
		b.WriteString("X_val, X_test, y_val, y_test = train_test_split(X_holdout, y_holdout, test_size=0.5, random_state=0)\n\n")
	}
	exportModel(&b, m, c, f, d.Lesson)
	return b.String()
}

// exportModel writes the create function, the model, compile and fit.
func exportModel(b *strings.Builder, m *nn.Model, c CompileSpec, f FitSpec, lesson string) {
	b.WriteString("\ndef create_nn():\n")
	shape := make([]string, len(m.Input.Shape))
	for i, d := range m.Input.Shape {
		shape[i] = fmt.Sprint(d)
	}
	tuple := "(" + strings.Join(shape, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	if m.Input.Name != "" {
		fmt.Fprintf(b, "    inputs = keras.Input(shape=%s, name=%s)\n", tuple, pyStr(m.Input.Name))
	} else {
		fmt.Fprintf(b, "    inputs = keras.Input(shape=%s)\n", tuple)
	}
	prev := "inputs"
	for i, l := range m.Layers {
		out := "x"
		if i == len(m.Layers)-1 {
			out = "outputs"
		}
		fmt.Fprintf(b, "    %s = keras.layers.%s(%s)\n", out, LayerText(l), prev)
		prev = out
	}
	fmt.Fprintf(b, "    return keras.Model(inputs=inputs, outputs=outputs, name=%s)\n\n\n", pyStr(m.Name))
	b.WriteString("model = create_nn()\nmodel.summary()\n\n")
	b.WriteString("model.compile(optimizer=" + optimizerText(c.Optimizer) + ",\n")
	b.WriteString("              loss=" + lossText(c.Loss))
	if len(c.Metrics) > 0 {
		var ms []string
		for _, mt := range c.Metrics {
			ms = append(ms, metricText(mt))
		}
		b.WriteString(",\n              metrics=[" + strings.Join(ms, ", ") + "]")
	}
	b.WriteString(")\n\n")
	var cbs []string
	if es := f.EarlyStopping; es != nil {
		mon := es.Monitor
		if mon == "" {
			mon = "val_loss"
		}
		fmt.Fprintf(b, "earlystopper = EarlyStopping(monitor=%s, patience=%d", pyStr(mon), es.Patience)
		if es.MinDelta != 0 {
			fmt.Fprintf(b, ", min_delta=%g", es.MinDelta)
		}
		if es.Mode != "" && es.Mode != "auto" {
			fmt.Fprintf(b, ", mode=%s", pyStr(es.Mode))
		}
		if es.Baseline != nil {
			fmt.Fprintf(b, ", baseline=%g", *es.Baseline)
		}
		if es.RestoreBestWeights {
			b.WriteString(", restore_best_weights=True")
		}
		b.WriteString(", verbose=1)\n\n")
		cbs = append(cbs, "earlystopper")
	}
	x, y, vx, vy := f.X, f.Y, f.ValX, f.ValY
	if x == "" {
		if lesson == "cifar" {
			x, y, vx, vy = "train_images", "train_labels", "test_images", "test_labels"
		} else if lesson == "penguins" {
			x, y = "X_train", "y_train" // the lesson fits without validation data
		} else {
			x, y, vx, vy = "X_train", "y_train", "X_val", "y_val"
		}
	}
	fmt.Fprintf(b, "history = model.fit(%s, %s,\n", x, y)
	fmt.Fprintf(b, "                    batch_size=%d,\n", f.BatchSize)
	fmt.Fprintf(b, "                    epochs=%d,\n", f.Epochs)
	if vx != "" {
		fmt.Fprintf(b, "                    validation_data=(%s, %s),\n", vx, vy)
	}
	if len(cbs) > 0 {
		fmt.Fprintf(b, "                    callbacks=[%s],\n", strings.Join(cbs, ", "))
	}
	b.WriteString("                    verbose=2)\n")
}

func pyStr(s string) string { return "'" + strings.ReplaceAll(s, "'", "\\'") + "'" }

func optimizerText(o nn.Optimizer) string {
	var def nn.Optimizer
	var cls string
	switch o.Kind {
	case gpu.Adam:
		def, cls = nn.Adam(), "Adam"
	case gpu.SGD:
		def, cls = nn.SGD(), "SGD"
	default:
		def, cls = nn.RMSprop(), "RMSprop"
	}
	var kw []string
	if o.LR != def.LR {
		kw = append(kw, fmt.Sprintf("learning_rate=%g", o.LR))
	}
	if o.Kind == gpu.SGD || (o.Kind == gpu.RMSprop && o.Momentum != 0) {
		if o.Momentum != 0 {
			kw = append(kw, fmt.Sprintf("momentum=%g", o.Momentum))
		}
	}
	if o.Nesterov {
		kw = append(kw, "nesterov=True")
	}
	if o.Kind == gpu.Adam && o.Beta1 != def.Beta1 {
		kw = append(kw, fmt.Sprintf("beta_1=%g", o.Beta1))
	}
	if o.Kind == gpu.Adam && o.Beta2 != def.Beta2 {
		kw = append(kw, fmt.Sprintf("beta_2=%g", o.Beta2))
	}
	if o.Kind == gpu.RMSprop && o.Rho != def.Rho {
		kw = append(kw, fmt.Sprintf("rho=%g", o.Rho))
	}
	if o.Epsilon != def.Epsilon {
		kw = append(kw, fmt.Sprintf("epsilon=%g", o.Epsilon))
	}
	if len(kw) == 0 {
		return pyStr(strings.ToLower(cls))
	}
	return "keras.optimizers." + cls + "(" + strings.Join(kw, ", ") + ")"
}

func lossText(l nn.Loss) string {
	switch l.Kind {
	case gpu.SparseCCEFromLogits:
		return "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"
	case gpu.CategoricalCEFromLogits:
		return "keras.losses.CategoricalCrossentropy(from_logits=True)"
	}
	return pyStr(l.Name)
}

func metricText(m nn.Metric) string {
	if m.Name == "root_mean_squared_error" {
		return "keras.metrics.RootMeanSquaredError()"
	}
	return pyStr(m.Name)
}

// LayerText writes a layer back as a model-editor line (Keras syntax).
func LayerText(l nn.Layer) string {
	switch x := l.(type) {
	case *nn.DenseLayer:
		s := fmt.Sprintf("Dense(%d", x.Units)
		if x.Activation != "" && x.Activation != "linear" {
			s += fmt.Sprintf(", activation=%q", x.Activation)
		}
		if !x.UseBias {
			s += ", use_bias=False"
		}
		return s + ")"
	case *nn.Conv2DLayer:
		s := fmt.Sprintf("Conv2D(%d, (%d, %d)", x.Filters, x.Kernel[0], x.Kernel[1])
		if x.Strides != [2]int{1, 1} && x.Strides != [2]int{} {
			s += fmt.Sprintf(", strides=(%d, %d)", x.Strides[0], x.Strides[1])
		}
		if x.Padding != "" && x.Padding != "valid" {
			s += fmt.Sprintf(", padding=%q", x.Padding)
		}
		if x.Activation != "" && x.Activation != "linear" {
			s += fmt.Sprintf(", activation=%q", x.Activation)
		}
		if !x.UseBias {
			s += ", use_bias=False"
		}
		return s + ")"
	case *nn.MaxPool2DLayer:
		s := fmt.Sprintf("MaxPooling2D((%d, %d)", x.Pool[0], x.Pool[1])
		if x.Strides != [2]int{} && x.Strides != x.Pool {
			s += fmt.Sprintf(", strides=(%d, %d)", x.Strides[0], x.Strides[1])
		}
		if x.Padding != "" && x.Padding != "valid" {
			s += fmt.Sprintf(", padding=%q", x.Padding)
		}
		return s + ")"
	case *nn.DropoutLayer:
		return fmt.Sprintf("Dropout(%g)", x.Rate)
	case *nn.FlattenLayer:
		return "Flatten()"
	case *nn.BatchNormLayer:
		s := "BatchNormalization("
		var kw []string
		if x.Momentum != 0.99 {
			kw = append(kw, fmt.Sprintf("momentum=%g", x.Momentum))
		}
		if x.Epsilon != 1e-3 {
			kw = append(kw, fmt.Sprintf("epsilon=%g", x.Epsilon))
		}
		return s + strings.Join(kw, ", ") + ")"
	case *nn.ActivationLayer:
		return fmt.Sprintf("Activation(%q)", x.Activation)
	}
	return "# unknown layer " + l.Type()
}

// ModelText writes a model's layers as a model-editor text.
func ModelText(layers []nn.Layer) string {
	var b strings.Builder
	for _, l := range layers {
		b.WriteString(LayerText(l) + "\n")
	}
	return b.String()
}
