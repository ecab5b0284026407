package report

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Evaluation holds the scores of one model on one test fold.
//
// The headline fields carry the seed notebook's definitions, so they compare
// with its results files: precision, recall and F1 are scikit-learn's
// average="weighted" with zero_division=0 over the classes present in
// y_true ∪ y_pred; FPR and FNR are the micro aggregates over the confusion
// matrix of those K present classes. The other fields are tfnids additions.
type Evaluation struct {
	// Accuracy is the share of rows predicted correctly (accuracy_score).
	Accuracy float64
	// Precision, Recall and F1 are weighted by true support over the classes
	// present in y_true ∪ y_pred (the seed's average="weighted"). Recall
	// always equals Accuracy.
	Precision, Recall, F1 float64
	// MacroPrecision, MacroRecall and MacroF1 are unweighted means over the
	// classes present in y_true ∪ y_pred (scikit-learn's average="macro").
	MacroPrecision, MacroRecall, MacroF1 float64

	// FPR and FNR are seed-compatible. Multi-class: ΣFP/(ΣFP+ΣTN) and
	// ΣFN/(ΣTP+ΣFN) summed over the K classes present in y_true ∪ y_pred,
	// which reduce to (1−accuracy)/(K−1) and 1−accuracy. Binary: from the
	// 2×2 matrix with class 1 as positive. 0 where the ratio is undefined
	// (the seed gives NaN or crashes).
	FPR, FNR float64
	// FPRAllClasses is FPR with K = NumClasses, every label code counted
	// whether or not it occurs in the fold: (1−accuracy)/(NumClasses−1) in
	// multi-class mode, equal to FPR in binary mode. It does not vary with
	// the classes a fold happens to contain.
	FPRAllClasses float64
	// MacroFPR and MacroFNR are means of the per-class FPR and FNR over the
	// classes present in y_true ∪ y_pred.
	MacroFPR, MacroFNR float64

	// PerClass has one entry per label code 0 … NumClasses−1.
	PerClass []ClassReport
	// SeedClassF1 is the value the seed writes as every class's class_f1:
	// 2·P·R/(P+R) of the weighted Precision and Recall (a bug; it is neither
	// a per-class F1 nor the weighted F1). Kept, labelled, for comparison.
	SeedClassF1 float64

	// Confusion is the NumClasses×NumClasses matrix, rows true labels and
	// columns predicted labels, over all label codes.
	Confusion [][]int64
	// Support is the number of true rows per label code.
	Support []int64

	// NumClasses is the number of label codes; ClassNames names them.
	NumClasses int
	ClassNames []string
	// Binary tells whether the binary definitions of FPR and FNR were used.
	Binary bool
	// N is the number of rows scored and Errors the misclassified ones.
	N, Errors int64
	// ClassesPresent is K, the number of classes in y_true ∪ y_pred: the
	// size of the seed's confusion matrix.
	ClassesPresent int
}

// ClassReport holds the scores of one class (one label code).
type ClassReport struct {
	Label int
	Name  string
	// Present tells whether the class occurs in y_true or y_pred; only
	// present classes enter the macro averages and ClassificationReport,
	// as in scikit-learn.
	Present bool
	// TP, FP, FN and TN count the rows of the one-vs-rest matrix.
	TP, FP, FN, TN int64
	// Support is the number of true rows (TP+FN; the seed's records_count);
	// Predicted the number of rows predicted as the class (TP+FP).
	Support, Predicted int64
	// Precision, Recall and F1 follow scikit-learn with zero_division=0.
	// F1 is the class's own 2·TP/(2·TP+FP+FN), not the seed's class_f1.
	Precision, Recall, F1 float64
	// FPR = FP/(FP+TN) and FNR = FN/(FN+TP), 0 when undefined.
	FPR, FNR float64
	// Accuracy is (TP+TN)/N, the seed's class_accuracy.
	Accuracy float64
}

func ratio(num, den int64) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// Evaluate scores predictions yPred against labels yTrue, both label codes in
// [0, numClasses). classNames names the codes (nil gives "0", "1", …).
// binary selects the seed's binary FPR/FNR (class 1 positive) and requires
// numClasses == 2.
//
// Evaluate panics if yTrue and yPred differ in length or are empty, if a
// label lies outside [0, numClasses), if classNames has the wrong length, or
// if binary is set with numClasses ≠ 2: these are caller bugs.
func Evaluate(yTrue, yPred []int32, numClasses int, classNames []string, binary bool) *Evaluation {
	if len(yTrue) != len(yPred) {
		panic(fmt.Sprintf("report: %d true labels but %d predictions", len(yTrue), len(yPred)))
	}
	if len(yTrue) == 0 {
		panic("report: no rows to evaluate")
	}
	if numClasses < 1 {
		panic(fmt.Sprintf("report: %d classes", numClasses))
	}
	if binary && numClasses != 2 {
		panic(fmt.Sprintf("report: binary evaluation with %d classes", numClasses))
	}
	if classNames == nil {
		classNames = make([]string, numClasses)
		for i := range classNames {
			classNames[i] = strconv.Itoa(i)
		}
	}
	if len(classNames) != numClasses {
		panic(fmt.Sprintf("report: %d class names for %d classes", len(classNames), numClasses))
	}

	cm := make([][]int64, numClasses)
	for i := range cm {
		cm[i] = make([]int64, numClasses)
	}
	for i, t := range yTrue {
		p := yPred[i]
		if t < 0 || int(t) >= numClasses || p < 0 || int(p) >= numClasses {
			panic(fmt.Sprintf("report: row %d: label %d or prediction %d outside [0, %d)", i, t, p, numClasses))
		}
		cm[t][p]++
	}
	return evaluateMatrix(cm, classNames, binary)
}

// EvaluateConfusion scores a confusion matrix (rows true, columns predicted)
// as Evaluate scores the predictions it counts. It panics on a non-square or
// empty matrix, negative counts, or the conditions Evaluate panics on.
func EvaluateConfusion(m [][]int64, classNames []string, binary bool) *Evaluation {
	k := len(m)
	if k == 0 {
		panic("report: empty confusion matrix")
	}
	if binary && k != 2 {
		panic(fmt.Sprintf("report: binary evaluation with %d classes", k))
	}
	if classNames == nil {
		classNames = make([]string, k)
		for i := range classNames {
			classNames[i] = strconv.Itoa(i)
		}
	}
	if len(classNames) != k {
		panic(fmt.Sprintf("report: %d class names for %d classes", len(classNames), k))
	}
	cm := make([][]int64, k)
	var n int64
	for i, row := range m {
		if len(row) != k {
			panic(fmt.Sprintf("report: confusion matrix row %d has %d entries, want %d", i, len(row), k))
		}
		for _, v := range row {
			if v < 0 {
				panic("report: negative count in confusion matrix")
			}
			n += v
		}
		cm[i] = append([]int64(nil), row...)
	}
	if n == 0 {
		panic("report: no rows to evaluate")
	}
	return evaluateMatrix(cm, classNames, binary)
}

func evaluateMatrix(cm [][]int64, classNames []string, binary bool) *Evaluation {
	k := len(cm)
	e := &Evaluation{
		Confusion:  cm,
		Support:    make([]int64, k),
		PerClass:   make([]ClassReport, k),
		NumClasses: k,
		ClassNames: append([]string(nil), classNames...),
		Binary:     binary,
	}
	pred := make([]int64, k)
	var correct int64
	for i, row := range cm {
		for j, v := range row {
			e.Support[i] += v
			pred[j] += v
			e.N += v
		}
		correct += row[i]
	}
	e.Errors = e.N - correct
	e.Accuracy = ratio(correct, e.N)

	// Per-class scores; weighted and macro means over the present classes.
	// Sums run in label order, as numpy's do over scikit-learn's sorted labels.
	var sumW, wP, wR, wF float64
	var mP, mR, mF, mFPR, mFNR float64
	var sumFP, sumFN, sumTP, sumTN int64
	for c := range k {
		tp := cm[c][c]
		r := ClassReport{
			Label:     c,
			Name:      classNames[c],
			TP:        tp,
			FP:        pred[c] - tp,
			FN:        e.Support[c] - tp,
			Support:   e.Support[c],
			Predicted: pred[c],
			Present:   e.Support[c] > 0 || pred[c] > 0,
		}
		r.TN = e.N - tp - r.FP - r.FN
		r.Precision = ratio(tp, r.Predicted)
		r.Recall = ratio(tp, r.Support)
		r.F1 = ratio(2*tp, r.Support+r.Predicted)
		r.FPR = ratio(r.FP, r.FP+r.TN)
		r.FNR = ratio(r.FN, r.FN+tp)
		r.Accuracy = ratio(tp+r.TN, e.N)
		e.PerClass[c] = r
		if !r.Present {
			continue
		}
		e.ClassesPresent++
		w := float64(r.Support)
		sumW += w
		wP += w * r.Precision
		wR += w * r.Recall
		wF += w * r.F1
		mP += r.Precision
		mR += r.Recall
		mF += r.F1
		mFPR += r.FPR
		mFNR += r.FNR
		sumFP += r.FP
		sumFN += r.FN
		sumTP += tp
		sumTN += r.TN
	}
	e.Precision, e.Recall, e.F1 = wP/sumW, wR/sumW, wF/sumW
	kp := float64(e.ClassesPresent)
	e.MacroPrecision, e.MacroRecall, e.MacroF1 = mP/kp, mR/kp, mF/kp
	e.MacroFPR, e.MacroFNR = mFPR/kp, mFNR/kp
	if e.Precision+e.Recall > 0 {
		e.SeedClassF1 = 2 * e.Precision * e.Recall / (e.Precision + e.Recall)
	}

	if binary {
		// The seed's 2×2 branch: TN = cm[0][0], FP = cm[0][1], FN = cm[1][0],
		// TP = cm[1][1]. The matrix keeps its shape when a class is missing.
		e.FPR = ratio(cm[0][1], cm[0][1]+cm[0][0])
		e.FNR = ratio(cm[1][0], cm[1][0]+cm[1][1])
		e.FPRAllClasses = e.FPR
		return e
	}
	e.FPR = ratio(sumFP, sumFP+sumTN)
	e.FNR = ratio(sumFN, sumFN+sumTP)
	// With every label code in the matrix, ΣFP = errors and
	// ΣTN = (NumClasses−1)·N − errors.
	e.FPRAllClasses = ratio(e.Errors, int64(k-1)*e.N)
	return e
}

// ClassificationReport formats e like scikit-learn's classification_report
// with digits=4: one row per class present in y_true ∪ y_pred, then the
// accuracy, macro-average and weighted-average rows.
func ClassificationReport(e *Evaluation) string {
	const digits = 4
	width := len("weighted avg")
	for _, c := range e.PerClass {
		if c.Present {
			width = max(width, utf8.RuneCountInString(c.Name)) // fmt pads by code points, like Python
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s  %9s %9s %9s %9s\n\n", width, "", "precision", "recall", "f1-score", "support")
	row := func(name string, p, r, f float64, s int64) {
		fmt.Fprintf(&b, "%*s  %9.*f %9.*f %9.*f %9d\n", width, name, digits, p, digits, r, digits, f, s)
	}
	for _, c := range e.PerClass {
		if c.Present {
			row(c.Name, c.Precision, c.Recall, c.F1, c.Support)
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "%*s  %9s %9s %9.*f %9d\n", width, "accuracy", "", "", digits, e.Accuracy, e.N)
	row("macro avg", e.MacroPrecision, e.MacroRecall, e.MacroF1, e.N)
	row("weighted avg", e.Precision, e.Recall, e.F1, e.N)
	return b.String()
}
