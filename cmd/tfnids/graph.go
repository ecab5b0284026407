package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/netgraph"
)

func init() {
	common := func() []cli.Flag {
		return []cli.Flag{
			&cli.StringSliceFlag{Name: "data", Aliases: []string{"d"}, Usage: "CSV/CSV.gz file, directory or glob (repeatable)"},
			&cli.StringFlag{Name: "profile", Value: "auto", Usage: "built-in profile (" + strings.Join(dataset.ProfileNames(), ", ") +
				"), a YAML/JSON profile file, or auto; it names the source and destination IP columns"},
			&cli.StringFlag{Name: "measures", Value: "type1", Usage: "comma-separated measures, or type1 (the study's 11) or type2 (with global_*)"},
			&cli.StringFlag{Name: "communities", Value: "infomap", Usage: "community detection: infomap (igraph's, as the study) or louvain (gonum)"},
			&cli.StringFlag{Name: "betweenness", Value: "exact", Usage: "exact (Brandes) or approx (Riondato–Kornaropoulos sampling)"},
			&cli.Float64Flag{Name: "epsilon", Value: 0.01, Usage: "approx betweenness: additive error"},
			&cli.Float64Flag{Name: "delta", Value: 0.1, Usage: "approx betweenness: failure probability"},
			&cli.DurationFlag{Name: "exact-limit", Value: 2 * time.Hour, Usage: "refuse exact betweenness estimated to take longer (0: no limit)"},
			&cli.Uint64Flag{Name: "seed", Value: 42, Usage: "seeds Infomap/Louvain, the sampling and Comm's R"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output"},
		}
	}
	register(&cli.Command{
		Name:  "graph",
		Usage: "the GDLC study's network features: centrality measures of the source IP → destination IP graph",
		Subcommands: []*cli.Command{{
			Name:  "describe",
			Usage: "nodes, edges, degrees, density, transitivity, communities, modularity and the time of every measure",
			Description: "Builds the directed Src IP → Dst IP graph over every row with valid addresses (one edge per\n" +
				"ordered pair) and computes the measures once, timing each. See docs/graph.md.",
			Flags:  append(common(), &cli.BoolFlag{Name: "json", Usage: "print JSON for scripts"}),
			Action: graphDescribe,
		}, {
			Name:  "features",
			Usage: "write the data with src_<measure> and dst_<measure> columns appended (the study's preprocessed table)",
			Description: "Reads the CSVs twice: once for the graph, once to copy every row with its source's and\n" +
				"destination's measures appended (-1 where an address is not a node). --out ending in .gz is gzipped.",
			Flags: append(common(), &cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true,
				Usage: "output CSV (FILE.csv or FILE.csv.gz)"}),
			Action: graphFeatures,
		}},
	})
}

// graphOptions reads the measure flags.
func graphOptions(c *cli.Context) (netgraph.Options, error) {
	ms, err := netgraph.ParseMeasures(c.String("measures"))
	if err != nil {
		return netgraph.Options{}, usageErr("--measures: %v", err)
	}
	o := netgraph.Options{Measures: ms, Communities: c.String("communities"), Seed: c.Uint64("seed"),
		Epsilon: c.Float64("epsilon"), Delta: c.Float64("delta"), ExactLimit: c.Duration("exact-limit")}
	switch o.Communities {
	case "infomap", "louvain":
	default:
		return o, usageErr("--communities: %q: want infomap or louvain", o.Communities)
	}
	switch c.String("betweenness") {
	case "exact":
	case "approx":
		o.ApproxBetweenness = true
	default:
		return o, usageErr("--betweenness: %q: want exact or approx", c.String("betweenness"))
	}
	if !c.Bool("quiet") {
		o.Progress = func(m string) { fmt.Fprintf(os.Stderr, "graph: %s\n", m) }
	}
	return o, nil
}

// graphInput resolves the files, the profile and its IP columns.
func graphInput(c *cli.Context) (files []string, prof *dataset.Profile, src, dst string, err error) {
	paths := append(c.StringSlice("data"), c.Args().Slice()...)
	if len(paths) == 0 {
		return nil, nil, "", "", usageErr("give the data with --data PATH (a CSV/CSV.gz file, a directory or a glob)")
	}
	files, err = dataset.ExpandPaths(paths)
	if err != nil {
		return nil, nil, "", "", usageErr("%v", err)
	}
	header, err := dataset.ReadHeader(files[0])
	if err != nil {
		return nil, nil, "", "", usageErr("%v", err)
	}
	prof, _, err = dataset.ResolveProfile(c.String("profile"), header)
	if err != nil {
		return nil, nil, "", "", usageErr("%v", err)
	}
	src, dst, err = prof.IPColumns()
	if err != nil {
		return nil, nil, "", "", usageErr("%v", err)
	}
	return files, prof, src, dst, nil
}

type graphDescription struct {
	netgraph.Summary
	InvalidRows    int                `json:"invalid_rows"`
	Rows           int                `json:"rows"`
	Communities    int                `json:"communities,omitempty"`
	Method         string             `json:"community_method,omitempty"`
	Codelength     float64            `json:"codelength_bits,omitempty"`
	Modularity     float64            `json:"modularity"`
	Mixing         float64            `json:"mixing_parameter"`
	Samples        int                `json:"betweenness_samples,omitempty"`
	CommR          int                `json:"comm_r,omitempty"`
	SecondsPerStep map[string]float64 `json:"seconds"`
}

func graphDescribe(c *cli.Context) error {
	files, _, srcCol, dstCol, err := graphInput(c)
	if err != nil {
		return err
	}
	o, err := graphOptions(c)
	if err != nil {
		return err
	}
	t0 := time.Now()
	src, dst, err := readAddresses(files, srcCol, dstCol)
	if err != nil {
		return err
	}
	g, st := netgraph.Build(src, dst)
	d := graphDescription{Summary: g.Summarize(), InvalidRows: st.InvalidRows, Rows: st.Rows,
		SecondsPerStep: map[string]float64{"read+build": time.Since(t0).Seconds()}}
	if !slices.Contains(o.Measures, netgraph.Comm) {
		o.Measures = append(o.Measures, netgraph.Comm) // communities for modularity and mixing
	}
	res, err := g.Compute(c.Context, o)
	if err != nil {
		return err
	}
	for k, v := range res.Timings {
		d.SecondsPerStep[k] = v.Seconds()
	}
	d.Communities = int(slices.Max(append(res.Membership, -1))) + 1
	d.Method = o.Communities
	d.Codelength = res.Codelength
	d.Modularity = g.Modularity(res.Membership)
	d.Mixing = g.MixingParameter(res.Membership)
	d.Samples = res.Samples
	d.CommR = res.CommR
	w := c.App.Writer
	if c.Bool("json") {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	fmt.Fprintf(w, "rows:          %d (%d without a valid source or destination IP)\n", d.Rows, d.InvalidRows)
	fmt.Fprintf(w, "nodes:         %d\nedges:         %d (%d self-loops)\n", d.Nodes, d.Edges, d.SelfLoops)
	fmt.Fprintf(w, "degree:        max %d, average %.3f (in+out)\n", d.MaxDegree, d.AvgDegree)
	fmt.Fprintf(w, "density:       %.3g\ntransitivity:  %.4f\ncomponents:    %d (weak)\n", d.Density, d.Transitivity, d.WeakComponents)
	fmt.Fprintf(w, "communities:   %d (%s", d.Communities, d.Method)
	if d.Codelength > 0 {
		fmt.Fprintf(w, ", codelength %.4f bits", d.Codelength)
	}
	fmt.Fprintf(w, ")\nmodularity:    %.4f\nmixing:        %.4f (fraction of edges across communities)\n", d.Modularity, d.Mixing)
	if d.Samples > 0 {
		fmt.Fprintf(w, "betweenness:   approx, %d sampled pairs\n", d.Samples)
	}
	fmt.Fprintf(w, "seconds:\n")
	keys := make([]string, 0, len(d.SecondsPerStep))
	for k := range d.SecondsPerStep {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-20s %8.3f\n", k, d.SecondsPerStep[k])
	}
	return nil
}

func graphFeatures(c *cli.Context) error {
	files, _, srcCol, dstCol, err := graphInput(c)
	if err != nil {
		return err
	}
	o, err := graphOptions(c)
	if err != nil {
		return err
	}
	src, dst, err := readAddresses(files, srcCol, dstCol)
	if err != nil {
		return err
	}
	g, st := netgraph.Build(src, dst)
	if st.InvalidRows > 0 && !c.Bool("quiet") {
		fmt.Fprintf(os.Stderr, "graph: %d of %d rows have no valid source or destination IP (first: data row %d); their columns are -1\n",
			st.InvalidRows, st.Rows, st.FirstInvalid+1)
	}
	res, err := g.Compute(c.Context, o)
	if err != nil {
		return err
	}
	fc := res.Lookup(g, src, dst)
	out := c.String("out")
	err = atomicfile.Write(out, 0o644, func(w io.Writer) error {
		var zw *gzip.Writer
		if strings.HasSuffix(out, ".gz") {
			zw = gzip.NewWriter(w)
			w = zw
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := appendColumns(files, bw, fc); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if zw != nil {
			return zw.Close()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(os.Stderr, "graph: wrote %s: %d rows, %d columns added (%d nodes, %d edges)\n",
			out, st.Rows, len(fc.Names), g.Nodes(), g.Edges())
	}
	return nil
}

// openCSV opens a plain or gzip CSV (gzip detected by its magic bytes).
func openCSV(path string) (io.Reader, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return zr, f.Close, nil
	}
	return br, f.Close, nil
}

// columnIndex finds a column by the profile's matching rules' essentials:
// trimmed, BOM-free, case-insensitive, runs of spaces collapsed.
func columnIndex(header []string, name string) int {
	norm := func(s string) string {
		return strings.ToLower(strings.Join(strings.Fields(strings.TrimPrefix(s, "\ufeff")), " "))
	}
	want := norm(name)
	return slices.IndexFunc(header, func(h string) bool { return norm(h) == want })
}

// readAddresses reads the two address columns of every file, in order.
func readAddresses(files []string, srcCol, dstCol string) (src, dst []string, err error) {
	intern := map[string]string{}
	in := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		intern[s] = s
		return s
	}
	for _, f := range files {
		r, closeFn, err := openCSV(f)
		if err != nil {
			return nil, nil, err
		}
		cr := csv.NewReader(r)
		cr.ReuseRecord = true
		header, err := cr.Read()
		if err != nil {
			closeFn()
			return nil, nil, fmt.Errorf("%s: header: %w", f, err)
		}
		si, di := columnIndex(header, srcCol), columnIndex(header, dstCol)
		if si < 0 || di < 0 {
			closeFn()
			return nil, nil, fmt.Errorf("%s: no %q or %q column (the profile's IP columns)", f, srcCol, dstCol)
		}
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				closeFn()
				return nil, nil, fmt.Errorf("%s: %w", f, err)
			}
			src = append(src, in(rec[si]))
			dst = append(dst, in(rec[di]))
		}
		closeFn()
	}
	return src, dst, nil
}

// appendColumns copies every row of files (the first file's header once)
// with fc's columns appended.
func appendColumns(files []string, w io.Writer, fc *netgraph.FlowColumns) error {
	cw := csv.NewWriter(w)
	row := 0
	for i, f := range files {
		r, closeFn, err := openCSV(f)
		if err != nil {
			return err
		}
		cr := csv.NewReader(r)
		header, err := cr.Read()
		if err != nil {
			closeFn()
			return fmt.Errorf("%s: header: %w", f, err)
		}
		for _, n := range fc.Names {
			if columnIndex(header, n) >= 0 {
				closeFn()
				return fmt.Errorf("%s: already has a %q column; network features are computed only for data without them", f, n)
			}
		}
		if i == 0 {
			header[0] = strings.TrimPrefix(header[0], "\ufeff")
			if err := cw.Write(append(header, fc.Names...)); err != nil {
				closeFn()
				return err
			}
		}
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				closeFn()
				return fmt.Errorf("%s: %w", f, err)
			}
			for _, col := range fc.Values {
				rec = append(rec, strconv.FormatFloat(col[row], 'g', -1, 64))
			}
			if err := cw.Write(rec); err != nil {
				closeFn()
				return err
			}
			row++
		}
		closeFn()
	}
	cw.Flush()
	return cw.Error()
}
