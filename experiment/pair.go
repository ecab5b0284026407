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
}

// evaluated is what a finished pair hands back to the scheduler.
type evaluated struct {
	eval           *report.Evaluation
	predictSeconds float64
	trainSeconds   float64
	epochs         []report.EpochStats
	exported       string
}

// Dir is where the pair's checkpoints go:
// <weights-dir>/<dataset>/<model-name>/fold-<k>.
func (p *pair) dir() string {
	return filepath.Join(p.weightsRoot, p.name, fmt.Sprintf("fold-%d", p.fold))
}

// CheckpointName is Keras' ModelCheckpoint pattern weights-{epoch:02d}-{loss:.4f}.
func CheckpointName(epoch int, loss float64) string {
	return fmt.Sprintf("weights-%02d-%.4f", epoch, loss)
}

func (p *pair) run(ctx context.Context, trainEx, testEx builders.Examples, testLabels []int32, numClasses int) (*evaluated, error) {
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

	batches := (trainEx.Len() + p.cfg.BatchSize - 1) / p.cfg.BatchSize
	p.obs.ModelStart(p.fold, p.name, p.cfg.Epochs, batches)
	started := time.Now()
	_, err = m.Fit(trainEx, builders.FitOptions{
		Epochs: p.cfg.Epochs, BatchSize: p.cfg.BatchSize, Shuffle: !p.mc.IsRecurrent() || p.cfg.ShuffleWindows, Seed: p.cfg.Seed + int64(p.fold),
		Patience: p.cfg.Patience, RestoreBest: p.cfg.RestoreBest,
		InitialEpoch: len(prior), PriorHistory: prior,
		Context: ctx,
		OnBatch: p.obs.Batch,
		OnEpochEnd: func(e builders.EpochStats) error {
			p.obs.Epoch(p.fold, p.name, e)
			prefix := filepath.Join(p.dir(), CheckpointName(e.Epoch, e.Loss))
			if err := p.save(m, prefix); err != nil {
				return err
			}
			return p.sched.epochDone(p.prog, e, prefix)
		},
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

	t0 := time.Now()
	_, pred, err := m.Predict(testEx, p.cfg.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	ev := &evaluated{predictSeconds: time.Since(t0).Seconds(), trainSeconds: trainSeconds}
	ev.eval = report.Evaluate(testLabels, pred, numClasses, p.frame.ClassNames, p.cfg.Binary)
	ev.epochs = p.sched.epochsOf(p.prog)

	last := ""
	if n := len(ev.epochs); n > 0 {
		last = CheckpointName(ev.epochs[n-1].Epoch, ev.epochs[n-1].Loss)
	}
	if p.cfg.ExportDir != "" {
		ev.exported, err = p.export(m, last)
		return ev, err
	}
	return ev, modelcard.Write(p.dir(), p.card(last))
}
