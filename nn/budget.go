package nn

import (
	"fmt"
	"math"
	"sync/atomic"
)

// The memory budget: how many bytes a model may take on its device, checked
// before anything is allocated. A Go program cannot recover from running out
// of memory (in the browser the page dies with everything the learner had),
// so sizes that a learner types (Dense(3000000000), a batch of a billion)
// are refused with a message that names the layer and the sizes instead.
//
// The estimate counts float32s: the parameters, the optimizer's two state
// copies and the gradients (the model allocates all four for any optimizer),
// the training data as uploaded, and the workspace of a batch: its inputs,
// each layer's activations, two gradient buffers as large as the largest of
// them, a layer's scratch, and the im2col matrix of the largest convolution
// (gpu.Ops's scratch).

var memoryBudget atomic.Int64

// MemoryBudget returns the bytes a model may use: SetMemoryBudget's value,
// else the platform's default (4 GiB natively; in the browser 2 GiB, what
// 32-bit WebAssembly can rely on, less what the page's Go heap holds).
func MemoryBudget() int64 {
	if b := memoryBudget.Load(); b > 0 {
		return b
	}
	return defaultMemoryBudget()
}

// SetMemoryBudget sets the bytes a model may use; bytes <= 0 restores the
// platform's default.
func SetMemoryBudget(bytes int64) { memoryBudget.Store(max(bytes, 0)) }

// BudgetError says that a model, or a fit of it, needs more memory than the
// budget allows.
type BudgetError struct {
	// Index is the 0-based position of the layer that goes over the
	// budget among the model's layers (a caller with the layers' source
	// lines can point at it), or -1 when it is not one layer's.
	Index int
	What  string // what needs the memory, e.g. "Dense(3000000000) (layer dense)"
	For   string // what the memory is for, e.g. "its weights, gradients and Adam's state"
	Need  int64  // bytes needed (math.MaxInt64: more than can be counted)
	Have  int64  // the budget
	Hint  string // what to change
}

func (e *BudgetError) Error() string {
	s := fmt.Sprintf("nn: %s needs about %s for %s; this device can give about %s", e.What, FormatBytes(e.Need), e.For, FormatBytes(e.Have))
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// FormatBytes writes a byte count as people say it: 36 GB, 512 MB, 2.1 GB
// (powers of 1,000, as a learner reads them).
func FormatBytes(n int64) string {
	if n == math.MaxInt64 {
		return "more than 9 EB (more than can be counted)"
	}
	units := []string{"bytes", "kB", "MB", "GB", "TB", "PB", "EB"}
	v, u := float64(n), 0
	for v >= 1000 && u < len(units)-1 {
		v /= 1000
		u++
	}
	switch {
	case u == 0:
		return fmt.Sprintf("%d bytes", n)
	case v < 10:
		return fmt.Sprintf("%.1f %s", v, units[u])
	}
	return fmt.Sprintf("%.0f %s", v, units[u])
}

// satMul and satAdd are a*b and a+b for non-negative ints, saturating at
// math.MaxInt instead of wrapping: a saturated size exceeds every budget,
// so an overflow is refused like any other size too large.
func satMul(a, b int) int {
	if a < 0 || b < 0 {
		panic(fmt.Sprintf("nn: satMul(%d, %d): negative size", a, b))
	}
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}

func satAdd(a, b int) int {
	if a < 0 || b < 0 {
		panic(fmt.Sprintf("nn: satAdd(%d, %d): negative size", a, b))
	}
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// satSize is Shape.Size saturating at math.MaxInt.
func satSize(s []int) int {
	n := 1
	for _, d := range s {
		n = satMul(n, max(d, 0))
	}
	return n
}

// floatBytes is the bytes of n float32s, saturating.
func floatBytes(n int) int64 { return int64(satMul(n, 4)) }

// layerCall writes a layer as the Keras call that made it, with the sizes a
// learner typed: Dense(3000000000), Conv2D(32, (3, 3)).
func layerCall(l Layer) string {
	switch l := l.(type) {
	case *DenseLayer:
		return fmt.Sprintf("Dense(%d)", l.Units)
	case *Conv2DLayer:
		return fmt.Sprintf("Conv2D(%d, (%d, %d))", l.Filters, l.Kernel[0], l.Kernel[1])
	}
	return l.Type() + "()"
}

// stateFloats is what the model keeps on its device for a layer's params:
// the weights, and for trainable ones the gradients and the optimizer's two
// state copies (Adam's moments; allocated for every optimizer).
func stateFloats(p *Param) int {
	n := satSize(p.Shape)
	if p.Trainable {
		return satMul(n, 4)
	}
	return n
}

// checkLayerBudget is called by NewModel after layer l is built: the sizes
// of its output and parameters must be countable and, with what the layers
// before it keep (before floats), fit the budget. It returns the floats the
// model keeps up to and including l.
func checkLayerBudget(i int, l Layer, before int) (int, error) {
	b := l.base()
	what := fmt.Sprintf("%s (layer %s)", layerCall(l), b.name)
	budget := MemoryBudget()
	hint := "use fewer units or filters"
	if satSize(b.out) == math.MaxInt {
		return 0, &BudgetError{Index: i, What: what, For: "one sample's output " + b.out.String(), Need: math.MaxInt64, Have: budget, Hint: hint}
	}
	own := 0
	for _, p := range b.params {
		own = satAdd(own, stateFloats(p))
	}
	if need := floatBytes(own); over(need, budget) {
		return 0, &BudgetError{Index: i, What: what, For: "its weights, gradients and the optimizer's state (Adam keeps 2 more copies)", Need: need, Have: budget, Hint: hint}
	}
	total := satAdd(before, own)
	if need := floatBytes(total); over(need, budget) {
		return 0, &BudgetError{Index: i, What: "the model up to " + what, For: "its weights, gradients and the optimizer's state", Need: need, Have: budget, Hint: hint}
	}
	return total, nil
}

// stateBytes is what the model keeps on its device (alloc's buffers).
func (m *Model) stateBytes() int64 {
	_, _, _, size := m.stateLayout()
	return floatBytes(satAdd(size, m.nTrain))
}

// workspaceBytes estimates the workspace for batches of batch samples and
// returns the layer with the largest activations (nil: the input).
func (m *Model) workspaceBytes(batch int) (int64, Layer) {
	floats := satMul(batch, satSize(m.Input.Shape))
	maxAct, maxScratch, maxCol := satSize(m.Input.Shape), 1, 0
	var big Layer
	for _, l := range m.Layers {
		if reshapes(l) {
			continue
		}
		out := satSize(l.base().out)
		floats = satAdd(floats, satMul(batch, out))
		if out > maxAct {
			maxAct, big = out, l
		}
		maxScratch = max(maxScratch, l.scratch())
		if c, ok := l.(*Conv2DLayer); ok {
			maxCol = max(maxCol, satMul(c.geom.ColRows(), c.geom.ColCols()))
		}
	}
	floats = satAdd(floats, satMul(satMul(batch, 2), maxAct))
	floats = satAdd(floats, satMul(batch, satAdd(maxScratch, maxCol)))
	return floatBytes(floats), big
}

// dataBytes is the device memory of d once uploaded: the inputs (bytes or
// float32s), the targets and the sample order.
func (m *Model) dataBytes(d *Data) int64 {
	if d == nil {
		return 0
	}
	n := satAdd(satAdd(len(d.Y), max(d.N, 0)), len(d.X))
	return addBytes(floatBytes(n), int64(len(d.XBytes)))
}

// checkRunBudget checks, before anything is allocated, that running batches
// of batch samples over the given data fits the budget with the model's own
// state. doing names the call for the message (fit, evaluate, predict).
func (m *Model) checkRunBudget(doing string, batch int, data ...*Data) error {
	budget := MemoryBudget()
	ws, big := m.workspaceBytes(batch)
	var db int64
	for _, d := range data {
		db = addBytes(db, m.dataBytes(d))
	}
	need := addBytes(addBytes(m.stateBytes(), ws), db)
	if !over(need, budget) {
		return nil
	}
	act := "the input"
	if big != nil {
		act = fmt.Sprintf("%s (layer %s, %s a sample)", layerCall(big), big.Name(), big.base().out)
	}
	return &BudgetError{
		Index: -1,
		What:  fmt.Sprintf("%s with batches of %d", doing, batch),
		For: fmt.Sprintf("the model (%s), the data (%s) and the activations (%s, the largest from %s)",
			FormatBytes(m.stateBytes()), FormatBytes(db), FormatBytes(ws), act),
		Need: need, Have: budget,
		Hint: "use a smaller batch_size, fewer samples, or smaller layers",
	}
}

// over reports whether need bytes exceed the budget; a saturated count
// (more than can be counted) always does.
func over(need, budget int64) bool { return need == math.MaxInt64 || need > budget }

func addBytes(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
