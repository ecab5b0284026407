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
		return nil, fmt.Errorf("dataset: no data files given")
	}
	var out []string
	seen := map[string]bool{}
	add := func(p string) error {
		abs, _ := filepath.Abs(p)
		if seen[abs] {
			return fmt.Errorf("dataset: %s is listed twice", p)
		}
		seen[abs] = true
		out = append(out, p)
		return nil
	}
	for _, p := range paths {
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("dataset: bad glob %q: %v", p, err)
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
				return nil, fmt.Errorf("dataset: no file matches %q", p)
			}
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("dataset: %s: no such file or directory", p)
			}
			return nil, fmt.Errorf("dataset: %v", err)
		}
		if !st.IsDir() {
			if err := add(p); err != nil {
				return nil, err
			}
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("dataset: %v", err)
		}
		var names []string
		for _, e := range ents {
			n := strings.ToLower(e.Name())
			if !e.IsDir() && (strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".csv.gz")) {
				names = append(names, filepath.Join(p, e.Name()))
			}
		}
		sort.Strings(names)
		if len(names) == 0 {
			return nil, fmt.Errorf("dataset: directory %s holds no .csv or .csv.gz file", p)
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
			return nil, fmt.Errorf("dataset: %s: %v", files[0], err)
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
		return cleanHeader(rec), nil
	}
}

var bom = []byte{0xEF, 0xBB, 0xBF}

func cleanHeader(rec [][]byte) []string {
	h := make([]string, len(rec))
	seen := map[string]int{}
	for i, f := range rec {
		name := cleanHeaderName(string(f))
		k := normName(name)
		if n, dup := seen[k]; dup {
			seen[k] = n + 1
			name = fmt.Sprintf("%s.%d", name, n+1)
		} else {
			seen[k] = 0
		}
		h[i] = name
	}
	return h
}

// openData opens a file, decompressing it when it starts with the gzip
// magic number.
func openData(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{Kind: ErrRead, File: path, Msg: "no such file", Err: err}
		}
		return nil, &Error{Kind: ErrRead, Msg: err.Error(), Err: err}
	}
	br := bufio.NewReaderSize(f, 1<<16)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, &Error{Kind: ErrRead, File: path, Msg: "gzip: " + err.Error(), Err: err}
		}
		return struct {
			io.Reader
			io.Closer
		}{zr, f}, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{br, f}, nil
}
