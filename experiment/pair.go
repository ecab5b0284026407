package experiment

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/report"
	"github.com/tfnids/tfnids/tfgraph"
	"github.com/tfnids/tfnids/timing"
)

// pair trains and evaluates one model on one fold in one slot. Its access
// to the shared run state goes through the scheduler's lock.
type pair struct {
	cfg         Config
	sched       *scheduler
	obs         Observer
	fold        int
	kind, name  string
	mc          builders.Config
	sess        tfgraph.SessionConfig
	weightsRoot string
	scaler      *dataset.MinMaxScaler
	frame       *dataset.Frame
	prog        *progress
	// final marks the model trained on all rows after cross-validation
	// (Config.Final): checkpoints under <model>/final, no evaluation.
	final bool
}

// evaluated is what a finished pair hands back to the scheduler.
type evaluated struct {
	eval           *report.Evaluation
	predictSeconds float64
	trainSeconds   float64
	epochs         []report.EpochStats
	exported       string
	calibration    report.FoldCalibration
	bn             *report.BNRecalibration
}

// Dir is where the pair's checkpoints go:
// <weights-dir>/<dataset>/<model-slug>/fold-<k> (or final), where the slug
// is the seed's model name made shell-safe ("cnn mc  cnn-64-64" →
// "cnn-mc-cnn-64-64"); results keep the seed's names.
func (p *pair) dir() string {
	return filepath.Join(p.weightsRoot, ModelDir(p.name), p.foldDir())
}

func (p *pair) foldDir() string {
	if p.final {
		return "final"
	}
	return fmt.Sprintf("fold-%d", p.fold)
}

// ModelDir is the directory name of a model's checkpoints: its name with
// every run of characters other than letters, digits, '.' and '_' turned
// into one '-'.
func ModelDir(name string) string { return report.Slug(name) }

// CheckpointName is Keras' ModelCheckpoint pattern weights-{epoch:02d}-{loss:.4f}.
func CheckpointName(epoch int, loss float64) string {
	return fmt.Sprintf("weights-%02d-%.4f", epoch, loss)
}

// stage records a step of the pair as lasting from t0 to now.
func (p *pair) stage(name string, t0 time.Time) {
	p.stageSeconds(name, time.Since(t0).Seconds())
}

func (p *pair) stageSeconds(name string, secs float64) {
	if p.sched != nil {
		p.sched.timings.Add(timing.Stage{Name: name, Fold: p.fold, Model: p.name, Seconds: secs})
	}
}

// fitTimed runs m.Fit with o, saving a checkpoint after every epoch
// through onEpoch, and records where the time went: "fit" (the epochs'
// batches), "checkpoint" (onEpoch) and "validate" (the rest: the
// inference-mode pass over the test rows after every epoch, and the
// epoch's shuffle; without validation the rest counts as fit).
func (p *pair) fitTimed(m *builders.Model, train builders.Examples, o builders.FitOptions, onEpoch func(builders.EpochStats) error) error {
	var batches, saving float64
	o.OnEpochEnd = func(e builders.EpochStats) error {
		batches += e.Seconds
		t0 := time.Now()
		defer func() { saving += time.Since(t0).Seconds() }()
		return onEpoch(e)
	}
	t0 := time.Now()
	_, err := m.Fit(train, o)
	rest := time.Since(t0).Seconds() - batches - saving
	if o.Validation == nil {
		batches, rest = batches+rest, 0 // shuffling and progress output
	}
	p.stageSeconds("fit", batches)
	p.stageSeconds("checkpoint", saving)
	if o.Validation != nil {
		p.stageSeconds("validate", rest)
	}
	return err
}

func (p *pair) run(ctx context.Context, trainEx, testEx builders.Examples, testLabels []int32, numClasses int) (*evaluated, error) {
	t0 := time.Now()
	m, err := p.build()
	if err != nil {
		return nil, err
	}
	if err := m.Open(p.sess); err != nil {
		return nil, err
	}
	defer p.close(m)

	prior := append([]report.EpochStats(nil), p.prog.Epochs...)
	if p.prog.Checkpoint != "" {
		if err := p.restore(m, p.prog.Checkpoint); err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
	}
	if err := p.writeCard(); err != nil {
		return nil, err
	}
	p.stage("build", t0)

	batches := (trainEx.Len() + p.cfg.BatchSize - 1) / p.cfg.BatchSize
	p.obs.ModelStart(p.fold, p.name, p.cfg.Epochs, batches)
	started := time.Now()
	var validation builders.Examples
	if p.cfg.Validation {
		validation = testEx
	}
	err = p.fitTimed(m, trainEx, builders.FitOptions{
		Epochs: p.cfg.Epochs, BatchSize: p.cfg.BatchSize, Shuffle: !p.mc.IsRecurrent() || p.cfg.ShuffleWindows, Seed: p.cfg.Seed + int64(p.fold),
		Patience: p.cfg.Patience, RestoreBest: p.cfg.RestoreBest, Monitor: p.cfg.Monitor, Validation: validation,
		InitialEpoch: len(prior), PriorHistory: prior,
		Context: ctx,
		OnBatch: p.obs.Batch,
	}, func(e builders.EpochStats) error {
		p.obs.Epoch(p.fold, p.name, e)
		prefix := filepath.Join(p.dir(), CheckpointName(e.Epoch, e.Loss))
		if err := p.save(m, prefix); err != nil {
			return err
		}
		return p.sched.epochDone(p.prog, e, prefix)
	})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			// The last complete epoch's checkpoint is the resume point; this one
			// keeps the mid-epoch weights for inspection.
			if serr := p.save(m, filepath.Join(p.dir(), "weights-interrupted")); serr != nil {
				return nil, fmt.Errorf("%w (and the interrupt checkpoint failed: %v)", ErrInterrupted, serr)
			}
			return nil, ErrInterrupted
		}
		return nil, err
	}
	trainSeconds := time.Since(started).Seconds()
	epochs := p.sched.epochsOf(p.prog)
	last := ""
	if n := len(epochs); n > 0 {
		last = CheckpointName(epochs[n-1].Epoch, epochs[n-1].Loss)
	}
	var bn *report.BNRecalibration
	if p.cfg.BNRecalibrate && m.HasBatchNorm() {
		t0 := time.Now()
		if bn, err = p.recalibrate(m, trainEx, testEx); err != nil {
			return nil, err
		}
		last += "-bn" // the checkpoint with the re-estimated statistics
		if err := p.save(m, filepath.Join(p.dir(), last)); err != nil {
			return nil, err
		}
		p.stage("bn-recalibrate", t0)
	}

	t0 = time.Now()
	probs, pred, err := m.Predict(testEx, p.cfg.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	ev := &evaluated{predictSeconds: time.Since(t0).Seconds(), trainSeconds: trainSeconds, bn: bn}
	p.stageSeconds("predict", ev.predictSeconds)
	t0 = time.Now()
	ev.eval = report.Evaluate(testLabels, pred, numClasses, p.frame.ClassNames, p.cfg.Binary)
	ev.epochs = epochs
	ev.calibration = report.Calibrate(p.fold, probs, len(probs)/max(len(pred), 1), testLabels)
	p.warnLossGap(epochs, bn, m.HasBatchNorm())
	p.stage("score", t0)
	t0 = time.Now()
	if p.cfg.ExportDir != "" && p.cfg.ExportBest == "" && !p.cfg.Final {
		ev.exported, err = p.export(m, last)
		p.stage("export", t0)
		return ev, err
	}
	err = modelcard.Write(p.dir(), p.card(last))
	p.stage("model card", t0)
	return ev, err
}

// recalibrate re-estimates the model's batch-norm statistics on the
// training examples and measures the test rows in inference mode before
// and after.
func (p *pair) recalibrate(m *builders.Model, trainEx, testEx builders.Examples) (*report.BNRecalibration, error) {
	measure := func() (loss, acc, top float64, err error) {
		if loss, acc, err = m.Evaluate(testEx, p.cfg.BatchSize); err != nil {
			return
		}
		probs, pred, err := m.Predict(testEx, p.cfg.BatchSize)
		if err != nil {
			return
		}
		return loss, acc, report.MedianTopProbability(probs, len(probs)/max(len(pred), 1)), nil
	}
	var b report.BNRecalibration
	l, a, top, err := measure()
	if err != nil {
		return nil, fmt.Errorf("bn-recalibrate: %w", err)
	}
	b.ValLossBefore, b.ValAccuracyBefore, b.MedianTopProbabilityBefore = report.Float(l), report.Float(a), report.Float(top)
	if err := m.RecalibrateBatchNorm(trainEx, p.cfg.BatchSize); err != nil {
		return nil, err
	}
	if l, a, top, err = measure(); err != nil {
		return nil, fmt.Errorf("bn-recalibrate: %w", err)
	}
	b.ValLossAfter, b.ValAccuracyAfter, b.MedianTopProbabilityAfter = report.Float(l), report.Float(a), report.Float(top)
	return &b, nil
}

// LossGapRatio and LossGapMin define "far above": a warning is given when
// the last epoch's inference-mode loss on the test rows exceeds both
// LossGapRatio times the training loss and the training loss plus
// LossGapMin, while the inference-mode accuracy is within LossGapAccuracy
// of the training accuracy (so the gap is in the probabilities, not the
// answers).
const (
	LossGapRatio    = 3.0
	LossGapMin      = 0.2
	LossGapAccuracy = 0.05
)

// warnLossGap warns when the inference-mode loss is far above the
// training loss although the accuracies agree (after a batch-norm
// re-estimation, bn, its measurement counts).
func (p *pair) warnLossGap(epochs []report.EpochStats, bn *report.BNRecalibration, batchNorm bool) {
	if len(epochs) == 0 || !epochs[len(epochs)-1].Validated {
		return
	}
	e := epochs[len(epochs)-1]
	if bn != nil {
		e.ValLoss, e.ValAccuracy = float64(bn.ValLossAfter), float64(bn.ValAccuracyAfter)
	}
	if !(e.ValLoss > LossGapRatio*e.Loss && e.ValLoss > e.Loss+LossGapMin && e.ValAccuracy > e.Accuracy-LossGapAccuracy) {
		return
	}
	msg := fmt.Sprintf("fold %d, %s: the inference-mode loss on the test rows (val_loss %.4f) is far above the training loss (%.4f) although the accuracies agree (%.4f vs %.4f): the predicted probabilities are less sure than the answers are right, so a probability threshold misses rows",
		p.fold, p.name, e.ValLoss, e.Loss, e.ValAccuracy, e.Accuracy)
	if batchNorm && bn == nil {
		msg += "; the batch-norm moving statistics have likely not settled: --bn-recalibrate re-estimates them over the training rows"
	}
	p.obs.Warn(msg)
}
