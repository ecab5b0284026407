// Package synth writes synthetic flow CSVs shaped like the seed's dataset,
// for scale runs (10k to millions of rows) where no real data of that size
// is at hand. It is pure Go and streams: memory does not grow with the row
// count.
//
// The only layout so far is CIC-ToN-IoT's (profile cic_ton_iot): the
// CICFlowMeter-V3 columns Flow ID, Src IP, Src Port, Dst IP, Dst Port,
// Protocol, Timestamp ("25/04/2019 05:18:52 pm"), 75 flow features, Label
// (0 benign, 1 attack) and Attack (the class name), 84 columns in all as in
// the seed's file (seed-pipeline.md 2-3), so that the cic_ton_iot profile
// reads exactly the seed's 37 input features from it. (Some CICFlowMeter
// versions also write Fwd IAT Std; the seed's 84-column file had no such
// input, so it is left out.)
//
// The data is made to be learnable and to look like CICFlowMeter output:
//   - classes: Benign and up to nine CIC-ToN-IoT attack classes, in episodes
//     (consecutive flows tend to share a class, as attacks come in bursts)
//     with a fixed, imbalanced overall mix;
//   - per class, distributions of the flow's protocol, ports, duration,
//     packet counts and sizes, TCP flags and window sizes; the 75 feature
//     columns are derived from these, so they correlate as real ones do
//     (rates from sizes over duration, subflows equal totals, ...), and the
//     seed's zero-variance columns are constant 0;
//   - timestamps never decrease (arrivals of a Poisson process, written at
//     one-second resolution, so ties are common), unless Options.Runs
//     asks for several time-ordered runs one after another;
//   - dirty values at a small rate: zero-duration flows whose rates are
//     "Infinity" (CICFlowMeter's division by zero), "NaN" rates, and empty
//     cells.
//
// The output is a function of Options alone: the same seed gives the same
// bytes.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// ClassNames are CIC-ToN-IoT's classes in the order the seed's factorize
// gives them (first appearance in time): Benign, then the attacks.
var ClassNames = []string{"Benign", "xss", "password", "scanning", "injection", "ransomware", "backdoor", "mitm", "ddos", "dos"}

// classWeights is the overall class mix (Benign and xss dominate as in the
// real data; the rare classes are kept at 2% so that small files have them).
var classWeights = []float64{0.40, 0.20, 0.12, 0.08, 0.07, 0.04, 0.03, 0.02, 0.02, 0.02}

// identifierColumns come first; Protocol is the first feature.
var identifierColumns = []string{"Flow ID", "Src IP", "Src Port", "Dst IP", "Dst Port", "Protocol", "Timestamp"}

// featureColumns are the 75 flow features after Protocol, in CIC-ToN-IoT's
// order.
var featureColumns = []string{
	"Flow Duration", "Tot Fwd Pkts", "Tot Bwd Pkts", "TotLen Fwd Pkts", "TotLen Bwd Pkts",
	"Fwd Pkt Len Max", "Fwd Pkt Len Min", "Fwd Pkt Len Mean", "Fwd Pkt Len Std",
	"Bwd Pkt Len Max", "Bwd Pkt Len Min", "Bwd Pkt Len Mean", "Bwd Pkt Len Std",
	"Flow Byts/s", "Flow Pkts/s", "Flow IAT Mean", "Flow IAT Std", "Flow IAT Max", "Flow IAT Min",
	"Fwd IAT Tot", "Fwd IAT Mean", "Fwd IAT Max", "Fwd IAT Min",
	"Bwd IAT Tot", "Bwd IAT Mean", "Bwd IAT Std", "Bwd IAT Max", "Bwd IAT Min",
	"Fwd PSH Flags", "Bwd PSH Flags", "Fwd URG Flags", "Bwd URG Flags", "Fwd Header Len", "Bwd Header Len",
	"Fwd Pkts/s", "Bwd Pkts/s", "Pkt Len Min", "Pkt Len Max", "Pkt Len Mean", "Pkt Len Std", "Pkt Len Var",
	"FIN Flag Cnt", "SYN Flag Cnt", "RST Flag Cnt", "PSH Flag Cnt", "ACK Flag Cnt", "URG Flag Cnt",
	"CWE Flag Count", "ECE Flag Cnt", "Down/Up Ratio", "Pkt Size Avg", "Fwd Seg Size Avg", "Bwd Seg Size Avg",
	"Fwd Byts/b Avg", "Fwd Pkts/b Avg", "Fwd Blk Rate Avg", "Bwd Byts/b Avg", "Bwd Pkts/b Avg", "Bwd Blk Rate Avg",
	"Subflow Fwd Pkts", "Subflow Fwd Byts", "Subflow Bwd Pkts", "Subflow Bwd Byts",
	"Init Fwd Win Byts", "Init Bwd Win Byts", "Fwd Act Data Pkts", "Fwd Seg Size Min",
	"Active Mean", "Active Std", "Active Max", "Active Min", "Idle Mean", "Idle Std", "Idle Max", "Idle Min",
}

// Indexes of the feature columns the generator treats specially.
const (
	colFlowByts = 13 // Flow Byts/s
	colFlowPkts = 14 // Flow Pkts/s
)

// Columns returns the CSV header of a profile's layout.
func Columns(profile string) ([]string, error) {
	if err := checkProfile(profile); err != nil {
		return nil, err
	}
	cols := append([]string{}, identifierColumns...)
	cols = append(cols, featureColumns...)
	return append(cols, "Label", "Attack"), nil
}

// Profiles lists the layouts Write can produce.
var Profiles = []string{"cic_ton_iot"}

func checkProfile(p string) error {
	for _, q := range Profiles {
		if p == q {
			return nil
		}
	}
	return fmt.Errorf("synth: unknown profile %q (available: cic_ton_iot)", p)
}

// TimestampLayout is the Go layout of the Timestamp column: the seed's
// "%d/%m/%Y %I:%M:%S %p" with a lower-case am/pm, as in CIC-ToN-IoT.
const TimestampLayout = "02/01/2006 03:04:05 pm"

// DefaultDirtyRate is the share of rows with a dirty cell when
// Options.DirtyRate is 0.
const DefaultDirtyRate = 0.002

// Options configures Write.
type Options struct {
	// Rows is the number of data rows (> 0).
	Rows int
	// Profile is the layout; "" means cic_ton_iot.
	Profile string
	// Classes is the number of classes, 1 to 10: Benign and the first
	// Classes-1 attacks of ClassNames. 0 means 10.
	Classes int
	// Seed selects the random stream.
	Seed uint64
	// DirtyRate is the share of rows that get one dirty value (Infinity,
	// NaN or an empty cell); 0 means DefaultDirtyRate, a negative value
	// none.
	DirtyRate float64
	// Start is the first flow's time; zero means 25/04/2019 09:00:00 am
	// UTC.
	Start time.Time
	// FlowsPerSecond is the mean arrival rate; 0 means 20.
	FlowsPerSecond float64
	// Runs is the number of time-ordered runs the rows are written in, one
	// after another, each spanning the whole time range (as when the CSVs
	// of several captures are concatenated), so that a file of more than
	// one run is out of time order and a reader must sort it; run 0 is
	// what a single run would start with. 0 means 1; at most Rows.
	Runs int
}

// Stats describes what Write wrote.
type Stats struct {
	Rows        int
	Columns     int
	ClassCounts map[string]int
	// Dirty cells written: Infinity, NaN and empty cells, and the number
	// of rows with any of them.
	Infinity, NaN, Empty, DirtyRows int
	First, Last                     time.Time
}

// normalize fills defaults and checks o.
func (o Options) normalize() (Options, error) {
	if o.Profile == "" {
		o.Profile = "cic_ton_iot"
	}
	if err := checkProfile(o.Profile); err != nil {
		return o, err
	}
	if o.Rows < 1 {
		return o, fmt.Errorf("synth: rows must be >= 1 (got %d)", o.Rows)
	}
	if o.Classes == 0 {
		o.Classes = len(ClassNames)
	}
	if o.Classes < 1 || o.Classes > len(ClassNames) {
		return o, fmt.Errorf("synth: classes must be between 1 and %d for %s (got %d)", len(ClassNames), o.Profile, o.Classes)
	}
	if o.DirtyRate == 0 {
		o.DirtyRate = DefaultDirtyRate
	}
	if o.DirtyRate < 0 {
		o.DirtyRate = 0
	}
	if o.DirtyRate > 1 || math.IsNaN(o.DirtyRate) {
		return o, fmt.Errorf("synth: dirty rate must be at most 1 (got %v)", o.DirtyRate)
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2019, 4, 25, 9, 0, 0, 0, time.UTC)
	}
	if o.FlowsPerSecond == 0 {
		o.FlowsPerSecond = 20
	}
	if !(o.FlowsPerSecond > 0) || math.IsInf(o.FlowsPerSecond, 0) {
		return o, fmt.Errorf("synth: flows per second must be > 0 (got %v)", o.FlowsPerSecond)
	}
	if o.Runs == 0 {
		o.Runs = 1
	}
	if o.Runs < 1 || o.Runs > o.Rows {
		return o, fmt.Errorf("synth: runs must be between 1 and the rows, %d (got %d)", o.Rows, o.Runs)
	}
	return o, nil
}

// Write writes o.Rows rows with a header to w. It buffers internally; the
// caller closes w.
func Write(w io.Writer, o Options) (*Stats, error) {
	o, err := o.normalize()
	if err != nil {
		return nil, err
	}
	cols, _ := Columns(o.Profile)
	bw := bufio.NewWriterSize(w, 1<<20)
	st := &Stats{Columns: len(cols), ClassCounts: map[string]int{}}
	buf := make([]byte, 0, 4096)
	for i, c := range cols {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, c...)
	}
	buf = append(buf, '\n')
	if _, err := bw.Write(buf); err != nil {
		return nil, err
	}
	for r := 0; r < o.Runs; r++ {
		// Every run spans the time range of the whole file: its share of
		// the arrival rate.
		ro := o
		ro.FlowsPerSecond /= float64(o.Runs)
		g := newGenerator(ro, r)
		for i := o.Rows * r / o.Runs; i < o.Rows*(r+1)/o.Runs; i++ {
			buf = g.row(buf[:0], st)
			if _, err := bw.Write(buf); err != nil {
				return nil, err
			}
		}
		if last := g.now.Truncate(time.Second); last.After(st.Last) {
			st.Last = last
		}
	}
	st.First = o.Start.Truncate(time.Second)
	st.Rows = o.Rows
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	return st, nil
}

// class holds the distributions of one class's flows.
type class struct {
	name       string
	tcp, udp   float64 // protocol shares (the rest is 0, "HOPOPT", as CICFlowMeter writes for ICMP/ARP-like flows)
	ports      []int   // destination ports; empty: any of 1..1024
	durMu      float64 // ln(µs)
	durSigma   float64
	fwdPkts    float64 // mean packets beyond the first
	bwdPkts    float64
	fwdSize    float64 // mean payload bytes per packet
	fwdSizeSd  float64
	bwdSize    float64
	bwdSizeSd  float64
	syn, ack   float64 // flag probabilities
	psh, rst   float64
	fin, ece   float64
	winFwd     []int
	winBwd     []int
	attacker   bool
	bulk       float64 // probability of a backward bulk transfer
	burstiness float64 // IAT spread
}

var classes = []class{
	{name: "Benign", tcp: 0.62, udp: 0.36, ports: []int{443, 80, 53, 123, 1883, 8883, 22}, durMu: math.Log(2e5), durSigma: 2.2,
		fwdPkts: 7, bwdPkts: 6, fwdSize: 140, fwdSizeSd: 90, bwdSize: 420, bwdSizeSd: 300,
		syn: 0.8, ack: 0.95, psh: 0.6, rst: 0.05, fin: 0.7, ece: 0.01, winFwd: []int{64240, 65535, 29200, 8192}, winBwd: []int{65160, 28960, 0, 64240},
		bulk: 0.05, burstiness: 1.5},
	{name: "xss", tcp: 1, ports: []int{80, 8080}, durMu: math.Log(6e5), durSigma: 0.9,
		fwdPkts: 5, bwdPkts: 4, fwdSize: 480, fwdSizeSd: 120, bwdSize: 610, bwdSizeSd: 180,
		syn: 1, ack: 1, psh: 0.95, rst: 0.02, fin: 0.9, winFwd: []int{29200, 64240}, winBwd: []int{28960},
		attacker: true, bulk: 0.02, burstiness: 0.8},
	{name: "password", tcp: 1, ports: []int{22, 21, 80}, durMu: math.Log(2.5e6), durSigma: 0.7,
		fwdPkts: 11, bwdPkts: 13, fwdSize: 85, fwdSizeSd: 25, bwdSize: 120, bwdSizeSd: 40,
		syn: 1, ack: 1, psh: 0.9, rst: 0.15, fin: 0.8, winFwd: []int{29200}, winBwd: []int{65160, 28960},
		attacker: true, burstiness: 0.6},
	{name: "scanning", tcp: 0.85, udp: 0.1, durMu: math.Log(300), durSigma: 1.6,
		fwdPkts: 0.3, bwdPkts: 0.6, fwdSize: 0, fwdSizeSd: 3, bwdSize: 0, bwdSizeSd: 2,
		syn: 1, ack: 0.15, rst: 0.75, fin: 0.02, winFwd: []int{1024, 2048, 4096}, winBwd: []int{0},
		attacker: true, burstiness: 0.4},
	{name: "injection", tcp: 1, ports: []int{80, 8080, 3306}, durMu: math.Log(9e5), durSigma: 1.0,
		fwdPkts: 6, bwdPkts: 6, fwdSize: 640, fwdSizeSd: 160, bwdSize: 880, bwdSizeSd: 260,
		syn: 1, ack: 1, psh: 0.95, rst: 0.05, fin: 0.85, winFwd: []int{29200, 64240}, winBwd: []int{28960, 65160},
		attacker: true, bulk: 0.08, burstiness: 0.9},
	{name: "ransomware", tcp: 1, ports: []int{445, 139}, durMu: math.Log(3e7), durSigma: 1.0,
		fwdPkts: 38, bwdPkts: 33, fwdSize: 980, fwdSizeSd: 300, bwdSize: 760, bwdSizeSd: 280,
		syn: 1, ack: 1, psh: 0.7, rst: 0.1, fin: 0.6, winFwd: []int{8192, 64240}, winBwd: []int{65535},
		attacker: true, bulk: 0.4, burstiness: 1.2},
	{name: "backdoor", tcp: 1, ports: []int{4444, 8080, 1234}, durMu: math.Log(6e7), durSigma: 1.1,
		fwdPkts: 19, bwdPkts: 17, fwdSize: 62, fwdSizeSd: 20, bwdSize: 71, bwdSizeSd: 25,
		syn: 1, ack: 1, psh: 0.97, rst: 0.2, fin: 0.3, winFwd: []int{29200}, winBwd: []int{29200},
		attacker: true, burstiness: 2.0},
	{name: "mitm", tcp: 0.35, udp: 0.55, ports: []int{53, 80, 67}, durMu: math.Log(4e3), durSigma: 1.0,
		fwdPkts: 1.2, bwdPkts: 1.0, fwdSize: 70, fwdSizeSd: 12, bwdSize: 115, bwdSizeSd: 25,
		syn: 0.3, ack: 0.35, psh: 0.2, fin: 0.1, winFwd: []int{0, 502}, winBwd: []int{0},
		attacker: true, burstiness: 0.5},
	{name: "ddos", tcp: 0.7, udp: 0.28, ports: []int{80, 443, 53}, durMu: math.Log(1.2e3), durSigma: 1.4,
		fwdPkts: 1.5, bwdPkts: 0.4, fwdSize: 18, fwdSizeSd: 25, bwdSize: 10, bwdSizeSd: 15,
		syn: 1, ack: 0.3, rst: 0.4, winFwd: []int{512, 1024}, winBwd: []int{0},
		attacker: true, burstiness: 0.3},
	{name: "dos", tcp: 1, ports: []int{80, 443}, durMu: math.Log(4.5e7), durSigma: 0.5,
		fwdPkts: 28, bwdPkts: 4, fwdSize: 22, fwdSizeSd: 9, bwdSize: 300, bwdSizeSd: 90,
		syn: 1, ack: 1, psh: 0.8, rst: 0.3, fin: 0.1, winFwd: []int{29200, 5840}, winBwd: []int{28960},
		attacker: true, burstiness: 3.0},
}

// meanEpisode is the mean number of consecutive flows of one class.
const meanEpisode = 12

type generator struct {
	o       Options
	rng     *rand.Rand
	now     time.Time
	cls     int
	cum     []float64 // cumulative class weights over the o.Classes classes
	feats   [75]float64
	isInt   [75]bool
	rows    int
	tsCache []byte
	tsSec   int64
}

// newGenerator starts run number run (0 for a file of one run).
func newGenerator(o Options, run int) *generator {
	g := &generator{o: o, rng: rand.New(rand.NewPCG(o.Seed, 0x5eed_cafe+uint64(run))), now: o.Start, tsSec: math.MinInt64}
	var sum float64
	for _, w := range classWeights[:o.Classes] {
		sum += w
		g.cum = append(g.cum, sum)
	}
	for i := range g.cum {
		g.cum[i] /= sum
	}
	g.cls = g.drawClass()
	return g
}

func (g *generator) drawClass() int {
	u := g.rng.Float64()
	for i, c := range g.cum {
		if u < c {
			return i
		}
	}
	return len(g.cum) - 1
}

func (g *generator) pick(xs []int) int { return xs[g.rng.IntN(len(xs))] }

// count draws 1 + a geometric number of extra packets with the given mean.
func (g *generator) count(mean float64) float64 {
	if mean <= 0 {
		return 1
	}
	return 1 + math.Floor(g.rng.ExpFloat64()*mean)
}

// size draws a non-negative packet payload size.
func (g *generator) size(mean, sd float64) float64 {
	return math.Max(0, math.Round(mean+sd*g.rng.NormFloat64()))
}

func (g *generator) flag(p float64) float64 {
	if g.rng.Float64() < p {
		return 1
	}
	return 0
}

// row appends one CSV row to buf and counts it in st.
func (g *generator) row(buf []byte, st *Stats) []byte {
	r := g.rng
	// Time (the first row at Start, then Poisson arrivals) and class.
	if g.rows > 0 {
		g.now = g.now.Add(time.Duration(r.ExpFloat64() / g.o.FlowsPerSecond * float64(time.Second)))
	}
	g.rows++
	if r.IntN(meanEpisode) == 0 {
		g.cls = g.drawClass()
	}
	c := &classes[g.cls]
	st.ClassCounts[c.name]++

	// Identifiers.
	proto := 0
	switch u := r.Float64(); {
	case u < c.tcp:
		proto = 6
	case u < c.tcp+c.udp:
		proto = 17
	}
	src := [4]int{192, 168, 1, 2 + r.IntN(120)}
	dst := [4]int{192, 168, 1, 130 + r.IntN(120)}
	if c.attacker {
		src = [4]int{192, 168, 1, 30 + r.IntN(10)}
		dst = [4]int{192, 168, 1, 190 + r.IntN(10)}
	} else if r.IntN(3) == 0 {
		dst = [4]int{52, 28 + r.IntN(4), r.IntN(256), 1 + r.IntN(254)}
	}
	sport := 1024 + r.IntN(64511)
	dport := 1 + r.IntN(1024)
	if len(c.ports) > 0 {
		dport = g.pick(c.ports)
	}
	buf = appendIP(buf, src)
	buf = append(buf, '-')
	buf = appendIP(buf, dst)
	buf = append(buf, '-')
	buf = strconv.AppendInt(buf, int64(sport), 10)
	buf = append(buf, '-')
	buf = strconv.AppendInt(buf, int64(dport), 10)
	buf = append(buf, '-')
	buf = strconv.AppendInt(buf, int64(proto), 10)
	buf = append(buf, ',')
	buf = appendIP(buf, src)
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, int64(sport), 10)
	buf = append(buf, ',')
	buf = appendIP(buf, dst)
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, int64(dport), 10)
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, int64(proto), 10)
	buf = append(buf, ',')
	buf = g.appendTime(buf)

	// Dirty values: decided first, as a zero-duration flow changes the
	// whole row.
	dirty := -1 // 0 zero duration (Infinity rates), 1 NaN rate, 2 empty cell
	if g.o.DirtyRate > 0 && r.Float64() < g.o.DirtyRate {
		switch u := r.Float64(); {
		case u < 0.5:
			dirty = 0
		case u < 0.7:
			dirty = 1
		default:
			dirty = 2
		}
	}

	// The flow's latent quantities.
	nf := g.count(c.fwdPkts)
	nb := math.Floor(r.ExpFloat64() * c.bwdPkts)
	// Clean rows last at least 1 µs; dirty ones of kind 0 last 0.
	dur := math.Max(1, math.Round(math.Exp(c.durMu+c.durSigma*r.NormFloat64())))
	if dirty == 0 {
		dur = 0
	}
	fs := g.size(c.fwdSize, c.fwdSizeSd)
	bs := 0.0
	if nb > 0 {
		bs = g.size(c.bwdSize, c.bwdSizeSd)
	}
	spread := c.burstiness * (0.5 + r.Float64())
	hdr := 8.0
	if proto == 6 {
		hdr = float64(20 + 12*r.IntN(2))
	} else if proto == 0 {
		hdr = 0
	}

	f := &g.feats
	g.isInt = [75]bool{}
	setI := func(i int, v float64) { f[i], g.isInt[i] = v, true }
	setF := func(i int, v float64) { f[i], g.isInt[i] = v, false }

	fwdLen, bwdLen := nf*fs, nb*bs
	fMax, fMin, fSd := lenStats(r, fs, c.fwdSizeSd, nf)
	bMax, bMin, bSd := lenStats(r, bs, c.bwdSizeSd, nb)
	n := nf + nb
	setI(0, dur)
	setI(1, nf)
	setI(2, nb)
	setI(3, fwdLen)
	setI(4, bwdLen)
	setI(5, fMax)
	setI(6, fMin)
	setF(7, fs)
	setF(8, fSd)
	setI(9, bMax)
	setI(10, bMin)
	setF(11, bs)
	setF(12, bSd)
	if dur > 0 {
		setF(13, (fwdLen+bwdLen)/dur*1e6)
		setF(14, n/dur*1e6)
		setF(34, nf/dur*1e6)
		setF(35, nb/dur*1e6)
	} else {
		// CICFlowMeter divides by a zero duration: Infinity, or NaN for 0/0.
		setF(13, math.Inf(1))
		if fwdLen+bwdLen == 0 {
			setF(13, math.NaN())
		}
		setF(14, math.Inf(1))
		setF(34, 0)
		setF(35, 0)
	}
	if dirty == 1 {
		setF(colFlowByts, math.NaN())
	}
	// Inter-arrival times (µs).
	iat := func(total, pkts float64) (mean, sd, mx, mn float64) {
		if pkts < 2 || total == 0 {
			return 0, 0, 0, 0
		}
		mean = total / (pkts - 1)
		sd = mean * spread * r.Float64()
		mx = math.Min(total, math.Round(mean*(1+spread*r.Float64()*2)))
		mn = math.Round(mean * r.Float64() / (1 + spread))
		return mean, sd, mx, mn
	}
	im, isd, imx, imn := iat(dur, n)
	setF(15, im)
	setF(16, isd)
	setI(17, imx)
	setI(18, imn)
	fTot := 0.0
	if nf > 1 {
		fTot = math.Round(dur * (0.6 + 0.4*r.Float64()))
	}
	fm, _, fmx, fmn := iat(fTot, nf)
	setI(19, fTot)
	setF(20, fm)
	setI(21, fmx)
	setI(22, fmn)
	bTot := 0.0
	if nb > 1 {
		bTot = math.Round(dur * (0.5 + 0.5*r.Float64()))
	}
	bm, bsd, bmx, bmn := iat(bTot, nb)
	setI(23, bTot)
	setF(24, bm)
	setF(25, bsd)
	setI(26, bmx)
	setI(27, bmn)
	// Flags and headers.
	psh := g.flag(c.psh)
	setI(28, psh)
	setI(29, 0) // Bwd PSH Flags: constant in CIC-ToN-IoT (a weak column)
	setI(30, 0) // Fwd URG Flags
	setI(31, 0) // Bwd URG Flags
	setI(32, nf*hdr)
	setI(33, nb*hdr)
	pMin, pMax := fMin, fMax
	if nb > 0 {
		pMin, pMax = math.Min(fMin, bMin), math.Max(fMax, bMax)
	}
	mean := (fwdLen + bwdLen) / n
	sd := math.Sqrt((nf*(fSd*fSd+(fs-mean)*(fs-mean)) + nb*(bSd*bSd+(bs-mean)*(bs-mean))) / n)
	setI(36, pMin)
	setI(37, pMax)
	setF(38, mean)
	setF(39, sd)
	setF(40, sd*sd)
	tcp := 0.0
	if proto == 6 {
		tcp = 1
	}
	setI(41, tcp*g.flag(c.fin)*(1+g.flag(0.5)))
	setI(42, tcp*g.flag(c.syn))
	setI(43, tcp*g.flag(c.rst))
	setI(44, math.Max(psh, tcp*g.flag(c.psh)))
	setI(45, tcp*g.flag(c.ack))
	setI(46, 0) // URG Flag Cnt (weak, zero variance)
	setI(47, tcp*g.flag(0.01))
	setI(48, tcp*g.flag(c.ece))
	setI(49, math.Floor(nb/nf))
	setF(50, mean*n/math.Max(1, n-0.5))
	setF(51, fs)
	setF(52, bs)
	setI(53, 0) // Fwd Byts/b Avg, Fwd Pkts/b Avg, Fwd Blk Rate Avg (weak, constant)
	setI(54, 0)
	setI(55, 0)
	if nb >= 4 && r.Float64() < c.bulk {
		pk := math.Floor(nb * (0.3 + 0.6*r.Float64()))
		setI(56, pk*bs)
		setI(57, pk)
		setI(58, math.Round(pk*bs/math.Max(1, bTot)*1e6))
	} else {
		setI(56, 0)
		setI(57, 0)
		setI(58, 0)
	}
	setI(59, nf)
	setI(60, fwdLen)
	setI(61, 0) // Subflow Bwd Pkts: 0 in CIC-ToN-IoT (a weak column)
	setI(62, bwdLen)
	if proto == 6 {
		setI(63, float64(g.pick(c.winFwd)))
		setI(64, float64(g.pick(c.winBwd)))
	} else {
		setI(63, -1)
		setI(64, -1)
	}
	act := 0.0
	if fs > 0 {
		act = math.Min(nf, math.Round(nf*(0.4+0.5*r.Float64())))
	}
	setI(65, act)
	setI(66, hdr)
	// Active and idle periods of long flows.
	if dur > 5e6 && n > 2 {
		am := dur * (0.02 + 0.1*r.Float64())
		asd := am * spread * 0.3 * r.Float64()
		setF(67, am)
		setF(68, asd)
		setI(69, math.Round(am+asd))
		setI(70, math.Round(math.Max(0, am-asd)))
		idm := dur * (0.2 + 0.5*r.Float64())
		isd := idm * spread * 0.2 * r.Float64()
		setF(71, idm)
		setF(72, isd)
		setI(73, math.Round(idm+isd))
		setI(74, math.Round(math.Max(0, idm-isd)))
	} else {
		for i := 67; i < 75; i++ {
			setI(i, 0)
		}
	}
	empty := -1
	if dirty == 2 {
		empty = r.IntN(len(featureColumns))
	}

	for i := range f {
		buf = append(buf, ',')
		if i == empty {
			st.Empty++
			continue
		}
		v := f[i]
		switch {
		case math.IsInf(v, 1):
			buf = append(buf, "Infinity"...)
			st.Infinity++
		case math.IsNaN(v):
			buf = append(buf, "NaN"...)
			st.NaN++
		case g.isInt[i]:
			buf = strconv.AppendInt(buf, int64(v), 10)
		default:
			buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
		}
	}
	if dirty >= 0 {
		st.DirtyRows++
	}
	label := byte('1')
	if g.cls == 0 {
		label = '0'
	}
	buf = append(buf, ',', label, ',')
	buf = append(buf, c.name...)
	return append(buf, '\n')
}

// lenStats draws max, min and std of n packet sizes around mean.
func lenStats(r *rand.Rand, mean, sd, n float64) (mx, mn, std float64) {
	if n == 0 {
		return 0, 0, 0
	}
	if n == 1 {
		return mean, mean, 0
	}
	spread := sd * (0.5 + r.Float64())
	mx = math.Round(mean + spread)
	mn = math.Max(0, math.Round(mean-spread))
	std = spread * (0.3 + 0.4*r.Float64())
	return mx, mn, std
}

func appendIP(buf []byte, ip [4]int) []byte {
	for i, b := range ip {
		if i > 0 {
			buf = append(buf, '.')
		}
		buf = strconv.AppendInt(buf, int64(b), 10)
	}
	return buf
}

// appendTime writes the current time in TimestampLayout, formatting once
// per second.
func (g *generator) appendTime(buf []byte) []byte {
	if s := g.now.Unix(); s != g.tsSec {
		g.tsSec = s
		g.tsCache = g.now.AppendFormat(g.tsCache[:0], TimestampLayout)
	}
	return append(buf, g.tsCache...)
}
