package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Parquet files go through the same plan, row parser and assembly as CSV:
// a file's leaf columns are its header, each row group is one job, and a
// row's values reach row() as cells, numbers as numbers (no text round
// trip) and strings as bytes. So profiles, auto-detection, the bad-value
// policy, dedupe and the sort behave as for CSV. Row groups are parsed in
// parallel; a file with one row group is parsed by one worker.

var parquetMagic = []byte("PAR1")

// isParquet reports whether path starts with the Parquet magic number.
func isParquet(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	return n == 4 && bytes.Equal(head[:], parquetMagic)
}

// damaged turns a panic of the Parquet library on a damaged file into an
// error: call it deferred, with the error result to set. parquet-go checks
// most, not all, of the lengths and offsets a file states (FuzzLoadParquet
// found slice bounds panics on corrupt data pages).
func damaged(path string, err *error) {
	if r := recover(); r != nil {
		*err = &Error{Kind: ErrRead, File: path, Msg: fmt.Sprintf("damaged Parquet file (%v)", r)}
	}
}

// parquetFile is an open Parquet file and what its columns hold.
type parquetFile struct {
	os     *os.File
	pf     *parquet.File
	names  []string // leaf column names, in file order
	tsUnit []int64  // nanoseconds per unit of a TIMESTAMP column, else 0
}

// openParquet opens a Parquet file and checks that its schema is flat: one
// value per column per row, as a flow table has.
func openParquet(path string) (p *parquetFile, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Kind: ErrRead, File: path, Msg: err.Error(), Err: err}
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	defer damaged(path, &err) // runs first: a panic becomes err, then f closes
	st, err := f.Stat()
	if err != nil {
		return nil, &Error{Kind: ErrRead, File: path, Msg: err.Error(), Err: err}
	}
	if err := checkFooter(f, st.Size()); err != nil {
		return nil, &Error{Kind: ErrRead, File: path, Msg: "not a readable Parquet file: " + err.Error()}
	}
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, &Error{Kind: ErrRead, File: path, Msg: "not a readable Parquet file: " + err.Error(), Err: err}
	}
	p = &parquetFile{os: f, pf: pf}
	for _, c := range pf.Root().Columns() {
		if !c.Leaf() || c.Repeated() {
			return nil, &Error{Kind: ErrSyntax, File: path, Column: c.Name(),
				Msg: "a nested or repeated Parquet column; tfnids reads flat tables (one value per column per row)"}
		}
		p.names = append(p.names, c.Name())
		p.tsUnit = append(p.tsUnit, timestampUnit(c.Type()))
	}
	if len(p.names) == 0 {
		return nil, &Error{Kind: ErrNoData, File: path, Msg: "a Parquet file without columns"}
	}
	return p, nil
}

// checkFooter checks the footer length a file states before the library
// allocates a buffer of that size: a damaged length would ask for up to
// 4 GiB.
func checkFooter(f *os.File, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes, shorter than the Parquet magic numbers and footer length", size)
	}
	var tail [8]byte
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("the footer claims %d bytes of a %d-byte file", n, size)
	}
	return nil
}

// timestampUnit returns the nanoseconds per unit of a TIMESTAMP column
// (pandas writes datetime64 columns so), or 0.
func timestampUnit(t parquet.Type) int64 {
	lt := t.LogicalType()
	if lt == nil {
		return 0
	}
	ts, ok := lt.Value.(*format.TimestampType)
	if !ok {
		return 0
	}
	switch ts.Unit.Value.(type) {
	case *format.MilliSeconds:
		return 1e6
	case *format.MicroSeconds:
		return 1e3
	case *format.NanoSeconds:
		return 1
	}
	return 0
}

// parquetHeader returns the cleaned column names of a Parquet file.
func parquetHeader(path string) ([]string, error) {
	p, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer p.os.Close()
	return cleanNames(p.names), nil
}

func cleanNames(names []string) []string {
	rec := make([][]byte, len(names))
	for i, n := range names {
		rec[i] = []byte(n)
	}
	h, _ := cleanHeader(rec)
	return h
}

// parquetJob is one row group to parse.
type parquetJob struct {
	file    *parquetFile
	rg      parquet.RowGroup
	row0    int // 0-based row of the file where the group starts
	helpers int // goroutines decoding the group's columns
}

// readParquet plans a Parquet file and hands its row groups to the workers.
func (ld *loader) readParquet(fi int, name string, jobs chan<- *job, seq *int) error {
	p, err := openParquet(name)
	if err != nil {
		return err
	}
	ld.closers = append(ld.closers, p.os)
	rec := make([][]byte, len(p.names))
	for i, n := range p.names {
		rec[i] = []byte(n)
	}
	header, dups := cleanHeader(rec)
	if fi == 0 {
		ld.screen = screenParquet(p)
	}
	if err := ld.addFile(fi, name, header, dups); err != nil {
		return err
	}
	ld.plans[fi].parquet = true
	total := 0
	for _, rg := range p.pf.RowGroups() {
		total += int(rg.NumRows())
	}
	if total == 0 {
		return nil // no rows; finish reports a load without data
	}
	if int64(total)*int64(4*max(1, ld.store.width)) > memBudget() {
		return &Error{Kind: ErrRead, File: name,
			Msg: fmt.Sprintf("the file claims %d rows, more than memory holds (damaged metadata?)", total)}
	}
	if need := ld.nextSlot + total; need > len(ld.store.status) {
		ld.inflight.Wait() // no worker may write while the store moves
		ld.store.grow(max(need, len(ld.store.status)*3/2), ld.hasTS, ld.hasCls, ld.hasLab, ld.opts.Dedupe)
	}
	// A file of fewer row groups than workers lends each group's column
	// decoding the idle workers' share of the cores.
	helpers := max(1, ld.workers/max(1, len(p.pf.RowGroups())))
	row0 := 0
	for _, rg := range p.pf.RowGroups() {
		n := int(rg.NumRows())
		if n == 0 {
			continue
		}
		if err := ld.ctx.Err(); err != nil {
			return err
		}
		if int64(*seq) > ld.errSeq.Load() {
			return nil
		}
		ld.inflight.Add(1)
		jobs <- &job{seq: *seq, file: fi, plan: ld.plans[fi], pq: &parquetJob{file: p, rg: rg, row0: row0, helpers: helpers},
			slot0: ld.nextSlot, nslots: n}
		*seq++
		ld.nextSlot += n
		row0 += n
	}
	return nil
}

// processParquet parses one row group. Columns are decoded batch by batch
// straight from their pages (no row assembly), by several goroutines when
// the file has fewer row groups than there are workers; the rows of a batch
// are then parsed in order.
func (w *worker) processParquet(j *job) (res *chunkResult) {
	res = w.startChunk(j)
	var panicErr error
	defer func() {
		if panicErr != nil {
			res.err = panicErr
		}
	}()
	defer damaged(j.plan.name, &panicErr) // runs first
	ld := w.ld
	plan := j.plan
	pj := j.pq
	chunks := pj.rg.ColumnChunks()
	ncols := len(plan.ops)
	if len(chunks) != ncols {
		res.err = plan.at(pj.row0+1, &Error{Kind: ErrSyntax,
			Msg: fmt.Sprintf("a row group of %d columns, but the schema has %d", len(chunks), ncols)})
		return res
	}
	const batch = 4096
	cols := make([]*pqColumn, ncols)
	for c := range cols {
		if plan.ops[c].role == roleIgnore && !plan.ops[c].dedupe && plan.ops[c].text == 0 {
			continue // never read: its pages are not even decoded
		}
		cols[c] = &pqColumn{pages: chunks[c].Pages(), vals: make([]parquet.Value, batch)}
		defer cols[c].close()
	}
	helpers := 1
	if pj.helpers > 1 {
		helpers = pj.helpers
	}
	c := pqCells{cols: make([][]parquet.Value, ncols), tsUnit: pj.file.tsUnit, scratch: new([]byte)}
	st := &ld.store
	for r0 := 0; r0 < j.nslots; r0 += batch {
		n := min(batch, j.nslots-r0)
		if err := decodeBatch(cols, n, helpers); err != nil {
			res.err = &Error{Kind: ErrRead, File: plan.name, Row: pj.row0 + r0 + 1, Msg: err.Error(), Err: err}
			return res
		}
		for k, col := range cols {
			if col != nil {
				c.cols[k] = col.vals[:n]
			}
		}
		for r := 0; r < n; r++ {
			c.r = r
			res.rows++
			if err := row(w, plan, c, j.slot0+r0+r, pj.row0+r0+r+1, res, st); err != nil {
				res.err = err
				return res
			}
		}
		for _, col := range cols {
			if col != nil {
				col.releaseDone()
			}
		}
	}
	return res
}

// decodeBatch fills every column's buffer with its next n values, the
// columns shared among helpers goroutines.
func decodeBatch(cols []*pqColumn, n, helpers int) error {
	if helpers <= 1 {
		for _, col := range cols {
			if col != nil {
				if err := col.read(n); err != nil {
					return err
				}
			}
		}
		return nil
	}
	errs := make([]error, helpers)
	var wg sync.WaitGroup
	for h := 0; h < helpers; h++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer damaged("", &errs[h])
			for k := h; k < len(cols); k += helpers {
				if cols[k] != nil {
					if err := cols[k].read(n); err != nil {
						errs[h] = err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pqColumn reads one column chunk's values page by page.
type pqColumn struct {
	pages parquet.Pages
	page  parquet.Page
	vr    parquet.ValueReader
	vals  []parquet.Value
	done  []parquet.Page // pages read to the end, released after the batch
}

// read fills vals[:n] with the next n values.
func (c *pqColumn) read(n int) error {
	got := 0
	for got < n {
		if c.vr == nil {
			p, err := c.pages.ReadPage()
			if err != nil {
				if err == io.EOF {
					return fmt.Errorf("the column ends %d values early", n-got)
				}
				return err
			}
			c.page, c.vr = p, p.Values()
		}
		k, err := c.vr.ReadValues(c.vals[got:n])
		got += k
		switch {
		case err == io.EOF:
			c.done = append(c.done, c.page)
			c.page, c.vr = nil, nil
		case err != nil:
			return err
		case k == 0:
			return fmt.Errorf("a page yields no values")
		}
	}
	return nil
}

// releaseDone returns the pages whose values the last batch used up.
func (c *pqColumn) releaseDone() {
	for _, p := range c.done {
		parquet.Release(p)
	}
	c.done = c.done[:0]
}

func (c *pqColumn) close() {
	c.releaseDone()
	if c.page != nil {
		parquet.Release(c.page)
	}
	c.pages.Close()
}

// pqCells are a Parquet row's values, by column.
type pqCells struct {
	cols    [][]parquet.Value // per column, the batch's values
	r       int               // the row in the batch
	tsUnit  []int64
	scratch *[]byte // text of numeric values, valid until the next text call
}

func (c pqCells) number(j int) (float64, badKind) {
	v := c.cols[j][c.r]
	if v.IsNull() {
		return 0, badMissing
	}
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			return 1, badNone
		}
		return 0, badNone
	case parquet.Int32:
		return float64(v.Int32()), badNone
	case parquet.Int64:
		return float64(v.Int64()), badNone
	case parquet.Float:
		return checkFloat(float64(v.Float()))
	case parquet.Double:
		return checkFloat(v.Double())
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return parseNumber(v.ByteArray())
	}
	return 0, badText
}

// checkFloat classifies a stored float as parseNumber classifies text:
// NaN is missing, ±Inf infinite, beyond float32 out of range.
func checkFloat(f float64) (float64, badKind) {
	switch {
	case math.IsNaN(f):
		return 0, badMissing
	case math.IsInf(f, 0):
		return 0, badInfinite
	case math.Abs(f) > math.MaxFloat32:
		return 0, badRange
	}
	return f, badNone
}

func (c pqCells) text(j int) []byte {
	v := c.cols[j][c.r]
	if v.IsNull() {
		return nil
	}
	b := (*c.scratch)[:0]
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return v.ByteArray()
	case parquet.Boolean:
		b = strconv.AppendBool(b, v.Boolean())
	case parquet.Int32:
		b = strconv.AppendInt(b, int64(v.Int32()), 10)
	case parquet.Int64:
		b = strconv.AppendInt(b, v.Int64(), 10)
	case parquet.Float:
		b = strconv.AppendFloat(b, float64(v.Float()), 'g', -1, 32)
	case parquet.Double:
		b = strconv.AppendFloat(b, v.Double(), 'g', -1, 64)
	default:
		b = append(b, v.String()...)
	}
	*c.scratch = b
	return b
}

func (c pqCells) time(j int) (int64, bool) {
	u := c.tsUnit[j]
	if u == 0 {
		return 0, false
	}
	v := c.cols[j][c.r]
	if u == 0 || v.IsNull() || v.Kind() != parquet.Int64 {
		return 0, false
	}
	return v.Int64() * u, true
}

// screenParquet samples the first rows of a Parquet file for text columns,
// as screenFile does for CSV.
func screenParquet(p *parquetFile) (s *screenSample) {
	s = &screenSample{cols: make([]colSample, len(p.names))}
	defer func() {
		if recover() != nil {
			s.rows = 0 // a damaged file: no screen; the reader reports the damage
		}
	}()
	for _, rg := range p.pf.RowGroups() {
		if s.rows >= screenRows {
			break
		}
		rows := rg.Rows()
		buf := make([]parquet.Row, 128)
		for s.rows < screenRows {
			n, err := rows.ReadRows(buf)
			for _, pr := range buf[:n] {
				if s.rows >= screenRows || len(pr) != len(s.cols) {
					break
				}
				s.rows++
				for _, v := range pr {
					k := v.Kind()
					if v.IsNull() || k != parquet.ByteArray && k != parquet.FixedLenByteArray {
						continue
					}
					f := v.ByteArray()
					if _, bk := parseNumber(f); bk == badText && !isPlaceholder(f) {
						c := &s.cols[v.Column()]
						if c.text == 0 {
							c.example = string(f)
						}
						c.text++
					}
				}
			}
			if err != nil || n == 0 {
				break
			}
		}
		rows.Close()
	}
	return s
}
