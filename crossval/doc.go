// Package crossval splits the rows of a data set into training and test
// folds the way scikit-learn's model_selection does, so that a tfnids run
// and a notebook run see the same rows in every fold.
//
// Four splitters are provided, named after their scikit-learn counterparts:
//
//   - TimeSeriesSplit: growing (or sliding, with MaxTrainSize) training
//     windows followed by a test block, optionally separated by a gap. This is
//     the seed notebook's protocol (TimeSeriesSplit(n_splits=5) on rows sorted
//     by time). The index sets equal scikit-learn's exactly.
//   - KFold: consecutive (or shuffled) folds of near-equal size. Without
//     shuffling the index sets equal scikit-learn's exactly.
//   - StratifiedKFold: folds that keep each class's share. Without shuffling
//     the index sets equal scikit-learn's (≥ 0.24) exactly; with shuffling
//     each fold holds the same number of rows of each class as scikit-learn's,
//     but which rows differs because numpy's random generator is not
//     reproduced (tfnids uses math/rand/v2 PCG seeded with Seed).
//   - Holdout: a single train/test split; without shuffling the last
//     TestFraction of the rows (the most recent, for time-sorted data) is the
//     test set, like train_test_split(shuffle=False).
//
// Every Fold lists row indices in ascending order. Split returns an error
// where scikit-learn raises (too few splits, too few samples, every class
// smaller than n_splits); where scikit-learn only warns (some class smaller
// than n_splits) Split succeeds and Warnings returns the message.
//
// Misuse that is the caller's bug rather than the data's, such as a label
// slice whose length differs from n, panics with a "crossval: " message.
//
// A typical use, mirroring the seed notebook:
//
//	var s crossval.Splitter = crossval.TimeSeriesSplit{NSplits: 5}
//	folds, err := s.Split(len(labels), labels)
//	if err != nil {
//		return err
//	}
//	for _, w := range crossval.Warnings(s, len(labels), labels) {
//		log.Print(w)
//	}
//	for k, f := range folds {
//		// fit the scaler on f.Train, train on f.Train, evaluate on f.Test
//		unseen := crossval.UnseenClasses(f, labels) // classes no training row has
//		_ = k
//		_ = unseen
//	}
package crossval
