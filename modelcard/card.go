package modelcard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/spec"
)

// File names.
const (
	// FileName is the card's name next to the checkpoints.
	FileName = "model.json"
	// AssetName is the card's name in a SavedModel's assets/ directory.
	AssetName = "tfnids_model.json"
	// ClassNamesAsset lists the class names, one per line, in class-index
	// order: line i is the name of "classes" value i.
	ClassNamesAsset = "class_names.txt"
	// FeatureNamesAsset lists the input features, one per line, in the order
	// of the last axis of the signature input "x".
	FeatureNamesAsset = "feature_names.txt"
)

// Format identifies the card's JSON layout; Read rejects other formats.
const Format = "tfnids.modelcard/v1"

// DefaultSeqLen is the window length of recurrent models whose card says 0.
const DefaultSeqLen = spec.DefaultWindow

// Models are the built-in model names a card without a spec may hold.
var Models = spec.Builtins()

// Model is the part of builders.Config that shapes the graph and its
// variables (Device is a property of the run, not of the model). Spec is
// the model itself; the other fields summarize it and are what cards
// written before specs existed hold (the built-in named by Model).
type Model struct {
	// Model is the built-in model's name ("cnn", "lstm", "gru", "dense",
	// "cnn_lstm"), or the spec's name for other models.
	Model string `json:"model"`
	// Features is the number of model inputs per row (after one-hot
	// expansion); Classes the number of classes (2 when Binary).
	Features int `json:"features"`
	Classes  int `json:"classes"`
	// SeqLen is the window length of lstm and gru (0: DefaultSeqLen).
	SeqLen int `json:"seq_len,omitempty"`
	// Binary selects the sigmoid head (benign vs attack).
	Binary bool `json:"binary,omitempty"`
	// Seed is the training seed (recorded; inference does not use it).
	Seed int64 `json:"seed"`
	// Dropout is the dropout override the model was trained with, if any
	// (recorded; inference has no dropout).
	Dropout *float64 `json:"dropout,omitempty"`
	// Spec is the full model as it was built (layers with names and
	// arguments, features, window, classes, head), from which an export
	// rebuilds exactly the trained graph. Cards written before it existed
	// have none: their model is the built-in named by Model.
	Spec *spec.Model `json:"spec,omitempty"`
}

// Resolved returns the model's spec: Spec, or for older cards the built-in
// named by Model, sized by the card.
func (m Model) Resolved() (spec.Model, error) {
	if m.Spec != nil {
		return m.Spec.Clone(), nil
	}
	s, err := spec.Builtin(m.Model)
	if err != nil {
		return spec.Model{}, err
	}
	s.Features, s.Classes, s.Binary = m.Features, m.Classes, m.Binary
	if s.Window > 0 && m.SeqLen > 0 {
		s.Window = m.SeqLen
	}
	return s, nil
}

// IsRecurrent reports whether the model reads windows of rows.
func (m Model) IsRecurrent() bool {
	if m.Spec != nil {
		return m.Spec.Window > 0
	}
	return m.Model == "lstm" || m.Model == "gru"
}

// WindowLength is the effective window length: the spec's window (SeqLen,
// DefaultSeqLen for 0, on older cards), and 1 for models that read single
// rows.
func (m Model) WindowLength() int {
	if !m.IsRecurrent() {
		return 1
	}
	if m.Spec != nil {
		return m.Spec.Window
	}
	if m.SeqLen == 0 {
		return DefaultSeqLen
	}
	return m.SeqLen
}

// InputShape is the signature input's shape: [-1, F] or [-1, L, F].
func (m Model) InputShape() []int64 {
	if m.IsRecurrent() {
		return []int64{-1, int64(m.WindowLength()), int64(m.Features)}
	}
	return []int64{-1, int64(m.Features)}
}

// Card is a model card. Model, Schema and Scaler are required; the rest is
// provenance.
type Card struct {
	Format string `json:"format"`
	// Name is the model's display name (builders.Config.Name, e.g.
	// "cnn mc  cnn-64-64").
	Name    string `json:"name,omitempty"`
	Dataset string `json:"dataset,omitempty"`
	// Fold is the cross-validation fold the checkpoints belong to.
	Fold  int   `json:"fold"`
	Model Model `json:"model"`
	// Schema is how new data must be encoded (dataset.Frame.Schema of the
	// training data).
	Schema dataset.Schema `json:"schema"`
	// Scaler is the MinMax scaler fitted on the fold's training rows.
	Scaler *dataset.MinMaxScaler `json:"scaler"`
	// Checkpoint optionally names the checkpoint (a prefix in the card's
	// directory, e.g. "weights-07-0.0312") whose weights were evaluated; train
	// sets it after fitting (the best epoch with --restore-best, else the
	// last). Export from a directory uses it, or else the highest epoch.
	Checkpoint string `json:"checkpoint,omitempty"`
	// Created and TfnidsVersion are provenance.
	Created       time.Time `json:"created,omitzero"`
	TfnidsVersion string    `json:"tfnids_version,omitempty"`
}

// New returns a card for a model trained on data with schema, scaled by
// scaler (which the card keeps, not copies).
func New(m Model, schema dataset.Schema, scaler *dataset.MinMaxScaler) *Card {
	return &Card{Format: Format, Model: m, Schema: schema, Scaler: scaler, Created: time.Now().UTC().Truncate(time.Second)}
}

// Validate reports the first inconsistency: an unknown model, feature or
// class counts that disagree with the schema and scaler, a scaler with
// non-finite values.
func (c *Card) Validate() error {
	if c.Format != Format {
		return fmt.Errorf("modelcard: format %q, want %q", c.Format, Format)
	}
	m := c.Model
	known := m.Spec != nil
	for _, name := range Models {
		known = known || m.Model == name
	}
	if m.Spec != nil {
		if err := m.Spec.Validate(); err != nil {
			return fmt.Errorf("modelcard: spec: %w", err)
		}
		if m.Spec.Features != m.Features || m.Spec.Classes != m.Classes || m.Spec.Binary != m.Binary {
			return fmt.Errorf("modelcard: the spec has %d features, %d classes (binary %v); the card says %d, %d (binary %v)",
				m.Spec.Features, m.Spec.Classes, m.Spec.Binary, m.Features, m.Classes, m.Binary)
		}
	}
	switch {
	case !known:
		return fmt.Errorf("modelcard: unknown model %q (want one of %s, or a card with a spec)", m.Model, strings.Join(Models, ", "))
	case m.Features < 1:
		return fmt.Errorf("modelcard: features = %d, want >= 1", m.Features)
	case m.Classes < 1:
		return fmt.Errorf("modelcard: classes = %d, want >= 1", m.Classes)
	case m.Binary && m.Classes != 2:
		return fmt.Errorf("modelcard: a binary model has 2 classes, the card says %d", m.Classes)
	case m.SeqLen < 0:
		return fmt.Errorf("modelcard: seq_len = %d, want >= 0", m.SeqLen)
	}
	if n := len(c.Schema.FeatureNames); n != m.Features {
		return fmt.Errorf("modelcard: the model has %d features, the schema names %d", m.Features, n)
	}
	if n := len(c.Schema.ClassNames); n != m.Classes {
		return fmt.Errorf("modelcard: the model has %d classes, the schema names %d", m.Classes, n)
	}
	if c.Scaler == nil {
		return errors.New("modelcard: no scaler")
	}
	if len(c.Scaler.Scale) != m.Features || len(c.Scaler.Min) != m.Features {
		return fmt.Errorf("modelcard: the model has %d features, the scaler %d scales and %d mins",
			m.Features, len(c.Scaler.Scale), len(c.Scaler.Min))
	}
	for j := range c.Scaler.Scale {
		if v := c.Scaler.Scale[j]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("modelcard: scaler scale of feature %d (%s) is %v", j, c.Schema.FeatureNames[j], v)
		}
		if v := c.Scaler.Min[j]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("modelcard: scaler min of feature %d (%s) is %v", j, c.Schema.FeatureNames[j], v)
		}
	}
	for i, name := range append(append([]string(nil), c.Schema.ClassNames...), c.Schema.FeatureNames...) {
		if strings.ContainsAny(name, "\r\n") {
			return fmt.Errorf("modelcard: name %d (%q) contains a line break", i, name)
		}
	}
	return nil
}

// Marshal returns the card as indented JSON.
func (c *Card) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Write validates the card and writes it to dir/model.json atomically.
func Write(dir string, c *Card) error {
	if c.Format == "" {
		c.Format = Format
	}
	if err := c.Validate(); err != nil {
		return err
	}
	b, err := c.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, FileName), b, 0o644)
}

// Parse decodes and validates a card. Unknown fields are errors.
func Parse(data []byte) (*Card, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	c := &Card{}
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("modelcard: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Read reads a card from a file, or from model.json in a directory.
func Read(path string) (*Card, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, FileName)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// NamesFile returns names one per line, the format of the name assets.
func NamesFile(names []string) []byte {
	var b bytes.Buffer
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ParseNames reads a names asset.
func ParseNames(data []byte) []string {
	s := strings.TrimSuffix(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

var epochName = regexp.MustCompile(`^weights-(\d+)-.*\.index$`)

// LatestCheckpoint returns the prefix of the checkpoint with the highest
// epoch in dir (names weights-<epoch>-<loss>, as train writes them; the
// newest file wins a tie). Checkpoints without a data file are skipped.
func LatestCheckpoint(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	type cand struct {
		prefix string
		epoch  int
		mod    time.Time
	}
	var cs []cand
	for _, e := range entries {
		m := epochName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		prefix := filepath.Join(dir, strings.TrimSuffix(e.Name(), ".index"))
		if _, err := os.Stat(prefix + ".data-00000-of-00001"); err != nil {
			continue
		}
		epoch, _ := strconv.Atoi(m[1])
		info, _ := e.Info()
		var mod time.Time
		if info != nil {
			mod = info.ModTime()
		}
		cs = append(cs, cand{prefix, epoch, mod})
	}
	if len(cs) == 0 {
		return "", fmt.Errorf("no checkpoint (weights-<epoch>-<loss>.index with its .data-00000-of-00001 file) in %s", dir)
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].epoch != cs[j].epoch {
			return cs[i].epoch > cs[j].epoch
		}
		return cs[i].mod.After(cs[j].mod)
	})
	return cs[0].prefix, nil
}

// Locate resolves an export's --weights argument: a checkpoint prefix
// (".../fold-1/weights-07-0.0312", with or without ".index"), or a directory
// holding model.json and checkpoints. It returns the card (from the
// directory of the checkpoint) and the checkpoint prefix: the card's
// Checkpoint if set, else the highest epoch.
func Locate(weights string) (card *Card, checkpoint string, err error) {
	weights = strings.TrimSuffix(weights, ".index")
	if strings.HasSuffix(weights, ".data-00000-of-00001") {
		weights = strings.TrimSuffix(weights, ".data-00000-of-00001")
	}
	st, statErr := os.Stat(weights)
	dir := filepath.Dir(weights)
	if statErr == nil && st.IsDir() {
		dir = weights
	} else if _, err := os.Stat(weights + ".index"); err != nil {
		return nil, "", fmt.Errorf("--weights %s: neither a directory nor a checkpoint prefix (no %s.index)", weights, weights)
	}
	card, err = Read(filepath.Join(dir, FileName))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			hint := ""
			if subs, _ := filepath.Glob(filepath.Join(dir, "fold-*", FileName)); len(subs) > 0 {
				hint = fmt.Sprintf("; pick a fold directory, e.g. %s", filepath.Dir(subs[0]))
			}
			return nil, "", fmt.Errorf("no model card %s next to the checkpoints (train writes it)%s", filepath.Join(dir, FileName), hint)
		}
		return nil, "", err
	}
	switch {
	case dir != weights:
		checkpoint = weights
	case card.Checkpoint != "":
		checkpoint = filepath.Join(dir, card.Checkpoint)
		if _, err := os.Stat(checkpoint + ".index"); err != nil {
			return nil, "", fmt.Errorf("the card names checkpoint %s, which is missing", checkpoint)
		}
	default:
		if checkpoint, err = LatestCheckpoint(dir); err != nil {
			return nil, "", err
		}
	}
	return card, checkpoint, nil
}
