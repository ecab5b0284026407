package report

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/spec"
	"github.com/tfnids/tfnids/timing"
)

// FormatVersion identifies the layout of the results files this package
// writes; it is stored under "format".
const FormatVersion = "tfnids-results/1"

// Results is a results file: the seed notebook's keys, in its order, with
// the same meaning (spec section 9), followed by tfnids' additions. Build it
// by setting the configuration fields, calling AddSplit and AddFold as folds
// complete and Finish at the end; write it with WriteResults.
//
// Its JSON encoding is strict (NaN and ±Inf become null) and lists the
// seed's top-level keys first, in the seed's order; models appear in
// ModelOrder, the order in which AddFold first saw them.
type Results struct {
	// Configuration describes the split, e.g. "TimeSeriesSplit(n_splits=5)"
	// (crossval.Splitter's String); the seed wrote a stale fixed text.
	Configuration            string
	MultiClass               bool
	WithSortTimestamp        bool
	SequenceLength           int
	WithCrossValidation      bool
	CrossValidationSplitsNum int
	WithNetworkFeatures      bool
	NetworkFeatures          []string
	// NetworkGraph says how computed network features were made (nil when
	// they came from the CSV or were off).
	NetworkGraph      *NetworkGraph
	DatasetName       string
	InputDim          int
	DroppedColumns    []string
	NumDroppedColumns int
	// Models maps a model name (e.g. "cnn mc  cnn-64-64") to its results.
	Models map[string]*ModelResults
	// ModelOrder lists the model names in the order they appear in the
	// file; names missing from it are written after it, sorted.
	ModelOrder []string
	// AverageAcc and Average are filled by Finish: the plain mean over
	// folds of each model's accuracy and scores.
	AverageAcc map[string]float64
	Average    map[string]Averages
	// Endtime is the end of the run as "%Y:%m:%d-%H:%M:%S" (set by Finish).
	Endtime string

	// Format is FormatVersion in files tfnids wrote and empty in the seed's.
	Format string
	// TfnidsVersion, TensorFlowVersion and CommandLine record what produced
	// the file.
	TfnidsVersion     string
	TensorFlowVersion string
	CommandLine       []string
	// Seed is the random seed of the run (weights, shuffling).
	Seed int64
	// Start is when the run began; Finish derives WallSeconds from it.
	Start       time.Time
	WallSeconds float64
	// NumClasses is the number of label codes and LabelNames their names
	// (the attack classes in factorize order, or benign/attack in binary
	// mode); per-class entries are keyed by these codes.
	NumClasses int
	LabelNames []string
	// Splits describes each fold's rows (AddSplit).
	Splits []SplitInfo
	// Warnings are messages the reader should see, e.g. classes that occur
	// in a test fold but in none of its training rows.
	Warnings []string
	// Exports lists the models chosen for shipping (--export-best, --final).
	Exports []ExportInfo
	// Timings say where the run's time went, stage by stage (reading the
	// data, fitting each fold's scaler, building, fitting, validating,
	// checkpointing, predicting, scoring and exporting each pair, writing
	// results); a resumed run appends its own to the interrupted run's.
	Timings []timing.Stage
}

// ModelResults holds one model's per-fold entries; every list is sorted by
// fold. Scores, ClassReport and Average are the seed's lists.
type ModelResults struct {
	Scores      []FoldScores      `json:"scores"`
	ClassReport []ClassReportJSON `json:"class_report"`
	// Average holds the running means after each fold.
	Average []RunningAverage `json:"average"`
	// Confusion holds each fold's NumClasses×NumClasses confusion matrix.
	Confusion []FoldConfusion `json:"confusion,omitempty"`
	// History holds each fold's per-epoch training statistics.
	History []FoldHistory `json:"history,omitempty"`
	// Calibration holds each fold's reliability bins (SetCalibration).
	Calibration []FoldCalibration `json:"calibration,omitempty"`
}

// FoldScores is one entry of the seed's scores list (its first eight keys,
// with the seed's meaning) followed by tfnids' additions.
type FoldScores struct {
	Accuracy  Float `json:"accuracy"`
	Recall    Float `json:"recall"`    // weighted
	Precision Float `json:"precision"` // weighted
	F1s       Float `json:"f1s"`       // weighted
	FPR       Float `json:"FPR"`       // seed-compatible, K = classes in the fold
	FNR       Float `json:"FNR"`
	Time      Float `json:"time"` // seconds to predict the whole test fold
	Fold      int   `json:"fold"` // 1-based

	MacroPrecision Float `json:"macro_precision"`
	MacroRecall    Float `json:"macro_recall"`
	MacroF1        Float `json:"macro_f1"`
	FPRAllClasses  Float `json:"FPR_all_classes"` // K = NumClasses
	MacroFPR       Float `json:"macro_FPR"`
	MacroFNR       Float `json:"macro_FNR"`
	// ClassesPresent is K, the seed's matrix size for this fold.
	ClassesPresent int   `json:"classes_present"`
	TestRows       int64 `json:"test_rows"`
	// Epochs and TrainSeconds are the epochs trained and the training
	// time: the history's length and summed epoch times, or what
	// SetTrainInfo recorded.
	Epochs       int   `json:"epochs"`
	TrainSeconds Float `json:"train_seconds"`
	// RanOn names where the fold trained when that was not this process
	// (a cluster task such as "/job:worker/replica:0/task:1").
	RanOn string `json:"ran_on,omitempty"`
	// BNRecalibration, when the batch-norm moving statistics were
	// re-estimated after training (train --bn-recalibrate), holds the test
	// rows' inference-mode loss, accuracy and median top probability
	// before and after.
	BNRecalibration *BNRecalibration `json:"bn_recalibration,omitempty"`
}

// BNRecalibration measures the effect of re-estimating batch-norm moving
// statistics on one fold's test rows, in inference mode.
type BNRecalibration struct {
	ValLossBefore              Float `json:"val_loss_before"`
	ValLossAfter               Float `json:"val_loss_after"`
	ValAccuracyBefore          Float `json:"val_accuracy_before"`
	ValAccuracyAfter           Float `json:"val_accuracy_after"`
	MedianTopProbabilityBefore Float `json:"median_top_probability_before"`
	MedianTopProbabilityAfter  Float `json:"median_top_probability_after"`
}

// ClassReportJSON is one entry of the seed's class_report list: per-class
// values keyed by label code (the seed keyed them by matrix index), for
// every label code. ClassF1 is the class's own F1 (the seed wrote the same
// wrong value for every class; that value is kept as SeedClassF1) and
// ClassPrecision is 0, not NaN, for a class never predicted.
type ClassReportJSON struct {
	RecordsCount   ByLabel[int64] `json:"records_count"`
	ClassAccuracy  ByLabel[Float] `json:"class_accuracy"`
	ClassPrecision ByLabel[Float] `json:"class_precision"`
	ClassRecall    ByLabel[Float] `json:"class_recall"`
	ClassF1        ByLabel[Float] `json:"class_f1"`
	ClassFNR       ByLabel[Float] `json:"class_fnr"`
	ClassFPR       ByLabel[Float] `json:"class_fpr"`

	ClassName      ByLabel[string] `json:"class_name,omitempty"`
	ClassPredicted ByLabel[int64]  `json:"class_predicted,omitempty"`
	SeedClassF1    Float           `json:"seed_class_f1"`
	Fold           int             `json:"fold,omitempty"`
}

// Averages holds means of fold scores under the seed's keys, then tfnids'
// additions.
type Averages struct {
	AverageAcc       Float `json:"average_acc"`
	AverageRecall    Float `json:"average_recall"`
	AveragePrecision Float `json:"average_precision"`
	AverageF1s       Float `json:"average_f1s"`
	AverageFPR       Float `json:"average_FPR"`
	AverageFNR       Float `json:"average_FNR"`

	AverageMacroPrecision Float `json:"average_macro_precision"`
	AverageMacroRecall    Float `json:"average_macro_recall"`
	AverageMacroF1        Float `json:"average_macro_f1"`
	AverageFPRAllClasses  Float `json:"average_FPR_all_classes"`
	AverageMacroFPR       Float `json:"average_macro_FPR"`
	AverageMacroFNR       Float `json:"average_macro_FNR"`
	AverageTime           Float `json:"average_time"`
	AverageTrainSeconds   Float `json:"average_train_seconds"`
}

// RunningAverage is one entry of the seed's per-model average list: the
// means over folds 1 … Fold.
type RunningAverage struct {
	Averages
	Fold int `json:"fold"`
}

// FoldConfusion is one fold's confusion matrix, rows true labels and columns
// predictions, over all label codes.
type FoldConfusion struct {
	Fold   int       `json:"fold"`
	Matrix [][]int64 `json:"matrix"`
}

// FoldHistory is one fold's training history.
type FoldHistory struct {
	Fold   int          `json:"fold"`
	Epochs []EpochStats `json:"epochs"`
}

// EpochStats describes one training epoch (spec.EpochStats, the record
// builders.Fit produces). NaN and ±Inf (a diverged loss) are written as
// null.
type EpochStats = spec.EpochStats

// SplitInfo describes the rows of one fold.
type SplitInfo struct {
	Fold         int            `json:"fold"`
	TrainRows    int64          `json:"train_rows"`
	TestRows     int64          `json:"test_rows"`
	TrainSupport ByLabel[int64] `json:"train_support"`
	TestSupport  ByLabel[int64] `json:"test_support"`
	// UnseenClasses are the label codes with test rows but no training rows.
	UnseenClasses []int `json:"unseen_classes"`
}

// resultsJSON is the file layout of Results.
// NetworkGraph records how tfnids computed network features (netgraph):
// over which rows the graph was built and with what.
type NetworkGraph struct {
	// Scope is "dataset" (one graph over all rows, the study's way) or
	// "fold" (each fold's training rows only).
	Scope string `json:"scope"`
	// Measures are the netgraph measure names.
	Measures []string `json:"measures"`
	// Communities is "infomap" or "louvain".
	Communities string `json:"communities"`
	// Betweenness is "exact" or "approx".
	Betweenness string `json:"betweenness"`
	// UnknownRows counts, over the graphs built, rows whose source or
	// destination was not a node (their columns are -1).
	UnknownRows int `json:"unknown_rows"`
}

type resultsJSON struct {
	Configuration            string                 `json:"configuration"`
	MultiClass               bool                   `json:"multi_class"`
	WithSortTimestamp        bool                   `json:"with_sort_timestamp"`
	SequenceLength           int                    `json:"sequence_length"`
	WithCrossValidation      bool                   `json:"with_cross_validation"`
	CrossValidationSplitsNum int                    `json:"cross_validation_splits_num"`
	WithNetworkFeatures      bool                   `json:"with_network_features"`
	NetworkFeatures          []string               `json:"network_features"`
	NetworkGraph             *NetworkGraph          `json:"network_graph,omitempty"`
	DatasetName              string                 `json:"dataset_name"`
	InputDim                 int                    `json:"input_dim"`
	DroppedColumns           []string               `json:"dropped_columns"`
	NumDroppedColumns        int                    `json:"num_dropped_columns"`
	Models                   ordered[*ModelResults] `json:"models"`
	AverageAcc               ordered[Float]         `json:"average_acc"`
	Average                  ordered[Averages]      `json:"average"`
	Endtime                  string                 `json:"endtime"`
	Format                   string                 `json:"format,omitempty"`
	TfnidsVersion            string                 `json:"tfnids_version,omitempty"`
	TensorFlowVersion        string                 `json:"tensorflow_version,omitempty"`
	CommandLine              []string               `json:"command_line,omitempty"`
	Seed                     int64                  `json:"seed"`
	Start                    string                 `json:"start_time,omitempty"`
	WallSeconds              Float                  `json:"wall_seconds"`
	NumClasses               int                    `json:"num_classes"`
	LabelNames               []string               `json:"label_names"`
	Splits                   []SplitInfo            `json:"splits"`
	Warnings                 []string               `json:"warnings"`
	Exports                  []ExportInfo           `json:"exports,omitempty"`
	Timings                  []timing.Stage         `json:"timings,omitempty"`
}

// SeedKeys are the seed's top-level keys, in its order.
var SeedKeys = []string{
	"configuration", "multi_class", "with_sort_timestamp", "sequence_length",
	"with_cross_validation", "cross_validation_splits_num", "with_network_features",
	"network_features", "dataset_name", "input_dim", "dropped_columns",
	"num_dropped_columns", "models", "average_acc", "average", "endtime",
}

// MarshalJSON implements json.Marshaler.
func (r Results) MarshalJSON() ([]byte, error) {
	keys := orderedKeys(r.Models, r.ModelOrder)
	acc := ordered[Float]{keys: orderedKeys(r.AverageAcc, keys), vals: map[string]Float{}}
	for k, v := range r.AverageAcc {
		acc.vals[k] = Float(v)
	}
	j := resultsJSON{
		Configuration:            r.Configuration,
		MultiClass:               r.MultiClass,
		WithSortTimestamp:        r.WithSortTimestamp,
		SequenceLength:           r.SequenceLength,
		WithCrossValidation:      r.WithCrossValidation,
		CrossValidationSplitsNum: r.CrossValidationSplitsNum,
		WithNetworkFeatures:      r.WithNetworkFeatures,
		NetworkFeatures:          nonNil(r.NetworkFeatures),
		NetworkGraph:             r.NetworkGraph,
		DatasetName:              r.DatasetName,
		InputDim:                 r.InputDim,
		DroppedColumns:           nonNil(r.DroppedColumns),
		NumDroppedColumns:        r.NumDroppedColumns,
		Models:                   ordered[*ModelResults]{keys: keys, vals: r.Models},
		AverageAcc:               acc,
		Average:                  ordered[Averages]{keys: orderedKeys(r.Average, keys), vals: r.Average},
		Endtime:                  r.Endtime,
		Format:                   r.Format,
		TfnidsVersion:            r.TfnidsVersion,
		TensorFlowVersion:        r.TensorFlowVersion,
		CommandLine:              r.CommandLine,
		Seed:                     r.Seed,
		WallSeconds:              Float(r.WallSeconds),
		NumClasses:               r.NumClasses,
		LabelNames:               nonNil(r.LabelNames),
		Splits:                   nonNil(r.Splits),
		Warnings:                 nonNil(r.Warnings),
		Exports:                  r.Exports,
		Timings:                  r.Timings,
	}
	if !r.Start.IsZero() {
		j.Start = r.Start.Format(time.RFC3339Nano)
	}
	return json.Marshal(j)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// UnmarshalJSON implements json.Unmarshaler. It reads tfnids' files and the
// seed's (whose NaN tokens ReadResults turns into null first).
func (r *Results) UnmarshalJSON(b []byte) error {
	var j resultsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Results{
		Configuration:            j.Configuration,
		MultiClass:               j.MultiClass,
		WithSortTimestamp:        j.WithSortTimestamp,
		SequenceLength:           j.SequenceLength,
		WithCrossValidation:      j.WithCrossValidation,
		CrossValidationSplitsNum: j.CrossValidationSplitsNum,
		WithNetworkFeatures:      j.WithNetworkFeatures,
		NetworkFeatures:          j.NetworkFeatures,
		NetworkGraph:             j.NetworkGraph,
		DatasetName:              j.DatasetName,
		InputDim:                 j.InputDim,
		DroppedColumns:           j.DroppedColumns,
		NumDroppedColumns:        j.NumDroppedColumns,
		Models:                   j.Models.vals,
		ModelOrder:               j.Models.keys,
		Average:                  j.Average.vals,
		Endtime:                  j.Endtime,
		Format:                   j.Format,
		TfnidsVersion:            j.TfnidsVersion,
		TensorFlowVersion:        j.TensorFlowVersion,
		CommandLine:              j.CommandLine,
		Seed:                     j.Seed,
		WallSeconds:              float64(j.WallSeconds),
		NumClasses:               j.NumClasses,
		LabelNames:               j.LabelNames,
		Splits:                   j.Splits,
		Warnings:                 j.Warnings,
		Exports:                  j.Exports,
		Timings:                  j.Timings,
	}
	if j.AverageAcc.vals != nil {
		r.AverageAcc = make(map[string]float64, len(j.AverageAcc.vals))
		for k, v := range j.AverageAcc.vals {
			r.AverageAcc[k] = float64(v)
		}
	}
	if j.Start != "" {
		t, err := time.Parse(time.RFC3339Nano, j.Start)
		if err != nil {
			return fmt.Errorf("report: start_time: %w", err)
		}
		r.Start = t
	}
	for name, m := range r.Models {
		if m == nil {
			return fmt.Errorf("report: model %q: null results", name)
		}
	}
	return nil
}

// ModelNames returns the model names in file order.
func (r *Results) ModelNames() []string { return orderedKeys(r.Models, r.ModelOrder) }

// IsSeedFormat tells whether r was read from a file the seed notebook wrote
// (no tfnids additions): its per-class entries are keyed by matrix index, not
// label code, and the tfnids-only scores are absent.
func (r *Results) IsSeedFormat() bool { return r.Format == "" }

// Warn adds a warning unless it is already present.
func (r *Results) Warn(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if !slices.Contains(r.Warnings, msg) {
		r.Warnings = append(r.Warnings, msg)
	}
}

// labelName returns the name of label code l.
func (r *Results) labelName(l int) string {
	if l >= 0 && l < len(r.LabelNames) {
		return r.LabelNames[l]
	}
	return fmt.Sprint(l)
}

func (r *Results) setClasses(numClasses int, names []string) {
	if r.NumClasses == 0 {
		r.NumClasses = numClasses
	}
	if r.NumClasses != numClasses {
		panic(fmt.Sprintf("report: %d classes, but the results have %d", numClasses, r.NumClasses))
	}
	if len(r.LabelNames) == 0 && names != nil {
		r.LabelNames = append([]string(nil), names...)
	}
}

// upsert puts v into s, which is sorted by fold, replacing the entry of the
// same fold if there is one.
func upsert[T any](s []T, v T, fold func(T) int) []T {
	i, found := slices.BinarySearchFunc(s, fold(v), func(e T, f int) int { return fold(e) - f })
	if found {
		s[i] = v
		return s
	}
	return slices.Insert(s, i, v)
}

// AddSplit records the rows of fold (1-based) by label code and warns about
// classes that occur in the test rows but in none of the training rows: no
// model trained on the fold can predict them (the seed run's classes 5–9 in
// fold 5). It returns that warning, already added to Warnings, so the
// caller can show it too; "" when there is none. Calling it again for the
// same fold replaces the entry.
func (r *Results) AddSplit(fold int, trainSupport, testSupport []int64) (warning string) {
	if len(trainSupport) != len(testSupport) {
		panic(fmt.Sprintf("report: %d training and %d test supports", len(trainSupport), len(testSupport)))
	}
	r.setClasses(len(testSupport), nil)
	s := SplitInfo{
		Fold:          fold,
		TrainSupport:  append(ByLabel[int64](nil), trainSupport...),
		TestSupport:   append(ByLabel[int64](nil), testSupport...),
		UnseenClasses: []int{},
	}
	var unseen []string
	var unseenRows int64
	for l := range testSupport {
		s.TrainRows += trainSupport[l]
		s.TestRows += testSupport[l]
		if testSupport[l] > 0 && trainSupport[l] == 0 {
			s.UnseenClasses = append(s.UnseenClasses, l)
			unseen = append(unseen, fmt.Sprintf("%s (%d)", r.labelName(l), testSupport[l]))
			unseenRows += testSupport[l]
		}
	}
	r.Splits = upsert(r.Splits, s, func(s SplitInfo) int { return s.Fold })
	if len(unseen) == 0 {
		return ""
	}
	warning = fmt.Sprintf("fold %d: %d test rows belong to classes absent from its training rows, which no model can predict: %s",
		fold, unseenRows, strings.Join(unseen, ", "))
	r.Warn("%s", warning)
	return warning
}

// AddFold records model's evaluation on fold (1-based): its scores,
// per-class report, confusion matrix and training history, and updates the
// model's running averages. predictSeconds is the wall time to predict the
// whole test fold (the seed's "time"). Calling it again for the same model
// and fold replaces that fold's entries (a resumed run).
//
// AddFold panics if e's number of classes differs from earlier folds'.
func (r *Results) AddFold(model string, fold int, e *Evaluation, predictSeconds float64, history []EpochStats) {
	r.setClasses(e.NumClasses, e.ClassNames)
	if r.Models == nil {
		r.Models = make(map[string]*ModelResults)
	}
	m := r.Models[model]
	if m == nil {
		m = &ModelResults{}
		r.Models[model] = m
	}
	if !slices.Contains(r.ModelOrder, model) {
		r.ModelOrder = append(r.ModelOrder, model)
	}
	var trainSeconds float64
	for _, h := range history {
		trainSeconds += h.Seconds
	}
	s := FoldScores{
		Accuracy:       Float(e.Accuracy),
		Recall:         Float(e.Recall),
		Precision:      Float(e.Precision),
		F1s:            Float(e.F1),
		FPR:            Float(e.FPR),
		FNR:            Float(e.FNR),
		Time:           Float(predictSeconds),
		Fold:           fold,
		MacroPrecision: Float(e.MacroPrecision),
		MacroRecall:    Float(e.MacroRecall),
		MacroF1:        Float(e.MacroF1),
		FPRAllClasses:  Float(e.FPRAllClasses),
		MacroFPR:       Float(e.MacroFPR),
		MacroFNR:       Float(e.MacroFNR),
		ClassesPresent: e.ClassesPresent,
		TestRows:       e.N,
		Epochs:         len(history),
		TrainSeconds:   Float(trainSeconds),
	}
	k := e.NumClasses
	cr := ClassReportJSON{
		RecordsCount:   make(ByLabel[int64], k),
		ClassAccuracy:  make(ByLabel[Float], k),
		ClassPrecision: make(ByLabel[Float], k),
		ClassRecall:    make(ByLabel[Float], k),
		ClassF1:        make(ByLabel[Float], k),
		ClassFNR:       make(ByLabel[Float], k),
		ClassFPR:       make(ByLabel[Float], k),
		ClassName:      make(ByLabel[string], k),
		ClassPredicted: make(ByLabel[int64], k),
		SeedClassF1:    Float(e.SeedClassF1),
		Fold:           fold,
	}
	for c, pc := range e.PerClass {
		cr.RecordsCount[c] = pc.Support
		cr.ClassAccuracy[c] = Float(pc.Accuracy)
		cr.ClassPrecision[c] = Float(pc.Precision)
		cr.ClassRecall[c] = Float(pc.Recall)
		cr.ClassF1[c] = Float(pc.F1)
		cr.ClassFNR[c] = Float(pc.FNR)
		cr.ClassFPR[c] = Float(pc.FPR)
		cr.ClassName[c] = pc.Name
		cr.ClassPredicted[c] = pc.Predicted
	}
	cm := make([][]int64, len(e.Confusion))
	for i, row := range e.Confusion {
		cm[i] = append([]int64(nil), row...)
	}
	m.Scores = upsert(m.Scores, s, func(s FoldScores) int { return s.Fold })
	m.ClassReport = upsert(m.ClassReport, cr, func(c ClassReportJSON) int { return c.Fold })
	m.Confusion = upsert(m.Confusion, FoldConfusion{Fold: fold, Matrix: cm}, func(c FoldConfusion) int { return c.Fold })
	m.History = upsert(m.History, FoldHistory{Fold: fold, Epochs: append([]EpochStats{}, history...)}, func(h FoldHistory) int { return h.Fold })
	m.updateAverages()
}

// SetRanOn records where model's fold trained. It panics if AddFold has not
// recorded that model and fold.
func (r *Results) SetRanOn(model string, fold int, where string) {
	m := r.Models[model]
	if m == nil {
		panic(fmt.Sprintf("report: SetRanOn for unknown model %q", model))
	}
	for i := range m.Scores {
		if m.Scores[i].Fold == fold {
			m.Scores[i].RanOn = where
			return
		}
	}
	panic(fmt.Sprintf("report: SetRanOn for model %q: fold %d not recorded", model, fold))
}

// SetTrainInfo overrides the epoch count and training time AddFold derived
// from the history of model's fold: epochs is the number of epochs trained
// and trainSeconds the wall-clock time of training, setup and checkpoints
// included (the history's epoch times leave those out). The averages are
// updated. It panics if AddFold has not recorded that model and fold.
func (r *Results) SetTrainInfo(model string, fold int, epochs int, trainSeconds float64) {
	m := r.Models[model]
	if m == nil {
		panic(fmt.Sprintf("report: SetTrainInfo for unknown model %q", model))
	}
	i, found := slices.BinarySearchFunc(m.Scores, fold, func(s FoldScores, f int) int { return s.Fold - f })
	if !found {
		panic(fmt.Sprintf("report: SetTrainInfo for model %q: fold %d not recorded", model, fold))
	}
	m.Scores[i].Epochs = epochs
	m.Scores[i].TrainSeconds = Float(trainSeconds)
	m.updateAverages()
}

func (m *ModelResults) updateAverages() {
	m.Average = m.Average[:0]
	for i := range m.Scores {
		m.Average = append(m.Average, RunningAverage{Averages: mean(m.Scores[:i+1]), Fold: m.Scores[i].Fold})
	}
}

// mean averages fold scores; NaN entries (possible only in the seed's files)
// propagate, as numpy's mean does.
func mean(s []FoldScores) Averages {
	var a Averages
	for _, f := range s {
		a.AverageAcc += f.Accuracy
		a.AverageRecall += f.Recall
		a.AveragePrecision += f.Precision
		a.AverageF1s += f.F1s
		a.AverageFPR += f.FPR
		a.AverageFNR += f.FNR
		a.AverageMacroPrecision += f.MacroPrecision
		a.AverageMacroRecall += f.MacroRecall
		a.AverageMacroF1 += f.MacroF1
		a.AverageFPRAllClasses += f.FPRAllClasses
		a.AverageMacroFPR += f.MacroFPR
		a.AverageMacroFNR += f.MacroFNR
		a.AverageTime += f.Time
		a.AverageTrainSeconds += f.TrainSeconds
	}
	n := Float(len(s))
	if n == 0 {
		n = Float(math.NaN())
	}
	for _, p := range []*Float{&a.AverageAcc, &a.AverageRecall, &a.AveragePrecision, &a.AverageF1s, &a.AverageFPR,
		&a.AverageFNR, &a.AverageMacroPrecision, &a.AverageMacroRecall, &a.AverageMacroF1, &a.AverageFPRAllClasses,
		&a.AverageMacroFPR, &a.AverageMacroFNR, &a.AverageTime, &a.AverageTrainSeconds} {
		*p /= n
	}
	return a
}

// EndtimeLayout is the seed's endtime format, "%Y:%m:%d-%H:%M:%S".
const EndtimeLayout = "2006:01:02-15:04:05"

// Finish fills AverageAcc and Average with each model's plain mean over its
// folds, sets Endtime from end (in end's location) and, when Start is set,
// WallSeconds. It also sets Format to FormatVersion.
func (r *Results) Finish(end time.Time) {
	r.AverageAcc = make(map[string]float64, len(r.Models))
	r.Average = make(map[string]Averages, len(r.Models))
	for name, m := range r.Models {
		a := mean(m.Scores)
		r.AverageAcc[name] = float64(a.AverageAcc)
		r.Average[name] = a
	}
	r.Endtime = end.Format(EndtimeLayout)
	if !r.Start.IsZero() {
		r.WallSeconds = end.Sub(r.Start).Seconds()
	}
	r.Format = FormatVersion
}

// ResultsPath returns where WriteResults puts the results of dataset for a
// run stamped t: <dir>/<dataset>/<YYYYMMDD-HHMMSS>.json, the seed's layout.
func ResultsPath(dir, dataset string, t time.Time) string {
	return filepath.Join(dir, dataset, t.Format("20060102-150405")+".json")
}

// WriteResults writes r as indented, strict JSON to ResultsPath(dir,
// r.DatasetName, now) and returns that path. The file is written to a
// temporary name in the same directory and renamed into place, so a reader
// or a crash never sees it half-written; an existing file of the same name
// (an earlier, partial write of the same run) is replaced. Format is set to
// FormatVersion if empty.
func WriteResults(dir string, r *Results, now time.Time) (path string, err error) {
	name := r.DatasetName
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("report: dataset name %q cannot name a results directory", name)
	}
	if r.Format == "" {
		r.Format = FormatVersion
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("report: encoding results: %w", err)
	}
	path = ResultsPath(dir, name, now)
	if err := atomicfile.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("report: writing results: %w", err)
	}
	return path, nil
}

// ReadResults reads a results file written by WriteResults or by the seed
// notebook (whose bare NaN tokens are read as NaN).
func ReadResults(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(strictJSON(b), &r); err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	return &r, nil
}
