package netgraph

// FlowColumns are per-flow network features: for each measure m, the
// columns src_m and dst_m.
type FlowColumns struct {
	// Names are "src_<m>", "dst_<m>" per measure, in the measures' order.
	Names []string
	// Values holds one column per name, one value per row.
	Values [][]float64
	// Unknown counts rows whose source or destination address is not a
	// node of the graph (their columns are -1): invalid addresses, and
	// addresses the graph has not seen (test rows under the fold scope).
	Unknown int
}

// Lookup gives each row its source's and destination's measures, -1 where
// the address is not a node (GDLC's dict.get(ip, -1)).
func (r *Result) Lookup(g *Graph, src, dst []string) *FlowColumns {
	fc := &FlowColumns{}
	rows := len(src)
	sid := make([]int32, rows)
	did := make([]int32, rows)
	for i := range rows {
		sid[i], did[i] = -1, -1
		if v, ok := g.Node(src[i]); ok {
			sid[i] = int32(v)
		}
		if v, ok := g.Node(dst[i]); ok {
			did[i] = int32(v)
		}
		if sid[i] < 0 || did[i] < 0 {
			fc.Unknown++
		}
	}
	for _, m := range r.Measures {
		v := r.Values[m]
		for _, side := range []struct {
			prefix string
			id     []int32
		}{{"src_", sid}, {"dst_", did}} {
			col := make([]float64, rows)
			for i, x := range side.id {
				if x < 0 {
					col[i] = -1
				} else {
					col[i] = v[x]
				}
			}
			fc.Names = append(fc.Names, side.prefix+m)
			fc.Values = append(fc.Values, col)
		}
	}
	return fc
}
