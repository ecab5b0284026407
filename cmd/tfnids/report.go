package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/report"
)

func init() {
	register(&cli.Command{
		Name:      "report",
		Usage:     "write one self-contained HTML page (tables and plots) for a results file",
		ArgsUsage: "RESULTS.json",
		Description: "Reads a results file written by 'tfnids train' (or by the seed notebook) and writes an HTML page\n" +
			"with the run details, warnings, the mean scores per model (seed-compatible and tfnids'\n" +
			"additions), the rows per class of each fold, and per model the fold scores, confusion matrices and\n" +
			"training curves. The plots are embedded, so the page is a single file. The per-model mean scores\n" +
			"are also printed as a table. Flags may follow RESULTS.json.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "HTML file to write (default: RESULTS with the extension .html)"},
			&cli.StringFlag{Name: "plots", Usage: "also write every plot as PNG and SVG into `DIR`"},
		},
		Action: reportAction,
	})
}

type reportOptions struct {
	results, out, plots string
}

// reportArgs collects the arguments of 'tfnids report'. urfave/cli stops
// parsing flags at the first argument, so flags given after RESULTS.json
// (the documented order) are parsed here; they override earlier ones.
func reportArgs(c *cli.Context) (reportOptions, error) {
	o := reportOptions{out: c.String("out"), plots: c.String("plots")}
	args := c.Args().Slice()
	if len(args) == 0 {
		return o, usageErr("report: missing RESULTS.json argument (usage: tfnids report RESULTS.json [--out report.html])")
	}
	o.results = args[0]
	if len(args) > 1 {
		fs := flag.NewFlagSet("report", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.StringVar(&o.out, "out", o.out, "")
		fs.StringVar(&o.out, "o", o.out, "")
		fs.StringVar(&o.plots, "plots", o.plots, "")
		if err := fs.Parse(args[1:]); err != nil {
			return o, usageErr("report: %v", err)
		}
		if fs.NArg() > 0 {
			return o, usageErr("report: expected one RESULTS.json argument, got %d: %s", 1+fs.NArg(), strings.Join(append([]string{args[0]}, fs.Args()...), " "))
		}
	}
	if o.out == "" {
		o.out = strings.TrimSuffix(o.results, filepath.Ext(o.results)) + ".html"
	}
	if o.out == o.results {
		return o, usageErr("report: --out %s would overwrite the results file", o.out)
	}
	return o, nil
}

func reportAction(c *cli.Context) error {
	o, err := reportArgs(c)
	if err != nil {
		return err
	}
	r, err := report.ReadResults(o.results)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return usageErr("report: %v", err)
		}
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return cli.Exit(fmt.Sprintf("report: %v", err), exitFailure)
		}
		return usageErr("report: %s is not a results file: %v", o.results, err) // bad JSON
	}
	if err := report.WriteHTML(o.out, r); err != nil {
		return cli.Exit(fmt.Sprintf("report: writing %s: %v", o.out, err), exitFailure)
	}
	w := c.App.Writer
	if err := report.Summary(w, r); err != nil {
		return err
	}
	for _, msg := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", msg)
	}
	if o.plots != "" {
		files, err := report.WritePlots(o.plots, r)
		if err != nil {
			return cli.Exit(fmt.Sprintf("report: writing plots: %v", err), exitFailure)
		}
		fmt.Fprintf(w, "wrote %d plots to %s\n", len(files), o.plots)
	}
	fmt.Fprintf(w, "wrote %s\n", o.out)
	return nil
}
