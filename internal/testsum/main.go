// Command testsum runs `go test -json` with the given arguments and prints
// what a person reading a CI log needs: each package's result line as it
// finishes, the full output of every failed test, then every skipped test
// with its reason, and last, alone on a line,
//
//	tests: N passed, N failed, N skipped
//
// Subtests count like tests. A package that fails without a failing test
// (a build error, a panic, a timeout) counts as one failed test named
// after the package. The exit code is non-zero when anything failed.
//
// Usage (the Makefile's test target):
//
//	go run ./internal/testsum -timeout 25m ./...
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

func main() {
	cmd := exec.Command("go", append([]string{"test", "-json"}, os.Args[1:]...)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(2)
	}
	s := newSummary(os.Stdout)
	if err := s.read(stdout); err != nil {
		fmt.Fprintln(os.Stderr, "testsum: reading go test -json:", err)
	}
	runErr := cmd.Wait()
	s.finish()
	if runErr != nil || s.failed > 0 {
		if runErr != nil && s.failed == 0 {
			fmt.Fprintf(os.Stdout, "go test failed without a failing test: %v\n", runErr)
		}
		os.Exit(1)
	}
}

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type key struct{ pkg, test string }

// summary accumulates test results from a stream of events.
type summary struct {
	w                       io.Writer
	output                  map[key][]string // output of tests still running
	skips                   []skip
	failures                []key
	passed, failed, skipped int
	failedTests             map[string]int // failed tests per package
}

type skip struct {
	key
	reason string
}

func newSummary(w io.Writer) *summary {
	return &summary{w: w, output: map[key][]string{}, failedTests: map[string]int{}}
}

func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not an event (go test prints build errors as text in
			// some versions): show it as it is.
			fmt.Fprintln(s.w, sc.Text())
			continue
		}
		s.add(e)
	}
	return sc.Err()
}

func (s *summary) add(e event) {
	k := key{e.Package, e.Test}
	switch {
	case e.Action == "build-output":
		fmt.Fprint(s.w, e.Output)
	case e.Test == "":
		s.packageEvent(e)
	case e.Action == "output":
		s.output[k] = append(s.output[k], e.Output)
	case e.Action == "pass":
		s.passed++
		delete(s.output, k)
	case e.Action == "fail":
		s.failed++
		s.failedTests[e.Package]++
		s.failures = append(s.failures, k)
		for _, line := range s.output[k] {
			fmt.Fprint(s.w, line)
		}
		delete(s.output, k)
	case e.Action == "skip":
		s.skipped++
		s.skips = append(s.skips, skip{k, reason(s.output[k])})
		delete(s.output, k)
	}
}

// packageEvent prints a package's own output (its "ok", "FAIL" and "?"
// lines, and a panic or timeout outside any test) and counts a package that
// failed without a failed test.
func (s *summary) packageEvent(e event) {
	switch e.Action {
	case "output":
		fmt.Fprint(s.w, e.Output)
	case "fail":
		if s.failedTests[e.Package] == 0 {
			s.failed++
			s.failures = append(s.failures, key{e.Package, "(package)"})
			// A timeout or panic kills the tests that were running:
			// show what they printed.
			for k, lines := range s.output {
				if k.pkg == e.Package {
					for _, line := range lines {
						fmt.Fprint(s.w, line)
					}
					delete(s.output, k)
				}
			}
		}
	}
}

// reason returns the message a skipped test printed: its last lines but
// the "--- SKIP" and "=== RUN" lines.
func reason(lines []string) string {
	msg := ""
	for _, l := range lines {
		if strings.HasPrefix(l, "--- SKIP") || strings.HasPrefix(l, "=== ") {
			continue
		}
		msg += l
	}
	if msg == "" {
		return "(no reason given)"
	}
	return msg
}

func (s *summary) finish() {
	if len(s.skips) > 0 {
		fmt.Fprintf(s.w, "\nskipped tests (%d):\n", len(s.skips))
		for _, sk := range s.skips {
			fmt.Fprintf(s.w, "SKIP %s %s:\n%s", sk.pkg, sk.test, indent(sk.reason))
		}
	}
	if len(s.failures) > 0 {
		fmt.Fprintf(s.w, "\nfailed tests (%d):\n", len(s.failures))
		for _, f := range s.failures {
			fmt.Fprintf(s.w, "FAIL %s %s\n", f.pkg, f.test)
		}
	}
	fmt.Fprintf(s.w, "\ntests: %d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("    " + line + "\n")
	}
	return b.String()
}
