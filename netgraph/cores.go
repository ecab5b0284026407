package netgraph

import "slices"

// coreNumbers is networkx's core_number of the DiGraph without self-loops:
// degree is in+out, so a pair linked both ways counts twice
// (Batagelj–Zaversnik peeling).
func (g *Graph) coreNumbers() []int32 {
	n := g.Nodes()
	// neighbour multiset: predecessors then successors, self excluded
	off := make([]int32, n+1)
	for u := range n {
		d := 0
		for _, v := range g.Predecessors(u) {
			if int(v) != u {
				d++
			}
		}
		for _, v := range g.Successors(u) {
			if int(v) != u {
				d++
			}
		}
		off[u+1] = off[u] + int32(d)
	}
	nb := make([]int32, off[n])
	for u := range n {
		p := off[u]
		for _, lst := range [][]int32{g.Predecessors(u), g.Successors(u)} {
			for _, v := range lst {
				if int(v) != u {
					nb[p] = v
					p++
				}
			}
		}
	}
	return peel(adjacency{off, nb})
}

// peel returns the core number of every node of a (multi)graph.
func peel(a adjacency) []int32 {
	n := a.n()
	deg := make([]int32, n)
	maxd := int32(0)
	for u := range n {
		deg[u] = a.degree(int32(u))
		maxd = max(maxd, deg[u])
	}
	bin, pos, vert := bucketOrder(deg, maxd)
	for i := range n {
		v := vert[i]
		for _, u := range a.nbrs(v) {
			if deg[u] > deg[v] {
				du := deg[u]
				pu := pos[u]
				pw := bin[du]
				w := vert[pw]
				if u != w {
					pos[u], pos[w] = pw, pu
					vert[pu], vert[pw] = w, u
				}
				bin[du]++
				deg[u]--
			}
		}
	}
	return deg
}

// trussNumbers returns, per node, the largest trussness of its edges in
// the simple undirected graph without self-loops (an edge in no triangle
// has trussness 2; a node with no edge 0). Edge trussness comes from
// support peeling (Wang–Cheng).
func (g *Graph) trussNumbers() []int32 {
	und := g.undirected(func(u, v int32) bool { return u != v })
	n := und.n()
	// edge ids: for u<v, one id; eid[k] for adjacency slot k
	eid := make([]int32, und.edges())
	var eu, ev []int32
	for u := range n {
		for k := und.off[u]; k < und.off[u+1]; k++ {
			v := und.adj[k]
			if int32(u) < v {
				eid[k] = int32(len(eu))
				eu = append(eu, int32(u))
				ev = append(ev, v)
			}
		}
	}
	find := func(u, v int32) int32 { // slot of v in u's list, -1 if none
		nb := und.nbrs(u)
		i, ok := slices.BinarySearch(nb, v)
		if !ok {
			return -1
		}
		return und.off[u] + int32(i)
	}
	for u := range n {
		for k := und.off[u]; k < und.off[u+1]; k++ {
			v := und.adj[k]
			if int32(u) > v {
				eid[k] = eid[find(v, int32(u))]
			}
		}
	}
	m := len(eu)
	removed := make([]bool, m)
	// visit common neighbours w of the edge (u,v) whose edges u–w and v–w
	// are both present, calling f with their edge ids
	common := func(u, v int32, f func(e1, e2 int32)) {
		if und.degree(u) > und.degree(v) {
			u, v = v, u
		}
		for k := und.off[u]; k < und.off[u+1]; k++ {
			w := und.adj[k]
			e1 := eid[k]
			if w == v || removed[e1] {
				continue
			}
			s := find(v, w)
			if s < 0 || removed[eid[s]] {
				continue
			}
			f(e1, eid[s])
		}
	}
	sup := make([]int32, m)
	maxs := int32(0)
	for e := range m {
		common(eu[e], ev[e], func(_, _ int32) { sup[e]++ })
		maxs = max(maxs, sup[e])
	}
	// bucket order by support, as in core peeling
	bin, pos, order := bucketOrder(sup, maxs)
	dec := func(f, floor int32) {
		if sup[f] <= floor {
			return
		}
		sf := sup[f]
		pf := pos[f]
		pw := bin[sf]
		w := order[pw]
		if w != f {
			pos[f], pos[w] = pw, pf
			order[pf], order[pw] = w, f
		}
		bin[sf]++
		sup[f]--
	}
	truss := make([]int32, m)
	for i := range m {
		e := order[i]
		se := sup[e]
		common(eu[e], ev[e], func(e1, e2 int32) {
			dec(e1, se)
			dec(e2, se)
		})
		truss[e] = se + 2
		removed[e] = true
	}
	node := make([]int32, n)
	for e := range m {
		node[eu[e]] = max(node[eu[e]], truss[e])
		node[ev[e]] = max(node[ev[e]], truss[e])
	}
	return node
}

// bucketOrder sorts the items 0..len(key)-1 by key in linear time, as
// Batagelj–Zaversnik's peeling needs: order lists the items by key, pos[i]
// is item i's place in order, and bin[k] is where the items of key k start
// (the peeling loops move items between adjacent buckets through bin).
func bucketOrder(key []int32, maxKey int32) (bin, pos, order []int32) {
	bin = make([]int32, maxKey+2)
	for _, k := range key {
		bin[k]++
	}
	start := int32(0)
	for k := range bin {
		c := bin[k]
		bin[k] = start
		start += c
	}
	pos = make([]int32, len(key))
	order = make([]int32, len(key))
	for i, k := range key {
		pos[i] = bin[k]
		order[pos[i]] = int32(i)
		bin[k]++
	}
	for k := len(bin) - 1; k > 0; k-- {
		bin[k] = bin[k-1]
	}
	bin[0] = 0
	return bin, pos, order
}
