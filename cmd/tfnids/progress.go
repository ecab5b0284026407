package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/report"
)

// progressView shows a run's progress on stderr: a Keras-Progbar-like bar per
// epoch on a terminal, one line per epoch otherwise (logs, CI), nothing
// under --quiet except warnings.
type progressView struct {
	w       io.Writer
	quiet   bool
	tty     bool
	bar     *progressbar.ProgressBar
	fold    int
	folds   int
	model   string
	epochs  int
	batches int
	start   time.Time
}

func newProgressView(quiet bool) *progressView {
	return &progressView{w: os.Stderr, quiet: quiet, tty: term.IsTerminal(int(os.Stderr.Fd()))}
}

func (v *progressView) printf(format string, a ...any) {
	if !v.quiet {
		fmt.Fprintf(v.w, format, a...)
	}
}

func (v *progressView) Loaded(f *dataset.Frame, rep *dataset.LoadReport) {
	v.printf("data: %d rows kept of %d read (%d with bad values dropped, %d duplicates dropped); %d features, %d classes\n",
		rep.RowsKept, rep.RowsRead, rep.DroppedBadValues, rep.DroppedDuplicates, f.Features, len(f.ClassNames))
	if rep.ProfileWhy != "" {
		v.printf("profile: %s\n", rep.ProfileWhy)
	}
}

func (v *progressView) FoldStart(fold, folds, trainRows, testRows int) {
	if fold == v.fold {
		return // every model of a fold announces it
	}
	v.fold, v.folds = fold, folds
	v.printf("fold %d/%d: %d training rows, %d test rows\n", fold, folds, trainRows, testRows)
}

func (v *progressView) ModelStart(fold int, model string, epochs, batches int) {
	v.model, v.epochs, v.batches = model, epochs, batches
	v.printf("  %s: %d epochs of %d batches\n", model, epochs, batches)
}

func (v *progressView) Batch(b builders.BatchStats) {
	if v.quiet || !v.tty {
		return
	}
	if v.bar == nil || b.Batch == 1 {
		if v.bar != nil {
			v.bar.Exit()
		}
		v.start = time.Now()
		v.bar = progressbar.NewOptions(b.Batches,
			progressbar.OptionSetWriter(v.w),
			progressbar.OptionSetDescription(fmt.Sprintf("  fold %d/%d %s epoch %d/%d", v.fold, v.folds, v.model, b.Epoch, v.epochs)),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(24),
			progressbar.OptionClearOnFinish(),
		)
	}
	msPerStep := float64(time.Since(v.start).Milliseconds()) / float64(b.Batch)
	v.bar.Describe(fmt.Sprintf("  fold %d/%d %s epoch %d/%d loss %.4f acc %.4f %.0fms/step",
		v.fold, v.folds, v.model, b.Epoch, v.epochs, b.Loss, b.Accuracy, msPerStep))
	v.bar.Set(b.Batch)
}

func (v *progressView) Epoch(fold int, model string, e builders.EpochStats) {
	if v.bar != nil {
		v.bar.Finish()
		v.bar = nil
	}
	v.printf("  fold %d/%d %s epoch %d/%d - %.1fs - loss %.4f - accuracy %.4f - %.0f samples/s\n",
		fold, v.folds, model, e.Epoch, v.epochs, e.Seconds, e.Loss, e.Accuracy, e.SamplesPerSecond)
}

func (v *progressView) ModelDone(fold int, model string, e *report.Evaluation, predictSeconds float64) {
	v.printf("  %s fold %d: accuracy %.4f, weighted F1 %.4f, FPR %.4f, FNR %.4f (predicted in %.2fs)\n",
		model, fold, e.Accuracy, e.F1, e.FPR, e.FNR, predictSeconds)
}

func (v *progressView) Warn(msg string) {
	if v.bar != nil {
		v.bar.Clear()
	}
	fmt.Fprintf(v.w, "warning: %s\n", strings.TrimSpace(msg))
}
