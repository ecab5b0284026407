package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/serving"
	"github.com/tfnids/tfnids/tfgraph"
)

func init() {
	register(&cli.Command{
		Name:      "export",
		Usage:     "write a trained model as a TensorFlow Serving SavedModel",
		UsageText: "tfnids export --weights CHECKPOINT|DIR --out BASE/MODEL-NAME/VERSION",
		Description: `Rebuilds the model's inference graph from the model card (model.json) that train writes next
to the checkpoints, bakes the fold's MinMax scaling into it as ops, restores the weights
from the checkpoint and writes a TF1-style SavedModel that TensorFlow Serving, 
tf.saved_model.load and 'tfnids serve' load unchanged:

  VERSION/saved_model.pb        one MetaGraphDef tagged "serve", signature "serving_default"
  VERSION/variables/            the model's weights (no optimizer state)
  VERSION/assets/               class_names.txt, feature_names.txt, tfnids_model.json
  VERSION/assets.extra/         tf_serving_warmup_requests (one Predict request, replayed on load)

The signature takes raw, unscaled features: x float32 (-1, F), or (-1, L, F) windows for
lstm and gru, in the order of feature_names.txt; it returns probabilities float32 (-1, C)
and classes int64 (-1) (-1 for a row with NaN or infinite features).

--weights is a checkpoint prefix (weights-07-0.0312, with or without .index) or a fold
directory (the checkpoint the card names, else the highest epoch). VERSION must be an
integer, must not exist, and must not equal an existing version under another spelling
(007 beside 7): the export is built beside it and renamed into place, so a
server polling BASE/MODEL-NAME never sees half a version.

Example:
  tfnids export --weights models/weights/CIC-ToN-IoT/cnn-mc-cnn-64-64/fold-5 \
                --out /srv/models/ids/1`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "weights", Aliases: []string{"w"}, Usage: "checkpoint prefix, or a directory with model.json and checkpoints"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "version directory to create: BASE/MODEL-NAME/VERSION (VERSION an integer)"},
			&cli.IntFlag{Name: "threads", Usage: "TensorFlow intra-op threads for the export check (0: one per core)"},
		},
		Action: exportAction,
	})
}

func exportAction(c *cli.Context) error {
	if c.String("weights") == "" {
		return usageErr("export: --weights is required (a checkpoint prefix, or a fold directory with model.json)")
	}
	out := c.String("out")
	if out == "" {
		return usageErr("export: --out is required (BASE/MODEL-NAME/VERSION)")
	}
	if _, err := serving.ParseVersion(out); err != nil {
		hint := ""
		if v, verr := serving.NextVersion(out); verr == nil {
			hint = fmt.Sprintf(" (next free version under %s: %s)", out, filepath.Join(out, fmt.Sprint(v)))
		}
		return usageErr("export: --out %v%s", err, hint)
	}
	if _, err := os.Stat(out); err == nil {
		return usageErr("export: --out %s already exists; refusing to overwrite a version (TensorFlow Serving may be serving it)", out)
	}
	if err := serving.CheckNewVersion(out); err != nil {
		return usageErr("export: --out %v", err)
	}
	card, ckpt, err := modelcard.Locate(c.String("weights"))
	if err != nil {
		return usageErr("export: %v", err)
	}
	err = serving.Export(serving.ExportOptions{Card: card, Checkpoint: ckpt, Dir: out,
		Session: tfgraph.SessionConfig{IntraOpThreads: c.Int("threads")}})
	if errors.Is(err, tfgraph.ErrCheckpointMismatch) || errors.Is(err, tfgraph.ErrExists) || errors.Is(err, tfgraph.ErrNoCheckpoint) {
		return usageErr("%v", err)
	}
	if err != nil {
		return err
	}
	w := c.App.Writer
	fmt.Fprintf(w, "exported %s\n  model:      %s (%s)\n  checkpoint: %s\n", out, card.Model.Model, card.Name, ckpt)
	fmt.Fprintf(w, "  input:      x float32 %s, raw features (%d, see assets/feature_names.txt)\n",
		tfgraph.ShapeString(card.Model.InputShape()), card.Model.Features)
	classes := card.Model.Classes
	fmt.Fprintf(w, "  outputs:    probabilities float32 (-1, %d), classes int64 (-1)\n", classes)
	fmt.Fprintf(w, "serve it:     tfnids serve --model-name %s --model-base-path %s\n", filepath.Base(filepath.Dir(out)), filepath.Dir(out))
	return nil
}
