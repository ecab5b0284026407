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
	Epoch            int      `json:"epoch"`
	Loss             nullable `json:"loss"`
	Accuracy         nullable `json:"accuracy"`
	Seconds          nullable `json:"seconds"`
	SamplesPerSecond nullable `json:"samples_per_second"`
}

// MarshalJSON implements json.Marshaler.
func (s EpochStats) MarshalJSON() ([]byte, error) {
	return json.Marshal(epochJSON{s.Epoch, nullable(s.Loss), nullable(s.Accuracy), nullable(s.Seconds), nullable(s.SamplesPerSecond)})
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *EpochStats) UnmarshalJSON(b []byte) error {
	var j epochJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = EpochStats{j.Epoch, float64(j.Loss), float64(j.Accuracy), float64(j.Seconds), float64(j.SamplesPerSecond)}
	return nil
}
