package main

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/urfave/cli/v2"
)

// One rule for every command's command line, applied before urfave/cli
// parses it (urfave/cli, like Go's flag package, stops reading flags at the
// first positional argument and would take every later flag for a path):
//
//   - flags may come before or after positional arguments; they are moved
//     in front of them, global flags (--verbose, --tf-log-level, --version)
//     in front of the command;
//   - an unknown command or flag is an error with a "did you mean";
//   - a command takes only the positional arguments its ArgsUsage names
//     (none when it names none, any number for "..."); any other is an error
//     naming it (checked in checkArgs, wrapped around every Action).
//
// Everything after "--" is positional.

// usageError is a command-line mistake found before urfave/cli runs.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// normalizeArgs reorders args (args[0] is the program) as described above.
func normalizeArgs(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	prog, rest := args[0], args[1:]
	var globals, path []string
	// Global flags and the command name.
	i := 0
	for ; i < len(rest); i++ {
		a := rest[i]
		if a == "--" || !isFlag(a) {
			break
		}
		n, err := takeFlag(rest, i, app.Flags, nil, "")
		if err != nil {
			return nil, err
		}
		globals = append(globals, rest[i:i+n]...)
		i += n - 1
	}
	if i == len(rest) || rest[i] == "--" {
		return args, nil
	}
	cmds := app.Commands
	var cmd *cli.Command
	for i < len(rest) && !isFlag(rest[i]) && rest[i] != "--" {
		name := rest[i]
		next := findCommand(cmds, name)
		if next == nil {
			if cmd != nil && cmd.Action != nil {
				break // a positional argument of cmd
			}
			where := strings.TrimSpace("tfnids " + strings.Join(path, " "))
			msg := fmt.Sprintf("unknown command %s", quoteArg(name))
			if len(path) > 0 {
				msg = fmt.Sprintf("%s: unknown command %s", strings.Join(path, " "), quoteArg(name))
			}
			if s := suggest(name, commandNames(cmds)); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			return nil, &usageError{msg + fmt.Sprintf(" (commands: %s; see %s --help)", strings.Join(commandNames(cmds), ", "), where)}
		}
		cmd = next
		path = append(path, name)
		i++
		if cmd.Name == "help" {
			return args, nil // urfave/cli's own help command reads its arguments
		}
		if len(cmd.Subcommands) == 0 {
			break
		}
		cmds = cmd.Subcommands
	}
	where := strings.Join(path, " ")
	var flags, positional []string
	for ; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i:]...)
			break
		}
		if !isFlag(a) {
			positional = append(positional, a)
			continue
		}
		if n, err := takeFlag(rest, i, cmd.Flags, nil, where); err == nil {
			flags = append(flags, rest[i:i+n]...)
			i += n - 1
			continue
		}
		n, err := takeFlag(rest, i, app.Flags, cmd.Flags, where)
		if err != nil {
			return nil, err
		}
		globals = append(globals, rest[i:i+n]...)
		i += n - 1
	}
	if err := checkArgCount(cmd, where, positional); err != nil {
		return nil, err
	}
	out := append([]string{prog}, globals...)
	out = append(out, path...)
	out = append(out, flags...)
	if len(positional) > 0 && positional[0] != "--" {
		out = append(out, "--") // positionals that look like nothing urfave/cli knows stay positional
	}
	return append(out, positional...), nil
}

// isFlag tells a flag from a positional argument ("-" alone is standard
// input, "-5" a number).
func isFlag(a string) bool {
	if len(a) < 2 || a[0] != '-' {
		return false
	}
	return !unicode.IsDigit(rune(a[1])) && a[1] != '.'
}

// takeFlag returns how many words the flag at args[i] spans (1, or 2 when
// its value follows it), or an error when flags does not define it. also
// lists more flags to suggest from.
func takeFlag(args []string, i int, flags, also []cli.Flag, where string) (int, error) {
	name := strings.TrimLeft(args[i], "-")
	name, _, hasValue := strings.Cut(name, "=")
	if name == "help" || name == "h" || name == "generate-bash-completion" {
		return 1, nil
	}
	f := findFlag(flags, name)
	if f == nil {
		all := append(flagNames(flags), flagNames(also)...)
		msg := fmt.Sprintf("unknown flag %s", quoteArg(args[i]))
		if where != "" {
			msg = where + ": " + msg
		}
		if s := suggest(name, all); s != "" {
			msg += fmt.Sprintf("; did you mean --%s?", s)
		}
		return 0, &usageError{msg + fmt.Sprintf(" (see %s --help)", strings.TrimSpace("tfnids "+where))}
	}
	if hasValue || !takesValue(f) || i+1 >= len(args) {
		return 1, nil
	}
	return 2, nil
}

func takesValue(f cli.Flag) bool {
	if d, ok := f.(cli.DocGenerationFlag); ok {
		return d.TakesValue()
	}
	return false
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func flagNames(flags []cli.Flag) []string {
	var out []string
	for _, f := range flags {
		out = append(out, f.Names()[0])
	}
	return out
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	if name == "help" || name == "h" {
		return &cli.Command{Name: "help"}
	}
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

func commandNames(cmds []*cli.Command) []string {
	var out []string
	for _, c := range cmds {
		if !c.Hidden {
			out = append(out, c.Name)
		}
	}
	return out
}

// maxArgs is how many positional arguments a command takes, read from its
// ArgsUsage: none when empty, any number when it contains "...", else one
// per word ("RESULTS.json" takes one).
func maxArgs(c *cli.Command) int {
	u := strings.TrimSpace(c.ArgsUsage)
	switch {
	case u == "":
		return 0
	case strings.Contains(u, "..."):
		return -1
	}
	return len(strings.Fields(u))
}

// checkArgCount rejects positional arguments beyond what cmd's ArgsUsage
// names, naming them.
func checkArgCount(cmd *cli.Command, where string, positional []string) error {
	if cmd == nil || cmd.Action == nil {
		return nil
	}
	if len(positional) > 0 && positional[0] == "--" {
		positional = positional[1:]
	}
	limit := maxArgs(cmd)
	if limit < 0 || len(positional) <= limit {
		return nil
	}
	stray := positional[limit:]
	quoted := make([]string, len(stray))
	for i, s := range stray {
		quoted[i] = quoteArg(s)
	}
	takes := "no arguments"
	if limit > 0 {
		takes = "only " + cmd.ArgsUsage
	}
	return &usageError{fmt.Sprintf("%s: unexpected argument(s) %s: it takes %s (flags may come before or after it; quote paths with spaces)",
		where, strings.Join(quoted, " "), takes)}
}

// quoteArg shows an argument as it would have to be typed, with control
// characters escaped.
func quoteArg(s string) string {
	return fmt.Sprintf("%q", s)
}

// suggest returns the candidate closest to word by edit distance (or the
// one it is a prefix of), or "" when none is close.
func suggest(word string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if c == "" {
			continue
		}
		d := editDistance(strings.ToLower(word), strings.ToLower(c))
		if strings.HasPrefix(c, word) && len(word) >= 3 {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= max(1, min(3, len(word)/3+1)) {
		return best
	}
	return ""
}

// editDistance is the Damerau–Levenshtein distance (adjacent swaps count 1),
// so "trian" is one edit from "train".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
