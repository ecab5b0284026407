package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/report"
	"github.com/tfnids/tfnids/spec"
)

// runState is what --resume needs: which (fold, model) pairs are finished
// (their scores are in the partial results file) and how far the pair in
// progress got. It is rewritten atomically after every epoch, so a kill at
// any moment leaves the last complete epoch on record.
type runState struct {
	ConfigKey   string    `json:"config_key"`
	Start       time.Time `json:"start"`
	ResultsPath string    `json:"results_path"`
	Done        []pairKey `json:"done"`
	// Running lists the pairs in progress (several when training runs on a
	// cluster), each with its last complete epoch.
	Running  []*progress `json:"running,omitempty"`
	Finished bool        `json:"finished"`
}

type pairKey struct {
	Fold  int    `json:"fold"`
	Model string `json:"model"`
}

type progress struct {
	pairKey
	Epochs     []report.EpochStats `json:"epochs"`
	Checkpoint string              `json:"checkpoint"` // prefix of the last complete epoch
}

func (s *runState) done(fold int, model string) bool {
	for _, d := range s.Done {
		if d.Fold == fold && d.Model == model {
			return true
		}
	}
	return false
}

// running returns the record of a pair in progress, or nil.
func (s *runState) running(fold int, model string) *progress {
	for _, p := range s.Running {
		if p.Fold == fold && p.Model == model {
			return p
		}
	}
	return nil
}

// finish moves a pair from Running to Done.
func (s *runState) finish(fold int, model string) {
	kept := s.Running[:0]
	for _, p := range s.Running {
		if p.Fold != fold || p.Model != model {
			kept = append(kept, p)
		}
	}
	s.Running = kept
	s.Done = append(s.Done, pairKey{fold, model})
}

func statePath(weightsRoot string) string { return filepath.Join(weightsRoot, "run-state.json") }

func loadState(path string) (*runState, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s runState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

func (s *runState) save(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// configKey fingerprints every setting that changes what a run computes, so
// --resume refuses to continue a run made with other settings.
func configKey(c Config) string {
	k := struct {
		Data                                  []string
		Profile, Name, CV, BadValues          string
		Models                                []string
		Splits, Epochs, BatchSize, Patience   int
		SeqLen                                int
		TestSplit                             float64
		Binary, NetworkFeatures, Sort, Dedupe bool
		RestoreBest, ShuffleWindows           bool
		LSTML1                                *float64
		Seed                                  int64
		Monitor                               string        `json:",omitempty"`
		BNRecalibrate                         bool          `json:",omitempty"`
		Drop, Features                        []string      `json:",omitempty"`
		LabelCase                             string        `json:",omitempty"`
		Specs                                 []*spec.Model `json:",omitempty"`
		Graph                                 *graphKey     `json:",omitempty"`
	}{c.Data, c.Profile, c.Name, c.CV, c.BadValues, c.Models, c.Splits, c.Epochs, c.BatchSize, c.Patience,
		c.SeqLen, c.TestSplit, c.Binary, c.NetworkFeatures, c.SortTimestamp, c.Dedupe, c.RestoreBest, c.ShuffleWindows, c.LSTML1, c.Seed,
		strings.TrimPrefix(c.Monitor, "loss"), c.BNRecalibrate, c.Drop, c.Features, c.LabelCase, c.Specs, newGraphKey(c.Graph)}
	b, _ := json.Marshal(k)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// ErrInterrupted is returned when a run stopped on a signal; the state on
// disk lets `--resume` continue it.
var ErrInterrupted = errors.New("interrupted; run again with --resume to continue")
