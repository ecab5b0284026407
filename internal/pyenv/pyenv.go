// Package pyenv finds the project's Python (the venv made by
// scripts/install-libtensorflow.sh) for tests and benchmarks that compare
// tfnids against TensorFlow, Keras, pandas or scikit-learn.
package pyenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Root returns the repository root: $TFNIDS_ROOT, or the nearest parent of
// the working directory that holds go.mod.
func Root() (string, error) {
	if r := os.Getenv("TFNIDS_ROOT"); r != "" {
		return r, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("pyenv: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Python returns the interpreter to use: $TFNIDS_PYTHON, else
// <root>/.venv/bin/python. It reports an error when neither exists.
func Python() (string, error) {
	if p := os.Getenv("TFNIDS_PYTHON"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	root, err := Root()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, ".venv", "bin", "python")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("pyenv: no Python venv at %s (run scripts/install-libtensorflow.sh)", p)
	}
	return p, nil
}

// Require returns the venv's Python for a test, or skips the test with a loud
// message when the venv (or one of the modules) is genuinely absent. In CI the
// venv is always installed, so these tests run there.
func Require(t testing.TB, modules ...string) string {
	t.Helper()
	py, err := Python()
	if err != nil {
		t.Skipf("SKIPPING: Python reference unavailable: %v", err)
	}
	for _, m := range modules {
		cmd := exec.Command(py, "-c", "import "+m)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("SKIPPING: Python module %s not importable in %s: %v\n%s", m, py, err, out)
		}
	}
	return py
}

// Run runs a Python script with arguments and returns its stdout; stderr is
// included in the error when the script fails.
func Run(py string, script string, args ...string) ([]byte, error) {
	cmd := exec.Command(py, append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "TF_CPP_MIN_LOG_LEVEL=2", "PYTHONHASHSEED=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %v: %w\n%s", script, args, err, stderr.String())
	}
	return stdout.Bytes(), nil
}
