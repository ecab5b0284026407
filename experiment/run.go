package experiment

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/crossval"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/report"
	"github.com/tfnids/tfnids/tfgraph"
	"github.com/tfnids/tfnids/timing"
)

// Observer is told what a run is doing; the CLI draws progress bars from it.
// Every method may be called from the run's goroutine only.
type Observer interface {
	Loaded(f *dataset.Frame, rep *dataset.LoadReport)
	FoldStart(fold, folds, trainRows, testRows int)
	ModelStart(fold int, model string, epochs, batches int)
	Batch(b builders.BatchStats)
	// Epoch reports a finished epoch of the given fold and model (pairs on
	// several slots interleave their epochs).
	Epoch(fold int, model string, e builders.EpochStats)
	ModelDone(fold int, model string, e *report.Evaluation, predictSeconds float64)
	Warn(msg string)
}

// Outcome is what a finished (or interrupted) run leaves behind.
type Outcome struct {
	Results     *report.Results
	ResultsPath string
	WeightsRoot string // <weights-dir>/<dataset>
	Exports     []string
}

// Run executes the configuration. Cancelling ctx stops training at the end
// of the current batch; Run then saves a checkpoint and the partial results
// and returns ErrInterrupted.
func Run(ctx context.Context, cfg Config, obs Observer, commandLine []string) (*Outcome, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rec := &warnRecorder{Observer: obs}
	obs = rec
	policy, _ := badValuePolicy(cfg.BadValues)
	labelCase, _ := dataset.ParseLabelCase(cfg.LabelCase)

	prof, why, err := dataset.ProfileFor(cfg.Profile, cfg.Data)
	if err != nil {
		return nil, &DataError{err}
	}
	computeNF, err := wantsComputed(cfg, prof)
	if err != nil {
		return nil, &DataError{err}
	}
	var srcCol, dstCol string
	var textCols []string
	if computeNF {
		if srcCol, dstCol, err = prof.IPColumns(); err != nil {
			return nil, &DataError{err}
		}
		textCols = []string{srcCol, dstCol}
	}
	timings := &timing.Recorder{}
	frame, rep, err := dataset.Load(cfg.Data, dataset.LoadOptions{
		Profile: prof, BadValues: policy, Dedupe: cfg.Dedupe, SortByTimestamp: cfg.SortTimestamp,
		MultiClass: !cfg.Binary, NetworkFeatures: cfg.NetworkFeatures, TextColumns: textCols,
		Drop: cfg.Drop, Features: cfg.Features, LabelCase: labelCase,
	})
	if err != nil {
		return nil, &DataError{err}
	}
	if rep.ProfileWhy == "" {
		rep.ProfileWhy = why
	}
	for _, st := range rep.Timings {
		timings.Add(st)
	}
	obs.Loaded(frame, rep)
	if frame.Rows == 0 {
		return nil, &DataError{fmt.Errorf("no rows left to train on: %d read, %d dropped for bad values (bad-value policy %s), %d duplicates dropped",
			rep.RowsRead, rep.DroppedBadValues, cfg.BadValues, rep.DroppedDuplicates)}
	}
	if cfg.Name == "" {
		cfg.Name = DataName(cfg.Data)
	}
	if cfg.Name == "" {
		cfg.Name = prof.Name
	}
	numClasses := len(frame.ClassNames)
	if cfg.Binary && numClasses != 2 {
		return nil, &DataError{fmt.Errorf("binary mode needs two label values; the data has %d", numClasses)}
	}
	if numClasses < 2 {
		return nil, &DataError{fmt.Errorf("the data has a single class (%v); nothing to learn", frame.ClassNames)}
	}
	var nf *netFeatures
	if computeNF {
		// before the folds: MinMax scaling sees these columns like any other
		t0 := time.Now()
		if nf, err = newNetFeatures(ctx, *cfg.Graph, frame, srcCol, dstCol); err != nil {
			return nil, err
		}
		timings.Since("network features", t0)
	}

	devices, err := tfgraph.ListDevices()
	if err != nil {
		return nil, err
	}
	device, warn, err := tfgraph.ResolveDevice(cfg.Device, cfg.StrictDevice, devices)
	if err != nil {
		return nil, err
	}
	if warn != "" {
		obs.Warn(warn)
	}

	if slices.Contains(cfg.Models, "lstm") && cfg.LSTML1 == nil {
		obs.Warn("lstm: the seed's l1(0.01) penalty drives every LSTM weight to zero, in Keras too, so the LSTM predicts one class; --lstm-l1 0 removes it (docs/models.md)")
	}
	weightsRoot := filepath.Join(cfg.WeightsDir, cfg.Name)
	if n, err := atomicfile.CleanStale(weightsRoot); err == nil && n > 0 {
		obs.Warn(fmt.Sprintf("removed %d temporary file(s) left by an interrupted run under %s", n, weightsRoot))
	}
	atomicfile.CleanStale(filepath.Join(cfg.ResultsDir, cfg.Name))

	key := configKey(cfg)
	st := &runState{ConfigKey: key, Start: time.Now()}
	if cfg.Resume {
		prev, err := loadState(statePath(weightsRoot))
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("--resume: no run to resume under %s (no run-state.json)", weightsRoot)
		case err != nil:
			return nil, fmt.Errorf("--resume: %w", err)
		case prev.ConfigKey != key:
			return nil, fmt.Errorf("--resume: the run under %s used other settings; resume with the same flags, or start afresh without --resume", weightsRoot)
		case prev.Finished:
			return nil, fmt.Errorf("--resume: the run under %s already finished (%s)", weightsRoot, prev.ResultsPath)
		}
		st = prev
	}

	res := &report.Results{}
	if cfg.Resume && st.ResultsPath != "" {
		if r, err := report.ReadResults(st.ResultsPath); err == nil {
			res = r
		}
	}
	priorTimings := res.Timings
	splitter := cfg.Splitter()
	res.Configuration = splitter.String()
	res.MultiClass = !cfg.Binary
	res.WithSortTimestamp = cfg.SortTimestamp
	res.SequenceLength = cfg.SeqLen
	res.WithCrossValidation = cfg.CV != "none"
	res.CrossValidationSplitsNum = cfg.Splits
	if cfg.CV == "none" {
		res.CrossValidationSplitsNum = 1
	}
	res.WithNetworkFeatures = cfg.NetworkFeatures
	res.NetworkFeatures = prof.NetworkFeatureColumns
	if nf != nil {
		res.NetworkFeatures = nf.names
		res.NetworkGraph = nf.record()
	}
	res.DatasetName = cfg.Name
	res.InputDim = frame.Features
	res.DroppedColumns = frame.DroppedColumns
	res.NumDroppedColumns = len(frame.DroppedColumns)
	res.TfnidsVersion = Version
	res.TensorFlowVersion = tf.Version()
	res.CommandLine = commandLine
	res.Seed = cfg.Seed
	res.Start = st.Start
	res.NumClasses = numClasses
	res.LabelNames = frame.ClassNames
	if st.ResultsPath == "" {
		st.ResultsPath = report.ResultsPath(cfg.ResultsDir, cfg.Name, st.Start)
	}
	if err := st.save(statePath(weightsRoot)); err != nil {
		return nil, err
	}
	out := &Outcome{Results: res, ResultsPath: st.ResultsPath, WeightsRoot: weightsRoot}

	t0 := time.Now()
	folds, err := splitter.Split(frame.Rows, frame.Labels)
	if err != nil {
		return nil, err
	}
	for _, w := range crossval.Warnings(splitter, frame.Rows, frame.Labels) {
		obs.Warn(w)
	}
	slots := cfg.Slots
	if len(slots) == 0 {
		slots = []Slot{{Name: "local", Device: device,
			Session: tfgraph.SessionConfig{IntraOpThreads: cfg.Threads, InterOpThreads: cfg.InterThreads}}}
	}
	kinds, mcs := cfg.modelConfigs(frame.Features, numClasses)
	for i, mc := range mcs {
		// Every model is checked against the data before any training starts.
		if err := mc.Validate(); err != nil {
			return nil, &DataError{fmt.Errorf("model %s: %w", kinds[i], err)}
		}
		if !slices.Contains(res.ModelOrder, mc.Name()) {
			res.ModelOrder = append(res.ModelOrder, mc.Name())
		}
	}
	prep := make([]*foldData, len(folds))
	var jobs []*job
	for k, fold := range folds {
		foldNo := k + 1
		trainSup := crossval.ClassCounts(fold.Train, frame.Labels, numClasses)
		testSup := crossval.ClassCounts(fold.Test, frame.Labels, numClasses)
		if warning := res.AddSplit(foldNo, trainSup, testSup); warning != "" {
			obs.Warn(warning)
		}
		prep[k] = &foldData{fold: fold, number: foldNo, frame: frame, nf: nf, ctx: ctx, timings: timings}
		for i, kind := range kinds {
			mc := mcs[i]
			mc.Seed = cfg.Seed + int64(foldNo)
			if st.done(foldNo, mc.Name()) {
				continue
			}
			jobs = append(jobs, &job{fold: foldNo, folds: len(folds), kind: kind, mc: mc, data: prep[k]})
		}
	}
	timings.Since("split", t0)
	sched := &scheduler{cfg: cfg, st: st, res: res, obs: obs, warnings: rec, out: out, weightsRoot: weightsRoot,
		frame: frame, profile: prof, numClasses: numClasses, nf: nf, timings: timings, priorTimings: priorTimings}
	if err := sched.run(ctx, jobs, slots); err != nil {
		return out, err
	}
	if cfg.ExportBest != "" {
		t0 := time.Now()
		e, err := exportBest(cfg, res, weightsRoot, slots[0])
		timings.Since("export", t0)
		out.Exports = append(out.Exports, e...)
		if err != nil {
			return out, err
		}
	}
	if cfg.Final {
		e, err := trainFinal(ctx, cfg, sched, slots[0])
		out.Exports = append(out.Exports, e...)
		if err != nil {
			return out, err
		}
	}
	if nf != nil {
		res.NetworkGraph = nf.record()
	}
	res.Finish(time.Now())
	t0 = time.Now()
	sched.flush()
	path, err := report.WriteResults(cfg.ResultsDir, res, st.Start)
	if err != nil {
		return out, err
	}
	out.ResultsPath = path
	st.Finished = true
	st.ResultsPath = path
	if err := st.save(statePath(weightsRoot)); err != nil {
		return out, err
	}
	// The last write's own time is known only now: it is in the returned
	// results, not in the file.
	timings.Since("results", t0)
	res.Timings = append(slices.Clone(priorTimings), timings.Stages()...)
	return out, nil
}

// Version is recorded in results files; the CLI sets it.
var Version = "dev"

// DataError marks a failure caused by the input data or profile (exit code 2
// in the CLI) rather than by training.
type DataError struct{ Err error }

func (e *DataError) Error() string { return e.Err.Error() }
func (e *DataError) Unwrap() error { return e.Err }

// IsDataError reports whether err was caused by the input data.
func IsDataError(err error) bool {
	var d *DataError
	return errors.As(err, &d)
}
