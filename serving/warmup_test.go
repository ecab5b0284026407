package serving

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/pyenv"
)

func TestTFRecordRoundTripAndCorruption(t *testing.T) {
	recs := [][]byte{[]byte("a"), {}, bytes.Repeat([]byte{7}, 1000)}
	var b bytes.Buffer
	if err := WriteTFRecords(&b, recs); err != nil {
		t.Fatal(err)
	}
	got, err := ReadTFRecords(bytes.NewReader(b.Bytes()), 10)
	if err != nil || len(got) != 3 || string(got[0]) != "a" || len(got[1]) != 0 || len(got[2]) != 1000 {
		t.Fatalf("round trip: %v %q", err, got)
	}
	cases := []struct {
		name string
		mut  func([]byte) []byte
		want string
	}{
		{"length crc", func(b []byte) []byte { b[8] ^= 1; return b }, "record 0: corrupted length"},
		{"data crc", func(b []byte) []byte { b[12] ^= 1; return b }, "record 0: corrupted data"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-3] }, "record 2: truncated data"},
	}
	for _, c := range cases {
		mutated := c.mut(append([]byte(nil), b.Bytes()...))
		if _, err := ReadTFRecords(bytes.NewReader(mutated), 10); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.name, err, c.want)
		}
	}
	if _, err := ReadTFRecords(bytes.NewReader(b.Bytes()), 2); err == nil || !strings.Contains(err.Error(), "more than 2 records") {
		t.Errorf("limit: %v", err)
	}
}

// TestExportWarmupFile: the export's warm-up file reads back with
// TensorFlow's own TFRecord reader as a PredictionLog with one Predict
// request, and the server replays it before the version is AVAILABLE.
func TestExportWarmupFile(t *testing.T) {
	fx := newFixture(t, "gru", false)
	base := filepath.Join(t.TempDir(), "ids")
	dir := filepath.Join(base, "1")
	if err := Export(ExportOptions{Card: fx.card, Checkpoint: fx.ckpt, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, filepath.FromSlash(WarmupFile))
	var logs []string
	srv, err := NewServer(Options{ModelName: "ids", BasePath: base, Logf: func(f string, a ...any) {
		logs = append(logs, strings.TrimSpace(fmt.Sprintf(f, a...)))
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if !strings.Contains(strings.Join(logs, "\n"), "model ids version 1: replayed 1 warm-up request(s)") {
		t.Errorf("server log lacks the warm-up replay:\n%s", strings.Join(logs, "\n"))
	}
	// A corrupted file keeps the version from becoming AVAILABLE.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.MkdirAll(filepath.Join(bad, "1", "assets.extra"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyTree(t, dir, filepath.Join(bad, "1"))
	corrupt := append([]byte(nil), data...)
	corrupt[len(corrupt)-1] ^= 0xff
	if err := os.WriteFile(filepath.Join(bad, "1", filepath.FromSlash(WarmupFile)), corrupt, 0o644); err != nil {
		t.Fatal(err)
	}
	srv2, err := NewServer(Options{ModelName: "bad", BasePath: bad})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := srv2.Models().Status(nil)
	srv2.Close()
	if len(st) != 1 || st[0].State != StateEnd || st[0].Err == nil || !strings.Contains(st[0].Err.Error(), "corrupted data") ||
		strings.Contains(st[0].Err.Error(), bad) {
		t.Errorf("corrupted warm-up file: status %+v; want END with a path-free CRC error", st)
	}

	py := pyenv.Require(t, "tensorflow", "tensorflow_serving")
	root, err := pyenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	out, err := pyenv.Run(py, filepath.Join(root, "serving", "testdata", "warmup_check.py"), path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []struct {
		Kind, Model, Signature, Dtype string
		Shape                         []int
		Sum                           float64
	}
	if err := json.Unmarshal(out, &recs); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(recs) != 1 || recs[0].Kind != "predict_log" || recs[0].Model != "ids" || recs[0].Signature != "serving_default" ||
		recs[0].Dtype != "float32" || len(recs[0].Shape) != 3 || recs[0].Shape[0] != 1 || recs[0].Shape[2] != fx.card.Model.Features {
		t.Errorf("warm-up records as TensorFlow reads them: %+v", recs)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
