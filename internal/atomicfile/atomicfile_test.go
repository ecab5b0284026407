package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFileCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "results.json") // the directory is created
	if err := WriteFile(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two"), 0o640); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "two" {
		t.Fatalf("read %q, %v", b, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	if got := entries(t, filepath.Dir(path)); len(got) != 1 {
		t.Errorf("directory holds %v, want only results.json", got)
	}
}

// TestFailureKeepsOldFileAndCleansUp: an error while filling, or a rename
// that cannot happen, leaves the existing file as it was and no temporary
// file behind.
func TestFailureKeepsOldFileAndCleansUp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := WriteFile(path, []byte(`{"epoch": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	err := Write(path, 0o644, func(w io.Writer) error {
		w.Write([]byte(`{"epo`)) // half written, then the failure
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want the fill error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"epoch": 3}` {
		t.Errorf("the old file was clobbered: %q", b)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("after a failed fill the directory holds %v", got)
	}

	// The rename fails: the target is a non-empty directory.
	target := filepath.Join(dir, "busy")
	if err := os.MkdirAll(filepath.Join(target, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(target, []byte("x"), 0o644); err == nil {
		t.Fatal("renaming over a non-empty directory succeeded")
	}
	if _, err := os.Stat(filepath.Join(target, "inside")); err != nil {
		t.Errorf("the directory was clobbered: %v", err)
	}
	for _, name := range entries(t, dir) {
		if strings.Contains(name, TempMarker) {
			t.Errorf("temporary file left after a failed rename: %s", name)
		}
	}
}

// TestReaderNeverSeesPartialFile rewrites a file many times while readers
// read it: every read returns one complete version.
func TestReaderNeverSeesPartialFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.bin")
	versions := [][]byte{bytes.Repeat([]byte("a"), 1<<20), bytes.Repeat([]byte("b"), 1<<20)}
	if err := WriteFile(path, versions[0], 0o644); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad sync.Map
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				b, err := os.ReadFile(path)
				if err != nil || !(bytes.Equal(b, versions[0]) || bytes.Equal(b, versions[1])) {
					bad.Store(len(b), err)
				}
			}
		}()
	}
	for i := range 60 {
		// Written in small pieces, so that a non-atomic write would be
		// visible half done.
		v := versions[i%2]
		err := Write(path, 0o644, func(w io.Writer) error {
			for off := 0; off < len(v); off += 4096 {
				if _, err := w.Write(v[off : off+4096]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	bad.Range(func(n, err any) bool {
		t.Errorf("a reader saw %v bytes (error %v), not a complete version", n, err)
		return true
	})
}

// TestDirectorySyncedAfterRename: Write and RenameDir sync the directory
// that holds the new name, after the rename (a sync before it would not
// make the rename durable), and report a failing sync.
func TestDirectorySyncedAfterRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "card.json")
	var synced []string
	record := func(d string) error {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("directory synced before the rename: %v", err)
		}
		synced = append(synced, d)
		return nil
	}
	if err := write(path, 0o644, func(w io.Writer) error { _, err := w.Write([]byte("{}")); return err }, record); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != dir {
		t.Errorf("synced %v, want [%s]", synced, dir)
	}

	final := filepath.Join(dir, "export", "1")
	tmp, err := TempDir(final)
	if err != nil {
		t.Fatal(err)
	}
	synced, path = nil, final
	if err := renameDir(tmp, final, record); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != filepath.Dir(final) {
		t.Errorf("synced %v, want [%s]", synced, filepath.Dir(final))
	}

	fail := errors.New("EIO")
	err = write(filepath.Join(dir, "x"), 0o644, func(io.Writer) error { return nil }, func(string) error { return fail })
	if !errors.Is(err, fail) {
		t.Errorf("a failed directory sync returned %v", err)
	}
	// The real sync works on a directory and reports a missing one.
	if err := syncDir(dir); err != nil {
		t.Errorf("syncDir: %v", err)
	}
	if err := syncDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("syncDir of a missing directory succeeded")
	}
}

func TestRenameDirRefusesToOverwrite(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "models", "ids", "1")
	tmp, err := TempDir(final)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(tmp) != filepath.Dir(final) || !strings.Contains(filepath.Base(tmp), TempMarker) {
		t.Errorf("temporary directory %s is not beside %s with the marker", tmp, final)
	}
	if err := os.WriteFile(filepath.Join(tmp, "saved_model.pb"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := RenameDir(tmp, final); err != nil {
		t.Fatal(err)
	}
	tmp2, _ := TempDir(final)
	if err := RenameDir(tmp2, final); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("second RenameDir: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(final, "saved_model.pb")); string(b) != "new" {
		t.Errorf("the first directory was clobbered: %q", b)
	}
}

func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	keep := []string{"weights-01-0.5.index", filepath.Join("fold-1", "weights-02-0.4.index")}
	stale := []string{"results.json" + TempMarker + "123", filepath.Join("fold-1", "w.index"+TempMarker+"9")}
	for _, f := range append(keep, stale...) {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	staleDir := filepath.Join(dir, "1"+TempMarker+"7")
	os.MkdirAll(filepath.Join(staleDir, "variables"), 0o755)
	n, err := CleanStale(dir)
	if err != nil || n != 3 {
		t.Fatalf("CleanStale removed %d (%v), want 3", n, err)
	}
	for _, f := range keep {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s was removed", f)
		}
	}
	for _, f := range append(stale, staleDir) {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil && f != staleDir {
			t.Errorf("%s survived", f)
		}
	}
	if _, err := os.Stat(staleDir); err == nil {
		t.Errorf("%s survived", staleDir)
	}
	if n, err := CleanStale(filepath.Join(dir, "missing")); n != 0 || err != nil {
		t.Errorf("missing directory: %d %v", n, err)
	}
}
