package netgraph

import "math/rand/v2"

// bidir is one worker's state for balanced bidirectional searches
// (KADABRA's way of sampling one uniform shortest s→t path): a forward
// search from s over successors and a backward one from t over
// predecessors, always growing the side whose frontier has fewer edges,
// until they touch. Nodes far from both ends are never visited, which on
// hub-and-leaf IP graphs makes a sample cost a few frontiers, not a graph.
type bidir struct {
	df, db     []int32   // distances from s / to t, -1 unvisited
	sf, sb     []float64 // shortest-path counts
	seenF      []int32   // visited lists, for resetting
	seenB      []int32
	front, nxt []int32
	meetX      []int32
	meetW      []int32
	meetP      []float64
}

func newBidir(n int) *bidir {
	b := &bidir{df: make([]int32, n), db: make([]int32, n), sf: make([]float64, n), sb: make([]float64, n)}
	for i := range b.df {
		b.df[i], b.db[i] = -1, -1
	}
	return b
}

func (b *bidir) reset() {
	for _, v := range b.seenF {
		b.df[v], b.sf[v] = -1, 0
	}
	for _, v := range b.seenB {
		b.db[v], b.sb[v] = -1, 0
	}
	b.seenF, b.seenB = b.seenF[:0], b.seenB[:0]
}

// sample draws one uniform shortest s→t path and calls credit for each of
// its interior nodes; it reports false when t is unreachable.
func (b *bidir) sample(fwd, back adjacency, s, t int32, rng *rand.Rand, credit func(v int32)) bool {
	b.reset()
	b.df[s], b.sf[s] = 0, 1
	b.db[t], b.sb[t] = 0, 1
	b.seenF = append(b.seenF, s)
	b.seenB = append(b.seenB, t)
	ff := []int32{s} // forward frontier (nodes at the deepest forward level)
	fb := []int32{t}
	lf, lb := int32(0), int32(0)
	cost := func(a adjacency, fr []int32) int {
		c := 0
		for _, v := range fr {
			c += int(a.degree(v))
		}
		return c
	}
	for {
		if len(ff) == 0 || len(fb) == 0 {
			return false
		}
		forward := cost(fwd, ff) <= cost(back, fb)
		b.meetX, b.meetW, b.meetP = b.meetX[:0], b.meetW[:0], b.meetP[:0]
		total := 0.0
		if forward {
			// meeting edges x→w with w on the backward frontier
			for _, x := range ff {
				for _, w := range fwd.nbrs(x) {
					if b.db[w] == lb {
						p := b.sf[x] * b.sb[w]
						b.meetX, b.meetW, b.meetP = append(b.meetX, x), append(b.meetW, w), append(b.meetP, p)
						total += p
					}
				}
			}
			if total == 0 {
				b.nxt = b.nxt[:0]
				for _, x := range ff {
					for _, w := range fwd.nbrs(x) {
						if b.df[w] < 0 {
							b.df[w] = lf + 1
							b.seenF = append(b.seenF, w)
							b.nxt = append(b.nxt, w)
						}
						if b.df[w] == lf+1 {
							b.sf[w] += b.sf[x]
						}
					}
				}
				lf++
				ff = append(ff[:0:0], b.nxt...)
				continue
			}
		} else {
			for _, y := range fb {
				for _, w := range back.nbrs(y) {
					if b.df[w] == lf {
						p := b.sf[w] * b.sb[y]
						b.meetX, b.meetW, b.meetP = append(b.meetX, w), append(b.meetW, y), append(b.meetP, p)
						total += p
					}
				}
			}
			if total == 0 {
				b.nxt = b.nxt[:0]
				for _, y := range fb {
					for _, w := range back.nbrs(y) {
						if b.db[w] < 0 {
							b.db[w] = lb + 1
							b.seenB = append(b.seenB, w)
							b.nxt = append(b.nxt, w)
						}
						if b.db[w] == lb+1 {
							b.sb[w] += b.sb[y]
						}
					}
				}
				lb++
				fb = append(fb[:0:0], b.nxt...)
				continue
			}
		}
		// pick a meeting edge x→w with probability σ_s(x)·σ_t(w)/σ_st
		u := rng.Float64() * total
		k := 0
		for acc := 0.0; k < len(b.meetP)-1; k++ {
			acc += b.meetP[k]
			if u < acc {
				break
			}
		}
		x, w := b.meetX[k], b.meetW[k]
		for v := x; v != s; {
			credit(v)
			v = b.pick(back, v, b.df, b.sf, rng)
		}
		for v := w; v != t; {
			credit(v)
			v = b.pick(fwd, v, b.db, b.sb, rng)
		}
		return true
	}
}

// pick chooses the neighbour p of v one level closer to the search's root
// (dist[p] = dist[v]−1) with probability sigma[p]/sigma[v].
func (b *bidir) pick(a adjacency, v int32, dist []int32, sigma []float64, rng *rand.Rand) int32 {
	u := rng.Float64() * sigma[v]
	var last int32 = -1
	acc := 0.0
	for _, p := range a.nbrs(v) {
		if dist[p] >= 0 && dist[p] == dist[v]-1 {
			acc += sigma[p]
			last = p
			if u < acc {
				return p
			}
		}
	}
	return last
}
