// Package pyenv finds the project's Python (the venv made by
// scripts/install-libtensorflow.sh) for tests and benchmarks that compare
// tfnids against TensorFlow, Keras, pandas or scikit-learn.
package pyenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// RequireEnv is the environment variable under which a missing reference
// (the Python venv, one of its modules, or ../shared/data) fails a test
// instead of skipping it. .ci/run sets it, so nothing can skip silently in CI.
const RequireEnv = "TFNIDS_REQUIRE_PYTHON"

// Required reports whether RequireEnv is set to a true value.
func Required() bool {
	v := os.Getenv(RequireEnv)
	return v != "" && v != "0" && v != "false"
}

// Unavailable skips t with a loud message naming what is missing, or fails it
// when Required: a developer's laptop may lack the references, CI may not.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s (and %s is set, so this fails instead of skipping)", msg, RequireEnv)
	}
	t.Skipf("SKIPPING: %s", msg)
}

// Require returns the venv's Python for a test, or skips the test with a loud
// message when the venv (or one of the modules) is genuinely absent; under
// RequireEnv (CI) it fails instead.
func Require(t testing.TB, modules ...string) string {
	t.Helper()
	py, err := Python()
	if err != nil {
		Unavailable(t, "Python reference unavailable: %v", err)
	}
	for _, m := range modules {
		cmd := exec.Command(py, "-c", "import "+m)
		if out, err := cmd.CombinedOutput(); err != nil {
			Unavailable(t, "Python module %s not importable in %s: %v\n%s", m, py, err, out)
		}
	}
	return py
}

// Optional returns the venv's Python for an extra check inside a test that
// has Go checks of its own, and true; when the venv (or one of the modules)
// is absent it logs loudly and returns false, so the test runs its Go
// checks without the Python one, except under RequireEnv (CI), where it
// fails the test.
func Optional(t testing.TB, modules ...string) (string, bool) {
	t.Helper()
	py, err := Python()
	if err == nil {
		for _, m := range modules {
			if out, e := exec.Command(py, "-c", "import "+m).CombinedOutput(); e != nil {
				err = fmt.Errorf("Python module %s not importable in %s: %v\n%s", m, py, e, out)
				break
			}
		}
	}
	if err != nil {
		if Required() {
			t.Fatalf("Python reference unavailable: %v (and %s is set)", err, RequireEnv)
		}
		t.Logf("NOT CHECKED against Python: %v", err)
		return "", false
	}
	return py, true
}

// SharedData returns the absolute path of rel inside the shared data
// directory, or skips t (fails it under RequireEnv) when absent. The
// directory is shared/data beside the repository root (../shared/data), or
// beside one of its parents: a git worktree under another directory sees
// the same data as the main checkout.
func SharedData(t testing.TB, rel string) string {
	t.Helper()
	root, err := Root()
	if err != nil {
		Unavailable(t, "shared data: %v", err)
	}
	// A clone made for a fresh-clone check (in /tmp, nothing beside it)
	// finds the data beside the checkout it was cloned from.
	roots := []string{root}
	if origin := localOrigin(root); origin != "" {
		roots = append(roots, origin)
	}
	first := ""
	for _, r := range roots {
		for dir := filepath.Dir(r); ; dir = filepath.Dir(dir) {
			p := filepath.Join(dir, "shared", "data", rel)
			if first == "" {
				first = p
			}
			if _, err := os.Stat(p); err == nil {
				return p
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	Unavailable(t, "shared data %s absent (looked in shared/data beside %s and its parents)", first, strings.Join(roots, " and "))
	return ""
}

// localOrigin returns the checkout root was cloned from when that is a
// directory on this machine, else "".
func localOrigin(root string) string {
	out, err := exec.Command("git", "-C", root, "config", "--get", "remote.origin.url").Output()
	if err != nil {
		return ""
	}
	url := strings.TrimPrefix(strings.TrimSpace(string(out)), "file://")
	if !filepath.IsAbs(url) {
		return ""
	}
	if fi, err := os.Stat(url); err != nil || !fi.IsDir() {
		return ""
	}
	return filepath.Clean(url)
}

// RunJSON runs a Python script with in marshalled as JSON on its standard
// input and decodes its standard output as JSON into out. A script that
// fails fails the test with its stderr.
func RunJSON(t testing.TB, py, script string, in, out any) {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("pyenv: marshal input for %s: %v", script, err)
	}
	cmd := exec.Command(py, script)
	cmd.Env = append(os.Environ(), "TF_CPP_MIN_LOG_LEVEL=2", "PYTHONHASHSEED=0")
	cmd.Stdin = bytes.NewReader(body)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pyenv: %s: %v\n%s", script, err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("pyenv: %s printed no valid JSON: %v\n%.2000s\nstderr:\n%s", script, err, stdout.String(), stderr.String())
	}
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
