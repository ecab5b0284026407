package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/dataset"
)

func init() {
	register(&cli.Command{
		Name:  "dataset",
		Usage: "inspect flow data before a long run",
		Subcommands: []*cli.Command{{
			Name:      "describe",
			Usage:     "show how tfnids reads flow CSVs: profile, rows kept and dropped, input features, classes, time range, bad values",
			ArgsUsage: "[PATH...]",
			Description: "Loads the data exactly as training will (same profile, bad-value policy, dedupe, sort and\n" +
				"label mode) and prints what to check before a long run. PATH is a CSV or CSV.gz file, a\n" +
				"directory of them or a glob; give it with --data (repeatable) or as arguments.",
			Flags: append([]cli.Flag{
				&cli.StringSliceFlag{Name: "data", Aliases: []string{"d"}, Usage: "CSV/CSV.gz file, directory or glob (repeatable)"},
				&cli.StringFlag{Name: "profile", Value: "auto", Usage: "built-in profile (" + strings.Join(dataset.ProfileNames(), ", ") +
					"), a YAML/JSON profile file, or auto to detect from the header"},
				&cli.StringFlag{Name: "bad-values", Value: "drop", Usage: "non-numeric, NaN, Infinity, empty or '-' cells in numeric columns: drop the row, zero the cell, or error"},
				&cli.BoolFlag{Name: "dedupe", Usage: "drop duplicate rows (ignoring the timestamp and the profile's dedupe_ignore_columns), keeping the first"},
				&cli.BoolFlag{Name: "multi-class", Value: true, Usage: "labels are the factorized class column (false: binary 0/1)"},
				&cli.BoolFlag{Name: "sort-timestamp", Value: true, Usage: "stable sort by the profile's timestamp column (as train and predict)"},
				&cli.BoolFlag{Name: "sort", Value: true, Hidden: true, Usage: "old name of --sort-timestamp"},
				&cli.BoolFlag{Name: "network-features", Usage: "keep the profile's network-feature columns as inputs"},
				&cli.BoolFlag{Name: "json", Usage: "print JSON for scripts"},
			}, columnFlags()...),
			Action: datasetDescribe,
		}},
	})
}

// describeOutput is the --json form: the load report plus the options used.
type describeOutput struct {
	*dataset.LoadReport
	MultiClass      bool     `json:"multi_class"`
	Dedupe          bool     `json:"dedupe"`
	NetworkFeatures bool     `json:"network_features"`
	Features        int      `json:"features"`
	ClassNames      []string `json:"class_names"`
}

func datasetDescribe(c *cli.Context) error {
	paths := append(c.StringSlice("data"), c.Args().Slice()...)
	if len(paths) == 0 {
		return usageErr("dataset describe: give the data with --data PATH (a CSV/CSV.gz file, a directory or a glob)")
	}
	policy, err := dataset.ParseBadValuePolicy(c.String("bad-values"))
	if err != nil {
		return usageErr("dataset describe: --bad-values: %v", err)
	}
	prof, why, err := dataset.ProfileFor(c.String("profile"), paths)
	if err != nil {
		return usageErr("%s", withHint(err))
	}
	opts := dataset.LoadOptions{
		Profile:         prof,
		BadValues:       policy,
		Dedupe:          c.Bool("dedupe"),
		SortByTimestamp: c.Bool("sort-timestamp") && c.Bool("sort"),
		MultiClass:      c.Bool("multi-class"),
		NetworkFeatures: c.Bool("network-features"),
	}
	if err := columnOptions(c, &opts); err != nil {
		return err
	}
	f, rep, err := dataset.LoadContext(c.Context, paths, opts)
	if err != nil {
		return usageErr("%s", withHint(err))
	}
	rep.ProfileWhy = why
	printWarnings(c.App.ErrWriter, rep)
	out := describeOutput{LoadReport: rep, MultiClass: opts.MultiClass, Dedupe: opts.Dedupe,
		NetworkFeatures: opts.NetworkFeatures, Features: f.Features, ClassNames: f.ClassNames}
	w := c.App.Writer
	if c.Bool("json") {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	printDescribe(w, prof, out)
	return nil
}

func printDescribe(w io.Writer, prof *dataset.Profile, d describeOutput) {
	r := d.LoadReport
	fmt.Fprintf(w, "profile:      %s (%s)\n", r.Profile, r.ProfileWhy)
	fmt.Fprintf(w, "files:        %d\n", len(r.Files))
	for _, f := range r.Files {
		fmt.Fprintf(w, "              %s\n", shown(f))
	}
	fmt.Fprintf(w, "rows read:    %d\n", r.RowsRead)
	dedupe := "dedupe off"
	if d.Dedupe {
		dedupe = fmt.Sprintf("%d duplicates", r.DroppedDuplicates)
	}
	fmt.Fprintf(w, "rows dropped: %d with bad values (--bad-values %s), %s\n", r.DroppedBadValues, r.BadValuePolicy, dedupe)
	if r.ZeroedValues > 0 {
		fmt.Fprintf(w, "zeroed cells: %d\n", r.ZeroedValues)
	}
	fmt.Fprintf(w, "rows kept:    %d\n", r.RowsKept)
	switch {
	case r.HasTime:
		fmt.Fprintf(w, "time range:   %s to %s UTC (rows stably sorted by %s)\n",
			r.TimeMin.Format("2006-01-02 15:04:05.999999"), r.TimeMax.Format("2006-01-02 15:04:05.999999"), prof.TimestampColumn)
	case prof.TimestampColumn == "":
		fmt.Fprintf(w, "time range:   none (profile %s has no timestamp column; rows stay in file order)\n", prof.Name)
	default:
		fmt.Fprintf(w, "time range:   not read (--sort-timestamp=false; rows stay in file order)\n")
	}

	fmt.Fprintf(w, "\ninput features (%d, in model order):\n", d.Features)
	for i, n := range r.FeatureNames {
		fmt.Fprintf(w, "  %3d  %s\n", i+1, shown(n))
	}

	fmt.Fprintf(w, "\ncolumns not fed to the model (%d):\n", len(r.DroppedColumns))
	byReason := map[string][]string{}
	var reasons []string
	for _, dc := range r.DroppedColumns {
		if byReason[dc.Reason] == nil {
			reasons = append(reasons, dc.Reason)
		}
		byReason[dc.Reason] = append(byReason[dc.Reason], shown(dc.Name))
	}
	for _, reason := range reasons {
		writeWrapped(w, fmt.Sprintf("  %-10s", reason+":"), byReason[reason])
	}
	if n := len(r.AbsentColumns); n > 0 {
		list := r.AbsentColumns
		if n > 4 {
			list = append(append([]string(nil), list[:4]...), fmt.Sprintf("… (%d in all)", n))
		}
		writeWrapped(w, "  absent:  ", list)
		fmt.Fprintf(w, "             (named by the profile, not in the header: nothing to drop)\n")
	}

	if len(r.ClassCounts) > 0 {
		order := "first appearance in file order"
		if r.Sorted {
			order = "first appearance after the time sort"
		}
		fmt.Fprintf(w, "\nclasses (%d, pd.factorize order: %s):\n", len(r.ClassCounts), order)
		for i, cc := range r.ClassCounts {
			fmt.Fprintf(w, "  %3d  %-28s %d\n", i, shown(cc.Name), cc.Count)
		}
	}
	if d.MultiClass {
		fmt.Fprintf(w, "labels:       multi-class, the class codes above\n")
	} else if len(r.LabelCounts) == 2 {
		fmt.Fprintf(w, "labels:       binary: 0 %s %d, 1 %s %d\n", d.ClassNames[0], r.LabelCounts[0], d.ClassNames[1], r.LabelCounts[1])
	}

	fmt.Fprintf(w, "\nbad values per column:")
	if len(r.BadValuesPerColumn) == 0 {
		fmt.Fprintf(w, " none\n")
		return
	}
	fmt.Fprintln(w)
	cols := make([]string, 0, len(r.BadValuesPerColumn))
	for c := range r.BadValuesPerColumn {
		cols = append(cols, c)
	}
	sort.Slice(cols, func(i, j int) bool {
		a, b := r.BadValuesPerColumn[cols[i]], r.BadValuesPerColumn[cols[j]]
		return a > b || a == b && cols[i] < cols[j]
	})
	for _, c := range cols {
		fmt.Fprintf(w, "  %-28s %d\n", shown(c), r.BadValuesPerColumn[c])
	}
}

// shown is a name as printed: quoted with escapes when it holds control
// characters or invalid UTF-8, so that data never drives the terminal.
func shown(s string) string {
	q := strconv.Quote(s)
	if q[1:len(q)-1] == s {
		return s
	}
	return q
}

// writeWrapped prints a label and a comma-separated list wrapped at about
// 100 columns.
func writeWrapped(w io.Writer, label string, items []string) {
	line := label
	indent := strings.Repeat(" ", 12)
	for i, it := range items {
		sep := " "
		if i < len(items)-1 {
			it += ","
		}
		if len(line)+len(it)+1 > 100 && line != label {
			fmt.Fprintln(w, line)
			line = indent
		}
		line += sep + it
	}
	fmt.Fprintln(w, line)
}
