package crossval

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/pyenv"
)

// pyCase is one input of testdata/sklearn_split.py.
type pyCase struct {
	Kind         string  `json:"kind"`
	N            int     `json:"n"`
	Y            []int32 `json:"y"`
	NSplits      int     `json:"n_splits"`
	TestSize     *int    `json:"test_size"`
	Gap          int     `json:"gap"`
	MaxTrainSize *int    `json:"max_train_size"`
	Shuffle      bool    `json:"shuffle"`
	RandomState  *int64  `json:"random_state"`
	TestFraction float64 `json:"test_fraction,omitempty"`

	splitter Splitter
}

// pyResult is its output for one case.
type pyResult struct {
	Folds    [][2][]int `json:"folds"`
	Error    string     `json:"error"`
	Warnings []string   `json:"warnings"`
	Sklearn  string     `json:"sklearn"`
}

func intPtr(v int) *int {
	if v == 0 {
		return nil // scikit-learn's None
	}
	return &v
}

func tsCase(n, splits, testSize, gap, maxTrain int) pyCase {
	return pyCase{Kind: "timeseries", N: n, NSplits: splits, TestSize: intPtr(testSize), Gap: gap, MaxTrainSize: intPtr(maxTrain),
		splitter: TimeSeriesSplit{NSplits: splits, TestSize: testSize, Gap: gap, MaxTrainSize: maxTrain}}
}

func kfCase(n, splits int, shuffle bool, seed int64) pyCase {
	c := pyCase{Kind: "kfold", N: n, NSplits: splits, Shuffle: shuffle, splitter: KFold{NSplits: splits, Shuffle: shuffle, Seed: seed}}
	if shuffle {
		c.RandomState = &seed
	}
	return c
}

func skfCase(y []int32, splits int, shuffle bool, seed int64) pyCase {
	c := pyCase{Kind: "stratified", N: len(y), Y: y, NSplits: splits, Shuffle: shuffle, splitter: StratifiedKFold{NSplits: splits, Shuffle: shuffle, Seed: seed}}
	if shuffle {
		c.RandomState = &seed
	}
	return c
}

// labels draws n labels from the given class weights, in random order.
func labels(r *rand.Rand, n int, weights []float64) []int32 {
	var total float64
	for _, w := range weights {
		total += w
	}
	y := make([]int32, n)
	for i := range y {
		u := r.Float64() * total
		k := 0
		for ; k < len(weights)-1 && u >= weights[k]; k++ {
			u -= weights[k]
		}
		y[i] = int32(k)
	}
	return y
}

func runSklearn(t *testing.T, cases []pyCase) []pyResult {
	t.Helper()
	py := pyenv.Require(t, "sklearn")
	var res []pyResult
	pyenv.RunJSON(t, py, filepath.Join("testdata", "sklearn_split.py"), cases, &res)
	if len(res) != len(cases) {
		t.Fatalf("got %d results for %d cases", len(res), len(cases))
	}
	t.Logf("reference: scikit-learn %s", res[0].Sklearn)
	return res
}

// checkPartition checks the invariants every splitter's folds share.
func checkPartition(t *testing.T, name string, n int, folds []Fold, cover bool) {
	t.Helper()
	inTest := make([]int, n)
	for k, f := range folds {
		if !slices.IsSorted(f.Train) || !slices.IsSorted(f.Test) {
			t.Errorf("%s fold %d: indices not ascending", name, k)
		}
		if len(f.Test) == 0 || len(f.Train) == 0 {
			t.Errorf("%s fold %d: empty train (%d) or test (%d)", name, k, len(f.Train), len(f.Test))
		}
		seen := make(map[int]bool, len(f.Train))
		for _, i := range f.Train {
			seen[i] = true
		}
		for _, i := range f.Test {
			if seen[i] {
				t.Fatalf("%s fold %d: row %d in train and test", name, k, i)
			}
			inTest[i]++
		}
		if cover && len(f.Train)+len(f.Test) != n {
			t.Errorf("%s fold %d: %d+%d rows, want %d", name, k, len(f.Train), len(f.Test), n)
		}
	}
	if cover {
		for i, c := range inTest {
			if c != 1 {
				t.Fatalf("%s: row %d in %d test folds, want 1", name, i, c)
			}
		}
	}
}

// classCountsPerFold returns, per fold, the test rows per label.
func classCountsPerFold(test [][]int, y []int32) []map[int32]int {
	out := make([]map[int32]int, len(test))
	for k, idx := range test {
		out[k] = map[int32]int{}
		for _, i := range idx {
			out[k][y[i]]++
		}
	}
	return out
}

func TestSplittersMatchSklearn(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var cases []pyCase
	// TimeSeriesSplit: default and explicit test sizes, gaps, sliding windows,
	// and the error cases (too many folds, too many splits for the gap).
	for _, n := range []int{3, 6, 7, 10, 23, 100, 1001} {
		for _, splits := range []int{2, 3, 5} {
			for _, testSize := range []int{0, 1, 3, 7} {
				for _, gap := range []int{0, 1, 2, 5} {
					for _, maxTrain := range []int{0, 3, 10} {
						cases = append(cases, tsCase(n, splits, testSize, gap, maxTrain))
					}
				}
			}
		}
	}
	// KFold without shuffling, including n_splits > n.
	for _, n := range []int{2, 5, 7, 10, 23, 101} {
		for _, splits := range []int{2, 3, 5, 10} {
			cases = append(cases, kfCase(n, splits, false, 0))
		}
	}
	// StratifiedKFold without shuffling. Labels are not in sorted order of
	// first appearance, classes are unbalanced, some are rarer than n_splits
	// (warning), and in some cases all are (error).
	strat := [][]int32{
		{0, 0, 0, 0, 1, 1, 1, 1, 1, 1},                                                    // 0
		{3, 3, 1, 1, 1, 3, 7, 7, 7, 7, 1, 3, 3},                                           // 1: codes by appearance differ from sorted codes
		{5, 5, 5, 5, 5, 5},                                                                // 2: a single class
		{0, 1, 2, 0, 1, 2, 0, 1},                                                          // 3: every class smaller than 5 (error at 5)
		{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 9},                         // 4: two singletons (warning)
		labels(r, 50, []float64{5, 1, 1}),                                                 // 5
		labels(r, 237, []float64{50, 30, 10, 5, 2, 1, 0.5}),                               // 6
		labels(r, 1000, []float64{0.47, 0.40, 0.064, 0.052, 0.007, 0.005, 0.001, 0.0001}), // 7: cic_ton_iot-like
	}
	for _, y := range strat {
		for _, splits := range []int{2, 3, 5} {
			cases = append(cases, skfCase(y, splits, false, 0))
		}
	}
	// Holdout without shuffling, against train_test_split(shuffle=False).
	for _, n := range []int{2, 3, 10, 11, 99} {
		for _, f := range []float64{0.1, 0.2, 0.25, 0.5, 0.9} {
			cases = append(cases, pyCase{Kind: "holdout", N: n, TestFraction: f, splitter: Holdout{TestFraction: f}})
		}
	}
	res := runSklearn(t, cases)
	matched, errors := 0, 0
	for i, c := range cases {
		name := fmt.Sprintf("case %d %v n=%d", i, c.splitter, c.N)
		want := res[i]
		folds, err := c.splitter.Split(c.N, c.Y)
		if want.Error != "" {
			errors++
			if err == nil {
				t.Errorf("%s: no error, scikit-learn raised %q", name, want.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: error %v, scikit-learn split fine", name, err)
			continue
		}
		if len(folds) != len(want.Folds) {
			t.Errorf("%s: %d folds, want %d", name, len(folds), len(want.Folds))
			continue
		}
		for k, f := range folds {
			wantTrain, wantTest := want.Folds[k][0], want.Folds[k][1]
			if !slices.Equal(f.Train, wantTrain) || !slices.Equal(f.Test, wantTest) {
				t.Errorf("%s fold %d:\n train %v\n  want %v\n test %v\n  want %v", name, k, f.Train, wantTrain, f.Test, wantTest)
			}
		}
		if got := Warnings(c.splitter, c.N, c.Y); !reflect.DeepEqual(got, nilIfEmpty(want.Warnings)) {
			t.Errorf("%s: warnings %q, want %q", name, got, want.Warnings)
		}
		matched++
	}
	t.Logf("%d cases: %d index sets equal to scikit-learn's, %d errors where scikit-learn raises", len(cases), matched, errors)
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// With shuffling numpy's generator cannot be reproduced, so the test checks
// what does not depend on it: fold sizes (KFold) and rows per class per fold
// (StratifiedKFold) equal scikit-learn's, the folds partition the rows, and
// a seed always gives the same folds.
func TestShuffledSplitsMatchSklearnCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ys := [][]int32{
		labels(r, 40, []float64{3, 1}),
		labels(r, 311, []float64{50, 30, 10, 5, 2, 1, 0.5}),
		labels(r, 2000, []float64{0.47, 0.40, 0.064, 0.052, 0.007, 0.005, 0.001, 0.0001}),
	}
	var cases []pyCase
	for _, y := range ys {
		for _, splits := range []int{2, 5} {
			for _, seed := range []int64{0, 24} {
				cases = append(cases, skfCase(y, splits, true, seed), kfCase(len(y), splits, true, seed))
			}
		}
	}
	res := runSklearn(t, cases)
	for i, c := range cases {
		name := fmt.Sprintf("case %d %v n=%d", i, c.splitter, c.N)
		folds, err := c.splitter.Split(c.N, c.Y)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkPartition(t, name, c.N, folds, true)
		var got, want [][]int
		for k := range folds {
			got = append(got, folds[k].Test)
			want = append(want, res[i].Folds[k][1])
		}
		if c.Kind == "stratified" {
			if g, w := classCountsPerFold(got, c.Y), classCountsPerFold(want, c.Y); !reflect.DeepEqual(g, w) {
				t.Errorf("%s: rows per class per fold\n got %v\nwant %v", name, g, w)
			}
		}
		for k := range got {
			if len(got[k]) != len(want[k]) {
				t.Errorf("%s fold %d: %d test rows, want %d", name, k, len(got[k]), len(want[k]))
			}
		}
		again, _ := c.splitter.Split(c.N, c.Y)
		if !reflect.DeepEqual(folds, again) {
			t.Errorf("%s: two splits with the same seed differ", name)
		}
		// Shuffling must actually move rows: the unshuffled folds differ.
		var plain []Fold
		switch s := c.splitter.(type) {
		case KFold:
			s.Shuffle = false
			plain, _ = s.Split(c.N, c.Y)
		case StratifiedKFold:
			s.Shuffle = false
			plain, _ = s.Split(c.N, c.Y)
		}
		if reflect.DeepEqual(folds, plain) {
			t.Errorf("%s: shuffled folds equal the unshuffled ones", name)
		}
	}
}

func TestSeedsGiveDifferentFolds(t *testing.T) {
	y := labels(rand.New(rand.NewPCG(5, 6)), 500, []float64{3, 2, 1})
	for _, mk := range []func(int64) Splitter{
		func(s int64) Splitter { return KFold{NSplits: 5, Shuffle: true, Seed: s} },
		func(s int64) Splitter { return StratifiedKFold{NSplits: 5, Shuffle: true, Seed: s} },
		func(s int64) Splitter { return Holdout{TestFraction: 0.2, Shuffle: true, Seed: s} },
	} {
		a, err := mk(1).Split(len(y), y)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := mk(2).Split(len(y), y)
		if reflect.DeepEqual(a, b) {
			t.Errorf("%v and %v give the same folds", mk(1), mk(2))
		}
	}
}

// The seed notebook's split of cic_ton_iot (spec section 4, step 7):
// 5,350,583 rows, test blocks of 891,763 rows, the first training set
// 891,768 rows, growing by 891,763 per fold to 4,458,820.
func TestTimeSeriesSplitSeedRun(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 5 folds over 5.35M rows")
	}
	folds, err := TimeSeriesSplit{NSplits: 5}.Split(5350583, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, f := range folds {
		wantTrain := 891768 + k*891763
		if len(f.Train) != wantTrain || len(f.Test) != 891763 {
			t.Errorf("fold %d: %d train, %d test rows; want %d, 891763", k+1, len(f.Train), len(f.Test), wantTrain)
		}
		if f.Train[0] != 0 || f.Test[0] != f.Train[len(f.Train)-1]+1 {
			t.Errorf("fold %d: training rows do not end right before the test block", k+1)
		}
	}
	if last := folds[4].Test[len(folds[4].Test)-1]; last != 5350582 {
		t.Errorf("last test row %d, want 5350582", last)
	}
}

func TestErrors(t *testing.T) {
	y := []int32{0, 0, 1, 1, 1}
	cases := []struct {
		s    Splitter
		n    int
		want string
	}{
		{TimeSeriesSplit{NSplits: 1}, 10, "n_splits=2 or more"},                 // 0
		{TimeSeriesSplit{NSplits: 5}, 5, "number of folds=6 greater"},           // 1
		{TimeSeriesSplit{NSplits: 3, TestSize: 3}, 9, "too many splits=3"},      // 2
		{TimeSeriesSplit{NSplits: 2, Gap: -1}, 9, "must not be negative"},       // 3
		{KFold{NSplits: 0}, 5, "n_splits=2 or more"},                            // 4
		{KFold{NSplits: 6}, 5, "n_splits=6 greater than the number of samples"}, // 5
		{StratifiedKFold{NSplits: 4}, 5, "greater than the number of members"},  // 6
		{StratifiedKFold{NSplits: 6}, 5, "greater than the number of samples"},  // 7
		{Holdout{TestFraction: 0}, 5, "not in (0, 1)"},                          // 8
		{Holdout{TestFraction: 1}, 5, "not in (0, 1)"},                          // 9
		{Holdout{TestFraction: 0.9}, 1, "would be empty"},                       // 10
		{StratifiedKFold{NSplits: 2}, 0, "greater than the number of samples"},  // 11
	}
	for i, c := range cases {
		var lab []int32
		if c.n == len(y) {
			lab = y
		} else if _, ok := c.s.(StratifiedKFold); ok {
			lab = make([]int32, c.n)
		}
		_, err := c.s.Split(c.n, lab)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d: %v.Split(%d): error %v, want one containing %q", i, c.s, c.n, err, c.want)
		}
	}
}

func TestMisusePanics(t *testing.T) {
	for i, f := range []func(){
		func() { StratifiedKFold{NSplits: 2}.Split(4, nil) },
		func() { KFold{NSplits: 2}.Split(4, []int32{0, 1}) },
		func() { ClassCounts([]int{0}, []int32{3}, 2) },
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "crossval: ") {
					t.Errorf("%d: recovered %v, want a crossval panic", i, r)
				}
			}()
			f()
		}()
	}
}

func TestStrings(t *testing.T) {
	cases := []struct {
		s    Splitter
		want string
	}{
		{TimeSeriesSplit{NSplits: 5}, "TimeSeriesSplit(n_splits=5)"},                                                                             // 0
		{TimeSeriesSplit{NSplits: 3, TestSize: 2, Gap: 1, MaxTrainSize: 9}, "TimeSeriesSplit(n_splits=3, test_size=2, gap=1, max_train_size=9)"}, // 1
		{KFold{NSplits: 5}, "KFold(n_splits=5)"},                                                                                                 // 2
		{KFold{NSplits: 5, Shuffle: true, Seed: 24}, "KFold(n_splits=5, shuffle=True, seed=24)"},                                                 // 3
		{StratifiedKFold{NSplits: 5, Shuffle: true, Seed: 24}, "StratifiedKFold(n_splits=5, shuffle=True, seed=24)"},                             // 4
		{StratifiedKFold{NSplits: 5}, "StratifiedKFold(n_splits=5)"},                                                                             // 5
		{Holdout{TestFraction: 0.2}, "Holdout(test_fraction=0.2)"},                                                                               // 6
		{Holdout{TestFraction: 0.25, Shuffle: true, Seed: 7}, "Holdout(test_fraction=0.25, shuffle=True, seed=7)"},                               // 7
	}
	for i, c := range cases {
		if got := c.s.String(); got != c.want {
			t.Errorf("%d: %q, want %q", i, got, c.want)
		}
	}
}

func TestHoldoutShuffle(t *testing.T) {
	folds, err := Holdout{TestFraction: 0.3, Shuffle: true, Seed: 9}.Split(101, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, "holdout", 101, folds, false)
	if n := len(folds[0].Train) + len(folds[0].Test); n != 101 {
		t.Errorf("holdout covers %d rows, want 101", n)
	}
	if len(folds) != 1 || len(folds[0].Test) != 31 { // ceil(0.3·101) = 31, as train_test_split
		t.Fatalf("got %d folds, %d test rows; want 1, 31", len(folds), len(folds[0].Test))
	}
	if slices.Equal(folds[0].Test, span(70, 101)) {
		t.Error("shuffled holdout took the last rows")
	}
}

func TestUnseenClassesAndCounts(t *testing.T) {
	// Like the seed run: the last block holds classes no earlier row has.
	y := []int32{0, 1, 0, 1, 0, 1, 2, 0, 3, 2}
	folds, err := TimeSeriesSplit{NSplits: 2, TestSize: 3}.Split(len(y), y)
	if err != nil {
		t.Fatal(err)
	}
	if got := UnseenClasses(folds[0], y); !slices.Equal(got, []int32{2}) { // train rows 0–3, test 4–6
		t.Errorf("fold 0 unseen %v, want [2]", got)
	}
	if got := UnseenClasses(folds[1], y); !slices.Equal(got, []int32{3}) { // train rows 0–6, test 7–9
		t.Errorf("fold 1 unseen %v, want [3]", got)
	}
	if got := ClassCounts(folds[1].Test, y, 4); !slices.Equal(got, []int64{1, 0, 1, 1}) {
		t.Errorf("test counts %v", got)
	}
	if got := UnseenClasses(Fold{Train: []int{0, 1}, Test: []int{2, 3}}, y); got != nil {
		t.Errorf("unseen %v, want none", got)
	}
}

func ExampleTimeSeriesSplit() {
	s := TimeSeriesSplit{NSplits: 3}
	folds, _ := s.Split(8, nil)
	fmt.Println(s)
	for _, f := range folds {
		fmt.Println(f.Train, f.Test)
	}
	// Output:
	// TimeSeriesSplit(n_splits=3)
	// [0 1] [2 3]
	// [0 1 2 3] [4 5]
	// [0 1 2 3 4 5] [6 7]
}

func ExampleStratifiedKFold() {
	y := []int32{0, 0, 0, 0, 1, 1, 1, 1, 1, 1}
	folds, _ := StratifiedKFold{NSplits: 2}.Split(len(y), y)
	for _, f := range folds {
		fmt.Println(f.Test)
	}
	// Output:
	// [0 1 4 5 6]
	// [2 3 7 8 9]
}
