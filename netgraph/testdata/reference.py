"""Reference network measures for netgraph's parity tests.

Reads {"n": N, "edges": [[u, v], ...], "R": int} on stdin (nodes are
0..N-1, edges directed and distinct) and prints every measure as networkx
and igraph compute them, the way the GDLC study called them.
"""
import json
import sys

import igraph as ig
import networkx as nx


def scale_betweenness(values, n):
    s = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    return [v * s for v in values]


def igraph_betweenness(g):
    h = ig.Graph.from_networkx(g)
    return scale_betweenness(h.betweenness(directed=True), h.vcount())


def div_max(d, n):
    m = max(d.values()) if d else 0
    return [d.get(i, 0) / m if m else 0.0 for i in range(n)]


def node_truss(g, n):
    # trussness of an edge: the largest k whose k-truss (networkx) holds it
    h = nx.Graph(g.to_undirected())
    h.remove_edges_from(list(nx.selfloop_edges(h)))
    edge_truss = {}
    k = 2
    cur = h
    while cur.number_of_edges():
        nxt = nx.k_truss(cur, k + 1)
        for u, v in cur.edges():
            if not nxt.has_edge(u, v):
                edge_truss[(u, v)] = k
        cur = nxt
        k += 1
    node = {i: 0 for i in range(n)}
    for (u, v), t in edge_truss.items():
        node[u] = max(node[u], t)
        node[v] = max(node[v], t)
    return div_max(node, n)


def split(g, member):
    intra, inter = nx.Graph(), nx.Graph()
    intra.add_nodes_from(g.nodes())
    inter.add_nodes_from(g.nodes())
    for u, v in g.edges():
        (intra if member[u] == member[v] else inter).add_edge(u, v)
    return intra, inter


def comm(g, member, R):
    # the formula of GDLC's comm_centrality, written out independently
    n = g.number_of_nodes()
    kin = [sum(1 for w in g.successors(v) if member[w] == member[v]) for v in range(n)]
    deg = [g.degree(v) for v in range(n)]
    kout = [deg[v] - kin[v] for v in range(n)]
    comms = set(member)
    mu, maxin, maxout = {}, {}, {}
    for c in comms:
        vs = [v for v in range(n) if member[v] == c]
        fr = [kout[v] / deg[v] for v in vs if deg[v] > 0]
        mu[c] = sum(fr) / len(fr) if fr else 0.0
        maxin[c] = max(kin[v] for v in vs)
        maxout[c] = max(kout[v] for v in vs)
    val = []
    for v in range(n):
        c = member[v]
        if maxin[c] == 0:
            val.append(0.0)
            continue
        b = kout[v] / maxout[c] if maxout[c] else kout[v]
        val.append((1 + mu[c]) * (kin[v] / maxin[c] * R) + (1 - mu[c]) * (b * R) ** 2)
    lo, hi = min(val), max(val)
    return [(x - lo) / (hi - lo) if hi > lo else 0.0 for x in val]


def main():
    req = json.load(sys.stdin)
    n = req["n"]
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(tuple(e) for e in req["edges"])
    out = {}
    out["betweenness"] = igraph_betweenness(g)
    dc = nx.degree_centrality(g)
    out["degree"] = [dc[i] for i in range(n)]
    ev = nx.eigenvector_centrality(g, max_iter=600)
    out["eigenvector"] = [ev[i] for i in range(n)]
    cl = nx.closeness_centrality(g)
    out["closeness"] = [cl[i] for i in range(n)]
    pr = nx.pagerank(g, alpha=0.85)
    out["pagerank"] = [pr[i] for i in range(n)]

    h = ig.Graph.from_networkx(g)
    part = h.community_infomap()
    member = part.membership
    out["membership"] = member
    out["codelength"] = part.codelength

    intra, inter = split(g, member)
    for name, sub in (("local", intra), ("global", inter)):
        out[name + "_betweenness"] = igraph_betweenness(sub)
        d = nx.degree_centrality(sub)
        out[name + "_degree"] = [d[i] for i in range(n)]
        p = nx.pagerank(sub, alpha=0.85)
        out[name + "_pagerank"] = [p[i] for i in range(n)]

    noloop = g.copy()
    noloop.remove_edges_from(list(nx.selfloop_edges(noloop)))
    out["k_core"] = div_max(nx.core_number(noloop), n)
    out["k_truss"] = node_truss(noloop, n)
    out["Comm"] = comm(noloop, member, req["R"])
    und = nx.Graph(noloop.to_undirected())
    out["transitivity"] = [nx.transitivity(und)]
    out["modularity"] = [nx.community.modularity(und, [set(v for v in range(n) if member[v] == c) for c in set(member)])]
    json.dump(out, sys.stdout)


main()
