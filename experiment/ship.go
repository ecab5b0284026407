package experiment

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/crossval"
	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/report"
	"github.com/tfnids/tfnids/serving"
	"github.com/tfnids/tfnids/tfgraph"
)

// ExportMetrics are the fold scores --export-best can choose by; for
// "fpr" and "fnr" lower is better.
var ExportMetrics = []string{"accuracy", "f1", "macro_f1", "precision", "recall", "macro_recall", "fpr", "fnr"}

func metricOf(s report.FoldScores, metric string) (v float64, higher bool) {
	switch metric {
	case "accuracy":
		return float64(s.Accuracy), true
	case "f1":
		return float64(s.F1s), true
	case "macro_f1":
		return float64(s.MacroF1), true
	case "precision":
		return float64(s.Precision), true
	case "recall":
		return float64(s.Recall), true
	case "macro_recall":
		return float64(s.MacroRecall), true
	case "fpr":
		return float64(s.FPRAllClasses), false
	case "fnr":
		return float64(s.MacroFNR), false
	}
	return math.NaN(), true
}

// BestFold returns the fold whose score on metric is best (the first on
// ties), or 0 when no fold has a finite score.
func BestFold(scores []report.FoldScores, metric string) (fold int, value float64) {
	for _, s := range scores {
		v, higher := metricOf(s, metric)
		if math.IsNaN(v) {
			continue
		}
		if fold == 0 || (higher && v > value) || (!higher && v < value) {
			fold, value = s.Fold, v
		}
	}
	return fold, value
}

// exportBest exports, for every model, the checkpoint of its best fold by
// cfg.ExportBest as the next free SavedModel version.
func exportBest(cfg Config, res *report.Results, weightsRoot string, slot Slot) ([]string, error) {
	var out []string
	kinds, mcs := cfg.modelConfigs(0, 0)
	for i, kind := range kinds {
		name := mcs[i].Name()
		m := res.Models[name]
		if m == nil {
			continue
		}
		fold, v := BestFold(m.Scores, cfg.ExportBest)
		if fold == 0 {
			return out, fmt.Errorf("--export-best %s: %s has no fold with a score", cfg.ExportBest, name)
		}
		card, ckpt, err := modelcard.Locate(filepath.Join(weightsRoot, ModelDir(name), fmt.Sprintf("fold-%d", fold)))
		if err != nil {
			return out, err
		}
		base := filepath.Join(cfg.ExportDir, ExportName(kind, cfg.Binary))
		next, err := serving.NextVersion(base)
		if err != nil {
			return out, err
		}
		dir := filepath.Join(base, strconv.FormatInt(next, 10))
		if err := serving.Export(serving.ExportOptions{Card: card, Checkpoint: ckpt, Dir: dir,
			Session: tfgraph.SessionConfig{IntraOpThreads: slot.Session.IntraOpThreads}}); err != nil {
			return out, err
		}
		res.AddExport(report.ExportInfo{Model: name, Source: fmt.Sprintf("fold %d", fold),
			Why: fmt.Sprintf("best %s over the folds (%.4f)", cfg.ExportBest, v), Dir: dir})
		out = append(out, fmt.Sprintf("%s (%s: fold %d, best %s %.4f)", dir, name, fold, cfg.ExportBest, v))
	}
	return out, nil
}

// trainFinal trains every model once more on all rows (the scaler fitted
// on all of them), with the run's epochs and early stopping on the
// training loss, and exports it as the next free version: the version
// TensorFlow Serving serves. It is not evaluated (no rows are left) and
// not resumable.
func trainFinal(ctx context.Context, cfg Config, s *scheduler, slot Slot) ([]string, error) {
	all := make([]int, s.frame.Rows)
	for i := range all {
		all[i] = i
	}
	// fold-scope network features: the final model's training rows are all
	// rows, so its graph is the graph of all of them
	fd := &foldData{fold: crossval.Fold{Train: all}, frame: s.frame, nf: s.nf, ctx: ctx, timings: s.timings}
	scaler, err := fd.get()
	if err != nil {
		return nil, err
	}
	var out []string
	kinds, mcs := cfg.modelConfigs(s.frame.Features, s.numClasses)
	for i, kind := range kinds {
		mc := mcs[i]
		mc.Device = slot.Device
		window := 0
		if in := mc.InputShape(); len(in) == 2 {
			window = in[0]
		}
		trainEx, _, _, err := fd.examples(window)
		if err != nil {
			return out, fmt.Errorf("final model: %w", err)
		}
		p := &pair{cfg: cfg, sched: s, obs: s.obs, kind: kind, name: mc.Name(), mc: mc, sess: slot.Session,
			weightsRoot: s.weightsRoot, scaler: scaler, frame: s.frame, final: true}
		dir, err := p.trainAll(ctx, trainEx)
		if err != nil {
			return out, fmt.Errorf("final %s: %w", kind, err)
		}
		s.res.AddExport(report.ExportInfo{Model: p.name, Source: "final",
			Why: fmt.Sprintf("trained on all %d rows after cross-validation", s.frame.Rows), Dir: dir})
		out = append(out, fmt.Sprintf("%s (%s: final model on all %d rows)", dir, p.name, s.frame.Rows))
	}
	return out, nil
}

// trainAll fits the final model on every row and exports it.
func (p *pair) trainAll(ctx context.Context, trainEx builders.Examples) (string, error) {
	t0 := time.Now()
	m, err := p.build()
	if err != nil {
		return "", err
	}
	if err := m.Open(p.sess); err != nil {
		return "", err
	}
	defer p.close(m)
	if err := p.writeCard(); err != nil {
		return "", err
	}
	p.stage("build", t0)
	batches := (trainEx.Len() + p.cfg.BatchSize - 1) / p.cfg.BatchSize
	p.obs.ModelStart(0, p.name+" (final, all rows)", p.cfg.Epochs, batches)
	last := ""
	err = p.fitTimed(m, trainEx, builders.FitOptions{
		Epochs: p.cfg.Epochs, BatchSize: p.cfg.BatchSize, Shuffle: !p.mc.IsRecurrent() || p.cfg.ShuffleWindows, Seed: p.cfg.Seed,
		Patience: p.cfg.Patience, RestoreBest: p.cfg.RestoreBest, Context: ctx, OnBatch: p.obs.Batch,
	}, func(e builders.EpochStats) error {
		p.obs.Epoch(0, p.name+" (final)", e)
		last = CheckpointName(e.Epoch, e.Loss)
		return p.save(m, filepath.Join(p.dir(), last))
	})
	if err != nil {
		return "", err
	}
	if p.cfg.BNRecalibrate && m.HasBatchNorm() {
		t0 := time.Now()
		if err := m.RecalibrateBatchNorm(trainEx, p.cfg.BatchSize); err != nil {
			return "", err
		}
		last += "-bn"
		if err := p.save(m, filepath.Join(p.dir(), last)); err != nil {
			return "", err
		}
		p.stage("bn-recalibrate", t0)
	}
	t0 = time.Now()
	defer p.stage("export", t0)
	return p.export(m, last)
}

// DataName is the dataset name a run uses when --name is not given: the
// first data path's base name without .gz/.csv/.parquet (for a glob such
// as flows/*.csv, its directory's), made shell-safe (report.Slug).
func DataName(paths []string) string {
	if len(paths) == 0 {
		return ""
	}
	p := filepath.Clean(strings.TrimRight(paths[0], "/"))
	for p != "." && p != "/" {
		base := filepath.Base(p)
		for _, ext := range []string{".gz", ".csv", ".parquet"} {
			base = strings.TrimSuffix(base, ext)
		}
		if !strings.ContainsAny(base, "*?[]") && base != "" {
			return report.Slug(base)
		}
		p = filepath.Dir(p)
	}
	return ""
}
