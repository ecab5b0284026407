package main

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// leafCommands lists every runnable command of the app as its word path,
// so commands added later are covered without touching these tests.
func leafCommands(cmds []*cli.Command, prefix []string) [][]string {
	var out [][]string
	for _, c := range cmds {
		path := append(append([]string(nil), prefix...), c.Name)
		if c.Action != nil {
			out = append(out, path)
		}
		out = append(out, leafCommands(c.Subcommands, path)...)
	}
	return out
}

func commandAt(cmds []*cli.Command, path []string) *cli.Command {
	var c *cli.Command
	for _, name := range path {
		c = findCommand(cmds, name)
		cmds = c.Subcommands
	}
	return c
}

// Every command either rejects a positional argument it does not take,
// naming it, or (commands that take paths) still reads the flags after
// its paths.
func TestEveryCommandRejectsStrayArguments(t *testing.T) {
	app := newApp()
	leaves := leafCommands(app.Commands, nil)
	if len(leaves) < 10 {
		t.Fatalf("only %d commands found: %v", len(leaves), leaves)
	}
	for _, path := range leaves {
		t.Run(strings.Join(path, "_"), func(t *testing.T) {
			cmd := commandAt(app.Commands, path)
			args := append([]string(nil), path...)
			limit := maxArgs(cmd)
			if limit < 0 {
				// A flag after a path is a flag, not a file name.
				args = append(args, "no-such-path", "--no-such-flag-zz")
				code, _, stderr := runCLI(t, args...)
				if code != exitUsage || !strings.Contains(stderr, `unknown flag "--no-such-flag-zz"`) {
					t.Fatalf("%v: exit %d, stderr %q; want %d and the flag named", args, code, stderr, exitUsage)
				}
				return
			}
			for range limit {
				args = append(args, "some-arg")
			}
			args = append(args, "stray-word", "--help")
			code, stdout, stderr := runCLI(t, args...)
			if code != exitUsage || !strings.Contains(stderr, `unexpected argument(s) "stray-word"`) {
				t.Fatalf("%v: exit %d, stderr %q; want %d naming the stray word", args, code, stderr, exitUsage)
			}
			if strings.Count(stderr+stdout, "\n") > 2 {
				t.Errorf("%v: a usage error should be short, got %q", args, stderr+stdout)
			}
		})
	}
}

// The case: a stray word in the middle must not silently drop the
// flags after it.
func TestStrayWordBetweenFlags(t *testing.T) {
	code, _, stderr := runCLI(t, "train", "--data", "DIR", "typo", "--epochs", "2", "--weights-dir", "/tmp/w")
	if code != exitUsage || !strings.Contains(stderr, `"typo"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestNormalizeArgsMovesFlagsBeforePaths(t *testing.T) {
	app := newApp()
	cases := []struct{ in, want string }{
		{"tfnids report r.json --out x.html", "tfnids report --out x.html -- r.json"},
		{"tfnids report --out=x.html r.json", "tfnids report --out=x.html -- r.json"},
		{"tfnids dataset describe a.csv --json -d b.csv", "tfnids dataset describe --json -d b.csv -- a.csv"},
		{"tfnids train -v --data x --epochs 2", "tfnids -v train --data x --epochs 2"},
		{"tfnids train --data x --tf-log-level 0", "tfnids --tf-log-level 0 train --data x"},
		{"tfnids report -- -odd-name.json", "tfnids report -- -odd-name.json"},
		{"tfnids help train", "tfnids help train"},
		{"tfnids --version", "tfnids --version"},
	}
	for _, c := range cases {
		got, err := normalizeArgs(app, strings.Fields(c.in))
		if err != nil || strings.Join(got, " ") != c.want {
			t.Errorf("%q: got %q, %v; want %q", c.in, strings.Join(got, " "), err, c.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"trian"}, `did you mean "train"?`},
		{[]string{"dataset", "descibe"}, `did you mean "describe"?`},
		{[]string{"train", "--epoch", "3"}, "did you mean --epochs?"},
		{[]string{"train", "--lstm-l2", "0"}, "did you mean --lstm-l1?"},
		{[]string{"report", "r.json", "--outt", "x"}, "did you mean --out?"},
	}
	for _, c := range cases {
		code, stdout, stderr := runCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, stderr, c.want)
		}
		if strings.Count(stdout+stderr, "\n") > 2 {
			t.Errorf("%v: %d lines of output; want one", c.args, strings.Count(stdout+stderr, "\n"))
		}
	}
	if s := suggest("zzzzzz", []string{"train", "report"}); s != "" {
		t.Errorf("suggest for a far word: %q", s)
	}
}

func TestVersionFlag(t *testing.T) {
	code, out, _ := runCLI(t, "--version")
	if code != 0 || !strings.Contains(out, "tfnids ") || !strings.Contains(out, "TensorFlow 2.18.") {
		t.Fatalf("--version: exit %d, output %q", code, out)
	}
}

// Help placeholders come from the first `quoted` word of a flag's usage;
// none may be a command line, and required flags show no default.
func TestHelpPlaceholdersAndRequiredFlags(t *testing.T) {
	app := newApp()
	var walk func(cmds []*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, c := range cmds {
			for _, f := range c.Flags {
				s := f.String()
				head, _, _ := strings.Cut(s, "\t")
				head, _, _ = strings.Cut(head, " [ ") // repeatable flags repeat themselves
				if strings.Contains(head, "tfnids") || strings.Count(head, " ") > 3 {
					t.Errorf("%s: broken placeholder in %q", c.Name, head)
				}
				if r, ok := f.(cli.RequiredFlag); ok && r.IsRequired() && strings.Contains(s, "(default:") {
					t.Errorf("%s: required flag shows a default: %q", c.Name, s)
				}
			}
			walk(c.Subcommands)
		}
	}
	walk(app.Commands)
}

func TestTFLogLevel(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	none := env(nil)
	cases := []struct {
		args []string
		env  func(string) string
		want int
	}{
		{[]string{"tfnids", "train"}, none, defaultTFLogLevel},
		{[]string{"tfnids", "train", "-v"}, none, 0},
		{[]string{"tfnids", "-v", "train"}, none, 0},
		{[]string{"tfnids", "train", "--tf-log-level", "1"}, none, 1},
		{[]string{"tfnids", "train", "--tf-log-level=3"}, none, 3},
		{[]string{"tfnids", "train"}, env(map[string]string{tfLogEnv: "0"}), 0},
		// A level tfnids itself set (re-exec) is not the user's choice.
		{[]string{"tfnids", "train"}, env(map[string]string{tfLogEnv: "0", tfLogMarker: "1"}), defaultTFLogLevel},
		{[]string{"tfnids", "report", "--", "-v"}, none, defaultTFLogLevel},
	}
	for _, c := range cases {
		if got := tfLogLevel(c.args, c.env); got != c.want {
			t.Errorf("%v: level %d, want %d", c.args, got, c.want)
		}
	}
}

func TestQuoteArgEscapesControlCharacters(t *testing.T) {
	if got := quoteArg("a\x1b[31mb\n"); strings.ContainsAny(got, "\x1b\n") {
		t.Errorf("quoteArg left control characters: %q", got)
	}
}

func TestEscapeControl(t *testing.T) {
	cases := map[string]string{
		"plain name":            "plain name",
		"Web Attack \ufffd XSS": "Web Attack \ufffd XSS", // printable: kept
		"\x1b[31mEVIL\a":        `\x1b[31mEVIL\a`,
		"a\rb\nc":               `a\rb` + "\nc", // newlines end the lines of multi-line errors
	}
	for in, want := range cases {
		if got := escapeControl(in); got != want {
			t.Errorf("escapeControl(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFilterTFLog(t *testing.T) {
	in := strings.Join([]string{
		"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
		"I0000 00:00:1795990948.795756   21116 mlir_graph_optimization_pass.cc:401] MLIR V1 optimization pass is not enabled",
		"2026-11-29 21:40:46.686064: I tensorflow/core/platform/cpu_feature_guard.cc:210] This TensorFlow binary is optimized",
		"2026-11-29 21:40:46.686064: E tensorflow/core/framework/op_kernel.cc:1841] OP_REQUIRES failed",
		"E0000 00:00:1795990948.795756   21116 some.cc:1] an error",
		"panic: runtime error",
		"",
	}, "\n")
	var out strings.Builder
	filterTFLog(strings.NewReader(in), &out, 2)
	want := "2026-11-29 21:40:46.686064: E tensorflow/core/framework/op_kernel.cc:1841] OP_REQUIRES failed\n" +
		"E0000 00:00:1795990948.795756   21116 some.cc:1] an error\npanic: runtime error\n"
	if out.String() != want {
		t.Errorf("filtered:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	filterTFLog(strings.NewReader(in), &out, 0)
	if out.String() != in {
		t.Errorf("level 0 dropped lines:\n%s", out.String())
	}
}
