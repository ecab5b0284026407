package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tfnids/tfnids/internal/atomicfile"
	"github.com/tfnids/tfnids/internal/clitest"
	"github.com/tfnids/tfnids/internal/pyenv"
)

func sliceDir(t *testing.T) string {
	t.Helper()
	root, err := pyenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "testdata", "cicids2017-slice")
}

// trainArgs is a run long enough to be interrupted: many small batches.
func trainArgs(t *testing.T, dir string, extra ...string) []string {
	return append([]string{"train", "--data", sliceDir(t), "--profile", "cicids2017_improved", "--name", "slice",
		"--models", "cnn,gru", "--cv", "stratified", "--splits", "2", "--epochs", "8", "--batch-size", "16",
		"--patience", "0", "--threads", "1", "--seed", "5", "-q",
		"--weights-dir", filepath.Join(dir, "w"), "--results-dir", filepath.Join(dir, "r")}, extra...)
}

// waitForCheckpoints polls until n epoch checkpoints exist below dir.
func waitForCheckpoints(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if len(indexFiles(t, dir)) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %d checkpoints under %s after 90 s", n, dir)
}

func indexFiles(t *testing.T, dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".index") && !strings.Contains(p, atomicfile.TempMarker) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// assertNothingHalfWritten checks that every checkpoint outside temporary
// names is complete and every results file is valid JSON.
func assertNothingHalfWritten(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, atomicfile.TempMarker) {
			if d != nil && d.IsDir() && strings.Contains(d.Name(), atomicfile.TempMarker) {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(p, ".index"):
			data := strings.TrimSuffix(p, ".index") + ".data-00000-of-00001"
			if _, err := os.Stat(data); err != nil {
				t.Errorf("checkpoint %s has no data file", p)
			}
		case strings.HasSuffix(p, ".json"):
			b, err := os.ReadFile(p)
			var v any
			if err != nil || json.Unmarshal(b, &v) != nil {
				t.Errorf("%s is not complete JSON", p)
			}
		}
		return nil
	})
}

func TestTrainSIGINTSavesAndResumeFinishes(t *testing.T) {
	dir := t.TempDir()
	c := clitest.Start(t, "", trainArgs(t, dir)...)
	waitForCheckpoints(t, dir, 2)
	c.Signal(syscall.SIGINT)
	if code := c.Wait(t, 120*time.Second); code != exitInterrupt {
		t.Fatalf("interrupted train: exit %d, want %d:\n%s", code, exitInterrupt, c.Output())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "w", "slice", "*", "fold-1", "weights-interrupted.index")); len(m) != 1 {
		t.Errorf("no interrupt checkpoint: %v", m)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "r", "slice", "*.json")); len(m) != 1 {
		t.Errorf("partial results: %v, want one file", m)
	}
	assertNothingHalfWritten(t, dir)

	code, _, stderr := runCLI(t, trainArgs(t, dir, "--resume")...)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	assertNothingHalfWritten(t, dir)
}

func TestTrainKill9LeavesOnlyCompleteFiles(t *testing.T) {
	dir := t.TempDir()
	c := clitest.Start(t, "", trainArgs(t, dir)...)
	waitForCheckpoints(t, dir, 3)
	c.Signal(syscall.SIGKILL)
	c.Wait(t, 60*time.Second)
	assertNothingHalfWritten(t, dir)

	// The next start cleans temporary leftovers and continues.
	code, _, stderr := runCLI(t, trainArgs(t, dir, "--resume")...)
	if code != 0 {
		t.Fatalf("resume after kill -9: exit %d: %s", code, stderr)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), atomicfile.TempMarker) {
			t.Errorf("temporary file survived the resumed run: %s", p)
		}
		return nil
	})
	assertNothingHalfWritten(t, dir)
}

func TestTrainBadFlagsAreUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--device", "tpu"}, "--device"},             // 0
		{[]string{"--models", "cnn,rnn"}, "unknown model"},    // 1
		{[]string{"--cv", "loo"}, "--cv"},                     // 2
		{[]string{"--profile", "no_such_profile"}, "profile"}, // 3
		{[]string{"--epochs", "0"}, "--epochs"},               // 4
	}
	for i, c := range cases {
		args := append(trainArgs(t, t.TempDir()), c.args...)
		code, _, stderr := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%d: train %v: exit %d, stderr %q; want exit %d mentioning %q", i, c.args, code, stderr, exitUsage, c.want)
		}
	}
	code, _, stderr := runCLI(t, "train", "--data", filepath.Join(t.TempDir(), "nope.csv"))
	if code != exitUsage || !strings.Contains(stderr, "nope.csv") {
		t.Errorf("missing data file: exit %d, %q", code, stderr)
	}
}
