package experiment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/serving"
)

// card describes the pair's model for export and predict: configuration,
// the data schema and the fold's scaler.
func (p *pair) card(checkpoint string) *modelcard.Card {
	mm := modelcard.Model{Model: p.mc.Model, Features: p.mc.Features, Classes: p.mc.Classes,
		SeqLen: p.mc.SeqLen, Binary: p.mc.Binary, Seed: p.mc.Seed, Dropout: p.mc.Dropout}
	if s, err := p.mc.ModelSpec(); err == nil { // the pair's model was built from it already
		mm.Spec = &s
		mm.Model, mm.Features, mm.Classes, mm.Binary, mm.SeqLen = s.Name, s.Features, s.Classes, s.Binary, s.Window
	}
	schema := p.frame.Schema()
	if p.sched != nil && p.sched.nf != nil {
		schema = computedSchema(schema, p.sched.nf.names)
	}
	c := modelcard.New(mm, schema, p.scaler)
	c.Name, c.Dataset, c.Fold, c.TfnidsVersion = p.name, p.cfg.Name, p.fold, Version
	c.Checkpoint = checkpoint
	return c
}

// writeCard writes model.json next to the pair's checkpoints, so that
// `tfnids export --weights DIR` can rebuild the model from them.
func (p *pair) writeCard() error {
	if err := os.MkdirAll(p.dir(), 0o755); err != nil {
		return err
	}
	return modelcard.Write(p.dir(), p.card(""))
}

// ExportName is the TensorFlow Serving model name a model kind is exported
// under: "cnn", "lstm", "gru", "dense", with "-binary" in binary mode.
func ExportName(kind string, binary bool) string {
	if binary {
		return kind + "-binary"
	}
	return kind
}

// export writes the trained model as a SavedModel version under
// <export>/<model>/. With plain --export, version k is fold k's model, and
// TensorFlow Serving serves the highest version, the last fold's (under
// time-series CV the one trained on the most data); the final model
// (Config.Final) takes the next free version, so it is the one served. An
// existing version is never overwritten; the next free number is used.
func (p *pair) export(m *builders.Model, checkpoint string) (string, error) {
	base := filepath.Join(p.cfg.ExportDir, ExportName(p.kind, p.cfg.Binary))
	dir := filepath.Join(base, strconv.Itoa(p.fold))
	if p.final {
		next, err := serving.NextVersion(base)
		if err != nil {
			return "", err
		}
		dir = filepath.Join(base, strconv.FormatInt(next, 10))
	}
	if _, err := os.Stat(dir); err == nil {
		next, err := serving.NextVersion(base)
		if err != nil {
			return "", err
		}
		p.obs.Warn(fmt.Sprintf("export: %s exists; writing version %d instead", dir, next))
		dir = filepath.Join(base, strconv.FormatInt(next, 10))
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := modelcard.Write(p.dir(), p.card(checkpoint)); err != nil {
		return "", err
	}
	opts, done, err := p.exportOptions(m, serving.ExportOptions{Card: p.card(checkpoint), Model: m, Dir: dir, Session: p.sess})
	if err != nil {
		return "", err
	}
	defer done()
	if err := serving.Export(opts); err != nil {
		return "", err
	}
	return dir, nil
}
