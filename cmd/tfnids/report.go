package main

import (
	"errors"
	"fmt"
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

// reportArgs collects the arguments of 'tfnids report' (flags may follow
// RESULTS.json: normalizeArgs moves them in front).
func reportArgs(c *cli.Context) (reportOptions, error) {
	o := reportOptions{out: c.String("out"), plots: c.String("plots")}
	o.results = c.Args().First()
	if o.results == "" {
		return o, usageErr("report: missing RESULTS.json argument (usage: tfnids report RESULTS.json [--out report.html])")
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
