package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/builders"
	"github.com/tfnids/tfnids/spec"
)

func init() {
	register(&cli.Command{
		Name:      "summary",
		Usage:     "print a model's Keras-style summary (layers, output shapes, parameter counts)",
		UsageText: "tfnids summary --model cnn|lstm|gru|dense|cnn_lstm --features N --classes C [--seq-len 3] [--binary]\n   tfnids summary --model-file FILE [--features N] [--classes C] [--binary]",
		Description: "Prints the table Keras' model.summary() prints: each layer's name and type, its\n" +
			"output shape with None for the batch, its parameter count, and the total, trainable and\n" +
			"non-trainable parameters. For 37 features and 10 classes the seed's CNN totals 110,422\n" +
			"parameters, the LSTM 48,950 and the GRU 37,670. --model-file takes tfnids' YAML/JSON\n" +
			"spec or a Keras model.to_json() file (docs/models.md); the sizes a file fixes need no\n" +
			"flags. No data is read.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "built-in model: " + strings.Join(builders.Models, ", ")},
			&cli.StringFlag{Name: "model-file", Usage: "a model file: tfnids' YAML/JSON spec, or Keras' model.to_json()"},
			&cli.IntFlag{Name: "features", Usage: "input features per row (required unless the model file fixes it)"},
			&cli.IntFlag{Name: "classes", Usage: "number of classes, 2 with --binary (required unless the model file fixes it)"},
			&cli.IntFlag{Name: "seq-len", Value: builders.DefaultSeqLen, Usage: "window length of the built-in lstm and gru models"},
			&cli.BoolFlag{Name: "binary", Usage: "binary head: Dense(1, sigmoid) with binary cross-entropy"},
		},
		Action: summaryAction,
	})
}

func summaryAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageErr("summary takes no arguments (got %q)", c.Args().Slice())
	}
	cfg := builders.Config{
		Model:    c.String("model"),
		Features: c.Int("features"),
		Classes:  c.Int("classes"),
		SeqLen:   c.Int("seq-len"),
		Binary:   c.Bool("binary"),
	}
	switch file := c.String("model-file"); {
	case file != "" && cfg.Model != "":
		return usageErr("give either --model or --model-file, not both")
	case file != "":
		s, err := spec.ParseFile(file)
		if err != nil {
			return usageErr("--model-file %v", err)
		}
		cfg.Spec = s
		if s.Features == 0 && cfg.Features == 0 {
			return usageErr("--features: %s does not fix the input features; give --features N", file)
		}
		if s.Classes == 0 && cfg.Classes == 0 {
			if !cfg.Binary {
				return usageErr("--classes: %s does not fix the class count; give --classes C", file)
			}
			cfg.Classes = 2
		}
	case cfg.Model == "":
		return usageErr("give a model: --model NAME (%s) or --model-file FILE", strings.Join(builders.Models, ", "))
	}
	if cfg.SeqLen < 1 {
		// 0 would mean "the default" to builders; on the command line it is a mistake.
		return usageErr("--seq-len must be >= 1 (got %d)", cfg.SeqLen)
	}
	s, err := builders.Summary(cfg)
	if err != nil {
		return usageErr("%s", strings.TrimPrefix(err.Error(), "builders: "))
	}
	fmt.Fprint(c.App.Writer, s)
	return nil
}
