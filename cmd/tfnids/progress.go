package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/experiment"
	"github.com/tfnids/tfnids/report"
	"github.com/tfnids/tfnids/timing"
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

	// The whole run, for "pair 2/9" and its ETA.
	models                  []string
	pairsTotal, pairsDone   int
	epochsTotal, epochsDone int
	runStart                time.Time
}

// plan tells the view how much work the run has (for overall progress).
func (v *progressView) plan(cfg experiment.Config) {
	folds := cfg.Splits
	if cfg.CV == "none" {
		folds = 1
	}
	v.models = cfg.Models
	v.pairsTotal = folds * len(cfg.Models)
	v.epochsTotal = v.pairsTotal * cfg.Epochs
	v.runStart = time.Now()
}

// overall is "pair 2/9, ETA 1m20s" (ETA from the run's epochs so far;
// early stopping makes it an upper bound).
func (v *progressView) overall() string {
	if v.pairsTotal == 0 {
		return ""
	}
	s := fmt.Sprintf("pair %d/%d", min(v.pairsDone+1, v.pairsTotal), v.pairsTotal)
	if v.epochsDone > 0 && v.epochsTotal > v.epochsDone {
		per := time.Since(v.runStart) / time.Duration(v.epochsDone)
		s += fmt.Sprintf(", run ETA %s", (per * time.Duration(v.epochsTotal-v.epochsDone)).Round(time.Second))
	}
	return s
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
	printWarnings(v.w, rep)
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
	where := ""
	if v.pairsTotal > 0 {
		where = fmt.Sprintf("[%s] ", v.overall())
		if fold > 0 && v.folds > 0 {
			where = fmt.Sprintf("[fold %d/%d, %s] ", fold, v.folds, v.overall())
		}
	}
	v.printf("  %s%s: %d epochs of %d batches\n", where, model, epochs, batches)
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
	val := ""
	if e.Validated {
		val = fmt.Sprintf(" - val_loss %.4f - val_accuracy %.4f", e.ValLoss, e.ValAccuracy)
	}
	v.epochsDone++
	eta := ""
	if o := v.overall(); o != "" {
		eta = " - " + o
	}
	where := fmt.Sprintf("fold %d/%d", fold, v.folds)
	if fold == 0 {
		where = "all rows"
	}
	v.printf("  %s %s epoch %d/%d - %.1fs - loss %.4f - accuracy %.4f%s - %.0f samples/s%s\n",
		where, model, e.Epoch, v.epochs, e.Seconds, e.Loss, e.Accuracy, val, e.SamplesPerSecond, eta)
}

func (v *progressView) ModelDone(fold int, model string, e *report.Evaluation, predictSeconds float64) {
	v.pairsDone++
	if e != nil && v.epochs > 0 {
		// An early stop leaves epochs that will not run.
		v.epochsTotal = max(v.epochsDone+(v.pairsTotal-v.pairsDone)*v.epochs, v.epochsDone)
	}
	v.printf("  %s fold %d: accuracy %.4f, weighted F1 %.4f, FPR %.4f, FNR %.4f (predicted in %.2fs)\n",
		model, fold, e.Accuracy, e.F1, e.FPR, e.FNR, predictSeconds)
}

// stages prints where the run's time went: the total of every stage over
// the folds and models.
func (v *progressView) stages(stages []timing.Stage) {
	if len(stages) > 0 {
		v.printf("time per stage: %s\n", timing.Format(timing.Totals(stages)))
	}
}

func (v *progressView) Warn(msg string) {
	if v.bar != nil {
		v.bar.Clear()
	}
	fmt.Fprintf(v.w, "warning: %s\n", escapeControl(strings.TrimSpace(msg)))
}

// escapeControl writes control characters other than newline and tab
// (from column or class names in the data: escape sequences, bells,
// carriage returns) as Go escapes, so that a message cannot rewrite the
// terminal.
func escapeControl(s string) string {
	if !strings.ContainsFunc(s, isEscaped) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isEscaped(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isEscaped(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }
