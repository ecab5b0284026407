package experiment

import (
	"strings"
	"sync"

	"github.com/tfnids/tfnids/report"
)

// warnRecorder passes every warning to the observer and keeps it, so that
// the results file (and the report made from it) says what the console said.
type warnRecorder struct {
	Observer
	mu   sync.Mutex
	msgs []string
}

// Warn implements Observer.
func (w *warnRecorder) Warn(msg string) {
	w.mu.Lock()
	w.msgs = append(w.msgs, strings.TrimSpace(msg))
	w.mu.Unlock()
	w.Observer.Warn(msg)
}

// flush adds the warnings recorded so far to r (each once); the caller
// owns r.
func (w *warnRecorder) flush(r *report.Results) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.msgs {
		r.Warn("%s", m)
	}
	w.msgs = w.msgs[:0]
}
