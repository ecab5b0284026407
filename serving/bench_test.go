package serving

import (
	"path/filepath"
	"testing"

	"github.com/tfnids/tfnids/tfgraph"
)

// BenchmarkPredict64 runs one row-format :predict body of 64 raw rows
// through decoding, the session and encoding (no HTTP): the server's work
// per request.
func BenchmarkPredict64(b *testing.B) {
	fx := newFixture(b, "cnn", false)
	dir := filepath.Join(b.TempDir(), "1")
	if err := Export(ExportOptions{Card: fx.card, Checkpoint: fx.ckpt, Dir: dir}); err != nil {
		b.Fatal(err)
	}
	p, err := tfgraph.LoadPredictor(dir, nil, tfgraph.SessionConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	rows := fx.inputs[:6*48]
	body := []byte(`{"instances": ` + rowsJSON(append(append([]float32(nil), rows...), rows[:6*16]...), 64, 6) + `}`)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Predict(p, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode64 is the JSON decoding part of BenchmarkPredict64.
func BenchmarkDecode64(b *testing.B) {
	x, _ := rawFlows(64, 3)
	body := []byte(`{"instances": ` + rowsJSON(x, 64, 6) + `}`)
	sig := sigOf(floatInput("x", -1, 6))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := parsePredict(body, sig); err != nil {
			b.Fatal(err)
		}
	}
}
