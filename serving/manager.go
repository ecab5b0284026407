package serving

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// manager holds the served models by name and applies model configs: new
// models are added and loaded, removed ones unloaded, changed policies
// and labels applied. Each model polls its base path on its own.
type manager struct {
	hooks loadHooks
	poll  time.Duration

	mu      sync.RWMutex
	models  map[string]*Models
	configs map[string]ModelConfig
	stop    map[string]func() // ends a model's watcher
	ctx     context.Context   // watchers run under it once serving starts
}

func newManager(h loadHooks, poll time.Duration) *manager {
	return &manager{hooks: h, poll: poll, models: map[string]*Models{}, configs: map[string]ModelConfig{}, stop: map[string]func(){}}
}

// get returns the model called name, or nil.
func (mg *manager) get(name string) *Models {
	mg.mu.RLock()
	defer mg.mu.RUnlock()
	return mg.models[name]
}

// names returns the served model names, sorted.
func (mg *manager) names() []string {
	mg.mu.RLock()
	defer mg.mu.RUnlock()
	out := make([]string, 0, len(mg.models))
	for n := range mg.models {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// apply makes cfgs the served set. Every model is polled once before the
// labels are set, as TensorFlow Serving waits for the initial load; a
// label at a version that is not available fails the whole apply (the
// models stay loaded, the old labels stay).
func (mg *manager) apply(cfgs []ModelConfig) error {
	want := map[string]ModelConfig{}
	for _, c := range cfgs {
		want[c.Name] = c
	}
	mg.mu.Lock()
	var removed []*Models
	for name, m := range mg.models {
		if c, ok := want[name]; !ok || c.BasePath != mg.configs[name].BasePath {
			removed = append(removed, m)
			if stop := mg.stop[name]; stop != nil {
				stop()
			}
			delete(mg.models, name)
			delete(mg.configs, name)
			delete(mg.stop, name)
		}
	}
	mg.mu.Unlock()
	for _, m := range removed {
		m.Close()
		m.logf("model %s removed", m.Name)
	}
	var firstErr error
	for _, c := range cfgs {
		mg.mu.RLock()
		m := mg.models[c.Name]
		mg.mu.RUnlock()
		if m == nil {
			var err error
			m, err = NewModels(c.Name, c.BasePath, mg.hooks.session)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			m.Logf, m.hooks = mg.hooks.logf, mg.hooks
		}
		m.setPolicy(c.Policy)
		if err := m.Poll(); err != nil && firstErr == nil {
			firstErr = err
		}
		mg.mu.Lock()
		if mg.models[c.Name] == nil {
			mg.models[c.Name] = m
			if mg.ctx != nil {
				mg.watch(m)
			}
		}
		mg.configs[c.Name] = c
		mg.mu.Unlock()
		if len(m.Available()) == 0 {
			m.logf("model %s: no versions under its base path yet; waiting for one (requests get NOT_FOUND)", c.Name)
		}
	}
	for _, c := range cfgs {
		if m := mg.get(c.Name); m != nil {
			if err := m.SetLabels(c.Labels); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

// watch starts m's poller; mg.mu must be held.
func (mg *manager) watch(m *Models) {
	ctx, cancel := context.WithCancel(mg.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Watch(ctx, mg.poll)
	}()
	mg.stop[m.Name] = func() { cancel(); <-done }
}

// start runs every model's poller under ctx.
func (mg *manager) start(ctx context.Context) {
	mg.mu.Lock()
	defer mg.mu.Unlock()
	mg.ctx = ctx
	for _, m := range mg.models {
		mg.watch(m)
	}
}

// close stops the pollers and unloads everything.
func (mg *manager) close() {
	mg.mu.Lock()
	stops := mg.stop
	models := mg.models
	mg.stop, mg.models = map[string]func(){}, map[string]*Models{}
	mg.mu.Unlock()
	for _, s := range stops {
		s()
	}
	for _, m := range models {
		m.Close()
	}
}

// setPolicy changes the version policy; the next Poll applies it.
func (m *Models) setPolicy(p Policy) {
	m.pollMu.Lock()
	m.Policy = p
	m.pollMu.Unlock()
}

// watchConfig re-reads the model config file every interval and applies it
// when its contents change; a bad file is reported and the served models
// stay as they are.
func (mg *manager) watchConfig(ctx context.Context, path string, interval time.Duration, last []byte, read func(string) ([]byte, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		text, err := read(path)
		if err != nil {
			mg.logf("model config %s: %v", path, err)
			continue
		}
		if string(text) == string(last) {
			continue
		}
		last = text
		cfgs, err := ParseModelConfig(path, text)
		if err != nil {
			mg.logf("model config not reloaded: %v", err)
			continue
		}
		if err := mg.apply(cfgs); err != nil {
			mg.logf("model config %s reloaded with errors: %v", path, err)
			continue
		}
		mg.logf("model config %s reloaded: %s", path, fmt.Sprint(mg.names()))
	}
}

func (mg *manager) logf(format string, args ...any) {
	if mg.hooks.logf != nil {
		mg.hooks.logf(format, args...)
	}
}
