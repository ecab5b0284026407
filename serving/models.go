package serving

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/tfgraph"
)

// Version states, as TensorFlow Serving's ModelVersionStatus.State.
const (
	StateLoading   = "LOADING"
	StateAvailable = "AVAILABLE"
	StateEnd       = "END"
)

// VersionStatus is one entry of model_version_status.
type VersionStatus struct {
	Version int64
	State   string
	// Err is why loading failed (state END), or nil.
	Err error
}

// servable is one loaded version. Requests hold a reference while they run;
// a retired servable closes its session when the last one is released.
type servable struct {
	version  int64
	dir      string
	pred     *tfgraph.Predictor
	card     *modelcard.Card // nil when the export has no tfnids card
	inflight atomic.Int64
	retired  atomic.Bool
	once     sync.Once
}

func (s *servable) release() {
	if s.inflight.Add(-1) == 0 && s.retired.Load() {
		s.close()
	}
}

func (s *servable) retire() {
	s.retired.Store(true)
	if s.inflight.Load() == 0 {
		s.close()
	}
}

func (s *servable) close() { s.once.Do(func() { s.pred.Close() }) }

// versionDir is an integer-named directory under the base path.
type versionDir struct {
	version int64
	path    string
	mod     time.Time
}

// listVersions returns the integer version directories of base, ascending.
// Names that are not non-negative integers (including the temporary
// directories exports are built in) are ignored, as TensorFlow Serving
// ignores them.
func listVersions(base string) ([]versionDir, error) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return nil, err
	}
	var out []versionDir
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		v, err := strconv.ParseInt(name, 10, 64)
		if err != nil || v < 0 || name[0] == '+' || name[0] == '-' {
			continue
		}
		var mod time.Time
		if info, err := e.Info(); err == nil {
			mod = info.ModTime()
		}
		out = append(out, versionDir{version: v, path: filepath.Join(base, name), mod: mod})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Models serves one model name from a base path: it loads the highest
// version directory that loads, keeps the status of every version it has
// seen, and on Poll swaps in a newer version.
type Models struct {
	Name    string
	Base    string
	Session tfgraph.SessionConfig
	// Logf reports loads, unloads and failures (nil: silent).
	Logf func(format string, args ...any)

	mu      sync.RWMutex
	current *servable
	status  map[int64]*VersionStatus
	failed  map[int64]time.Time // version -> mod time of the dir that failed
	pollMu  sync.Mutex
}

// NewModels checks that base exists and returns an empty manager; call Poll
// to load.
func NewModels(name, base string, cfg tfgraph.SessionConfig) (*Models, error) {
	st, err := os.Stat(base)
	if err != nil {
		return nil, fmt.Errorf("model base path %s: %w", base, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("model base path %s is not a directory", base)
	}
	if _, err := os.Stat(filepath.Join(base, tfgraph.SavedModelFile)); err == nil {
		return nil, fmt.Errorf("model base path %s is a SavedModel version directory; give its parent, %s, which holds the versions",
			base, filepath.Dir(filepath.Clean(base)))
	}
	return &Models{Name: name, Base: base, Session: cfg, status: map[int64]*VersionStatus{}, failed: map[int64]time.Time{}}, nil
}

func (m *Models) logf(format string, args ...any) {
	if m.Logf != nil {
		m.Logf(format, args...)
	}
}

// Poll scans the base path once. If the highest loadable version is newer
// than (or, after a deletion, different from) the served one, it is loaded
// and swapped in; the old version is unloaded once its requests finish. A
// version that fails to load is marked END with the error and not retried
// until its directory changes; the served version stays. An empty or
// unreadable base path keeps the current version.
func (m *Models) Poll() error {
	m.pollMu.Lock()
	defer m.pollMu.Unlock()
	dirs, err := listVersions(m.Base)
	if err != nil {
		return fmt.Errorf("scanning %s: %w", m.Base, err)
	}
	if len(dirs) == 0 {
		return nil
	}
	m.mu.RLock()
	cur := m.current
	m.mu.RUnlock()
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		if cur != nil && cur.version == d.version {
			return nil // the best candidate is already served
		}
		if t, ok := m.failed[d.version]; ok && t.Equal(d.mod) {
			continue
		}
		if err := m.load(d); err != nil {
			m.failed[d.version] = d.mod
			m.logf("model %s version %d failed to load: %v", m.Name, d.version, err)
			continue
		}
		delete(m.failed, d.version)
		return nil
	}
	return nil
}

func (m *Models) setStatus(v int64, state string, err error) {
	m.mu.Lock()
	m.status[v] = &VersionStatus{Version: v, State: state, Err: err}
	m.mu.Unlock()
}

// load loads dir, warms it up and makes it current.
func (m *Models) load(d versionDir) error {
	m.setStatus(d.version, StateLoading, nil)
	start := time.Now()
	s, err := openServable(d, m.Session)
	if err != nil {
		m.setStatus(d.version, StateEnd, err)
		return err
	}
	m.mu.Lock()
	old := m.current
	m.current = s
	m.status[d.version] = &VersionStatus{Version: d.version, State: StateAvailable}
	if old != nil {
		m.status[old.version] = &VersionStatus{Version: old.version, State: StateEnd}
	}
	m.mu.Unlock()
	m.logf("model %s version %d loaded from %s in %s", m.Name, d.version, d.path, time.Since(start).Round(time.Millisecond))
	if old != nil {
		old.retire()
		m.logf("model %s version %d unloaded", m.Name, old.version)
	}
	return nil
}

func openServable(d versionDir, cfg tfgraph.SessionConfig) (*servable, error) {
	p, err := tfgraph.LoadPredictor(d.path, []string{tfgraph.ServeTag}, cfg)
	if err != nil {
		return nil, err
	}
	s := &servable{version: d.version, dir: d.path, pred: p}
	if path := p.AssetPath(modelcard.AssetName); path != "" {
		if c, err := modelcard.Read(path); err == nil {
			s.card = c
		}
	}
	if err := warmUp(p); err != nil {
		p.Close()
		return nil, fmt.Errorf("warm-up run of %s failed: %w", d.path, err)
	}
	return s, nil
}

// warmUp runs the default signature once on one zero example, so the first
// request does not pay for building the executor.
func warmUp(p *tfgraph.Predictor) error {
	sig, err := p.Signature("")
	if err != nil {
		return nil // no default signature: nothing to warm up
	}
	inputs := map[string]*tf.Tensor{}
	defer func() {
		for _, t := range inputs {
			tfgraph.FreeTensors(t)
		}
	}()
	for _, in := range sig.Inputs {
		if in.Shape == nil || !supported(in.DType) {
			return nil
		}
		shape := make([]int64, len(in.Shape))
		for i, d := range in.Shape {
			shape[i] = max(d, 1)
		}
		t, err := newTensor(zeroData(in.DType, shape))
		if err != nil {
			return err
		}
		inputs[in.Key] = t
	}
	out, err := p.Run(sig.Key, inputs)
	out.Free()
	return err
}

// ErrNotFound is a model or version that is not served (HTTP 404).
var ErrNotFound = errors.New("not found")

type notFound struct{ msg string }

func (e *notFound) Error() string { return e.msg }
func (e *notFound) Unwrap() error { return ErrNotFound }

// acquire returns the servable for version (nil: the latest) with a
// reference the caller must release.
func (m *Models) acquire(version *int64) (*servable, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.current
	if s == nil || (version != nil && s.version != *version) {
		if version != nil {
			return nil, &notFound{fmt.Sprintf("Servable not found for request: Specific(%s, %d)", m.Name, *version)}
		}
		return nil, &notFound{fmt.Sprintf("Servable not found for request: Latest(%s)", m.Name)}
	}
	s.inflight.Add(1)
	return s, nil
}

// Status returns the status of one version, or of every version seen
// (ascending) when version is nil.
func (m *Models) Status(version *int64) ([]VersionStatus, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if version != nil {
		st, ok := m.status[*version]
		if !ok {
			return nil, &notFound{fmt.Sprintf("Could not find version %d of model %s", *version, m.Name)}
		}
		return []VersionStatus{*st}, nil
	}
	if len(m.status) == 0 {
		return nil, &notFound{fmt.Sprintf("Could not find any versions of model %s", m.Name)}
	}
	out := make([]VersionStatus, 0, len(m.status))
	for _, st := range m.status {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Current returns the served version, or -1.
func (m *Models) Current() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.current == nil {
		return -1
	}
	return m.current.version
}

// Watch polls every interval until ctx is done.
func (m *Models) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.Poll(); err != nil {
				m.logf("%v", err)
			}
		}
	}
}

// Close unloads the served version once its requests finish.
func (m *Models) Close() {
	m.mu.Lock()
	s := m.current
	m.current = nil
	if s != nil {
		m.status[s.version] = &VersionStatus{Version: s.version, State: StateEnd}
	}
	m.mu.Unlock()
	if s != nil {
		s.retire()
	}
}

// ResolveExport returns the SavedModel directory path names: path itself
// if it holds saved_model.pb, else the highest integer version directory
// under it (a model base path) that does.
func ResolveExport(path string) (string, error) {
	if _, err := os.Stat(filepath.Join(path, tfgraph.SavedModelFile)); err == nil {
		return path, nil
	}
	dirs, err := listVersions(path)
	if err != nil {
		return "", fmt.Errorf("%s: not a SavedModel directory: %w", path, err)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i].path, tfgraph.SavedModelFile)); err == nil {
			return dirs[i].path, nil
		}
	}
	return "", fmt.Errorf("%s is not a SavedModel directory (no %s) and has no version directory that is", path, tfgraph.SavedModelFile)
}
