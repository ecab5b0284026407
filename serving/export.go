package serving

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/tfgraph"
)

// ExportOptions says what to export and where. Card and Dir are required,
// and exactly one of Checkpoint and Model.
type ExportOptions struct {
	// Card describes the model (configuration, schema, scaler).
	Card *modelcard.Card
	// Checkpoint is a training checkpoint prefix to take the weights from
	// (see modelcard.Locate). Optimizer slots in it are ignored.
	Checkpoint string
	// Model is a trained model with an open session, as an alternative to
	// Checkpoint (train --export uses it).
	Model *builders.Model
	// Dir is the version directory, <base>/<model-name>/<version>; the last
	// element must be a non-negative integer and the directory must not
	// exist.
	Dir string
	// Session configures the session used to check the export.
	Session tfgraph.SessionConfig
}

// BuilderConfig is the builders.Config a card describes (no device: an
// export must not pin ops).
func BuilderConfig(c *modelcard.Card) builders.Config {
	m := c.Model
	return builders.Config{Model: m.Model, Spec: m.Spec, Features: m.Features, Classes: m.Classes, SeqLen: m.SeqLen,
		Binary: m.Binary, Seed: m.Seed, Dropout: m.Dropout}
}

// ParseVersion returns the version of a version directory: its last path
// element as a non-negative integer, as TensorFlow Serving reads it.
func ParseVersion(dir string) (int64, error) {
	base := filepath.Base(filepath.Clean(dir))
	v, err := strconv.ParseInt(base, 10, 64)
	if err != nil || v < 0 || base[0] == '+' || base[0] == '-' {
		return 0, fmt.Errorf("%s: the last path element must be an integer version (TensorFlow Serving ignores other names), e.g. %s",
			dir, filepath.Join(filepath.Dir(filepath.Clean(dir)), "1"))
	}
	return v, nil
}

// CheckNewVersion fails when dir exists, or when its parent already has a
// version directory of the same number under another spelling ("007"
// beside "7"): TensorFlow Serving reads both as version 7 and would serve
// one of them at random.
func CheckNewVersion(dir string) error {
	v, err := ParseVersion(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s: %w; refusing to overwrite it (export a new version number)", dir, tfgraph.ErrExists)
	}
	vs, err := listVersions(filepath.Dir(filepath.Clean(dir)))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, d := range vs {
		if d.version == v {
			return fmt.Errorf("%s: version %d %w as %s; refusing to add a second directory for it (export a new version number)",
				dir, v, tfgraph.ErrExists, d.path)
		}
	}
	return nil
}

// NextVersion returns one more than the highest integer version directory
// under modelDir (1 when there is none).
func NextVersion(modelDir string) (int64, error) {
	vs, err := listVersions(modelDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	next := int64(1)
	for _, v := range vs {
		next = max(next, v.version+1)
	}
	return next, nil
}

// Export writes a SavedModel of a trained model: the card's inference graph
// with the MinMax scaling as ops in front, outputs "probabilities" and
// "classes", weights from Checkpoint (or Model's session), and the assets
// class_names.txt, feature_names.txt and tfnids_model.json. A checkpoint
// that does not fit the card's model, or an existing Dir, is an error and
// nothing is written.
func Export(opts ExportOptions) error {
	if opts.Card == nil {
		return errors.New("export: no model card")
	}
	if err := opts.Card.Validate(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := ParseVersion(opts.Dir); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if (opts.Checkpoint == "") == (opts.Model == nil) {
		return errors.New("export: give exactly one of a checkpoint and a trained model")
	}
	if err := CheckNewVersion(opts.Dir); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	cfg := BuilderConfig(opts.Card)
	if opts.Model != nil {
	}
	inf, err := builders.BuildInference(cfg)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if opts.Model != nil {
		got, _ := json.Marshal(opts.Model.Spec.Layers)
		want, _ := json.Marshal(inf.Spec.Layers)
		if fmt.Sprint(opts.Model.InputShape(), opts.Model.Spec.Classes, opts.Model.Spec.Binary, string(got)) !=
			fmt.Sprint(inf.InputShape(), inf.Spec.Classes, inf.Spec.Binary, string(want)) {
			return fmt.Errorf("export: the model (%s) does not match its card (%s)", opts.Model.Config.Name(), cfg.Name())
		}
	}
	spec, err := AddHead(inf.Builder, Head{
		Input: inf.X, Probabilities: inf.Probs,
		Scale: opts.Card.Scaler.Scale, Min: opts.Card.Scaler.Min,
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	cardJSON, err := opts.Card.Marshal()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	spec.Assets = []tfgraph.Asset{
		{Filename: modelcard.ClassNamesAsset, Contents: modelcard.NamesFile(opts.Card.Schema.ClassNames)},
		{Filename: modelcard.FeatureNamesAsset, Contents: modelcard.NamesFile(opts.Card.Schema.FeatureNames)},
		{Filename: modelcard.AssetName, Contents: cardJSON},
	}
	warm, err := warmupRequests(filepath.Base(filepath.Dir(filepath.Clean(opts.Dir))), inf.InputShape())
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	spec.ExtraAssets = []tfgraph.Asset{{Filename: filepath.Base(WarmupFile), Contents: warm}}
	spec.Session = opts.Session
	if opts.Model != nil {
		spec.SaveVariables = opts.Model.Save
	} else {
		spec.Checkpoint = opts.Checkpoint
	}
	if err := inf.Builder.WriteSavedModel(opts.Dir, spec); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
