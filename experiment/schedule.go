package experiment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/crossval"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/report"
	"github.com/tfnids/tfnids/tfgraph"
	"github.com/tfnids/tfnids/timing"
)

// Slot is a place where a (fold, model) pair trains: this process, or one
// task of a TensorFlow cluster. Pairs run one at a time per slot and in
// parallel across slots.
type Slot struct {
	// Name identifies the slot in progress output and results, e.g.
	// "local" or "/job:worker/task:1".
	Name string
	// Device is the device string the model's ops are pinned to.
	Device string
	// Session configures the slot's sessions; a cluster slot's Target is
	// the task's "grpc://host:port".
	Session tfgraph.SessionConfig
}

// job is one (fold, model) pair waiting to train.
type job struct {
	fold, folds int
	kind        string
	mc          builders.Config
	data        *foldData
	tries       int
}

// foldData is a fold's training and test rows and the scaler fitted on
// the training rows, made once on first use and shared by the fold's
// models. The examples read the fold's rows of the loaded frame through
// the fold's indices and scale each batch as they gather it, so a fold
// costs its scaler, not a scaled copy of its rows (at the study's size,
// five folds of copies were 3.3 times the frame). Only fold-scope network
// features, which give every fold its own graph columns, copy the fold's
// rows.
type foldData struct {
	once    sync.Once
	fold    crossval.Fold
	number  int // 1-based; 0 for the final model's rows (all of them)
	frame   *dataset.Frame
	nf      *netFeatures    // fold-scope network features, or nil
	ctx     context.Context // for the network features
	timings *timing.Recorder
	// trainSrc and testSrc hold the rows; trainIdx and testIdx select them
	// (nil: all rows of a copy).
	trainSrc, testSrc *dataset.Frame
	trainIdx, testIdx []int
	scaler            *dataset.MinMaxScaler
	err               error
}

func (f *foldData) get() (*dataset.MinMaxScaler, error) {
	f.once.Do(func() {
		f.trainSrc, f.testSrc, f.trainIdx, f.testIdx = f.frame, f.frame, f.fold.Train, f.fold.Test
		if f.nf.foldScope() {
			t0 := time.Now()
			f.trainSrc, f.testSrc = f.frame.Subset(f.fold.Train), f.frame.Subset(f.fold.Test)
			f.trainIdx, f.testIdx = nil, nil
			// the training rows' graph, before the scaler is fitted
			if f.err = f.nf.perFold(f.ctx, f.trainSrc, f.testSrc); f.err != nil {
				return
			}
			f.timings.Add(timing.Stage{Name: "network features", Fold: f.number, Seconds: time.Since(t0).Seconds()})
		}
		t0 := time.Now()
		f.scaler = dataset.FitMinMaxRows(f.trainSrc.X, f.trainSrc.Features, f.trainIdx)
		f.timings.Add(timing.Stage{Name: "fit scaler", Fold: f.number, Seconds: time.Since(t0).Seconds()})
	})
	return f.scaler, f.err
}

// examples returns the fold's scaled training and test examples for a
// model: single rows for row models (the CNN, dense), windows of window
// consecutive rows (built inside the split, never across it) for window
// models (the LSTM, GRU; window > 0), and the test examples' labels.
// Windows label their last row, so the first window-1 test rows get no
// prediction, as in the seed.
func (f *foldData) examples(window int) (train, test builders.Examples, testLabels []int32, err error) {
	if _, err := f.get(); err != nil {
		return nil, nil, nil, err
	}
	if train, _, err = f.selectExamples(f.trainSrc, f.trainIdx, window); err != nil {
		return nil, nil, nil, fmt.Errorf("training examples: %w", err)
	}
	if f.number == 0 {
		return train, nil, nil, nil // the final model: no test rows
	}
	if test, testLabels, err = f.selectExamples(f.testSrc, f.testIdx, window); err != nil {
		return nil, nil, nil, fmt.Errorf("test examples: %w", err)
	}
	return train, test, testLabels, nil
}

func (f *foldData) selectExamples(src *dataset.Frame, idx []int, window int) (builders.Examples, []int32, error) {
	if window == 0 {
		r, err := dataset.SelectRows(src.X, src.Features, src.Labels, idx)
		if err != nil {
			return nil, nil, err
		}
		return r.Scaled(f.scaler), r.Labels(), nil
	}
	w, err := dataset.SelectWindows(src.X, src.Features, src.Labels, idx, window)
	if err != nil {
		return nil, nil, err
	}
	return w.Scaled(f.scaler), w.Labels(), nil
}

// scheduler runs jobs on slots and owns the run's shared state: the
// results, the resume state and the observer are only touched under mu.
type scheduler struct {
	mu          sync.Mutex
	cfg         Config
	st          *runState
	res         *report.Results
	obs         Observer
	warnings    *warnRecorder // flushed into res before every write
	out         *Outcome
	weightsRoot string
	frame       *dataset.Frame
	profile     *dataset.Profile
	numClasses  int
	nf          *netFeatures // computed network features, or nil
	timings     *timing.Recorder
	// priorTimings are the stages of the run that --resume continues.
	priorTimings []timing.Stage
}

// lockedObserver serializes observer calls from several slots and drops
// per-batch events, which cannot share one progress bar.
type lockedObserver struct {
	mu    *sync.Mutex
	inner Observer
	multi bool
}

func (o lockedObserver) Loaded(f *dataset.Frame, r *dataset.LoadReport) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inner.Loaded(f, r)
}
func (o lockedObserver) FoldStart(fold, folds, train, test int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inner.FoldStart(fold, folds, train, test)
}
func (o lockedObserver) ModelStart(fold int, model string, epochs, batches int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inner.ModelStart(fold, model, epochs, batches)
}
func (o lockedObserver) Batch(b builders.BatchStats) {
	if o.multi {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inner.Batch(b)
}
func (o lockedObserver) Epoch(fold int, model string, e builders.EpochStats) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inner.Epoch(fold, model, e)
}
func (o lockedObserver) ModelDone(fold int, model string, e *report.Evaluation, s float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inner.ModelDone(fold, model, e, s)
}
func (o lockedObserver) Warn(msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.inner.Warn(msg)
}

// obsMu serializes observer output; separate from mu so that an observer
// call never waits on state writes.
var obsMu sync.Mutex

// run trains every job, one per slot at a time. A job whose slot fails
// with an error that marks the slot unreachable is retried on another slot
// from its last checkpoint; any other error, or an interrupt, stops the run
// after the jobs already running reach a batch boundary.
func (s *scheduler) run(ctx context.Context, jobs []*job, slots []Slot) error {
	obs := lockedObserver{mu: &obsMu, inner: s.obs, multi: len(slots) > 1}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	queue := make(chan *job, len(jobs))
	for _, j := range jobs {
		queue <- j
	}
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
		pending  = len(jobs)
		alive    = len(slots)
		doneCh   = make(chan struct{})
	)
	if pending == 0 {
		close(doneCh)
	}
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil || (errors.Is(firstErr, ErrInterrupted) && !errors.Is(err, ErrInterrupted)) {
			firstErr = err
		}
		errMu.Unlock()
		cancel()
	}
	finishJob := func() {
		errMu.Lock()
		pending--
		if pending == 0 {
			close(doneCh)
		}
		errMu.Unlock()
	}
	for _, slot := range slots {
		wg.Add(1)
		go func(slot Slot) {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-doneCh:
					return
				case j := <-queue:
					err := slotError(slot, s.runJob(ctx, j, slot, obs))
					switch {
					case err == nil:
						finishJob()
					case errors.Is(err, ErrInterrupted):
						fail(err)
						return
					case IsUnavailable(err):
						errMu.Lock()
						alive--
						last := alive == 0
						errMu.Unlock()
						obs.Warn(fmt.Sprintf("%s: %v", slot.Name, err))
						if last || j.tries >= len(slots) {
							fail(fmt.Errorf("fold %d, %s: no worker left to run it: %w", j.fold, j.mc.Name(), err))
							return
						}
						j.tries++
						obs.Warn(fmt.Sprintf("retrying fold %d, %s on another worker from its last checkpoint", j.fold, j.mc.Name()))
						queue <- j
						return // this slot is gone
					default:
						fail(fmt.Errorf("fold %d, %s: %w", j.fold, j.mc.Name(), err))
						return
					}
				}
			}
		}(slot)
	}
	wg.Wait()
	if firstErr != nil {
		if errors.Is(firstErr, ErrInterrupted) || ctx.Err() != nil {
			s.mu.Lock()
			s.flush()
			_, werr := report.WriteResults(s.cfg.ResultsDir, s.res, s.st.Start)
			s.mu.Unlock()
			if werr != nil {
				return fmt.Errorf("%w (and the partial results could not be written: %v)", firstErr, werr)
			}
		}
		return firstErr
	}
	if pending > 0 {
		if err := ctx.Err(); err != nil {
			return ErrInterrupted
		}
		return fmt.Errorf("%d (fold, model) pairs could not run", pending)
	}
	return nil
}

// runJob trains one pair on slot and records its evaluation.
func (s *scheduler) runJob(ctx context.Context, j *job, slot Slot, obs Observer) error {
	mc := j.mc
	mc.Device = slot.Device
	name := mc.Name()
	window := 0
	if in := mc.InputShape(); len(in) == 2 {
		window = in[0]
	}
	trainEx, testEx, testLabels, err := j.data.examples(window)
	if err != nil {
		return err
	}
	s.mu.Lock()
	prog := s.st.running(j.fold, name)
	if prog == nil {
		prog = &progress{pairKey: pairKey{j.fold, name}}
		s.st.Running = append(s.st.Running, prog)
	}
	s.mu.Unlock()
	obs.FoldStart(j.fold, j.folds, len(j.data.fold.Train), len(j.data.fold.Test))
	p := &pair{cfg: s.cfg, sched: s, obs: obs, fold: j.fold, kind: j.kind, name: name, mc: mc,
		sess: slot.Session, weightsRoot: s.weightsRoot, scaler: j.data.scaler, frame: s.frame, prog: prog}
	ev, err := p.run(ctx, trainEx, testEx, testLabels, s.numClasses)
	if err != nil {
		return err
	}
	obs.ModelDone(j.fold, name, ev.eval, ev.predictSeconds)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.res.AddFold(name, j.fold, ev.eval, ev.predictSeconds, ev.epochs)
	s.res.SetTrainInfo(name, j.fold, len(ev.epochs), ev.trainSeconds)
	s.res.SetCalibration(name, ev.calibration)
	if ev.bn != nil {
		s.res.SetBNRecalibration(name, j.fold, *ev.bn)
	}
	if slot.Name != "local" {
		s.res.SetRanOn(name, j.fold, slot.Name)
	}
	if ev.exported != "" {
		s.out.Exports = append(s.out.Exports, ev.exported)
	}
	s.st.finish(j.fold, name)
	t0 := time.Now()
	defer func() {
		s.timings.Add(timing.Stage{Name: "results", Fold: j.fold, Model: name, Seconds: time.Since(t0).Seconds()})
	}()
	s.flush()
	if _, err := report.WriteResults(s.cfg.ResultsDir, s.res, s.st.Start); err != nil {
		return err
	}
	return s.st.save(statePath(s.weightsRoot))
}

// flush copies the warnings and the stage times so far into the results,
// before they are written; the caller holds mu.
func (s *scheduler) flush() {
	s.warnings.flush(s.res)
	s.res.Timings = append(slices.Clone(s.priorTimings), s.timings.Stages()...)
}

// epochDone records a pair's completed epoch and its checkpoint in the
// resume state (written atomically).
func (s *scheduler) epochDone(p *progress, e report.EpochStats, checkpoint string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.Epochs = append(p.Epochs, e)
	p.Checkpoint = checkpoint
	return s.st.save(statePath(s.weightsRoot))
}

// epochsOf returns a copy of a pair's epoch history.
func (s *scheduler) epochsOf(p *progress) []report.EpochStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]report.EpochStats(nil), p.Epochs...)
}

// IsUnavailable reports whether err says a TensorFlow worker could not be
// reached (gRPC UNAVAILABLE, a closed connection, a failed session target),
// which makes its pair worth retrying elsewhere.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	msg := strings.ToLower(err.Error())
	for _, m := range []string{"unavailable", "connection refused", "socket closed", "failed to connect", "connect failed", "aborted"} {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}
