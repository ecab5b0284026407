package spec

import (
	"encoding/json"
	"math"
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

// nullable is a float64 whose non-finite values encode as null.
type nullable float64

func (f nullable) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

func (f *nullable) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = nullable(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = nullable(v)
	return nil
}

type epochJSON struct {
	Epoch            int       `json:"epoch"`
	Loss             nullable  `json:"loss"`
	Accuracy         nullable  `json:"accuracy"`
	Seconds          nullable  `json:"seconds"`
	SamplesPerSecond nullable  `json:"samples_per_second"`
	ValLoss          *nullable `json:"val_loss,omitempty"`
	ValAccuracy      *nullable `json:"val_accuracy,omitempty"`
}

// MarshalJSON implements json.Marshaler.
func (s EpochStats) MarshalJSON() ([]byte, error) {
	j := epochJSON{Epoch: s.Epoch, Loss: nullable(s.Loss), Accuracy: nullable(s.Accuracy), Seconds: nullable(s.Seconds), SamplesPerSecond: nullable(s.SamplesPerSecond)}
	if s.Validated {
		vl, va := nullable(s.ValLoss), nullable(s.ValAccuracy)
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
