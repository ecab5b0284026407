package dataset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// reads: each argument in name order, arguments in the order given.
func ExpandPaths(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, &Error{Kind: ErrRead, Msg: "no data files given"}
	}
	var out []string
	seen := map[string]bool{}
	add := func(p string) error {
		abs, _ := filepath.Abs(p)
		if seen[abs] {
			return &Error{Kind: ErrRead, File: p, Msg: "listed twice"}
		}
		seen[abs] = true
		out = append(out, p)
		return nil
	}
	for _, p := range paths {
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, &Error{Kind: ErrRead, Msg: fmt.Sprintf("bad glob %s: %v", quote(p), err), Err: err}
			}
			sort.Strings(m)
			n := 0
			for _, f := range m {
				if st, err := os.Stat(f); err == nil && !st.IsDir() {
					if err := add(f); err != nil {
						return nil, err
					}
					n++
				}
			}
			if n == 0 {
				return nil, &Error{Kind: ErrRead, Msg: fmt.Sprintf("no file matches %s", quote(p))}
			}
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, &Error{Kind: ErrRead, File: p, Msg: "no such file or directory", Err: err}
			}
			return nil, &Error{Kind: ErrRead, Msg: err.Error(), Err: err}
		}
		if !st.IsDir() {
			if err := add(p); err != nil {
				return nil, err
			}
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, &Error{Kind: ErrRead, Msg: err.Error(), Err: err}
		}
		var names []string
		for _, e := range ents {
			n := strings.ToLower(e.Name())
			if !e.IsDir() && (strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".csv.gz") || strings.HasSuffix(n, ".parquet")) {
				names = append(names, filepath.Join(p, e.Name()))
			}
		}
		sort.Strings(names)
		if len(names) == 0 {
			return nil, &Error{Kind: ErrRead, File: p, Msg: "directory holds no .csv, .csv.gz or .parquet file"}
		}
		for _, f := range names {
			if err := add(f); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// ReadHeader returns the cleaned column names of a CSV file's header (BOM
// and spaces trimmed, duplicates renamed "name.1" as pandas does).
func ReadHeader(path string) ([]string, error) {
	files, err := ExpandPaths([]string{path})
	if err != nil {
		return nil, err
	}
	if isParquet(files[0]) {
		return parquetHeader(files[0])
	}
	rc, err := openData(files[0])
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 1<<16)
	var buf []byte
	for {
		line, err := br.ReadSlice('\n')
		buf = append(buf, line...)
		if err == bufio.ErrBufferFull {
			continue // a line longer than the buffer
		}
		atEOF := err == io.EOF
		if err != nil && !atEOF {
			if e, ok := err.(*Error); ok {
				return nil, e
			}
			return nil, &Error{Kind: ErrRead, File: files[0], Msg: err.Error(), Err: err}
		}
		end := recordEnd(buf)
		if atEOF {
			end = len(buf)
		}
		if end <= 0 && !atEOF {
			continue // a newline inside quotes: the record goes on
		}
		s := recordScanner{data: bytes.TrimPrefix(buf[:end], bom)}
		rec, _, perr := s.next(nil)
		switch {
		case perr == io.EOF && atEOF:
			return nil, &Error{Kind: ErrNoData, File: files[0], Msg: "empty file (no header)"}
		case perr == io.EOF:
			continue // only blank lines so far
		case perr != nil:
			return nil, &Error{Kind: ErrSyntax, File: files[0], Line: s.line + 1, Msg: "header: " + perr.Error(), Err: perr}
		}
		h, _ := cleanHeader(rec)
		return h, nil
	}
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// dupName is a header name given twice: at 0-based positions first and
// second; the second is renamed pandas-style.
type dupName struct {
	name          string
	first, second int
	renamed       string
}

// cleanHeader trims the header's names and renames repeated names "name.1",
// "name.2" as pandas does, reporting each repetition.
func cleanHeader(rec [][]byte) ([]string, []dupName) {
	h := make([]string, len(rec))
	type seenName struct{ n, first int }
	seen := map[string]seenName{}
	var dups []dupName
	for i, f := range rec {
		name := cleanHeaderName(string(f))
		k := normName(name)
		if s, dup := seen[k]; dup {
			s.n++
			seen[k] = s
			base := name
			name = fmt.Sprintf("%s.%d", name, s.n)
			dups = append(dups, dupName{name: base, first: s.first, second: i, renamed: name})
		} else {
			seen[k] = seenName{first: i}
		}
		h[i] = name
	}
	return h, dups
}

// openData opens a file, decompressing it when it starts with the gzip
// magic number. A truncated or corrupt archive is an ErrRead *Error naming
// the compressed byte offset, never a quiet end of data; a file whose lines
// end in a lone CR (old Mac style) reads as if they ended in LF.
func openData(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{Kind: ErrRead, File: path, Msg: "no such file", Err: err}
		}
		return nil, &Error{Kind: ErrRead, Msg: err.Error(), Err: err}
	}
	cr := &countingReader{r: f}
	br := bufio.NewReaderSize(cr, 1<<16)
	var r io.Reader = br
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, gzipError(path, cr.n-int64(br.Buffered()), err)
		}
		r = &gzipReader{zr: zr, path: path, cr: cr, br: br}
	}
	r = endCROnly(r)
	return struct {
		io.Reader
		io.Closer
	}{r, f}, nil
}

// countingReader counts the bytes read from a file.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// gzipReader turns every decompression failure, truncation included, into
// an *Error with the offset reached in the compressed file. gzip reports a
// cut archive as io.ErrUnexpectedEOF, which io.ReadFull would pass on as a
// short last read.
type gzipReader struct {
	zr   *gzip.Reader
	path string
	cr   *countingReader
	br   *bufio.Reader
}

func (g *gzipReader) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError(g.path, g.cr.n-int64(g.br.Buffered()), err)
	}
	return n, err
}

func gzipError(path string, offset int64, err error) error {
	what := "corrupt gzip archive"
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		what = "truncated gzip archive"
	}
	return &Error{Kind: ErrRead, File: path, Offset: offset, Err: err,
		Msg: fmt.Sprintf("%s: %v at compressed byte %d", what, err, offset)}
}

// endCROnly returns r, or when its first 64 KiB hold a CR but no LF, a
// reader that turns every CR into LF.
func endCROnly(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(1 << 16)
	if bytes.IndexByte(head, '\n') >= 0 || bytes.IndexByte(head, '\r') < 0 {
		return br
	}
	return crToLF{br}
}

type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
