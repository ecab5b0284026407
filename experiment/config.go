package experiment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/crossval"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/spec"
	"github.com/tfnids/tfnids/tfgraph"
)

// Config is one training run. The zero values of the numeric fields are
// replaced by the seed notebook's configuration (Defaults).
type Config struct {
	Data    []string // files, directories or globs
	Profile string   // built-in name, YAML/JSON file, or "auto"
	// Name names the dataset in paths and results; default: the first data
	// path's base name (DataName), else the profile's name.
	Name string

	Models []string // built-in models: "cnn", "lstm", "gru", "dense", "cnn_lstm"
	// Specs are further models (from model files: tfnids specs or Keras
	// to_json), trained after Models. Their names must differ.
	Specs     []*spec.Model
	CV        string // "timeseries", "stratified", "kfold" or "none" (a time-ordered holdout)
	Splits    int
	TestSplit float64 // test share for CV "none"

	Epochs      int
	BatchSize   int
	Patience    int // early stopping on Monitor; 0 disables it
	RestoreBest bool
	// Monitor is the loss early stopping watches: "loss" (the seed's, the
	// training loss) or "val_loss" (the test rows' inference-mode loss,
	// which needs Validation; it lets the test rows choose the epoch).
	Monitor string
	// Validation evaluates the fold's test rows in inference mode after
	// every epoch (Keras' validation_data): val_loss and val_accuracy in
	// the history. It does not change training unless Monitor is val_loss.
	Validation bool
	// BNRecalibrate re-estimates the batch-norm moving statistics over the
	// training rows after training (builders.Model.RecalibrateBatchNorm)
	// and records the effect on the test rows.
	BNRecalibrate bool
	SeqLen        int
	Binary        bool // false: multi-class (the seed's configuration)
	// ShuffleWindows shuffles the order of the recurrent models' windows
	// every epoch (on by default). The seed fed them in time order
	// (shuffle=False), which on time-sorted data makes each batch a single
	// attack class; it defines no reference number, so tfnids fixes it.
	// Rows for cnn and dense are always shuffled, as Keras' fit does.
	ShuffleWindows bool
	// LSTML1 overrides the seed LSTM's l1(0.01) penalty (nil keeps it).
	LSTML1 *float64

	NetworkFeatures bool
	// Graph, with NetworkFeatures, computes the network features when the
	// data lacks them (nil: only columns already in the CSV are used).
	Graph         *GraphConfig
	SortTimestamp bool
	Dedupe        bool
	BadValues     string // "drop", "zero" or "error"
	// Drop and Features are dataset.LoadOptions.Drop and Features: columns
	// to leave out, or the only input columns.
	Drop, Features []string
	LabelCase      string // "keep" (or "") or "fold": dataset.LoadOptions.LabelCase

	Device       string // cpu, gpu, gpu:N or a TF device string
	StrictDevice bool
	Threads      int // intra-op threads; 0 = TensorFlow's default
	InterThreads int
	Seed         int64

	WeightsDir string
	ResultsDir string
	ExportDir  string // optional: export every trained model as a SavedModel here
	// ExportBest, with ExportDir, exports only each model's best fold by
	// this metric (one of ExportMetrics) instead of every fold.
	ExportBest string
	// Final, with ExportDir, trains each model once more on all rows after
	// cross-validation and exports it (instead of every fold) as the next
	// free version, the one TensorFlow Serving serves.
	Final bool

	Resume bool

	// Slots are where (fold, model) pairs train, one at a time per slot and
	// in parallel across slots: empty means this process on Device; a
	// cluster run has one slot per worker task.
	Slots []Slot
	// Towers, when set, trains every pair data-parallel by in-graph
	// replication (builders.BuildReplicas): one tower per device listed,
	// variables on the slot's Device. Used with a single slot.
	Towers []string
}

// Defaults returns the seed notebook's configuration: time-series 5-fold
// CV, 30 epochs, batch 256, patience 10, windows of 3, multi-class, sorted
// by timestamp, the CNN.
func Defaults() Config {
	return Config{
		Profile: "auto", Models: []string{"cnn"}, CV: "timeseries", Splits: 5, TestSplit: 0.2,
		Epochs: 30, BatchSize: 256, Patience: 10, SeqLen: 3, SortTimestamp: true, ShuffleWindows: true,
		Monitor: "loss", Validation: true,
		BadValues: "drop", Device: "cpu", Seed: 42,
		WeightsDir: "models/weights", ResultsDir: "results",
	}
}

// Validate checks the configuration and names the first bad field.
func (c *Config) Validate() error {
	if len(c.Data) == 0 {
		return fmt.Errorf("--data: no input given")
	}
	builtins := strings.Join(spec.Builtins(), ", ")
	if len(c.Models) == 0 && len(c.Specs) == 0 {
		return fmt.Errorf("--models: no model given (choose from %s, or give --model-file)", builtins)
	}
	names := map[string]bool{}
	for _, m := range c.Models {
		if !spec.IsBuiltin(m) {
			return fmt.Errorf("--models: unknown model %q (choose from %s)", m, builtins)
		}
		names[m] = true
	}
	for _, s := range c.Specs {
		if err := s.Validate(); err != nil {
			return fmt.Errorf("--model-file %s: %v", s.Name, err)
		}
		if names[s.Name] {
			return fmt.Errorf("--model-file: two models are named %q (give the spec a name of its own)", s.Name)
		}
		names[s.Name] = true
	}
	switch c.CV {
	case "timeseries", "stratified", "kfold":
		if c.Splits < 2 {
			return fmt.Errorf("--splits: %d; cross-validation needs at least 2 folds", c.Splits)
		}
	case "none":
		if !(c.TestSplit > 0 && c.TestSplit < 1) {
			return fmt.Errorf("--test-split: %v is not in (0, 1)", c.TestSplit)
		}
	default:
		return fmt.Errorf("--cv: unknown value %q (timeseries, stratified, kfold or none)", c.CV)
	}
	if c.Epochs < 1 {
		return fmt.Errorf("--epochs: %d; need at least 1", c.Epochs)
	}
	if c.BatchSize < 1 {
		return fmt.Errorf("--batch-size: %d; need at least 1", c.BatchSize)
	}
	if c.Patience < 0 {
		return fmt.Errorf("--patience: %d; must be >= 0 (0 disables early stopping)", c.Patience)
	}
	switch c.Monitor {
	case "", "loss":
	case "val_loss":
		if !c.Validation {
			return fmt.Errorf("--monitor val_loss needs the validation pass (drop --validation=false)")
		}
	default:
		return fmt.Errorf("--monitor: unknown value %q (loss or val_loss)", c.Monitor)
	}
	if c.LSTML1 != nil && !(*c.LSTML1 >= 0) {
		return fmt.Errorf("--lstm-l1: %v; must be >= 0", *c.LSTML1)
	}
	if c.SeqLen < 1 {
		return fmt.Errorf("--seq-len: %d; windows need at least 1 row", c.SeqLen)
	}
	if _, err := tfgraph.ParseDevice(c.Device); err != nil {
		return fmt.Errorf("--device: %v", err)
	}
	if _, err := badValuePolicy(c.BadValues); err != nil {
		return err
	}
	if (c.ExportBest != "" || c.Final) && c.ExportDir == "" {
		return fmt.Errorf("--export-best and --final need --export DIR (where the SavedModels go)")
	}
	if c.ExportBest != "" && !slices.Contains(ExportMetrics, c.ExportBest) {
		return fmt.Errorf("--export-best: unknown metric %q (%s)", c.ExportBest, strings.Join(ExportMetrics, ", "))
	}
	if _, err := dataset.ParseLabelCase(c.LabelCase); err != nil {
		return err
	}
	if c.WeightsDir == "" || c.ResultsDir == "" {
		return fmt.Errorf("--weights-dir and --results-dir must not be empty")
	}
	return nil
}

func badValuePolicy(s string) (dataset.BadValuePolicy, error) {
	switch strings.ToLower(s) {
	case "", "drop":
		return dataset.BadDrop, nil
	case "zero":
		return dataset.BadZero, nil
	case "error":
		return dataset.BadError, nil
	}
	return 0, fmt.Errorf("--bad-values: unknown policy %q (drop, zero or error)", s)
}

// Splitter returns the configured cross-validation splitter.
func (c *Config) Splitter() crossval.Splitter {
	switch c.CV {
	case "stratified":
		return crossval.StratifiedKFold{NSplits: c.Splits, Shuffle: true, Seed: c.Seed}
	case "kfold":
		return crossval.KFold{NSplits: c.Splits, Shuffle: true, Seed: c.Seed}
	case "none":
		return crossval.Holdout{TestFraction: c.TestSplit}
	}
	return crossval.TimeSeriesSplit{NSplits: c.Splits}
}

// modelConfigs returns the builder configuration of every model of the
// run, sized for the data, in training order, with its kind (the built-in
// name or the spec's name: the export directory's name).
func (c *Config) modelConfigs(features, classes int) (kinds []string, mcs []builders.Config) {
	for _, m := range c.Models {
		kinds = append(kinds, m)
		mcs = append(mcs, builders.Config{Model: m, Features: features, Classes: classes,
			SeqLen: c.SeqLen, Binary: c.Binary, Seed: c.Seed, L1: c.LSTML1})
	}
	for _, s := range c.Specs {
		kinds = append(kinds, s.Name)
		mcs = append(mcs, builders.Config{Spec: s, Features: features, Classes: classes, Binary: c.Binary, Seed: c.Seed})
	}
	return kinds, mcs
}
