package experiment

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/report"
	"github.com/tfnids/tfnids/tfgraph"
)

// pair trains and evaluates one model on one fold.
type pair struct {
	cfg         Config
	st          *runState
	res         *report.Results
	obs         Observer
	fold        int
	kind, name  string
	mc          builders.Config
	sess        tfgraph.SessionConfig
	weightsRoot string
	scaler      *dataset.MinMaxScaler
	frame       *dataset.Frame
	profile     *dataset.Profile
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

func (p *pair) run(ctx context.Context, trainEx, testEx builders.Examples, testLabels []int32, numClasses int) (exported string, err error) {
	m, err := builders.Build(p.mc)
	if err != nil {
		return "", err
	}
	if err := m.Open(p.sess); err != nil {
		return "", err
	}
	defer m.Close()

	var prior []report.EpochStats
	if cur := p.st.Current; cur != nil && cur.Fold == p.fold && cur.Model == p.name && cur.Checkpoint != "" {
		if err := m.Restore(cur.Checkpoint); err != nil {
			return "", fmt.Errorf("--resume: %w", err)
		}
		prior = cur.Epochs
	}
	p.st.Current = &progress{pairKey: pairKey{p.fold, p.name}, Epochs: prior}
	if err := p.writeCard(); err != nil {
		return "", err
	}

	batches := (trainEx.Len() + p.cfg.BatchSize - 1) / p.cfg.BatchSize
	p.obs.ModelStart(p.fold, p.name, p.cfg.Epochs, batches)
	started := time.Now()
	hist, err := m.Fit(trainEx, builders.FitOptions{
		Epochs: p.cfg.Epochs, BatchSize: p.cfg.BatchSize, Shuffle: true, Seed: p.cfg.Seed + int64(p.fold),
		Patience: p.cfg.Patience, RestoreBest: p.cfg.RestoreBest,
		InitialEpoch: len(prior), PriorHistory: toBuilderEpochs(prior),
		Context: ctx,
		OnBatch: p.obs.Batch,
		OnEpochEnd: func(e builders.EpochStats) error {
			p.obs.Epoch(e)
			prefix := filepath.Join(p.dir(), CheckpointName(e.Epoch, e.Loss))
			if err := m.Save(prefix); err != nil {
				return err
			}
			p.st.Current.Epochs = append(p.st.Current.Epochs, fromBuilderEpoch(e))
			p.st.Current.Checkpoint = prefix
			return p.st.save(statePath(p.weightsRoot))
		},
	})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			// The last complete epoch's checkpoint is the resume point; this one
			// keeps the mid-epoch weights for inspection.
			if serr := m.Save(filepath.Join(p.dir(), "weights-interrupted")); serr != nil {
				return "", fmt.Errorf("%w (and the interrupt checkpoint failed: %v)", ErrInterrupted, serr)
			}
			return "", ErrInterrupted
		}
		return "", err
	}
	trainSeconds := time.Since(started).Seconds()

	t0 := time.Now()
	_, pred, err := m.Predict(testEx, p.cfg.BatchSize)
	if err != nil {
		return "", fmt.Errorf("predict: %w", err)
	}
	predictSeconds := time.Since(t0).Seconds()
	e := report.Evaluate(testLabels, pred, numClasses, p.frame.ClassNames, p.cfg.Binary)
	epochs := p.st.Current.Epochs
	p.res.AddFold(p.name, p.fold, e, predictSeconds, epochs)
	p.res.SetTrainInfo(p.name, p.fold, len(hist.Epochs)+len(prior), trainSeconds)
	p.obs.ModelDone(p.fold, p.name, e, predictSeconds)

	if p.cfg.ExportDir != "" {
		return p.export(m)
	}
	return "", nil
}

func toBuilderEpochs(in []report.EpochStats) []builders.EpochStats {
	out := make([]builders.EpochStats, len(in))
	for i, e := range in {
		out[i] = builders.EpochStats{Epoch: e.Epoch, Loss: e.Loss, Accuracy: e.Accuracy, Seconds: e.Seconds, SamplesPerSec: e.SamplesPerSecond}
	}
	return out
}

func fromBuilderEpoch(e builders.EpochStats) report.EpochStats {
	return report.EpochStats{Epoch: e.Epoch, Loss: e.Loss, Accuracy: e.Accuracy, Seconds: e.Seconds, SamplesPerSecond: e.SamplesPerSec}
}
