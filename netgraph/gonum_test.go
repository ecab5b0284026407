package netgraph

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/graph/network"
	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"
)

// randomGraph returns a directed graph of n nodes with about m distinct
// edges, a few self-loops and reciprocal pairs among them.
func randomGraph(n, m int, seed uint64) *Graph {
	r := rand.New(rand.NewPCG(seed, 1))
	seen := map[[2]int32]bool{}
	var u, v []int32
	for len(u) < m {
		a, b := int32(r.IntN(n)), int32(r.IntN(n))
		if r.IntN(4) == 0 { // skew towards a few hubs, like IP graphs
			a = int32(r.IntN(3))
		}
		if seen[[2]int32{a, b}] {
			continue
		}
		seen[[2]int32{a, b}] = true
		u, v = append(u, a), append(v, b)
	}
	return FromEdges(n, u, v)
}

func gonumDirected(g *Graph) *simple.DirectedGraph {
	d := simple.NewDirectedGraph()
	for i := range g.Nodes() {
		d.AddNode(simple.Node(i))
	}
	for u := range g.Nodes() {
		for _, v := range g.Successors(u) {
			if int(v) != u {
				d.SetEdge(simple.Edge{F: simple.Node(u), T: simple.Node(v)})
			}
		}
	}
	return d
}

func TestBetweennessAgreesWithGonum(t *testing.T) {
	g := randomGraph(300, 900, 3)
	got, err := rawBetweenness(context.Background(), g.outAdj(), g.inAdj(), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := network.Betweenness(gonumDirected(g))
	for i, v := range got {
		// both sum the same integer path-count ratios in another order
		if math.Abs(v-want[int64(i)]) > 1e-9*math.Max(1, v) {
			t.Fatalf("node %d: %g, gonum %g", i, v, want[int64(i)])
		}
	}
}

func TestPageRankAgreesWithGonum(t *testing.T) {
	g := randomGraph(400, 1200, 4)
	// gonum's simple graphs hold no self-loops: compare without them
	got, err := pagerank(g.loopFree(), 0.85, 1000, 1e-15)
	if err != nil {
		t.Fatal(err)
	}
	want := network.PageRankSparse(gonumDirected(g), 0.85, 1e-12)
	for i, v := range got {
		// both iterate to a tight tolerance from different starts
		if math.Abs(v-want[int64(i)]) > 1e-6 {
			t.Fatalf("node %d: %g, gonum %g", i, v, want[int64(i)])
		}
	}
}

func TestCoreNumbersAgreeWithGonum(t *testing.T) {
	g := randomGraph(500, 1500, 5)
	// gonum's cores are of the simple undirected graph: peel the same
	und := g.undirected(func(u, v int32) bool { return u != v })
	got := peel(und)
	ug := simple.NewUndirectedGraph()
	for i := range g.Nodes() {
		ug.AddNode(simple.Node(i))
	}
	for u := range und.n() {
		for _, v := range und.nbrs(int32(u)) {
			ug.SetEdge(simple.Edge{F: simple.Node(u), T: simple.Node(v)})
		}
	}
	_, cores := topo.DegeneracyOrdering(ug)
	for k, nodes := range cores {
		for _, nd := range nodes {
			if got[nd.ID()] != int32(k) {
				t.Fatalf("node %d: core %d, gonum %d", nd.ID(), got[nd.ID()], k)
			}
		}
	}
}

func TestApproxBetweennessIndependentOfWorkers(t *testing.T) {
	g := randomGraph(200, 600, 6)
	und := g.undirected(nil)
	a, _, _ := approxBetweenness(context.Background(), g.outAdj(), g.inAdj(), und, 0.05, 0.1, 9, 1)
	b, _, _ := approxBetweenness(context.Background(), g.outAdj(), g.inAdj(), und, 0.05, 0.1, 9, 3)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("node %d: %g with 1 worker, %g with 3", i, a[i], b[i])
		}
	}
}

func TestBadInput(t *testing.T) {
	g, st := Build([]string{"10.0.0.1", "", "fe80::1", "not-an-ip", "10.0.0.1"},
		[]string{"10.0.0.2", "10.0.0.2", "10.0.0.1", "10.0.0.3", "10.0.0.2"})
	if st.InvalidRows != 2 || st.FirstInvalid != 1 {
		t.Errorf("invalid rows %d first %d, want 2 and 1", st.InvalidRows, st.FirstInvalid)
	}
	if g.Nodes() != 3 || g.Edges() != 2 {
		t.Errorf("%d nodes %d edges, want 3 and 2 (IPv6 is a node, duplicates one edge)", g.Nodes(), g.Edges())
	}
	_, err := g.Compute(context.Background(), Options{Measures: []string{Betweenness}, ExactLimit: 1})
	var big *TooBigError
	if !errors.As(err, &big) {
		t.Errorf("exact betweenness over a 1ns limit: %v, want *TooBigError", err)
	}
	if _, err := ParseMeasures("degree,bogus"); err == nil {
		t.Error("unknown measure accepted")
	}
}

// TestClosenessMatchesPlainSearch checks the bit-parallel, parent-derived
// closeness against one plain search per node on graphs with many
// single-predecessor nodes, self-loops and more than 64 searches.
func TestClosenessMatchesPlainSearch(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		g := randomGraph(400, 700, seed)
		got, err := closeness(context.Background(), g.inAdj(), 2)
		if err != nil {
			t.Fatal(err)
		}
		n := g.Nodes()
		for s := range n {
			dist := map[int32]int{int32(s): 0}
			queue := []int32{int32(s)}
			tot := 0
			for h := 0; h < len(queue); h++ {
				for _, w := range g.Predecessors(int(queue[h])) {
					if _, ok := dist[w]; !ok {
						dist[w] = dist[queue[h]] + 1
						tot += dist[w]
						queue = append(queue, w)
					}
				}
			}
			want := 0.0
			if r := len(queue) - 1; tot > 0 {
				want = float64(r) / float64(tot) * float64(r) / float64(n-1)
			}
			if math.Abs(got[s]-want) > 1e-12 {
				t.Fatalf("seed %d node %d: %g, plain search %g", seed, s, got[s], want)
			}
		}
	}
}
