package tfgraph

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/internal/atomicfile"
)

// Saver saves and restores every variable of a builder (weights, batch-norm
// statistics, Adam slots, iterations) with SaveV2/RestoreV2, as a TF1
// name-based checkpoint: keys are the variable names, so Python reads it with
// tf.train.load_checkpoint(prefix).get_tensor("dense/kernel").
type Saver struct {
	prefix  tf.Output
	save    *tf.Operation
	restore *tf.Operation
	vars    []*Variable
}

// NewSaver adds save and restore ops over all variables created so far.
// They are pinned to the CPU, where SaveV2/RestoreV2 have kernels.
func (b *Builder) NewSaver() (*Saver, error) {
	if err := b.Err(); err != nil {
		return nil, err
	}
	s := b.Root.WithDevice("/device:CPU:0").SubScope("save")
	vars := b.Variables()
	names := make([]string, len(vars))
	slices := make([]string, len(vars))
	dtypes := make([]tf.DataType, len(vars))
	reads := make([]tf.Output, len(vars))
	for i, v := range vars {
		names[i] = v.Name
		dtypes[i] = v.DType
		reads[i] = op.ReadVariableOp(s.SubScope("read"), v.Handle, v.DType)
	}
	prefix := op.PlaceholderWithDefault(s.SubScope("Const"), op.Const(s.SubScope("default"), "model"), tf.ScalarShape())
	nameT := op.Const(s.SubScope("tensor_names"), names)
	sliceT := op.Const(s.SubScope("shape_and_slices"), slices)
	save := op.SaveV2(s.SubScope("SaveV2"), prefix, nameT, sliceT, reads)
	restored := op.RestoreV2(s.SubScope("RestoreV2"), prefix, nameT, sliceT, dtypes)
	var assigns []*tf.Operation
	for i, v := range vars {
		if i < len(restored) {
			assigns = append(assigns, op.AssignVariableOp(s.SubScope("assign"), v.Handle, restored[i]))
		}
	}
	restore := s.WithControlDependencies(assigns...).AddOperation(tf.OpSpec{Type: "NoOp", Name: "restore_all"})
	if err := b.Err(); err != nil {
		return nil, err
	}
	return &Saver{prefix: prefix, save: save, restore: restore, vars: vars}, nil
}

// Variables returns the variables the saver covers.
func (s *Saver) Variables() []*Variable { return s.vars }

// CheckpointFiles returns the two files of a checkpoint prefix.
func CheckpointFiles(prefix string) (index, data string) {
	return prefix + ".index", prefix + ".data-00000-of-00001"
}

// CheckpointExists reports whether a complete checkpoint is at prefix. The
// index file is renamed into place last, so its presence means complete.
func CheckpointExists(prefix string) bool {
	index, data := CheckpointFiles(prefix)
	if _, err := os.Stat(index); err != nil {
		return false
	}
	_, err := os.Stat(data)
	return err == nil
}

// Save writes a checkpoint at prefix without ever exposing a partial one:
// SaveV2 writes into a temporary directory beside it, then the data file and
// finally the index are renamed into place.
func (s *Saver) Save(sess *tf.Session, prefix string) error {
	dir := filepath.Dir(prefix)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint %s: %w", prefix, err)
	}
	tmpDir, err := os.MkdirTemp(dir, atomicfile.TempMarker+"ckpt-")
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", prefix, err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, "ckpt")
	if err := s.run(sess, tmp, s.save); err != nil {
		return fmt.Errorf("checkpoint %s: %w", prefix, err)
	}
	tIndex, tData := CheckpointFiles(tmp)
	index, data := CheckpointFiles(prefix)
	if err := os.Rename(tData, data); err != nil {
		return fmt.Errorf("checkpoint %s: %w", prefix, err)
	}
	if err := os.Rename(tIndex, index); err != nil {
		return fmt.Errorf("checkpoint %s: %w", prefix, err)
	}
	return nil
}

// ErrNoCheckpoint reports a checkpoint prefix with no complete checkpoint.
var ErrNoCheckpoint = errors.New("no checkpoint")

// Restore loads every variable from the checkpoint at prefix.
func (s *Saver) Restore(sess *tf.Session, prefix string) error {
	if !CheckpointExists(prefix) {
		index, _ := CheckpointFiles(prefix)
		return fmt.Errorf("restore %s: %w (expected %s and its .data-00000-of-00001 file)", prefix, ErrNoCheckpoint, index)
	}
	if err := s.run(sess, prefix, s.restore); err != nil {
		msg := err.Error()
		if i := strings.Index(msg, "\n"); i > 0 {
			msg = msg[:i]
		}
		return fmt.Errorf("restore %s: the checkpoint does not match this model: %s", prefix, msg)
	}
	return nil
}

func (s *Saver) run(sess *tf.Session, prefix string, target *tf.Operation) error {
	p, err := tf.NewTensor(prefix)
	if err != nil {
		return err
	}
	defer FreeTensors(p)
	_, err = sess.Run(map[tf.Output]*tf.Tensor{s.prefix: p}, nil, []*tf.Operation{target})
	return err
}
