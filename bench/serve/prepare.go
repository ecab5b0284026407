package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/internal/npy"
	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/serving"
	"github.com/tfnids/tfnids/tfgraph"
)

// meta tells the other steps (and keras_predict.py) what prepare made.
type meta struct {
	Model      string   `json:"model"`
	Checkpoint string   `json:"checkpoint"`
	Export     string   `json:"export"`
	Features   int      `json:"features"`
	Classes    int      `json:"classes"`
	SeqLen     int      `json:"seq_len"`
	Examples   int      `json:"examples"`
	Shape      []int    `json:"shape"`
	ClassNames []string `json:"class_names"`
}

func prepare(args []string) error {
	fs := flag.NewFlagSet("prepare", flag.ExitOnError)
	data := fs.String("data", "", "CSV files, directory or glob (comma-separated)")
	profile := fs.String("profile", "auto", "dataset profile")
	model := fs.String("model", "cnn", "cnn, lstm, gru or dense")
	epochs := fs.Int("epochs", 1, "training epochs (speed does not depend on the weights)")
	out := fs.String("out", "", "output directory (must not exist)")
	threads := fs.Int("threads", 0, "TensorFlow intra-op threads")
	fs.Parse(args)
	if *data == "" || *out == "" {
		return fmt.Errorf("prepare: --data and --out are required")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("prepare: %s exists", *out)
	}
	paths := strings.Split(*data, ",")
	prof, _, err := dataset.ProfileFor(*profile, paths)
	if err != nil {
		return err
	}
	frame, _, err := dataset.Load(paths, dataset.LoadOptions{Profile: prof, MultiClass: true, SortByTimestamp: true})
	if err != nil {
		return err
	}
	scaler := dataset.FitMinMax(frame.X, frame.Rows, frame.Features)
	scaled := append([]float32(nil), frame.X...)
	scaler.Transform(scaled, frame.Rows)

	cfg := builders.Config{Model: *model, Features: frame.Features, Classes: len(frame.ClassNames), SeqLen: 3, Seed: 42}
	m, err := builders.Build(cfg)
	if err != nil {
		return err
	}
	if err := m.Open(tfgraph.SessionConfig{IntraOpThreads: *threads}); err != nil {
		return err
	}
	defer m.Close()
	examples := func(x []float32) (builders.Examples, error) {
		if cfg.IsRecurrent() {
			return dataset.NewWindows(x, frame.Rows, frame.Features, frame.Labels, 3)
		}
		return dataset.NewRows(x, frame.Rows, frame.Features, frame.Labels), nil
	}
	ex, err := examples(scaled)
	if err != nil {
		return err
	}
	start := time.Now()
	if _, err := m.Fit(ex, builders.FitOptions{Epochs: *epochs, BatchSize: 256, Shuffle: true, Seed: 1}); err != nil {
		return err
	}
	fmt.Printf("prepare: %s trained %d epoch(s) on %d examples in %.1fs\n", m.Name(), *epochs, ex.Len(), time.Since(start).Seconds())

	foldDir := filepath.Join(*out, "weights", "fold-1")
	ckpt := filepath.Join(foldDir, fmt.Sprintf("weights-%02d-0.0000", *epochs))
	if err := m.Save(ckpt); err != nil {
		return err
	}
	card := modelcard.New(modelcard.Model{Model: cfg.Model, Features: cfg.Features, Classes: cfg.Classes, SeqLen: 3, Seed: 42},
		frame.Schema(), scaler)
	card.Name, card.Dataset = m.Name(), prof.Name
	if err := modelcard.Write(foldDir, card); err != nil {
		return err
	}
	export := filepath.Join(*out, "models", "ids", "1")
	if err := serving.Export(serving.ExportOptions{Card: card, Checkpoint: ckpt, Dir: export}); err != nil {
		return err
	}

	// The export's inputs: raw rows or raw windows; the same scaled for Keras.
	rawEx, err := examples(frame.X)
	if err != nil {
		return err
	}
	idx := make([]int, ex.Len())
	for i := range idx {
		idx[i] = i
	}
	shape := append([]int{ex.Len()}, ex.Shape()...)
	n := 1
	for _, d := range shape {
		n *= d
	}
	raw, sc := make([]float32, n), make([]float32, n)
	rawEx.Gather(idx, raw, nil)
	ex.Gather(idx, sc, nil)
	if err := npy.WriteFile(filepath.Join(*out, "inputs.npy"), raw, shape...); err != nil {
		return err
	}
	if err := npy.WriteFile(filepath.Join(*out, "inputs_scaled.npy"), sc, shape...); err != nil {
		return err
	}
	mt := meta{Model: cfg.Model, Checkpoint: ckpt, Export: export, Features: cfg.Features, Classes: cfg.Classes,
		SeqLen: card.Model.WindowLength(), Examples: ex.Len(), Shape: shape, ClassNames: frame.ClassNames}
	b, _ := json.MarshalIndent(mt, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "meta.json"), b, 0o644); err != nil {
		return err
	}
	fmt.Printf("prepare: exported %s; %d examples of shape %v in %s\n", export, ex.Len(), shape[1:], filepath.Join(*out, "inputs.npy"))
	return nil
}
