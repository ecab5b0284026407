// Command gen writes the dataset benchmark's input: a CIC-style flow CSV
// (CIC-ToN-IoT column names, 80 columns: 7 identifier columns with the
// timestamp, 71 numeric features, Label 0/1 and Attack) with the dirty values
// real CICFlowMeter output has: Infinity, -Infinity, NaN and empty cells in
// the rate columns, and duplicate flows that differ only in Flow ID and
// Timestamp. Rows come in near time order (flows are written when they end,
// stamped when they start), so the sort has work to do. The output is
// deterministic for a given -seed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

// features are the 71 numeric columns after Protocol (CIC-ToN-IoT names).
var features = []string{"Flow Duration", "Tot Fwd Pkts", "Tot Bwd Pkts", "TotLen Fwd Pkts", "TotLen Bwd Pkts",
	"Fwd Pkt Len Max", "Fwd Pkt Len Min", "Fwd Pkt Len Mean", "Fwd Pkt Len Std", "Bwd Pkt Len Max", "Bwd Pkt Len Min",
	"Bwd Pkt Len Mean", "Bwd Pkt Len Std", "Flow Byts/s", "Flow Pkts/s", "Flow IAT Mean", "Flow IAT Std",
	"Flow IAT Max", "Flow IAT Min", "Fwd IAT Tot", "Fwd IAT Mean", "Fwd IAT Std", "Fwd IAT Max", "Fwd IAT Min",
	"Bwd IAT Tot", "Bwd IAT Mean", "Bwd IAT Std", "Bwd IAT Max", "Bwd IAT Min", "Fwd PSH Flags", "Bwd PSH Flags",
	"Fwd URG Flags", "Bwd URG Flags", "Fwd Header Len", "Bwd Header Len", "Fwd Pkts/s", "Bwd Pkts/s", "Pkt Len Min",
	"Pkt Len Max", "Pkt Len Mean", "Pkt Len Std", "Pkt Len Var", "FIN Flag Cnt", "SYN Flag Cnt", "RST Flag Cnt",
	"PSH Flag Cnt", "ACK Flag Cnt", "URG Flag Cnt", "CWE Flag Count", "ECE Flag Cnt", "Down/Up Ratio",
	"Pkt Size Avg", "Fwd Seg Size Avg", "Bwd Seg Size Avg", "Fwd Byts/b Avg", "Fwd Pkts/b Avg", "Fwd Blk Rate Avg",
	"Bwd Byts/b Avg", "Bwd Pkts/b Avg", "Bwd Blk Rate Avg", "Subflow Fwd Pkts", "Subflow Fwd Byts",
	"Subflow Bwd Pkts", "Subflow Bwd Byts", "Init Fwd Win Byts", "Init Bwd Win Byts", "Fwd Act Data Pkts",
	"Fwd Seg Size Min", "Active Mean", "Active Std", "Active Max"}

var classes = []string{"Benign", "xss", "password", "injection", "scanning", "backdoor", "ransomware", "ddos", "dos", "mitm"}

func main() {
	rows := flag.Int("rows", 1_000_000, "data rows")
	out := flag.String("out", "flows.csv", "output CSV")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if len(features) != 71 {
		panic(len(features))
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(*seed, 7))
	w.WriteString("Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp")
	for _, c := range features {
		w.WriteString("," + c)
	}
	w.WriteString(",Label,Attack\n")

	start := time.Date(2019, 4, 25, 9, 0, 0, 0, time.UTC)
	var prev, prevIDs []byte // the previous row's features and addresses, for duplicates
	buf := make([]byte, 0, 2048)
	vals := make([]byte, 0, 2048)
	stats := map[string]int{}
	for i := 0; i < *rows; i++ {
		// Time advances ~20 ms per flow; flows are stamped up to 3 s early.
		ts := start.Add(time.Duration(i)*20*time.Millisecond - time.Duration(rng.IntN(3000))*time.Millisecond)
		buf = buf[:0]
		if prev != nil && rng.IntN(100) == 0 {
			// A duplicate flow (1%): all but Flow ID and Timestamp equal an
			// earlier row's.
			buf = fmt.Appendf(buf, "dup-%d,", i)
			buf = append(buf, prevIDs...)
			buf = ts.AppendFormat(buf, "02/01/2006 03:04:05 PM")
			buf = append(buf, prev...)
			stats["duplicate"]++
		} else {
			src := fmt.Sprintf("192.168.%d.%d", rng.IntN(4), 1+rng.IntN(254))
			dst := fmt.Sprintf("10.0.%d.%d", rng.IntN(16), 1+rng.IntN(254))
			sport, dport := 1024+rng.IntN(64000), []int{80, 443, 53, 22, 21, 8080, 1883}[rng.IntN(7)]
			proto := []int{6, 17, 6, 6, 1}[rng.IntN(5)]
			buf = fmt.Appendf(buf, "%s-%s-%d-%d-%d,", src, dst, sport, dport, proto)
			prevIDs = fmt.Appendf(prevIDs[:0], "%s,%d,%s,%d,%d,", src, sport, dst, dport, proto)
			buf = append(buf, prevIDs...)
			buf = ts.AppendFormat(buf, "02/01/2006 03:04:05 PM")
			vals = vals[:0]
			cls := 0
			if rng.IntN(2) == 0 {
				cls = 1 + rng.IntN(len(classes)-1)
			}
			dur := 1 + rng.ExpFloat64()*5e6
			for j := range features {
				vals = append(vals, ',')
				switch {
				case j == 13 || j == 14: // Flow Byts/s, Flow Pkts/s: where CICFlowMeter writes Infinity/NaN
					switch r := rng.IntN(10000); {
					case r < 10:
						vals = append(vals, "Infinity"...)
						stats["Infinity"]++
					case r < 12:
						vals = append(vals, "-Infinity"...)
						stats["-Infinity"]++
					case r < 17:
						vals = append(vals, "NaN"...)
						stats["NaN"]++
					case r < 19:
						stats["empty"]++
					default:
						vals = strconv.AppendFloat(vals, rng.Float64()*1e6/dur*1e6, 'g', -1, 64)
					}
				case j%3 == 0: // counts, sizes, flags: integers
					vals = strconv.AppendInt(vals, int64(rng.ExpFloat64()*float64(1+j*37)), 10)
				case j%3 == 1: // means and rates: full-precision doubles
					vals = strconv.AppendFloat(vals, rng.ExpFloat64()*float64(1+j*13)/3, 'g', -1, 64)
				default: // durations in microseconds
					vals = strconv.AppendFloat(vals, math.Floor(dur*rng.Float64()), 'f', -1, 64)
				}
			}
			label := 0
			if cls != 0 {
				label = 1
			}
			vals = fmt.Appendf(vals, ",%d,%s\n", label, classes[cls])
			prev = append(prev[:0], vals...)
			buf = append(buf, vals...)
		}
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f.Close()
	fmt.Printf("wrote %s: %d rows, 80 columns; dirty cells %v\n", *out, *rows, stats)
}
