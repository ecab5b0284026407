package dataset

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"unicode/utf8"
)

// worker parses chunks.
type worker struct {
	ld       *loader
	fields   [][]byte
	classMap map[string]int32
	catMaps  []map[string]int32
	ts       *tsParser
	hbuf     []byte
	strs     map[string]string // interned text cells (LoadOptions.TextColumns)
}

// startChunk readies the worker's maps for a chunk and returns its empty
// result.
func (w *worker) startChunk(j *job) *chunkResult {
	ld := w.ld
	res := &chunkResult{seq: j.seq, file: j.file, slot0: j.slot0, nslots: j.nslots,
		badCells: make([]int, len(ld.cols)), catDicts: make([][]string, ld.ncat)}
	if w.classMap == nil {
		w.classMap = map[string]int32{}
		w.catMaps = make([]map[string]int32, ld.ncat)
		for i := range w.catMaps {
			w.catMaps[i] = map[string]int32{}
		}
		if ld.tsProto != nil {
			w.ts = ld.tsProto.clone()
		}
		if ld.opts.Dedupe {
			w.hbuf = make([]byte, ld.keyLen)
		}
	}
	clear(w.classMap)
	for _, m := range w.catMaps {
		clear(m)
	}
	clear(w.hbuf)
	return res
}

// process parses a chunk of CSV records.
func (w *worker) process(j *job) *chunkResult {
	res := w.startChunk(j)
	ld := w.ld
	plan := j.plan
	st := &ld.store
	s := recordScanner{data: j.data}
	for {
		fields, rel, err := s.next(w.fields)
		w.fields = fields
		if err == io.EOF {
			break
		}
		line := j.line0 + rel
		if err != nil {
			res.err = &Error{Kind: ErrSyntax, File: plan.name, Line: line, Msg: err.Error(), Err: err}
			break
		}
		res.rows++
		if len(fields) != len(plan.ops) {
			res.err = &Error{Kind: ErrSyntax, File: plan.name, Line: line,
				Msg: fmt.Sprintf("%d fields, but the header has %d (ragged row)", len(fields), len(plan.ops))}
			break
		}
		if err := row(w, plan, csvCells{fields}, j.slot0+rel, line, res, st); err != nil {
			res.err = err
			break
		}
	}
	return res
}

// cells is one record as the parser sees it: the fields of a CSV record or
// the values of a Parquet row. The type parameter of row keeps the CSV path
// free of dynamic calls.
type cells interface {
	// number returns cell j as a number, or the kind of bad value.
	number(j int) (float64, badKind)
	// text returns cell j as text.
	text(j int) []byte
	// time returns cell j in Unix nanoseconds when the source types it as a
	// timestamp; ok is false when it must be parsed from text.
	time(j int) (ns int64, ok bool)
}

// csvCells are a CSV record's fields.
type csvCells struct{ fields [][]byte }

func (c csvCells) number(j int) (float64, badKind) { return parseNumber(c.fields[j]) }
func (c csvCells) text(j int) []byte               { return c.fields[j] }
func (c csvCells) time(int) (int64, bool)          { return 0, false }

// at sets where an error is: the 1-based line of a CSV file or row of a
// Parquet file.
func (p *filePlan) at(where int, e *Error) *Error {
	e.File = p.name
	if p.parquet {
		e.Row = where
	} else {
		e.Line = where
	}
	return e
}

// row parses one record into slot. where is its line (CSV) or row
// (Parquet) for errors.
func row[C cells](w *worker, plan *filePlan, c C, slot, where int, res *chunkResult, st *slotStore) error {
	ld := w.ld
	policy := ld.opts.BadValues
	width := st.width
	x := st.x[slot*width : (slot+1)*width]
	bad := false
	for j := range plan.ops {
		op := &plan.ops[j]
		if op.text > 0 {
			st.text[op.text-1][slot] = w.intern(c.text(j))
		}
		switch op.role {
		case roleIgnore:
			if op.dedupe {
				w.hashText(op.key, c.text(j))
			}
		case roleFeature, roleCheck:
			v, k := c.number(j)
			if k != badNone {
				res.badCells[op.col]++
				switch policy {
				case BadError:
					return ld.badValueError(plan, where, op.col, c.text(j), k.expected())
				case BadZero:
					res.zeroed++
				default:
					bad = true
				}
				v = 0
			}
			if op.role == roleFeature {
				x[op.out] = float32(v)
			}
			if op.dedupe {
				binary.LittleEndian.PutUint64(w.hbuf[op.key:], math.Float64bits(v))
			}
		case roleCategorical:
			f := c.text(j)
			x[op.out] = float32(w.category(op.cat, f, res))
			if op.dedupe {
				w.hashText(op.key, f)
			}
		case roleLabel:
			v, k := c.number(j)
			if k == badMissing || k == badInfinite {
				res.badCells[op.col]++
				if policy != BadDrop {
					return ld.badValueError(plan, where, op.col, c.text(j), "a label (0 or 1); "+policy.String()+" cannot fill a missing label")
				}
				bad = true
				continue
			}
			if k != badNone || (v != 0 && v != 1) {
				f := c.text(j)
				return plan.at(where, &Error{Kind: ErrLabel, Column: ld.cols[op.col].name, Value: string(f),
					Msg: fmt.Sprintf("label %s: expected 0 or 1 (is %s the right profile?)", quote(string(f)), ld.prof.Name)})
			}
			st.lab[slot] = int8(v)
			if op.dedupe {
				binary.LittleEndian.PutUint64(w.hbuf[op.key:], math.Float64bits(v))
			}
		case roleClass:
			f := trimSpace(c.text(j))
			if isMissingText(f) {
				res.badCells[op.col]++
				if policy != BadDrop {
					return ld.badValueError(plan, where, op.col, f, "a class name; "+policy.String()+" cannot fill a missing class")
				}
				bad = true
				continue
			}
			code, ok := w.classMap[string(f)]
			if !ok {
				if !utf8.Valid(f) {
					return plan.at(where, &Error{Kind: ErrLabel, Column: ld.cols[op.col].name, Value: string(f),
						Msg: fmt.Sprintf("class name %s is not valid UTF-8 (the file's encoding is not UTF-8?)", quote(string(f)))})
				}
				code = int32(len(res.classDict))
				name := string(f)
				w.classMap[name] = code
				res.classDict = append(res.classDict, name)
			}
			st.cls[slot] = code
			if op.dedupe {
				w.hashText(op.key, f)
			}
		case roleTimestamp:
			if t, ok := c.time(j); ok {
				st.ts[slot] = t
				continue
			}
			f := c.text(j)
			if isMissingText(f) {
				res.badCells[op.col]++
				if policy != BadDrop {
					return ld.badValueError(plan, where, op.col, f, "a timestamp; "+policy.String()+" cannot fill a missing timestamp")
				}
				bad = true
				continue
			}
			t, ok := w.ts.parse(f)
			if !ok {
				return plan.at(where, &Error{Kind: ErrTimestamp, Column: ld.cols[op.col].name, Value: string(f),
					Msg: fmt.Sprintf("timestamp %s matches none of the layouts %s (profile %s)",
						quote(string(f)), quoteList(ld.prof.TimestampLayouts), ld.prof.Name)})
			}
			st.ts[slot] = t
		}
	}
	if bad {
		st.status[slot] = slotBad
		res.badRows++
		return nil
	}
	st.status[slot] = slotKept
	if ld.opts.Dedupe {
		st.hash[slot] = [2]uint64{maphash.Bytes(ld.seeds[0], w.hbuf), maphash.Bytes(ld.seeds[1], w.hbuf)}
	}
	return nil
}

// hashText puts a text cell's 128-bit hash into the row's dedupe key.
// intern returns f as a string shared with earlier equal cells of this
// worker (addresses repeat across many flows).
func (w *worker) intern(f []byte) string {
	if w.strs == nil {
		w.strs = map[string]string{}
	}
	if s, ok := w.strs[string(f)]; ok {
		return s
	}
	s := string(f)
	w.strs[s] = s
	return s
}

func (w *worker) hashText(key int32, f []byte) {
	seeds := &w.ld.seeds
	binary.LittleEndian.PutUint64(w.hbuf[key:], maphash.Bytes(seeds[1], f))
	binary.LittleEndian.PutUint64(w.hbuf[key+8:], maphash.Bytes(seeds[2], f))
}

func (w *worker) category(cat int32, f []byte, res *chunkResult) int32 {
	m := w.catMaps[cat]
	code, ok := m[string(f)]
	if !ok {
		code = int32(len(res.catDicts[cat]))
		name := string(f)
		m[name] = code
		res.catDicts[cat] = append(res.catDicts[cat], name)
	}
	return code
}

func (ld *loader) badValueError(plan *filePlan, where int, col int32, f []byte, expected string) error {
	return plan.at(where, &Error{Kind: ErrBadValue, Column: ld.cols[col].name, Value: string(f),
		Policy: ld.opts.BadValues,
		Msg:    fmt.Sprintf("bad value %s: expected %s (bad-value policy %s)", quote(string(f)), expected, ld.opts.BadValues)})
}
