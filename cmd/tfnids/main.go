// Command tfnids builds, trains, evaluates and exports network-intrusion
// detection models (CNN, LSTM, GRU) through the TensorFlow C API.
//
// Each sub-command lives in its own file and registers itself with
// register(), so commands can be added without touching this file.
package main

import (
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
		cp := *c
		cp.HelpName = ""
		cmds[i] = &cp
	}
	return &cli.App{
		Name:  "tfnids",
		Usage: "train and ship network-intrusion-detection models on TensorFlow, from one Go binary",
		Description: "tfnids reproduces the Keras intrusion-detection notebook workflow (sort by time, factorize\n" +
			"the attack class, MinMax-scale per fold, time-series cross-validation, CNN/LSTM/GRU, per-epoch\n" +
			"checkpoints, early stopping, JSON reports) through the TensorFlow C API, and exports models as\n" +
			"SavedModels that TensorFlow Serving loads unchanged.",
		Commands:             cmds,
		EnableBashCompletion: true,
		ExitErrHandler:       func(*cli.Context, error) {}, // main decides the exit code
	}
}

func main() {
	os.Exit(run(os.Args))
}

// run executes the app and maps errors to exit codes; tests call it in-process.
func run(args []string) int {
	err := newApp().Run(args)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "tfnids:", err)
	if isFlagError(err) {
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
