package nn

import (
	"fmt"
	"strings"

	"nnlab/gpu"
)

// A training step is a list of kernels, decided once per workspace and run
// top to bottom every step, as llm.c's train loop reads: the forward pass,
// the loss and its gradient, the backward pass from the last layer to the
// first, the optimizer update. stepPlan holds that list; its String is what a
// reader (and the golden tests in plan_test.go) sees of a step.
//
// Layers keep the maths: each appends the kernels of its own forward and
// backward pass (see Layer). What a plan adds is the folds, all decided in
// decideFolds, and the buffers each kernel reads and writes.

// kernel is one device call of a step.
type kernel struct {
	layer string // the layer it belongs to; none for the loss and the update
	op    string // the device operation, "dx " before one that computes dx
	note  string // its activation or what it folds in
	// run records the call for a batch of n samples.
	run func(r *run, n int)
}

// kernels is the list a layer appends its kernels to.
type kernels struct {
	layer string // the layer now appending
	list  []kernel
}

func (ks *kernels) add(op, note string, run func(r *run, n int)) {
	ks.list = append(ks.list, kernel{layer: ks.layer, op: op, note: note, run: run})
}

// actNote names a folded-in activation in the plan; Linear is no note.
func actNote(a gpu.Act) string {
	if a == gpu.Linear {
		return ""
	}
	return a.String()
}

// stepPlan is one model's kernels on one workspace's buffers.
type stepPlan struct {
	forward  []kernel // the forward pass in training (dropout masks, batch statistics)
	loss     []kernel // the loss, its metric sums and its gradient at the output
	backward []kernel // from the output gradient to every parameter's gradient
	update   []kernel // the optimizer step
	infer    []kernel // the forward pass in inference (evaluate, predict, validation)
	out      gpu.Buffer
}

// run is what kernels need while they run.
type run struct {
	dev      *gpu.Ops
	training bool
	step     uint32 // optimizer step, for dropout masks
	seed     uint32
	scratch  gpu.Buffer // see Layer.scratch
	// The batch's targets, for the loss: samples idx[off:off+n] of y.
	y, idx gpu.Buffer
	off    int
}

func runKernels(r *run, ks []kernel, n int) {
	for _, k := range ks {
		k.run(r, n)
	}
}

// String prints the step, one kernel a line: its layer, its device
// operation and its activation or fold.
func (p *stepPlan) String() string {
	width := 0
	for _, ks := range [][]kernel{p.forward, p.backward, p.infer} {
		for _, k := range ks {
			width = max(width, len(k.layer))
		}
	}
	var b strings.Builder
	section := func(title string, ks []kernel) {
		b.WriteString(title + "\n")
		for _, k := range ks {
			line := fmt.Sprintf("  %-*s  %s", width, k.layer, k.op)
			if k.note != "" {
				line += " " + k.note
			}
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
	}
	section("forward (training)", p.forward)
	section("loss", p.loss)
	section("backward", p.backward)
	section("update", p.update)
	section("forward (inference)", p.infer)
	return b.String()
}

// fold is what decideFolds decided for one layer's backward pass.
type fold struct {
	// dxAct, when not Linear, is the activation of the layer that produced
	// x (named from), whose derivative this layer's dx kernel multiplies in.
	dxAct gpu.Act
	from  string
	// actDone says that the next layer's dx kernel already multiplied dy by
	// this layer's own activation's derivative.
	actDone bool
}

// note is what the plan prints after the dx kernel that folds.
func (f fold) note() string {
	if f.dxAct == gpu.Linear {
		return ""
	}
	return fmt.Sprintf("(folds %s's %s)", f.from, f.dxAct)
}

// decideFolds decides every fold of the backward pass. A layer whose
// forward ends with relu, sigmoid or tanh (Dense, Conv2D) leaves the
// derivative of that activation to the next layer that runs kernels
// (Flattens run none), when that layer's dx kernel can multiply it in:
// Dense (MatMulActGrad), MaxPooling2D (MaxPoolActGrad) and Dropout
// (DropoutActGrad). The derivative is written through the activation's output,
// which is that layer's input x. The gradient then reaches the producer
// already at its pre-activation: one kernel (an ActivateGrad) fewer a fold.
func decideFolds(layers []Layer) []fold {
	folds := make([]fold, len(layers))
	for i, l := range layers {
		switch l.(type) {
		case *DenseLayer, *MaxPool2DLayer, *DropoutLayer:
		default:
			continue // its dx kernel takes no activation
		}
		p := i - 1
		for p >= 0 && reshapes(layers[p]) {
			p--
		}
		if p < 0 {
			continue
		}
		a := gpu.Linear
		switch pl := layers[p].(type) {
		case *DenseLayer:
			a = elementwise(pl.act)
		case *Conv2DLayer:
			a = elementwise(pl.act)
		}
		if a != gpu.Linear {
			folds[i].dxAct, folds[i].from = a, layers[p].Name()
			folds[p].actDone = true
		}
	}
	return folds
}

// planStep builds the plan of m's step on w's buffers.
func (m *Model) planStep(w *workspace) *stepPlan {
	p := &stepPlan{out: w.acts[len(m.Layers)-1]}
	input := func(i int) gpu.Buffer {
		if i == 0 {
			return w.xb
		}
		return w.acts[i-1]
	}
	for _, training := range []bool{true, false} {
		ks := &kernels{}
		for i, l := range m.Layers {
			ks.layer = l.Name()
			l.forward(ks, training, input(i), w.acts[i])
		}
		if training {
			p.forward = ks.list
		} else {
			p.infer = ks.list
		}
	}

	// The loss's gradient, of the mean over the batch, goes to w.d0; every
	// trainable parameter's gradient is then overwritten by its layer's
	// backward (the padding between them stays zero from the allocation).
	cols := m.OutputShape().Size()
	p.loss = []kernel{{op: "Loss", note: m.loss.Name, run: func(r *run, n int) {
		r.dev.Loss(m.loss.Kind, w.d0, m.acc, 0, p.out, r.y, r.idx, r.off, n, cols, 1/float32(n))
	}}}

	// Backward ping-pongs the gradient between d0 and d1; the first layer
	// computes no dx.
	folds := decideFolds(m.Layers)
	ks := &kernels{}
	dy, dx := w.d0, w.d1
	for i := len(m.Layers) - 1; i >= 0; i-- {
		l := m.Layers[i]
		if reshapes(l) {
			continue // the gradient passes through unchanged
		}
		var dxi gpu.Buffer
		if i > 0 {
			dxi = dx
		}
		ks.layer = l.Name()
		l.backward(ks, folds[i], input(i), w.acts[i], dy, dxi)
		dy, dx = dx, dy
	}
	p.backward = ks.list

	p.update = []kernel{{op: "Update", note: m.opt.Name, run: func(r *run, n int) {
		m.step++
		o := m.opt.OptParams
		o.Step = m.step
		r.dev.Update(o, m.w, m.g, m.s1, m.s2, m.nTrain)
	}}}
	return p
}

// A Flatten's output is its input read with another shape: the workspace
// gives it its input's buffer, and neither pass runs a kernel.
func reshapes(l Layer) bool {
	_, ok := l.(*FlattenLayer)
	return ok
}

func (m *Model) newRun(w *workspace, training bool) *run {
	return &run{dev: m.ops, training: training, step: uint32(m.step), seed: uint32(m.Seed), scratch: w.scratch}
}

// forward runs the layers on the n samples in w.xb and returns the output.
func (m *Model) forward(r *run, w *workspace, n int) gpu.Buffer {
	if r.training {
		runKernels(r, w.plan.forward, n)
	} else {
		runKernels(r, w.plan.infer, n)
	}
	return w.plan.out
}

// backward propagates the loss gradient in w.d0 through the layers,
// overwriting the parameter gradients.
func (m *Model) backward(r *run, w *workspace, n int) {
	runKernels(r, w.plan.backward, n)
}

// trainStep records one optimizer step on the n samples in w.xb, whose
// targets are d's at sample indices idx[off:off+n], and adds the batch's
// metric sums to m.acc[0:AccSlots].
func (m *Model) trainStep(w *workspace, d *devData, off, n int) {
	r := m.newRun(w, true)
	r.y, r.idx, r.off = d.y, d.idx, off
	p := w.plan
	for _, ks := range [][]kernel{p.forward, p.loss, p.backward, p.update} {
		runKernels(r, ks, n)
	}
}
