package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/report"
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
	Current     *progress `json:"current,omitempty"`
	Finished    bool      `json:"finished"`
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
		RestoreBest                           bool
		Seed                                  int64
	}{c.Data, c.Profile, c.Name, c.CV, c.BadValues, c.Models, c.Splits, c.Epochs, c.BatchSize, c.Patience,
		c.SeqLen, c.TestSplit, c.Binary, c.NetworkFeatures, c.SortTimestamp, c.Dedupe, c.RestoreBest, c.Seed}
	b, _ := json.Marshal(k)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// ErrInterrupted is returned when a run stopped on a signal; the state on
// disk lets `--resume` continue it.
var ErrInterrupted = errors.New("interrupted; run again with --resume to continue")
