package nn

import (
	"strings"
	"testing"
)

// The step plans of the lessons' models, as golden text: a reader sees what
// one training step runs, and a change of kernels or folds shows in a diff.

// The weather model: Dense(100, relu), Dense(50, relu), Dense(3). Each
// relu's derivative folds into the next Dense's dx product, so backward has
// no ActivateGrad.
const weatherPlan = `forward (training)
  dense    MatMulBiasAct relu
  dense_1  MatMulBiasAct relu
  dense_2  MatMulBiasAct
loss
           Loss mse
backward
  dense_2  WeightGrads
  dense_2  dx MatMulActGrad (folds dense_1's relu)
  dense_1  WeightGrads
  dense_1  dx MatMulActGrad (folds dense's relu)
  dense    WeightGrads
update
           Update adam
forward (inference)
  dense    MatMulBiasAct relu
  dense_1  MatMulBiasAct relu
  dense_2  MatMulBiasAct
`

// With BatchNormalization first and Dropout after each hidden Dense, the
// relus fold into the DropoutActGrads; the Dense dx products fold nothing (a
// Dropout has no activation), and the BatchNormalization, first, still
// computes its dx into scratch with gamma's and beta's gradients.
const weatherBatchNormDropoutPlan = `forward (training)
  batch_normalization  BatchNormStats
  batch_normalization  BatchNorm batch statistics
  dense                MatMulBiasAct relu
  dropout              Dropout 0.2
  dense_1              MatMulBiasAct relu
  dropout_1            Dropout 0.2
  dense_2              MatMulBiasAct
loss
                       Loss mse
backward
  dense_2              WeightGrads
  dense_2              dx MatMul
  dropout_1            dx DropoutActGrad (folds dense_1's relu)
  dense_1              WeightGrads
  dense_1              dx MatMul
  dropout              dx DropoutActGrad (folds dense's relu)
  dense                WeightGrads
  dense                dx MatMul
  batch_normalization  BatchNormGrad
update
                       Update adam
forward (inference)
  batch_normalization  BatchNorm moving statistics
  dense                MatMulBiasAct relu
  dropout              Copy
  dense_1              MatMulBiasAct relu
  dropout_1            Copy
  dense_2              MatMulBiasAct
`

// The CIFAR lesson's model: each Conv2D's relu folds into the MaxPoolActGrad
// or DropoutActGrad after it, the Flatten runs no kernel, the first Conv2D
// computes no dx.
const cifarPlan = `forward (training)
  conv2d           ConvForward relu
  max_pooling2d    MaxPool
  conv2d_1         ConvForward relu
  max_pooling2d_1  MaxPool
  conv2d_2         ConvForward relu
  dropout          Dropout 0.2
  dense            MatMulBiasAct relu
  dense_1          MatMulBiasAct
loss
                   Loss sparse_categorical_crossentropy
backward
  dense_1          WeightGrads
  dense_1          dx MatMulActGrad (folds dense's relu)
  dense            WeightGrads
  dense            dx MatMul
  dropout          dx DropoutActGrad (folds conv2d_2's relu)
  conv2d_2         ConvWeightGrads
  conv2d_2         dx ConvInputGrad
  max_pooling2d_1  dx MaxPoolActGrad (folds conv2d_1's relu)
  conv2d_1         ConvWeightGrads
  conv2d_1         dx ConvInputGrad
  max_pooling2d    dx MaxPoolActGrad (folds conv2d's relu)
  conv2d           ConvWeightGrads
update
                   Update adam
forward (inference)
  conv2d           ConvForward relu
  max_pooling2d    MaxPool
  conv2d_1         ConvForward relu
  max_pooling2d_1  MaxPool
  conv2d_2         ConvForward relu
  dropout          Copy
  dense            MatMulBiasAct relu
  dense_1          MatMulBiasAct
`

// The fold rules on one model: the Conv2D's tanh folds into the Dense's dx
// product through the Flatten; a BatchNormalization, an Activation layer or
// a softmax (row-wise, not elementwise) takes or gives no fold, so those
// derivatives run as kernels of their own.
const foldRulesPlan = `forward (training)
  conv2d               ConvForward tanh
  dense                MatMulBiasAct sigmoid
  batch_normalization  BatchNormStats
  batch_normalization  BatchNorm batch statistics
  dense_1              MatMulBiasAct relu
  activation           Copy
  activation           Activate tanh
  dense_2              MatMulBiasAct
  dense_2              Softmax
  dense_3              MatMulBiasAct
loss
                       Loss mse
backward
  dense_3              WeightGrads
  dense_3              dx MatMul
  dense_2              SoftmaxGrad
  dense_2              WeightGrads
  dense_2              dx MatMul
  activation           ActivateGrad tanh
  activation           dx Copy
  dense_1              ActivateGrad relu
  dense_1              WeightGrads
  dense_1              dx MatMul
  batch_normalization  dx BatchNormGrad
  dense                ActivateGrad sigmoid
  dense                WeightGrads
  dense                dx MatMulActGrad (folds conv2d's tanh)
  conv2d               ConvWeightGrads
update
                       Update adam
forward (inference)
  conv2d               ConvForward tanh
  dense                MatMulBiasAct sigmoid
  batch_normalization  BatchNorm moving statistics
  dense_1              MatMulBiasAct relu
  activation           Copy
  activation           Activate tanh
  dense_2              MatMulBiasAct
  dense_2              Softmax
  dense_3              MatMulBiasAct
`

// planOf builds a model of layers on inputs of shape in, compiles it with
// Adam and loss, and returns its printed step plan.
func planOf(t *testing.T, loss Loss, in []int, layers ...Layer) string {
	t.Helper()
	m, err := NewModel("", Input(in...), layers...)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Compile(Adam(), loss); err != nil {
		t.Fatal(err)
	}
	return m.workspace(4).plan.String()
}

func checkPlan(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range max(len(gl), len(wl)) {
			g, w := "", ""
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("plan line %d is %q, want %q", i+1, g, w)
				break
			}
		}
		t.Errorf("the step plan is\n%s", got)
	}
}

func TestPlanWeather(t *testing.T) {
	got := planOf(t, MeanSquaredError, []int{89}, Dense(100, "relu"), Dense(50, "relu"), Dense(3, ""))
	checkPlan(t, got, weatherPlan)
}

func TestPlanWeatherBatchNormDropout(t *testing.T) {
	got := planOf(t, MeanSquaredError, []int{89}, BatchNormalization(), Dense(100, "relu"), Dropout(0.2),
		Dense(50, "relu"), Dropout(0.2), Dense(3, ""))
	checkPlan(t, got, weatherBatchNormDropoutPlan)
}

func TestPlanCIFAR(t *testing.T) {
	conv := func() Layer { return Conv2D(32, [2]int{3, 3}, "relu") }
	pool := func() Layer { return MaxPooling2D([2]int{2, 2}) }
	got := planOf(t, SparseCategoricalCrossentropy(true), []int{32, 32, 3},
		conv(), pool(), conv(), pool(), conv(), Dropout(0.2), Flatten(), Dense(32, "relu"), Dense(10, ""))
	checkPlan(t, got, cifarPlan)
}

func TestPlanFoldRules(t *testing.T) {
	got := planOf(t, MeanSquaredError, []int{6, 6, 2}, Conv2D(4, [2]int{3, 3}, "tanh"), Flatten(), Dense(8, "sigmoid"),
		BatchNormalization(), Dense(6, "relu"), Activation("tanh"), Dense(5, "softmax"), Dense(2, ""))
	checkPlan(t, got, foldRulesPlan)
}
