package netgraph

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// brandes holds one worker's scratch arrays for a single-source pass.
type brandes struct {
	dist  []int32
	sigma []float64
	delta []float64
	order []int32
	acc   []float64
}

func newBrandes(n int) *brandes {
	b := &brandes{dist: make([]int32, n), sigma: make([]float64, n), delta: make([]float64, n),
		order: make([]int32, 0, n), acc: make([]float64, n)}
	for i := range b.dist {
		b.dist[i] = -1
	}
	return b
}

// bfs runs the counting breadth-first search from s over fwd, leaving the
// visit order in b.order. stop ≥ 0 ends the search once the level of stop is
// complete (approximate betweenness needs no more).
func (b *brandes) bfs(fwd adjacency, s, stop int32) {
	for _, v := range b.order {
		b.dist[v] = -1
		b.sigma[v] = 0
		b.delta[v] = 0
	}
	b.order = b.order[:0]
	b.dist[s] = 0
	b.sigma[s] = 1
	b.order = append(b.order, s)
	stopAt := int32(math.MaxInt32)
	for head := 0; head < len(b.order); head++ {
		v := b.order[head]
		dv := b.dist[v]
		if dv >= stopAt {
			break
		}
		for _, w := range fwd.nbrs(v) {
			if b.dist[w] < 0 {
				b.dist[w] = dv + 1
				b.order = append(b.order, w)
				if w == stop {
					stopAt = dv + 1
				}
			}
			if b.dist[w] == dv+1 {
				b.sigma[w] += b.sigma[v]
			}
		}
	}
}

// accumulate adds source s's dependencies (Brandes' back-propagation) to
// b.acc; back lists each node's predecessors in fwd.
func (b *brandes) accumulate(back adjacency, s int32) {
	for i := len(b.order) - 1; i > 0; i-- {
		w := b.order[i]
		dw := b.dist[w]
		coef := (1 + b.delta[w]) / b.sigma[w]
		for _, v := range back.nbrs(w) {
			if b.dist[v] == dw-1 && dw > 0 {
				b.delta[v] += b.sigma[v] * coef
			}
		}
		b.acc[w] += b.delta[w]
	}
}

// rawBetweenness returns, per node, the sum over ordered pairs (s, t) of the
// fraction of shortest s→t paths through it (s, t excluded): Brandes'
// algorithm, sources spread over workers. For a symmetric adjacency each
// unordered pair is counted twice.
func rawBetweenness(ctx context.Context, fwd, back adjacency, workers int, progress func(done int)) ([]float64, error) {
	n := fwd.n()
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	var done atomic.Int64
	parts := make([][]float64, workers)
	var wg sync.WaitGroup
	var stopped atomic.Bool
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newBrandes(n)
			for {
				s := next.Add(1) - 1
				if s >= int64(n) || stopped.Load() {
					break
				}
				if s%256 == 0 && ctx.Err() != nil {
					stopped.Store(true)
					break
				}
				b.bfs(fwd, int32(s), -1)
				b.accumulate(back, int32(s))
				if d := done.Add(1); progress != nil && d%1024 == 0 {
					progress(int(d))
				}
			}
			parts[w] = b.acc
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]float64, n)
	for _, p := range parts {
		for i, x := range p {
			out[i] += x
		}
	}
	return out, nil
}

// betweennessScale is GDLC's rescaling of igraph's betweenness:
// 1/((n−1)(n−2)), none for n ≤ 2.
func betweennessScale(n int) float64 {
	if n <= 2 {
		return 1
	}
	return 1 / (float64(n-1) * float64(n-2))
}

// TooBigError says exact betweenness would take longer than allowed.
type TooBigError struct {
	Nodes, Edges int
	// Estimate is the extrapolated time of the exact computation.
	Estimate time.Duration
	// Limit is the time allowed.
	Limit time.Duration
}

func (e *TooBigError) Error() string {
	return fmt.Sprintf("netgraph: exact betweenness on %d nodes and %d edges would take about %s (limit %s); "+
		"use approximate betweenness (approx, ε=0.01) instead", e.Nodes, e.Edges,
		e.Estimate.Round(time.Second), e.Limit)
}

// estimateExact times a few single-source passes and extrapolates to all n
// sources on the given number of workers.
func estimateExact(fwd, back adjacency, workers int, seed uint64) time.Duration {
	n := fwd.n()
	if n == 0 {
		return 0
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	b := newBrandes(n)
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	k := min(n, 16)
	start := time.Now()
	for range k {
		s := int32(r.IntN(n))
		b.bfs(fwd, s, -1)
		b.accumulate(back, s)
	}
	per := time.Since(start) / time.Duration(k)
	return per * time.Duration(n) / time.Duration(workers)
}

// approxSamples is Riondato–Kornaropoulos' sample size for additive error
// eps with probability 1−delta, given a vertex-diameter bound vd (the most
// nodes on a shortest path); c = 0.5 as in their paper.
func approxSamples(eps, delta float64, vd int) int {
	if vd < 3 {
		vd = 3
	}
	d := math.Floor(math.Log2(float64(vd-2))) + 1
	if vd-2 < 1 {
		d = 1
	}
	r := 0.5 / (eps * eps) * (d + math.Log(1/delta))
	return int(math.Ceil(r))
}

// vertexDiameterBound bounds the number of nodes on a shortest path: twice
// the eccentricity, in the undirected version of the graph, of one node of
// each weakly connected component, plus one. It bounds the undirected
// vertex diameter; directed shortest paths can be longer in contrived
// graphs, which docs/graph.md notes.
func vertexDiameterBound(und adjacency) int {
	n := und.n()
	dist := make([]int32, n)
	for i := range dist {
		dist[i] = -1
	}
	best := 1
	var queue []int32
	for s := range n {
		if dist[s] >= 0 {
			continue
		}
		queue = append(queue[:0], int32(s))
		dist[s] = 0
		ecc := int32(0)
		for h := 0; h < len(queue); h++ {
			v := queue[h]
			for _, w := range und.nbrs(v) {
				if dist[w] < 0 {
					dist[w] = dist[v] + 1
					ecc = max(ecc, dist[w])
					queue = append(queue, w)
				}
			}
		}
		best = max(best, 2*int(ecc)+1)
	}
	return best
}

// approxBetweenness estimates normalized betweenness (same scale as the
// exact measure) by Riondato–Kornaropoulos sampling: r uniform node pairs,
// one uniform shortest path each (balanced bidirectional search), every
// interior node credited. Samples
// are drawn in fixed chunks, each with its own seeded generator, and
// credits are integers, so the result does not depend on workers.
func approxBetweenness(ctx context.Context, fwd, back, und adjacency, eps, delta float64, seed uint64, workers int) ([]float64, int, error) {
	n := fwd.n()
	out := make([]float64, n)
	if n <= 2 {
		return out, 0, nil
	}
	r := approxSamples(eps, delta, vertexDiameterBound(und))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 512
	chunks := (r + chunk - 1) / chunk
	var next atomic.Int64
	counts := make([][]int32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newBidir(n)
			cnt := make([]int32, n)
			credit := func(v int32) { cnt[v]++ }
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks || ctx.Err() != nil {
					break
				}
				rng := rand.New(rand.NewPCG(seed, uint64(c)))
				for i := c * chunk; i < min(r, (c+1)*chunk); i++ {
					s := int32(rng.IntN(n))
					t := int32(rng.IntN(n - 1))
					if t >= s {
						t++
					}
					b.sample(fwd, back, s, t, rng, credit)
				}
			}
			counts[w] = cnt
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	// RK estimate b(v)/(n(n−1)); rescale to 1/((n−1)(n−2)).
	f := float64(n) / float64(n-2) / float64(r)
	for _, c := range counts {
		for i, x := range c {
			out[i] += float64(x)
		}
	}
	for i := range out {
		out[i] *= f
	}
	return out, r, nil
}

// TimeExactSources times k single-source passes of exact betweenness from
// seeded random sources on one core and returns the mean time per source:
// the basis of an extrapolated estimate for graphs too large to finish.
func TimeExactSources(g *Graph, k int, seed uint64) (time.Duration, error) {
	n := g.Nodes()
	if n == 0 || k <= 0 {
		return 0, fmt.Errorf("netgraph: time %d sources of a %d-node graph", k, n)
	}
	b := newBrandes(n)
	r := rand.New(rand.NewPCG(seed, 0x7157))
	fwd, back := g.outAdj(), g.inAdj()
	start := time.Now()
	for range k {
		s := int32(r.IntN(n))
		b.bfs(fwd, s, -1)
		b.accumulate(back, s)
	}
	return time.Since(start) / time.Duration(k), nil
}
