package tfgraph

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"
	"github.com/wamuir/graft/tensorflow/op"

	"github.com/tfnids/tfnids/internal/atomicfile"
)

// ClientSaver writes and reads a builder's checkpoints on the machine of the
// process that calls it, whatever session the model runs in. A Saver's
// SaveV2 runs where the session places it, so in a cluster session it would
// write to the worker's file system; a ClientSaver instead fetches every
// variable through the model's session and writes the tensor bundle with a
// small graph of its own in an in-process session (and the reverse for
// Restore). The files are the ones Saver writes, same names and keys, made
// as atomically: a checkpoint from either restores with the other.
type ClientSaver struct {
	b     *Builder
	vars  []*Variable
	reads []tf.Output // in the model's graph

	graph    *tf.Graph // the local save/restore graph
	sess     *tf.Session
	prefix   tf.Output
	values   []tf.Output
	save     *tf.Operation
	restored []tf.Output
}

// NewClientSaver covers every variable created so far (as NewSaver). It adds
// one read per variable to the model's graph and opens an in-process
// session for the file I/O; Close releases it.
func (b *Builder) NewClientSaver() (*ClientSaver, error) {
	if err := b.Err(); err != nil {
		return nil, err
	}
	vars := append([]*Variable(nil), b.Variables()...)
	p := b.readPass()
	reads := p.Reads(vars)
	if err := b.Err(); err != nil {
		return nil, err
	}
	c := &ClientSaver{b: b, vars: vars, reads: reads, graph: tf.NewGraph()}
	s := op.NewScopeWithGraph(c.graph).WithDevice("/device:CPU:0")
	names := make([]string, len(vars))
	empty := make([]string, len(vars))
	dtypes := make([]tf.DataType, len(vars))
	for i, v := range vars {
		names[i] = v.Name
		dtypes[i] = v.DType
		c.values = append(c.values, op.Placeholder(s.SubScope("value"), v.DType, op.PlaceholderShape(tf.MakeShape(v.Shape...))))
	}
	c.prefix = op.Placeholder(s.SubScope("prefix"), tf.String, op.PlaceholderShape(tf.ScalarShape()))
	nameT := op.Const(s.SubScope("tensor_names"), names)
	sliceT := op.Const(s.SubScope("shape_and_slices"), empty)
	c.save = op.SaveV2(s.SubScope("SaveV2"), c.prefix, nameT, sliceT, c.values)
	c.restored = op.RestoreV2(s.SubScope("RestoreV2"), c.prefix, nameT, sliceT, dtypes)
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("tfgraph: client saver: %w", err)
	}
	sess, err := NewSession(c.graph, SessionConfig{})
	if err != nil {
		return nil, fmt.Errorf("tfgraph: client saver: %w", err)
	}
	c.sess = sess
	return c, nil
}

// Variables returns the variables the saver covers.
func (c *ClientSaver) Variables() []*Variable { return c.vars }

// Close releases the local session. Closing twice is a no-op.
func (c *ClientSaver) Close() error {
	if c.sess == nil {
		return nil
	}
	err := c.sess.Close()
	c.sess = nil
	return err
}

// Save fetches every variable through sess (the model's session, local or
// remote) and writes a checkpoint at prefix on this machine. As Saver.Save,
// SaveV2 writes into a temporary directory beside prefix and the data file,
// then the index, are renamed into place: a crash leaves either the
// previous state or a complete checkpoint.
func (c *ClientSaver) Save(sess *tf.Session, prefix string) error {
	if c.sess == nil {
		return fmt.Errorf("checkpoint %s: the client saver is closed", prefix)
	}
	vals, err := sess.Run(nil, c.reads, nil)
	if err != nil {
		return fmt.Errorf("checkpoint %s: reading the variables: %w", prefix, err)
	}
	defer FreeTensors(vals...)
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
	p, err := tf.NewTensor(tmp)
	if err != nil {
		return err
	}
	defer FreeTensors(p)
	feeds := map[tf.Output]*tf.Tensor{c.prefix: p}
	for i, v := range vals {
		feeds[c.values[i]] = v
	}
	if _, err := c.sess.Run(feeds, nil, []*tf.Operation{c.save}); err != nil {
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

// Restore reads the checkpoint at prefix on this machine and assigns every
// variable through sess, in one Run of the variables' initializer assigns.
func (c *ClientSaver) Restore(sess *tf.Session, prefix string) error {
	if c.sess == nil {
		return fmt.Errorf("restore %s: the client saver is closed", prefix)
	}
	if !CheckpointExists(prefix) {
		index, _ := CheckpointFiles(prefix)
		return fmt.Errorf("restore %s: %w (expected %s and its .data-00000-of-00001 file)", prefix, ErrNoCheckpoint, index)
	}
	p, err := tf.NewTensor(prefix)
	if err != nil {
		return err
	}
	defer FreeTensors(p)
	vals, err := c.sess.Run(map[tf.Output]*tf.Tensor{c.prefix: p}, c.restored, nil)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, "\n"); i > 0 {
			msg = msg[:i]
		}
		return fmt.Errorf("restore %s: the checkpoint does not match this model: %s", prefix, msg)
	}
	defer FreeTensors(vals...)
	feeds := map[tf.Output]*tf.Tensor{}
	targets := make([]*tf.Operation, 0, len(c.vars))
	for i, v := range c.vars {
		if got := vals[i].Shape(); !slices.Equal(got, v.Shape) {
			return fmt.Errorf("restore %s: the checkpoint does not match this model: %s has shape %v in the checkpoint, %v in the model", prefix, v.Name, got, v.Shape)
		}
		feeds[v.initValue] = vals[i]
		targets = append(targets, v.initOp)
	}
	if _, err := sess.Run(feeds, nil, targets); err != nil {
		return fmt.Errorf("restore %s: %w", prefix, err)
	}
	return nil
}
