package dataset

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// readStd reads data with encoding/csv, the behaviour our scanner follows.
func readStd(data []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

func TestReadCSVRecords(t *testing.T) {
	cases := []struct {
		in      string
		want    [][]string
		wantErr bool
	}{
		{"a,b\n1,2\n", [][]string{{"a", "b"}, {"1", "2"}}, false},                               // 0
		{"a,b\r\n1,2\r\n", [][]string{{"a", "b"}, {"1", "2"}}, false},                           // 1 CRLF
		{"a,b\n\n1,2", [][]string{{"a", "b"}, {"1", "2"}}, false},                               // 2 empty line, no final newline
		{"a,\"b,c\"\n\"x\"\"y\",\"1\n2\"\n", [][]string{{"a", "b,c"}, {"x\"y", "1\n2"}}, false}, // 3 quotes
		{"a,b\"c\n", nil, true},                                // 4 bare quote
		{"\"a\"b,c\n", nil, true},                              // 5 text after closing quote
		{"\"abc\n", nil, true},                                 // 6 unterminated
		{"a,,\n", [][]string{{"a", "", ""}}, false},            // 7 empty fields
		{"\"a\r\nb\",c\r\n", [][]string{{"a\nb", "c"}}, false}, // 8 CRLF inside quotes
		{"a\r", [][]string{{"a"}}, false},                      // 9 trailing CR at EOF
	}
	for i, c := range cases {
		for _, chunk := range []int{1, 3, 1 << 20} {
			got, err := readCSVRecords(bytes.NewReader([]byte(c.in)), chunk)
			if (err != nil) != c.wantErr {
				t.Errorf("%d/chunk %d: err = %v, want error %v", i, chunk, err, c.wantErr)
				continue
			}
			if !c.wantErr && !reflect.DeepEqual(got, c.want) {
				t.Errorf("%d/chunk %d: got %q, want %q", i, chunk, got, c.want)
			}
		}
	}
}

// FuzzReadCSV checks the chunked in-place CSV parser against encoding/csv:
// same records, and an error exactly when encoding/csv reports one, for
// every chunk size.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a,\"b\"\"c\",d\r\n", "\"x\ny\",z\n", "a\"b\n", "\"a\"b\n", "\n\n", "\r", "\"", "a,b\n1\n",
		"id,Flow ID,Label\n1,10.0.0.1-10.0.0.2-1-2-6,BENIGN\n",
	} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		want, wantErr := readStd(append([]byte(nil), data...))
		for _, size := range []int{int(chunk) + 1, len(data) + 1} {
			got, err := readCSVRecords(bytes.NewReader(data), size)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("chunk %d: err %v, encoding/csv err %v\ninput %q", size, err, wantErr, data)
			}
			if len(got) > len(want) {
				t.Fatalf("chunk %d: %d records, encoding/csv %d\ninput %q", size, len(got), len(want), data)
			}
			if !reflect.DeepEqual(got, want[:len(got)]) || (err == nil && len(got) != len(want)) {
				t.Fatalf("chunk %d: got %q\nwant %q\ninput %q", size, got, want, data)
			}
		}
	})
}

// FuzzLoad runs arbitrary rows (after a fixed header) through the whole
// loader with tiny chunks and every policy: it must return an error or a
// consistent frame of finite values, never panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("1,2024-01-01 00:00:02,1.5,10,0,tcp,0,normal\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, rows []byte) {
		path := filepath.Join(dir, "f.csv")
		data := append([]byte("id,ts,a,b,weak,proto,label,class\n"), rows...)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, pol := range []BadValuePolicy{BadDrop, BadZero, BadError} {
			fr, rep, err := Load([]string{path}, LoadOptions{Profile: testProfile(), BadValues: pol, MultiClass: pol == BadZero,
				SortByTimestamp: true, Dedupe: true, Workers: 2, ChunkBytes: 16})
			if err != nil {
				continue
			}
			if len(fr.X) != fr.Rows*fr.Features || len(fr.Labels) != fr.Rows || len(fr.Timestamps) != fr.Rows ||
				rep.RowsKept != fr.Rows || rep.RowsRead != fr.Rows+rep.DroppedBadValues+rep.DroppedDuplicates {
				t.Fatalf("inconsistent frame: %+v", rep)
			}
			for _, v := range fr.X {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("non-finite value in X: %q", rows)
				}
			}
		}
	})
}

// readCSVRecords reads every record of r with the same parser Load uses,
// splitting the input into chunks of chunkSize bytes (at least 1) the way
// Load's reader does. It exists for tests and the fuzz target and returns
// the records read before the first error.
func readCSVRecords(r io.Reader, chunkSize int) ([][]string, error) {
	if chunkSize < 1 {
		chunkSize = 1
	}
	var out [][]string
	var pending []byte
	buf := make([]byte, chunkSize)
	eof := false
	var fields [][]byte
	baseLine := 0
	for !eof || len(pending) > 0 {
		if !eof {
			n, err := io.ReadFull(r, buf)
			pending = append(pending, buf[:n]...)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				eof = true
			} else if err != nil {
				return out, err
			}
		}
		end := recordEnd(pending)
		if eof {
			end = len(pending)
		}
		if end <= 0 {
			if eof {
				break
			}
			buf = make([]byte, 2*len(buf)) // a long record: read more at once, as Load does
			continue
		}
		chunk := append([]byte(nil), pending[:end]...)
		pending = append(pending[:0], pending[end:]...)
		s := recordScanner{data: chunk}
		for {
			var line int
			var err error
			fields, line, err = s.next(fields)
			if err == io.EOF {
				break
			}
			if err != nil {
				return out, fmt.Errorf("line %d: %w", baseLine+line+1, err)
			}
			rec := make([]string, len(fields))
			for i, f := range fields {
				rec[i] = string(f)
			}
			out = append(out, rec)
		}
		baseLine += s.line
	}
	return out, nil
}
