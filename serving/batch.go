package serving

import (
	"sync"
	"time"

	tf "github.com/wamuir/graft/tensorflow"
	"google.golang.org/grpc/codes"

	"github.com/tfnids/tfnids/tfgraph"
)

// batcher merges concurrent requests to one version into one session run,
// as TensorFlow Serving's batching session does: requests queue up; a
// scheduler takes the first, adds the ones queued behind it with the same
// signature and per-row shapes until max_batch_size rows (waiting up to
// batch_timeout_micros for more), pads to the next allowed batch size, and
// runs the batch on one of num_batch_threads; each request gets its rows of
// every output back.
type batcher struct {
	p       *tfgraph.Predictor
	opts    BatchingOptions
	model   string
	metrics *metrics
	queue   chan *batchTask
	threads chan struct{}
	quit    chan struct{}
	done    sync.WaitGroup
}

type batchTask struct {
	sig   *tfgraph.Signature
	feeds map[string]*tf.Tensor
	rows  int
	enq   time.Time
	res   chan batchResult
}

type batchResult struct {
	out tfgraph.Tensors
	err error
}

func newBatcher(p *tfgraph.Predictor, o BatchingOptions, model string, m *metrics) *batcher {
	o.MaxBatchSize = max(o.MaxBatchSize, 1)
	o.NumBatchThreads = max(o.NumBatchThreads, 1)
	o.MaxEnqueuedBatches = max(o.MaxEnqueuedBatches, 1)
	b := &batcher{p: p, opts: o, model: model, metrics: m,
		queue:   make(chan *batchTask, o.MaxEnqueuedBatches*o.MaxBatchSize),
		threads: make(chan struct{}, o.NumBatchThreads),
		quit:    make(chan struct{})}
	b.done.Add(1)
	go b.schedule()
	return b
}

// stop ends the scheduler after the queued batches have run.
func (b *batcher) stop() {
	close(b.quit)
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

// run answers one request through the batch queue; requests that cannot
// be batched, or are larger than a batch, run on their own.
func (b *batcher) run(sig *tfgraph.Signature, feeds map[string]*tf.Tensor) (tfgraph.Tensors, error) {
	rows := batchRows(feeds)
	if rows == 0 || rows > b.opts.MaxBatchSize {
		return b.p.Run(sig.Key, feeds)
	}
	t := &batchTask{sig: sig, feeds: feeds, rows: rows, enq: time.Now(), res: make(chan batchResult, 1)}
	select {
	case b.queue <- t:
	default:
		return nil, statusErr(codes.Unavailable, "The batch scheduling queue to which this task was submitted is full")
	}
	r := <-t.res
	return r.out, r.err
}

// fits reports whether t can join a batch that starts with first.
func fits(first, t *batchTask) bool {
	if first.sig != t.sig || len(first.feeds) != len(t.feeds) {
		return false
	}
	for k, a := range first.feeds {
		c, ok := t.feeds[k]
		if !ok || a.DataType() != c.DataType() || !sameShape(a.Shape()[1:], c.Shape()[1:]) {
			return false
		}
	}
	return true
}

func (b *batcher) schedule() {
	defer b.done.Done()
	var pending *batchTask
	for {
		first := pending
		pending = nil
		if first == nil {
			select {
			case first = <-b.queue:
			case <-b.quit:
				b.threads <- struct{}{} // wait for running batches
				for range cap(b.threads) - 1 {
					b.threads <- struct{}{}
				}
				return
			}
		}
		batch, rows := []*batchTask{first}, first.rows
		add := func(t *batchTask) bool {
			if !fits(first, t) || rows+t.rows > b.opts.MaxBatchSize {
				pending = t
				return false
			}
			batch, rows = append(batch, t), rows+t.rows
			return rows < b.opts.MaxBatchSize
		}
		// Wait up to the timeout for more requests.
		if b.opts.BatchTimeout > 0 {
			timer := time.NewTimer(b.opts.BatchTimeout)
		fill:
			for pending == nil && rows < b.opts.MaxBatchSize {
				select {
				case t := <-b.queue:
					if !add(t) {
						break fill
					}
				case <-timer.C:
					break fill
				}
			}
			timer.Stop()
		}
		// While every batch thread is busy, keep filling the batch.
	wait:
		for {
			if pending != nil || rows >= b.opts.MaxBatchSize {
				b.threads <- struct{}{}
				break
			}
			select {
			case b.threads <- struct{}{}:
				break wait
			case t := <-b.queue:
				if !add(t) {
					b.threads <- struct{}{}
					break wait
				}
			}
		}
		// Take whatever else is queued now.
	drain:
		for pending == nil && rows < b.opts.MaxBatchSize {
			select {
			case t := <-b.queue:
				if !add(t) {
					break drain
				}
			default:
				break drain
			}
		}
		go func(batch []*batchTask, rows int) {
			defer func() { <-b.threads }()
			b.runBatch(batch, rows)
		}(batch, rows)
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

func (b *batcher) runBatch(batch []*batchTask, rows int) {
	now := time.Now()
	for _, t := range batch {
		b.metrics.batch(b.model, len(batch), now.Sub(t.enq))
	}
	fail := func(err error) {
		for _, t := range batch {
			t.res <- batchResult{err: err}
		}
	}
	size := b.padded(rows)
	if len(batch) == 1 && size == rows {
		out, err := b.p.Run(batch[0].sig.Key, batch[0].feeds)
		batch[0].res <- batchResult{out: out, err: err}
		return
	}
	merged := make(map[string]*tf.Tensor, len(batch[0].feeds))
	defer func() {
		for _, t := range merged {
			tfgraph.FreeTensors(t)
		}
	}()
	for k, first := range batch[0].feeds {
		shape := append([]int64{int64(size)}, first.Shape()[1:]...)
		t, buf, err := tfgraph.AllocTensor(first.DataType(), shape)
		if err != nil {
			fail(err)
			return
		}
		merged[k] = t
		off := 0
		for _, task := range batch {
			off += copy(buf[off:], tfgraph.TensorBytes(task.feeds[k]))
		}
		// Padding repeats the first row, as TensorFlow Serving pads.
		rowBytes := len(tfgraph.TensorBytes(first)) / max(batch[0].rows, 1)
		for off < len(buf) && rowBytes > 0 {
			off += copy(buf[off:], buf[:rowBytes])
		}
	}
	out, err := b.p.Run(batch[0].sig.Key, merged)
	if err != nil {
		fail(err)
		return
	}
	defer out.Free()
	results := make([]tfgraph.Tensors, len(batch))
	for i := range results {
		results[i] = tfgraph.Tensors{}
	}
	for k, o := range out {
		shape := o.Shape()
		if len(shape) == 0 || shape[0] != int64(size) {
			for _, r := range results {
				r.Free()
			}
			fail(statusErr(codes.Internal, "batching: output %q has shape %v, not %d rows; run with --enable_batching=false", k, shape, size))
			return
		}
		all := tfgraph.TensorBytes(o)
		rowBytes := len(all) / size
		off := 0
		for i, task := range batch {
			t, buf, err := tfgraph.AllocTensor(o.DataType(), append([]int64{int64(task.rows)}, shape[1:]...))
			if err != nil {
				for _, r := range results {
					r.Free()
				}
				fail(err)
				return
			}
			off += copy(buf, all[off:off+task.rows*rowBytes])
			results[i][k] = t
		}
	}
	for i, t := range batch {
		t.res <- batchResult{out: results[i]}
	}
}
