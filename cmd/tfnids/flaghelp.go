package main

import "github.com/urfave/cli/v2"

// requiredFlag shows a required flag in the help as "(required)" instead of
// its zero value ("--task value ... (default: 0)" suggested that omitting it
// meant task 0). Everything else is the wrapped flag's.
type requiredFlag struct {
	helpFlag
}

// helpFlag is what urfave/cli asks of the flags it parses and documents;
// every flag type of urfave/cli implements it.
type helpFlag interface {
	cli.DocGenerationFlag
	cli.RequiredFlag
	cli.CategorizableFlag
}

func (f requiredFlag) GetDefaultText() string { return "" }
func (f requiredFlag) GetUsage() string       { return f.helpFlag.GetUsage() + " (required)" }
func (f requiredFlag) String() string         { return cli.FlagStringer(f) }

// IsSliceFlag keeps repeatable flags documented as repeatable.
func (f requiredFlag) IsSliceFlag() bool {
	s, ok := f.helpFlag.(cli.DocGenerationSliceFlag)
	return ok && s.IsSliceFlag()
}

// RunAction keeps a flag's own action.
func (f requiredFlag) RunAction(c *cli.Context) error {
	if a, ok := f.helpFlag.(cli.ActionableFlag); ok {
		return a.RunAction(c)
	}
	return nil
}

// markRequired returns flags with the required ones wrapped in requiredFlag.
func markRequired(flags []cli.Flag) []cli.Flag {
	out := make([]cli.Flag, len(flags))
	for i, f := range flags {
		out[i] = f
		if h, ok := f.(helpFlag); ok && h.IsRequired() {
			if _, done := f.(requiredFlag); !done {
				out[i] = requiredFlag{h}
			}
		}
	}
	return out
}
