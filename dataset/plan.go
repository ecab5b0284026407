package dataset

import (
	"fmt"
	"slices"
)

type colRole uint8

const (
	roleIgnore      colRole = iota // not parsed (identifiers, drop columns)
	roleFeature                    // numeric model input
	roleCheck                      // numeric, not an input, still checked for bad values
	roleCategorical                // string model input
	roleLabel                      // binary label 0/1
	roleClass                      // class name
	roleTimestamp                  // flow time
)

// column is a column of the first file's header and what Load does with it.
type column struct {
	name   string
	role   colRole
	out    int // parse-matrix column (feature, categorical)
	cat    int // index among categorical inputs
	dedupe bool
	key    int    // offset in the dedupe key: 8 bytes for a number, 16 for a text hash
	reason string // why it is not an input
}

// fieldOp is what a worker does with field j of a file's rows.
type fieldOp struct {
	role   colRole
	dedupe bool
	col    int32 // canonical column
	out    int32
	cat    int32
	key    int32 // offset of the cell in the row's dedupe key
	text   int32 // 1 + index among LoadOptions.TextColumns; 0 for none
}

type filePlan struct {
	name    string
	ops     []fieldOp
	parquet bool // errors name rows, not lines
}

// inputCol is a parse-matrix column: a numeric input or a categorical code.
type inputCol struct {
	name string
	col  int      // canonical column
	cat  int      // -1 for numeric
	enc  Encoding // for categorical
}

// the plan).
func (ld *loader) addFile(fi int, name string, header []string, dups []dupName) error {
	if fi == 0 {
		if err := ld.makePlan(name, header, dups); err != nil {
			return err
		}
	} else {
		for _, d := range dups {
			if ld.named(d.name) {
				return dupError(name, d, ld.prof.Name)
			}
		}
	}
	aliases := ld.prof.Aliases
	m := newMatcher(header, aliases)
	fp := &filePlan{name: name, ops: make([]fieldOp, len(header))}
	assigned := make([]bool, len(header))
	var missing []string
	for ci, c := range ld.cols {
		j := m.find(c.name)
		if j < 0 || assigned[j] {
			if c.role != roleIgnore && c.role != roleCheck {
				missing = append(missing, c.name)
			}
			continue
		}
		assigned[j] = true
		fp.ops[j] = fieldOp{role: c.role, dedupe: c.dedupe, col: int32(ci), out: int32(c.out), cat: int32(c.cat), key: int32(c.key),
			text: int32(slices.Index(ld.textCol, ci) + 1)}
	}
	if len(missing) > 0 {
		return &Error{Kind: ErrHeader, File: name, Columns: missing,
			Msg: fmt.Sprintf("missing required columns %s (profile %s; the first file has them)", quoteList(missing), ld.prof.Name)}
	}
	ld.plans = append(ld.plans, fp)
	return nil
}

// named reports whether a header name is one the run relies on: a column
// of the profile or of LoadOptions.Drop and Features. Such a name given
// twice is ambiguous.
func (ld *loader) named(name string) bool {
	p := ld.prof
	m := newMatcher([]string{name}, p.Aliases)
	lists := [][]string{{p.LabelColumn, p.ClassColumn, p.TimestampColumn}, p.DropColumns, p.WeakColumns,
		p.NetworkFeatureColumns, p.CategoricalColumns, p.DedupeIgnoreColumns, ld.opts.Drop, ld.opts.Features}
	for _, l := range lists {
		for _, n := range l {
			if n != "" && m.find(n) == 0 {
				return true
			}
		}
	}
	return false
}

func dupError(file string, d dupName, profile string) error {
	return &Error{Kind: ErrHeader, File: file, Column: d.name, Columns: []string{d.name},
		Msg: fmt.Sprintf("the header names this column twice, at positions %d and %d; profile %s needs it once",
			d.first+1, d.second+1, profile)}
}

// makePlan decides every column's role from the first file's header.
func (ld *loader) makePlan(name string, header []string, dups []dupName) error {
	if ld.prof == nil {
		p, why, err := detectProfile(header)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.File = name
			}
			return err
		}
		ld.prof, ld.why = p, why
	}
	p := ld.prof
	for _, d := range dups {
		if ld.named(d.name) {
			return dupError(name, d, p.Name)
		}
		ld.warnings = append(ld.warnings, Warning{Kind: WarnDuplicateHeader, Column: d.name,
			Message: fmt.Sprintf("%s: the header names column %s twice, at positions %d and %d; the second is read as %s",
				escape(name), quote(d.name), d.first+1, d.second+1, quote(d.renamed))})
	}
	m := newMatcher(header, p.Aliases)
	flags := make([]map[string]bool, len(header))
	for i := range flags {
		flags[i] = map[string]bool{}
	}
	mark := func(list []string, flag string) {
		for _, n := range list {
			if i := m.find(n); i >= 0 {
				flags[i][flag] = true
			} else if !slices.Contains(ld.absent, n) {
				ld.absent = append(ld.absent, n)
			}
		}
	}
	mark(p.DropColumns, "drop")
	mark(p.WeakColumns, "weak")
	mark(p.NetworkFeatureColumns, "network")
	mark(p.CategoricalColumns, "categorical")
	mark(p.DedupeIgnoreColumns, "nodedupe")
	labelIdx, classIdx, tsIdx := -1, -1, -1
	if p.LabelColumn != "" {
		labelIdx = m.find(p.LabelColumn)
	}
	if p.ClassColumn != "" {
		classIdx = m.find(p.ClassColumn)
	}
	if p.TimestampColumn != "" {
		tsIdx = m.find(p.TimestampColumn)
	}
	mc := ld.opts.MultiClass
	var missing []string
	needLabel := !mc && p.LabelColumn != ""
	needClass := mc || p.LabelColumn == ""
	if ld.like != nil && labelIdx < 0 && classIdx < 0 {
		needLabel, needClass = false, false // unlabeled data to predict on
	}
	if needLabel && labelIdx < 0 {
		missing = append(missing, p.LabelColumn)
	}
	if needClass && classIdx < 0 {
		missing = append(missing, p.ClassColumn)
	}
	sorting := ld.opts.SortByTimestamp && p.TimestampColumn != ""
	if sorting && tsIdx < 0 {
		missing = append(missing, p.TimestampColumn)
	}
	// In LoadLike the inputs are the schema's, found by name.
	likeInput := map[int]int{} // header index -> schema input index
	if ld.like != nil {
		for k, in := range ld.like.Inputs {
			i := m.find(in.Column)
			if i < 0 {
				missing = append(missing, in.Column)
				continue
			}
			likeInput[i] = k
		}
	}
	ld.textCol = ld.textCol[:0]
	for _, tc := range ld.opts.TextColumns {
		i := m.find(tc)
		if i < 0 {
			missing = append(missing, tc)
		}
		ld.textCol = append(ld.textCol, i)
	}
	if len(missing) > 0 {
		return &Error{Kind: ErrHeader, File: name, Columns: missing,
			Msg: fmt.Sprintf("missing required columns %s (profile %s)", quoteList(missing), p.Name)}
	}
	ld.store.text = make([][]string, len(ld.textCol))
	asked := func(list []string, what, as string) (map[int]bool, error) {
		if list == nil {
			return nil, nil
		}
		set := map[int]bool{}
		for _, n := range list {
			i := m.find(n)
			if i < 0 {
				return nil, &Error{Kind: ErrHeader, File: name, Column: n, Columns: []string{n},
					Msg: fmt.Sprintf("no such column to %s (the header has %d columns)", what, len(header))}
			}
			if i == labelIdx || i == classIdx || i == tsIdx {
				return nil, &Error{Kind: ErrHeader, File: name, Column: n, Columns: []string{n},
					Msg: fmt.Sprintf("the label, class and timestamp columns cannot be %s", as)}
			}
			set[i] = true
		}
		return set, nil
	}
	userDrop, err := asked(ld.opts.Drop, "drop", "dropped")
	if err != nil {
		return err
	}
	userFeatures, err := asked(ld.opts.Features, "use as a feature", "features")
	if err != nil {
		return err
	}
	if ld.like != nil {
		for i := range userDrop {
			if _, ok := likeInput[i]; ok {
				return &Error{Kind: ErrHeader, File: name, Column: header[i], Columns: []string{header[i]},
					Msg: "the model reads this column; it cannot be dropped"}
			}
		}
		if userFeatures != nil {
			for i := range userFeatures {
				if _, ok := likeInput[i]; !ok {
					return &Error{Kind: ErrHeader, File: name, Column: header[i], Columns: []string{header[i]},
						Msg: "the model was not trained on this column"}
				}
			}
			if len(userFeatures) != len(likeInput) {
				return &Error{Kind: ErrHeader, File: name,
					Msg: fmt.Sprintf("%d feature columns asked, the model reads %d", len(userFeatures), len(likeInput))}
			}
		}
	}
	screen := ld.screen
	if screen == nil {
		screen = screenFile(name, len(header))
	}
	textOut := func(i int, h, why string) {
		ld.warnings = append(ld.warnings, Warning{Kind: WarnTextColumn, Column: h,
			Message: fmt.Sprintf("column %s is not %s: %s; left out", quote(h), why, screen.why(i))})
	}
	if sorting {
		tp, err := newTSParser(p.TimestampLayouts)
		if err != nil {
			return fmt.Errorf("dataset: profile %s: %v", p.Name, err)
		}
		ld.tsProto = tp
		ld.hasTS = true
	}
	ld.hasCls = classIdx >= 0
	ld.hasLab = labelIdx >= 0 && !mc
	ld.cols = make([]column, len(header))
	if ld.like != nil {
		ld.inputs = make([]inputCol, len(ld.like.Inputs))
	}
	for i, h := range header {
		c := column{name: h, out: -1, cat: -1}
		f := flags[i]
		switch {
		case i == labelIdx:
			c.role, c.reason = roleLabel, "label"
			if mc {
				c.role = roleIgnore // multi-class labels come from the class column
			}
		case i == classIdx:
			c.role, c.reason = roleClass, "class"
		case i == tsIdx:
			c.role, c.reason = roleIgnore, "timestamp"
			if sorting {
				c.role = roleTimestamp
			}
		case ld.like != nil:
			if k, ok := likeInput[i]; ok {
				in := ld.like.Inputs[k]
				c.out = k
				if in.Encoding != "" {
					c.role, c.cat = roleCategorical, ld.ncat
					ld.ncat++
					ld.inputs[k] = inputCol{name: h, col: i, cat: c.cat, enc: in.Encoding}
				} else {
					c.role = roleFeature
					ld.inputs[k] = inputCol{name: h, col: i, cat: -1}
				}
				break
			}
			c.role, c.reason = roleIgnore, "not in schema"
			switch {
			case userDrop[i]:
				c.reason = "asked"
			case f["drop"]:
				c.reason = "drop"
			case f["weak"] && !f["categorical"] && !screen.isText(i):
				c.role, c.reason = roleCheck, "weak"
			case f["network"] && !f["categorical"] && !screen.isText(i):
				c.role, c.reason = roleCheck, "network"
			}
		case userDrop[i]:
			c.role, c.reason = roleIgnore, "asked"
		case userFeatures != nil && !userFeatures[i]:
			c.role, c.reason = roleIgnore, "not asked"
		case userFeatures != nil:
			if f["categorical"] || screen.isText(i) {
				enc := Factorize
				if f["categorical"] {
					enc = p.encodingOf(h, m)
				}
				c.role, c.cat, c.out = roleCategorical, ld.ncat, len(ld.inputs)
				ld.ncat++
				ld.inputs = append(ld.inputs, inputCol{name: h, col: i, cat: c.cat, enc: enc})
			} else {
				c.role, c.out = roleFeature, len(ld.inputs)
				ld.inputs = append(ld.inputs, inputCol{name: h, col: i, cat: -1})
			}
		case f["drop"]:
			c.role, c.reason = roleIgnore, "drop"
		case f["weak"]:
			c.role, c.reason = roleCheck, "weak"
			if f["categorical"] || screen.isText(i) {
				c.role = roleIgnore
			}
		case f["network"] && !ld.opts.NetworkFeatures:
			c.role, c.reason = roleCheck, "network"
			if f["categorical"] || screen.isText(i) {
				c.role = roleIgnore
			}
		case f["categorical"]:
			c.role, c.cat, c.out = roleCategorical, ld.ncat, len(ld.inputs)
			ld.ncat++
			ld.inputs = append(ld.inputs, inputCol{name: h, col: i, cat: c.cat, enc: p.encodingOf(h, m)})
		case screen.isText(i):
			c.role, c.reason = roleIgnore, "text"
			textOut(i, h, "a feature")
		default:
			c.role, c.out = roleFeature, len(ld.inputs)
			ld.inputs = append(ld.inputs, inputCol{name: h, col: i, cat: -1})
		}
		c.dedupe = ld.opts.Dedupe && !f["nodedupe"] && i != tsIdx
		if c.dedupe {
			c.key = ld.keyLen
			switch c.role {
			case roleFeature, roleCheck, roleLabel:
				ld.keyLen += 8
			default:
				ld.keyLen += 16
			}
		}
		ld.cols[i] = c
	}
	if len(ld.inputs) == 0 {
		return &Error{Kind: ErrProfile, File: name,
			Msg: fmt.Sprintf("no input columns left after the profile's drop, weak and network columns and the columns left out (profile %s)", p.Name)}
	}
	ld.store.width = len(ld.inputs)
	return nil
}
