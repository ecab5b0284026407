package spec

import (
	"encoding/json"

	"github.com/tfnids/tfnids/internal/jsonfloat"
)

// EpochStats is the record of one training epoch, as Keras' epoch logs:
// what builders.Fit reports, experiment checkpoints and report writes. NaN
// and ±Inf (a diverged loss) are written to JSON as null and read back as
// NaN.
type EpochStats struct {
	Epoch            int     // 1-based
	Loss             float64 // batch-size-weighted mean of the batch losses (with penalties)
	Accuracy         float64 // fraction of examples classified right during the epoch
	Seconds          float64 // wall-clock time of the epoch
	SamplesPerSecond float64 // training throughput
	// Validated is set when ValLoss and ValAccuracy were measured: the
	// inference-mode loss (with penalties) and accuracy on the validation
	// examples after the epoch (Keras' val_loss and val_accuracy; written to
	// JSON only when measured).
	Validated            bool
	ValLoss, ValAccuracy float64
}

type epochJSON struct {
	Epoch            int              `json:"epoch"`
	Loss             jsonfloat.Float  `json:"loss"`
	Accuracy         jsonfloat.Float  `json:"accuracy"`
	Seconds          jsonfloat.Float  `json:"seconds"`
	SamplesPerSecond jsonfloat.Float  `json:"samples_per_second"`
	ValLoss          *jsonfloat.Float `json:"val_loss,omitempty"`
	ValAccuracy      *jsonfloat.Float `json:"val_accuracy,omitempty"`
}

// MarshalJSON implements json.Marshaler.
func (s EpochStats) MarshalJSON() ([]byte, error) {
	j := epochJSON{Epoch: s.Epoch, Loss: jsonfloat.Float(s.Loss), Accuracy: jsonfloat.Float(s.Accuracy), Seconds: jsonfloat.Float(s.Seconds), SamplesPerSecond: jsonfloat.Float(s.SamplesPerSecond)}
	if s.Validated {
		vl, va := jsonfloat.Float(s.ValLoss), jsonfloat.Float(s.ValAccuracy)
		j.ValLoss, j.ValAccuracy = &vl, &va
	}
	return json.Marshal(j)
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *EpochStats) UnmarshalJSON(b []byte) error {
	var j epochJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = EpochStats{Epoch: j.Epoch, Loss: float64(j.Loss), Accuracy: float64(j.Accuracy), Seconds: float64(j.Seconds), SamplesPerSecond: float64(j.SamplesPerSecond)}
	if j.ValLoss != nil && j.ValAccuracy != nil {
		s.Validated, s.ValLoss, s.ValAccuracy = true, float64(*j.ValLoss), float64(*j.ValAccuracy)
	}
	return nil
}
