package netgraph

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/pyenv"
)

// readIPs reads the two address columns of every CSV (plain or gzip) in
// dir, in name order.
func readIPs(t *testing.T, dir, srcCol, dstCol string) (src, dst []string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv*"))
	slices.Sort(files)
	if len(files) == 0 {
		t.Fatalf("no CSV in %s", dir)
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = bufio.NewReader(fh)
		if strings.HasSuffix(f, ".gz") {
			zr, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		}
		cr := csv.NewReader(r)
		cr.ReuseRecord = true
		cr.FieldsPerRecord = -1
		head, err := cr.Read()
		if err != nil {
			t.Fatal(err)
		}
		si := slices.IndexFunc(head, func(h string) bool { return strings.Trim(h, " \ufeff") == srcCol })
		di := slices.IndexFunc(head, func(h string) bool { return strings.Trim(h, " \ufeff") == dstCol })
		if si < 0 || di < 0 {
			t.Fatalf("%s: no %q/%q columns", f, srcCol, dstCol)
		}
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			src = append(src, rec[si])
			dst = append(dst, rec[di])
		}
		fh.Close()
	}
	return src, dst
}

type reference struct {
	Membership []int32 `json:"membership"`
	Codelength float64 `json:"codelength"`
	Values     map[string][]float64
}

// edgeList lists g's edges as node-id pairs for the reference script.
func edgeList(g *Graph) [][2]int32 {
	var e [][2]int32
	for u := range g.Nodes() {
		for _, v := range g.Successors(u) {
			e = append(e, [2]int32{int32(u), v})
		}
	}
	return e
}

func TestParityWithNetworkxIgraph(t *testing.T) {
	py := pyenv.Require(t, "networkx", "igraph")
	cases := []struct {
		name, dir, src, dst string
	}{
		{"cicids2017-slice", "../testdata/cicids2017-slice", "Src IP", "Dst IP"},
		{"cicids2017-improved", "", "Src IP", "Dst IP"},
		{"ton-iot-network", "", "src_ip", "dst_ip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.dir
			if dir == "" {
				dir = pyenv.SharedData(t, c.name)
			}
			src, dst := readIPs(t, dir, c.src, c.dst)
			g, st := Build(src, dst)
			if st.InvalidRows != 0 {
				t.Logf("%d rows without a valid address", st.InvalidRows)
			}
			const seed = 7
			R := CommR(seed)
			var raw map[string]any
			pyenv.RunJSON(t, py, "testdata/reference.py",
				map[string]any{"n": g.Nodes(), "edges": edgeList(g), "R": R}, &raw)
			ref := decodeReference(t, raw)
			res, err := g.Compute(context.Background(), Options{Measures: Type2(), Membership: ref.Membership, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			// Tolerances: betweenness, degree, closeness, Comm and the
			// k-numbers are sums/ratios of integers in another order
			// (≤1e-9); pagerank and eigenvector stop at tol 1e-6 after the
			// same iterations as networkx, so they differ only by
			// summation order, far below 1e-6.
			tol := map[string]float64{PageRank: 1e-6, LocalPageRank: 1e-6, GlobalPageRank: 1e-6, Eigenvector: 1e-6,
				KCore: 0, KTruss: 0}
			for _, m := range Type2() {
				want := ref.Values[m]
				got := res.Values[m]
				if len(want) != len(got) {
					t.Fatalf("%s: %d values, want %d", m, len(got), len(want))
				}
				eps, ok := tol[m]
				if !ok {
					eps = 1e-9
				}
				worst, at := 0.0, -1
				for i := range want {
					if d := math.Abs(got[i] - want[i]); d > worst {
						worst, at = d, i
					}
				}
				if worst > eps {
					t.Errorf("%s: node %s: got %.12g, reference %.12g (|diff| %.3g > %g)", m, g.Names[at], got[at], want[at], worst, eps)
				}
			}
			if d := math.Abs(g.Summarize().Transitivity - ref.Values["transitivity"][0]); d > 1e-12 {
				t.Errorf("transitivity %g, networkx %g", g.Summarize().Transitivity, ref.Values["transitivity"][0])
			}
			if d := math.Abs(g.Modularity(ref.Membership) - ref.Values["modularity"][0]); d > 1e-9 {
				t.Errorf("modularity %g, networkx %g", g.Modularity(ref.Membership), ref.Values["modularity"][0])
			}
			// Our codelength of igraph's partition checks the flow model;
			// our own partition must be within 1% of igraph's codelength.
			if cl := g.Codelength(ref.Membership); math.Abs(cl-ref.Codelength) > 1e-6*ref.Codelength {
				t.Errorf("codelength of igraph's partition: ours %.9f, igraph %.9f", cl, ref.Codelength)
			}
			mem, cl := g.infomap(InfomapOptions{Seed: seed})
			t.Logf("%d nodes %d edges; infomap: ours %.6f bits (%d modules), igraph %.6f bits (%d modules)", g.Nodes(), g.Edges(),
				cl, slices.Max(mem)+1, ref.Codelength, slices.Max(ref.Membership)+1)
			if cl > ref.Codelength*1.01 {
				t.Errorf("infomap codelength %.6f more than 1%% above igraph's %.6f", cl, ref.Codelength)
			}
			// approximate betweenness within ε of exact
			// (called directly: Compute computes exact betweenness where
			// sampling would need more searches than the graph has nodes)
			ap, _, err := approxBetweenness(context.Background(), g.outAdj(), g.inAdj(), g.undirected(nil), 0.01, 0.1, seed, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range ap {
				if d := math.Abs(v - ref.Values[Betweenness][i]); d > 0.01 {
					t.Errorf("approx betweenness of %s: %.5f, exact %.5f", g.Names[i], v, ref.Values[Betweenness][i])
				}
			}
			intra, _ := g.split(ref.Membership)
			lap, _, err := approxBetweenness(context.Background(), intra, intra, intra, 0.01, 0.1, seed, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range lap {
				if d := math.Abs(v/2 - ref.Values[LocalBetweenness][i]); d > 0.01 {
					t.Errorf("approx local betweenness of %s: %.5f, exact %.5f", g.Names[i], v/2, ref.Values[LocalBetweenness][i])
				}
			}
		})
	}
}

func decodeReference(t *testing.T, raw map[string]any) reference {
	t.Helper()
	ref := reference{Values: map[string][]float64{}}
	for k, v := range raw {
		switch k {
		case "membership":
			for _, x := range v.([]any) {
				ref.Membership = append(ref.Membership, int32(x.(float64)))
			}
		case "codelength":
			ref.Codelength = v.(float64)
		default:
			for _, x := range v.([]any) {
				ref.Values[k] = append(ref.Values[k], x.(float64))
			}
		}
	}
	return ref
}
