package nn

import "nnlab/gpu"

// workspace holds the device buffers for running batches of up to batch
// samples, and the step plan that runs on them. A Flatten's output is its
// input's buffer (see reshapes).
type workspace struct {
	batch   int
	xb      gpu.Buffer   // the batch's inputs (Loss reads the targets in place)
	acts    []gpu.Buffer // output of each layer
	d0, d1  gpu.Buffer   // gradient ping-pong
	scratch gpu.Buffer   // see Layer.scratch
	plan    *stepPlan    // the step's kernels on these buffers
}

func (w *workspace) free(dev gpu.Device) {
	if w == nil {
		return
	}
	for _, b := range append([]gpu.Buffer{w.xb, w.d0, w.d1, w.scratch}, w.acts...) {
		if b != nil {
			dev.Free(b)
		}
	}
}

// workspace returns a workspace for batches of batch samples, keeping the
// one it has when it is large enough: buffers and plan are built once per
// model and batch size, not per step.
func (m *Model) workspace(batch int) *workspace {
	if m.ws != nil && m.ws.batch >= batch {
		return m.ws
	}
	m.ws.free(m.dev)
	d := m.dev
	w := &workspace{batch: batch}
	w.xb = d.Alloc(batch * m.Input.Shape.Size())
	maxAct, maxScratch := m.Input.Shape.Size(), 1
	for i, l := range m.Layers {
		if reshapes(l) {
			prev := w.xb
			if i > 0 {
				prev = w.acts[i-1]
			}
			w.acts = append(w.acts, prev)
			continue
		}
		w.acts = append(w.acts, d.Alloc(batch*l.base().out.Size()))
		maxAct = max(maxAct, l.base().out.Size())
		maxScratch = max(maxScratch, l.scratch())
	}
	w.d0, w.d1 = d.Alloc(batch*maxAct), d.Alloc(batch*maxAct)
	w.scratch = d.Alloc(batch * maxScratch)
	w.plan = m.planStep(w)
	m.ws = w
	return w
}
