package dataset

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// assembly is the state finish hands from one step to the next: the kept
// rows, compacted and (after sortByTime) in time order, with load-wide
// class and category codes.
type assembly struct {
	rows       int
	width      int
	x          []float32
	ts         []int64
	cls        []int32
	lab        []int8
	text       [][]string // per LoadOptions.TextColumns entry
	classNames []string   // load-wide class code -> name
	catNames   [][]string // per categorical input: load-wide code -> name
}

// finish merges the chunk results into a Frame, in named steps that follow
// the seed's order: remap codes, dedupe, compact, sort by time, factorize
// classes and categories, one-hot.
func (ld *loader) finish() (*Frame, *LoadReport, error) {
	if err := ld.firstError(); err != nil {
		return nil, nil, err
	}
	rep := ld.countRows()
	if rep.RowsRead == 0 {
		return nil, nil, &Error{Kind: ErrNoData, File: strings.Join(ld.files, ", "), Msg: "no data rows after the header"}
	}
	a := &assembly{width: ld.store.width}
	t0 := time.Now()
	ld.remapCodes(a)
	if ld.opts.Dedupe {
		ld.dedupe(rep)
	}
	ld.compact(a)
	ld.timings.Since("clean", t0)
	rep.RowsKept = a.rows
	if a.rows == 0 {
		return nil, nil, noRowsKept(rep, ld.files)
	}
	if ld.hasTS {
		t0 = time.Now()
		a.sortByTime()
		ld.timings.Since("sort", t0)
	}
	rep.Sorted = ld.hasTS
	rep.HasTime = ld.hasTS
	if ld.hasTS && a.rows > 0 {
		rep.TimeMin = time.Unix(0, a.ts[0]).UTC()
		rep.TimeMax = time.Unix(0, a.ts[a.rows-1]).UTC()
	}
	f := &Frame{Rows: a.rows, profile: ld.prof, multiClass: ld.opts.MultiClass, networkFeatures: ld.opts.NetworkFeatures,
		Categories: map[string][]string{}}
	t0 = time.Now()
	ld.factorizeClasses(a, f, rep)
	ld.factorizeCategories(a, f, rep)
	ld.nameInputs(a, f)
	ld.timings.Since("factorize", t0)
	for _, c := range ld.cols {
		if c.role != roleFeature && c.role != roleCategorical {
			f.DroppedColumns = append(f.DroppedColumns, c.name)
			rep.DroppedColumns = append(rep.DroppedColumns, DroppedColumn{Name: c.name, Reason: c.reason})
		}
	}
	rep.FeatureNames = f.FeatureNames
	rep.AbsentColumns = ld.absent
	rep.Warnings = append(rep.Warnings, ld.warnings...)
	rep.Timings = ld.timings.Stages()
	return f, rep, nil
}

// noRowsKept explains an empty result: the columns whose bad values
// dropped the rows, those bad in every dropped row first.
func noRowsKept(rep *LoadReport, files []string) error {
	type cc struct {
		name string
		n    int
	}
	var cols []cc
	for c, n := range rep.BadValuesPerColumn {
		cols = append(cols, cc{c, n})
	}
	sort.Slice(cols, func(i, j int) bool {
		return cols[i].n > cols[j].n || cols[i].n == cols[j].n && cols[i].name < cols[j].name
	})
	var names, parts []string
	for _, c := range cols {
		if c.n < rep.DroppedBadValues && len(names) > 0 || len(names) == 5 {
			break
		}
		names = append(names, c.name)
		parts = append(parts, fmt.Sprintf("%s (%d of %d rows)", quote(c.name), c.n, rep.RowsRead))
	}
	msg := fmt.Sprintf("no row kept: %d read, %d dropped for bad values (bad-value policy %s), %d duplicates",
		rep.RowsRead, rep.DroppedBadValues, rep.BadValuePolicy, rep.DroppedDuplicates)
	if len(parts) > 0 {
		msg += "; bad values in " + strings.Join(parts, ", ")
	}
	pol, _ := ParseBadValuePolicy(rep.BadValuePolicy)
	e := &Error{Kind: ErrNoRowsKept, Columns: names, Policy: pol, Msg: msg}
	if len(files) <= 3 {
		e.File = strings.Join(files, ", ")
	}
	return e
}

// firstError returns the error of the earliest chunk (or of the reader,
// when it came first), so that parallel parsing reports what a sequential
// reader would have.
func (ld *loader) firstError() error {
	sort.Slice(ld.results, func(a, b int) bool { return ld.results[a].seq < ld.results[b].seq })
	for _, r := range ld.results {
		if r.err != nil && r.err != errSkipped && (ld.readErr == nil || r.seq < ld.readSeq) {
			return r.err
		}
	}
	if ld.readErr != nil {
		return ld.readErr
	}
	if err := ld.ctx.Err(); err != nil {
		return err
	}
	for _, r := range ld.results {
		if r.err != nil {
			return r.err // errSkipped without a cause cannot happen; be safe
		}
	}
	return nil
}

// countRows starts the report from the chunks' counts.
func (ld *loader) countRows() *LoadReport {
	rep := &LoadReport{Profile: ld.prof.Name, ProfileWhy: ld.why, Files: ld.files, BadValuePolicy: ld.opts.BadValues.String(),
		BadValuesPerColumn: map[string]int{}}
	badCells := make([]int, len(ld.cols))
	for _, r := range ld.results {
		rep.RowsRead += r.rows
		rep.DroppedBadValues += r.badRows
		rep.ZeroedValues += r.zeroed
		for i, n := range r.badCells {
			badCells[i] += n
		}
	}
	for i, n := range badCells {
		if n > 0 {
			rep.BadValuesPerColumn[ld.cols[i].name] = n
		}
	}
	return rep
}

// remapCodes turns chunk-local class and category codes into load-wide
// codes (first appearance in file order for now; factorize order comes
// after the sort).
func (ld *loader) remapCodes(a *assembly) {
	st := &ld.store
	fold := ld.opts.LabelCase == LabelCaseFold
	classIdx := map[string]int32{}
	var folded map[int32][]string // load-wide code -> other spellings merged into it
	a.catNames = make([][]string, ld.ncat)
	catIdx := make([]map[string]int32, ld.ncat)
	for i := range catIdx {
		catIdx[i] = map[string]int32{}
	}
	catOut := make([]int, ld.ncat)
	for _, in := range ld.inputs {
		if in.cat >= 0 {
			catOut[in.cat] = ld.cols[in.col].out
		}
	}
	width := st.width
	for _, r := range ld.results {
		var cm []int32
		if ld.hasCls {
			cm = make([]int32, len(r.classDict))
			for i, n := range r.classDict {
				key := n
				if fold {
					key = strings.ToLower(n)
				}
				g, ok := classIdx[key]
				if !ok {
					g = int32(len(a.classNames))
					classIdx[key] = g
					a.classNames = append(a.classNames, n)
				} else if fold && a.classNames[g] != n && !slices.Contains(folded[g], n) {
					if folded == nil {
						folded = map[int32][]string{}
					}
					folded[g] = append(folded[g], n)
				}
				cm[i] = g
			}
		}
		maps := make([][]int32, ld.ncat)
		for c := range maps {
			maps[c] = make([]int32, len(r.catDicts[c]))
			for i, n := range r.catDicts[c] {
				g, ok := catIdx[c][n]
				if !ok {
					g = int32(len(a.catNames[c]))
					catIdx[c][n] = g
					a.catNames[c] = append(a.catNames[c], n)
				}
				maps[c][i] = g
			}
		}
		for s := r.slot0; s < r.slot0+r.nslots; s++ {
			if st.status[s] != slotKept {
				continue
			}
			if cm != nil {
				st.cls[s] = cm[st.cls[s]]
			}
			for c, m := range maps {
				o := s*width + catOut[c]
				st.x[o] = float32(m[int32(st.x[o])])
			}
		}
	}
	ld.results = nil
	ld.caseWarnings(a.classNames, folded)
}

// caseWarnings reports class names that differ only by case: merged ones
// (LabelCaseFold) or ones kept apart.
func (ld *loader) caseWarnings(names []string, folded map[int32][]string) {
	if folded != nil {
		for g, n := range names {
			if others := folded[int32(g)]; len(others) > 0 {
				ld.warnings = append(ld.warnings, Warning{Kind: WarnClassCaseMerged, Column: ld.prof.ClassColumn,
					Message: fmt.Sprintf("class names %s differ only by case; merged as %s",
						quoteList(append([]string{n}, others...)), quote(n))})
			}
		}
		return
	}
	groups := map[string][]string{}
	var order []string
	for _, n := range names {
		k := strings.ToLower(n)
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], n)
	}
	for _, k := range order {
		if g := groups[k]; len(g) > 1 {
			ld.warnings = append(ld.warnings, Warning{Kind: WarnClassCase, Column: ld.prof.ClassColumn,
				Message: fmt.Sprintf("class names %s differ only by case; they stay separate classes", quoteList(g))})
		}
	}
}

// dedupe marks rows equal to an earlier kept row, keeping the first
// occurrence in file order.
func (ld *loader) dedupe(rep *LoadReport) {
	st := &ld.store
	seen := newHashSet(rep.RowsRead - rep.DroppedBadValues)
	for s := 0; s < ld.nextSlot; s++ {
		if st.status[s] == slotKept && !seen.add(st.hash[s]) {
			st.status[s] = slotDup
			rep.DroppedDuplicates++
		}
	}
	st.hash = nil
}

// compact moves the kept rows to the front of the store, in file order,
// and hands them to a.
func (ld *loader) compact(a *assembly) {
	st := &ld.store
	width := st.width
	n := 0
	for s := 0; s < ld.nextSlot; s++ {
		if st.status[s] != slotKept {
			continue
		}
		if n != s {
			copy(st.x[n*width:(n+1)*width], st.x[s*width:(s+1)*width])
			if ld.hasTS {
				st.ts[n] = st.ts[s]
			}
			if ld.hasCls {
				st.cls[n] = st.cls[s]
			}
			if ld.hasLab {
				st.lab[n] = st.lab[s]
			}
			for _, t := range st.text {
				t[n] = t[s]
			}
		}
		n++
	}
	st.status = nil
	a.rows = n
	a.x = st.x[:n*width]
	if ld.hasTS {
		a.ts = st.ts[:n]
	}
	if ld.hasCls {
		a.cls = st.cls[:n]
	}
	if ld.hasLab {
		a.lab = st.lab[:n]
	}
	for _, t := range st.text {
		a.text = append(a.text, t[:n])
	}
}

// sortByTime stably sorts the rows by timestamp.
func (a *assembly) sortByTime() {
	if slices.IsSorted(a.ts) {
		return
	}
	perm := stableOrder(a.ts)
	permuteRows(a.x, a.width, perm)
	a.ts = gather(a.ts, perm)
	if a.cls != nil {
		a.cls = gather(a.cls, perm)
	}
	if a.lab != nil {
		a.lab = gather(a.lab, perm)
	}
	for k, t := range a.text {
		a.text[k] = gather(t, perm)
	}
}

// factorizeClasses gives classes their factorize codes after the sort (or
// the schema's codes in LoadLike) and sets the frame's labels.
func (ld *loader) factorizeClasses(a *assembly, f *Frame, rep *LoadReport) {
	p := ld.prof
	cls := a.cls
	var finalNames []string
	if cls != nil {
		finalClass := make([]int32, len(a.classNames)) // load-wide code -> final code
		for i := range finalClass {
			finalClass[i] = -2
		}
		if ld.like != nil && ld.opts.MultiClass {
			known := map[string]int32{}
			for i, n := range ld.like.ClassNames {
				known[n] = int32(i)
			}
			for i, n := range a.classNames {
				if k, ok := known[n]; ok {
					finalClass[i] = k
				} else {
					finalClass[i] = -1
				}
			}
			finalNames = slices.Clone(ld.like.ClassNames)
		} else {
			for _, c := range cls {
				if finalClass[c] == -2 {
					finalClass[c] = int32(len(finalNames))
					finalNames = append(finalNames, a.classNames[c])
				}
			}
		}
		counts := make([]int, len(finalNames))
		unknown := map[string]int{}
		for i, c := range cls {
			g := finalClass[c]
			cls[i] = g
			if g >= 0 {
				counts[g]++
			} else {
				unknown[a.classNames[c]]++
			}
		}
		for i, nm := range finalNames {
			rep.ClassCounts = append(rep.ClassCounts, ClassCount{Name: nm, Count: counts[i]})
		}
		if len(unknown) > 0 {
			rep.UnknownClasses = unknown
		}
	}
	switch {
	case ld.opts.MultiClass && cls != nil:
		f.Labels = cls
		f.ClassNames = finalNames
	case ld.opts.MultiClass:
		rep.Unlabeled = true
		if ld.like != nil {
			f.ClassNames = slices.Clone(ld.like.ClassNames)
		}
	case a.lab != nil && p.LabelColumn != "":
		f.Labels = make([]int32, a.rows)
		for i, v := range a.lab {
			f.Labels[i] = int32(v)
		}
		f.ClassNames = []string{"benign", "attack"}
	case cls != nil:
		f.Labels = make([]int32, a.rows)
		for i, c := range cls {
			if c < 0 || !ld.isBenign(finalNames[c]) {
				f.Labels[i] = 1
			}
		}
		f.ClassNames = []string{"benign", "attack"}
	default:
		rep.Unlabeled = true
		f.ClassNames = []string{"benign", "attack"}
	}
	if f.Labels != nil {
		rep.LabelCounts = make([]int, len(f.ClassNames))
		for _, l := range f.Labels {
			if l >= 0 && int(l) < len(rep.LabelCounts) {
				rep.LabelCounts[l]++
			}
		}
	}
	if ld.hasTS {
		f.Timestamps = a.ts
	}
	if len(a.text) > 0 {
		f.Text = make(map[string][]string, len(a.text))
		for k, t := range a.text {
			f.Text[ld.opts.TextColumns[k]] = t
		}
	}
}

// isBenign reports whether a class name is the profile's benign class
// (ignoring case under LabelCaseFold).
func (ld *loader) isBenign(name string) bool {
	if ld.opts.LabelCase == LabelCaseFold {
		return strings.EqualFold(name, ld.prof.BenignClass)
	}
	return name == ld.prof.BenignClass
}

// factorizeCategories recodes categorical inputs in factorize order after
// the sort (or to the schema's codes in LoadLike).
func (ld *loader) factorizeCategories(a *assembly, f *Frame, rep *LoadReport) {
	unknownCats := map[string]int{}
	for _, in := range ld.inputs {
		if in.cat < 0 {
			continue
		}
		o := ld.cols[in.col].out
		names := a.catNames[in.cat]
		remap := make([]int32, len(names))
		var final []string
		if ld.like != nil {
			known := map[string]int32{}
			for i, c := range ld.like.Categories[ld.like.Inputs[o].Column] {
				known[c] = int32(i)
			}
			for i, nm := range names {
				if k, ok := known[nm]; ok {
					remap[i] = k
				} else {
					remap[i] = -1
				}
			}
			final = slices.Clone(ld.like.Categories[ld.like.Inputs[o].Column])
		} else {
			for i := range remap {
				remap[i] = -2
			}
		}
		for r := 0; r < a.rows; r++ {
			v := &a.x[r*a.width+o]
			c := int32(*v)
			if remap[c] == -2 {
				remap[c] = int32(len(final))
				final = append(final, names[c])
			}
			if remap[c] == -1 {
				unknownCats[in.name]++
			}
			*v = float32(remap[c])
		}
		key := in.name
		if ld.like != nil {
			key = ld.like.Inputs[o].Column
		}
		f.Categories[key] = final
	}
	if len(unknownCats) > 0 {
		rep.UnknownCategories = unknownCats
	}
}

// nameInputs sets the frame's inputs and feature names and, when an input
// is one-hot encoded, expands X.
func (ld *loader) nameInputs(a *assembly, f *Frame) {
	oneHot := false
	for _, in := range ld.inputs {
		col := in.name
		if ld.like != nil {
			col = ld.like.Inputs[ld.cols[in.col].out].Column
		}
		if in.cat < 0 {
			f.inputs = append(f.inputs, SchemaInput{Column: col})
			f.FeatureNames = append(f.FeatureNames, col)
			continue
		}
		enc := in.enc
		if enc == "" {
			enc = Factorize
		}
		f.inputs = append(f.inputs, SchemaInput{Column: col, Encoding: enc})
		if enc == OneHot {
			oneHot = true
			for _, c := range f.Categories[col] {
				f.FeatureNames = append(f.FeatureNames, col+"="+c)
			}
		} else {
			f.FeatureNames = append(f.FeatureNames, col)
		}
	}
	f.Features = len(f.FeatureNames)
	f.X = a.x
	if oneHot {
		f.X = expandOneHot(a.x, a.rows, a.width, ld.inputs, ld.cols, f)
	}
}

// expandOneHot rebuilds X with one 0/1 column per category of the one-hot
// inputs.
func expandOneHot(x []float32, rows, width int, inputs []inputCol, cols []column, f *Frame) []float32 {
	type span struct {
		src, dst, n int
		oneHot      bool
	}
	var spans []span
	dst := 0
	for _, in := range inputs {
		o := cols[in.col].out
		if in.cat >= 0 && in.enc == OneHot {
			k := len(f.Categories[f.inputs[o].Column])
			spans = append(spans, span{src: o, dst: dst, n: k, oneHot: true})
			dst += k
		} else {
			spans = append(spans, span{src: o, dst: dst, n: 1})
			dst++
		}
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].src < spans[b].src })
	out := make([]float32, rows*dst)
	for r := 0; r < rows; r++ {
		src := x[r*width : (r+1)*width]
		row := out[r*dst : (r+1)*dst]
		for _, s := range spans {
			if s.oneHot {
				if c := int(src[s.src]); c >= 0 && c < s.n {
					row[s.dst+c] = 1
				}
			} else {
				row[s.dst] = src[s.src]
			}
		}
	}
	return out
}

// stableOrder returns the permutation that stably sorts ts: perm[i] is the
// source row of row i.
func stableOrder(ts []int64) []int {
	type kv struct {
		t int64
		i int
	}
	kvs := make([]kv, len(ts))
	for i, t := range ts {
		kvs[i] = kv{t, i}
	}
	slices.SortFunc(kvs, func(a, b kv) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return a.i - b.i // ties keep file order: a stable sort
	})
	perm := make([]int, len(ts))
	for i, e := range kvs {
		perm[i] = e.i
	}
	return perm
}

// permuteRows reorders the rows of x in place so that row i becomes the old
// row perm[i], following the permutation's cycles with one row of scratch.
func permuteRows(x []float32, width int, perm []int) {
	done := make([]bool, len(perm))
	tmp := make([]float32, width)
	row := func(i int) []float32 { return x[i*width : (i+1)*width] }
	for i := range perm {
		if done[i] || perm[i] == i {
			continue
		}
		copy(tmp, row(i))
		j := i
		for {
			k := perm[j]
			done[j] = true
			if k == i {
				copy(row(j), tmp)
				break
			}
			copy(row(j), row(k))
			j = k
		}
	}
}

func gather[T any](v []T, perm []int) []T {
	out := make([]T, len(perm))
	for i, p := range perm {
		out[i] = v[p]
	}
	return out
}

// hashSet is an open-addressing set of 128-bit row hashes.
type hashSet struct {
	keys [][2]uint64
	used []bool
	mask uint64
}

func newHashSet(n int) *hashSet {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	return &hashSet{keys: make([][2]uint64, size), used: make([]bool, size), mask: uint64(size - 1)}
}

// add inserts k and reports whether it was new.
func (h *hashSet) add(k [2]uint64) bool {
	for i := k[0] & h.mask; ; i = (i + 1) & h.mask {
		if !h.used[i] {
			h.used[i] = true
			h.keys[i] = k
			return true
		}
		if h.keys[i] == k {
			return false
		}
	}
}
