// Command tfnids builds, trains, evaluates and exports network-intrusion
// detection models (CNN, LSTM, GRU) through the TensorFlow C API.
//
// Each sub-command lives in its own file and registers itself with
// register(), so commands can be added without touching this file.
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// Exit codes that scripts can rely on.
const (
	exitOK        = 0
	exitFailure   = 1 // the work itself failed (TensorFlow error, I/O error)
	exitUsage     = 2 // bad flags or arguments, bad input data
	exitInterrupt = 130
)

var commands []*cli.Command

// register adds a sub-command; called from init() in each command's file.
func register(c *cli.Command) { commands = append(commands, c) }

func newApp() *cli.App {
	sort.Slice(commands, func(i, j int) bool { return commands[i].Name < commands[j].Name })
	// urfave/cli fills in HelpName while running; fresh copies keep repeated
	// in-process runs (the tests) from stacking it up.
	cmds := make([]*cli.Command, len(commands))
	for i, c := range commands {
		cmds[i] = prepareCommand(c)
	}
	return &cli.App{
		Name:  "tfnids",
		Usage: "train and ship network-intrusion-detection models on TensorFlow, from one Go binary",
		Description: "tfnids reproduces the Keras intrusion-detection notebook workflow (sort by time, factorize\n" +
			"the attack class, MinMax-scale per fold, time-series cross-validation, CNN/LSTM/GRU, per-epoch\n" +
			"checkpoints, early stopping, JSON reports) through the TensorFlow C API, and exports models as\n" +
			"SavedModels that TensorFlow Serving loads unchanged.",
		Commands:             cmds,
		Flags:                globalFlags(),
		HideVersion:          true, // --version is ours: urfave/cli's takes -v, which is --verbose here
		EnableBashCompletion: true,
		OnUsageError:         shortUsageError,
		ExitErrHandler:       func(*cli.Context, error) {}, // main decides the exit code
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				return printVersion(c)
			}
			if c.NArg() > 0 {
				return usageErr("tfnids: unknown command %s (see tfnids --help)", quoteArg(c.Args().First()))
			}
			return cli.ShowAppHelp(c)
		},
	}
}

// globalFlags may be given anywhere on the command line (normalizeArgs
// moves them in front of the command).
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "version", Usage: "print the tfnids and TensorFlow versions"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "show TensorFlow's own log lines (same as --tf-log-level 0)"},
		&cli.IntFlag{Name: "tf-log-level", Value: defaultTFLogLevel, Usage: "lowest severity of TensorFlow's own log lines shown: 0 info, 1 warnings, 2 errors, 3 none (TF_CPP_MIN_LOG_LEVEL; an explicit TF_CPP_MIN_LOG_LEVEL in the environment is kept)"},
	}
}

// prepareCommand returns a copy of c (urfave/cli fills in HelpName while
// running; fresh copies keep repeated in-process runs, the tests, from
// stacking it up) with the rules every command follows: usage errors are
// one line and required flags say so instead of showing a default. Stray
// positional arguments are rejected before parsing (normalizeArgs).
func prepareCommand(c *cli.Command) *cli.Command {
	cp := *c
	cp.HelpName = ""
	cp.OnUsageError = shortUsageError
	cp.Flags = markRequired(c.Flags)
	if len(c.Subcommands) > 0 {
		cp.Subcommands = make([]*cli.Command, len(c.Subcommands))
		for i, s := range c.Subcommands {
			cp.Subcommands[i] = prepareCommand(s)
		}
	}
	return &cp
}

// shortUsageError replaces urfave/cli's "Incorrect Usage" plus the whole
// help text with one line that points at the help.
func shortUsageError(c *cli.Context, err error, isSubcommand bool) error {
	where := "tfnids"
	if c.Command != nil && c.Command.HelpName != "" {
		where = c.Command.HelpName
	}
	return usageErr("%s: %v (see %s --help)", strings.TrimPrefix(where, "tfnids "), err, where)
}

func main() {
	if code, supervised := tfLogs(tfLogLevel(os.Args, os.Getenv)); supervised {
		os.Exit(code)
	}
	os.Exit(run(os.Args))
}

// run executes the app and maps errors to exit codes; tests call it in-process.
func run(args []string) int {
	app := newApp()
	args, err := normalizeArgs(app, args)
	if err == nil {
		err = app.Run(args)
	}
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "tfnids:", escapeControl(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) || isFlagError(err) {
		return exitUsage
	}
	if ec, ok := err.(cli.ExitCoder); ok {
		if strings.HasPrefix(err.Error(), "No help topic for") {
			return exitUsage // urfave/cli's own code for an unknown command is 3
		}
		return ec.ExitCode()
	}
	return exitFailure
}

// usageErr marks an error as the caller's fault (exit code 2).
func usageErr(format string, a ...any) error {
	return cli.Exit(fmt.Sprintf(format, a...), exitUsage)
}

// isFlagError recognises urfave/cli's own complaints about the command line
// (a missing required flag, an unknown flag, a value of the wrong type),
// which it returns as plain errors.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"Required flag", "Required flags", "flag provided but not defined", "invalid value", "flag needs an argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
