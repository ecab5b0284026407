package experiment

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/netgraph"
	"github.com/tfnids/tfnids/report"
)

// GraphConfig asks Run to compute the GDLC network features (netgraph)
// when the data lacks the profile's network-feature columns.
type GraphConfig struct {
	// Scope is "dataset" (one graph over every loaded row, the study's
	// way: test flows shape the training features) or "fold" (the graph of
	// each fold's training rows; test rows look their addresses up in it,
	// -1 for unseen ones).
	Scope string
	// Options are the measures and their settings; Options.Measures nil
	// means netgraph.Type1.
	Options netgraph.Options
}

// netFeatures computes network-feature columns into a frame's last
// columns: once for the dataset scope, per fold for the fold scope.
type netFeatures struct {
	cfg      GraphConfig
	srcCol   string
	dstCol   string
	names    []string
	first    int // index of the first computed column in X
	mu       sync.Mutex
	unknown  int
	measures []string
}

// wantsComputed reports whether network features must be computed: they
// are asked for, a graph config is given and the header has none of the
// profile's network-feature columns (present columns are kept as today).
func wantsComputed(cfg Config, prof *dataset.Profile) (bool, error) {
	if !cfg.NetworkFeatures || cfg.Graph == nil {
		return false, nil
	}
	files, err := dataset.ExpandPaths(cfg.Data)
	if err != nil {
		return false, err
	}
	header, err := dataset.ReadHeader(files[0])
	if err != nil {
		return false, err
	}
	for _, h := range header {
		for _, n := range prof.NetworkFeatureColumns {
			if sameColumn(h, n) {
				return false, nil
			}
		}
	}
	return true, nil
}

// sameColumn compares header names as profiles do: trimmed, BOM-free,
// case-insensitive, runs of spaces collapsed.
func sameColumn(a, b string) bool {
	norm := func(s string) string {
		return strings.ToLower(strings.Join(strings.Fields(strings.TrimPrefix(s, "\ufeff")), " "))
	}
	return norm(a) == norm(b)
}

// newNetFeatures appends zero columns src_<m>, dst_<m> to frame and, for
// the dataset scope, fills them from the graph of all its rows.
func newNetFeatures(ctx context.Context, gc GraphConfig, frame *dataset.Frame, srcCol, dstCol string) (*netFeatures, error) {
	ms := gc.Options.Measures
	if ms == nil {
		ms = netgraph.Type1()
	}
	gc.Options.Measures = ms
	nf := &netFeatures{cfg: gc, srcCol: srcCol, dstCol: dstCol, first: frame.Features, measures: ms}
	for _, m := range ms {
		nf.names = append(nf.names, "src_"+m, "dst_"+m)
	}
	appendZeroColumns(frame, nf.names)
	switch gc.Scope {
	case "dataset":
		return nf, nf.fill(ctx, frame, frame)
	case "fold":
		return nf, nil
	}
	return nil, fmt.Errorf("experiment: graph scope %q: want dataset or fold", gc.Scope)
}

// fill builds the graph of from's rows and writes every row's measures
// into the computed columns of each frame in into.
func (nf *netFeatures) fill(ctx context.Context, from *dataset.Frame, into ...*dataset.Frame) error {
	g, _ := netgraph.Build(from.TextOf(nf.srcCol), from.TextOf(nf.dstCol))
	res, err := g.Compute(ctx, nf.cfg.Options)
	if err != nil {
		return fmt.Errorf("network features: %w", err)
	}
	for _, f := range into {
		fc := res.Lookup(g, f.TextOf(nf.srcCol), f.TextOf(nf.dstCol))
		for k, col := range fc.Values {
			j := nf.first + k
			for i, v := range col {
				f.X[i*f.Features+j] = float32(v)
			}
		}
		nf.mu.Lock()
		nf.unknown += fc.Unknown
		nf.mu.Unlock()
	}
	return nil
}

// foldScope reports whether every fold computes its own features.
func (nf *netFeatures) foldScope() bool { return nf != nil && nf.cfg.Scope == "fold" }

// perFold fills a fold's training and test rows from the training rows'
// graph (fold scope only; the dataset scope filled the frame already).
func (nf *netFeatures) perFold(ctx context.Context, train, test *dataset.Frame) error {
	if !nf.foldScope() {
		return nil
	}
	return nf.fill(ctx, train, train, test)
}

// record describes the computation for the results file.
func (nf *netFeatures) record() *report.NetworkGraph {
	nf.mu.Lock()
	defer nf.mu.Unlock()
	b := "exact"
	if nf.cfg.Options.ApproxBetweenness {
		b = "approx"
	}
	c := nf.cfg.Options.Communities
	if c == "" {
		c = "infomap"
	}
	return &report.NetworkGraph{Scope: nf.cfg.Scope, Measures: slices.Clone(nf.measures), Communities: c,
		Betweenness: b, UnknownRows: nf.unknown}
}

// appendZeroColumns widens frame by zero-valued columns named names.
func appendZeroColumns(f *dataset.Frame, names []string) {
	w := f.Features + len(names)
	x := make([]float32, f.Rows*w)
	for i := range f.Rows {
		copy(x[i*w:], f.X[i*f.Features:(i+1)*f.Features])
	}
	f.X, f.Features = x, w
	f.FeatureNames = append(slices.Clone(f.FeatureNames), names...)
}

// computedSchema adds the computed columns to a schema's inputs, so that
// predict asks for them by name (data prepared by `tfnids graph features`
// has them; raw data gets a missing-columns error naming them).
func computedSchema(s dataset.Schema, names []string) dataset.Schema {
	for _, n := range names {
		if !slices.ContainsFunc(s.Inputs, func(in dataset.SchemaInput) bool { return in.Column == n }) {
			s.Inputs = append(s.Inputs, dataset.SchemaInput{Column: n})
		}
	}
	return s
}

// graphKey is the part of a GraphConfig that changes the features.
type graphKey struct {
	Scope, Communities string
	Measures           []string
	Approx             bool
	Epsilon, Delta     float64
	Seed               uint64
}

func newGraphKey(g *GraphConfig) *graphKey {
	if g == nil {
		return nil
	}
	o := g.Options
	return &graphKey{Scope: g.Scope, Communities: o.Communities, Measures: o.Measures, Approx: o.ApproxBetweenness,
		Epsilon: o.Epsilon, Delta: o.Delta, Seed: o.Seed}
}
