package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Encoding says how a categorical (string) column becomes model input.
type Encoding string

const (
	// Factorize replaces each category by its code, in order of first
	// appearance in the loaded (cleaned, sorted) rows, as pd.factorize does.
	Factorize Encoding = "factorize"
	// OneHot expands a column into one 0/1 input per category, named
	// "column=category", in factorize order.
	OneHot Encoding = "onehot"
)

// Profile describes a dataset format: which column holds what, and which
// columns the model must not see. Column names are matched after trimming
// spaces and a byte-order mark, case-insensitively, with runs of spaces
// collapsed, and through Aliases. Names listed here that a file lacks are
// ignored unless the column is required (see Load).
//
// A Profile is plain data: it marshals to and from JSON and YAML with the
// snake_case keys shown in its tags (see LoadProfileFile).
type Profile struct {
	// Name identifies the profile in reports and schemas.
	Name string `json:"name" yaml:"name"`
	// Description is one line for humans.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// TimestampColumn holds the flow time; empty when the data has none.
	TimestampColumn string `json:"timestamp_column,omitempty" yaml:"timestamp_column,omitempty"`
	// TimestampLayouts are Go time layouts tried in order for every value
	// (plus "unix", "unix_ms", "unix_us", "unix_ns"); see timestamp.go for
	// the accepted variations.
	TimestampLayouts []string `json:"timestamp_layouts,omitempty" yaml:"timestamp_layouts,omitempty"`
	// LabelColumn holds the binary label, 0 benign and 1 attack. When it is
	// empty the binary label is derived as ClassColumn != BenignClass.
	LabelColumn string `json:"label_column,omitempty" yaml:"label_column,omitempty"`
	// ClassColumn holds the attack class name; multi-class labels are its
	// pd.factorize codes.
	ClassColumn string `json:"class_column,omitempty" yaml:"class_column,omitempty"`
	// BenignClass is the ClassColumn value of benign rows.
	BenignClass string `json:"benign_class,omitempty" yaml:"benign_class,omitempty"`
	// DropColumns are identifiers and other columns that never feed the
	// model and are not checked for bad values (the seed's drop_columns).
	DropColumns []string `json:"drop_columns,omitempty" yaml:"drop_columns,omitempty"`
	// WeakColumns are numeric features screened out (the seed's
	// weak_columns). They do not feed the model but, as in the seed, a bad
	// value in them still counts under the bad-value policy.
	WeakColumns []string `json:"weak_columns,omitempty" yaml:"weak_columns,omitempty"`
	// NetworkFeatureColumns are graph-measure columns, fed to the model only
	// with LoadOptions.NetworkFeatures (checked for bad values either way).
	NetworkFeatureColumns []string `json:"network_feature_columns,omitempty" yaml:"network_feature_columns,omitempty"`
	// SrcIPColumn and DstIPColumn hold the flow's source and destination
	// addresses: the nodes of the network-feature graph (netgraph).
	SrcIPColumn string `json:"src_ip_column,omitempty" yaml:"src_ip_column,omitempty"`
	DstIPColumn string `json:"dst_ip_column,omitempty" yaml:"dst_ip_column,omitempty"`
	// CategoricalColumns hold strings to encode; any text, "-" and the empty
	// cell included, is a category. Every other feature column is numeric.
	CategoricalColumns []string `json:"categorical_columns,omitempty" yaml:"categorical_columns,omitempty"`
	// CategoricalEncoding applies to every categorical column not listed in
	// Encodings; empty means Factorize.
	CategoricalEncoding Encoding `json:"categorical_encoding,omitempty" yaml:"categorical_encoding,omitempty"`
	// Encodings overrides CategoricalEncoding per column.
	Encodings map[string]Encoding `json:"encodings,omitempty" yaml:"encodings,omitempty"`
	// DedupeIgnoreColumns are left out when LoadOptions.Dedupe compares rows
	// (the seed ignored Timestamp and Flow ID); the timestamp column is
	// always left out.
	DedupeIgnoreColumns []string `json:"dedupe_ignore_columns,omitempty" yaml:"dedupe_ignore_columns,omitempty"`
	// Aliases maps a column name to other spellings of the same column.
	// Names anywhere in the profile match any spelling of their group.
	Aliases map[string][]string `json:"aliases,omitempty" yaml:"aliases,omitempty"`
}

// seed drop_columns (GDLC DatasetInfo defaults).
var seedDropColumns = []string{"Flow ID", "Src IP", "Dst IP", "Timestamp", "Src Port", "Dst Port", "Attack"}

// cic_ton_iot weak_columns: 8 zero-variance and 31 correlated columns.
var cicTonIoTWeak = []string{
	"Bwd PSH Flags", "Fwd URG Flags", "Bwd URG Flags", "URG Flag Cnt", "Fwd Byts/b Avg",
	"Fwd Pkts/b Avg", "Fwd Blk Rate Avg", "Subflow Bwd Pkts",
	"Flow IAT Mean", "Fwd Pkt Len Max", "Flow IAT Max", "Active Std", "Bwd Header Len",
	"Tot Bwd Pkts", "Bwd Pkt Len Mean", "Pkt Size Avg", "Fwd Seg Size Avg", "Bwd Seg Size Avg",
	"CWE Flag Count", "Bwd IAT Tot", "Fwd IAT Mean", "Fwd Pkt Len Std", "Pkt Len Mean",
	"Flow IAT Min", "TotLen Bwd Pkts", "Bwd Pkt Len Max", "Pkt Len Var", "FIN Flag Cnt",
	"Bwd IAT Mean", "Idle Mean", "Pkt Len Max", "Flow Pkts/s", "Flow Duration", "Pkt Len Std",
	"Fwd IAT Tot", "PSH Flag Cnt", "Active Mean", "Bwd Pkt Len Std", "Fwd Pkt Len Mean",
}

// cic_ids_2017 weak_columns: the cic_ton_iot list minus 9 names plus 15.
var cicIDS2017Weak = func() []string {
	minus := []string{"URG Flag Cnt", "CWE Flag Count", "FIN Flag Cnt", "PSH Flag Cnt", "Bwd Header Len",
		"Bwd IAT Tot", "Flow IAT Min", "Fwd Seg Size Avg", "Bwd Seg Size Avg"}
	var w []string
	for _, c := range cicTonIoTWeak {
		if !slices.Contains(minus, c) {
			w = append(w, c)
		}
	}
	return append(w, "Protocol", "Tot Fwd Pkts", "TotLen Fwd Pkts", "Fwd PSH Flags", "RST Flag Cnt",
		"Fwd IAT Max", "Fwd IAT Min", "Idle Max", "Flow IAT Std", "Bwd IAT Std", "Subflow Fwd Pkts",
		"Subflow Bwd Byts", "Bwd Byts/b Avg", "Bwd Pkts/b Avg", "Bwd Blk Rate Avg")
}()

// networkFeaturesType1 are the seed's 22 type-1 network-measure columns.
var networkFeaturesType1 = func() []string {
	var cols []string
	for _, m := range []string{"betweenness", "local_betweenness", "degree", "local_degree", "eigenvector",
		"closeness", "pagerank", "local_pagerank", "k_core", "k_truss", "Comm"} {
		cols = append(cols, "src_"+m, "dst_"+m)
	}
	return cols
}()

// Layouts of the CIC family: the seed's "%d/%m/%Y %I:%M:%S %p" first, then
// the improved CIC-IDS2017 layout and the day-first variants of the UNB CSVs
// (the seed parsed cic_ids_2017 with format="mixed").
var cicLayouts = []string{
	"02/01/2006 03:04:05 PM",
	"2006-01-02 15:04:05.999999999",
	"02/01/2006 15:04:05",
	"02/01/2006 15:04",
	"02/01/2006 03:04 PM",
}

func builtinProfiles() map[string]*Profile {
	return map[string]*Profile{
		"cic_ton_iot": {
			Name:                  "cic_ton_iot",
			Description:           "CIC-ToN-IoT (CICFlowMeter-V3 names, Label 0/1 + Attack): the seed's dataset definition",
			TimestampColumn:       "Timestamp",
			TimestampLayouts:      slices.Clone(cicLayouts),
			LabelColumn:           "Label",
			ClassColumn:           "Attack",
			BenignClass:           "Benign",
			DropColumns:           slices.Clone(seedDropColumns),
			WeakColumns:           slices.Clone(cicTonIoTWeak),
			NetworkFeatureColumns: slices.Clone(networkFeaturesType1),
			SrcIPColumn:           "Src IP",
			DstIPColumn:           "Dst IP",
			DedupeIgnoreColumns:   []string{"Timestamp", "Flow ID"},
			Aliases:               cicAliasMap(),
		},
		"cic_ids_2017": {
			Name:                  "cic_ids_2017",
			Description:           "CIC-IDS2017 relabelled (CICFlowMeter-V3 names, Label 0/1 + Attack): the seed's second dataset definition",
			TimestampColumn:       "Timestamp",
			TimestampLayouts:      slices.Clone(cicLayouts),
			LabelColumn:           "Label",
			ClassColumn:           "Attack",
			BenignClass:           "BENIGN",
			DropColumns:           slices.Clone(seedDropColumns),
			WeakColumns:           slices.Clone(cicIDS2017Weak),
			NetworkFeatureColumns: slices.Clone(networkFeaturesType1),
			SrcIPColumn:           "Src IP",
			DstIPColumn:           "Dst IP",
			DedupeIgnoreColumns:   []string{"Timestamp", "Flow ID"},
			Aliases:               cicAliasMap(),
		},
		"cicids2017_improved": {
			Name: "cicids2017_improved",
			Description: "CIC-IDS2017 improved re-extraction (Engelen, Lanvin et al.): Label holds the class name, " +
				"no Attack column; cic_ids_2017's weak columns",
			TimestampColumn:  "Timestamp",
			TimestampLayouts: []string{"2006-01-02 15:04:05.000000", "02/01/2006 03:04:05 PM", "02/01/2006 15:04:05"},
			ClassColumn:      "Label",
			BenignClass:      "BENIGN",
			DropColumns: []string{"id", "Flow ID", "Src IP", "Src Port", "Dst IP", "Dst Port", "Timestamp",
				"Attempted Category"},
			WeakColumns:           slices.Clone(cicIDS2017Weak),
			NetworkFeatureColumns: slices.Clone(networkFeaturesType1),
			SrcIPColumn:           "Src IP",
			DstIPColumn:           "Dst IP",
			DedupeIgnoreColumns:   []string{"id", "Timestamp", "Flow ID"},
			Aliases:               cicAliasMap(),
		},
		"ton_iot_network": {
			Name:        "ton_iot_network",
			Description: "ToN-IoT network (Zeek-style) CSVs: label 0/1 + type, categorical strings, no timestamp",
			LabelColumn: "label",
			ClassColumn: "type",
			BenignClass: "normal",
			DropColumns: []string{"src_ip", "src_port", "dst_ip", "dst_port", "ts"},
			SrcIPColumn: "src_ip",
			DstIPColumn: "dst_ip",
			// http_trans_depth is numeric but holds "-" (not applicable) in
			// 99.9% of rows; as a number it would drop nearly every row under
			// the drop policy, so its values are categories here.
			CategoricalColumns: []string{"proto", "service", "conn_state", "dns_query", "dns_AA", "dns_RD",
				"dns_RA", "dns_rejected", "ssl_version", "ssl_cipher", "ssl_resumed", "ssl_established",
				"ssl_subject", "ssl_issuer", "http_trans_depth", "http_method", "http_uri", "http_version",
				"http_user_agent", "http_orig_mime_types", "http_resp_mime_types", "weird_name", "weird_addl",
				"weird_notice"},
			CategoricalEncoding: Factorize,
		},
		"netflow_v3": {
			Name: "netflow_v3",
			Description: "NetFlow v3 NF-*-v3 family (UQ NIDS datasets, 53 features): Label 0/1 + Attack, " +
				"flows sorted by FLOW_START_MILLISECONDS",
			TimestampColumn:  "FLOW_START_MILLISECONDS",
			TimestampLayouts: []string{"unix_ms"},
			LabelColumn:      "Label",
			ClassColumn:      "Attack",
			BenignClass:      "Benign",
			DropColumns: []string{"IPV4_SRC_ADDR", "L4_SRC_PORT", "IPV4_DST_ADDR", "L4_DST_PORT",
				"IPV6_SRC_ADDR", "IPV6_DST_ADDR", "FLOW_START_MILLISECONDS", "FLOW_END_MILLISECONDS"},
			DedupeIgnoreColumns: []string{"FLOW_START_MILLISECONDS", "FLOW_END_MILLISECONDS"},
		},
		"netflow": {
			Name:        "netflow",
			Description: "NetFlow NF-* family v1/v2 (UQ NIDS datasets): Label 0/1 + Attack, no timestamp",
			LabelColumn: "Label",
			ClassColumn: "Attack",
			BenignClass: "Benign",
			DropColumns: []string{"IPV4_SRC_ADDR", "L4_SRC_PORT", "IPV4_DST_ADDR", "L4_DST_PORT",
				"IPV6_SRC_ADDR", "IPV6_DST_ADDR", "FLOW_START_MILLISECONDS", "FLOW_END_MILLISECONDS"},
			SrcIPColumn: "IPV4_SRC_ADDR",
			DstIPColumn: "IPV4_DST_ADDR",
		},
	}
}

// ProfileNames returns the names of the built-in profiles, sorted.
func ProfileNames() []string {
	var names []string
	for n := range builtinProfiles() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// BuiltinProfile returns a fresh copy of a built-in profile; the caller may
// modify it.
func BuiltinProfile(name string) (*Profile, error) {
	p, ok := builtinProfiles()[name]
	if !ok {
		return nil, fmt.Errorf("dataset: unknown profile %q (built-in profiles: %s; or give the path of a YAML or JSON profile file)",
			name, strings.Join(ProfileNames(), ", "))
	}
	return p, nil
}

// Clone returns a deep copy of p.
func (p *Profile) Clone() *Profile {
	c := *p
	c.TimestampLayouts = slices.Clone(p.TimestampLayouts)
	c.DropColumns = slices.Clone(p.DropColumns)
	c.WeakColumns = slices.Clone(p.WeakColumns)
	c.NetworkFeatureColumns = slices.Clone(p.NetworkFeatureColumns)
	c.CategoricalColumns = slices.Clone(p.CategoricalColumns)
	c.DedupeIgnoreColumns = slices.Clone(p.DedupeIgnoreColumns)
	if p.Encodings != nil {
		c.Encodings = make(map[string]Encoding, len(p.Encodings))
		for k, v := range p.Encodings {
			c.Encodings[k] = v
		}
	}
	if p.Aliases != nil {
		c.Aliases = make(map[string][]string, len(p.Aliases))
		for k, v := range p.Aliases {
			c.Aliases[k] = slices.Clone(v)
		}
	}
	return &c
}

// Validate checks that a profile is usable: a name, a label or class
// column, known encodings and layouts that compile.
func (p *Profile) Validate() error {
	if p == nil {
		return fmt.Errorf("dataset: nil profile")
	}
	if strings.TrimSpace(p.Name) == "" {
		return fmt.Errorf("dataset: profile has no name")
	}
	if p.LabelColumn == "" && p.ClassColumn == "" {
		return fmt.Errorf("dataset: profile %s: needs label_column, class_column or both", p.Name)
	}
	if p.LabelColumn == "" && p.BenignClass == "" {
		return fmt.Errorf("dataset: profile %s: without label_column the binary label is class_column != benign_class, so benign_class is required", p.Name)
	}
	check := func(e Encoding, where string) error {
		switch e {
		case "", Factorize, OneHot:
			return nil
		}
		return fmt.Errorf("dataset: profile %s: %s: unknown encoding %q (want factorize or onehot)", p.Name, where, e)
	}
	if err := check(p.CategoricalEncoding, "categorical_encoding"); err != nil {
		return err
	}
	for c, e := range p.Encodings {
		if err := check(e, "encodings["+c+"]"); err != nil {
			return err
		}
	}
	if p.TimestampColumn != "" {
		if len(p.TimestampLayouts) == 0 {
			return fmt.Errorf("dataset: profile %s: timestamp_column %q needs timestamp_layouts", p.Name, p.TimestampColumn)
		}
		for _, l := range p.TimestampLayouts {
			if _, err := compileLayout(l); err != nil {
				return fmt.Errorf("dataset: profile %s: %v", p.Name, err)
			}
		}
	}
	return nil
}

// encodingOf returns the encoding of a categorical column.
func (p *Profile) encodingOf(col string, m *matcher) Encoding {
	for c, e := range p.Encodings {
		if m.same(c, col) && e != "" {
			return e
		}
	}
	if p.CategoricalEncoding == "" {
		return Factorize
	}
	return p.CategoricalEncoding
}

// profileFile is the on-disk form: a Profile plus "extends", which starts
// from a built-in profile and overrides the keys the file sets.
type profileFile struct {
	Extends string `json:"extends" yaml:"extends"`
}

type profileDoc struct {
	Extends string `json:"extends" yaml:"extends"`
	Profile `yaml:",inline"`
}

// LoadProfileFile reads a user profile from a YAML or JSON file (JSON when
// the name ends in .json or the content starts with "{"). Keys are those of
// Profile's tags, plus "extends: <built-in name>" to start from a built-in
// profile and override only the keys given (a key set to [] clears a list).
// Unknown keys are errors, so typos do not pass silently.
func LoadProfileFile(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: profile file: %w", err)
	}
	isJSON := strings.EqualFold(filepath.Ext(path), ".json") || bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
	var head profileFile
	var p *Profile
	decode := func(v any, strict bool) error {
		if isJSON {
			d := json.NewDecoder(bytes.NewReader(data))
			if strict {
				d.DisallowUnknownFields()
			}
			return d.Decode(v)
		}
		d := yaml.NewDecoder(bytes.NewReader(data))
		d.KnownFields(strict)
		err := d.Decode(v)
		if err != nil && err.Error() == "EOF" {
			return fmt.Errorf("empty file")
		}
		return err
	}
	if err := decode(&head, false); err != nil {
		return nil, fmt.Errorf("dataset: profile file %s: %v", path, err)
	}
	if head.Extends != "" {
		if p, err = BuiltinProfile(head.Extends); err != nil {
			return nil, fmt.Errorf("dataset: profile file %s: extends: %v", path, err)
		}
		p.Name = ""
	} else {
		p = &Profile{}
	}
	doc := profileDoc{Profile: *p}
	if err := decode(&doc, true); err != nil {
		return nil, fmt.Errorf("dataset: profile file %s: %v", path, err)
	}
	p = &doc.Profile
	if p.Name == "" {
		p.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%v (file %s)", err, path)
	}
	return p, nil
}

// ProfileFor picks the profile for data at paths (files, directories or
// globs, as Load takes them): the one entry point for "which profile reads
// this data". nameOrFile is a built-in name, the path of a profile file, or
// "auto" (or "") to detect a built-in from the first file's header. It
// returns the profile and a sentence saying why it was chosen; the data is
// read only when detection needs its header.
func ProfileFor(nameOrFile string, paths []string) (*Profile, string, error) {
	var header []string
	if nameOrFile == "" || nameOrFile == "auto" {
		files, err := ExpandPaths(paths)
		if err != nil {
			return nil, "", err
		}
		if header, err = ReadHeader(files[0]); err != nil {
			return nil, "", err
		}
		p, why, err := ResolveProfile(nameOrFile, header)
		if e, ok := err.(*Error); ok && e.File == "" {
			e.File = files[0]
		}
		return p, why, err
	}
	return ResolveProfile(nameOrFile, nil)
}

// ResolveProfile picks the profile for a run. nameOrFile is a built-in name,
// the path of a profile file, or "auto" (or "") to detect a built-in from
// header, the first file's column names. It returns the profile and a
// sentence saying why it was chosen.
func ResolveProfile(nameOrFile string, header []string) (*Profile, string, error) {
	switch {
	case nameOrFile == "" || nameOrFile == "auto":
		if len(header) == 0 {
			return nil, "", &Error{Kind: ErrProfile, Msg: "detecting the profile needs the data's header"}
		}
		return detectProfile(header)
	case builtinProfiles()[nameOrFile] != nil:
		p, err := BuiltinProfile(nameOrFile)
		return p, "built-in profile " + nameOrFile + ", named explicitly", err
	}
	if st, err := os.Stat(nameOrFile); err == nil && !st.IsDir() {
		p, err := LoadProfileFile(nameOrFile)
		if err != nil {
			return nil, "", err
		}
		return p, "profile file " + nameOrFile, nil
	}
	_, err := BuiltinProfile(nameOrFile)
	return nil, "", err
}

// detectProfile recognises the built-in formats by their signature columns.
func detectProfile(header []string) (*Profile, string, error) {
	m := newMatcher(header, cicAliasMap())
	has := func(names ...string) bool {
		for _, n := range names {
			if m.find(n) < 0 {
				return false
			}
		}
		return true
	}
	pick := func(name, why string) (*Profile, string, error) {
		p, err := BuiltinProfile(name)
		if r, ok := runnerUp(header, name); ok {
			why += "; runner-up: " + r
		}
		return p, "auto: " + why, err
	}
	switch {
	case has("IPV4_SRC_ADDR", "IN_BYTES", "OUT_BYTES", "Label", "FLOW_START_MILLISECONDS"):
		return pick("netflow_v3", "NetFlow columns (IPV4_SRC_ADDR, IN_BYTES, OUT_BYTES) with Label and FLOW_START_MILLISECONDS → netflow_v3 (NF-*-v3, sorted by flow start)")
	case has("IPV4_SRC_ADDR", "IN_BYTES", "OUT_BYTES", "Label"):
		return pick("netflow", "NetFlow columns (IPV4_SRC_ADDR, IN_BYTES, OUT_BYTES) with Label → netflow (NF-* family)")
	case has("conn_state", "src_ip_bytes", "dst_ip_bytes") && (has("type") || has("label")):
		return pick("ton_iot_network", "Zeek-style columns (conn_state, src_ip_bytes, dst_ip_bytes) with label/type → ton_iot_network")
	case has("Flow Duration", "Flow IAT Mean", "Flow Byts/s"):
		switch {
		case has("Attack") && has("Label"):
			return pick("cic_ton_iot", "CICFlowMeter columns with Label and Attack → cic_ton_iot, the seed's definition "+
				"(cic_ids_2017 shares this layout and differs in weak columns; name it to use it)")
		case has("Label"):
			return pick("cicids2017_improved", "CICFlowMeter columns, Label without an Attack column (Label holds the class name) → cicids2017_improved")
		}
	}
	first := header
	if len(first) > 8 {
		first = first[:8]
	}
	closest := ""
	if r, ok := runnerUp(header, ""); ok {
		closest = "; closest: " + r
	}
	return nil, "", &Error{Kind: ErrProfile, Columns: header,
		Msg: fmt.Sprintf("the header matches no built-in profile (first columns: %s); built-in profiles: %s%s",
			quoteList(first), strings.Join(ProfileNames(), ", "), closest)}
}

// coverage counts the columns a profile names (label, class, timestamp,
// drop, weak and categorical lists; network features are optional) that
// header has.
func coverage(p *Profile, header []string) (found, total int) {
	aliases := p.Aliases
	if aliases == nil {
		aliases = cicAliasMap()
	}
	m := newMatcher(header, aliases)
	seen := map[string]bool{}
	for _, l := range [][]string{{p.LabelColumn, p.ClassColumn, p.TimestampColumn}, p.DropColumns, p.WeakColumns, p.CategoricalColumns} {
		for _, n := range l {
			k := normName(n)
			if n == "" || seen[k] {
				continue
			}
			seen[k] = true
			total++
			if m.find(n) >= 0 {
				found++
			}
		}
	}
	return found, total
}

// runnerUp names the built-in profile other than chosen that covers the
// most of its columns in header, when it covers at least 80% of them: a
// close second the user may have meant.
func runnerUp(header []string, chosen string) (string, bool) {
	best, bestFound, bestTotal := "", 0, 1
	for _, name := range ProfileNames() {
		if name == chosen {
			continue
		}
		p, _ := BuiltinProfile(name)
		found, total := coverage(p, header)
		if total > 0 && found*bestTotal > bestFound*total {
			best, bestFound, bestTotal = name, found, total
		}
	}
	if best == "" || bestFound*5 < bestTotal*4 {
		return "", false
	}
	return fmt.Sprintf("%s (the header has %d of the %d columns it names)", best, bestFound, bestTotal), true
}

// normName is the matching key of a column name: BOM and spaces trimmed,
// lower case, runs of spaces collapsed.
func normName(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "\ufeff")
	s = strings.TrimSpace(s)
	s = strings.ToLower(s)
	if strings.Contains(s, "  ") || strings.ContainsAny(s, "\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// cleanHeaderName is the display form of a header name: BOM and spaces
// trimmed.
func cleanHeaderName(s string) string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "\ufeff"))
}

// matcher finds profile names in a header, through alias groups.
type matcher struct {
	byKey map[string]int      // normalized header name -> index
	group map[string][]string // normalized name -> normalized names of its group
}

func newMatcher(header []string, aliases map[string][]string) *matcher {
	m := &matcher{byKey: make(map[string]int, len(header)), group: map[string][]string{}}
	for i, h := range header {
		k := normName(h)
		if _, dup := m.byKey[k]; !dup {
			m.byKey[k] = i
		}
	}
	// Union the alias lists into groups (a name may appear in two lists).
	for canon, alts := range aliases {
		names := append([]string{canon}, alts...)
		var keys []string
		for _, n := range names {
			k := normName(n)
			keys = append(keys, k)
			keys = append(keys, m.group[k]...)
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		for _, k := range keys {
			m.group[k] = keys
		}
	}
	return m
}

// find returns the header index of name or of one of its aliases, or -1.
func (m *matcher) find(name string) int {
	k := normName(name)
	if i, ok := m.byKey[k]; ok {
		return i
	}
	for _, a := range m.group[k] {
		if i, ok := m.byKey[a]; ok {
			return i
		}
	}
	return -1
}

// same reports whether two names denote the same column.
func (m *matcher) same(a, b string) bool {
	ka, kb := normName(a), normName(b)
	if ka == kb {
		return true
	}
	return slices.Contains(m.group[ka], kb)
}

// NoIPColumnsError says a profile names no source or destination address
// column, so no network graph can be built from its data.
type NoIPColumnsError struct {
	// Profile is the profile's name.
	Profile string
	// Missing lists the unset fields: src_ip_column, dst_ip_column.
	Missing []string
}

func (e *NoIPColumnsError) Error() string {
	return fmt.Sprintf("dataset: profile %s names no address column (%s): network features need the source and "+
		"destination IP columns; set them in a profile file", e.Profile, strings.Join(e.Missing, ", "))
}

// IPColumns returns the profile's source and destination address columns,
// or a *NoIPColumnsError naming the unset ones.
func (p *Profile) IPColumns() (src, dst string, err error) {
	var missing []string
	if p.SrcIPColumn == "" {
		missing = append(missing, "src_ip_column")
	}
	if p.DstIPColumn == "" {
		missing = append(missing, "dst_ip_column")
	}
	if missing != nil {
		return "", "", &NoIPColumnsError{Profile: p.Name, Missing: missing}
	}
	return p.SrcIPColumn, p.DstIPColumn, nil
}
