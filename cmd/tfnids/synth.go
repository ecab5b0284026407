package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/synth"
)

func init() {
	register(&cli.Command{
		Name:      "synth",
		Usage:     "write a synthetic CIC-ToN-IoT-shaped flow CSV for scale runs",
		UsageText: "tfnids synth --rows N [--profile cic_ton_iot] [--classes 10] [--seed S] --out FILE[.gz]",
		Description: `Writes N flows in the column layout of the profile (CIC-ToN-IoT: Flow ID, Src IP, Src
Port, Dst IP, Dst Port, Protocol, Timestamp like "25/04/2019 05:18:52 pm", the
CICFlowMeter features, Label 0/1 and Attack), with class-dependent feature distributions a
model can learn, timestamps that never decrease (--runs N: N such runs one after another), and dirty values at a small rate
(Infinity and NaN rates of zero-duration flows, empty cells), as real CICFlowMeter output
has. The same seed writes the same bytes. Memory use does not grow with --rows.

A name ending in .gz is gzip-compressed. The file appears only when complete.

Example (a million flows, then what tfnids makes of them):
  tfnids synth --rows 1000000 --seed 1 --out flows.csv.gz
  tfnids dataset describe --data flows.csv.gz --profile cic_ton_iot`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "rows", Aliases: []string{"n"}, Required: true, Usage: "number of flows (data rows)"},
			&cli.StringFlag{Name: "profile", Value: "cic_ton_iot", Usage: "column layout: " + strings.Join(synth.Profiles, ", ")},
			&cli.IntFlag{Name: "classes", Value: len(synth.ClassNames), Usage: fmt.Sprintf("Benign plus the first classes-1 attacks of %s (1 to %d)", strings.Join(synth.ClassNames, ", "), len(synth.ClassNames))},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "output CSV (.gz: gzip); - for standard output"},
			&cli.Float64Flag{Name: "dirty-rate", Value: synth.DefaultDirtyRate, Usage: "share of rows with one dirty value (Infinity, NaN or an empty cell); 0 for none"},
			&cli.Float64Flag{Name: "flows-per-second", Value: 20, Usage: "mean arrival rate, which sets the time span"},
			&cli.StringFlag{Name: "start", Value: "2019-04-25 09:00:00", Usage: "time of the first flow (UTC, YYYY-MM-DD HH:MM:SS)"},
			&cli.IntFlag{Name: "runs", Value: 1, Usage: "write the rows as this many time-ordered runs one after another, each over the whole time span (like concatenated captures), so that the file must be sorted"},
		},
		Action: synthAction,
	})
}

func synthAction(c *cli.Context) error {
	start, err := time.Parse("2006-01-02 15:04:05", c.String("start"))
	if err != nil {
		return usageErr("synth: --start: want YYYY-MM-DD HH:MM:SS (got %q)", c.String("start"))
	}
	dirty := c.Float64("dirty-rate")
	if dirty == 0 {
		dirty = -1 // synth.Options: negative means none, 0 the default
	} else if dirty < 0 {
		return usageErr("synth: --dirty-rate must be between 0 and 1 (got %v)", dirty)
	}
	o := synth.Options{Rows: c.Int("rows"), Profile: c.String("profile"), Classes: c.Int("classes"),
		Seed: c.Uint64("seed"), DirtyRate: dirty, Start: start, FlowsPerSecond: c.Float64("flows-per-second"), Runs: c.Int("runs")}
	// Check the options before creating the file.
	if _, err := synth.Columns(o.Profile); err != nil {
		return usageErr("%v", err)
	}
	if o.Rows < 1 {
		return usageErr("synth: --rows must be >= 1 (got %d)", o.Rows)
	}
	if o.Classes < 1 || o.Classes > len(synth.ClassNames) {
		return usageErr("synth: --classes must be between 1 and %d (got %d)", len(synth.ClassNames), o.Classes)
	}
	if dirty > 1 {
		return usageErr("synth: --dirty-rate must be between 0 and 1 (got %v)", dirty)
	}
	if o.Runs < 1 || o.Runs > o.Rows {
		return usageErr("synth: --runs must be between 1 and --rows (got %d)", o.Runs)
	}
	if !(o.FlowsPerSecond > 0) {
		return usageErr("synth: --flows-per-second must be > 0 (got %v)", o.FlowsPerSecond)
	}

	out := c.String("out")
	t0 := time.Now()
	var st *synth.Stats
	report := c.App.Writer
	if out == "-" {
		report = c.App.ErrWriter
		if report == nil {
			report = os.Stderr
		}
		if st, err = synth.Write(os.Stdout, o); err != nil {
			return err
		}
	} else {
		err = atomicfile.Write(out, 0o644, func(w io.Writer) error {
			if strings.HasSuffix(strings.ToLower(out), ".gz") {
				zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
				if err != nil {
					return err
				}
				zw.Name = strings.TrimSuffix(filepath.Base(out), filepath.Ext(out))
				if st, err = synth.Write(zw, o); err != nil {
					return err
				}
				return zw.Close()
			}
			var err error
			st, err = synth.Write(w, o)
			return err
		})
		if err != nil {
			return fmt.Errorf("synth: %w", err)
		}
	}
	names := make([]string, 0, len(st.ClassCounts))
	for n := range st.ClassCounts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return st.ClassCounts[names[i]] > st.ClassCounts[names[j]] })
	var counts []string
	for _, n := range names {
		counts = append(counts, fmt.Sprintf("%s %d", n, st.ClassCounts[n]))
	}
	fmt.Fprintf(report, "wrote %s: %d rows x %d columns in %.1fs (profile %s, seed %d)\n", out, st.Rows, st.Columns,
		time.Since(t0).Seconds(), o.Profile, o.Seed)
	fmt.Fprintf(report, "classes: %s\n", strings.Join(counts, ", "))
	fmt.Fprintf(report, "dirty values: %d rows (%d Infinity, %d NaN, %d empty cells)\n", st.DirtyRows, st.Infinity, st.NaN, st.Empty)
	fmt.Fprintf(report, "time: %s to %s\n", st.First.Format(synth.TimestampLayout), st.Last.Format(synth.TimestampLayout))
	return nil
}
