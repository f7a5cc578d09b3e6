package datasets

import (
	"fmt"
	"math"
	"slices"
)

// StratifiedTrainTestSplit returns the row indices of scikit-learn's
//
//	train_test_split(X, y, test_size=testSize, random_state=seed, shuffle=True, stratify=y)
//
// for the class labels y, reproduced exactly (scikit-learn 1.2's
// StratifiedShuffleSplit._iter_indices over numpy's legacy RandomState):
//
//  1. the classes are the sorted distinct labels (np.unique), so their
//     order decides the order of the random draws below; see [OneHotStrata]
//     for a one-hot target, whose classes sort the other way round;
//  2. n_test = ceil(testSize*n), n_train = n - n_test;
//  3. per class, n_i = _approximate_mode(class_counts, n_train) and
//     t_i = _approximate_mode(class_counts - n_i, n_test): the floors of the
//     proportional shares, the rest handed out by largest remainder, ties
//     broken by rng.choice (a permutation of the tied classes);
//  4. per class in class order, a permutation of its rows (in file order):
//     the first n_i go to train, the next t_i to test;
//  5. train and test are each permuted once more.
//
// The errors are scikit-learn's ValueErrors, worded for a learner.
func StratifiedTrainTestSplit(y []int, testSize float64, seed uint32) (train, test []int, err error) {
	n := len(y)
	if !(testSize > 0 && testSize < 1) {
		return nil, nil, fmt.Errorf("datasets: stratified split: test_size=%v must be between 0 and 1 (the lesson uses 0.2)", testSize)
	}
	nTest := int(math.Ceil(testSize * float64(n)))
	nTrain := n - nTest
	if nTrain <= 0 {
		return nil, nil, fmt.Errorf("datasets: stratified split: with %d samples and test_size=%v the training set is empty; use a smaller test_size", n, testSize)
	}
	classes := slices.Clone(y)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	counts := make([]int, len(classes))
	// classIndices[c] are the rows of class c in increasing order, as
	// np.argsort(y_indices, kind="mergesort") (a stable sort) gives them.
	classIndices := make([][]int, len(classes))
	for i, v := range y {
		c, _ := slices.BinarySearch(classes, v)
		counts[c]++
		classIndices[c] = append(classIndices[c], i)
	}
	for c, k := range counts {
		if k < 2 {
			return nil, nil, fmt.Errorf("datasets: stratified split: class %d has only %d member; every class needs at least 2 (one for training, one for testing)", classes[c], k)
		}
	}
	if nTrain < len(classes) {
		return nil, nil, fmt.Errorf("datasets: stratified split: the training set would have %d samples, fewer than the %d classes; use a smaller test_size", nTrain, len(classes))
	}
	if nTest < len(classes) {
		return nil, nil, fmt.Errorf("datasets: stratified split: the test set would have %d samples, fewer than the %d classes; use a larger test_size", nTest, len(classes))
	}

	r := NewMT19937(seed)
	nI := approximateMode(counts, nTrain, r)
	left := make([]int, len(counts))
	for c := range counts {
		left[c] = counts[c] - nI[c]
	}
	tI := approximateMode(left, nTest, r)
	train = make([]int, 0, nTrain)
	test = make([]int, 0, nTest)
	for c, rows := range classIndices {
		perm := r.permutation(len(rows))
		for k, p := range perm {
			switch {
			case k < nI[c]:
				train = append(train, rows[p])
			case k < nI[c]+tI[c]:
				test = append(test, rows[p])
			}
		}
	}
	r.shuffle(train)
	r.shuffle(test)
	return train, test, nil
}

// OneHotStrata returns the labels that scikit-learn stratifies on when
// stratify is a one-hot table (the lesson passes get_dummies(species)):
// a 2-D y is turned into one string per row (" ".join(row.astype(str)):
// "1 0 0", or "True False False" for pandas >= 2's booleans) and those
// strings sort with the hot column last first, so class c of k becomes
// k-1-c. The split differs from stratifying on the labels themselves.
func OneHotStrata(labels []int, k int) []int {
	out := make([]int, len(labels))
	for i, c := range labels {
		out[i] = k - 1 - c
	}
	return out
}

// approximateMode is scikit-learn's _approximate_mode(class_counts,
// n_draws, rng): the floors of class_counts/total*n_draws, then one more
// for the classes with the largest remainders until n_draws are handed out;
// among equal remainders the classes are picked with
// rng.choice(inds, size, replace=False), which in numpy's legacy
// RandomState is permutation(len(inds))[:size].
func approximateMode(counts []int, nDraws int, r *MT19937) []int {
	total := 0
	for _, k := range counts {
		total += k
	}
	cont := make([]float64, len(counts))
	floored := make([]float64, len(counts))
	var sum float64
	for i, k := range counts {
		// Same float64 operations as numpy: (counts / total) * n_draws.
		cont[i] = float64(k) / float64(total) * float64(nDraws)
		floored[i] = math.Floor(cont[i])
		sum += floored[i]
	}
	need := int(float64(nDraws) - sum)
	if need > 0 {
		rem := make([]float64, len(counts))
		for i := range cont {
			rem[i] = cont[i] - floored[i]
		}
		values := slices.Clone(rem)
		slices.Sort(values)
		values = slices.Compact(values)
		slices.Reverse(values)
		for _, v := range values {
			var inds []int
			for i, x := range rem {
				if x == v {
					inds = append(inds, i)
				}
			}
			add := min(len(inds), need)
			for _, p := range r.permutation(len(inds))[:add] {
				floored[inds[p]]++
			}
			need -= add
			if need == 0 {
				break
			}
		}
	}
	out := make([]int, len(counts))
	for i, f := range floored {
		out[i] = int(f)
	}
	return out
}

// permutation is RandomState.permutation(n) drawn from r's current state
// (see [Permutation], which seeds a fresh generator).
func (r *MT19937) permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.shuffle(p)
	return p
}

// shuffle is the legacy RandomState.shuffle of a 1-D array: Fisher–Yates
// from the end, swapping element i with random_interval(i).
func (r *MT19937) shuffle(p []int) {
	for i := len(p) - 1; i > 0; i-- {
		j := r.interval(uint32(i))
		p[i], p[j] = p[j], p[i]
	}
}
