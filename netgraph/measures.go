package netgraph

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The measure names, GDLC's spelling.
const (
	Betweenness       = "betweenness"
	LocalBetweenness  = "local_betweenness"
	GlobalBetweenness = "global_betweenness"
	Degree            = "degree"
	LocalDegree       = "local_degree"
	GlobalDegree      = "global_degree"
	Eigenvector       = "eigenvector"
	Closeness         = "closeness"
	PageRank          = "pagerank"
	LocalPageRank     = "local_pagerank"
	GlobalPageRank    = "global_pagerank"
	KCore             = "k_core"
	KTruss            = "k_truss"
	Comm              = "Comm"
)

// Type1 are the study's type-1 measures (CIC-ToN-IoT), in its order.
func Type1() []string {
	return []string{Betweenness, LocalBetweenness, Degree, LocalDegree, Eigenvector, Closeness,
		PageRank, LocalPageRank, KCore, KTruss, Comm}
}

// Type2 are the study's type-2 measures: type 1 with global_* variants.
func Type2() []string {
	return append(Type1(), GlobalBetweenness, GlobalDegree, GlobalPageRank)
}

// ParseMeasures reads a comma-separated list; "type1", "type2" and "" name
// the study's sets.
func ParseMeasures(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "type1":
		return Type1(), nil
	case "type2", "all":
		return Type2(), nil
	}
	known := Type2()
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		i := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, p) })
		if i < 0 {
			return nil, fmt.Errorf("netgraph: unknown measure %q (known: %s)", p, strings.Join(known, ", "))
		}
		if !slices.Contains(out, known[i]) {
			out = append(out, known[i])
		}
	}
	return out, nil
}

// Options control Compute; the zero value is the study's configuration
// with exact betweenness and Infomap.
type Options struct {
	// Measures to compute; nil means Type1.
	Measures []string
	// Communities is "infomap" (default) or "louvain".
	Communities string
	// Membership, when set, is used as the partition instead of detecting
	// one (tests pass igraph's).
	Membership []int32
	// ApproxBetweenness estimates betweenness measures by
	// Riondato–Kornaropoulos sampling with Epsilon and Delta.
	ApproxBetweenness bool
	// Epsilon and Delta of the approximation; 0 means 0.01 and 0.1.
	Epsilon, Delta float64
	// ExactLimit refuses exact betweenness whose extrapolated time exceeds
	// it with a *TooBigError; 0 means no limit.
	ExactLimit time.Duration
	// Seed seeds Infomap, Louvain, the sampling and Comm's R.
	Seed uint64
	// Workers bounds parallelism; 0 means GOMAXPROCS.
	Workers int
	// Progress, when set, is told when each measure starts.
	Progress func(measure string)
}

// Result holds per-node measures and what was learnt on the way.
type Result struct {
	// Values maps a measure name to one value per node id.
	Values map[string][]float64
	// Measures lists the computed measures in request order.
	Measures []string
	// Membership is the community of each node, nil when no measure
	// needed communities.
	Membership []int32
	// Codelength is Infomap's codelength in bits (0 for Louvain).
	Codelength float64
	// Samples is the number of sampled pairs per approximate betweenness.
	Samples int
	// CommR is the R used by Comm (0 when not computed).
	CommR int
	// Timings is the wall time per measure (and "communities").
	Timings map[string]time.Duration
}

func needsCommunities(ms []string) bool {
	for _, m := range ms {
		if strings.HasPrefix(m, "local_") || strings.HasPrefix(m, "global_") || m == Comm {
			return true
		}
	}
	return false
}

// Compute computes the requested measures of every node.
func (g *Graph) Compute(ctx context.Context, o Options) (*Result, error) {
	ms := o.Measures
	if ms == nil {
		ms = Type1()
	}
	eps, delta := o.Epsilon, o.Delta
	if eps == 0 {
		eps = 0.01
	}
	if delta == 0 {
		delta = 0.1
	}
	r := &Result{Values: map[string][]float64{}, Measures: slices.Clone(ms), Timings: map[string]time.Duration{}}
	n := g.Nodes()
	var intra, inter adjacency
	if needsCommunities(ms) {
		t0 := time.Now()
		if o.Progress != nil {
			o.Progress("communities")
		}
		switch {
		case o.Membership != nil:
			if len(o.Membership) != n {
				return nil, fmt.Errorf("netgraph: membership has %d entries for %d nodes", len(o.Membership), n)
			}
			r.Membership = o.Membership
		case o.Communities == "" || o.Communities == "infomap":
			r.Membership, r.Codelength = g.infomap(InfomapOptions{Seed: o.Seed, Workers: o.Workers})
		case o.Communities == "louvain":
			r.Membership = g.louvain(o.Seed)
		default:
			return nil, fmt.Errorf("netgraph: unknown community method %q (want infomap or louvain)", o.Communities)
		}
		intra, inter = g.split(r.Membership)
		r.Timings["communities"] = time.Since(t0)
	}
	betw := func(fwd, back, und adjacency) ([]float64, error) {
		if o.ApproxBetweenness {
			// sampling pays only when it needs fewer searches than there
			// are sources; otherwise the exact answer is cheaper
			if k := approxSamples(eps, delta, vertexDiameterBound(und)); k < fwd.n() {
				v, s, err := approxBetweenness(ctx, fwd, back, und, eps, delta, o.Seed, o.Workers)
				r.Samples = s
				return v, err
			}
		}
		if o.ExactLimit > 0 {
			if est := estimateExact(fwd, back, o.Workers, o.Seed); est > o.ExactLimit {
				return nil, &TooBigError{Nodes: fwd.n(), Edges: fwd.edges(), Estimate: est, Limit: o.ExactLimit}
			}
		}
		v, err := rawBetweenness(ctx, fwd, back, o.Workers, nil)
		if err != nil {
			return nil, err
		}
		s := betweennessScale(fwd.n())
		for i := range v {
			v[i] *= s
		}
		return v, nil
	}
	undBetw := func(a adjacency) ([]float64, error) {
		v, err := betw(a, a, a)
		if err != nil {
			return nil, err
		}
		// each unordered pair was counted from both ends (or sampled as
		// two ordered pairs); igraph counts it once
		for i := range v {
			v[i] /= 2
		}
		return v, nil
	}
	for _, m := range ms {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if o.Progress != nil {
			o.Progress(m)
		}
		t0 := time.Now()
		var v []float64
		var err error
		switch m {
		case Betweenness:
			if n > 0 {
				v, err = betw(g.outAdj(), g.inAdj(), g.undirected(nil))
			}
		case LocalBetweenness:
			v, err = undBetw(intra)
		case GlobalBetweenness:
			v, err = undBetw(inter)
		case Degree:
			v = g.degreeDirected()
		case LocalDegree:
			v = degreeUndirected(intra)
		case GlobalDegree:
			v = degreeUndirected(inter)
		case Eigenvector:
			v, err = eigenvector(g.outAdj(), 600, 1e-6)
		case Closeness:
			v, err = closeness(ctx, g.inAdj(), o.Workers)
		case PageRank:
			v, err = pagerank(g.outAdj(), 0.85, 100, 1e-6)
		case LocalPageRank:
			v, err = pagerank(intra, 0.85, 100, 1e-6)
		case GlobalPageRank:
			v, err = pagerank(inter, 0.85, 100, 1e-6)
		case KCore:
			v = divMax(g.coreNumbers())
		case KTruss:
			v = divMax(g.trussNumbers())
		case Comm:
			r.CommR = CommR(o.Seed)
			v = g.commCentrality(r.Membership, float64(r.CommR))
		default:
			return nil, fmt.Errorf("netgraph: unknown measure %q", m)
		}
		if err != nil {
			return nil, fmt.Errorf("netgraph: %s: %w", m, err)
		}
		if v == nil {
			v = make([]float64, n)
		}
		r.Values[m] = v
		r.Timings[m] = time.Since(t0)
	}
	return r, nil
}
