package nn

import (
	"fmt"
	"math"
	"strings"

	"nnlab/gpu"
)

// Optimizer is an optimizer with Keras's hyper-parameters.
type Optimizer struct {
	Name string // "adam", "sgd", "rmsprop"
	gpu.OptParams
}

// Adam returns keras.optimizers.Adam() with its defaults:
// learning_rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7.
func Adam() Optimizer {
	return Optimizer{"adam", gpu.OptParams{Kind: gpu.Adam, LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7}}
}

// SGD returns keras.optimizers.SGD(learning_rate 0.01, momentum 0, nesterov false).
func SGD() Optimizer { return Optimizer{"sgd", gpu.OptParams{Kind: gpu.SGD, LR: 0.01}} }

// RMSprop returns keras.optimizers.RMSprop(learning_rate 0.001, rho 0.9,
// momentum 0, epsilon 1e-7).
func RMSprop() Optimizer {
	return Optimizer{"rmsprop", gpu.OptParams{Kind: gpu.RMSprop, LR: 1e-3, Rho: 0.9, Epsilon: 1e-7}}
}

// OptimizerByName maps Keras's optimizer strings to optimizers with defaults.
func OptimizerByName(name string) (Optimizer, error) {
	switch strings.ToLower(name) {
	case "adam":
		return Adam(), nil
	case "sgd":
		return SGD(), nil
	case "rmsprop":
		return RMSprop(), nil
	}
	return Optimizer{}, fmt.Errorf("nn: unknown optimizer %q (use adam, sgd or rmsprop)", name)
}

// Loss is a Keras loss.
type Loss struct {
	Name string
	Kind gpu.LossKind
}

// Keras's losses.
var (
	MeanSquaredError  = Loss{"mse", gpu.MSE}
	MeanAbsoluteError = Loss{"mae", gpu.MAE}
)

// SparseCategoricalCrossentropy is keras.losses.SparseCategoricalCrossentropy:
// integer class labels; fromLogits when the last layer has no softmax.
func SparseCategoricalCrossentropy(fromLogits bool) Loss {
	if fromLogits {
		return Loss{"sparse_categorical_crossentropy", gpu.SparseCCEFromLogits}
	}
	return Loss{"sparse_categorical_crossentropy", gpu.SparseCCE}
}

// CategoricalCrossentropy is keras.losses.CategoricalCrossentropy: one-hot labels.
func CategoricalCrossentropy(fromLogits bool) Loss {
	if fromLogits {
		return Loss{"categorical_crossentropy", gpu.CategoricalCEFromLogits}
	}
	return Loss{"categorical_crossentropy", gpu.CategoricalCE}
}

// LossByName maps Keras's loss strings (mse, mae, mean_squared_error, ...,
// sparse_categorical_crossentropy) to losses.
func LossByName(name string) (Loss, error) {
	switch strings.ToLower(name) {
	case "mse", "mean_squared_error", "meansquarederror":
		return MeanSquaredError, nil
	case "mae", "mean_absolute_error", "meanabsoluteerror":
		return MeanAbsoluteError, nil
	case "sparse_categorical_crossentropy", "sparsecategoricalcrossentropy":
		return SparseCategoricalCrossentropy(false), nil
	case "categorical_crossentropy", "categoricalcrossentropy":
		return CategoricalCrossentropy(false), nil
	}
	return Loss{}, fmt.Errorf("nn: unknown loss %q (use mse, mae, sparse_categorical_crossentropy or categorical_crossentropy)", name)
}

func (l Loss) classification() bool { return l.Kind != gpu.MSE && l.Kind != gpu.MAE }
func (l Loss) sparse() bool         { return l.Kind == gpu.SparseCCE || l.Kind == gpu.SparseCCEFromLogits }

// Metric is a Keras metric, named as Keras names it in History.
type Metric struct {
	Name string // the key in History: root_mean_squared_error, mae, accuracy, ...
	kind metricKind
}

type metricKind int

const (
	metricRMSE metricKind = iota
	metricMSE
	metricMAE
	metricAccuracy
)

// RootMeanSquaredError is keras.metrics.RootMeanSquaredError().
func RootMeanSquaredError() Metric { return Metric{"root_mean_squared_error", metricRMSE} }

// MeanAbsoluteErrorMetric is keras.metrics.MeanAbsoluteError().
func MeanAbsoluteErrorMetric() Metric { return Metric{"mean_absolute_error", metricMAE} }

// Accuracy is the "accuracy" metric (argmax against the label).
func Accuracy() Metric { return Metric{"accuracy", metricAccuracy} }

// MetricByName maps Keras's metric strings to metrics; the name given is
// the History key, as in Keras (metrics=["mae"] logs "mae").
func MetricByName(name string) (Metric, error) {
	switch strings.ToLower(name) {
	case "rmse", "root_mean_squared_error", "rootmeansquarederror":
		return RootMeanSquaredError(), nil
	case "mae", "mean_absolute_error":
		return Metric{name, metricMAE}, nil
	case "mse", "mean_squared_error":
		return Metric{name, metricMSE}, nil
	case "accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy":
		return Metric{name, metricAccuracy}, nil
	}
	return Metric{}, fmt.Errorf("nn: unknown metric %q (use root_mean_squared_error, mae, mse or accuracy)", name)
}

// value computes the metric from the sums a Loss kernel accumulated over
// n samples of cols outputs each.
func (mt Metric) value(acc []float32, n, cols int) float64 {
	cnt := float64(n * cols)
	switch mt.kind {
	case metricRMSE:
		return math.Sqrt(float64(acc[gpu.AccSqErr]) / cnt)
	case metricMSE:
		return float64(acc[gpu.AccSqErr]) / cnt
	case metricMAE:
		return float64(acc[gpu.AccAbsErr]) / cnt
	default:
		return float64(acc[gpu.AccCorrect]) / float64(n)
	}
}

// Compile sets the optimizer, loss and metrics, as model.compile does, and
// puts the model on a device if it has none yet (the pure-Go device).
func (m *Model) Compile(opt Optimizer, loss Loss, metrics ...Metric) error {
	if opt.LR <= 0 {
		return fmt.Errorf("nn: the learning rate must be positive, got %g", opt.LR)
	}
	out := m.OutputShape()
	if loss.classification() {
		for _, mt := range metrics {
			if mt.kind != metricAccuracy {
				return fmt.Errorf("nn: metric %s is for regression, but the loss %s is for classification", mt.Name, loss.Name)
			}
		}
		if len(out) != 1 {
			return fmt.Errorf("nn: %s needs a model output of shape (None, classes), got %s", loss.Name, out)
		}
	} else {
		for _, mt := range metrics {
			if mt.kind == metricAccuracy {
				return fmt.Errorf("nn: metric accuracy is for classification, but the loss %s is for regression", loss.Name)
			}
		}
	}
	m.opt, m.loss, m.metrics = opt, loss, metrics
	if m.ws != nil {
		m.ws.plan = m.planStep(m.ws) // it names the loss and the optimizer
	}
	if m.dev == nil {
		return m.SetDevice(gpu.NewCPU())
	}
	return nil
}

// Compiled reports whether Compile was called.
func (m *Model) Compiled() bool { return m.opt.LR > 0 }
