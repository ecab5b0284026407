package builders

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/spec"
	"github.com/tfnids/tfnids/tfgraph"
)

// Examples is a source of examples: rows (dataset.Rows) or windows
// (dataset.Windows).
type Examples interface {
	// Len is the number of examples.
	Len() int
	// Shape is the per-example shape: [features] or [seq-len, features].
	Shape() []int
	// Gather copies the examples at idx, row-major, into x (len(idx) ×
	// prod(Shape()) values) and their labels into y (len(idx) values).
	Gather(idx []int, x []float32, y []int32)
}

// DefaultBatchSize is Keras' fit() default.
const DefaultBatchSize = 32

// FitOptions configures Fit. The zero value trains nothing (Epochs 0).
type FitOptions struct {
	// Epochs is the index of the last epoch (Keras' epochs): training runs
	// epochs InitialEpoch+1 ... Epochs.
	Epochs int
	// BatchSize defaults to 32. The last partial batch is kept.
	BatchSize int
	// Shuffle reorders the examples every epoch, from a permutation seeded by
	// Seed and the epoch number (so a resumed run shuffles as an
	// uninterrupted one would).
	Shuffle bool
	Seed    int64
	// Patience > 0 turns on Keras' EarlyStopping(monitor=Monitor,
	// mode="min", patience=Patience, min_delta=MinDelta,
	// restore_best_weights=RestoreBest): training stops once Patience
	// epochs in a row did not lower the monitored loss by more than MinDelta
	// (never after the very first epoch). Patience 0 means no early
	// stopping.
	Patience int
	// Monitor is the loss early stopping watches: "loss" (the default, the
	// training loss, as the seed) or "val_loss" (needs Validation).
	Monitor string
	// Validation, if set, is evaluated in inference mode (dropout off,
	// batch-norm moving statistics) after every epoch, as Keras'
	// validation_data: EpochStats.ValLoss and ValAccuracy.
	Validation  Examples
	MinDelta    float64
	RestoreBest bool
	// InitialEpoch is the number of epochs already done (resume).
	InitialEpoch int
	// PriorHistory holds the stats of the epochs already done (resume). They
	// are replayed into the early-stopping state, so patience and the best
	// loss carry on as in an uninterrupted run; they are not repeated in the
	// returned History. RestoreBest can only restore weights Fit saw: if no
	// epoch of this call beats the replayed best, the weights after this
	// call's first epoch are restored (the best epoch's weights are in its
	// checkpoint).
	PriorHistory []EpochStats
	// OnEpochEnd, if set, is called after each epoch (checkpoint hook); an
	// error stops Fit and is returned.
	OnEpochEnd func(EpochStats) error
	// OnBatch, if set, is called after each batch (progress).
	OnBatch func(BatchStats)
	// Context, if set, is checked after every batch: when it is cancelled Fit
	// returns ctx.Err() with the epochs completed so far.
	Context context.Context
}

// EpochStats summarizes one epoch, as Keras' epoch logs (spec.EpochStats,
// the record experiment checkpoints and report writes).
type EpochStats = spec.EpochStats

// monitored returns the value of e early stopping watches.
func monitored(e EpochStats, monitor string) float64 {
	if monitor == "val_loss" {
		if !e.Validated {
			return math.NaN()
		}
		return e.ValLoss
	}
	return e.Loss
}

// BatchStats reports progress within an epoch.
type BatchStats struct {
	Epoch          int // 1-based
	Batch, Batches int // 1-based batch index and batches per epoch
	// Loss and Accuracy are the running means over the epoch so far.
	Loss, Accuracy float64
	Elapsed        time.Duration // since the epoch started
}

// History is Fit's per-epoch record.
type History struct {
	Epochs []EpochStats
	// StoppedEarly is set when early stopping ended training.
	StoppedEarly bool
	// BestEpoch is the 1-based epoch with the lowest loss that counted as an
	// improvement (0 without early stopping).
	BestEpoch int
}

// Fit trains on train with Adam, as Keras' fit() does: one Session.Run per
// batch (feeds x and y, fetches loss and accuracy, runs the training step).
func (m *Model) Fit(train Examples, o FitOptions) (*History, error) {
	h := &History{}
	if m.sess == nil {
		return h, ErrNotOpen
	}
	if err := m.checkExamples(train); err != nil {
		return h, err
	}
	if o.Epochs < 0 || o.InitialEpoch < 0 || o.BatchSize < 0 || o.Patience < 0 {
		return h, fmt.Errorf("builders: fit: epochs, initial epoch, batch size and patience must be >= 0")
	}
	switch o.Monitor {
	case "", "loss":
		o.Monitor = "loss"
	case "val_loss":
		if o.Validation == nil {
			return h, fmt.Errorf("builders: fit: monitor val_loss needs validation examples")
		}
	default:
		return h, fmt.Errorf("builders: fit: unknown monitor %q (loss or val_loss)", o.Monitor)
	}
	if o.Validation != nil {
		if err := m.checkExamples(o.Validation); err != nil {
			return h, fmt.Errorf("builders: fit: validation: %w", err)
		}
	}
	bs := o.BatchSize
	if bs == 0 {
		bs = DefaultBatchSize
	}
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	n := train.Len()
	per := prod(train.Shape())
	xbuf := make([]float32, min(bs, n)*per)
	ybuf := make([]int32, min(bs, n))
	idx := make([]int, n)
	batches := (n + bs - 1) / bs
	stopper := &earlyStopper{patience: o.Patience, minDelta: math.Abs(o.MinDelta)}
	var best map[string][]float32
	if o.Patience > 0 {
		for _, e := range o.PriorHistory {
			improved, stop := stopper.update(e.Epoch-1, monitored(e, o.Monitor))
			if improved {
				h.BestEpoch = e.Epoch
			}
			if stop {
				h.StoppedEarly = true
				return h, nil // the interrupted run had already stopped here
			}
		}
	}
	fetches := []tf.Output{m.Loss, m.Accuracy}
	targets := []*tf.Operation{m.Step}

	for epoch := o.InitialEpoch; epoch < o.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return h, err
		}
		for i := range idx {
			idx[i] = i
		}
		if o.Shuffle {
			rng := rand.New(rand.NewPCG(uint64(o.Seed), uint64(epoch)))
			rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		}
		start := time.Now()
		var lossSum, accSum float64
		seen := 0
		for bi := 0; bi < batches; bi++ {
			lo, hi := bi*bs, min((bi+1)*bs, n)
			k := hi - lo
			loss, acc, err := m.runBatch(train, idx[lo:hi], xbuf[:k*per], ybuf[:k], fetches, targets)
			if err != nil {
				return h, fmt.Errorf("builders: fit: epoch %d, batch %d: %w", epoch+1, bi+1, err)
			}
			lossSum += loss * float64(k)
			accSum += acc * float64(k)
			seen += k
			if o.OnBatch != nil {
				o.OnBatch(BatchStats{Epoch: epoch + 1, Batch: bi + 1, Batches: batches,
					Loss: lossSum / float64(seen), Accuracy: accSum / float64(seen), Elapsed: time.Since(start)})
			}
			if err := ctx.Err(); err != nil {
				return h, err
			}
		}
		secs := time.Since(start).Seconds()
		st := EpochStats{Epoch: epoch + 1, Loss: lossSum / float64(n), Accuracy: accSum / float64(n), Seconds: secs}
		if secs > 0 {
			st.SamplesPerSecond = float64(n) / secs
		}
		if o.Validation != nil {
			vl, va, err := m.Evaluate(o.Validation, bs)
			if err != nil {
				return h, fmt.Errorf("builders: fit: epoch %d: validation: %w", epoch+1, err)
			}
			st.Validated, st.ValLoss, st.ValAccuracy = true, vl, va
		}
		h.Epochs = append(h.Epochs, st)
		if o.OnEpochEnd != nil {
			if err := o.OnEpochEnd(st); err != nil {
				return h, err
			}
		}
		if o.Patience > 0 {
			improved, stop := stopper.update(epoch, monitored(st, o.Monitor))
			if improved {
				h.BestEpoch = epoch + 1
			}
			// As Keras: the first epoch's weights are kept when none are yet.
			if o.RestoreBest && (improved || best == nil) {
				w, err := m.Weights()
				if err != nil {
					return h, err
				}
				best = w
			}
			if stop {
				h.StoppedEarly = true
				break
			}
		}
	}
	if best != nil {
		// Keras 3 restores the best weights at the end of training whenever
		// restore_best_weights is on, stopped early or not.
		if err := m.SetWeights(best); err != nil {
			return h, err
		}
	}
	return h, nil
}

func (m *Model) checkExamples(ex Examples) error {
	if ex == nil || ex.Len() == 0 {
		return errors.New("builders: no examples")
	}
	if !slices.Equal(ex.Shape(), m.InputShape()) {
		return fmt.Errorf("builders: examples have shape %v, the %s model takes %v", ex.Shape(), m.Spec.Name, m.InputShape())
	}
	return nil
}

// runBatch gathers one batch and runs fetches (two scalars) and targets.
func (m *Model) runBatch(ex Examples, idx []int, x []float32, y []int32, fetches []tf.Output, targets []*tf.Operation) (float64, float64, error) {
	ex.Gather(idx, x, y)
	xt, err := tfgraph.NewFloat32(x, m.batchShape(len(idx))...)
	if err != nil {
		return 0, 0, err
	}
	yt, err := tfgraph.NewInt32(y, int64(len(idx)))
	if err != nil {
		tfgraph.FreeTensors(xt)
		return 0, 0, err
	}
	out, err := m.sess.Run(map[tf.Output]*tf.Tensor{m.X: xt, m.Y: yt}, fetches, targets)
	tfgraph.FreeTensors(xt, yt)
	if err != nil {
		return 0, 0, err
	}
	defer tfgraph.FreeTensors(out...)
	loss, err := tfgraph.Scalar32(out[0])
	if err != nil {
		return 0, 0, err
	}
	acc, err := tfgraph.Scalar32(out[1])
	if err != nil {
		return 0, 0, err
	}
	return float64(loss), float64(acc), nil
}

func (m *Model) batchShape(n int) []int64 {
	return append([]int64{int64(n)}, i64s(m.InputShape()...)...)
}

// Evaluate returns the loss (with regularization penalties) and accuracy of
// the inference pass over ex, batch-size-weighted means as Keras'
// evaluate().
func (m *Model) Evaluate(ex Examples, batchSize int) (loss, acc float64, err error) {
	if m.sess == nil {
		return 0, 0, ErrNotOpen
	}
	if err := m.checkExamples(ex); err != nil {
		return 0, 0, err
	}
	bs := batchSizeOrDefault(batchSize)
	n, per := ex.Len(), prod(ex.Shape())
	x, y := make([]float32, min(bs, n)*per), make([]int32, min(bs, n))
	idx := make([]int, min(bs, n))
	fetches := []tf.Output{m.EvalLoss, m.EvalAccuracy}
	for lo := 0; lo < n; lo += bs {
		k := min(bs, n-lo)
		for i := 0; i < k; i++ {
			idx[i] = lo + i
		}
		l, a, err := m.runBatch(ex, idx[:k], x[:k*per], y[:k], fetches, nil)
		if err != nil {
			return 0, 0, fmt.Errorf("builders: evaluate: %w", err)
		}
		loss += l * float64(k)
		acc += a * float64(k)
	}
	return loss / float64(n), acc / float64(n), nil
}

func batchSizeOrDefault(bs int) int {
	if bs <= 0 {
		return DefaultBatchSize
	}
	return bs
}

// Predict runs the inference pass over ex in batches. probs is row-major
// N×C (N×1 sigmoid outputs in binary mode); classes are the argmax (first
// maximum on ties), or p > 0.5 in binary mode.
func (m *Model) Predict(ex Examples, batchSize int) (probs []float32, classes []int32, err error) {
	if m.sess == nil {
		return nil, nil, ErrNotOpen
	}
	if err := m.checkExamples(ex); err != nil {
		return nil, nil, err
	}
	bs := batchSizeOrDefault(batchSize)
	n, per := ex.Len(), prod(ex.Shape())
	width := m.Spec.Classes
	if m.Spec.Binary {
		width = 1
	}
	probs = make([]float32, 0, n*width)
	x, y := make([]float32, min(bs, n)*per), make([]int32, min(bs, n))
	idx := make([]int, min(bs, n))
	fetches := []tf.Output{m.Probs}
	for lo := 0; lo < n; lo += bs {
		k := min(bs, n-lo)
		for i := 0; i < k; i++ {
			idx[i] = lo + i
		}
		ex.Gather(idx[:k], x[:k*per], y[:k])
		xt, err := tfgraph.NewFloat32(x[:k*per], m.batchShape(k)...)
		if err != nil {
			return nil, nil, err
		}
		out, err := m.sess.Run(map[tf.Output]*tf.Tensor{m.X: xt}, fetches, nil)
		tfgraph.FreeTensors(xt)
		if err != nil {
			return nil, nil, fmt.Errorf("builders: predict: %w", err)
		}
		p, err := tfgraph.Float32s(out[0])
		tfgraph.FreeTensors(out...)
		if err != nil {
			return nil, nil, err
		}
		probs = append(probs, p...)
	}
	return probs, Classes(probs, width, m.Spec.Binary), nil
}

// Classes turns row-major probabilities (width per row) into class labels:
// p > 0.5 for a binary (width 1) head, else the argmax (first maximum).
func Classes(probs []float32, width int, binary bool) []int32 {
	n := len(probs) / width
	out := make([]int32, n)
	for i := range out {
		row := probs[i*width : (i+1)*width]
		if binary {
			if row[0] > 0.5 {
				out[i] = 1
			}
			continue
		}
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		out[i] = int32(best)
	}
	return out
}

// earlyStopper is Keras 3's EarlyStopping(mode="min") decision rule
// (keras/src/callbacks/early_stopping.py) on the monitored loss.
type earlyStopper struct {
	patience int
	minDelta float64 // >= 0: an improvement must lower the best loss by more than this
	best     float64
	hasBest  bool
	wait     int
}

// update takes the 0-based epoch index and its loss; it reports whether the
// loss is a new best and whether training must stop.
func (e *earlyStopper) update(epoch int, loss float64) (improved, stop bool) {
	e.wait++
	if !e.hasBest || loss+e.minDelta < e.best {
		e.best, e.hasBest, e.wait = loss, true, 0
		return true, false
	}
	return false, e.wait >= e.patience && epoch > 0
}
