// Package atomicfile writes files and directories so that a reader (or a
// crash) never sees them half-written: content goes to a temporary name in
// the same directory and is renamed into place only when complete.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// TempMarker is part of every temporary name this package creates, so that
// CleanStale can find leftovers of an interrupted run.
const TempMarker = ".tfnids-tmp-"

// WriteFile writes data to path atomically with the given permissions.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write calls fill with a temporary file next to path, syncs it, renames
// it to path and syncs the directory (so that the rename itself survives a
// power loss). On an error before the rename the temporary file is removed
// and path is untouched.
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) error {
	return write(path, perm, fill, syncDir)
}

// write is Write with the directory sync as a parameter, for tests.
func write(path string, perm os.FileMode, fill func(w io.Writer) error, dirSync func(dir string) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+TempMarker+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp, perm); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return dirSync(dir)
}

// syncDir flushes a directory's entries (a rename into it) to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// TempDir creates a temporary directory beside final (same file system, so
// that RenameDir is atomic).
func TempDir(final string) (string, error) {
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(parent, filepath.Base(final)+TempMarker+"*")
}

// RenameDir moves a finished temporary directory to final and syncs the
// parent directory. It refuses to replace an existing final directory.
func RenameDir(tmp, final string) error {
	return renameDir(tmp, final, syncDir)
}

func renameDir(tmp, final string, dirSync func(dir string) error) error {
	if _, err := os.Stat(final); err == nil {
		return fmt.Errorf("%s already exists; refusing to overwrite it", final)
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return dirSync(filepath.Dir(final))
}

// CleanStale removes temporary files and directories left below dir by an
// interrupted run (a kill -9 between create and rename). It returns how many
// entries it removed.
func CleanStale(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if strings.Contains(d.Name(), TempMarker) {
			if err := os.RemoveAll(p); err != nil {
				return err
			}
			n++
			if d.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	return n, err
}
