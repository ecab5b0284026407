package builders

import (
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/tfnids/tfnids/tfgraph"
)

// memExamples is an in-memory Examples.
type memExamples struct {
	x     []float32
	y     []int32
	shape []int
}

func (m memExamples) Len() int     { return len(m.y) }
func (m memExamples) Shape() []int { return m.shape }
func (m memExamples) Gather(idx []int, x []float32, y []int32) {
	per := prod(m.shape)
	for i, j := range idx {
		copy(x[i*per:(i+1)*per], m.x[j*per:(j+1)*per])
		y[i] = m.y[j]
	}
}

// sliceFeatures are the 37 columns of testdata/cicids2017-slice used by the
// tests; the same list as testdata/keras_reference.py (the seed's 37
// cic_ton_iot features under their CIC-IDS2017 "improved" names).
var sliceFeatures = []string{
	"Protocol", "Total Fwd Packet", "Total Length of Fwd Packet", "Fwd Packet Length Min",
	"Bwd Packet Length Min", "Flow Bytes/s", "Flow IAT Std", "Fwd IAT Max", "Fwd IAT Min",
	"Bwd IAT Std", "Bwd IAT Max", "Bwd IAT Min", "Fwd PSH Flags", "Fwd Header Length",
	"Fwd Packets/s", "Bwd Packets/s", "Packet Length Min", "SYN Flag Count", "RST Flag Count",
	"ACK Flag Count", "ECE Flag Count", "Down/Up Ratio", "Bwd Bytes/Bulk Avg",
	"Bwd Packet/Bulk Avg", "Bwd Bulk Rate Avg", "Subflow Fwd Packets", "Subflow Fwd Bytes",
	"Subflow Bwd Bytes", "FWD Init Win Bytes", "Bwd Init Win Bytes", "Fwd Act Data Pkts",
	"Fwd Seg Size Min", "Active Max", "Active Min", "Idle Std", "Idle Max", "Idle Min",
}

// loadSlice reads every row of testdata/cicids2017-slice (files in name
// order, rows in file order), MinMax-scales the 37 features over all rows
// (constant columns → 0) and labels rows by pd.factorize-style codes of the
// Label column (first appearance), mod 10. It is a small stand-in for the
// dataset package, which builders must not import.
func loadSlice(t testing.TB) (x []float32, y []int32) {
	t.Helper()
	files, err := filepath.Glob("../testdata/cicids2017-slice/*.csv")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata slice: %v", err)
	}
	sort.Strings(files)
	var rows [][]float64
	codes := map[string]int32{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(fh)
		head, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range head {
			col[h] = i
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			row := make([]float64, len(sliceFeatures))
			for i, name := range sliceFeatures {
				j, ok := col[name]
				if !ok {
					t.Fatalf("%s: no column %q", f, name)
				}
				v, err := strconv.ParseFloat(rec[j], 64)
				if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
					v = 0
				}
				row[i] = v
			}
			rows = append(rows, row)
			label := rec[col["Label"]]
			if _, ok := codes[label]; !ok {
				codes[label] = int32(len(codes))
			}
			y = append(y, codes[label]%10)
		}
		fh.Close()
	}
	nf := len(sliceFeatures)
	lo, hi := make([]float64, nf), make([]float64, nf)
	for j := range lo {
		lo[j], hi[j] = math.Inf(1), math.Inf(-1)
		for _, r := range rows {
			lo[j], hi[j] = math.Min(lo[j], r[j]), math.Max(hi[j], r[j])
		}
	}
	x = make([]float32, 0, len(rows)*nf)
	for _, r := range rows {
		for j, v := range r {
			rng := hi[j] - lo[j]
			if rng == 0 {
				rng = 1
			}
			x = append(x, float32((v-lo[j])/rng))
		}
	}
	return x, y
}

// realExamples returns n examples for cfg from the slice: rows spread evenly
// over all files (every class present), or windows of consecutive spread rows
// labelled by their last row for the recurrent models.
func realExamples(t testing.TB, cfg Config, n int) memExamples {
	t.Helper()
	x, y := loadSlice(t)
	nf := len(sliceFeatures)
	total := len(y)
	seq := 1
	if cfg.IsRecurrent() {
		seq = cfg.seqLen()
	}
	take := n + seq - 1
	var rx []float32
	var ry []int32
	for i := 0; i < take; i++ {
		j := i * (total - 1) / max(take-1, 1)
		rx = append(rx, x[j*nf:(j+1)*nf]...)
		ry = append(ry, y[j])
	}
	if cfg.Binary {
		for i := range ry {
			if ry[i] != 0 {
				ry[i] = 1
			}
		}
	}
	if seq == 1 {
		return memExamples{x: rx, y: ry, shape: []int{nf}}
	}
	var wx []float32
	var wy []int32
	for i := 0; i < n; i++ {
		wx = append(wx, rx[i*nf:(i+seq)*nf]...)
		wy = append(wy, ry[i+seq-1])
	}
	return memExamples{x: wx, y: wy, shape: []int{seq, nf}}
}

func openModel(t testing.TB, cfg Config) *Model {
	t.Helper()
	m, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Open(tfgraph.SessionConfig{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func zero() *float64 { z := 0.0; return &z }

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	worst := 0.0
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		worst = math.Max(worst, d)
	}
	return worst
}
