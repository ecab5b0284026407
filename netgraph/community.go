package netgraph

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/graph/community"
	"gonum.org/v1/gonum/graph/simple"
)

// louvain partitions the undirected simple version of g (self-loops
// dropped) with gonum's Louvain modularity optimisation (resolution 1).
func (g *Graph) louvain(seed uint64) []int32 {
	n := g.Nodes()
	ug := simple.NewUndirectedGraph()
	for i := range n {
		ug.AddNode(simple.Node(i))
	}
	und := g.undirected(func(u, v int32) bool { return u < v })
	for u := range n {
		for _, v := range und.nbrs(int32(u)) {
			ug.SetEdge(simple.Edge{F: simple.Node(u), T: simple.Node(v)})
		}
	}
	red := community.Modularize(ug, 1, rand.NewPCG(seed, 0x10ba1))
	out := make([]int32, n)
	for k, c := range red.Communities() {
		for _, nd := range c {
			out[nd.ID()] = int32(k)
		}
	}
	return relabel(out)
}

// Modularity is the modularity (resolution 1) of a partition of the
// undirected simple version of g without self-loops, as igraph and
// networkx compute it for an undirected graph.
func (g *Graph) Modularity(membership []int32) float64 {
	und := g.undirected(func(u, v int32) bool { return u != v })
	m2 := float64(und.edges()) // 2m
	if m2 == 0 {
		return 0
	}
	k := int32(0)
	for _, c := range membership {
		k = max(k, c+1)
	}
	in := make([]float64, k)
	tot := make([]float64, k)
	for u := range und.n() {
		cu := membership[u]
		tot[cu] += float64(und.degree(int32(u)))
		for _, v := range und.nbrs(int32(u)) {
			if membership[v] == cu {
				in[cu]++
			}
		}
	}
	q := 0.0
	for c := range k {
		q += in[c]/m2 - (tot[c]/m2)*(tot[c]/m2)
	}
	return q
}

// split returns the undirected intra-community graph (edges inside a
// community, self-loops included) and inter-community graph (edges across
// communities), both over all nodes: GDLC's separate_graph.
func (g *Graph) split(membership []int32) (intra, inter adjacency) {
	intra = g.undirected(func(u, v int32) bool { return membership[u] == membership[v] })
	inter = g.undirected(func(u, v int32) bool { return membership[u] != membership[v] })
	return intra, inter
}

// commCentrality is GDLC's community centrality on the graph without
// self-loops: with k = in+out degree, kin the successors in the node's own
// community and kout = k − kin, μc the mean kout/k over the community's
// nodes with k > 0, maxkin and maxkout the community's maxima,
// (1+μc)·(kin/maxkin)·R + (1−μc)·((kout/maxkout)·R)² (0 where maxkin = 0;
// kout/maxkout read as kout when maxkout = 0), min-max scaled over all
// nodes. R is GDLC's random integer in [1, 50] (see CommR).
func (g *Graph) commCentrality(membership []int32, R float64) []float64 {
	n := g.Nodes()
	k := int32(0)
	for _, c := range membership {
		k = max(k, c+1)
	}
	kin := make([]float64, n)
	kout := make([]float64, n)
	mu := make([]float64, k)
	cnt := make([]float64, k)
	maxin := make([]float64, k)
	maxout := make([]float64, k)
	for u := range n {
		deg := 0
		for _, v := range g.Successors(u) {
			if int(v) != u {
				deg++
				if membership[v] == membership[u] {
					kin[u]++
				}
			}
		}
		for _, v := range g.Predecessors(u) {
			if int(v) != u {
				deg++
			}
		}
		kout[u] = float64(deg) - kin[u]
		c := membership[u]
		if deg > 0 {
			mu[c] += kout[u] / float64(deg)
			cnt[c]++
		}
		maxin[c] = max(maxin[c], kin[u])
		maxout[c] = max(maxout[c], kout[u])
	}
	for c := range k {
		if cnt[c] > 0 {
			mu[c] /= cnt[c]
		}
	}
	out := make([]float64, n)
	for u := range n {
		c := membership[u]
		if maxin[c] == 0 {
			continue
		}
		b := kout[u]
		if maxout[c] != 0 {
			b /= maxout[c]
		}
		b *= R
		out[u] = (1+mu[c])*(kin[u]/maxin[c]*R) + (1-mu[c])*b*b
	}
	return minMax(out)
}

// minMax scales to [0, 1]; all zeros when every value is equal.
func minMax(x []float64) []float64 {
	if len(x) == 0 {
		return x
	}
	lo, hi := x[0], x[0]
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	out := make([]float64, len(x))
	if hi == lo {
		return out
	}
	for i, v := range x {
		out[i] = (v - lo) / (hi - lo)
	}
	return out
}

// divMax divides by the maximum (GDLC's hm_rescale); all zeros when the
// maximum is 0.
func divMax(x []int32) []float64 {
	m := int32(0)
	for _, v := range x {
		m = max(m, v)
	}
	out := make([]float64, len(x))
	if m == 0 {
		return out
	}
	for i, v := range x {
		out[i] = float64(v) / float64(m)
	}
	return out
}

// CommR is the R of community centrality drawn from seed: GDLC draws one
// integer in [1, 50] unseeded; tfnids draws it from the run's seed.
func CommR(seed uint64) int { return rand.New(rand.NewPCG(seed, 0xc0)).IntN(50) + 1 }
