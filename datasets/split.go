package datasets

import "math"

// MT19937 is the Mersenne Twister of Matsumoto and Nishimura (mt19937ar.c),
// seeded like numpy's legacy RandomState(seed) for an integer seed:
// _legacy_seeding calls mt19937_seed, which is mt19937ar's init_genrand.
type MT19937 struct {
	mt  [mtN]uint32
	idx int
}

const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff
)

// NewMT19937 returns a generator seeded with init_genrand(seed).
func NewMT19937(seed uint32) *MT19937 {
	r := &MT19937{}
	r.mt[0] = seed
	for i := 1; i < mtN; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.idx = mtN
	return r
}

// Uint32 is mt19937ar's genrand_int32 (numpy's legacy next_uint32).
func (r *MT19937) Uint32() uint32 {
	if r.idx >= mtN {
		r.twist()
	}
	y := r.mt[r.idx]
	r.idx++
	// Tempering.
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// twist regenerates the 624 words of state.
func (r *MT19937) twist() {
	for i := 0; i < mtN; i++ {
		y := r.mt[i]&mtUpperMask | r.mt[(i+1)%mtN]&mtLowerMask
		v := r.mt[(i+mtM)%mtN] ^ y>>1
		if y&1 != 0 {
			v ^= mtMatrixA
		}
		r.mt[i] = v
	}
	r.idx = 0
}

// interval returns a uniform integer in [0, max], as numpy's legacy
// random_interval (distributions.c) does for max <= 0xffffffff: draw 32 bits,
// mask them to the smallest all-ones mask covering max, reject values > max.
func (r *MT19937) interval(max uint32) uint32 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	for {
		if v := r.Uint32() & mask; v <= max {
			return v
		}
	}
}

// Permutation returns numpy.random.RandomState(seed).permutation(n): it
// shuffles arange(n) with the legacy RandomState.shuffle (_shuffle_raw),
// a Fisher–Yates shuffle from the end: for i = n-1 down to 1, swap
// element i with element random_interval(i). Only n < 2^32 is supported,
// the range where numpy also draws 32-bit words.
func Permutation(n int, seed uint32) []int {
	p := make([]int, max(n, 0))
	for i := range p {
		p[i] = i
	}
	r := NewMT19937(seed)
	for i := len(p) - 1; i > 0; i-- {
		j := r.interval(uint32(i))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// TrainTestSplit returns the row indices of scikit-learn's
// train_test_split(X, y, test_size=testSize, random_state=seed) (shuffle=True,
// no stratification) for n samples. As in _validate_shuffle_split, a float
// test_size gives n_test = ceil(testSize*n) and n_train = n - n_test; as in
// ShuffleSplit._iter_indices, perm = RandomState(seed).permutation(n),
// test = perm[:n_test] and train = perm[n_test:n_test+n_train].
//
// scikit-learn raises ValueError for testSize outside (0, 1) or an empty
// train set; here n_test is clamped to [0, n] instead, so callers that
// need those checks must make them.
func TrainTestSplit(n int, testSize float64, seed uint32) (train, test []int) {
	nTest := int(math.Ceil(testSize * float64(n)))
	nTest = min(max(nTest, 0), max(n, 0))
	perm := Permutation(n, seed)
	return perm[nTest:], perm[:nTest:nTest] // full slice expression: appending to test must not clobber train
}

// LessonSplitIndices returns the row indices of the lesson's three sets:
//
//	X_train, X_holdout, ... = train_test_split(X_data, y_data, test_size=0.3, random_state=0)
//	X_val, X_test, ...      = train_test_split(X_holdout, y_holdout, test_size=0.5, random_state=0)
//
// The second split permutes positions within the holdout set (in holdout
// order), which are mapped back to rows of X_data here.
func LessonSplitIndices(n int, seed uint32) (train, val, test []int) {
	train, hold := TrainTestSplit(n, 0.3, seed)
	v, t := TrainTestSplit(len(hold), 0.5, seed)
	val = make([]int, len(v))
	for i, k := range v {
		val[i] = hold[k]
	}
	test = make([]int, len(t))
	for i, k := range t {
		test[i] = hold[k]
	}
	return train, val, test
}

// Split holds the lesson's training, validation and test sets.
type Split struct {
	XTrain, YTrain, XVal, YVal, XTest, YTest *Matrix
	// TrainIdx, ValIdx and TestIdx are the rows of X and Y in each set.
	TrainIdx, ValIdx, TestIdx []int
}

// LessonSplit splits X and Y (same number of rows) as the lesson does, see
// [LessonSplitIndices]; seed is the lesson's random_state=0. With the
// default 1,096 samples that is 767 / 164 / 165 rows.
func LessonSplit(X, Y *Matrix, seed uint32) Split {
	tr, va, te := LessonSplitIndices(X.Rows, seed)
	return Split{
		XTrain: X.Take(tr), YTrain: Y.Take(tr),
		XVal: X.Take(va), YVal: Y.Take(va),
		XTest: X.Take(te), YTest: Y.Take(te),
		TrainIdx: tr, ValIdx: va, TestIdx: te,
	}
}

// RMSE is the root mean squared error of pred against truth, computed in
// float64 (sklearn's mean_squared_error(truth, pred, squared=False)).
// It returns NaN if the lengths differ or are zero.
func RMSE(pred, truth []float32) float64 {
	if len(pred) != len(truth) || len(pred) == 0 {
		return math.NaN()
	}
	var s float64
	for i, p := range pred {
		d := float64(p) - float64(truth[i])
		s += d * d
	}
	return math.Sqrt(s / float64(len(pred)))
}
