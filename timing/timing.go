package timing

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Stage is one timed step. Fold and Model say which (fold, model) pair it
// belongs to (0 and "" for steps of the whole run).
type Stage struct {
	Name    string  `json:"stage"`
	Fold    int     `json:"fold,omitempty"`
	Model   string  `json:"model,omitempty"`
	Seconds float64 `json:"seconds"`
}

// Recorder collects stages in the order they end. It is safe for
// concurrent use; the zero value is ready, and a nil *Recorder drops
// everything.
type Recorder struct {
	mu     sync.Mutex
	stages []Stage
}

// Add records s.
func (r *Recorder) Add(s Stage) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.stages = append(r.stages, s)
	r.mu.Unlock()
}

// Since records the stage name of the whole run as lasting from t0 to now.
func (r *Recorder) Since(name string, t0 time.Time) {
	r.Add(Stage{Name: name, Seconds: time.Since(t0).Seconds()})
}

// Stages returns a copy of the stages recorded so far.
func (r *Recorder) Stages() []Stage {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Stage(nil), r.stages...)
}

// Total is the time of every stage of one name.
type Total struct {
	Name    string
	Seconds float64
	// Count is the number of stages summed (one per fold and model for a
	// per-pair stage).
	Count int
}

// Totals sums stages by name, in the order each name first appears.
func Totals(stages []Stage) []Total {
	var out []Total
	at := map[string]int{}
	for _, s := range stages {
		i, ok := at[s.Name]
		if !ok {
			i = len(out)
			at[s.Name] = i
			out = append(out, Total{Name: s.Name})
		}
		out[i].Seconds += s.Seconds
		out[i].Count++
	}
	return out
}

// Format writes totals on one line, e.g. "read 3.1s, fit 120.4s (10×)":
// a count is shown when a name was timed more than once.
func Format(totals []Total) string {
	parts := make([]string, len(totals))
	for i, t := range totals {
		parts[i] = fmt.Sprintf("%s %s", t.Name, seconds(t.Seconds))
		if t.Count > 1 {
			parts[i] += fmt.Sprintf(" (%d×)", t.Count)
		}
	}
	return strings.Join(parts, ", ")
}

// seconds keeps three significant places for short stages, one decimal for
// long ones.
func seconds(s float64) string {
	if s < 10 {
		return fmt.Sprintf("%.2fs", s)
	}
	return fmt.Sprintf("%.1fs", s)
}
