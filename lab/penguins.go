package lab

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/nn"
)

// PenguinsConfig holds the penguins lesson's choices (the workshop's first
// Keras episode). Zero values take the lesson's settings.
type PenguinsConfig struct {
	Features  []string // default the four measurements
	Hidden    int      // units of the hidden Dense layer; default 10
	Epochs    int      // default 100
	BatchSize int      // default 32 (Keras's default; the lesson's fit sets none)
	TestSize  float64  // default 0.2
	// SplitSeed is train_test_split's random_state (the lesson's 0): the
	// same split for everyone in the class.
	SplitSeed uint32
	Optimizer string // default adam
	LR        float64
	// Seed makes weights and shuffling reproducible (the lesson's
	// keras.utils.set_random_seed(2); nnlab's generator is not
	// TensorFlow's, so the same seed gives other weights than Keras).
	Seed     uint64
	DataPath string // explicit CSV path or folder
	// Layers, when given, are the model's layers after the input (the
	// page's model editor), new and not yet built; Name names the model.
	// Nil takes the lesson's network (see [PenguinsModel]).
	Layers []nn.Layer
	Name   string
}

func (c *PenguinsConfig) defaults() {
	if len(c.Features) == 0 {
		c.Features = datasets.PenguinsMeasurements
	}
	if c.Hidden <= 0 {
		c.Hidden = 10
	}
	if c.Epochs <= 0 {
		c.Epochs = 100
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 32
	}
	if c.TestSize == 0 {
		c.TestSize = 0.2
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
}

func (c PenguinsConfig) check() error {
	var ck configChecks
	ck.intMin("hidden units", c.Hidden, 0)
	ck.intMin("epochs", c.Epochs, 0)
	ck.intMin("batch_size", c.BatchSize, 0)
	// 0 takes the default; scikit-learn takes (0, 1).
	ck.rate("test_size", c.TestSize, 0, 1)
	ck.nonNegative("learning_rate", c.LR)
	return ck.err()
}

// PenguinsData is the lesson's data: the file, the prepared table and the split.
type PenguinsData struct {
	Penguins *datasets.Penguins
	Prepared *datasets.PenguinsData
	Split    datasets.Split
}

// LoadPenguinsData loads the CSV and prepares and splits it as the lesson does.
func LoadPenguinsData(c PenguinsConfig) (*PenguinsData, error) {
	p, err := datasets.LoadPenguins(c.DataPath)
	if err != nil {
		return nil, err
	}
	return PreparePenguins(p, c)
}

// PreparePenguins drops the rows with a missing value among species and
// the features, one-hot encodes species (get_dummies) and splits the rows
// with train_test_split(test_size, random_state, stratify=target).
func PreparePenguins(p *datasets.Penguins, c PenguinsConfig) (*PenguinsData, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	c.defaults()
	d, err := p.Prepare(c.Features)
	if err != nil {
		return nil, err
	}
	s, err := d.Split(c.TestSize, c.SplitSeed)
	if err != nil {
		return nil, err
	}
	return &PenguinsData{Penguins: p, Prepared: d, Split: s}, nil
}

// PenguinsModel builds the lesson's network with the functional API:
//
//	inputs = keras.Input(shape=(4,))
//	hidden_layer = keras.layers.Dense(10, activation="relu")(inputs)
//	output_layer = keras.layers.Dense(3, activation="softmax")(hidden_layer)
//	model = keras.Model(inputs=inputs, outputs=output_layer)
//
// 83 parameters for 4 features, 10 hidden units and 3 species.
//
// The output layer is built without its softmax, which [RunPenguins]
// applies to the predictions, and the model is trained with
// CategoricalCrossentropy(from_logits=True). That is what Keras does with
// the lesson's code: its crossentropy, given the output of a softmax
// activation, takes the logits behind it (TensorFlow backend, the
// _keras_logits of the tensor) instead of the clipped probabilities. With
// the lesson's unscaled features (body mass in the thousands of grams) the
// first softmax outputs are 0 and 1, and a crossentropy on clipped
// probabilities passes no gradient at all: nn's CategoricalCrossentropy on a
// softmax layer does that, and the loss never moves.
func PenguinsModel(c PenguinsConfig, features, classes int) (*nn.Model, error) {
	c.defaults()
	return nn.NewModel("", nn.Input(features), nn.Dense(c.Hidden, "relu"), nn.Dense(classes, ""))
}

// penguinsLayersModel builds the model of c.Layers. A last Dense with a
// softmax gives its logits instead, trained from logits for the reason
// [PenguinsModel] gives (the softmax is applied to the predictions); so
// does a last layer without an activation, as Keras would need
// from_logits=True for it. logits says which: otherwise the outputs are
// the probabilities, and the crossentropy takes them clipped, as Keras does.
func penguinsLayersModel(c PenguinsConfig, features, classes int) (m *nn.Model, logits bool, err error) {
	layers := slices.Clone(c.Layers)
	last := layers[len(layers)-1]
	if d, ok := last.(*nn.DenseLayer); ok && (d.Activation == "softmax" || d.Activation == "" || d.Activation == "linear") {
		cp := *d
		cp.Activation = ""
		layers[len(layers)-1] = &cp
		logits = true
	}
	m, err = nn.NewModel(c.Name, nn.Input(features), layers...)
	if err != nil {
		return nil, false, err
	}
	if n := m.OutputShape().Size(); n != classes {
		return nil, false, fmt.Errorf("lab: the model's last layer gives %d outputs, the penguins need %d, one per species (Dense(%d, activation=\"softmax\"))", n, classes, classes)
	}
	return m, logits, nil
}

// PenguinsResult is what a penguins run reports (the --json output and,
// later, the page's result).
type PenguinsResult struct {
	FitReport
	Rows       int                `json:"rows"`        // in the file
	RowsDropNA int                `json:"rows_dropna"` // after dropna
	Samples    Samples            `json:"samples"`     // train and test (no validation)
	Features   []string           `json:"features"`    // the columns used
	Classes    []string           `json:"classes"`     // species, in get_dummies order
	TestCounts []int              `json:"test_counts"` // test penguins per species
	Metrics    map[string]float64 `json:"metrics"`
	// Confusion is scikit-learn's confusion_matrix(true, predicted) on the
	// test set: rows the true species, columns the predicted, in Classes order.
	Confusion [][]int `json:"confusion"`
	// The prediction table: softmax outputs (rows of len(Classes)), the
	// predicted species (idxmax) and the true one, per test penguin.
	TestProbs          []float32 `json:"-"`
	TestPred, TestTrue []int     `json:"-"`
}

// RunPenguins runs the lesson: the model, compile(optimizer="adam",
// loss=CategoricalCrossentropy(), see [PenguinsModel]), fit(X_train, y_train, epochs=100) without
// validation data, then predictions on the test set, accuracy and the
// confusion matrix.
func RunPenguins(ctx context.Context, c PenguinsConfig, dev gpu.Device, data *PenguinsData, hooks Hooks) (*PenguinsResult, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	c.defaults()
	if data == nil {
		var err error
		if data, err = LoadPenguinsData(c); err != nil {
			return nil, err
		}
	}
	s, classes := data.Split, data.Prepared.Classes
	var m *nn.Model
	var err error
	logits := true
	if len(c.Layers) > 0 {
		m, logits, err = penguinsLayersModel(c, s.XTrain.Cols, len(classes))
	} else {
		m, err = PenguinsModel(c, s.XTrain.Cols, len(classes))
	}
	if err != nil {
		return nil, err
	}
	rep, err := setUp(m, c.Seed, dev, optimizer{name: c.Optimizer, lr: c.LR}, hooks, nn.CategoricalCrossentropy(logits))
	if err != nil {
		return nil, err
	}
	defer m.Release()
	res := &PenguinsResult{FitReport: rep, Rows: data.Penguins.Rows(), RowsDropNA: data.Prepared.X.Rows,
		Samples: Samples{Train: s.XTrain.Rows, Test: s.XTest.Rows}, Features: slices.Clone(s.XTrain.Names),
		Classes: slices.Clone(classes), Metrics: map[string]float64{}}
	train, test := matrixData(s.XTrain, s.YTrain), matrixData(s.XTest, s.YTest)
	plan := fitPlan{train: train, batch: c.BatchSize, epochs: c.Epochs, keys: PenguinsLogKeys}
	if _, err := fit(ctx, m, plan, hooks, &res.FitReport); err != nil {
		return res, err
	}
	for _, set := range []struct {
		name string
		d    *nn.Data
		y    *datasets.Matrix
	}{{"train", train, s.YTrain}, {"test", test, s.YTest}} {
		sc, err := scorePenguins(m, logits, set.d, set.y, c.BatchSize)
		if err != nil {
			return res, err
		}
		res.Metrics[set.name+"_loss"] = sc.Loss
		res.Metrics[set.name+"_accuracy"] = sc.Accuracy
		if set.name == "test" {
			res.TestProbs, res.TestPred, res.TestTrue = sc.Probs, sc.Pred, sc.True
		}
	}
	k := len(classes)
	res.Confusion = ConfusionMatrix(res.TestTrue, res.TestPred, k)
	res.TestCounts = make([]int, k)
	for _, y := range res.TestTrue {
		res.TestCounts[y]++
	}
	if never := neverPredicted(res.Confusion, classes); never != "" {
		res.Notes = append(res.Notes, fmt.Sprintf("the model never predicted %s (as in the lesson's own run: the features are not scaled)", never))
	}
	return res, nil
}

// PenguinsScore is a model's predictions on a set of penguins, scored as
// the lesson scores them.
type PenguinsScore struct {
	Loss, Accuracy float64
	Probs          []float32 // softmax outputs, rows of one per species
	Pred, True     []int     // predicted (idxmax) and true species
	Confusion      [][]int   // confusion_matrix(true, predicted)
}

// ScorePenguins predicts the test penguins of d with m, a trained (or
// loaded) model, and scores them as [RunPenguins] does: logits says m
// gives the logits behind the softmax, and the loss is taken from them.
func ScorePenguins(m *nn.Model, logits bool, d *PenguinsData) (*PenguinsScore, error) {
	s := d.Split
	if k := len(d.Prepared.Classes); m.OutputShape().Size() != k || m.Input.Shape.Size() != s.XTest.Cols {
		return nil, fmt.Errorf("the model takes %s and gives %s, the penguins lesson's takes (%d) and gives (%d), one output per species", m.Input.Shape, m.OutputShape(), s.XTest.Cols, k)
	}
	sc, err := scorePenguins(m, logits, matrixData(s.XTest, s.YTest), s.YTest, 0)
	if err != nil {
		return nil, err
	}
	sc.Confusion = ConfusionMatrix(sc.True, sc.Pred, len(d.Prepared.Classes))
	return sc, nil
}

func scorePenguins(m *nn.Model, logits bool, x *nn.Data, y *datasets.Matrix, batch int) (*PenguinsScore, error) {
	out, err := m.Predict(x, batch)
	if err != nil {
		return nil, err
	}
	k := y.Cols
	probs := out
	if logits {
		probs = softmaxRows(out, k)
	}
	sc := &PenguinsScore{Probs: probs}
	correct := 0
	for i := range y.Rows {
		p, t := probs[i*k:(i+1)*k], argmax(y.Row(i))
		pred := argmax(p)
		if pred == t {
			correct++
		}
		if logits {
			sc.Loss -= logSoftmax(out[i*k:(i+1)*k], t)
		} else {
			sc.Loss -= math.Log(min(max(float64(p[t]), 1e-7), 1-1e-7)) // Keras clips by epsilon
		}
		sc.Pred = append(sc.Pred, pred)
		sc.True = append(sc.True, t)
	}
	n := float64(max(y.Rows, 1))
	sc.Loss /= n
	sc.Accuracy = float64(correct) / n
	return sc, nil
}

// neverPredicted names the classes no test penguin was predicted as.
func neverPredicted(conf [][]int, classes []string) string {
	var out []string
	for j, name := range classes {
		n := 0
		for i := range conf {
			n += conf[i][j]
		}
		if n == 0 {
			out = append(out, name)
		}
	}
	return strings.Join(out, ", ")
}

// ClassConfusionTable prints a confusion matrix with class names, true
// species down, predicted across.
func ClassConfusionTable(conf [][]int, classes []string) string {
	w := len("true\\pred")
	for _, c := range classes {
		w = max(w, len(c))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s", w+2, "true\\pred")
	for _, c := range classes {
		fmt.Fprintf(&b, "%*s", len(c)+2, c)
	}
	b.WriteString("\n")
	for i, row := range conf {
		fmt.Fprintf(&b, "%-*s", w+2, classes[i])
		for j, v := range row {
			fmt.Fprintf(&b, "%*d", len(classes[j])+2, v)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// PenguinsSavedActivation is the activation a saved penguins model's last
// Dense gets, so that the file is the model the lesson's (or the
// learner's) Keras code builds: the lesson's network and a last Dense with
// a softmax are trained from their logits (see [PenguinsModel]) and saved
// with the softmax; a last Dense without one stays "linear" (Keras would
// train it with from_logits=True). "" keeps the model as it was trained.
func PenguinsSavedActivation(c PenguinsConfig) (act string, fromLogits bool) {
	if len(c.Layers) == 0 {
		return "softmax", false
	}
	if d, ok := c.Layers[len(c.Layers)-1].(*nn.DenseLayer); ok {
		switch d.Activation {
		case "softmax":
			return "softmax", false
		case "", "linear":
			return "linear", true
		}
	}
	return "", false
}
