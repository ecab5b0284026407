package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/report"
	"github.com/tfnids/tfnids/serving"
	"github.com/tfnids/tfnids/tfgraph"
	"github.com/tfnids/tfnids/timing"
)

func init() {
	register(&cli.Command{
		Name:      "predict",
		Usage:     "classify flow CSVs with an exported SavedModel; scores them where labels exist",
		ArgsUsage: "[PATH...]",
		UsageText: "tfnids predict --model DIR --data PATH... [--format csv|jsonl] [--out FILE] [options]",
		Description: `Loads the SavedModel with TensorFlow's loader and reads the data as the model's training data
was read (the profile, input columns and class names of the model card in
assets/tfnids_model.json), sorted by timestamp; lstm and gru models classify windows of
consecutive rows, reported at their last row. The model scales the raw features itself.

Writes one line per classified row: its index in the loaded (sorted, cleaned) data, the
timestamp and true class when the data has them, the predicted class and the probability
of every class, as CSV (default) or JSON lines, to --out or standard output. With
--bad-values drop (the default, as in training) rows with NaN/Infinity/empty cells are
left out; use --bad-values zero and --sort-timestamp=false to keep one output row per
input row in file order.

When the data has labels, the scores of the report package (accuracy, weighted and macro
precision/recall/F1, FPR/FNR, the classification report) go to standard error, or to
standard output when --out names a file.

DIR is a version directory or a model base path (its highest version).`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "SavedModel directory written by tfnids export (or its base path)"},
			&cli.StringSliceFlag{Name: "data", Aliases: []string{"d"}, Usage: "CSV/CSV.gz file, directory or glob (repeatable; may also be given as arguments)"},
			&cli.StringFlag{Name: "profile", Usage: "dataset profile for reading the data: a built-in name or a YAML/JSON file (default: the model's)"},
			&cli.StringFlag{Name: "format", Value: "csv", Usage: "output format: csv or jsonl"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "-", Usage: "output file (- for standard output)"},
			&cli.StringFlag{Name: "bad-values", Value: "drop", Usage: "rows with NaN/Infinity/empty/non-numeric cells: drop, zero or error"},
			&cli.BoolFlag{Name: "sort-timestamp", Value: true, Usage: "stably sort rows by the profile's timestamp, as training did"},
			&cli.IntFlag{Name: "batch-size", Value: 1024, Usage: "examples per TensorFlow run"},
			&cli.IntFlag{Name: "threads", Usage: "TensorFlow intra-op threads (0: one per core)"},
		}, columnFlags()...),
		Action: predictAction,
	})
}

func predictAction(c *cli.Context) error {
	if c.String("model") == "" {
		return usageErr("predict: --model is required (a SavedModel directory written by tfnids export)")
	}
	paths := append(c.StringSlice("data"), c.Args().Slice()...)
	if len(paths) == 0 {
		return usageErr("predict: give the data with --data PATH (a CSV/CSV.gz file, a directory or a glob)")
	}
	format := strings.ToLower(c.String("format"))
	if format != "csv" && format != "jsonl" {
		return usageErr("predict: --format %q: want csv or jsonl", c.String("format"))
	}
	if c.Int("batch-size") < 1 {
		return usageErr("predict: --batch-size must be >= 1")
	}
	policy, err := dataset.ParseBadValuePolicy(c.String("bad-values"))
	if err != nil {
		return usageErr("predict: --bad-values: %v", err)
	}
	dir, err := serving.ResolveExport(c.String("model"))
	if err != nil {
		return usageErr("predict: --model: %v", err)
	}
	card, err := modelcard.Read(filepath.Join(dir, tfgraph.AssetsDir, modelcard.AssetName))
	if err != nil {
		return usageErr("predict: %s is not a tfnids export (%v); predict needs the model card to read CSV data", dir, err)
	}
	opts := dataset.LoadOptions{BadValues: policy, SortByTimestamp: c.Bool("sort-timestamp")}
	if err := columnOptions(c, &opts); err != nil {
		return err
	}
	if name := c.String("profile"); name != "" {
		var err error
		if opts.Profile, _, err = dataset.ProfileFor(name, paths); err != nil {
			return usageErr("predict: --profile: %s", withHint(err))
		}
	}
	var timings timing.Recorder
	frame, rep, err := dataset.LoadLike(paths, card.Schema, opts)
	if err != nil {
		return usageErr("predict: %s", withHint(err))
	}
	for _, st := range rep.Timings {
		timings.Add(st)
	}
	if frame.Features != card.Model.Features {
		return usageErr("predict: the data has %d input features, the model %d", frame.Features, card.Model.Features)
	}

	t0 := time.Now()
	p, err := tfgraph.LoadPredictor(dir, nil, tfgraph.SessionConfig{IntraOpThreads: c.Int("threads")})
	if err != nil {
		return err
	}
	defer p.Close()
	timings.Since("load model", t0)
	sig, err := p.Signature("")
	if err != nil {
		return err
	}
	in, ok := sig.Input("x")
	if !ok || len(sig.Inputs) != 1 {
		return fmt.Errorf("predict: %s: the serving_default signature does not take one input \"x\"", dir)
	}
	if want := card.Model.InputShape(); tfgraph.ShapeString(in.Shape) != tfgraph.ShapeString(want) {
		return fmt.Errorf("predict: %s: the signature takes %s, the model card says %s", dir, tfgraph.ShapeString(in.Shape), tfgraph.ShapeString(want))
	}

	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	t0 = time.Now()
	res, err := serving.PredictExamples(ctx, p, frame.X, frame.Rows, frame.Features, card.Model.WindowLength(), c.Int("batch-size"))
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return cli.Exit("predict: interrupted", exitInterrupt)
		}
		return err
	}
	timings.Since("predict", t0)

	classNames := card.Schema.ClassNames
	write := func(w io.Writer) error {
		if format == "jsonl" {
			return writeJSONL(w, res, frame, classNames)
		}
		return writeCSV(w, res, frame, classNames)
	}
	metricsTo := c.App.ErrWriter
	t0 = time.Now()
	if out := c.String("out"); out == "-" {
		bw := bufio.NewWriterSize(c.App.Writer, 1<<16)
		if err := write(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	} else {
		if err := atomicfile.Write(out, 0o644, func(f io.Writer) error {
			bw := bufio.NewWriterSize(f, 1<<16)
			if err := write(bw); err != nil {
				return err
			}
			return bw.Flush()
		}); err != nil {
			return err
		}
		metricsTo = c.App.Writer
		fmt.Fprintf(metricsTo, "wrote %d predictions to %s\n", len(res.Rows), out)
	}
	timings.Since("write", t0)
	if metricsTo == nil {
		metricsTo = os.Stderr
	}
	t0 = time.Now()
	printPredictSummary(metricsTo, rep, res, frame, card)
	timings.Since("score", t0)
	errOut := c.App.ErrWriter
	if errOut == nil {
		errOut = os.Stderr
	}
	fmt.Fprintf(errOut, "time per stage: %s\n", timing.Format(timing.Totals(timings.Stages())))
	return nil
}

func className(names []string, c int64) string {
	if c < 0 || int(c) >= len(names) {
		return ""
	}
	return names[c]
}

// appendProb writes a probability as strconv's shortest float32 form,
// NaN for a row the model could not classify.
func appendProb(b []byte, v float32) []byte {
	if math.IsNaN(float64(v)) {
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, float64(v), 'g', -1, 32)
}

func timestampOf(frame *dataset.Frame, row int) string {
	if frame.Timestamps == nil {
		return ""
	}
	return time.Unix(0, frame.Timestamps[row]).UTC().Format(time.RFC3339Nano)
}

// writeCSV writes one line per prediction as encoding/csv would, without
// a string per cell: a million rows of ten classes are 14 million cells.
// The only text, the class names, is quoted once by encoding/csv itself.
func writeCSV(w io.Writer, res *serving.Predictions, frame *dataset.Frame, names []string) error {
	header := []string{"row"}
	if frame.Timestamps != nil {
		header = append(header, "timestamp")
	}
	if frame.Labels != nil {
		header = append(header, "label")
	}
	header = append(header, "predicted", "class")
	for _, n := range names {
		header = append(header, "prob_"+n)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	// cells[c] is class c's name as a CSV cell; cells[len(names)] the
	// empty cell of an unknown class.
	cells := make([][]byte, len(names)+1)
	for c, n := range names {
		var buf strings.Builder
		qw := csv.NewWriter(&buf)
		qw.Write([]string{n})
		qw.Flush()
		cells[c] = []byte(strings.TrimSuffix(buf.String(), "\n"))
	}
	cell := func(c int64) []byte {
		if c < 0 || int(c) >= len(names) {
			return cells[len(names)]
		}
		return cells[c]
	}
	b := make([]byte, 0, 256)
	for i, row := range res.Rows {
		b = strconv.AppendInt(b[:0], int64(row), 10)
		if frame.Timestamps != nil {
			b = append(b, ',')
			b = time.Unix(0, frame.Timestamps[row]).UTC().AppendFormat(b, time.RFC3339Nano)
		}
		if frame.Labels != nil {
			b = append(b, ',')
			b = append(b, cell(int64(frame.Labels[row]))...)
		}
		b = append(b, ',')
		b = append(b, cell(res.Classes[i])...)
		b = append(b, ',')
		b = strconv.AppendInt(b, res.Classes[i], 10)
		for _, v := range res.Probs[i*res.Width : (i+1)*res.Width] {
			b = appendProb(append(b, ','), v)
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func writeJSONL(w io.Writer, res *serving.Predictions, frame *dataset.Frame, names []string) error {
	b := make([]byte, 0, 512)
	for i, row := range res.Rows {
		b = append(b[:0], `{"row":`...)
		b = strconv.AppendInt(b, int64(row), 10)
		if frame.Timestamps != nil {
			b = append(b, `,"timestamp":`...)
			b = strconv.AppendQuote(b, timestampOf(frame, row))
		}
		if frame.Labels != nil {
			b = append(b, `,"label":`...)
			if l := frame.Labels[row]; l >= 0 {
				b = strconv.AppendQuote(b, className(names, int64(l)))
			} else {
				b = append(b, "null"...)
			}
		}
		b = append(b, `,"predicted":`...)
		if c := res.Classes[i]; c >= 0 {
			b = strconv.AppendQuote(b, className(names, c))
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"class":`...)
		b = strconv.AppendInt(b, res.Classes[i], 10)
		b = append(b, `,"probabilities":{`...)
		for j, v := range res.Probs[i*res.Width : (i+1)*res.Width] {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, className(names, int64(j)))
			b = append(b, ':')
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				b = append(b, "null"...)
			} else {
				b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
			}
		}
		b = append(b, "}}\n"...)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// printPredictSummary reports what was read and, with labels, the scores.
func printPredictSummary(w io.Writer, rep *dataset.LoadReport, res *serving.Predictions, frame *dataset.Frame, card *modelcard.Card) {
	n := len(res.Rows)
	rate := 0.0
	if res.Seconds > 0 {
		rate = float64(n) / res.Seconds
	}
	fmt.Fprintf(w, "read %d rows (%d kept, %d dropped for bad values), profile %s; classified %d examples in %.3fs (%.0f/s)\n",
		rep.RowsRead, rep.RowsKept, rep.DroppedBadValues, rep.Profile, n, res.Seconds, rate)
	if len(rep.UnknownCategories) > 0 {
		fmt.Fprintf(w, "warning: categories the model was not trained on (encoded as unknown): %s\n", countsText(rep.UnknownCategories))
	}
	if frame.Labels == nil {
		return
	}
	var yTrue, yPred []int32
	unscorable := 0
	for i, row := range res.Rows {
		t, p := frame.Labels[row], res.Classes[i]
		if t < 0 || p < 0 {
			unscorable++
			continue
		}
		yTrue, yPred = append(yTrue, t), append(yPred, int32(p))
	}
	if len(rep.UnknownClasses) > 0 {
		fmt.Fprintf(w, "warning: classes the model does not know (not scored): %s\n", countsText(rep.UnknownClasses))
	}
	if unscorable > 0 {
		fmt.Fprintf(w, "warning: %d examples not scored (unknown class, or class -1 for non-finite features)\n", unscorable)
	}
	if len(yTrue) == 0 {
		return
	}
	names := card.Schema.ClassNames
	e := report.Evaluate(yTrue, yPred, len(names), names, card.Model.Binary)
	fmt.Fprintf(w, "\nscores over %d labelled examples:\n", e.N)
	fmt.Fprintf(w, "  accuracy %.4f  precision %.4f  recall %.4f  f1 %.4f  (weighted)\n", e.Accuracy, e.Precision, e.Recall, e.F1)
	fmt.Fprintf(w, "  macro precision %.4f  macro recall %.4f  macro f1 %.4f\n", e.MacroPrecision, e.MacroRecall, e.MacroF1)
	fmt.Fprintf(w, "  FPR %.4f  FNR %.4f\n\n", e.FPR, e.FNR)
	fmt.Fprint(w, report.ClassificationReport(e))
}

func countsText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s (%d)", k, m[k])
	}
	return strings.Join(parts, ", ")
}
