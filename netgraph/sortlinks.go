package netgraph

import "sort"

type linkSorter struct {
	u, v []int32
	w    []float64
}

func (s linkSorter) Len() int { return len(s.u) }
func (s linkSorter) Less(i, j int) bool {
	if s.u[i] != s.u[j] {
		return s.u[i] < s.u[j]
	}
	return s.v[i] < s.v[j]
}
func (s linkSorter) Swap(i, j int) {
	s.u[i], s.u[j] = s.u[j], s.u[i]
	s.v[i], s.v[j] = s.v[j], s.v[i]
	s.w[i], s.w[j] = s.w[j], s.w[i]
}

// sortLinks orders links by (from, to).
func sortLinks(u, v []int32, w []float64) { sort.Sort(linkSorter{u, v, w}) }
