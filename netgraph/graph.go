package netgraph

import (
	"net/netip"
	"slices"
	"strings"
)

// Graph is the directed who-talks-to-whom graph of a flow table: one node
// per IP address, one unweighted edge per ordered (source, destination)
// pair however many flows it carries (a networkx DiGraph). Self-loops are
// kept (they count for degree); the measures that ignore them say so.
//
// Adjacency is held in compressed sparse row form, successors and
// predecessors both, each list sorted by node id.
type Graph struct {
	// Names maps a node id to its address as written in the data.
	Names []string
	index map[string]int32

	outOff, out []int32
	inOff, in   []int32
	selfLoops   int
}

// BuildStats says what Build made of its rows.
type BuildStats struct {
	// Rows is the number of rows seen.
	Rows int
	// InvalidRows counts rows whose source or destination is not an IP
	// address (empty, "-", a hostname): they add no edge and their flow
	// features are -1.
	InvalidRows int
	// FirstInvalid is the 0-based index of the first invalid row, -1 when
	// there is none.
	FirstInvalid int
}

// Build makes the graph of the rows src[i] → dst[i]. Addresses are
// trimmed and must parse as IPv4 or IPv6 (netip.ParseAddr); rows where
// either does not are counted in BuildStats and skipped. Node ids follow
// first appearance (source before destination), as networkx's
// from_pandas_edgelist orders them.
func Build(src, dst []string) (*Graph, BuildStats) {
	st := BuildStats{Rows: len(src), FirstInvalid: -1}
	g := &Graph{index: make(map[string]int32)}
	id := func(s string) int32 {
		if v, ok := g.index[s]; ok {
			return v
		}
		v := int32(len(g.Names))
		g.index[s] = v
		g.Names = append(g.Names, s)
		return v
	}
	type pair struct{ u, v int32 }
	seen := make(map[pair]struct{})
	var edges []pair
	for i := range src {
		s, d := strings.TrimSpace(src[i]), strings.TrimSpace(dst[i])
		if !ValidIP(s) || !ValidIP(d) {
			st.InvalidRows++
			if st.FirstInvalid < 0 {
				st.FirstInvalid = i
			}
			continue
		}
		p := pair{id(s), id(d)}
		if _, ok := seen[p]; ok {
			continue
		}
		seen[p] = struct{}{}
		edges = append(edges, p)
	}
	us := make([]int32, len(edges))
	vs := make([]int32, len(edges))
	for i, e := range edges {
		us[i], vs[i] = e.u, e.v
	}
	g.setEdges(us, vs)
	return g, st
}

// FromEdges builds a graph of n nodes named "0".."n-1" from distinct
// directed edges u[i] → v[i]; benchmarks and tests use it.
func FromEdges(n int, u, v []int32) *Graph {
	g := &Graph{index: make(map[string]int32, n), Names: make([]string, n)}
	for i := range n {
		g.Names[i] = itoa(i)
		g.index[g.Names[i]] = int32(i)
	}
	g.setEdges(slices.Clone(u), slices.Clone(v))
	return g
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	if i == 0 {
		return "0"
	}
	for i > 0 {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
	}
	return string(b[p:])
}

// ValidIP reports whether s (already trimmed) is an IPv4 or IPv6 address.
func ValidIP(s string) bool {
	if s == "" {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

func (g *Graph) setEdges(us, vs []int32) {
	n := len(g.Names)
	g.outOff, g.out = csr(n, us, vs)
	g.inOff, g.in = csr(n, vs, us)
	g.selfLoops = 0
	for i := range us {
		if us[i] == vs[i] {
			g.selfLoops++
		}
	}
}

// csr groups edges by from[i], each row sorted.
func csr(n int, from, to []int32) (off, adj []int32) {
	off = make([]int32, n+1)
	for _, f := range from {
		off[f+1]++
	}
	for i := range n {
		off[i+1] += off[i]
	}
	adj = make([]int32, len(from))
	pos := slices.Clone(off[:n])
	for i, f := range from {
		adj[pos[f]] = to[i]
		pos[f]++
	}
	for i := range n {
		slices.Sort(adj[off[i]:off[i+1]])
	}
	return off, adj
}

// Nodes is the number of nodes.
func (g *Graph) Nodes() int { return len(g.Names) }

// Edges is the number of directed edges, self-loops included.
func (g *Graph) Edges() int { return len(g.out) }

// SelfLoops is the number of self-loop edges.
func (g *Graph) SelfLoops() int { return g.selfLoops }

// Node returns the id of an address (trimmed) and whether it is a node.
func (g *Graph) Node(ip string) (int, bool) {
	v, ok := g.index[strings.TrimSpace(ip)]
	return int(v), ok
}

// Successors returns the sorted successors of node u (shared storage).
func (g *Graph) Successors(u int) []int32 { return g.out[g.outOff[u]:g.outOff[u+1]] }

// Predecessors returns the sorted predecessors of node u (shared storage).
func (g *Graph) Predecessors(u int) []int32 { return g.in[g.inOff[u]:g.inOff[u+1]] }

// adjacency is a CSR adjacency list: the neighbours of u are
// adj[off[u]:off[u+1]].
type adjacency struct {
	off, adj []int32
}

func (a adjacency) n() int               { return len(a.off) - 1 }
func (a adjacency) nbrs(u int32) []int32 { return a.adj[a.off[u]:a.off[u+1]] }
func (g *Graph) outAdj() adjacency       { return adjacency{g.outOff, g.out} }
func (g *Graph) inAdj() adjacency        { return adjacency{g.inOff, g.in} }
func (a adjacency) degree(u int32) int32 { return a.off[u+1] - a.off[u] }
func (a adjacency) edges() int           { return len(a.adj) }

// undirected returns the simple undirected graph over the same nodes:
// u–v when u→v or v→u is an edge and keep(u, v) holds. A self-loop
// appears once in its node's list (networkx's Graph holds it once; its
// degree counts it twice).
func (g *Graph) undirected(keep func(u, v int32) bool) adjacency {
	n := g.Nodes()
	var us, vs []int32
	for u := range n {
		uu := int32(u)
		// merge successors and predecessors, both sorted, without duplicates
		a, b := g.Successors(u), g.Predecessors(u)
		i, j := 0, 0
		for i < len(a) || j < len(b) {
			var w int32
			switch {
			case j >= len(b) || (i < len(a) && a[i] < b[j]):
				w = a[i]
				i++
			case i >= len(a) || b[j] < a[i]:
				w = b[j]
				j++
			default:
				w = a[i]
				i++
				j++
			}
			if keep == nil || keep(uu, w) {
				us = append(us, uu)
				vs = append(vs, w)
			}
		}
	}
	off, adj := csr(n, us, vs)
	return adjacency{off, adj}
}

// loopFree is the successor adjacency without self-loops.
func (g *Graph) loopFree() adjacency {
	if g.selfLoops == 0 {
		return g.outAdj()
	}
	n := g.Nodes()
	off := make([]int32, n+1)
	adj := make([]int32, 0, len(g.out)-g.selfLoops)
	for u := range n {
		for _, v := range g.Successors(u) {
			if int(v) != u {
				adj = append(adj, v)
			}
		}
		off[u+1] = int32(len(adj))
	}
	return adjacency{off, adj}
}
