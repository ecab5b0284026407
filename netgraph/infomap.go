package netgraph

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// InfomapOptions tune Infomap; the zero value is igraph's default.
type InfomapOptions struct {
	// Trials is the number of independent runs, the best kept; 0 means 10
	// (igraph's nb_trials).
	Trials int
	// Seed seeds the node orders.
	Seed uint64
	// Workers runs trials in parallel; 0 means GOMAXPROCS.
	Workers int
}

// teleport is igraph's Infomap teleportation probability.
const teleport = 0.15

// flowNet is one level of the two-level map equation: nodes (original or
// aggregated) with visit rate, teleport weight, teleport-out mass, and the
// directed link flows between distinct nodes.
type flowNet struct {
	size, tw, tele  []float64
	outOff, outTo   []int32
	outW            []float64
	inOff, inFrom   []int32
	inW             []float64
	outflow         []float64 // Σ link flow to other nodes
	nodeEntropyTerm float64   // Σ plogp(size) of the ORIGINAL nodes
}

func plogp(x float64) float64 {
	if x > 0 {
		return x * math.Log(x)
	}
	return 0
}

// flowOf builds igraph's flow model of the directed graph: PageRank visit
// rates with teleportation 0.15 to uniform weights (dangling nodes
// teleport always), link flow β·p_u/outdeg_u, teleportation recorded in
// the exit flows.
func (g *Graph) flowOf() *flowNet {
	n := g.Nodes()
	alpha, beta := teleport, 1-teleport
	// igraph's flow graph ignores self-loops
	out := g.loopFree()
	tw := make([]float64, n)
	for i := range tw {
		tw[i] = 1 / float64(n)
	}
	size := make([]float64, n)
	tmp := make([]float64, n)
	for i := range tmp {
		tmp[i] = 1 / float64(n)
	}
	sqdiff := 1.0
	for it := 0; it < 200 && (sqdiff > 1e-15 || it < 50); it++ {
		dang := 0.0
		for u := range n {
			if out.degree(int32(u)) == 0 {
				dang += tmp[u]
			}
		}
		for i := range size {
			size[i] = (alpha + beta*dang) * tw[i]
		}
		for u := range n {
			d := out.degree(int32(u))
			if d == 0 {
				continue
			}
			c := beta * tmp[u] / float64(d)
			for _, v := range out.nbrs(int32(u)) {
				size[v] += c
			}
		}
		sum := 0.0
		for _, s := range size {
			sum += s
		}
		old := sqdiff
		sqdiff = 0
		for i := range size {
			size[i] /= sum
			sqdiff += math.Abs(size[i] - tmp[i])
			tmp[i] = size[i]
		}
		if sqdiff == old {
			alpha += 1e-10
			beta = 1 - alpha
		}
	}
	f := &flowNet{size: size, tw: tw, tele: make([]float64, n), outflow: make([]float64, n)}
	var us, vs []int32
	var ws []float64
	for u := range n {
		d := out.degree(int32(u))
		if d == 0 {
			f.tele[u] = size[u] // alpha·p + beta·p
			continue
		}
		f.tele[u] = alpha * size[u]
		c := beta * size[u] / float64(d)
		for _, v := range out.nbrs(int32(u)) {
			if int(v) == u {
				continue
			}
			us = append(us, int32(u))
			vs = append(vs, v)
			ws = append(ws, c)
			f.outflow[u] += c
		}
	}
	f.setLinks(n, us, vs, ws)
	for _, s := range size {
		f.nodeEntropyTerm += plogp(s)
	}
	return f
}

func (f *flowNet) setLinks(n int, us, vs []int32, ws []float64) {
	f.outOff, f.outTo, f.outW = wcsr(n, us, vs, ws)
	f.inOff, f.inFrom, f.inW = wcsr(n, vs, us, ws)
}

func wcsr(n int, from, to []int32, w []float64) ([]int32, []int32, []float64) {
	off := make([]int32, n+1)
	for _, x := range from {
		off[x+1]++
	}
	for i := range n {
		off[i+1] += off[i]
	}
	adj := make([]int32, len(from))
	ww := make([]float64, len(from))
	pos := make([]int32, n)
	copy(pos, off[:n])
	for i, x := range from {
		adj[pos[x]] = to[i]
		ww[pos[x]] = w[i]
		pos[x]++
	}
	return off, adj, ww
}

// modules is a partition of a flowNet's nodes with the per-module sums
// the map equation needs.
type modules struct {
	of                                      []int32
	size, tw, tele, linkOut                 []float64
	members                                 []int32
	sumExit, sumPlogpExit, sumPlogpExitSize float64
}

func (m *modules) exit(k int32) float64 { return m.tele[k]*(1-m.tw[k]) + m.linkOut[k] }

func (m *modules) recompute() {
	m.sumExit, m.sumPlogpExit, m.sumPlogpExitSize = 0, 0, 0
	for k := range m.size {
		if m.members[k] == 0 {
			continue
		}
		e := m.exit(int32(k))
		m.sumExit += e
		m.sumPlogpExit += plogp(e)
		m.sumPlogpExitSize += plogp(e + m.size[k])
	}
}

// codelength in nats (constant node term included).
func (m *modules) codelength(f *flowNet) float64 {
	return plogp(m.sumExit) - 2*m.sumPlogpExit + m.sumPlogpExitSize - f.nodeEntropyTerm
}

func singletons(f *flowNet) *modules {
	n := len(f.size)
	m := &modules{of: make([]int32, n), size: append([]float64(nil), f.size...),
		tw: append([]float64(nil), f.tw...), tele: append([]float64(nil), f.tele...),
		linkOut: append([]float64(nil), f.outflow...), members: make([]int32, n)}
	for i := range n {
		m.of[i] = int32(i)
		m.members[i] = 1
	}
	m.recompute()
	return m
}

// localMove moves nodes, in random order, to the neighbouring module that
// lowers the codelength most, until a sweep moves none. It reports whether
// any node moved.
func localMove(f *flowNet, m *modules, rng *rand.Rand) bool {
	n := len(f.size)
	order := rng.Perm(n)
	flowOut := make([]float64, n) // i → module
	flowIn := make([]float64, n)  // module → i
	mark := make([]bool, n)
	var touched []int32
	movedAny := false
	for sweep := 0; sweep < 100; sweep++ {
		moved := 0
		for _, ii := range order {
			i := int32(ii)
			old := m.of[i]
			touched = touched[:0]
			add := func(k int32) {
				if !mark[k] {
					mark[k] = true
					touched = append(touched, k)
				}
			}
			add(old)
			for p := f.outOff[i]; p < f.outOff[i+1]; p++ {
				k := m.of[f.outTo[p]]
				add(k)
				flowOut[k] += f.outW[p]
			}
			for p := f.inOff[i]; p < f.inOff[i+1]; p++ {
				k := m.of[f.inFrom[p]]
				add(k)
				flowIn[k] += f.inW[p]
			}
			eo := m.exit(old)
			so := m.size[old]
			// old module without i
			loOld := m.linkOut[old] - (f.outflow[i] - flowOut[old]) + flowIn[old]
			teleOld, twOld := m.tele[old]-f.tele[i], m.tw[old]-f.tw[i]
			eoNew := teleOld*(1-twOld) + loOld
			soNew := so - f.size[i]
			if m.members[old] == 1 {
				eoNew, soNew = 0, 0
			}
			best, bestD := old, -1e-12
			var bestLo float64
			for _, k := range touched {
				if k == old {
					continue
				}
				en := m.exit(k)
				sn := m.size[k]
				loNew := m.linkOut[k] + (f.outflow[i] - flowOut[k]) - flowIn[k]
				enNew := (m.tele[k]+f.tele[i])*(1-(m.tw[k]+f.tw[i])) + loNew
				snNew := sn + f.size[i]
				dSum := (eoNew - eo) + (enNew - en)
				d := plogp(m.sumExit+dSum) - plogp(m.sumExit) -
					2*(plogp(eoNew)-plogp(eo)+plogp(enNew)-plogp(en)) +
					plogp(eoNew+soNew) - plogp(eo+so) + plogp(enNew+snNew) - plogp(en+sn)
				if d < bestD {
					best, bestD, bestLo = k, d, loNew
				}
			}
			if best != old {
				en := m.exit(best)
				sn := m.size[best]
				m.sumExit -= eo + en
				m.sumPlogpExit -= plogp(eo) + plogp(en)
				m.sumPlogpExitSize -= plogp(eo+so) + plogp(en+sn)
				m.linkOut[old] = loOld
				m.tele[old], m.tw[old] = teleOld, twOld
				m.size[old] = soNew
				m.members[old]--
				if m.members[old] == 0 {
					m.linkOut[old], m.tele[old], m.tw[old], m.size[old] = 0, 0, 0, 0
				}
				m.linkOut[best] = bestLo
				m.tele[best] += f.tele[i]
				m.tw[best] += f.tw[i]
				m.size[best] += f.size[i]
				m.members[best]++
				m.of[i] = best
				eo2, en2 := m.exit(old), m.exit(best)
				if m.members[old] > 0 {
					m.sumExit += eo2
					m.sumPlogpExit += plogp(eo2)
					m.sumPlogpExitSize += plogp(eo2 + m.size[old])
				}
				m.sumExit += en2
				m.sumPlogpExit += plogp(en2)
				m.sumPlogpExitSize += plogp(en2 + m.size[best])
				moved++
				movedAny = true
			}
			for _, k := range touched {
				mark[k] = false
				flowOut[k], flowIn[k] = 0, 0
			}
		}
		if moved == 0 {
			break
		}
	}
	return movedAny
}

// aggregate makes the next level: one node per non-empty module.
func aggregate(f *flowNet, m *modules) (*flowNet, []int32) {
	n := len(f.size)
	id := make([]int32, len(m.size))
	for i := range id {
		id[i] = -1
	}
	k := int32(0)
	for i := range n {
		c := m.of[i]
		if id[c] < 0 {
			id[c] = k
			k++
		}
	}
	g := &flowNet{size: make([]float64, k), tw: make([]float64, k), tele: make([]float64, k),
		outflow: make([]float64, k), nodeEntropyTerm: f.nodeEntropyTerm}
	for i := range n {
		c := id[m.of[i]]
		g.size[c] += f.size[i]
		g.tw[c] += f.tw[i]
		g.tele[c] += f.tele[i]
	}
	type key struct{ a, b int32 }
	acc := make(map[key]float64)
	for u := range n {
		cu := id[m.of[u]]
		for p := f.outOff[u]; p < f.outOff[u+1]; p++ {
			cv := id[m.of[f.outTo[p]]]
			if cu != cv {
				acc[key{cu, cv}] += f.outW[p]
			}
		}
	}
	us := make([]int32, 0, len(acc))
	vs := make([]int32, 0, len(acc))
	ws := make([]float64, 0, len(acc))
	for e, w := range acc {
		us, vs, ws = append(us, e.a), append(vs, e.b), append(ws, w)
	}
	// map order is random; sort links so results do not depend on it
	sortLinks(us, vs, ws)
	for i := range us {
		g.outflow[us[i]] += ws[i]
	}
	g.setLinks(int(k), us, vs, ws)
	mapping := make([]int32, n)
	for i := range n {
		mapping[i] = id[m.of[i]]
	}
	return g, mapping
}

// infomap returns the two-level partition of the directed graph that
// minimises the map equation (igraph's flow model), and its codelength in
// bits.
func (g *Graph) infomap(o InfomapOptions) ([]int32, float64) {
	n := g.Nodes()
	if n == 0 {
		return nil, 0
	}
	trials := o.Trials
	if trials <= 0 {
		trials = 10
	}
	base := g.flowOf()
	// Like igraph, the answer is the best partition the search reaches
	// from singletons; the one-module partition (codelength = entropy of
	// the visit rates) is not a candidate unless the search ends there.
	// trials run in parallel; each has its own seeded generator and the
	// lowest codelength wins (ties to the lower trial), so the answer does
	// not depend on the number of workers
	members := make([][]int32, trials)
	lengths := make([]float64, trials)
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, trials) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				t := int(next.Add(1) - 1)
				if t >= trials {
					return
				}
				members[t], lengths[t] = infomapTrial(base, n, rand.New(rand.NewPCG(o.Seed, uint64(t))))
			}
		}()
	}
	wg.Wait()
	bestT := 0
	for t := range trials {
		if lengths[t] < lengths[bestT]-1e-12 {
			bestT = t
		}
	}
	best, bestL := members[bestT], lengths[bestT]
	return relabel(best), bestL / math.Ln2
}

// infomapTrial is one run: local moving and aggregation until no node
// moves; it returns the membership and codelength in nats.
func infomapTrial(base *flowNet, n int, rng *rand.Rand) ([]int32, float64) {
	f := base
	member := make([]int32, n)
	for i := range member {
		member[i] = int32(i)
	}
	var L float64
	for level := 0; level < 64; level++ {
		m := singletons(f)
		moved := localMove(f, m, rng)
		m.recompute()
		L = m.codelength(f)
		if !moved {
			break
		}
		var mapping []int32
		f, mapping = aggregate(f, m)
		for i := range member {
			member[i] = mapping[member[i]]
		}
	}
	return member, L
}

// relabel numbers communities 0.. in order of their first node.
func relabel(c []int32) []int32 {
	id := make(map[int32]int32)
	out := make([]int32, len(c))
	for i, x := range c {
		v, ok := id[x]
		if !ok {
			v = int32(len(id))
			id[x] = v
		}
		out[i] = v
	}
	return out
}

// Codelength returns the two-level map-equation codelength, in bits, of a
// partition of g under igraph's flow model (teleportation 0.15, recorded).
func (g *Graph) Codelength(membership []int32) float64 {
	f := g.flowOf()
	k := int32(0)
	for _, c := range membership {
		k = max(k, c+1)
	}
	m := &modules{of: membership, size: make([]float64, k), tw: make([]float64, k), tele: make([]float64, k),
		linkOut: make([]float64, k), members: make([]int32, k)}
	for i, c := range membership {
		m.size[c] += f.size[i]
		m.tw[c] += f.tw[i]
		m.tele[c] += f.tele[i]
		m.members[c]++
		for p := f.outOff[i]; p < f.outOff[i+1]; p++ {
			if membership[f.outTo[p]] != c {
				m.linkOut[c] += f.outW[p]
			}
		}
	}
	m.recompute()
	return m.codelength(f) / math.Ln2
}
