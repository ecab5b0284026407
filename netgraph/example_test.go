package netgraph_test

import (
	"context"
	"fmt"

	"github.com/tfnids/tfnids/netgraph"
)

func Example() {
	src := []string{"10.0.0.1", "10.0.0.1", "10.0.0.2", "-"}
	dst := []string{"10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.3"}
	g, st := netgraph.Build(src, dst)
	fmt.Println(g.Nodes(), "nodes,", g.Edges(), "edges,", st.InvalidRows, "invalid row")
	res, err := g.Compute(context.Background(), netgraph.Options{Measures: []string{"degree", "k_core"}})
	if err != nil {
		panic(err)
	}
	cols := res.Lookup(g, src, dst)
	for i, name := range cols.Names {
		fmt.Println(name, cols.Values[i])
	}
	// Output:
	// 3 nodes, 3 edges, 1 invalid row
	// src_degree [1.5 1.5 1 -1]
	// dst_degree [1 0.5 1.5 0.5]
	// src_k_core [1 1 1 -1]
	// dst_k_core [1 0.5 1 0.5]
}
