package serving

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"

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
	// Err is why loading failed (state END), or nil. Its message names
	// the model and version, never a server path.
	Err error
}

// Policy is TensorFlow Serving's ServableVersionPolicy: which of the
// version directories under a base path are served. The zero Policy is
// TensorFlow Serving's default, the latest one version.
type Policy struct {
	// Latest serves the Latest highest versions (0 counts as 1) unless
	// All or Specific is set.
	Latest int
	// All serves every version.
	All bool
	// Specific serves exactly these versions (when they exist).
	Specific []int64
}

func (p Policy) String() string {
	switch {
	case p.All:
		return "all"
	case p.Specific != nil:
		return fmt.Sprintf("specific %v", p.Specific)
	}
	return fmt.Sprintf("latest %d", max(p.Latest, 1))
}

// servable is one loaded version. Requests hold a reference while they run;
// a retired servable closes its session when the last one is released.
type servable struct {
	model    string
	version  int64
	dir      string
	pred     *tfgraph.Predictor
	card     *modelcard.Card // nil when the export has no tfnids card
	batch    *batcher        // nil: batching off
	metrics  *metrics        // nil: none
	maxRows  int             // rows per session run (0: no limit)
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

func (s *servable) close() {
	s.once.Do(func() {
		if s.batch != nil {
			s.batch.stop()
		}
		s.pred.Close()
	})
}

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

// loadHooks are what a server adds to every load: batching, metrics,
// logging. The zero value adds nothing.
type loadHooks struct {
	session  tfgraph.SessionConfig
	batching *BatchingOptions
	maxRows  int
	metrics  *metrics
	logf     func(format string, args ...any)
}

// Models serves one model name from a base path under a version policy: it
// loads the versions the policy chooses, keeps the status of every version
// it has seen, and on Poll loads new versions before it unloads the ones
// they replace.
type Models struct {
	Name   string
	Base   string
	Policy Policy
	// Session configures every loaded version's session.
	Session tfgraph.SessionConfig
	// Logf reports loads, unloads and failures (nil: silent).
	Logf func(format string, args ...any)

	hooks loadHooks

	mu     sync.RWMutex
	loaded map[int64]*servable
	status map[int64]*VersionStatus
	labels map[string]int64
	failed map[int64]time.Time // version -> mod time of the dir that failed
	pollMu sync.Mutex
}

// NewModels checks that base exists and returns an empty manager with the
// default policy; call Poll to load.
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
	return &Models{Name: name, Base: base, Session: cfg, loaded: map[int64]*servable{},
		status: map[int64]*VersionStatus{}, failed: map[int64]time.Time{}}, nil
}

func (m *Models) logf(format string, args ...any) {
	if m.Logf != nil {
		m.Logf(format, args...)
	}
}

// scrub removes server paths from a message meant for clients: the base
// path becomes the model's name.
func (m *Models) scrub(msg string) string {
	for _, p := range []string{m.Base, filepath.Clean(m.Base)} {
		if abs, err := filepath.Abs(p); err == nil && abs != "" {
			msg = strings.ReplaceAll(msg, abs, "<"+m.Name+">")
		}
		if p != "" && p != "." {
			msg = strings.ReplaceAll(msg, p, "<"+m.Name+">")
		}
	}
	return msg
}

// Poll scans the base path once and applies the policy: versions it
// chooses that are not loaded are loaded (and warmed up) before versions it
// no longer chooses are unloaded (those finish their running requests
// first). A version that fails to load is marked END with the error and
// not retried until its directory changes; with the latest policy the next
// lower version stands in for it. An empty or unreadable base path keeps
// what is loaded.
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
	isLoaded := func(v int64) bool { _, ok := m.loaded[v]; return ok }
	keep := map[int64]bool{}
	try := func(d versionDir) bool {
		m.mu.RLock()
		ok := isLoaded(d.version)
		m.mu.RUnlock()
		if ok {
			return true
		}
		if t, bad := m.failed[d.version]; bad && t.Equal(d.mod) {
			return false
		}
		if err := m.load(d); err != nil {
			m.failed[d.version] = d.mod
			m.logf("model %s version %d failed to load: %v", m.Name, d.version, err)
			return false
		}
		delete(m.failed, d.version)
		return true
	}
	switch p := m.Policy; {
	case p.All:
		for i := len(dirs) - 1; i >= 0; i-- {
			if try(dirs[i]) {
				keep[dirs[i].version] = true
			}
		}
	case p.Specific != nil:
		want := map[int64]bool{}
		for _, v := range p.Specific {
			want[v] = true
		}
		for i := len(dirs) - 1; i >= 0; i-- {
			if want[dirs[i].version] && try(dirs[i]) {
				keep[dirs[i].version] = true
			}
		}
	default:
		n := max(p.Latest, 1)
		for i := len(dirs) - 1; i >= 0 && len(keep) < n; i-- {
			if try(dirs[i]) {
				keep[dirs[i].version] = true
			}
		}
	}
	m.mu.Lock()
	var retired []*servable
	for v, s := range m.loaded {
		if !keep[v] {
			delete(m.loaded, v)
			m.status[v] = &VersionStatus{Version: v, State: StateEnd}
			retired = append(retired, s)
		}
	}
	m.mu.Unlock()
	for _, s := range retired {
		s.retire()
		m.logf("model %s version %d unloaded", m.Name, s.version)
	}
	return nil
}

func (m *Models) setStatus(v int64, state string, err error) {
	m.mu.Lock()
	m.status[v] = &VersionStatus{Version: v, State: state, Err: err}
	m.mu.Unlock()
}

// load loads dir, warms it up and makes it available.
func (m *Models) load(d versionDir) error {
	m.setStatus(d.version, StateLoading, nil)
	start := time.Now()
	s, err := m.openServable(d)
	m.hooks.metrics.loadAttempt(m.Name, d.version, err)
	if err != nil {
		m.setStatus(d.version, StateEnd, &Error{Code: codes.Unknown, Msg: m.scrub(err.Error())})
		return err
	}
	m.mu.Lock()
	m.loaded[d.version] = s
	m.status[d.version] = &VersionStatus{Version: d.version, State: StateAvailable}
	m.mu.Unlock()
	m.hooks.metrics.loadLatency(m.Name, time.Since(start))
	m.logf("model %s version %d loaded from %s in %s", m.Name, d.version, d.path, time.Since(start).Round(time.Millisecond))
	return nil
}

func (m *Models) openServable(d versionDir) (*servable, error) {
	p, err := tfgraph.LoadPredictor(d.path, []string{tfgraph.ServeTag}, m.Session)
	if err != nil {
		return nil, err
	}
	s := &servable{model: m.Name, version: d.version, dir: d.path, pred: p, maxRows: m.hooks.maxRows, metrics: m.hooks.metrics}
	if path := p.AssetPath(modelcard.AssetName); path != "" {
		if c, err := modelcard.Read(path); err == nil {
			s.card = c
		}
	}
	if m.hooks.batching != nil {
		s.batch = newBatcher(p, *m.hooks.batching, m.Name, m.hooks.metrics)
	}
	n, err := warmUp(s)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("warm-up of model %s version %d failed: %w", m.Name, d.version, err)
	}
	if n > 0 {
		m.logf("model %s version %d: replayed %d warm-up request(s) from %s", m.Name, d.version, n, WarmupFile)
	}
	return s, nil
}

// SetLabels replaces the model's version labels. Every label must point
// at an AVAILABLE version (TensorFlow Serving's rule; FAILED_PRECONDITION
// otherwise, and the old labels stay).
func (m *Models) SetLabels(labels map[string]int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := m.loaded[labels[k]]; !ok {
			return statusErr(codes.FailedPrecondition,
				"Request to assign label to version %d of model %s, which is not currently available for inference", labels[k], m.Name)
		}
	}
	m.labels = map[string]int64{}
	for k, v := range labels {
		m.labels[k] = v
	}
	return nil
}

// Labels returns a copy of the model's version labels.
func (m *Models) Labels() map[string]int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := map[string]int64{}
	for k, v := range m.labels {
		out[k] = v
	}
	return out
}

// VersionSpec says which version a request wants: Version if set, else
// the version Label points at, else the highest available.
type VersionSpec struct {
	Version *int64
	Label   string
}

// resolve turns a label into a version.
func (m *Models) resolve(spec VersionSpec) (*int64, error) {
	if spec.Version != nil || spec.Label == "" {
		return spec.Version, nil
	}
	m.mu.RLock()
	v, ok := m.labels[spec.Label]
	m.mu.RUnlock()
	if !ok {
		return nil, badRequest("Unrecognized servable version label: %s", spec.Label)
	}
	return &v, nil
}

// acquire returns the servable for spec with a reference the caller must
// release.
func (m *Models) acquire(spec VersionSpec) (*servable, error) {
	version, err := m.resolve(spec)
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	var s *servable
	if version != nil {
		s = m.loaded[*version]
	} else {
		for _, c := range m.loaded {
			if s == nil || c.version > s.version {
				s = c
			}
		}
	}
	if s == nil {
		if version != nil {
			return nil, notFoundf("Servable not found for request: Specific(%s, %d)", m.Name, *version)
		}
		return nil, notFoundf("Servable not found for request: Latest(%s)", m.Name)
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
			return nil, notFoundf("Could not find version %d of model %s", *version, m.Name)
		}
		return []VersionStatus{*st}, nil
	}
	if len(m.status) == 0 {
		return nil, notFoundf("Could not find any versions of model %s", m.Name)
	}
	out := make([]VersionStatus, 0, len(m.status))
	for _, st := range m.status {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Current returns the highest available version, or -1.
func (m *Models) Current() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	cur := int64(-1)
	for v := range m.loaded {
		cur = max(cur, v)
	}
	return cur
}

// Available returns the available versions, ascending.
func (m *Models) Available() []int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]int64, 0, len(m.loaded))
	for v := range m.loaded {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
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

// Close unloads every version once its requests finish.
func (m *Models) Close() {
	m.pollMu.Lock()
	defer m.pollMu.Unlock()
	m.mu.Lock()
	loaded := m.loaded
	m.loaded = map[int64]*servable{}
	for v := range loaded {
		m.status[v] = &VersionStatus{Version: v, State: StateEnd}
	}
	m.mu.Unlock()
	for _, s := range loaded {
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
