"""Time networkx (and igraph, where GDLC used it) on bench/graph's edge list.

Usage: nx_time.py EDGES [PIVOTS]. Measures that finish in reasonable time
are timed whole; betweenness and closeness are timed on PIVOTS sources and
extrapolated to all n (networkx's own k-pivot betweenness, and closeness on
a sample of nodes), which is printed as an estimate.
"""
import random
import sys
import time

import igraph as ig
import networkx as nx


def timed(label, fn):
    t = time.perf_counter()
    fn()
    dt = time.perf_counter() - t
    print(f"{label:28s} {dt:10.2f} s", flush=True)
    return dt


def main():
    path = sys.argv[1]
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    g = nx.DiGraph()
    with open(path) as f:
        g.add_edges_from((int(a), int(b)) for a, b in (line.split() for line in f))
    n = g.number_of_nodes()
    print(f"graph: {n} nodes, {g.number_of_edges()} edges", flush=True)
    timed("degree", lambda: nx.degree_centrality(g))
    timed("pagerank", lambda: nx.pagerank(g, alpha=0.85))
    timed("eigenvector", lambda: nx.eigenvector_centrality(g, max_iter=600))
    nl = g.copy()
    nl.remove_edges_from(list(nx.selfloop_edges(nl)))
    timed("k_core", lambda: nx.core_number(nl))
    h = ig.Graph.from_networkx(g)
    timed("igraph infomap", lambda: h.community_infomap())
    dt = timed(f"betweenness {k} pivots", lambda: nx.betweenness_centrality(g, k=k, seed=1))
    print(f"{'betweenness all (estimate)':28s} {dt * n / k:10.0f} s", flush=True)
    nodes = random.Random(1).sample(list(g.nodes()), k)
    r = g.reverse()
    dt = timed(f"closeness {k} nodes", lambda: [nx.single_source_shortest_path_length(r, v) for v in nodes])
    print(f"{'closeness all (estimate)':28s} {dt * n / k:10.0f} s", flush=True)


main()
