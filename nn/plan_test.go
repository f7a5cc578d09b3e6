package nn

import (
	"strings"
	"testing"

	"nnlab/gpu"
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

// recorder is a device that records the name of every kernel it runs,
// fused ones included (it offers all of gpu.Ops's extensions, run by the
// pure-Go device), so that a test can hold a step's calls against its plan.
type recorder struct {
	gpu.Device
	ops   *gpu.Ops
	calls []string
}

func newRecorder() *recorder {
	cpu := gpu.NewCPU()
	return &recorder{Device: cpu, ops: gpu.NewOps(cpu)}
}

func (d *recorder) rec(op string) { d.calls = append(d.calls, op) }

func (d *recorder) Copy(dst, src gpu.Buffer, n int) { d.rec("Copy"); d.ops.Copy(dst, src, n) }
func (d *recorder) MatMul(c, a, b gpu.Buffer, m, k, n int, transA, transB, acc bool) {
	d.rec("MatMul")
	d.ops.MatMul(c, a, b, m, k, n, transA, transB, acc)
}
func (d *recorder) Activate(a gpu.Act, y, x gpu.Buffer, n int) {
	d.rec("Activate")
	d.ops.Activate(a, y, x, n)
}
func (d *recorder) ActivateGrad(a gpu.Act, dx, dy, y gpu.Buffer, n int) {
	d.rec("ActivateGrad")
	d.ops.ActivateGrad(a, dx, dy, y, n)
}
func (d *recorder) Softmax(y, x gpu.Buffer, rows, cols int) {
	d.rec("Softmax")
	d.ops.Softmax(y, x, rows, cols)
}
func (d *recorder) SoftmaxGrad(dx, dy, y gpu.Buffer, rows, cols int) {
	d.rec("SoftmaxGrad")
	d.ops.SoftmaxGrad(dx, dy, y, rows, cols)
}
func (d *recorder) Im2Col(col, x gpu.Buffer, g gpu.ConvGeom) {
	d.rec("Im2Col")
	d.ops.Im2Col(col, x, g)
}
func (d *recorder) Col2Im(dx, col gpu.Buffer, g gpu.ConvGeom) {
	d.rec("Col2Im")
	d.ops.Col2Im(dx, col, g)
}
func (d *recorder) MaxPool(y, x gpu.Buffer, g gpu.ConvGeom) { d.rec("MaxPool"); d.ops.MaxPool(y, x, g) }
func (d *recorder) MaxPoolGrad(dx, dy, x gpu.Buffer, g gpu.ConvGeom) {
	d.rec("MaxPoolGrad")
	d.ops.MaxPoolGrad(dx, dy, x, g)
}
func (d *recorder) BatchNormStats(mean, variance, movMean, movVar, x gpu.Buffer, rows, cols int, momentum float32) {
	d.rec("BatchNormStats")
	d.ops.BatchNormStats(mean, variance, movMean, movVar, x, rows, cols, momentum)
}
func (d *recorder) BatchNorm(y, x, mean, variance, gamma, beta gpu.Buffer, rows, cols int, eps float32) {
	d.rec("BatchNorm")
	d.ops.BatchNorm(y, x, mean, variance, gamma, beta, rows, cols, eps)
}
func (d *recorder) BatchNormGrad(dx, dgamma, dbeta, dy, x, mean, variance, gamma gpu.Buffer, rows, cols int, eps float32) {
	d.rec("BatchNormGrad")
	d.ops.BatchNormGrad(dx, dgamma, dbeta, dy, x, mean, variance, gamma, rows, cols, eps)
}
func (d *recorder) Dropout(y, x gpu.Buffer, n int, rate float32, seed uint32) {
	d.rec("Dropout")
	d.ops.Dropout(y, x, n, rate, seed)
}
func (d *recorder) DropoutGrad(dx, dy gpu.Buffer, n int, rate float32, seed uint32) {
	d.rec("DropoutGrad")
	d.ops.DropoutGrad(dx, dy, n, rate, seed)
}
func (d *recorder) Loss(kind gpu.LossKind, dp, acc gpu.Buffer, slot int, p, t, tIdx gpu.Buffer, tIdxOff, rows, cols int, scale float32) {
	d.rec("Loss")
	d.ops.Loss(kind, dp, acc, slot, p, t, tIdx, tIdxOff, rows, cols, scale)
}
func (d *recorder) Update(o gpu.OptParams, w, g, s1, s2 gpu.Buffer, n int) {
	d.rec("Update")
	d.ops.Update(o, w, g, s1, s2, n)
}
func (d *recorder) MatMulBiasAct(c, a, b, bias gpu.Buffer, m, k, n int, act gpu.Act) {
	d.rec("MatMulBiasAct")
	d.ops.MatMulBiasAct(c, a, b, bias, m, k, n, act)
}
func (d *recorder) MatMulActGrad(c, a, b, y gpu.Buffer, m, k, n int, transB bool, act gpu.Act) {
	d.rec("MatMulActGrad")
	d.ops.MatMulActGrad(c, a, b, y, m, k, n, transB, act)
}
func (d *recorder) WeightGrads(dw, db, x, dy gpu.Buffer, rows, in, out int) {
	d.rec("WeightGrads")
	d.ops.WeightGrads(dw, db, x, dy, rows, in, out)
}
func (d *recorder) ConvForward(y, x, w, bias gpu.Buffer, g gpu.ConvGeom, filters int, act gpu.Act) {
	d.rec("ConvForward")
	d.ops.ConvForward(y, x, w, bias, g, filters, act)
}
func (d *recorder) ConvWeightGrads(dw, db, x, dy gpu.Buffer, g gpu.ConvGeom, filters int) {
	d.rec("ConvWeightGrads")
	d.ops.ConvWeightGrads(dw, db, x, dy, g, filters)
}
func (d *recorder) ConvInputGrad(dx, dy, w gpu.Buffer, g gpu.ConvGeom, filters int) {
	d.rec("ConvInputGrad")
	d.ops.ConvInputGrad(dx, dy, w, g, filters)
}
func (d *recorder) MaxPoolActGrad(dx, dy, x gpu.Buffer, g gpu.ConvGeom, act gpu.Act) {
	d.rec("MaxPoolActGrad")
	d.ops.MaxPoolActGrad(dx, dy, x, g, act)
}
func (d *recorder) DropoutActGrad(dx, dy, x gpu.Buffer, n int, rate float32, seed uint32, act gpu.Act) {
	d.rec("DropoutActGrad")
	d.ops.DropoutActGrad(dx, dy, x, n, rate, seed, act)
}

// The plan is what a step runs: the device calls of a training step, and
// of an inference pass, are the plan's kernels in its order, one call each
// (fused ones included), so the printed plan cannot drift from the step.
func TestPlanIsWhatTheStepRuns(t *testing.T) {
	cases := []struct {
		name   string
		in     []int
		layers func() []Layer
		loss   Loss
		data   func() *Data
	}{
		{"fold rules", []int{9, 9, 2}, func() []Layer {
			return []Layer{Conv2D(4, [2]int{3, 3}, "tanh"), Flatten(), Dense(8, "sigmoid"), BatchNormalization(),
				Dense(6, "relu"), Activation("tanh"), Dense(5, "softmax"), Dense(2, "")}
		}, MeanSquaredError, func() *Data {
			d := imageData(8, 1)
			d.Y = make([]float32, 8*2)
			return d
		}},
		{"cifar-like", []int{9, 9, 2}, func() []Layer {
			return []Layer{Conv2D(4, [2]int{3, 3}, "relu"), MaxPooling2D([2]int{2, 2}), Conv2D(4, [2]int{2, 2}, "relu"),
				Dropout(0.2), Flatten(), Dense(8, "relu"), Dense(3, "")}
		}, SparseCategoricalCrossentropy(true), func() *Data { return imageData(8, 3) }},
		{"weather with batchnorm and dropout", []int{4}, func() []Layer {
			return []Layer{BatchNormalization(), Dense(16, "relu"), Dropout(0.2), Dense(8, "relu"), Dropout(0.2), Dense(1, "")}
		}, MeanSquaredError, func() *Data { return weatherLikeData(8, 1) }},
	}
	ops := func(ks ...[]kernel) []string {
		var names []string
		for _, l := range ks {
			for _, k := range l {
				names = append(names, strings.TrimPrefix(k.op, "dx "))
			}
		}
		return names
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := NewModel("", Input(c.in...), c.layers()...)
			if err != nil {
				t.Fatal(err)
			}
			dev := newRecorder()
			if err := m.SetDevice(dev); err != nil {
				t.Fatal(err)
			}
			if err := m.Compile(Adam(), c.loss); err != nil {
				t.Fatal(err)
			}
			d, err := m.upload(c.data())
			if err != nil {
				t.Fatal(err)
			}
			w := m.workspace(d.n)
			p := w.plan
			dev.calls = nil
			m.trainStep(w, d, 0, d.n)
			if got, want := strings.Join(dev.calls, " "), strings.Join(ops(p.forward, p.loss, p.backward, p.update), " "); got != want {
				t.Errorf("a training step ran\n%s\nits plan says\n%s", got, want)
			}
			dev.calls = nil
			m.forward(m.newRun(w, false), w, d.n)
			if got, want := strings.Join(dev.calls, " "), strings.Join(ops(p.infer), " "); got != want {
				t.Errorf("an inference pass ran\n%s\nits plan says\n%s", got, want)
			}
		})
	}
}
