package datasets

import (
	"math"
	"slices"
	"testing"
)

// Reference values below were produced once with Debian's python3-numpy
// 1.24.2 and python3-sklearn 1.2.1 (/usr/bin/python3), e.g.
// numpy.random.RandomState(0).permutation(10) and
// sklearn.model_selection.train_test_split(numpy.arange(n), test_size=..., random_state=...).

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

func TestMT19937Reference(t *testing.T) {
	// Published values: mt19937ar's default seed 5489 gives 3499211612 first,
	// and the C++ standard ([rand.predef]) says the 10000th output of a
	// default-constructed std::mt19937 (seed 5489) is 4123659995.
	r := NewMT19937(5489)
	if got := r.Uint32(); got != 3499211612 {
		t.Fatalf("seed 5489 first output = %d, want 3499211612", got)
	}
	for i := 2; i < 10000; i++ {
		r.Uint32()
	}
	if got := r.Uint32(); got != 4123659995 {
		t.Errorf("seed 5489 10000th output = %d, want 4123659995", got)
	}
	// numpy: bg = MT19937(); bg._legacy_seeding(s); bg.random_raw(5).
	for _, c := range []struct {
		seed uint32
		want []uint32
	}{
		{5489, []uint32{3499211612, 581869302, 3890346734, 3586334585, 545404204}},
		{0, []uint32{2357136044, 2546248239, 3071714933, 3626093760, 2588848963}},
		{1, []uint32{1791095845, 4282876139, 3093770124, 4005303368, 491263}},
	} {
		r := NewMT19937(c.seed)
		for i, w := range c.want {
			if got := r.Uint32(); got != w {
				t.Errorf("seed %d output %d = %d, want %d", c.seed, i, got, w)
			}
		}
	}
}

func TestPermutationNumpy(t *testing.T) {
	for _, c := range []struct {
		n    int
		seed uint32
		want []int
	}{
		{10, 0, []int{2, 8, 4, 9, 1, 6, 7, 3, 0, 5}},
		{7, 42, []int{0, 1, 5, 2, 4, 3, 6}},
		{12, 4294967295, []int{11, 8, 5, 9, 1, 10, 6, 0, 4, 7, 2, 3}},
		{2, 3, []int{1, 0}},
		{1, 1, []int{0}},
		{0, 1, []int{}},
	} {
		if got := Permutation(c.n, c.seed); !slices.Equal(got, c.want) {
			t.Errorf("Permutation(%d, %d) = %v, want %v", c.n, c.seed, got, c.want)
		}
	}
	// RandomState(0).permutation(1096)[:20], the lesson's first split.
	want := []int{1062, 27, 718, 491, 196, 317, 748, 789, 231, 268, 483, 655, 824, 678, 669, 264, 477, 14, 1000, 680}
	p := Permutation(1096, 0)
	if !slices.Equal(p[:20], want) {
		t.Errorf("Permutation(1096, 0)[:20] = %v, want %v", p[:20], want)
	}
	s := slices.Clone(p)
	slices.Sort(s)
	for i, v := range s {
		if v != i {
			t.Fatalf("Permutation(1096, 0) is not a permutation (sorted[%d] = %d)", i, v)
		}
	}
}

func TestTrainTestSplitSklearn(t *testing.T) {
	train, test := TrainTestSplit(10, 0.25, 0)
	if !slices.Equal(train, []int{9, 1, 6, 7, 3, 0, 5}) || !slices.Equal(test, []int{2, 8, 4}) {
		t.Errorf("TrainTestSplit(10, 0.25, 0) = %v, %v", train, test)
	}
	train, test = TrainTestSplit(7, 0.5, 3) // ceil(3.5) = 4 test samples
	if !slices.Equal(train, []int{1, 0, 2}) || !slices.Equal(test, []int{4, 6, 5, 3}) {
		t.Errorf("TrainTestSplit(7, 0.5, 3) = %v, %v", train, test)
	}
	for _, c := range []struct {
		n               int
		size            float64
		seed            uint32
		nTrain, nTest   int
		train8, test8   []int
		sumTrn, sumTest int
	}{
		{100, 0.2, 42, 80, 20, []int{55, 88, 26, 42, 69, 15, 40, 96}, []int{83, 53, 70, 45, 44, 39, 22, 80}, 4060, 890},
		{329, 0.5, 0, 164, 165, []int{230, 61, 67, 154, 328, 299, 188, 306}, []int{122, 66, 142, 246, 146, 63, 269, 15}, 27790, 26166},
	} {
		train, test := TrainTestSplit(c.n, c.size, c.seed)
		if len(train) != c.nTrain || len(test) != c.nTest ||
			!slices.Equal(train[:8], c.train8) || !slices.Equal(test[:8], c.test8) ||
			sum(train) != c.sumTrn || sum(test) != c.sumTest {
			t.Errorf("TrainTestSplit(%d, %g, %d): train %d %v.. sum %d, test %d %v.. sum %d; want %d %v %d, %d %v %d",
				c.n, c.size, c.seed, len(train), train[:8], sum(train), len(test), test[:8], sum(test),
				c.nTrain, c.train8, c.sumTrn, c.nTest, c.test8, c.sumTest)
		}
	}
	// Appending to test must not overwrite train (they share one permutation).
	train, test = TrainTestSplit(10, 0.25, 0)
	_ = append(test, -1)
	if train[0] != 9 {
		t.Errorf("append to test changed train[0] to %d", train[0])
	}
	// Out-of-range sizes are clamped, not a panic.
	if tr, te := TrainTestSplit(5, 1.5, 0); len(tr) != 0 || len(te) != 5 {
		t.Errorf("TrainTestSplit(5, 1.5) sizes %d/%d, want 0/5", len(tr), len(te))
	}
}

func TestLessonSplitIndicesSklearn(t *testing.T) {
	// The lesson: train_test_split(X_data, y_data, test_size=0.3, random_state=0),
	// then train_test_split(X_holdout, y_holdout, test_size=0.5, random_state=0)
	// on 1,096 rows; indices are rows of X_data.
	train, val, test := LessonSplitIndices(1096, 0)
	for _, c := range []struct {
		name  string
		got   []int
		n     int
		first []int
		sum   int
	}{
		{"train", train, 767, []int{458, 181, 427, 815, 9, 453, 820, 578, 752, 848}, 413571},
		{"val", val, 164, []int{583, 794, 721, 1040, 193, 150, 912, 871, 75, 214}, 93141},
		{"test", test, 165, []int{634, 1050, 403, 561, 687, 367, 887, 264, 859, 356}, 93348},
	} {
		if len(c.got) != c.n || !slices.Equal(c.got[:10], c.first) || sum(c.got) != c.sum {
			t.Errorf("%s: %d rows, first %v, sum %d; want %d, %v, %d", c.name, len(c.got), c.got[:min(10, len(c.got))], sum(c.got), c.n, c.first, c.sum)
		}
	}
}

func TestRMSE(t *testing.T) {
	if got := RMSE([]float32{1, 2, 3}, []float32{1, 2, 5}); math.Abs(got-math.Sqrt(4.0/3)) > 1e-12 {
		t.Errorf("RMSE = %v", got)
	}
	if !math.IsNaN(RMSE([]float32{1}, []float32{1, 2})) || !math.IsNaN(RMSE(nil, nil)) {
		t.Error("RMSE of mismatched or empty slices should be NaN")
	}
}
