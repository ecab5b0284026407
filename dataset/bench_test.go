package dataset

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadCIC loads the first 200,000 rows of the benchmark CSV
// (bench/out/dataset, written by bench/dataset/run.sh) when present.
func BenchmarkLoadCIC(b *testing.B) {
	src := filepath.Join("..", "bench", "out", "dataset", "flows_1000000.csv")
	data, err := os.ReadFile(src)
	if err != nil {
		b.Skipf("no benchmark CSV (run bench/dataset/run.sh first): %v", err)
	}
	n, lines := 0, 0
	for n < len(data) && lines < 200001 {
		if data[n] == '\n' {
			lines++
		}
		n++
	}
	path := filepath.Join(b.TempDir(), "f.csv")
	if err := os.WriteFile(path, data[:n], 0o644); err != nil {
		b.Fatal(err)
	}
	p, err := LoadProfileFile(filepath.Join("..", "bench", "dataset", "profile.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Load([]string{path}, LoadOptions{Profile: p, Dedupe: true, SortByTimestamp: true, MultiClass: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseNumber(b *testing.B) {
	vals := [][]byte{[]byte("3463862"), []byte("89.1247128195272"), []byte("40279.79223475464"), []byte("0"), []byte("1.9210887812311288")}
	for i := 0; i < b.N; i++ {
		for _, v := range vals {
			parseNumber(v)
		}
	}
}
