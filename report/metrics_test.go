package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/pyenv"
)

const tol = 1e-9

var floatSupport = regexp.MustCompile(`( \d+)\.0\n`)

type metricsCase struct {
	Name       string   `json:"-"`
	YTrue      []int32  `json:"y_true"`
	YPred      []int32  `json:"y_pred"`
	NumClasses int      `json:"num_classes"`
	Names      []string `json:"names"`
	Binary     bool     `json:"binary"`
}

type metricsRef struct {
	Sklearn  string     `json:"sklearn"`
	Accuracy float64    `json:"accuracy"`
	Weighted [3]float64 `json:"weighted"`
	Macro    [3]float64 `json:"macro"`
	PerClass struct {
		Precision, Recall, F1 []float64
		Support               []int64
	} `json:"per_class"`
	Confusion   [][]int64 `json:"confusion"`
	Report      string    `json:"report"`
	SeedFPR     *float64  `json:"seed_fpr"`
	SeedFNR     *float64  `json:"seed_fnr"`
	SeedK       int       `json:"seed_k"`
	SeedClassF1 *float64  `json:"seed_class_f1"`
}

// predictions draws n labels from weights and predictions that are right
// with probability acc and otherwise a random class among predictable.
func predictions(r *rand.Rand, n int, weights []float64, acc float64, predictable []int32) (yt, yp []int32) {
	var total float64
	for _, w := range weights {
		total += w
	}
	yt, yp = make([]int32, n), make([]int32, n)
	for i := range yt {
		u := r.Float64() * total
		k := 0
		for ; k < len(weights)-1 && u >= weights[k]; k++ {
			u -= weights[k]
		}
		yt[i] = int32(k)
		if r.Float64() < acc && contains(predictable, yt[i]) {
			yp[i] = yt[i]
		} else {
			yp[i] = predictable[r.IntN(len(predictable))]
		}
	}
	return yt, yp
}

func contains(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func names(prefix string, n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return s
}

func metricsCases() []metricsCase {
	r := rand.New(rand.NewPCG(10, 20))
	var cs []metricsCase
	add := func(name string, yt, yp []int32, k int, nm []string, binary bool) {
		if nm == nil {
			nm = names("class-", k)
		}
		cs = append(cs, metricsCase{name, yt, yp, k, nm, binary})
	}
	all := func(k int) []int32 {
		s := make([]int32, k)
		for i := range s {
			s[i] = int32(i)
		}
		return s
	}
	yt, yp := predictions(r, 1000, []float64{5, 4, 2, 1, 1, 0.5, 0.5, 0.2, 0.1, 0.1}, 0.7, all(10))
	add("random 10 classes", yt, yp, 10, nil, false)
	yt, yp = predictions(r, 500, []float64{5, 3, 2, 1}, 0.8, []int32{0, 1, 3})
	add("class 2 never predicted", yt, yp, 4, nil, false)
	yt, yp = predictions(r, 400, []float64{5, 3, 0, 1}, 0.6, all(4))
	add("class 2 absent from y_true", yt, yp, 4, nil, false)
	yt, yp = predictions(r, 300, []float64{5, 3, 1, 0, 0, 0}, 0.75, []int32{0, 1, 2})
	add("classes 3-5 absent from both", yt, yp, 6, nil, false)
	yt, yp = predictions(r, 777, []float64{3, 1}, 0.9, all(2))
	add("binary", yt, yp, 2, []string{"benign", "attack"}, true)
	yt, yp = predictions(r, 50, []float64{1, 0}, 1, []int32{0})
	add("binary, one class only (the seed's 1×1 matrix)", yt, yp, 2, []string{"benign", "attack"}, true)
	yt, yp = predictions(r, 60, []float64{1, 0}, 0, []int32{1})
	add("binary, all benign predicted attack", yt, yp, 2, []string{"benign", "attack"}, true)
	yt, yp = predictions(r, 40, []float64{0, 1}, 1, []int32{1})
	add("binary, only attacks, all right", yt, yp, 2, []string{"benign", "attack"}, true)
	yt, yp = predictions(r, 25, []float64{0, 0, 1}, 1, []int32{2})
	add("multi-class, a single class", yt, yp, 3, nil, false)
	yt, yp = predictions(r, 200, []float64{2, 1, 1}, 1, all(3))
	add("perfect", yt, yp, 3, nil, false)
	yt = []int32{0, 0, 1, 1, 2, 2}
	yp = []int32{1, 2, 2, 0, 0, 1}
	add("all wrong", yt, yp, 3, nil, false)
	yt, yp = predictions(r, 3000, []float64{60, 20, 8, 5, 3, 1, 1, 0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.01, 0.004}, 0.85, all(15))
	add("15 imbalanced classes, long unicode names", yt, yp, 15,
		[]string{"BENIGN", "DoS Hulk", "PortScan", "DDoS", "DoS GoldenEye", "FTP-Patator", "SSH-Patator",
			"DoS slowloris", "DoS Slowhttptest", "Bot", "Web Attack \ufffd Brute Force", "Web Attack \ufffd XSS",
			"Infiltration", "Web Attack \ufffd Sql Injection", "Heartbleed"}, false)
	yt, yp = predictions(r, 20000, []float64{0.47, 0.40, 0.064, 0.052, 0.007, 0.005, 0.001, 0.0001, 0.00004, 0.00003}, 0.8, []int32{0, 1, 2, 4})
	add("cic_ton_iot-like, four predicted classes", yt, yp, 10,
		[]string{"Benign", "xss", "password", "scanning", "injection", "ransomware", "backdoor", "mitm", "ddos", "dos"}, false)
	return cs
}

func runMetricsReference(t *testing.T, cases []metricsCase) []metricsRef {
	t.Helper()
	py := pyenv.Require(t, "sklearn")
	var refs []metricsRef
	pyenv.RunJSON(t, py, filepath.Join("testdata", "sklearn_metrics.py"), cases, &refs)
	if len(refs) != len(cases) {
		t.Fatalf("%d results for %d cases", len(refs), len(cases))
	}
	t.Logf("reference: scikit-learn %s", refs[0].Sklearn)
	return refs
}

func near(a, b float64) bool { return math.Abs(a-b) <= tol }

func TestEvaluateMatchesSklearn(t *testing.T) {
	cases := metricsCases()
	refs := runMetricsReference(t, cases)
	for i, c := range cases {
		ref := refs[i]
		e := Evaluate(c.YTrue, c.YPred, c.NumClasses, c.Names, c.Binary)
		name := fmt.Sprintf("%d (%s)", i, c.Name)
		check := func(what string, got, want float64) {
			t.Helper()
			if !near(got, want) {
				t.Errorf("%s: %s = %.17g, scikit-learn %.17g", name, what, got, want)
			}
		}
		check("accuracy", e.Accuracy, ref.Accuracy)
		check("weighted precision", e.Precision, ref.Weighted[0])
		check("weighted recall", e.Recall, ref.Weighted[1])
		check("weighted F1", e.F1, ref.Weighted[2])
		check("macro precision", e.MacroPrecision, ref.Macro[0])
		check("macro recall", e.MacroRecall, ref.Macro[1])
		check("macro F1", e.MacroF1, ref.Macro[2])
		for k, pc := range e.PerClass {
			check(fmt.Sprintf("class %d precision", k), pc.Precision, ref.PerClass.Precision[k])
			check(fmt.Sprintf("class %d recall", k), pc.Recall, ref.PerClass.Recall[k])
			check(fmt.Sprintf("class %d F1", k), pc.F1, ref.PerClass.F1[k])
			if pc.Support != ref.PerClass.Support[k] || e.Support[k] != pc.Support {
				t.Errorf("%s: class %d support %d, scikit-learn %d", name, k, pc.Support, ref.PerClass.Support[k])
			}
		}
		if !reflect.DeepEqual(e.Confusion, ref.Confusion) {
			t.Errorf("%s: confusion matrix\n%v\nscikit-learn\n%v", name, e.Confusion, ref.Confusion)
		}
		// When no prediction is right scikit-learn's supports turn into
		// floats and its report prints "3.0"; tfnids prints counts.
		wantReport := floatSupport.ReplaceAllStringFunc(ref.Report, func(m string) string {
			return "  " + strings.TrimSuffix(m, ".0\n") + "\n" // same right-aligned width
		})
		if got := ClassificationReport(e); got != wantReport {
			t.Errorf("%s: classification report\n%s\nscikit-learn\n%s", name, got, wantReport)
		}
		// The seed's FPR/FNR; where it divides by zero (NaN) tfnids gives 0.
		seedFPR, seedFNR := 0.0, 0.0
		if ref.SeedFPR != nil {
			seedFPR = *ref.SeedFPR
		}
		if ref.SeedFNR != nil {
			seedFNR = *ref.SeedFNR
		}
		check("FPR (seed definition)", e.FPR, seedFPR)
		check("FNR (seed definition)", e.FNR, seedFNR)
		if !c.Binary && e.ClassesPresent != ref.SeedK {
			t.Errorf("%s: K = %d, seed matrix %d", name, e.ClassesPresent, ref.SeedK)
		}
		if ref.SeedClassF1 != nil {
			check("seed class_f1", e.SeedClassF1, *ref.SeedClassF1)
		} else if e.SeedClassF1 != 0 {
			t.Errorf("%s: seed class_f1 %v, want 0 where the seed has NaN", name, e.SeedClassF1)
		}
	}
}

// In multi-class mode the seed's aggregates reduce to FNR = 1 − accuracy and
// FPR = (1 − accuracy)/(K − 1) (spec section 8.2); the same holds with
// K = NumClasses for FPRAllClasses. Recall (weighted) equals accuracy.
func TestSeedIdentities(t *testing.T) {
	for i, c := range metricsCases() {
		if c.Binary {
			continue
		}
		e := Evaluate(c.YTrue, c.YPred, c.NumClasses, c.Names, false)
		if !near(e.FNR, 1-e.Accuracy) {
			t.Errorf("%d: FNR %v, 1−accuracy %v", i, e.FNR, 1-e.Accuracy)
		}
		if e.ClassesPresent > 1 && !near(e.FPR, (1-e.Accuracy)/float64(e.ClassesPresent-1)) {
			t.Errorf("%d: FPR %v, (1−accuracy)/(K−1) = %v", i, e.FPR, (1-e.Accuracy)/float64(e.ClassesPresent-1))
		}
		if !near(e.FPRAllClasses, (1-e.Accuracy)/float64(c.NumClasses-1)) {
			t.Errorf("%d: FPR over all classes %v", i, e.FPRAllClasses)
		}
		if !near(e.Recall, e.Accuracy) {
			t.Errorf("%d: weighted recall %v ≠ accuracy %v", i, e.Recall, e.Accuracy)
		}
		var sum float64
		for _, pc := range e.PerClass {
			if pc.Present {
				sum += pc.FNR
			}
		}
		if !near(e.MacroFNR, sum/float64(e.ClassesPresent)) {
			t.Errorf("%d: macro FNR %v, want %v", i, e.MacroFNR, sum/float64(e.ClassesPresent))
		}
	}
}

// seedFormatLabels is the label code of each matrix index in
// testdata/seed-format.json: scanning (3) is absent from folds 2–4 (spec
// section 10), so index 3 is injection (4) there.
var seedFormatLabels = [][]int32{{0, 1, 2, 3, 4}, {0, 1, 2, 4}, {0, 1, 2, 4}, {0, 1, 2, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}

// seedFormatMatrices are the made-up confusion matrices (rows true, columns
// predicted, by matrix index) from which testdata/make_seed_format.py
// computed every score in testdata/seed-format.json. Their row sums are the
// spec's supports; keep them in step with the script.
var seedFormatMatrices = [][][]int64{
	{
		{356774, 33157, 1592, 0, 0},
		{6200, 350101, 0, 0, 0},
		{0, 64667, 662, 15, 0},
		{2783, 10560, 0, 0, 730},
		{0, 64393, 0, 0, 129},
	},
	{
		{322780, 2533, 183, 4988},
		{295, 454855, 0, 0},
		{0, 64602, 129, 0},
		{30886, 10429, 0, 83},
	},
	{
		{323576, 3886, 836, 552},
		{885, 453855, 0, 0},
		{0, 63933, 187, 0},
		{11098, 32859, 0, 96},
	},
	{
		{341365, 0, 428, 3886},
		{624, 439708, 0, 0},
		{0, 56679, 160, 7282},
		{8501, 31773, 0, 1357},
	},
	{
		{643232, 28620, 9018, 0, 0, 0, 0, 0, 0, 0},
		{2470, 139497, 0, 0, 0, 0, 0, 0, 0, 0},
		{0, 20773, 282, 0, 0, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 29, 0, 0, 0, 0, 0},
		{2771, 11961, 0, 3, 0, 0, 0, 0, 0, 0},
		{0, 5067, 0, 0, 31, 0, 0, 0, 0, 0},
		{27132, 0, 0, 0, 0, 0, 0, 13, 0, 0},
		{0, 517, 0, 0, 0, 0, 0, 0, 0, 0},
		{0, 197, 0, 0, 0, 0, 0, 0, 0, 5},
		{0, 145, 0, 0, 0, 0, 0, 0, 0, 0},
	},
}

// testdata/seed-format.json is a hand-made file in the seed's format (spec
// section 9) whose scores round to the spec's section 10 table. Evaluating
// each fold's matrix must give back the file's scores and per-class numbers
// as the seed defines them, and the file must satisfy the seed's identities.
func TestSeedReferenceFolds(t *testing.T) {
	res, err := ReadResults(filepath.Join("testdata", "seed-format.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Models["cnn mc  cnn-64-64"]
	if len(m.Scores) != 5 || len(m.ClassReport) != 5 {
		t.Fatalf("folds: %d scores, %d class reports", len(m.Scores), len(m.ClassReport))
	}
	names := []string{"Benign", "xss", "password", "scanning", "injection", "ransomware", "backdoor", "mitm", "ddos", "dos"}
	// Spec section 10: per fold K, accuracy, w-precision, w-F1, FPR, FNR
	// (5 decimals), and the test supports by label code.
	type row struct {
		k                      int
		acc, wp, wf1, fpr, fnr float64
		supports               []int64
	}
	table := []row{
		{5, 0.79356, 0.72817, 0.73362, 0.05161, 0.20644, []int64{391523, 356301, 65344, 14073, 64522, 0, 0, 0, 0, 0}},
		{4, 0.87226, 0.80476, 0.82015, 0.04258, 0.12774, []int64{330484, 455150, 64731, 0, 41398, 0, 0, 0, 0, 0}},
		{4, 0.87211, 0.79341, 0.81843, 0.04263, 0.12789, []int64{328850, 454740, 64120, 0, 44053, 0, 0, 0, 0, 0}},
		{4, 0.87758, 0.81325, 0.83121, 0.04081, 0.12242, []int64{345679, 440332, 64121, 0, 41631, 0, 0, 0, 0, 0}},
		{10, 0.87805, 0.83504, 0.85190, 0.01355, 0.12195, []int64{680870, 141967, 21055, 29, 14735, 5098, 27145, 517, 202, 145}},
	}
	for f, tb := range table {
		s, cr := m.Scores[f], m.ClassReport[f]
		labels := seedFormatLabels[f]
		// The file's scores: the spec's rounded values and the seed's
		// identities FNR = 1 − accuracy, FPR = (1 − accuracy)/(K − 1).
		acc := float64(s.Accuracy)
		for _, p := range []struct {
			what      string
			got, want float64
		}{
			{"accuracy", acc, tb.acc}, {"weighted recall", float64(s.Recall), tb.acc},
			{"weighted precision", float64(s.Precision), tb.wp}, {"weighted F1", float64(s.F1s), tb.wf1},
			{"FPR", float64(s.FPR), tb.fpr}, {"FNR", float64(s.FNR), tb.fnr},
		} {
			if math.Abs(p.got-p.want) > 5e-6 {
				t.Errorf("fold %d: %s %.17g does not round to the spec's %v", f+1, p.what, p.got, p.want)
			}
		}
		if !near(float64(s.FNR), 1-acc) || !near(float64(s.FPR), (1-acc)/float64(tb.k-1)) {
			t.Errorf("fold %d: FPR %v, FNR %v break the seed identities with accuracy %v, K %d", f+1, s.FPR, s.FNR, acc, tb.k)
		}
		if len(cr.RecordsCount) != tb.k {
			t.Errorf("fold %d: class_report has %d matrix indices, want K = %d", f+1, len(cr.RecordsCount), tb.k)
		}

		// The fold's matrix over all label codes, from the fixture's matrix.
		mat := seedFormatMatrices[f]
		if len(mat) != len(labels) {
			t.Fatalf("fold %d: %d×%d matrix for %d labels", f+1, len(mat), len(mat), len(labels))
		}
		full := make([][]int64, len(names))
		for i := range full {
			full[i] = make([]int64, len(names))
		}
		for i, r := range mat {
			for j, v := range r {
				full[labels[i]][labels[j]] = v
			}
		}
		e := EvaluateConfusion(full, names, false)
		if e.ClassesPresent != tb.k {
			t.Errorf("fold %d: K = %d, want %d", f+1, e.ClassesPresent, tb.k)
		}
		var n int64
		for l, want := range tb.supports {
			n += e.Support[l]
			if e.Support[l] != want {
				t.Errorf("fold %d: %s support %d, spec %d", f+1, names[l], e.Support[l], want)
			}
		}
		if n != 891763 {
			t.Errorf("fold %d: %d test rows", f+1, n)
		}
		check := func(what string, got float64, want Float) {
			t.Helper()
			if !near(got, float64(want)) {
				t.Errorf("fold %d: %s = %.17g, file %.17g", f+1, what, got, float64(want))
			}
		}
		check("accuracy", e.Accuracy, s.Accuracy)
		check("weighted precision", e.Precision, s.Precision)
		check("weighted recall", e.Recall, s.Recall)
		check("weighted F1", e.F1, s.F1s)
		check("FPR", e.FPR, s.FPR)
		check("FNR", e.FNR, s.FNR)
		for idx, l := range labels {
			pc, key := e.PerClass[l], fmt.Sprintf("class %s (index %d)", names[l], idx)
			if cr.RecordsCount[idx] != pc.Support {
				t.Errorf("fold %d: %s records_count %d, matrix %d", f+1, key, cr.RecordsCount[idx], pc.Support)
			}
			check(key+" accuracy", pc.Accuracy, cr.ClassAccuracy[idx])
			check(key+" recall", pc.Recall, cr.ClassRecall[idx])
			check(key+" FNR", pc.FNR, cr.ClassFNR[idx])
			check(key+" FPR", pc.FPR, cr.ClassFPR[idx])
			check(key+" class_f1 (seed bug)", e.SeedClassF1, cr.ClassF1[idx])
			if p := cr.ClassPrecision[idx]; math.IsNaN(float64(p)) {
				if pc.Precision != 0 || pc.Predicted != 0 {
					t.Errorf("fold %d: %s NaN in the file but predicted %d times, precision %v", f+1, key, pc.Predicted, pc.Precision)
				}
			} else {
				if pc.Predicted == 0 {
					t.Errorf("fold %d: %s never predicted but the file has precision %v", f+1, key, p)
				}
				check(key+" precision", pc.Precision, p)
			}
		}
	}
	// Spec section 8.2's example: fold 1, (1 − 0.79356)/4 = 0.05161.
	if got := (1 - float64(m.Scores[0].Accuracy)) / 4; math.Abs(got-0.05161) > 5e-6 {
		t.Errorf("fold 1 identity: %v", got)
	}
}

func TestEvaluateDefinitions(t *testing.T) {
	// Binary 2×2 (class 1 positive): TN 5, FP 1, FN 2, TP 2.
	yt := []int32{0, 0, 0, 0, 0, 0, 1, 1, 1, 1}
	yp := []int32{0, 0, 0, 0, 0, 1, 0, 0, 1, 1}
	e := Evaluate(yt, yp, 2, []string{"benign", "attack"}, true)
	if !near(e.FPR, 1.0/6) || !near(e.FNR, 0.5) || e.FPRAllClasses != e.FPR {
		t.Errorf("binary FPR %v FNR %v FPRAllClasses %v, want 1/6, 1/2", e.FPR, e.FNR, e.FPRAllClasses)
	}
	// Correct per-class F1 differs from the seed's class_f1.
	if pc := e.PerClass[1]; !near(pc.F1, 4.0/7) { // 2·2/(2·2+1+2)
		t.Errorf("attack F1 %v, want 4/7", pc.F1)
	}
	if e.SeedClassF1 == e.PerClass[1].F1 || e.SeedClassF1 == e.F1 {
		t.Errorf("seed class_f1 %v should differ from per-class and weighted F1", e.SeedClassF1)
	}
	// A class never predicted: precision 0 (the seed writes NaN).
	e = Evaluate([]int32{0, 1, 2}, []int32{0, 1, 1}, 3, nil, false)
	if pc := e.PerClass[2]; pc.Precision != 0 || pc.Recall != 0 || pc.F1 != 0 || pc.Predicted != 0 || !pc.Present {
		t.Errorf("never-predicted class: %+v", pc)
	}
	if e.ClassNames[2] != "2" {
		t.Errorf("default class names %q", e.ClassNames)
	}
	// A single class: the seed's matrix is 1×1 and its FPR 0/0; tfnids says 0.
	e = Evaluate([]int32{1, 1}, []int32{1, 1}, 3, nil, false)
	if e.FPR != 0 || e.FNR != 0 || e.ClassesPresent != 1 || e.Accuracy != 1 || e.FPRAllClasses != 0 {
		t.Errorf("single class: %+v", e)
	}
}

func TestEvaluatePanics(t *testing.T) {
	for i, f := range []func(){
		func() { Evaluate([]int32{0}, []int32{0, 1}, 2, nil, false) },
		func() { Evaluate(nil, nil, 2, nil, false) },
		func() { Evaluate([]int32{2}, []int32{0}, 2, nil, false) },
		func() { Evaluate([]int32{0}, []int32{0}, 3, nil, true) },
		func() { Evaluate([]int32{0}, []int32{0}, 2, []string{"a"}, false) },
		func() { EvaluateConfusion([][]int64{{1, 0}}, nil, false) },
		func() { EvaluateConfusion([][]int64{{0}}, nil, false) },
	} {
		func() {
			defer func() {
				if s, ok := recover().(string); !ok || !strings.HasPrefix(s, "report: ") {
					t.Errorf("%d: recovered %v, want a report panic", i, s)
				}
			}()
			f()
		}()
	}
}

func ExampleClassificationReport() {
	yTrue := []int32{0, 0, 0, 0, 1, 1, 1, 2, 2, 2}
	yPred := []int32{0, 0, 0, 1, 1, 1, 0, 1, 2, 2}
	e := Evaluate(yTrue, yPred, 4, []string{"benign", "ddos", "portscan", "bot"}, false)
	fmt.Print(ClassificationReport(e))
	fmt.Printf("FPR %.4f = (1-%.1f)/(K-1), K=%d; over all 4 classes %.4f\n", e.FPR, e.Accuracy, e.ClassesPresent, e.FPRAllClasses)
	// Output:
	//               precision    recall  f1-score   support
	//
	//       benign     0.7500    0.7500    0.7500         4
	//         ddos     0.5000    0.6667    0.5714         3
	//     portscan     1.0000    0.6667    0.8000         3
	//
	//     accuracy                         0.7000        10
	//    macro avg     0.7500    0.6944    0.7071        10
	// weighted avg     0.7500    0.7000    0.7114        10
	// FPR 0.1500 = (1-0.7)/(K-1), K=3; over all 4 classes 0.1000
}
