package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/cluster"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/experiment"
	"github.com/tfnids/tfnids/netgraph"
	"github.com/tfnids/tfnids/spec"
)

func init() {
	d := experiment.Defaults()
	register(&cli.Command{
		Name:      "train",
		Usage:     "cross-validate CNN/LSTM/GRU models on flow data: checkpoints, results JSON, plots",
		UsageText: "tfnids train --data PATH... [--profile NAME|FILE|auto] [--models cnn,lstm,gru] [options]",
		Description: `Runs the seed notebook's protocol in one command. For every fold and model it fits a
MinMax scaler on the training rows only, builds the model with fresh weights, trains it
(Adam, sparse categorical cross-entropy, early stopping on the training loss), saves a
checkpoint after every epoch, predicts the test rows (timed), and scores them.

Defaults are the seed's configuration: --cv timeseries --splits 5 --epochs 30
--batch-size 256 --patience 10 --seq-len 3, multi-class, sorted by timestamp.

After every epoch the fold's test rows are also evaluated in inference mode (Keras'
validation_data; --validation=false skips it): val_loss and val_accuracy go into the history,
the plots and the report, and a warning says when the inference-mode loss is far above the
training loss (--bn-recalibrate re-estimates batch-norm statistics after training).

Outputs (<model-dir> is the seed's model name made shell-safe, e.g. cnn-mc-cnn-64-64; the
results keep the seed's names):
  <weights-dir>/<dataset>/<model-dir>/fold-<k>/weights-<epoch:02d>-<loss:.4f>.{index,data-*}
  <results-dir>/<dataset>/<YYYYMMDD-HHMMSS>.json   (render with: tfnids report FILE)

Ctrl-C (SIGINT) or SIGTERM stops at the end of the current batch, saves a checkpoint and
the partial results; run the same command with --resume to continue from the last
complete epoch. Exit codes: 0 done, 1 failure, 2 bad flags or data (or a --cluster
worker that does not answer at start), 130 interrupted.

--cluster SPEC trains on TensorFlow workers (` + "`tfnids worker`" + `); checkpoints and results are
still written here, and the results record which task trained each fold (ran_on).

Example (the seed run on a CIC-ToN-IoT CSV):
  tfnids train --data CIC-ToN-IoT.csv --profile cic_ton_iot --models cnn,lstm,gru`,
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "data", Aliases: []string{"d"}, Required: true, Usage: "CSV files (plain or .gz), directories or globs; concatenated in name order"},
			&cli.StringFlag{Name: "profile", Value: d.Profile, Usage: "dataset profile: a built-in name (listed by 'tfnids dataset describe --help'), a YAML/JSON file, or auto"},
			&cli.StringFlag{Name: "name", Usage: "dataset name used in output paths and results (default: the first --data path's base name made shell-safe, e.g. cic-ton-iot for CIC-ToN-IoT.csv)"},
			&cli.StringFlag{Name: "models", Value: strings.Join(d.Models, ","), Usage: "comma-separated built-in models to train: " + strings.Join(spec.Builtins(), ", ") + " (default cnn; none when only --model-file is given)"},
			&cli.StringSliceFlag{Name: "model-file", Usage: "also train the model a file describes: tfnids' YAML/JSON spec or Keras' model.to_json() (docs/models.md); repeatable"},
			&cli.StringFlag{Name: "cv", Value: d.CV, Usage: "cross-validation: timeseries (sklearn TimeSeriesSplit), stratified (shuffled StratifiedKFold), kfold, or none (last --test-split of the rows)"},
			&cli.IntFlag{Name: "splits", Value: d.Splits, Usage: "number of folds"},
			&cli.Float64Flag{Name: "test-split", Value: d.TestSplit, Usage: "test share with --cv none"},
			&cli.IntFlag{Name: "epochs", Value: d.Epochs, Usage: "maximum epochs per fold and model"},
			&cli.IntFlag{Name: "batch-size", Value: d.BatchSize, Usage: "examples per gradient step"},
			&cli.IntFlag{Name: "patience", Value: d.Patience, Usage: "stop after this many epochs without a lower --monitor loss (0: never stop early)"},
			&cli.BoolFlag{Name: "restore-best", Usage: "after early stopping, evaluate the weights of the best epoch (the seed keeps the last)"},
			&cli.StringFlag{Name: "monitor", Value: d.Monitor, Usage: "what early stopping watches: loss (the training loss, the seed's) or val_loss (the test rows' inference-mode loss; lets the test rows pick the epoch)"},
			&cli.BoolFlag{Name: "validation", Value: d.Validation, Usage: "after every epoch, evaluate the fold's test rows in inference mode (Keras validation_data): val_loss and val_accuracy in the history, the plots and the report"},
			&cli.BoolFlag{Name: "bn-recalibrate", Usage: "after training, re-estimate the batch-norm moving mean and variance exactly over the training rows in inference mode (one pass per batch-norm layer); the effect on the test rows is recorded"},
			&cli.IntFlag{Name: "seq-len", Value: d.SeqLen, Usage: "window length (consecutive flows) for lstm and gru"},
			&cli.BoolFlag{Name: "shuffle-windows", Value: d.ShuffleWindows, Usage: "shuffle the order of lstm/gru windows every epoch (each window stays consecutive flows); --shuffle-windows=false feeds them in time order as the seed did, which on time-sorted attacks makes every batch one class and the model forget the rest"},
			&cli.Float64Flag{Name: "lstm-l1", Value: 0.01, Usage: "l1 penalty rate on the LSTM's kernels and biases; the seed's 0.01 drives every LSTM weight to zero (in Keras too), 0 turns it off"},
			&cli.BoolFlag{Name: "multi-class", Value: true, Usage: "classify the attack class (the seed's mode)"},
			&cli.BoolFlag{Name: "binary", Usage: "classify benign vs attack (overrides --multi-class)"},
			&cli.BoolFlag{Name: "network-features", Usage: "use the profile's graph-centrality columns (src_/dst_ measures): kept when the CSV has them, computed from the IP graph when it has none"},
			&cli.StringFlag{Name: "graph-scope", Value: "dataset", Usage: "computed network features: dataset (one graph over all rows, the study's way) or fold (each fold's training rows only; leak-free)"},
			&cli.StringFlag{Name: "measures", Value: "type1", Usage: "computed network features: comma-separated measures, type1 or type2 (docs/graph.md)"},
			&cli.StringFlag{Name: "communities", Value: "infomap", Usage: "computed network features: infomap or louvain"},
			&cli.StringFlag{Name: "betweenness", Value: "exact", Usage: "computed network features: exact or approx (ε 0.01, δ 0.1)"},
			&cli.BoolFlag{Name: "sort-timestamp", Value: d.SortTimestamp, Usage: "stable-sort rows by the profile's timestamp before anything else"},
			&cli.BoolFlag{Name: "dedupe", Usage: "drop duplicate rows (ignoring timestamp and flow id) before sorting, as the seed's preprocessing did"},
			&cli.StringFlag{Name: "bad-values", Value: d.BadValues, Usage: "rows with Infinity/NaN/empty/non-numeric cells: drop, zero, or error"},
			&cli.StringFlag{Name: "device", Value: d.Device, Usage: "where the model runs: cpu, gpu, gpu:N, or a TensorFlow device string"},
			&cli.BoolFlag{Name: "strict-device", Usage: "fail instead of falling back to the CPU when --device is not available"},
			&cli.IntFlag{Name: "threads", Usage: "TensorFlow intra-op threads (0: one per core)"},
			&cli.IntFlag{Name: "inter-threads", Usage: "TensorFlow inter-op threads (0: TensorFlow's default)"},
			&cli.Int64Flag{Name: "seed", Value: d.Seed, Usage: "random seed for weights, shuffling and dropout; a run repeats exactly on one machine"},
			&cli.StringFlag{Name: "weights-dir", Value: d.WeightsDir, Usage: "checkpoint root"},
			&cli.StringFlag{Name: "results-dir", Value: d.ResultsDir, Usage: "results root"},
			&cli.StringFlag{Name: "export", Usage: "also export trained models as SavedModels under `DIR`/<model>/<version>: by default every fold's model, version k = fold k, so TensorFlow Serving (and tfnids serve) serve the last fold's; see --export-best and --final"},
			&cli.StringFlag{Name: "export-best", Usage: "with --export, export only each model's best fold by `METRIC` (" + strings.Join(experiment.ExportMetrics, ", ") + "; fpr and fnr: lowest) as the next free version"},
			&cli.BoolFlag{Name: "final", Usage: "with --export, after cross-validation train each model once more on all rows (the usual production step) and export that as the next free version, the one served"},
			&cli.BoolFlag{Name: "resume", Usage: "continue the interrupted run with the same flags from its last complete epoch"},
			&cli.StringFlag{Name: "cluster", Usage: "train on the TensorFlow workers (started with 'tfnids worker') of the cluster `SPEC`: " + cluster.Usage + " (see docs/cluster.md)"},
			&cli.StringFlag{Name: "strategy", Value: cluster.Folds, Usage: "with --cluster: folds (each (fold, model) on one worker, several at once) or replicas (one pair at a time, a tower per worker, gradients averaged)"},
			&cli.DurationFlag{Name: "cluster-timeout", Value: cluster.DefaultTimeout, Usage: "with --cluster: how long a call may wait for a worker before the worker counts as lost"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output (warnings still show)"},
		}, columnFlags()...),
		Action: trainAction,
	})
}

func trainAction(c *cli.Context) error {
	cfg := experiment.Defaults()
	cfg.Data = c.StringSlice("data")
	cfg.Profile = c.String("profile")
	cfg.Name = c.String("name")
	cfg.Models = splitList(c.String("models"))
	for _, file := range c.StringSlice("model-file") {
		s, err := spec.ParseFile(file)
		if err != nil {
			return usageErr("--model-file %v", err)
		}
		cfg.Specs = append(cfg.Specs, s)
	}
	if len(cfg.Specs) > 0 && !c.IsSet("models") {
		cfg.Models = nil
	}
	cfg.CV = c.String("cv")
	cfg.Splits = c.Int("splits")
	cfg.TestSplit = c.Float64("test-split")
	cfg.Epochs = c.Int("epochs")
	cfg.BatchSize = c.Int("batch-size")
	cfg.Patience = c.Int("patience")
	cfg.RestoreBest = c.Bool("restore-best")
	cfg.Monitor = c.String("monitor")
	cfg.Validation = c.Bool("validation")
	cfg.BNRecalibrate = c.Bool("bn-recalibrate")
	cfg.SeqLen = c.Int("seq-len")
	cfg.ShuffleWindows = c.Bool("shuffle-windows")
	if c.IsSet("lstm-l1") {
		l1 := c.Float64("lstm-l1")
		cfg.LSTML1 = &l1
	}
	cfg.Binary = c.Bool("binary") || !c.Bool("multi-class")
	cfg.NetworkFeatures = c.Bool("network-features")
	if cfg.NetworkFeatures {
		gc, err := trainGraphConfig(c)
		if err != nil {
			return err
		}
		cfg.Graph = gc
	}
	cfg.SortTimestamp = c.Bool("sort-timestamp")
	cfg.Dedupe = c.Bool("dedupe")
	cfg.BadValues = c.String("bad-values")
	cfg.Device = c.String("device")
	cfg.StrictDevice = c.Bool("strict-device")
	cfg.Threads = c.Int("threads")
	cfg.InterThreads = c.Int("inter-threads")
	cfg.Seed = c.Int64("seed")
	cfg.WeightsDir = c.String("weights-dir")
	cfg.ResultsDir = c.String("results-dir")
	cfg.ExportDir = c.String("export")
	cfg.ExportBest = strings.ToLower(c.String("export-best"))
	cfg.Final = c.Bool("final")
	cfg.Resume = c.Bool("resume")
	var cols dataset.LoadOptions
	if err := columnOptions(c, &cols); err != nil {
		return err
	}
	cfg.Drop, cfg.Features, cfg.LabelCase = cols.Drop, cols.Features, string(cols.LabelCase)
	if err := cfg.Validate(); err != nil {
		return usageErr("%v", err)
	}
	if err := trainCluster(c, &cfg); err != nil {
		return err
	}
	experiment.Version = version

	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	view := newProgressView(c.Bool("quiet"))
	view.plan(cfg)
	out, err := experiment.Run(ctx, cfg, view, os.Args)
	if errors.Is(err, experiment.ErrInterrupted) {
		return cli.Exit(fmt.Sprintf("%v (partial results: %s)", err, out.ResultsPath), exitInterrupt)
	}
	if err != nil {
		if experiment.IsDataError(err) {
			return cli.Exit(withHint(err), exitUsage)
		}
		if cfg.Slots != nil && experiment.IsUnavailable(err) {
			return fmt.Errorf("%w\n(the checkpoints and partial results are complete: start the workers again and run the same command with --resume)", err)
		}
		if h := flagHint(err); h != "" {
			return cli.Exit(err.Error()+h, exitFailure)
		}
		return err
	}
	view.stages(out.Results.Timings)
	fmt.Fprintf(c.App.Writer, "results: %s\ncheckpoints: %s\n", out.ResultsPath, out.WeightsRoot)
	for _, e := range out.Exports {
		fmt.Fprintf(c.App.Writer, "exported: %s\n", e)
	}
	if !c.Bool("quiet") {
		printAverages(c, out)
	}
	return nil
}

func printAverages(c *cli.Context, out *experiment.Outcome) {
	r := out.Results
	fmt.Fprintf(c.App.Writer, "\n%-28s %9s %9s %9s %9s %9s %9s\n", "model (mean over folds)", "accuracy", "precision", "recall", "f1", "FPR", "FNR")
	for _, name := range r.ModelNames() {
		a := r.Average[name]
		fmt.Fprintf(c.App.Writer, "%-28s %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f\n", name,
			a.AverageAcc, a.AveragePrecision, a.AverageRecall, a.AverageF1s, a.AverageFPR, a.AverageFNR)
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, strings.ToLower(p))
		}
	}
	return out
}

// trainGraphConfig reads the flags of computed network features.
func trainGraphConfig(c *cli.Context) (*experiment.GraphConfig, error) {
	scope := c.String("graph-scope")
	if scope != "dataset" && scope != "fold" {
		return nil, usageErr("--graph-scope %q: want dataset or fold", scope)
	}
	ms, err := netgraph.ParseMeasures(c.String("measures"))
	if err != nil {
		return nil, usageErr("--measures: %v", err)
	}
	o := netgraph.Options{Measures: ms, Communities: c.String("communities"), Seed: uint64(c.Int64("seed"))}
	if o.Communities != "infomap" && o.Communities != "louvain" {
		return nil, usageErr("--communities %q: want infomap or louvain", o.Communities)
	}
	switch c.String("betweenness") {
	case "exact":
	case "approx":
		o.ApproxBetweenness = true
	default:
		return nil, usageErr("--betweenness %q: want exact or approx", c.String("betweenness"))
	}
	return &experiment.GraphConfig{Scope: scope, Options: o}, nil
}
