package gpu

import (
	"fmt"
	"math"
)

// The CPU device's losses: one forward (the loss and the metric sums) and
// one backward (the gradient) for each, as llm.c writes its kernels. Loss
// picks the pair; the sparse kinds differ from the categorical ones only in
// how a row's targets are stored (see lossTargets).

func (d *CPU[T]) Loss(kind LossKind, dp, acc Buffer, slot int, p, t, tIdx Buffer, tIdxOff, rows, cols int, scale float32) {
	tg := lossTargets[T]{t: d.f(t), cols: cols, sparse: kind == SparseCCE || kind == SparseCCEFromLogits}
	if tIdx != nil {
		tg.idx = d.f(tIdx)[tIdxOff:]
	}
	pp, a := d.f(p)[:rows*cols], d.f(acc)[slot:slot+AccSlots]
	var dpp []T
	if dp != nil {
		dpp = d.f(dp)[:rows*cols]
	}
	sc := T(scale)
	switch kind {
	case MSE:
		mseForward(a, pp, tg, rows, cols)
		if dpp != nil {
			mseBackward(dpp, pp, tg, rows, cols, sc)
		}
	case MAE:
		maeForward(a, pp, tg, rows, cols)
		if dpp != nil {
			maeBackward(dpp, pp, tg, rows, cols, sc)
		}
	case SparseCCE, CategoricalCE:
		crossentropyForward(a, pp, tg, rows, cols)
		if dpp != nil {
			crossentropyBackward(dpp, pp, tg, rows, cols, sc)
		}
	case SparseCCEFromLogits, CategoricalCEFromLogits:
		crossentropyLogitsForward(a, pp, tg, rows, cols)
		if dpp != nil {
			crossentropyLogitsBackward(dpp, pp, tg, rows, cols, sc)
		}
	default:
		panic(fmt.Sprintf("gpu: no loss kind %d", kind))
	}
}

// lossTargets are a batch's targets: row r is row idx[r] of t (row r
// without idx), cols values, or with sparse one class index.
type lossTargets[T Float] struct {
	t, idx []T
	cols   int
	sparse bool
}

// row returns row r's targets as cols values, a one-hot row (written into
// buf) for sparse targets.
func (tg lossTargets[T]) row(r int, buf []T) []T {
	if tg.idx != nil {
		r = int(tg.idx[r])
	}
	if !tg.sparse {
		return tg.t[r*tg.cols : (r+1)*tg.cols]
	}
	clear(buf)
	buf[int(tg.t[r])] = 1
	return buf
}

// errorSums returns Σ (p-t)² and Σ |p-t| over the batch, the regression
// metrics of both MSE and MAE.
func errorSums[T Float](p []T, tg lossTargets[T], rows, cols int) (sq, ab T) {
	for r := 0; r < rows; r++ {
		tr := tg.row(r, nil)
		for j, v := range p[r*cols : (r+1)*cols] {
			e := v - tr[j]
			sq += e * e
			ab += T(math.Abs(float64(e)))
		}
	}
	return sq, ab
}

// mseForward: per-sample loss mean_j (p-t)².
func mseForward[T Float](acc, p []T, tg lossTargets[T], rows, cols int) {
	sq, ab := errorSums(p, tg, rows, cols)
	acc[AccSqErr] += sq
	acc[AccAbsErr] += ab
	acc[AccLoss] += sq / T(cols)
}

// mseBackward: dp = scale * 2(p-t)/cols.
func mseBackward[T Float](dp, p []T, tg lossTargets[T], rows, cols int, scale T) {
	for r := 0; r < rows; r++ {
		tr := tg.row(r, nil)
		for j, v := range p[r*cols : (r+1)*cols] {
			e := v - tr[j]
			dp[r*cols+j] = scale * 2 * e / T(cols)
		}
	}
}

// maeForward: per-sample loss mean_j |p-t|.
func maeForward[T Float](acc, p []T, tg lossTargets[T], rows, cols int) {
	sq, ab := errorSums(p, tg, rows, cols)
	acc[AccSqErr] += sq
	acc[AccAbsErr] += ab
	acc[AccLoss] += ab / T(cols)
}

// maeBackward: dp = scale * sign(p-t)/cols.
func maeBackward[T Float](dp, p []T, tg lossTargets[T], rows, cols int, scale T) {
	for r := 0; r < rows; r++ {
		tr := tg.row(r, nil)
		for j, v := range p[r*cols : (r+1)*cols] {
			var s T
			if e := v - tr[j]; e > 0 {
				s = 1
			} else if e < 0 {
				s = -1
			}
			dp[r*cols+j] = scale * s / T(cols)
		}
	}
}

// ceEps is Keras's clipping of probabilities (backend.epsilon()).
const ceEps = 1e-7

// argmax returns the index of the first maximum of v.
func argmax[T Float](v []T) int {
	arg := 0
	for j, x := range v {
		if x > v[arg] {
			arg = j
		}
	}
	return arg
}

// normalized sets q to the row p scaled to sum to one and returns the sum:
// Keras's crossentropy on probabilities first rescales each row, then clips.
func normalized[T Float](q, p []T) (s T) {
	for _, v := range p {
		s += v
	}
	for j, v := range p {
		q[j] = v / s
	}
	return s
}

// crossentropyForward: per-sample loss -Σ_j t_j log clip(p_j/Σp, eps, 1-eps).
func crossentropyForward[T Float](acc, p []T, tg lossTargets[T], rows, cols int) {
	q, buf := make([]T, cols), make([]T, cols)
	for r := 0; r < rows; r++ {
		pr, tr := p[r*cols:(r+1)*cols], tg.row(r, buf)
		normalized(q, pr)
		var loss T
		for j, tj := range tr {
			if tj != 0 {
				loss -= tj * T(math.Log(float64(min(max(q[j], ceEps), 1-ceEps))))
			}
		}
		acc[AccLoss] += loss
		if argmax(pr) == argmax(tr) {
			acc[AccCorrect]++
		}
	}
}

// crossentropyBackward: the derivative through the normalization q = p/s;
// clipped entries pass no gradient:
//
//	dp_j = scale * (-t_j/(q_j s) + Σ_k t_k/s), both over unclipped entries.
func crossentropyBackward[T Float](dp, p []T, tg lossTargets[T], rows, cols int, scale T) {
	q, buf := make([]T, cols), make([]T, cols)
	for r := 0; r < rows; r++ {
		pr, tr := p[r*cols:(r+1)*cols], tg.row(r, buf)
		s := normalized(q, pr)
		var inner T
		for j, tj := range tr {
			if tj != 0 && q[j] > ceEps && q[j] < 1-ceEps {
				inner += tj / s
			}
		}
		for j, tj := range tr {
			var gj T
			if tj != 0 && q[j] > ceEps && q[j] < 1-ceEps {
				gj = -tj / (q[j] * s)
			}
			dp[r*cols+j] = scale * (gj + inner)
		}
	}
}

// expShifted sets q[j] = exp(p[j] - max p) and returns max p and Σ q.
func expShifted[T Float](q, p []T) (m, s T) {
	m = p[0]
	for _, v := range p {
		m = max(m, v)
	}
	for j, v := range p {
		q[j] = T(math.Exp(float64(v - m)))
		s += q[j]
	}
	return m, s
}

// crossentropyLogitsForward: per-sample loss -Σ_j t_j log softmax(p)_j,
// with log softmax as (p - m) - log Σ exp(p - m): log(q) is -Inf once exp
// underflows (logits thousands apart).
func crossentropyLogitsForward[T Float](acc, p []T, tg lossTargets[T], rows, cols int) {
	q, buf := make([]T, cols), make([]T, cols)
	for r := 0; r < rows; r++ {
		pr, tr := p[r*cols:(r+1)*cols], tg.row(r, buf)
		m, s := expShifted(q, pr)
		var loss T
		for j, tj := range tr {
			if tj != 0 {
				loss -= tj * ((pr[j] - m) - T(math.Log(float64(s))))
			}
		}
		acc[AccLoss] += loss
		if argmax(pr) == argmax(tr) {
			acc[AccCorrect]++
		}
	}
}

// crossentropyLogitsBackward: dp_j = scale * (softmax(p)_j Σ_k t_k - t_j).
func crossentropyLogitsBackward[T Float](dp, p []T, tg lossTargets[T], rows, cols int, scale T) {
	q, buf := make([]T, cols), make([]T, cols)
	for r := 0; r < rows; r++ {
		pr, tr := p[r*cols:(r+1)*cols], tg.row(r, buf)
		_, s := expShifted(q, pr)
		var st T
		for j := range q {
			q[j] /= s
			st += tr[j]
		}
		for j, tj := range tr {
			dp[r*cols+j] = scale * (q[j]*st - tj)
		}
	}
}
