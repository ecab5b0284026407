package dataset

import (
	"bytes"
	"fmt"
	"io"
)

// Text screening: a column the profile does not name is a numeric feature
// by default, but merged collections carry text columns (a constant naming
// the source dataset, say) that would make every row a bad value. Before
// the plan is made, the first rows of the first file are read once and
// every column's share of text cells counted, so the plan can leave such
// columns out (or encode them when they are asked for as features).

const (
	screenRows  = 1000    // rows sampled
	screenBytes = 1 << 20 // decompressed bytes read at most
)

// colSample is what the screen saw in one column.
type colSample struct {
	text    int    // cells that are text: not a number and not missing
	example string // the first text cell
}

// screenSample is the screen of a file's first rows.
type screenSample struct {
	rows int
	cols []colSample
}

// isText reports whether column i held text in nearly every sampled row
// (at least 90%).
func (s *screenSample) isText(i int) bool {
	return s != nil && s.rows > 0 && i < len(s.cols) && s.cols[i].text*10 >= s.rows*9
}

// why says what the screen saw in column i, for warnings.
func (s *screenSample) why(i int) string {
	return fmt.Sprintf("it holds text in %d of the first %d rows (e.g. %s)", s.cols[i].text, s.rows, quote(s.cols[i].example))
}

// isPlaceholder reports the cells that stand for "no value" in flow data
// ("-" in Zeek logs, "?"): missing numbers, not text.
func isPlaceholder(f []byte) bool {
	f = trimSpace(f)
	return len(f) == 1 && (f[0] == '-' || f[0] == '?')
}

// screenFile samples the first rows of path. Problems reading it are left
// to the reader, which reports them with their line; the screen then sees
// what it could.
func screenFile(path string, ncols int) *screenSample {
	rc, err := openData(path)
	if err != nil {
		return nil
	}
	defer rc.Close()
	buf := make([]byte, screenBytes)
	n, err := io.ReadFull(rc, buf)
	buf = buf[:n]
	if err == nil {
		if end := recordEnd(buf); end > 0 {
			buf = buf[:end]
		}
	}
	buf = bytes.TrimPrefix(buf, bom)
	s := &screenSample{cols: make([]colSample, ncols)}
	sc := recordScanner{data: buf}
	var fields [][]byte
	header := true
	for s.rows < screenRows {
		var err error
		fields, _, err = sc.next(fields)
		if err != nil {
			break
		}
		if header {
			header = false
			continue
		}
		if len(fields) != ncols {
			continue // the reader reports ragged rows
		}
		s.rows++
		for i, f := range fields {
			if _, k := parseNumber(f); k == badText && !isPlaceholder(f) {
				c := &s.cols[i]
				if c.text == 0 {
					c.example = string(f)
				}
				c.text++
			}
		}
	}
	return s
}
