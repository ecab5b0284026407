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
	// 64 searches at once, one bit per source (multi-source BFS, Then et
	// al. 2014); per-source counts of the nodes reached at each level are
	// kept in bit-sliced counters
	batches := (len(todo) + 63) / 64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			visit := make([]uint64, n)
			front := make([]uint64, n)
			nxt := make([]uint64, n)
			bit := make([]int8, n) // a node's source bit in this batch, -1 if none
			dchild := make([]int32, n)
			for i := range bit {
				bit[i] = -1
				dchild[i] = -1
			}
			var seen, active, nact []int32
			var ctr [32]uint64
			var reach, tot [64]int64
			for {
				bi := int(next.Add(1) - 1)
				if bi >= batches || ctx.Err() != nil {
					break
				}
				srcs := todo[bi*64 : min(len(todo), (bi+1)*64)]
				seen, active = seen[:0], active[:0]
				reach, tot = [64]int64{}, [64]int64{}
				for b, s := range srcs {
					bit[s] = int8(b)
					m := uint64(1) << b
					visit[s] |= m
					front[s] |= m
					seen = append(seen, s)
					active = append(active, s)
				}
				for level := int64(1); len(active) > 0; level++ {
					nact = nact[:0]
					for _, v := range active {
						f := front[v]
						for _, w := range back.nbrs(v) {
							nw := f &^ visit[w]
							if nw == 0 {
								continue
							}
							if visit[w] == 0 {
								seen = append(seen, w)
							}
							if nxt[w] == 0 {
								nact = append(nact, w)
							}
							visit[w] |= nw
							nxt[w] |= nw
						}
					}
					for _, v := range active {
						front[v] = 0
					}
					for _, w := range nact {
						x := nxt[w]
						if q := sole[w]; q >= 0 && bit[q] >= 0 && x>>uint(bit[q])&1 == 1 {
							dchild[w] = int32(level)
						}
						for k := 0; x != 0; k++ {
							c := ctr[k] & x
							ctr[k] ^= x
							x = c
						}
						front[w] = nxt[w]
						nxt[w] = 0
					}
					for b := range srcs {
						var c int64
						for k := range ctr {
							c |= int64(ctr[k]>>uint(b)&1) << k
						}
						reach[b] += c
						tot[b] += c * level
					}
					ctr = [32]uint64{}
					active, nact = nact, active
				}
				for _, v := range active {
					front[v] = 0
				}
				for b, s := range srcs {
					cnt, t := reach[b], tot[b]
					if sole[s] < 0 {
						out[s] = score(cnt, t)
					}
					for _, u := range child[coff[s]:coff[s+1]] {
						if d := dchild[u]; d > 0 {
							out[u] = score(cnt, t-int64(d)+cnt)
						} else {
							out[u] = score(cnt+1, t+cnt+1)
						}
						dchild[u] = -1
					}
				}
				for _, s := range srcs {
					bit[s] = -1
				}
				for _, v := range seen {
					visit[v] = 0
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
