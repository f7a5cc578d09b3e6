// Package lab runs the workshop's two lessons end to end — data, model,
// training, evaluation — for the native command and the browser alike.
package lab

import (
	"context"
	"fmt"
	"io"
	"math"

	"nnlab/datasets"
	"nnlab/gpu"
	"nnlab/nn"
)

// WeatherConfig holds the weather lesson's choices. Zero values take the
// lesson's settings.
type WeatherConfig struct {
	Years     float64  // nr_rows = 365*Years; default 3
	Station   string   // "" all stations, "BASEL" exercise 4
	Targets   []string // default BASEL_sunshine
	Nodes1    int      // default 100
	Nodes2    int      // default 50
	BatchNorm bool     // BatchNormalization after the input
	Dropout   float64  // Dropout after each hidden layer when > 0
	Layers    []nn.Layer
	Name      string // the model's name with Layers; default weather_prediction_model
	Epochs    int    // default 200
	BatchSize int    // default 32
	Patience  int    // EarlyStopping(monitor="val_loss") when > 0
	Restore   bool   // restore_best_weights
	Optimizer string // adam (default), sgd, rmsprop
	LR        float64
	Momentum  float64 // sgd and rmsprop
	Loss      string  // mse (default) or mae
	Seed      uint64
	DataPath  string // explicit CSV path or folder
	// Callbacks are called by Fit after the lesson's own (the browser's
	// weight histograms read the model after each epoch).
	Callbacks []nn.Callback
	// FitDone, if set, is called when Fit has returned, before the final
	// evaluation (the page says what it does next).
	FitDone func(h *nn.History)
}

func (c *WeatherConfig) defaults() {
	if c.Years <= 0 {
		c.Years = 3
	}
	if c.Nodes1 <= 0 {
		c.Nodes1 = 100
	}
	if c.Nodes2 <= 0 {
		c.Nodes2 = 50
	}
	if c.Epochs <= 0 {
		c.Epochs = 200
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 32
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
	if c.Loss == "" {
		c.Loss = "mse"
	}
}

// Samples counts the rows of each split.
type Samples struct {
	Train int `json:"train"`
	Val   int `json:"val"`
	Test  int `json:"test"`
}

// WeatherResult is what a weather run reports (the --json output and the
// browser's result).
type WeatherResult struct {
	Device       string               `json:"device"`
	DeviceNote   string               `json:"device_note,omitempty"`
	Model        string               `json:"model"`
	Params       int                  `json:"params"`
	Samples      Samples              `json:"samples"`
	Features     int                  `json:"features"`
	EpochsRun    int                  `json:"epochs_run"`
	TrainSeconds float64              `json:"train_seconds"`
	Metrics      map[string]float64   `json:"metrics"`
	History      map[string][]float64 `json:"history"`
	Notes        []string             `json:"notes,omitempty"`
	// Predicted-vs-true pairs for the scatter plots (first target).
	TrainPred, TrainTrue, TestPred, TestTrue, Baseline []float32 `json:"-"`
	Summary                                            string    `json:"-"`
}

// WeatherData is the prepared lesson data.
type WeatherData struct {
	Weather *datasets.Weather
	Split   datasets.Split
	Targets []string
}

// LoadWeatherData loads the CSV and prepares and splits it as the lesson does.
func LoadWeatherData(c WeatherConfig) (*WeatherData, error) {
	w, err := datasets.LoadWeather(c.DataPath)
	if err != nil {
		return nil, err
	}
	return PrepareWeather(w, c)
}

// PrepareWeather takes the first Years*365 rows (X = rows 0..nr_rows, y the
// next day's targets), keeps one station if asked, and splits 70/15/15 with
// scikit-learn's train_test_split(random_state=0) twice.
func PrepareWeather(w *datasets.Weather, c WeatherConfig) (*WeatherData, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	c.defaults()
	rows := int(math.Round(365 * c.Years))
	X, Y, err := w.Prepare(datasets.WeatherOptions{Rows: rows, Station: c.Station, Targets: c.Targets})
	if err != nil {
		return nil, err
	}
	return &WeatherData{Weather: w, Split: datasets.LessonSplit(X, Y, 0), Targets: Y.Names}, nil
}

// WeatherModel builds the lesson's network: Input → [BatchNormalization] →
// Dense(nodes1, relu) → Dense(nodes2, relu) → Dense(targets), named as in
// the lesson; or Input → cfg.Layers when given.
func WeatherModel(c WeatherConfig, features, targets int) (*nn.Model, error) {
	c.defaults()
	in := &nn.InputLayer{Shape: nn.Shape{features}, Name: "input"}
	if c.Layers != nil {
		name := c.Name
		if name == "" {
			name = "weather_prediction_model"
		}
		return nn.NewModel(name, in, c.Layers...)
	}
	var layers []nn.Layer
	name := "weather_prediction_model"
	if c.Nodes1 != 100 || c.Nodes2 != 50 {
		name = "model_small"
	}
	if c.BatchNorm {
		layers = append(layers, nn.BatchNormalization())
		name = "model_batchnorm"
	}
	layers = append(layers, nn.Dense(c.Nodes1, "relu"))
	if c.Dropout > 0 {
		layers = append(layers, nn.Dropout(c.Dropout))
	}
	layers = append(layers, nn.Dense(c.Nodes2, "relu"))
	if c.Dropout > 0 {
		layers = append(layers, nn.Dropout(c.Dropout))
	}
	layers = append(layers, nn.Dense(targets, ""))
	return nn.NewModel(name, in, layers...)
}

func matrixData(x, y *datasets.Matrix) *nn.Data {
	return &nn.Data{X: x.Data, Y: y.Data, N: x.Rows}
}

// fit is model.fit as both lessons run it: EarlyStopping(monitor="val_loss")
// when patience > 0, then the caller's callbacks.
func fit(m *nn.Model, train *nn.Data, cfg nn.FitConfig, patience int, restore bool, callbacks []nn.Callback) (*nn.History, error) {
	if patience > 0 {
		cfg.Callbacks = append(cfg.Callbacks, &nn.EarlyStopping{Monitor: "val_loss", Patience: patience, RestoreBestWeights: restore, Verbose: cfg.Verbose})
	}
	cfg.Callbacks = append(cfg.Callbacks, callbacks...)
	return m.Fit(train, cfg)
}

// Compile compiles m with the config's optimizer, loss and metrics.
func compile(m *nn.Model, optName string, lr, momentum float64, loss nn.Loss, metrics ...nn.Metric) error {
	opt, err := nn.OptimizerByName(optName)
	if err != nil {
		return err
	}
	if lr > 0 {
		opt.LR = float32(lr)
	}
	if momentum != 0 {
		if opt.Name == "adam" {
			return fmt.Errorf("lab: adam has no momentum (its beta_1 plays that part); use sgd or rmsprop")
		}
		opt.Momentum = float32(momentum)
	}
	return m.Compile(opt, loss, metrics...)
}

// RunWeather runs the lesson: data, model, fit with validation data (and
// early stopping), then train/val/test RMSE and the "yesterday's sunshine"
// baseline. Progress goes to verbose (Keras's verbose=2) when not nil.
func RunWeather(ctx context.Context, c WeatherConfig, dev gpu.Device, data *WeatherData, verbose io.Writer, onEpoch func(int, map[string]float64), onBatch func(int, int, int)) (*WeatherResult, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	c.defaults()
	if data == nil {
		var err error
		if data, err = LoadWeatherData(c); err != nil {
			return nil, err
		}
	}
	s := data.Split
	m, err := WeatherModel(c, s.XTrain.Cols, s.YTrain.Cols)
	if err != nil {
		return nil, err
	}
	m.Seed = c.Seed
	if err := m.SetDevice(dev); err != nil {
		return nil, err
	}
	defer m.Release()
	loss, err := nn.LossByName(c.Loss)
	if err != nil {
		return nil, err
	}
	if err := compile(m, c.Optimizer, c.LR, c.Momentum, loss, nn.RootMeanSquaredError()); err != nil {
		return nil, err
	}
	res := &WeatherResult{Device: dev.Name(), Model: m.Name, Summary: m.Summary(),
		Samples: Samples{s.XTrain.Rows, s.XVal.Rows, s.XTest.Rows}, Features: s.XTrain.Cols, Metrics: map[string]float64{}}
	res.Params, _, _ = m.CountParams()
	if verbose != nil {
		fmt.Fprint(verbose, res.Summary)
	}
	train, val, test := matrixData(s.XTrain, s.YTrain), matrixData(s.XVal, s.YVal), matrixData(s.XTest, s.YTest)
	cfg := nn.FitConfig{BatchSize: c.BatchSize, Epochs: c.Epochs, Validation: val, Verbose: verbose, Context: ctx, OnEpoch: onEpoch, OnBatch: onBatch}
	h, err := fit(m, train, cfg, c.Patience, c.Restore, c.Callbacks)
	if h != nil {
		res.EpochsRun, res.TrainSeconds, res.History, res.Notes = len(h.Epochs), h.Seconds, h.History, h.Notes
		res.Device = m.Device().Name()
	}
	if err != nil {
		return res, err
	}
	if c.FitDone != nil {
		c.FitDone(h)
	}
	// One inference pass a set: its predictions, and from them what
	// model.evaluate prints (the loss and the RMSE over all targets).
	preds := map[string][]float32{}
	for _, set := range []struct {
		name string
		d    *nn.Data
	}{{"train", train}, {"val", val}, {"test", test}} {
		p, err := m.Predict(set.d, 0)
		if err != nil {
			return res, err
		}
		preds[set.name] = p
		l, rmse, ok := regressionMetrics(loss, p, set.d.Y)
		if !ok {
			ev, err := m.Evaluate(set.d, c.BatchSize)
			if err != nil {
				return res, err
			}
			l, rmse = ev["loss"], ev["root_mean_squared_error"]
		}
		res.Metrics[set.name+"_rmse"] = rmse
		res.Metrics[set.name+"_loss"] = l
	}
	nt := s.YTrain.Cols
	first := func(y []float32) []float32 {
		out := make([]float32, 0, len(y)/nt)
		for i := 0; i < len(y); i += nt {
			out = append(out, y[i])
		}
		return out
	}
	res.TrainPred, res.TestPred = first(preds["train"]), first(preds["test"])
	res.TrainTrue, res.TestTrue = first(s.YTrain.Data), first(s.YTest.Data)
	// The baseline predicts tomorrow's value of the (first) target with
	// today's (X_test['BASEL_sunshine']).
	if base, err := s.XTest.Col(data.Targets[0]); err == nil {
		res.Baseline = base
		res.Metrics["baseline_test_rmse"] = datasets.RMSE(base, res.TestTrue)
	} else {
		res.Notes = append(res.Notes, fmt.Sprintf("no baseline: the features do not include %s", data.Targets[0]))
	}
	return res, nil
}

// regressionMetrics returns what model.evaluate reports for predictions p of
// targets y under an mse or mae loss: the loss (the mean over all values)
// and RootMeanSquaredError; ok is false for other losses.
func regressionMetrics(loss nn.Loss, p, y []float32) (l, rmse float64, ok bool) {
	if len(p) != len(y) || len(y) == 0 {
		return 0, 0, false
	}
	var sq, abs float64
	for i := range y {
		d := float64(p[i]) - float64(y[i])
		sq += d * d
		abs += math.Abs(d)
	}
	n := float64(len(y))
	switch loss.Name {
	case "mse":
		l = sq / n
	case "mae":
		l = abs / n
	default:
		return 0, 0, false
	}
	return l, math.Sqrt(sq / n), true
}
