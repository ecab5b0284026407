// Command peers is the Go half of the peers benchmark (bench/peers/run.sh):
// tfnids, Keras and PyTorch training and predicting the seed's three models
// on the same arrays.
//
//	peers prep  -data DIR -profile P -out DIR [-seed S] [-splits K] [-fold F] [-seq-len L]
//	peers train -in DIR -json FILE [-models cnn,lstm,gru] [-epochs E] [-batch-size B]
//	            [-predict-batch-size P] [-threads T] [-inter-threads I] [-seed S]
//
// prep loads the data as `tfnids train` does (bench/folds' options), takes
// fold F of the stratified K-fold split, fits a MinMax scaler on its
// training rows, scales both splits and writes them as .npy files
// (float32, labels too) with meta.json: x_train (N×F), y_train, x_test,
// y_test, and the windows of L rows the recurrent models train on,
// w_train (N−L+1 × L × F), wy_train (each window's last row's label),
// w_test, wy_test. The Keras and PyTorch sides read these files, so every
// side trains and predicts on the same values.
//
// train is the tfnids side: per model, builders.Build and Model.Fit over
// the rows (cnn) or the windows built from x_train by dataset.NewWindows
// (lstm, gru, tfnids' production path), shuffled every epoch, then
// Model.Predict on the test split twice (cold: the first inference call;
// warm: the second). It uses builders' public API only, so it measures
// whatever builders currently builds. It writes the per-epoch times and
// losses and the predict times as JSON for bench/peers/summarize.py.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/experiment"
	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/internal/npy"
	"github.com/tfnids/tfnids/tfgraph"
)

// meta describes the arrays prep writes (meta.json).
type meta struct {
	Data       string   `json:"data"`
	Profile    string   `json:"profile"`
	Splitter   string   `json:"splitter"`
	Fold       int      `json:"fold"`
	Seed       int64    `json:"seed"`
	SeqLen     int      `json:"seq_len"`
	Rows       int      `json:"rows"`
	Features   int      `json:"features"`
	Classes    int      `json:"classes"`
	ClassNames []string `json:"class_names"`
	Train      int      `json:"train_rows"`
	Test       int      `json:"test_rows"`
}

// epoch is one training epoch, the same record on all three sides.
type epoch struct {
	Epoch    int     `json:"epoch"`
	Seconds  float64 `json:"seconds"`
	Samples  float64 `json:"samples_per_sec"`
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`
}

// modelResult is one model's numbers, the same record on all three sides.
type modelResult struct {
	Model        string  `json:"model"`
	Params       int64   `json:"params"`
	TrainSamples int     `json:"train_samples"`
	TestSamples  int     `json:"test_samples"`
	BuildSeconds float64 `json:"build_seconds"`
	Epochs       []epoch `json:"epochs"`
	Steady       float64 `json:"steady_samples_per_sec"`
	FinalLoss    float64 `json:"final_loss"`
	PredictCold  float64 `json:"predict_seconds_cold"`
	PredictWarm  float64 `json:"predict_seconds_warm"`
	TestAccuracy float64 `json:"test_accuracy"`
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: peers prep|train [flags] (see the package comment)"))
	}
	var err error
	switch os.Args[1] {
	case "prep":
		err = prep(os.Args[2:])
	case "train":
		err = train(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q: want prep or train", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "peers:", err)
	os.Exit(1)
}

func prep(args []string) error {
	fs := flag.NewFlagSet("prep", flag.ExitOnError)
	data := fs.String("data", "/work/shared/data/cicids2017-improved", "CSV file, directory or glob (comma-separated for several)")
	profile := fs.String("profile", "cicids2017_improved", "dataset profile")
	splits := fs.Int("splits", 5, "stratified folds")
	foldNo := fs.Int("fold", 1, "which fold (1-based) to write")
	seed := fs.Int64("seed", 42, "split seed (as tfnids train --seed)")
	seqLen := fs.Int("seq-len", builders.DefaultSeqLen, "window length of the recurrent models")
	out := fs.String("out", "", "directory for the .npy files and meta.json")
	check(fs.Parse(args))
	if *out == "" {
		return errors.New("prep: -out is required")
	}
	paths := strings.Split(*data, ",")
	prof, _, err := dataset.ProfileFor(*profile, paths)
	if err != nil {
		return err
	}
	cfg := experiment.Defaults()
	cfg.Data, cfg.CV, cfg.Splits, cfg.Seed = paths, "stratified", *splits, *seed
	frame, _, err := dataset.Load(paths, dataset.LoadOptions{
		Profile: prof, BadValues: dataset.BadDrop, Dedupe: cfg.Dedupe, SortByTimestamp: cfg.SortTimestamp,
		MultiClass: !cfg.Binary, NetworkFeatures: cfg.NetworkFeatures,
	})
	if err != nil {
		return err
	}
	sp := cfg.Splitter()
	folds, err := sp.Split(frame.Rows, frame.Labels)
	if err != nil {
		return err
	}
	if *foldNo < 1 || *foldNo > len(folds) {
		return fmt.Errorf("prep: -fold %d: the split has folds 1..%d", *foldNo, len(folds))
	}
	f := folds[*foldNo-1]
	tr, te := frame.Subset(f.Train), frame.Subset(f.Test)
	sc := dataset.FitMinMax(tr.X, tr.Rows, tr.Features)
	sc.Transform(tr.X, tr.Rows)
	sc.Transform(te.X, te.Rows)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		fr   *dataset.Frame
	}{{"train", tr}, {"test", te}} {
		fr := s.fr
		if err := writeNpy(*out, "x_"+s.name, fr.X, fr.Rows, fr.Features); err != nil {
			return err
		}
		if err := writeNpy(*out, "y_"+s.name, labelsF32(fr.Labels), fr.Rows); err != nil {
			return err
		}
		w, err := dataset.NewWindows(fr.X, fr.Rows, fr.Features, fr.Labels, *seqLen)
		if err != nil {
			return err
		}
		n := w.Len()
		wx, wy := make([]float32, n**seqLen*fr.Features), make([]int32, n)
		w.Gather(seq(n), wx, wy)
		if err := writeNpy(*out, "w_"+s.name, wx, n, *seqLen, fr.Features); err != nil {
			return err
		}
		if err := writeNpy(*out, "wy_"+s.name, labelsF32(wy), n); err != nil {
			return err
		}
	}
	m := meta{Data: *data, Profile: prof.Name, Splitter: sp.String(), Fold: *foldNo, Seed: *seed, SeqLen: *seqLen,
		Rows: frame.Rows, Features: frame.Features, Classes: len(frame.ClassNames), ClassNames: frame.ClassNames,
		Train: tr.Rows, Test: te.Rows}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(*out, "meta.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("prep: %d rows x %d features, %d classes; fold %d of %s: %d train, %d test rows -> %s\n",
		frame.Rows, frame.Features, len(frame.ClassNames), *foldNo, sp, tr.Rows, te.Rows, *out)
	return nil
}

func writeNpy(dir, name string, data []float32, shape ...int) error {
	return atomicfile.Write(filepath.Join(dir, name+".npy"), 0o644, func(w io.Writer) error {
		return npy.Encode(w, data, shape...)
	})
}

// Labels travel as float32 (internal/npy's one dtype): exact for class codes.
func labelsF32(l []int32) []float32 {
	out := make([]float32, len(l))
	for i, v := range l {
		out[i] = float32(v)
	}
	return out
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// readSplit reads x_NAME.npy and y_NAME.npy written by prep.
func readSplit(dir, name string, features int) (x []float32, y []int32, rows int, err error) {
	x, xs, err := npy.ReadFile(filepath.Join(dir, "x_"+name+".npy"))
	if err != nil {
		return nil, nil, 0, err
	}
	yf, ys, err := npy.ReadFile(filepath.Join(dir, "y_"+name+".npy"))
	if err != nil {
		return nil, nil, 0, err
	}
	if len(xs) != 2 || xs[1] != features || len(ys) != 1 || ys[0] != xs[0] {
		return nil, nil, 0, fmt.Errorf("%s: x_%s.npy has shape %v and y_%s.npy %v, want (rows, %d) and (rows)",
			dir, name, xs, name, ys, features)
	}
	y = make([]int32, len(yf))
	for i, v := range yf {
		y[i] = int32(v)
	}
	return x, y, xs[0], nil
}

func train(args []string) error {
	fs := flag.NewFlagSet("train", flag.ExitOnError)
	in := fs.String("in", "", "directory written by peers prep")
	models := fs.String("models", "cnn,lstm,gru", "models to train")
	epochs := fs.Int("epochs", 3, "epochs (the first is a warm-up for the steady throughput)")
	batch := fs.Int("batch-size", 256, "training batch size")
	pbatch := fs.Int("predict-batch-size", 1024, "predict batch size")
	threads := fs.Int("threads", 2, "TensorFlow intra-op threads")
	inter := fs.Int("inter-threads", 2, "TensorFlow inter-op threads")
	seed := fs.Int64("seed", 42, "weights and shuffle seed")
	jsonOut := fs.String("json", "", "write the results here")
	check(fs.Parse(args))
	if *in == "" || *jsonOut == "" {
		return errors.New("train: -in and -json are required")
	}
	start := time.Now()
	var m meta
	b, err := os.ReadFile(filepath.Join(*in, "meta.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s/meta.json: %w", *in, err)
	}
	xtr, ytr, ntr, err := readSplit(*in, "train", m.Features)
	if err != nil {
		return err
	}
	xte, yte, nte, err := readSplit(*in, "test", m.Features)
	if err != nil {
		return err
	}
	fmt.Printf("tensorflow %s: %d train, %d test rows x %d features, %d classes; %d intra / %d inter threads\n",
		tf.Version(), ntr, nte, m.Features, m.Classes, *threads, *inter)

	var results []modelResult
	for _, kind := range strings.Split(*models, ",") {
		kind = strings.TrimSpace(kind)
		if kind == "" {
			continue
		}
		var trainEx, testEx builders.Examples = dataset.NewRows(xtr, ntr, m.Features, ytr), dataset.NewRows(xte, nte, m.Features, yte)
		testLabels := yte
		cfg := builders.Config{Model: kind, Features: m.Features, Classes: m.Classes, SeqLen: m.SeqLen, Seed: *seed}
		if cfg.IsRecurrent() {
			w, err := dataset.NewWindows(xtr, ntr, m.Features, ytr, m.SeqLen)
			if err != nil {
				return err
			}
			tw, err := dataset.NewWindows(xte, nte, m.Features, yte, m.SeqLen)
			if err != nil {
				return err
			}
			trainEx, testEx, testLabels = w, tw, tw.Labels()
		}
		r, err := runModel(cfg, trainEx, testEx, testLabels, *epochs, *batch, *pbatch, *seed,
			tfgraph.SessionConfig{IntraOpThreads: *threads, InterOpThreads: *inter})
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		results = append(results, r)
		runtime.GC()
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	out := map[string]any{
		"side": "tfnids", "versions": map[string]string{"tensorflow": tf.Version(), "go": runtime.Version()},
		"threads": map[string]int{"intra": *threads, "inter": *inter},
		"args":    map[string]any{"epochs": *epochs, "batch_size": *batch, "predict_batch_size": *pbatch, "seed": *seed},
		"meta":    m, "models": results,
		"wall_seconds": time.Since(start).Seconds(), "peak_rss_mib": float64(ru.Maxrss) / 1024,
	}
	jb, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(*jsonOut, append(jb, '\n'), 0o644)
}

func runModel(cfg builders.Config, trainEx, testEx builders.Examples, testLabels []int32, epochs, bs, pbs int,
	seed int64, sc tfgraph.SessionConfig) (modelResult, error) {
	r := modelResult{Model: cfg.Model, TrainSamples: trainEx.Len(), TestSamples: testEx.Len()}
	t0 := time.Now()
	m, err := builders.Build(cfg)
	if err != nil {
		return r, err
	}
	if err := m.Open(sc); err != nil {
		return r, err
	}
	defer m.Close()
	r.BuildSeconds = time.Since(t0).Seconds()
	r.Params, _, _ = m.ParamCounts()
	h, err := m.Fit(trainEx, builders.FitOptions{Epochs: epochs, BatchSize: bs, Shuffle: true, Seed: seed})
	if err != nil {
		return r, err
	}
	var secs float64
	var steady int
	for _, e := range h.Epochs {
		r.Epochs = append(r.Epochs, epoch{Epoch: e.Epoch, Seconds: e.Seconds, Samples: e.SamplesPerSecond,
			Loss: e.Loss, Accuracy: e.Accuracy})
		fmt.Printf("  %s epoch %d: %6.2fs %9.0f samples/s loss %.4f acc %.4f\n", cfg.Model, e.Epoch, e.Seconds,
			e.SamplesPerSecond, e.Loss, e.Accuracy)
		if e.Epoch > 1 {
			secs += e.Seconds
			steady += r.TrainSamples
		}
	}
	if secs > 0 {
		r.Steady = float64(steady) / secs
	}
	r.FinalLoss = h.Epochs[len(h.Epochs)-1].Loss
	t0 = time.Now()
	_, classes, err := m.Predict(testEx, pbs)
	if err != nil {
		return r, err
	}
	r.PredictCold = time.Since(t0).Seconds()
	t0 = time.Now()
	if _, _, err := m.Predict(testEx, pbs); err != nil {
		return r, err
	}
	r.PredictWarm = time.Since(t0).Seconds()
	right := 0
	for i, c := range classes {
		if c == testLabels[i] {
			right++
		}
	}
	r.TestAccuracy = float64(right) / float64(len(classes))
	fmt.Printf("  %s: steady %.0f samples/s, final loss %.4f, test accuracy %.4f, predict %.0f rows/s cold, %.0f warm\n",
		cfg.Model, r.Steady, r.FinalLoss, r.TestAccuracy, float64(r.TestSamples)/r.PredictCold,
		float64(r.TestSamples)/r.PredictWarm)
	return r, nil
}

func check(err error) {
	if err != nil {
		fail(err)
	}
}
