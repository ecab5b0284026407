package netgraph

import "slices"

// Summary describes a graph's shape.
type Summary struct {
	Nodes     int `json:"nodes"`
	Edges     int `json:"edges"`
	SelfLoops int `json:"self_loops"`
	// MaxDegree and AvgDegree are of in+out degree.
	MaxDegree int     `json:"max_degree"`
	AvgDegree float64 `json:"avg_degree"`
	// Density is edges/(n(n−1)), networkx's directed density.
	Density float64 `json:"density"`
	// Transitivity is 3·triangles/connected triples of the simple
	// undirected graph without self-loops (networkx's transitivity of
	// G.to_undirected()).
	Transitivity float64 `json:"transitivity"`
	// WeakComponents counts weakly connected components.
	WeakComponents int `json:"weak_components"`
}

// Summarize measures the graph's shape.
func (g *Graph) Summarize() Summary {
	n := g.Nodes()
	s := Summary{Nodes: n, Edges: g.Edges(), SelfLoops: g.SelfLoops()}
	for u := range n {
		d := len(g.Successors(u)) + len(g.Predecessors(u))
		s.MaxDegree = max(s.MaxDegree, d)
	}
	if n > 0 {
		s.AvgDegree = 2 * float64(g.Edges()) / float64(n)
	}
	if n > 1 {
		s.Density = float64(g.Edges()) / (float64(n) * float64(n-1))
	}
	und := g.undirected(func(u, v int32) bool { return u != v })
	var tri, triples float64
	for u := range n {
		d := float64(und.degree(int32(u)))
		triples += d * (d - 1) / 2
		nu := und.nbrs(int32(u))
		for _, v := range nu {
			if v <= int32(u) {
				continue
			}
			// count w > v adjacent to both: each triangle once
			nv := und.nbrs(v)
			i, _ := slices.BinarySearch(nu, v+1)
			j, _ := slices.BinarySearch(nv, v+1)
			for i < len(nu) && j < len(nv) {
				switch {
				case nu[i] < nv[j]:
					i++
				case nu[i] > nv[j]:
					j++
				default:
					tri++
					i++
					j++
				}
			}
		}
	}
	if triples > 0 {
		s.Transitivity = 3 * tri / triples
	}
	seen := make([]bool, n)
	var stack []int32
	for u := range n {
		if seen[u] {
			continue
		}
		s.WeakComponents++
		seen[u] = true
		stack = append(stack[:0], int32(u))
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, w := range und.nbrs(v) {
				if !seen[w] {
					seen[w] = true
					stack = append(stack, w)
				}
			}
		}
	}
	return s
}

// MixingParameter is the fraction of the undirected edges (self-loops
// excluded) that join two communities.
func (g *Graph) MixingParameter(membership []int32) float64 {
	und := g.undirected(func(u, v int32) bool { return u != v })
	if und.edges() == 0 {
		return 0
	}
	across := 0
	for u := range und.n() {
		for _, v := range und.nbrs(int32(u)) {
			if membership[u] != membership[v] {
				across++
			}
		}
	}
	return float64(across) / float64(und.edges())
}
