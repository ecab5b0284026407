package serving

import (
	"sync"
	"sync/atomic"
	"time"

	tf "github.com/wamuir/graft/tensorflow"
	"google.golang.org/grpc/codes"

	"github.com/tfnids/tfnids/tfgraph"
)

// batcher merges concurrent requests to one version into one session run,
// as TensorFlow Serving's batching session does: a request joins the open
// batch if it has the same signature and per-row shapes and the rows fit
// in max_batch_size, else it closes that batch and opens a new one. Each
// of num_batch_threads long-lived goroutines takes the oldest closed batch,
// or the open one once it is batch_timeout_micros old (at once with a
// timeout of 0), pads it to the next allowed batch size, runs it, and
// hands each request views of its rows of the outputs.
//
// The hot path is kept cheap because at tens of thousands of requests a
// second on a few cores it is what batching cannot remove: no goroutine
// or channel per request (a batch's requests wait on one channel, closed
// when the batch is done), and no copy of the outputs per request.
type batcher struct {
	run     func(sig *tfgraph.Signature, feeds map[string]*tf.Tensor) (tfgraph.Tensors, error)
	opts    BatchingOptions
	model   string
	metrics *metrics

	mu     sync.Mutex
	open   *batch   // the batch requests join (nil: none)
	ready  []*batch // closed batches waiting for a thread, oldest first
	idle   int      // threads waiting for work
	closed bool
	wake   chan struct{} // a token per wake-up of a waiting thread
	quit   chan struct{}
	done   sync.WaitGroup
}

// batch is a set of requests run as one.
type batch struct {
	sig    *tfgraph.Signature
	tasks  []*batchTask
	rows   int
	opened time.Time
	done   chan struct{} // closed when every task has its result
}

type batchTask struct {
	feeds map[string]*tf.Tensor
	rows  int
	enq   time.Time
	st    *stageTimes // the batch thread records queue, merge and run here
	out   *outputs
	err   error
	end   time.Time // when the batch's run ended
}

func newBatcher(p *tfgraph.Predictor, o BatchingOptions, model string, m *metrics) *batcher {
	return newBatcherFunc(func(sig *tfgraph.Signature, feeds map[string]*tf.Tensor) (tfgraph.Tensors, error) {
		return p.Run(sig.Key, feeds)
	}, o, model, m)
}

// newBatcherFunc is newBatcher with the session run given as a function.
func newBatcherFunc(run func(*tfgraph.Signature, map[string]*tf.Tensor) (tfgraph.Tensors, error), o BatchingOptions, model string, m *metrics) *batcher {
	o.MaxBatchSize = max(o.MaxBatchSize, 1)
	o.NumBatchThreads = max(o.NumBatchThreads, 1)
	o.MaxEnqueuedBatches = max(o.MaxEnqueuedBatches, 1)
	b := &batcher{run: run, opts: o, model: model, metrics: m,
		wake: make(chan struct{}, o.NumBatchThreads), quit: make(chan struct{})}
	for range o.NumBatchThreads {
		b.done.Add(1)
		go b.thread()
	}
	return b
}

// stop ends the batch threads after the queued batches have run; later
// requests get UNAVAILABLE.
func (b *batcher) stop() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.quit)
	}
	b.mu.Unlock()
	b.done.Wait()
}

// batchRows returns the common first dimension of feeds, or 0 when the
// request cannot be batched (a scalar input, or inputs that disagree).
func batchRows(feeds map[string]*tf.Tensor) int {
	rows := -1
	for _, t := range feeds {
		s := t.Shape()
		if len(s) == 0 || (rows >= 0 && int(s[0]) != rows) {
			return 0
		}
		rows = int(s[0])
	}
	return max(rows, 0)
}

// fits reports whether feeds can join batch bt: same signature, inputs,
// dtypes and per-row shapes as its first request.
func fits(bt *batch, sig *tfgraph.Signature, feeds map[string]*tf.Tensor) bool {
	first := bt.tasks[0].feeds
	if bt.sig != sig || len(first) != len(feeds) {
		return false
	}
	for k, a := range first {
		c, ok := feeds[k]
		if !ok || a.DataType() != c.DataType() || !sameShape(a.Shape()[1:], c.Shape()[1:]) {
			return false
		}
	}
	return true
}

// closeOpen moves the open batch to the ready queue; b.mu is held.
func (b *batcher) closeOpen() {
	if b.open != nil {
		b.ready = append(b.ready, b.open)
		b.open = nil
	}
}

// signal wakes a waiting batch thread, if any; b.mu is held.
func (b *batcher) signal() {
	if b.idle > 0 {
		select {
		case b.wake <- struct{}{}:
		default: // enough wake-ups are pending
		}
	}
}

// do answers one request through a batch; requests that cannot be
// batched, or are larger than a batch, run on their own. The caller
// releases the outputs.
func (b *batcher) do(sig *tfgraph.Signature, feeds map[string]*tf.Tensor, st *stageTimes) (*outputs, error) {
	rows := batchRows(feeds)
	if rows == 0 || rows > b.opts.MaxBatchSize {
		out, err := timedRun(b.run, sig, feeds, st, b.metrics)
		if err != nil {
			return nil, err
		}
		return ownOutputs(out), nil
	}
	t := &batchTask{feeds: feeds, rows: rows, st: st}
	b.mu.Lock()
	t.enq = time.Now()
	bt := b.open
	if bt != nil && (bt.rows+rows > b.opts.MaxBatchSize || !fits(bt, sig, feeds)) {
		b.closeOpen()
		b.signal()
		bt = nil
	}
	if bt == nil {
		// TensorFlow Serving counts the open batch against
		// max_enqueued_batches.
		if b.closed || len(b.ready)+1 > b.opts.MaxEnqueuedBatches {
			b.mu.Unlock()
			return nil, statusErr(codes.Unavailable, "The batch scheduling queue to which this task was submitted is full")
		}
		bt = &batch{sig: sig, opened: t.enq, done: make(chan struct{})}
		b.open = bt
		b.signal() // a waiting thread starts the batch, or its timeout
	} else if b.opts.BatchTimeout == 0 {
		b.signal()
	}
	bt.tasks = append(bt.tasks, t)
	bt.rows += rows
	if bt.rows >= b.opts.MaxBatchSize {
		b.closeOpen()
		b.signal()
	}
	b.mu.Unlock()
	<-bt.done
	if st != nil && !t.end.IsZero() {
		st.add(stageSplit, time.Since(t.end))
	}
	return t.out, t.err
}

// next waits for a batch to run: the oldest closed one, or the open one
// once it has waited BatchTimeout. It returns nil when the batcher stops
// with nothing left to run.
func (b *batcher) next(timer *time.Timer) *batch {
	b.mu.Lock()
	for {
		if len(b.ready) > 0 {
			bt := b.ready[0]
			b.ready[0] = nil
			b.ready = b.ready[1:]
			b.mu.Unlock()
			return bt
		}
		wait := time.Duration(-1) // no open batch: until woken
		if bt := b.open; bt != nil {
			age := time.Since(bt.opened)
			if age >= b.opts.BatchTimeout || b.closed {
				b.open = nil
				b.mu.Unlock()
				return bt
			}
			wait = b.opts.BatchTimeout - age
		}
		if b.closed {
			b.mu.Unlock()
			return nil
		}
		b.idle++
		b.mu.Unlock()
		var expired <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			expired = timer.C
		}
		select {
		case <-b.wake:
		case <-expired:
		case <-b.quit:
		}
		if wait >= 0 {
			timer.Stop()
		}
		b.mu.Lock()
		b.idle--
	}
}

func (b *batcher) thread() {
	defer b.done.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		bt := b.next(timer)
		if bt == nil {
			return
		}
		b.runBatch(bt)
	}
}

// padded returns the batch size to run rows at.
func (b *batcher) padded(rows int) int {
	for _, s := range b.opts.AllowedBatchSizes {
		if s >= rows {
			return s
		}
	}
	return rows
}

// runBatch runs bt and gives each task its result.
func (b *batcher) runBatch(bt *batch) {
	start := time.Now()
	for _, t := range bt.tasks {
		b.metrics.queued(b.model, start.Sub(t.enq))
		t.st.add(stageQueue, start.Sub(t.enq))
	}
	size := b.padded(bt.rows)
	b.metrics.batch(b.model, size)
	defer close(bt.done)
	if len(bt.tasks) == 1 && size == bt.rows {
		t := bt.tasks[0]
		out, err := timedRun(b.run, bt.sig, t.feeds, t.st, b.metrics)
		t.end = time.Now()
		if err != nil {
			t.err = err
			return
		}
		t.out = ownOutputs(out)
		return
	}
	fail := func(err error) {
		for _, t := range bt.tasks {
			t.err = err
		}
	}
	merged, err := b.merge(bt, size)
	if err != nil {
		fail(err)
		return
	}
	runStart := time.Now()
	for _, t := range bt.tasks {
		t.st.add(stageMerge, runStart.Sub(start))
	}
	out, err := b.run(bt.sig, merged)
	end := time.Now()
	for _, m := range merged {
		tfgraph.FreeTensors(m)
	}
	b.metrics.run(end.Sub(runStart))
	for _, t := range bt.tasks {
		t.st.add(stageRun, end.Sub(runStart))
		t.end = end
	}
	if err != nil {
		fail(err)
		return
	}
	if err := b.split(bt, size, out); err != nil {
		out.Free()
		fail(err)
	}
}

// merge copies the tasks' inputs into tensors of size rows, padding by
// repeating the first row, as TensorFlow Serving pads.
func (b *batcher) merge(bt *batch, size int) (map[string]*tf.Tensor, error) {
	first := bt.tasks[0]
	merged := make(map[string]*tf.Tensor, len(first.feeds))
	for k, f := range first.feeds {
		shape := append([]int64{int64(size)}, f.Shape()[1:]...)
		t, buf, err := tfgraph.AllocTensor(f.DataType(), shape)
		if err != nil {
			for _, m := range merged {
				tfgraph.FreeTensors(m)
			}
			return nil, err
		}
		merged[k] = t
		off := 0
		for _, task := range bt.tasks {
			off += copy(buf[off:], tfgraph.TensorBytes(task.feeds[k]))
		}
		rowBytes := len(tfgraph.TensorBytes(f)) / max(first.rows, 1)
		for off < len(buf) && rowBytes > 0 {
			off += copy(buf[off:], buf[:rowBytes])
		}
	}
	return merged, nil
}

// split gives each task views of its rows of out; out is freed when the
// last task releases its outputs.
func (b *batcher) split(bt *batch, size int, out tfgraph.Tensors) error {
	type column struct {
		key      string
		dt       tf.DataType
		rowShape []int64
		data     []byte
		rowBytes int
	}
	cols := make([]column, 0, len(out))
	for k, o := range out {
		shape := o.Shape()
		if len(shape) == 0 || shape[0] != int64(size) {
			return statusErr(codes.Internal, "batching: output %q has shape %v, not %d rows; run with --enable_batching=false", k, shape, size)
		}
		if elemSize(o.DataType()) == 0 {
			return statusErr(codes.Unimplemented, "batching: output %q has dtype %s, which cannot be split into requests; run with --enable_batching=false", k, tfgraph.DTypeName(o.DataType()))
		}
		data := tfgraph.TensorBytes(o)
		cols = append(cols, column{k, o.DataType(), shape[1:], data, len(data) / size})
	}
	refs := new(atomic.Int32)
	refs.Store(int32(len(bt.tasks)))
	release := func() {
		if refs.Add(-1) == 0 {
			out.Free()
		}
	}
	off := 0
	for _, t := range bt.tasks {
		views := make(map[string]tensorView, len(cols))
		for _, c := range cols {
			shape := make([]int64, 1+len(c.rowShape))
			shape[0] = int64(t.rows)
			copy(shape[1:], c.rowShape)
			views[c.key] = tensorView{dtype: c.dt, shape: shape, data: c.data[off*c.rowBytes : (off+t.rows)*c.rowBytes]}
		}
		off += t.rows
		t.out = &outputs{views: views, release: release}
	}
	return nil
}

// timedRun runs sig on feeds and records the run's wall time.
func timedRun(run func(*tfgraph.Signature, map[string]*tf.Tensor) (tfgraph.Tensors, error), sig *tfgraph.Signature, feeds map[string]*tf.Tensor, st *stageTimes, m *metrics) (tfgraph.Tensors, error) {
	start := time.Now()
	out, err := run(sig, feeds)
	d := time.Since(start)
	m.run(d)
	st.add(stageRun, d)
	return out, err
}
