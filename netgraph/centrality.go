package netgraph

import (
	"context"
	"errors"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// ErrNoConvergence is returned when a power iteration (pagerank,
// eigenvector) does not reach its tolerance, as networkx raises
// PowerIterationFailedConvergence.
var ErrNoConvergence = errors.New("netgraph: power iteration failed to converge")

// selfLoop reports whether u is in its own sorted neighbour list.
func selfLoop(a adjacency, u int32) bool {
	nb := a.nbrs(u)
	lo, hi := 0, len(nb)
	for lo < hi {
		m := (lo + hi) / 2
		if nb[m] < u {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(nb) && nb[lo] == u
}

// degreeDirected is networkx's degree_centrality of a DiGraph:
// (in+out)/(n−1), a self-loop counting once each way.
func (g *Graph) degreeDirected() []float64 {
	n := g.Nodes()
	out := make([]float64, n)
	s := 1.0
	if n > 1 {
		s = 1 / float64(n-1)
	}
	for u := range n {
		d := len(g.Successors(u)) + len(g.Predecessors(u))
		out[u] = float64(d) * s
	}
	return out
}

// degreeUndirected is networkx's degree_centrality of a Graph: a self-loop
// counts twice.
func degreeUndirected(a adjacency) []float64 {
	n := a.n()
	out := make([]float64, n)
	s := 1.0
	if n > 1 {
		s = 1 / float64(n-1)
	}
	for u := range n {
		d := len(a.nbrs(int32(u)))
		if selfLoop(a, int32(u)) {
			d++
		}
		out[u] = float64(d) * s
	}
	return out
}

// closeness is networkx's closeness_centrality with wf_improved: for node
// u, over the r other nodes that reach it (distances along back, the
// predecessor lists), (r/Σd)·(r/(n−1)); 0 when none does.
//
// A node whose only predecessor (self-loops aside) is p is reached from
// exactly the nodes that reach p, one step further, so its sums follow
// from p's search: on hub-and-leaf IP graphs most nodes need no search of
// their own. Sums stay integers, so the result is exact.
func closeness(ctx context.Context, back adjacency, workers int) ([]float64, error) {
	n := back.n()
	out := make([]float64, n)
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// sole predecessor of each node (-1: none, -2: several)
	sole := make([]int32, n)
	for u := range n {
		sole[u] = -1
		for _, p := range back.nbrs(int32(u)) {
			if int(p) == u {
				continue
			}
			if sole[u] == -1 {
				sole[u] = p
			} else {
				sole[u] = -2
				break
			}
		}
	}
	// children of each parent, and the nodes that need a search
	var cu, cp []int32
	search := make([]bool, n)
	for u := range n {
		switch p := sole[u]; {
		case p >= 0:
			cu, cp = append(cu, int32(u)), append(cp, p)
			search[p] = true
		case p == -2:
			search[u] = true
		}
	}
	coff, child := csr(n, cp, cu)
	var todo []int32
	for u := range n {
		if search[u] {
			todo = append(todo, int32(u))
		}
	}
	score := func(r, tot int64) float64 {
		if tot <= 0 || n <= 1 {
			return 0
		}
		return float64(r) / float64(tot) * (float64(r) / float64(n-1))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dist := make([]int32, n)
			for i := range dist {
				dist[i] = -1
			}
			queue := make([]int32, 0, n)
			for {
				i := next.Add(1) - 1
				if i >= int64(len(todo)) {
					break
				}
				if i%256 == 0 && ctx.Err() != nil {
					break
				}
				s := todo[i]
				queue = append(queue[:0], s)
				dist[s] = 0
				var tot int64
				for h := 0; h < len(queue); h++ {
					v := queue[h]
					for _, w := range back.nbrs(v) {
						if dist[w] < 0 {
							dist[w] = dist[v] + 1
							tot += int64(dist[w])
							queue = append(queue, w)
						}
					}
				}
				cnt := int64(len(queue) - 1)
				if sole[s] < 0 {
					out[s] = score(cnt, tot)
				}
				for _, u := range child[coff[s]:coff[s+1]] {
					if d := dist[u]; d > 0 {
						out[u] = score(cnt, tot-int64(d)+cnt)
					} else {
						out[u] = score(cnt+1, tot+cnt+1)
					}
				}
				for _, v := range queue {
					dist[v] = -1
				}
			}
		}()
	}
	wg.Wait()
	return out, ctx.Err()
}

// pagerank is networkx's pagerank (scipy path) on an unweighted adjacency:
// uniform start and teleport, dangling mass spread uniformly, stop when the
// L1 change is below n·tol, at most maxIter iterations.
func pagerank(a adjacency, alpha float64, maxIter int, tol float64) ([]float64, error) {
	n := a.n()
	if n == 0 {
		return nil, nil
	}
	x := make([]float64, n)
	nx := make([]float64, n)
	inv := make([]float64, n)
	var dangling []int32
	for u := range n {
		if d := a.degree(int32(u)); d > 0 {
			inv[u] = 1 / float64(d)
		} else {
			dangling = append(dangling, int32(u))
		}
	}
	p := 1 / float64(n)
	for i := range x {
		x[i] = p
	}
	for range maxIter {
		dsum := 0.0
		for _, u := range dangling {
			dsum += x[u]
		}
		for i := range nx {
			nx[i] = 0
		}
		for u := range n {
			c := x[u] * inv[u]
			for _, v := range a.nbrs(int32(u)) {
				nx[v] += c
			}
		}
		err := 0.0
		for i := range nx {
			nx[i] = alpha*(nx[i]+dsum*p) + (1-alpha)*p
			err += math.Abs(nx[i] - x[i])
		}
		x, nx = nx, x
		if err < float64(n)*tol {
			return x, nil
		}
	}
	return nil, ErrNoConvergence
}

// eigenvector is networkx's eigenvector_centrality: power iteration of
// (A+I)ᵀ from the uniform vector, Euclidean normalisation, stop when the
// L1 change is below n·tol. fwd lists successors (a node's score gathers
// from its predecessors: the left eigenvector).
func eigenvector(a adjacency, maxIter int, tol float64) ([]float64, error) {
	n := a.n()
	if n == 0 {
		return nil, nil
	}
	x := make([]float64, n)
	nx := make([]float64, n)
	for i := range x {
		x[i] = 1 / float64(n)
	}
	for range maxIter {
		copy(nx, x)
		for u := range n {
			xu := x[u]
			for _, v := range a.nbrs(int32(u)) {
				nx[v] += xu
			}
		}
		norm := 0.0
		for _, v := range nx {
			norm += v * v
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			norm = 1
		}
		err := 0.0
		for i := range nx {
			nx[i] /= norm
			err += math.Abs(nx[i] - x[i])
		}
		x, nx = nx, x
		if err < float64(n)*tol {
			return x, nil
		}
	}
	return nil, ErrNoConvergence
}
