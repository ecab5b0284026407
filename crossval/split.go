package crossval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Fold is one train/test split: row indices into the data set, each slice in
// ascending order.
type Fold struct {
	Train, Test []int
}

// Splitter divides n rows with labels y into folds.
type Splitter interface {
	// Split returns the folds for n rows. y holds one label per row; it is
	// required by StratifiedKFold and ignored (it may be nil) by the others.
	Split(n int, y []int32) ([]Fold, error)
	// String describes the splitter and its non-default settings in
	// scikit-learn's notation, e.g. "TimeSeriesSplit(n_splits=5)"; it is what
	// the results file records as its configuration.
	String() string
}

// Warner is implemented by splitters that, like scikit-learn, accept some
// data with a warning instead of an error.
type Warner interface {
	// Warnings returns the warnings scikit-learn would emit when splitting
	// n rows labelled y; nil when there are none.
	Warnings(n int, y []int32) []string
}

// Warnings returns s's warnings for n rows labelled y when s is a Warner, and
// nil otherwise.
func Warnings(s Splitter, n int, y []int32) []string {
	if w, ok := s.(Warner); ok {
		return w.Warnings(n, y)
	}
	return nil
}

func checkLabels(n int, y []int32, required bool) {
	if n < 0 {
		panic(fmt.Sprintf("crossval: negative number of rows %d", n))
	}
	if y == nil && !required {
		return
	}
	if len(y) != n {
		panic(fmt.Sprintf("crossval: %d labels for %d rows", len(y), n))
	}
}

func checkSplits(nSplits, n int) error {
	if nSplits < 2 {
		return fmt.Errorf("crossval: k-fold cross-validation requires at least one train/test split by setting n_splits=2 or more, got n_splits=%d", nSplits)
	}
	if nSplits > n {
		return fmt.Errorf("crossval: cannot have number of splits n_splits=%d greater than the number of samples: n_samples=%d", nSplits, n)
	}
	return nil
}

// span returns the indices lo, lo+1, …, hi-1.
func span(lo, hi int) []int {
	s := make([]int, hi-lo)
	for i := range s {
		s[i] = lo + i
	}
	return s
}

// foldsFromAssignment turns a fold number per row into folds whose test set
// is the rows assigned to that fold and whose training set is all the others.
func foldsFromAssignment(assign []int, nSplits int) []Fold {
	sizes := make([]int, nSplits)
	for _, f := range assign {
		sizes[f]++
	}
	folds := make([]Fold, nSplits)
	for k := range folds {
		folds[k].Test = make([]int, 0, sizes[k])
		folds[k].Train = make([]int, 0, len(assign)-sizes[k])
	}
	for i, f := range assign {
		for k := range folds {
			if k == f {
				folds[k].Test = append(folds[k].Test, i)
			} else {
				folds[k].Train = append(folds[k].Train, i)
			}
		}
	}
	return folds
}

func newRand(seed int64) *rand.Rand {
	// The second PCG word is a fixed constant so that every seed, including
	// 0, gives a distinct, well-mixed stream.
	return rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
}

// TimeSeriesSplit is scikit-learn's TimeSeriesSplit: the test sets are the
// last NSplits blocks of TestSize rows, and each training set is every row
// before its test block minus Gap rows (only the last MaxTrainSize of them
// when MaxTrainSize > 0). The zero values of TestSize, Gap and MaxTrainSize
// mean scikit-learn's defaults: n/(NSplits+1), 0 and unlimited.
type TimeSeriesSplit struct {
	NSplits      int // number of folds, at least 2 (scikit-learn's default is 5)
	TestSize     int // rows per test block; 0 means n/(NSplits+1)
	Gap          int // rows left out between the end of training and the test block
	MaxTrainSize int // maximum training rows (the most recent ones); 0 means no limit
}

// Split implements Splitter; y is ignored.
func (s TimeSeriesSplit) Split(n int, y []int32) ([]Fold, error) {
	checkLabels(n, y, false)
	if s.NSplits < 2 {
		return nil, checkSplits(s.NSplits, n)
	}
	if s.TestSize < 0 || s.Gap < 0 || s.MaxTrainSize < 0 {
		return nil, fmt.Errorf("crossval: %v: test_size, gap and max_train_size must not be negative", s)
	}
	nFolds := s.NSplits + 1
	testSize := s.TestSize
	if testSize == 0 {
		testSize = n / nFolds
	}
	if nFolds > n {
		return nil, fmt.Errorf("crossval: cannot have number of folds=%d greater than the number of samples=%d", nFolds, n)
	}
	if n-s.Gap-testSize*s.NSplits <= 0 {
		return nil, fmt.Errorf("crossval: too many splits=%d for number of samples=%d with test_size=%d and gap=%d", s.NSplits, n, testSize, s.Gap)
	}
	folds := make([]Fold, 0, s.NSplits)
	for testStart := n - s.NSplits*testSize; testStart < n; testStart += testSize {
		trainEnd := testStart - s.Gap
		trainStart := 0
		if s.MaxTrainSize > 0 && s.MaxTrainSize < trainEnd {
			trainStart = trainEnd - s.MaxTrainSize
		}
		folds = append(folds, Fold{Train: span(trainStart, trainEnd), Test: span(testStart, testStart+testSize)})
	}
	return folds, nil
}

// String implements Splitter.
func (s TimeSeriesSplit) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "TimeSeriesSplit(n_splits=%d", s.NSplits)
	if s.TestSize != 0 {
		fmt.Fprintf(&b, ", test_size=%d", s.TestSize)
	}
	if s.Gap != 0 {
		fmt.Fprintf(&b, ", gap=%d", s.Gap)
	}
	if s.MaxTrainSize != 0 {
		fmt.Fprintf(&b, ", max_train_size=%d", s.MaxTrainSize)
	}
	b.WriteString(")")
	return b.String()
}

// KFold is scikit-learn's KFold: NSplits consecutive folds, the first n%NSplits
// of them one row larger. With Shuffle the rows are permuted first (seeded by
// Seed; the permutation differs from numpy's) and each fold's indices are then
// sorted.
type KFold struct {
	NSplits int   // number of folds, at least 2
	Shuffle bool  // permute the rows before cutting the folds
	Seed    int64 // seed of the permutation when Shuffle is set
}

// Split implements Splitter; y is ignored.
func (s KFold) Split(n int, y []int32) ([]Fold, error) {
	checkLabels(n, y, false)
	if err := checkSplits(s.NSplits, n); err != nil {
		return nil, err
	}
	order := span(0, n)
	if s.Shuffle {
		r := newRand(s.Seed)
		r.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	assign := make([]int, n)
	current := 0
	for k := range s.NSplits {
		size := n / s.NSplits
		if k < n%s.NSplits {
			size++
		}
		for _, i := range order[current : current+size] {
			assign[i] = k
		}
		current += size
	}
	return foldsFromAssignment(assign, s.NSplits), nil
}

// String implements Splitter.
func (s KFold) String() string {
	if s.Shuffle {
		return fmt.Sprintf("KFold(n_splits=%d, shuffle=True, seed=%d)", s.NSplits, s.Seed)
	}
	return fmt.Sprintf("KFold(n_splits=%d)", s.NSplits)
}

// StratifiedKFold is scikit-learn's StratifiedKFold (the allocation of
// scikit-learn ≥ 0.24): every fold receives each class's rows in the share a
// round robin over the label-sorted rows gives it, and within a class the
// rows go to folds in blocks, in row order. With Shuffle the block order
// within each class is permuted (seeded by Seed); the number of rows of each
// class in each fold does not change.
type StratifiedKFold struct {
	NSplits int   // number of folds, at least 2
	Shuffle bool  // permute each class's fold assignment
	Seed    int64 // seed of the permutation when Shuffle is set
}

// classes encodes y by order of first appearance, like scikit-learn, and
// returns the codes and the count of each code.
func classes(y []int32) (codes []int, counts []int) {
	index := make(map[int32]int)
	codes = make([]int, len(y))
	for i, v := range y {
		c, ok := index[v]
		if !ok {
			c = len(index)
			index[v] = c
			counts = append(counts, 0)
		}
		codes[i] = c
		counts[c]++
	}
	return codes, counts
}

// Split implements Splitter; y is required and must have n labels.
func (s StratifiedKFold) Split(n int, y []int32) ([]Fold, error) {
	checkLabels(n, y, true)
	if err := checkSplits(s.NSplits, n); err != nil {
		return nil, err
	}
	codes, counts := classes(y)
	if slices.Max(counts) < s.NSplits {
		return nil, fmt.Errorf("crossval: n_splits=%d cannot be greater than the number of members in each class", s.NSplits)
	}
	// scikit-learn sorts the codes and deals them round robin to the folds:
	// fold i gets the positions p ≡ i (mod NSplits) of the sorted sequence,
	// in which class k occupies [start_k, start_k+count_k).
	below := func(x, i int) int { // positions p < x with p%NSplits == i
		c := x / s.NSplits
		if x%s.NSplits > i {
			c++
		}
		return c
	}
	var r *rand.Rand
	if s.Shuffle {
		r = newRand(s.Seed)
	}
	perClass := make([][]int, len(counts)) // fold of each row of the class, in row order
	start := 0
	for k, c := range counts {
		fs := make([]int, 0, c)
		for i := range s.NSplits {
			for range below(start+c, i) - below(start, i) {
				fs = append(fs, i)
			}
		}
		if r != nil {
			r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
		}
		perClass[k] = fs
		start += c
	}
	assign := make([]int, n)
	next := make([]int, len(counts))
	for i, k := range codes {
		assign[i] = perClass[k][next[k]]
		next[k]++
	}
	return foldsFromAssignment(assign, s.NSplits), nil
}

// Warnings implements Warner: scikit-learn warns when the least populated
// class has fewer rows than NSplits (and errors only when every class has).
func (s StratifiedKFold) Warnings(n int, y []int32) []string {
	checkLabels(n, y, true)
	if n == 0 {
		return nil
	}
	_, counts := classes(y)
	if m := slices.Min(counts); m < s.NSplits && slices.Max(counts) >= s.NSplits {
		return []string{fmt.Sprintf("The least populated class in y has only %d members, which is less than n_splits=%d.", m, s.NSplits)}
	}
	return nil
}

// String implements Splitter.
func (s StratifiedKFold) String() string {
	if s.Shuffle {
		return fmt.Sprintf("StratifiedKFold(n_splits=%d, shuffle=True, seed=%d)", s.NSplits, s.Seed)
	}
	return fmt.Sprintf("StratifiedKFold(n_splits=%d)", s.NSplits)
}

// Holdout is a single train/test split with ceil(TestFraction·n) test rows,
// as scikit-learn's train_test_split counts them. Without Shuffle the test
// rows are the last ones (the most recent, for time-sorted data); with
// Shuffle they are drawn at random (seeded by Seed).
type Holdout struct {
	TestFraction float64 // share of rows in the test set, in (0, 1)
	Shuffle      bool    // draw the test rows at random instead of taking the last ones
	Seed         int64   // seed of the draw when Shuffle is set
}

// Split implements Splitter; y is ignored. It returns one fold.
func (s Holdout) Split(n int, y []int32) ([]Fold, error) {
	checkLabels(n, y, false)
	if !(s.TestFraction > 0 && s.TestFraction < 1) {
		return nil, fmt.Errorf("crossval: holdout test fraction %v is not in (0, 1)", s.TestFraction)
	}
	nTest := int(math.Ceil(s.TestFraction * float64(n)))
	nTrain := n - nTest
	if nTest == 0 || nTrain <= 0 {
		return nil, fmt.Errorf("crossval: with n_samples=%d and test fraction %v, the train or test set would be empty", n, s.TestFraction)
	}
	if !s.Shuffle {
		return []Fold{{Train: span(0, nTrain), Test: span(nTrain, n)}}, nil
	}
	perm := newRand(s.Seed).Perm(n)
	test, train := perm[:nTest], perm[nTest:]
	slices.Sort(test)
	slices.Sort(train)
	return []Fold{{Train: train, Test: test}}, nil
}

// String implements Splitter.
func (s Holdout) String() string {
	if s.Shuffle {
		return fmt.Sprintf("Holdout(test_fraction=%v, shuffle=True, seed=%d)", s.TestFraction, s.Seed)
	}
	return fmt.Sprintf("Holdout(test_fraction=%v)", s.TestFraction)
}

// ClassCounts returns how many of the rows idx carry each label 0 … numClasses-1.
// It panics if a label lies outside that range.
func ClassCounts(idx []int, y []int32, numClasses int) []int64 {
	c := make([]int64, numClasses)
	for _, i := range idx {
		l := y[i]
		if l < 0 || int(l) >= numClasses {
			panic(fmt.Sprintf("crossval: label %d of row %d outside [0, %d)", l, i, numClasses))
		}
		c[l]++
	}
	return c
}

// UnseenClasses returns, in ascending order, the labels that occur in f's
// test rows but in none of its training rows: classes a model trained on the
// fold cannot predict. Under TimeSeriesSplit this happens whenever a class
// first appears late in time (the seed run's classes 5–9).
func UnseenClasses(f Fold, y []int32) []int32 {
	seen := make(map[int32]bool)
	for _, i := range f.Train {
		seen[y[i]] = true
	}
	var out []int32
	added := make(map[int32]bool)
	for _, i := range f.Test {
		if l := y[i]; !seen[l] && !added[l] {
			added[l] = true
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}
