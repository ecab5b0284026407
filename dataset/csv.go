package dataset

import (
	"bytes"
	"errors"
	"io"
)

// The CSV layer follows encoding/csv (RFC 4180 with its relaxations: "\r\n"
// read as "\n", empty lines skipped, fields quoted with '"' and "" inside a
// quoted field read as one '"'; a '"' inside an unquoted field or after a
// closing quote is an error), but it parses a buffer that holds whole
// records, in place and without allocating, so that several goroutines can
// parse consecutive chunks of one file at once. FuzzReadCSV checks it
// against encoding/csv.

var (
	errBareQuote = errors.New(`bare " in an unquoted field (quote the whole field and double the quote)`)
	errQuote     = errors.New(`extraneous or missing " in a quoted field`)
)

// recordScanner yields the records of data. Fields are views into data;
// quoted fields are unescaped in place, so data is modified and the fields
// of a record are only valid until the next call.
type recordScanner struct {
	data []byte
	pos  int // read position
	line int // '\n' consumed so far
}

// nextLine returns the next physical line without its "\n" or "\r\n" (and
// without a "\r" that ends the data, as encoding/csv drops it), and whether a
// newline ended it.
func (s *recordScanner) nextLine() (content []byte, nl, ok bool) {
	if s.pos >= len(s.data) {
		return nil, false, false
	}
	rest := s.data[s.pos:]
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		content = rest
		s.pos = len(s.data)
	} else {
		content = rest[:i]
		s.pos += i + 1
		s.line++
		nl = true
	}
	if n := len(content); n > 0 && content[n-1] == '\r' {
		content = content[:n-1]
	}
	return content, nl, true
}

// next returns the next record and the 0-based line (relative to data) it
// starts on, or io.EOF. A parse error carries that relative line.
func (s *recordScanner) next(fields [][]byte) ([][]byte, int, error) {
	fields = fields[:0]
	var line []byte
	var nl bool
	var start, recLine int
	for {
		start, recLine = s.pos, s.line
		var ok bool
		line, nl, ok = s.nextLine()
		if !ok {
			return fields, recLine, io.EOF
		}
		if len(line) > 0 {
			break
		}
		// Empty lines are skipped, as is a lone "\r" at the very end.
	}
	if bytes.IndexByte(line, '"') < 0 {
		// Fast path: no quotes, the record is this line.
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				return append(fields, line), recLine, nil
			}
			fields = append(fields, line[:i])
			line = line[i+1:]
		}
	}
	// Slow path: rewrite the record's fields in place from start on. Every
	// write lands at or before the read position, because unescaping and
	// line-end normalisation only shrink the text.
	w := start
	for {
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, ',')
			field := line
			if i >= 0 {
				field = line[:i]
			}
			if bytes.IndexByte(field, '"') >= 0 {
				return fields, recLine, errBareQuote
			}
			n := copy(s.data[w:], field)
			fields = append(fields, s.data[w:w+n])
			w += n
			if i < 0 {
				return fields, recLine, nil
			}
			line = line[i+1:]
			continue
		}
		line = line[1:]
		fstart := w
	quoted:
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				w += copy(s.data[w:], line[:i])
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"':
					s.data[w] = '"'
					w++
					line = line[1:]
				case len(line) > 0 && line[0] == ',':
					fields = append(fields, s.data[fstart:w])
					line = line[1:]
					break quoted
				case len(line) == 0:
					return append(fields, s.data[fstart:w]), recLine, nil
				default:
					return fields, recLine, errQuote
				}
			case len(line) > 0 || nl:
				// The quoted field goes on past the end of the line.
				w += copy(s.data[w:], line)
				if nl {
					s.data[w] = '\n'
					w++
				}
				var ok bool
				if line, nl, ok = s.nextLine(); !ok {
					line, nl = nil, false
				}
			default:
				return fields, recLine, errQuote // end of data inside quotes
			}
		}
	}
}

// recordEnd returns the length of the longest prefix of b made of whole
// records: up to and including the last '\n' outside quotes, or -1 when
// there is none. A '\n' is outside quotes when an even number of '"'
// precede it, which holds for every well-formed record.
func recordEnd(b []byte) int {
	if bytes.IndexByte(b, '"') < 0 {
		i := bytes.LastIndexByte(b, '\n')
		if i < 0 {
			return -1
		}
		return i + 1
	}
	end, inQuotes := -1, false
	for i, c := range b {
		switch c {
		case '"':
			inQuotes = !inQuotes
		case '\n':
			if !inQuotes {
				end = i + 1
			}
		}
	}
	return end
}
