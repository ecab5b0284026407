package main

import (
	"bytes"
	"strings"
	"testing"
)

// stream is `go test -json` output of two packages: one with a pass, a
// skip with a reason, a failing subtest; one that timed out.
const stream = `{"Action":"start","Package":"a"}
{"Action":"run","Package":"a","Test":"TestOK"}
{"Action":"output","Package":"a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"a","Test":"TestOK","Output":"--- PASS: TestOK (0.00s)\n"}
{"Action":"pass","Package":"a","Test":"TestOK"}
{"Action":"output","Package":"a","Test":"TestPy","Output":"=== RUN   TestPy\n"}
{"Action":"output","Package":"a","Test":"TestPy","Output":"    py_test.go:9: SKIPPING: no venv\n"}
{"Action":"output","Package":"a","Test":"TestPy","Output":"--- SKIP: TestPy (0.00s)\n"}
{"Action":"skip","Package":"a","Test":"TestPy"}
{"Action":"output","Package":"a","Test":"TestT/one","Output":"    t_test.go:3: loss 2.1 vs 2.0\n"}
{"Action":"fail","Package":"a","Test":"TestT/one"}
{"Action":"fail","Package":"a","Test":"TestT"}
{"Action":"output","Package":"a","Output":"FAIL\ta\t0.1s\n"}
{"Action":"fail","Package":"a"}
{"Action":"output","Package":"b","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}
{"Action":"output","Package":"b","Output":"panic: test timed out after 1s\n"}
{"Action":"fail","Package":"b"}
not json: a build error
{"Action":"output","Package":"c","Output":"ok  \tc\t0.1s\n"}
{"Action":"pass","Package":"c"}
`

func TestSummary(t *testing.T) {
	var out bytes.Buffer
	s := newSummary(&out)
	if err := s.read(strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	s.finish()
	got := out.String()
	for _, want := range []string{
		"    t_test.go:3: loss 2.1 vs 2.0\n",                   // a failed test's output
		"FAIL\ta\t0.1s\n",                                      // package lines
		"panic: test timed out after 1s\n=== RUN   TestSlow\n", // a timed-out package
		"not json: a build error\n",
		"ok  \tc\t0.1s\n",
		"skipped tests (1):\nSKIP a TestPy:\n        py_test.go:9: SKIPPING: no venv\n",
		"failed tests (3):\nFAIL a TestT/one\nFAIL a TestT\nFAIL b (package)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "--- PASS") {
		t.Errorf("a passing test's output was printed:\n%s", got)
	}
	if !strings.HasSuffix(got, "\ntests: 1 passed, 3 failed, 1 skipped\n") {
		t.Errorf("last line is not the summary:\n%s", got)
	}
}
