package dataset

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tfnids/tfnids/internal/pyenv"
)

// cicToNIoTHeader is a CIC-ToN-IoT header (CICFlowMeter-V3 names, Label and
// Attack) with the 84 columns of the seed's table (spec section 3). It is
// the CSE-CIC-IDS2018 layout plus Attack, without "Fwd IAT Std": that column
// is neither among the seed's 37 inputs nor its 39 weak columns, and 7 drop
// + Label + 37 + 39 = 84, so the seed's data cannot have had it.
var cicToNIoTHeader = strings.Split("Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,"+
	"Tot Fwd Pkts,Tot Bwd Pkts,TotLen Fwd Pkts,TotLen Bwd Pkts,Fwd Pkt Len Max,Fwd Pkt Len Min,Fwd Pkt Len Mean,"+
	"Fwd Pkt Len Std,Bwd Pkt Len Max,Bwd Pkt Len Min,Bwd Pkt Len Mean,Bwd Pkt Len Std,Flow Byts/s,Flow Pkts/s,"+
	"Flow IAT Mean,Flow IAT Std,Flow IAT Max,Flow IAT Min,Fwd IAT Tot,Fwd IAT Mean,Fwd IAT Max,"+
	"Fwd IAT Min,Bwd IAT Tot,Bwd IAT Mean,Bwd IAT Std,Bwd IAT Max,Bwd IAT Min,Fwd PSH Flags,Bwd PSH Flags,"+
	"Fwd URG Flags,Bwd URG Flags,Fwd Header Len,Bwd Header Len,Fwd Pkts/s,Bwd Pkts/s,Pkt Len Min,Pkt Len Max,"+
	"Pkt Len Mean,Pkt Len Std,Pkt Len Var,FIN Flag Cnt,SYN Flag Cnt,RST Flag Cnt,PSH Flag Cnt,ACK Flag Cnt,"+
	"URG Flag Cnt,CWE Flag Count,ECE Flag Cnt,Down/Up Ratio,Pkt Size Avg,Fwd Seg Size Avg,Bwd Seg Size Avg,"+
	"Fwd Byts/b Avg,Fwd Pkts/b Avg,Fwd Blk Rate Avg,Bwd Byts/b Avg,Bwd Pkts/b Avg,Bwd Blk Rate Avg,"+
	"Subflow Fwd Pkts,Subflow Fwd Byts,Subflow Bwd Pkts,Subflow Bwd Byts,Init Fwd Win Byts,Init Bwd Win Byts,"+
	"Fwd Act Data Pkts,Fwd Seg Size Min,Active Mean,Active Std,Active Max,Active Min,Idle Mean,Idle Std,"+
	"Idle Max,Idle Min,Label,Attack", ",")

// seed37 is the seed's cic_ton_iot input, in order (spec section 2.3).
var seed37 = []string{"Protocol", "Tot Fwd Pkts", "TotLen Fwd Pkts", "Fwd Pkt Len Min", "Bwd Pkt Len Min",
	"Flow Byts/s", "Flow IAT Std", "Fwd IAT Max", "Fwd IAT Min", "Bwd IAT Std", "Bwd IAT Max", "Bwd IAT Min",
	"Fwd PSH Flags", "Fwd Header Len", "Fwd Pkts/s", "Bwd Pkts/s", "Pkt Len Min", "SYN Flag Cnt", "RST Flag Cnt",
	"ACK Flag Cnt", "ECE Flag Cnt", "Down/Up Ratio", "Bwd Byts/b Avg", "Bwd Pkts/b Avg", "Bwd Blk Rate Avg",
	"Subflow Fwd Pkts", "Subflow Fwd Byts", "Subflow Bwd Byts", "Init Fwd Win Byts", "Init Bwd Win Byts",
	"Fwd Act Data Pkts", "Fwd Seg Size Min", "Active Max", "Active Min", "Idle Std", "Idle Max", "Idle Min"}

// writeHeaderCSV writes a one-row CSV with the given header (all values 1,
// a label 0, an attack class and a seed-style timestamp).
func writeHeaderCSV(t *testing.T, header []string) string {
	t.Helper()
	row := make([]string, len(header))
	for i, h := range header {
		switch h {
		case "Timestamp":
			row[i] = "25/04/2019 05:18:52 pm"
		case "Label":
			row[i] = "0"
		case "Attack":
			row[i] = "Benign"
		default:
			row[i] = "1"
		}
	}
	return writeFile(t, t.TempDir(), "h.csv", strings.Join(header, ",")+"\n"+strings.Join(row, ",")+"\n")
}

func TestSeedInputs(t *testing.T) {
	path := writeHeaderCSV(t, cicToNIoTHeader)
	f, rep, err := Load([]string{path}, LoadOptions{MultiClass: true, SortByTimestamp: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Profile != "cic_ton_iot" || !reflect.DeepEqual(f.FeatureNames, seed37) {
		t.Errorf("profile %s, %d features:\n%q\nwant the seed's 37:\n%q", rep.Profile, len(f.FeatureNames), f.FeatureNames, seed37)
	}
	// With the 22 network features: input_dim 59, network columns last.
	withNF := append(append([]string(nil), cicToNIoTHeader...), networkFeaturesType1...)
	path = writeHeaderCSV(t, withNF)
	f, _, err = Load([]string{path}, LoadOptions{MultiClass: true, NetworkFeatures: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.Features != 59 || f.FeatureNames[37] != "src_betweenness" || f.FeatureNames[58] != "dst_Comm" {
		t.Errorf("network features on: %d inputs %q", f.Features, f.FeatureNames[37:])
	}
	f, _, err = Load([]string{path}, LoadOptions{MultiClass: true})
	if err != nil || f.Features != 37 {
		t.Errorf("network features off: %d inputs, %v", f.Features, err)
	}
	p, _ := BuiltinProfile("cic_ids_2017")
	if len(p.WeakColumns) != 45 {
		t.Errorf("cic_ids_2017 has %d weak columns, the seed 45", len(p.WeakColumns))
	}
	p, _ = BuiltinProfile("cic_ton_iot")
	if len(p.WeakColumns) != 39 || len(p.NetworkFeatureColumns) != 22 {
		t.Errorf("cic_ton_iot: %d weak, %d network columns", len(p.WeakColumns), len(p.NetworkFeatureColumns))
	}
}

func TestResolveProfile(t *testing.T) {
	root, err := pyenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	slice, err := ReadHeader(filepath.Join(root, "testdata", "cicids2017-slice", "BENIGN.csv"))
	if err != nil {
		t.Fatal(err)
	}
	nf, err := ReadHeader(filepath.Join("testdata", "netflow_sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	ton := strings.Split("src_ip,src_port,dst_ip,dst_port,proto,service,duration,src_bytes,dst_bytes,conn_state,"+
		"missed_bytes,src_pkts,src_ip_bytes,dst_pkts,dst_ip_bytes,label,type", ",")
	cases := []struct {
		header []string
		want   string
	}{
		{slice, "cicids2017_improved"},   // 0
		{nf, "netflow"},                  // 1
		{ton, "ton_iot_network"},         // 2
		{cicToNIoTHeader, "cic_ton_iot"}, // 3
	}
	for i, c := range cases {
		p, why, err := ResolveProfile("auto", c.header)
		if err != nil || p.Name != c.want || !strings.HasPrefix(why, "auto: ") {
			t.Errorf("%d: %v %q %v, want %s", i, p, why, err, c.want)
		}
	}
	if p, why, err := ResolveProfile("netflow", nil); err != nil || p.Name != "netflow" || !strings.Contains(why, "named") {
		t.Errorf("by name: %v %q %v", p, why, err)
	}
	if got := ProfileNames(); !reflect.DeepEqual(got, []string{"cic_ids_2017", "cic_ton_iot", "cicids2017_improved", "netflow", "netflow_v3", "ton_iot_network"}) {
		t.Errorf("ProfileNames = %q", got)
	}
	for _, n := range ProfileNames() {
		p, _ := BuiltinProfile(n)
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func TestProfileFile(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content string
		check         func(p *Profile) bool
		wantErr       string
	}{
		{"ext.yaml", "extends: cicids2017_improved\nname: all_features\nweak_columns: []\n", // 0
			func(p *Profile) bool {
				return p.Name == "all_features" && len(p.WeakColumns) == 0 && p.ClassColumn == "Label" && len(p.Aliases) > 10
			}, ""},
		{"mine.yml", "timestamp_column: ts\ntimestamp_layouts: ['2006-01-02 15:04:05']\nlabel_column: label\n" + // 1
			"class_column: class\nbenign_class: normal\ncategorical_columns: [proto]\nencodings: {proto: onehot}\n",
			func(p *Profile) bool { return p.Name == "mine" && p.Encodings["proto"] == OneHot }, ""},
		{"p.json", `{"name": "j", "label_column": "Label", "class_column": "Attack", "drop_columns": ["Flow ID"]}`, // 2
			func(p *Profile) bool { return p.Name == "j" && p.DropColumns[0] == "Flow ID" }, ""},
		{"typo.yaml", "label_colum: Label\n", nil, "label_colum"},                                                                     // 3
		{"typo.json", `{"name": "x", "labelcolumn": "Label"}`, nil, "labelcolumn"},                                                    // 4
		{"enc.yaml", "class_column: c\nbenign_class: b\ncategorical_encoding: binary\n", nil, "unknown encoding"},                     // 5
		{"nolabel.yaml", "name: x\ndrop_columns: [a]\n", nil, "label_column, class_column"},                                           // 6
		{"layout.yaml", "class_column: c\nbenign_class: b\ntimestamp_column: t\ntimestamp_layouts: ['15:04']\n", nil, "needs a year"}, // 7
		{"ext2.yaml", "extends: nope\n", nil, "unknown profile"},                                                                      // 8
		{"empty.yaml", "", nil, "empty"},                                                                                              // 9
	}
	for i, c := range cases {
		path := writeFile(t, dir, c.name, c.content)
		p, err := LoadProfileFile(path)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%d: err %v, want %q", i, err, c.wantErr)
			}
			continue
		}
		if err != nil || !c.check(p) {
			t.Errorf("%d: %+v %v", i, p, err)
		}
		// ResolveProfile takes the path too.
		if q, why, err := ResolveProfile(path, nil); err != nil || q.Name != p.Name || !strings.Contains(why, "profile file") {
			t.Errorf("%d: ResolveProfile(path): %v %v", i, why, err)
		}
	}
	if _, err := LoadProfileFile(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing profile file: no error")
	}
}

// TestNetFlowFixture loads the hand-made NF-* file (testdata/README.md).
func TestNetFlowFixture(t *testing.T) {
	f, rep, err := Load([]string{filepath.Join("testdata", "netflow_sample.csv")}, LoadOptions{MultiClass: true, SortByTimestamp: true})
	if err != nil {
		t.Fatal(err)
	}
	wantClasses := []string{"Benign", "scanning", "ddos", "xss", "password", "injection", "backdoor", "ransomware"}
	wantFeatures := []string{"PROTOCOL", "L7_PROTO", "IN_BYTES", "OUT_BYTES", "IN_PKTS", "OUT_PKTS", "TCP_FLAGS", "FLOW_DURATION_MILLISECONDS"}
	if rep.Profile != "netflow" || rep.RowsRead != 16 || f.Rows != 15 || rep.BadValuesPerColumn["OUT_BYTES"] != 1 ||
		!reflect.DeepEqual(f.ClassNames, wantClasses) || !reflect.DeepEqual(f.FeatureNames, wantFeatures) || rep.HasTime {
		t.Errorf("netflow: %+v\n%q", rep, f.ClassNames)
	}
	g, _, err := Load([]string{filepath.Join("testdata", "netflow_sample.csv")}, LoadOptions{})
	if err != nil || g.Labels[1] != 1 || g.Labels[0] != 0 {
		t.Errorf("binary netflow labels: %v %v", err, g.Labels)
	}
}

// TestToNIoT loads the real ToN-IoT train/test file (BOM, "-" everywhere,
// 20,569 duplicate rows, per shared/data/README.md).
func TestToNIoT(t *testing.T) {
	t.Parallel() // reads its own file; overlaps the Python tests
	path := pyenv.SharedData(t, "ton-iot-network/train_test_network.csv.gz")
	f, rep, err := Load([]string{path}, LoadOptions{MultiClass: true, Dedupe: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Profile != "ton_iot_network" || rep.RowsRead != 211043 || rep.DroppedDuplicates != 20569 ||
		rep.DroppedBadValues != 0 || len(f.ClassNames) != 10 || f.FeatureNames[0] != "proto" {
		t.Errorf("ToN-IoT: %+v", rep)
	}
	if got := f.Categories["proto"]; !reflect.DeepEqual(got, []string{"tcp", "udp", "icmp"}) {
		t.Errorf("proto categories %q", got)
	}
	// With http_trans_depth numeric, as its values suggest, its "-" cells are
	// bad values: 210,740 of them, and the drop policy keeps 303 rows.
	p, _ := BuiltinProfile("ton_iot_network")
	p.CategoricalColumns = slicesDelete(p.CategoricalColumns, "http_trans_depth")
	f, rep, err = Load([]string{path}, LoadOptions{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	if rep.BadValuesPerColumn["http_trans_depth"] != 210740 || f.Rows != 211043-210740 {
		t.Errorf("numeric http_trans_depth: %d bad, %d rows", rep.BadValuesPerColumn["http_trans_depth"], f.Rows)
	}
}

func slicesDelete(s []string, v string) []string {
	var out []string
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
