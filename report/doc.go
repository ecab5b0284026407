// Package report scores predictions, writes the results file and draws the
// plots and the HTML report of a tfnids run.
//
// # Metrics
//
// Evaluate computes, for one model on one test fold, the scores the seed
// notebook reports under the seed's definitions (so the numbers compare with
// its results files) and the ones it lacks:
//
//   - accuracy; precision, recall and F1 averaged with scikit-learn's
//     average="weighted" (the seed's choice, binary included) and
//     zero_division=0, and their macro averages;
//   - FPR and FNR as the seed aggregates them: FP, FN, TP and TN summed over
//     the classes present in y_true ∪ y_pred, which in multi-class mode
//     reduce to (1−accuracy)/(K−1) and 1−accuracy, K being that number of
//     classes; FPR over all label codes; macro FPR and FNR;
//   - per class, by label code: precision, recall, the class's own F1 (the
//     seed's class_f1 is the same wrong value for every class; it is kept,
//     labelled, as SeedClassF1), support, FPR, FNR and accuracy;
//   - the confusion matrix over all label codes (the seed's covered only the
//     classes present, so its size varied per fold).
//
// Every score equals scikit-learn's on the same predictions to within 1e-9
// (the tests compare them on random and edge-case prediction sets). Where the
// seed divides by zero (a class never predicted, a 1×1 binary matrix) tfnids
// reports 0, as scikit-learn's zero_division=0 does. ClassificationReport
// prints scikit-learn's classification_report layout.
//
// # Results file
//
// Results is the seed's results JSON (spec section 9): the same top-level
// keys in the same order, with scores, class_report and running averages per
// model and fold, followed by tfnids' additions: label names, per-fold row
// counts per class, per-epoch training history, confusion matrices, wall
// times, versions, command line, seed and warnings. The encoding is strict
// JSON (NaN as null); WriteResults writes it atomically to
// <results-dir>/<dataset>/<YYYYMMDD-HHMMSS>.json, and ReadResults also reads
// the seed's own files.
//
//	r := &report.Results{Configuration: splitter.String(), MultiClass: true, DatasetName: "cic_ton_iot"}
//	for k, f := range folds {
//		r.AddSplit(k+1, crossval.ClassCounts(f.Train, y, n), crossval.ClassCounts(f.Test, y, n))
//		// train, predict …
//		e := report.Evaluate(yTest, yPred, n, names, false)
//		r.AddFold("cnn mc  cnn-64-64", k+1, e, predictSeconds, history)
//		report.WriteResults(dir, r, start) // partial results after every fold
//	}
//	r.Finish(time.Now())
//	path, err := report.WriteResults(dir, r, start)
//
// # Plots and HTML
//
// PlotConfusion draws a confusion-matrix heat map and PlotHistory the
// training loss and accuracy per fold, as PNG or SVG. WritePlots draws all of
// them for a results file, and WriteHTML writes one self-contained page with
// the tables and the plots embedded.
//
// Caller bugs (mismatched lengths, labels out of range) panic with a
// "report: " message; I/O and data errors are returned.
package report
