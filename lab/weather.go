package lab

import (
	"context"
	"fmt"
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

// WeatherResult is what a weather run reports (the --json output and the
// browser's result).
type WeatherResult struct {
	FitReport
	Samples  Samples            `json:"samples"`
	Features int                `json:"features"`
	Metrics  map[string]float64 `json:"metrics"`
	// Predicted-vs-true pairs for the scatter plots (first target).
	TrainPred, TrainTrue, TestPred, TestTrue, Baseline []float32 `json:"-"`
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

// RunWeather runs the lesson: data, model, fit with validation data (and
// early stopping), then train/val/test RMSE and the "yesterday's sunshine"
// baseline.
func RunWeather(ctx context.Context, c WeatherConfig, dev gpu.Device, data *WeatherData, hooks Hooks) (*WeatherResult, error) {
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
	loss, err := nn.LossByName(c.Loss)
	if err != nil {
		return nil, err
	}
	rep, err := setUp(m, c.Seed, dev, optimizer{c.Optimizer, c.LR, c.Momentum}, hooks, loss, nn.RootMeanSquaredError())
	if err != nil {
		return nil, err
	}
	defer m.Release()
	res := &WeatherResult{FitReport: rep, Samples: Samples{s.XTrain.Rows, s.XVal.Rows, s.XTest.Rows}, Features: s.XTrain.Cols, Metrics: map[string]float64{}}
	train, val, test := matrixData(s.XTrain, s.YTrain), matrixData(s.XVal, s.YVal), matrixData(s.XTest, s.YTest)
	plan := fitPlan{train: train, val: val, batch: c.BatchSize, epochs: c.Epochs, patience: c.Patience, restore: c.Restore, keys: WeatherLogKeys}
	if _, err := fit(ctx, m, plan, hooks, &res.FitReport); err != nil {
		return res, err
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
