// Package netgraph computes the GDLC study's network features: the
// centrality measures of the graph of who talks to whom in a flow table,
// and each flow's source and destination measures.
//
// The graph is directed, source IP → destination IP, one unweighted edge
// per ordered pair (a networkx DiGraph), held as compressed sparse rows.
// The measures follow networkx and igraph as GDLC called them:
//
//   - betweenness: directed Brandes over all sources in parallel, scaled by
//     1/((n−1)(n−2)); or Riondato–Kornaropoulos sampling (ε, δ, seeded).
//   - degree: (in+out)/(n−1); eigenvector: left eigenvector, networkx's
//     (A+I) power iteration; closeness: incoming distances with
//     Wasserman–Faust scaling; pagerank: α 0.85, networkx's dangling rule.
//   - k_core, k_truss: core number (in+out degree) and largest edge
//     trussness of the graph without self-loops, divided by the maximum.
//   - communities: two-level map-equation Infomap under igraph's flow model
//     (default) or gonum's Louvain; local_* measures on the undirected
//     intra-community graph, global_* on the inter-community graph; Comm,
//     GDLC's community centrality with a seeded R.
//
// docs/graph.md lists every definition and where tfnids departs from GDLC.
//
// A worked example: three hosts, where 10.0.0.1 talks to the two others
// and 10.0.0.2 answers; the row with "-" has no valid address.
//
//	g, st := netgraph.Build(
//		[]string{"10.0.0.1", "10.0.0.1", "10.0.0.2", "-"},
//		[]string{"10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.3"})
//	// st.InvalidRows == 1; g has 3 nodes and 3 edges
//	res, _ := g.Compute(ctx, netgraph.Options{Measures: []string{"degree"}})
//	cols := res.Lookup(g, src, dst)
//	// cols.Names == [src_degree dst_degree]; the "-" row gets -1
package netgraph
