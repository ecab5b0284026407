package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/dataset"
)

// columnFlags are the column options train, dataset describe and predict
// share: which columns feed the model and how class names are read.
func columnFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "drop", Usage: "leave these columns out of the model input, whatever the profile says (COL[,COL]; repeatable)"},
		&cli.StringSliceFlag{Name: "features", Usage: "use only these columns as model input, in file order (COL[,COL]; repeatable); a text column listed here is encoded as a category"},
		&cli.StringFlag{Name: "label-case", Value: "keep", Usage: "class names differing only by case (BENIGN, Benign): keep them apart (with a warning) or fold them into the first spelling"},
	}
}

// columnOptions reads the column flags into load options.
func columnOptions(c *cli.Context, opts *dataset.LoadOptions) error {
	lc, err := dataset.ParseLabelCase(c.String("label-case"))
	if err != nil {
		return usageErr("--label-case: %v", err)
	}
	opts.LabelCase = lc
	opts.Drop = splitColumns(c.StringSlice("drop"))
	opts.Features = splitColumns(c.StringSlice("features"))
	return nil
}

// splitColumns trims the names and drops empty ones; nil when none is left.
func splitColumns(names []string) []string {
	var out []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// printWarnings writes the load's warnings, each with the flag that acts on
// it.
func printWarnings(w io.Writer, rep *dataset.LoadReport) {
	for _, wn := range rep.Warnings {
		fmt.Fprintf(w, "warning: %s%s\n", wn.Message, warningHint(wn))
	}
}

func warningHint(w dataset.Warning) string {
	switch w.Kind {
	case dataset.WarnTextColumn:
		return " (--features with this column encodes it as a category; --drop it to silence this)"
	case dataset.WarnClassCase:
		return " (--label-case fold merges them)"
	}
	return ""
}
