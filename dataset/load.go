package dataset

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tfnids/tfnids/timing"
)

// LoadOptions configure Load. The zero value (plus a Profile) reads binary
// labels, drops rows with bad values, keeps duplicates and file order.
type LoadOptions struct {
	// Profile describes the format; nil detects a built-in profile from the
	// first file's header (ProfileFor "auto").
	Profile *Profile
	// BadValues is the bad-value policy; the zero value is BadDrop.
	BadValues BadValuePolicy
	// Dedupe drops rows equal to an earlier row, ignoring the profile's
	// DedupeIgnoreColumns and the timestamp, keeping the first, after the
	// bad-value drop and before the sort (the seed's drop_duplicates).
	// Numeric cells compare as numbers, others as text; rows are compared
	// through a 128-bit hash.
	Dedupe bool
	// SortByTimestamp stably sorts the rows by the profile's timestamp
	// column (rows of equal time keep file order). Without a timestamp
	// column in the profile it does nothing.
	SortByTimestamp bool
	// MultiClass makes labels the pd.factorize codes of the class column
	// after the sort; otherwise labels are binary 0/1.
	MultiClass bool
	// NetworkFeatures keeps the profile's network-feature columns as inputs.
	NetworkFeatures bool
	// Drop names columns to leave out of the model input (and out of the
	// bad-value check), whatever the profile says. A name the header lacks
	// is an error.
	Drop []string
	// Features, when set, are the only input columns (in file order),
	// whatever the profile's drop, weak and network lists say; a listed
	// column that holds text is encoded as a category. The label, class and
	// timestamp columns cannot be features; a name the header lacks is an
	// error.
	Features []string
	// LabelCase says what to do with class names that differ only by case
	// ("BENIGN", "Benign"): LabelCaseKeep (the zero value) keeps them apart
	// and warns, LabelCaseFold merges them under the first spelling seen.
	LabelCase LabelCase
	// TextColumns are columns (any role, dropped ones too) whose raw text is
	// kept per row in Frame.Text, aligned with the rows through dedupe,
	// sort, Subset and Range: the IP columns for network features. A name
	// the header lacks is an error.
	TextColumns []string
	// Workers is the number of parsing goroutines; 0 means GOMAXPROCS.
	Workers int
	// ChunkBytes is the size of the blocks parsed in parallel; 0 means 4 MiB.
	ChunkBytes int
}

// LabelCase is the handling of class names that differ only by case.
type LabelCase string

const (
	// LabelCaseKeep keeps case variants as separate classes and warns.
	LabelCaseKeep LabelCase = "keep"
	// LabelCaseFold merges case variants under the first spelling seen.
	LabelCaseFold LabelCase = "fold"
)

// ParseLabelCase parses "keep" (or "") and "fold".
func ParseLabelCase(s string) (LabelCase, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "keep":
		return LabelCaseKeep, nil
	case "fold":
		return LabelCaseFold, nil
	}
	return "", fmt.Errorf("dataset: unknown label case %q (want keep or fold)", s)
}

// Load reads CSV files (plain or gzip, detected by content) into a Frame.
// paths are files, directories (their *.csv and *.csv.gz files) or globs;
// each argument expands in name order and the files are concatenated.
// Columns are matched by name (see Profile), so files may order them
// differently; the first file's header defines the columns.
//
// Load returns an error, never panics, for: a missing file, an empty file, a
// header without the required columns (the label column in binary mode with
// Profile.LabelColumn set, the class column in multi-class mode or when the
// label derives from it, the timestamp column when sorting), a row whose
// number of fields differs from the header's, malformed quoting, a label
// that is not 0 or 1, a timestamp that matches no layout, no data rows, and
// under BadError the first bad value. Errors name the file, the 1-based line
// in that file and the column.
func Load(paths []string, opts LoadOptions) (*Frame, *LoadReport, error) {
	return LoadContext(context.Background(), paths, opts)
}

// LoadContext is Load with a context that stops the reading.
func LoadContext(ctx context.Context, paths []string, opts LoadOptions) (*Frame, *LoadReport, error) {
	files, err := ExpandPaths(paths)
	if err != nil {
		return nil, nil, err
	}
	ld := &loader{ctx: ctx, opts: opts}
	return ld.run(files)
}

// LoadLike reads new data encoded as schema describes (a training frame's
// Schema): the same profile, the same input columns in the same order, the
// training categories and class names. Categories the schema lacks get code
// -1 (factorize) or no one-hot input; class names it lacks get label -1;
// both are counted in the report (UnknownCategories, UnknownClasses) and the
// caller decides. Data without the label and class columns loads with nil
// Labels (report.Unlabeled). schema.MultiClass and NetworkFeatures override
// opts; opts.Profile, when set, overrides schema.Profile.
func LoadLike(paths []string, schema Schema, opts LoadOptions) (*Frame, *LoadReport, error) {
	files, err := ExpandPaths(paths)
	if err != nil {
		return nil, nil, err
	}
	why := ""
	if opts.Profile == nil {
		opts.Profile, why = schema.Profile, "from the model's schema"
	}
	if opts.Profile == nil {
		return nil, nil, fmt.Errorf("dataset: LoadLike: the schema has no profile")
	}
	if len(schema.Inputs) == 0 {
		return nil, nil, fmt.Errorf("dataset: LoadLike: the schema has no inputs")
	}
	opts.MultiClass = schema.MultiClass
	opts.NetworkFeatures = schema.NetworkFeatures
	ld := &loader{ctx: context.Background(), opts: opts, like: &schema, why: why}
	return ld.run(files)
}

// ExpandPaths turns files, directories and globs into the list of files Load

type loader struct {
	ctx  context.Context
	opts LoadOptions
	like *Schema
	prof *Profile
	why  string

	files  []string
	plans  []*filePlan
	cols   []column
	inputs []inputCol
	ncat   int
	keyLen int // bytes of a row's dedupe key
	absent []string
	// warnings collect what the plan and the assembly did on their own.
	warnings []Warning
	// screen is the text screen of the first file when its reader made it
	// (Parquet); nil lets the plan screen a CSV file itself.
	screen  *screenSample
	closers []io.Closer // files open until the workers are done
	hasTS   bool        // timestamps parsed
	hasCls  bool
	hasLab  bool
	tsProto *tsParser
	seeds   [3]maphash.Seed

	timings  timing.Recorder
	store    slotStore
	nextSlot int
	textCol  []int // canonical column of each LoadOptions.TextColumns entry

	workers  int
	chunk    int
	pool     chan []byte
	inflight sync.WaitGroup
	errSeq   atomic.Int64
	mu       sync.Mutex
	results  []*chunkResult
	readErr  error
	readSeq  int
}

func (ld *loader) run(files []string) (*Frame, *LoadReport, error) {
	ld.files = files
	ld.prof = ld.opts.Profile
	if ld.prof != nil {
		if err := ld.prof.Validate(); err != nil {
			return nil, nil, err
		}
	}
	ld.workers = ld.opts.Workers
	if ld.workers <= 0 {
		ld.workers = runtime.GOMAXPROCS(0)
	}
	ld.chunk = ld.opts.ChunkBytes
	if ld.chunk <= 0 {
		ld.chunk = 4 << 20
	}
	ld.pool = make(chan []byte, ld.workers+2)
	for i := 0; i < ld.workers+2; i++ {
		ld.pool <- make([]byte, 0, ld.chunk)
	}
	ld.errSeq.Store(math.MaxInt64)
	for i := range ld.seeds {
		ld.seeds[i] = maphash.MakeSeed()
	}

	jobs := make(chan *job, ld.workers)
	var wg sync.WaitGroup
	for i := 0; i < ld.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{ld: ld}
			for j := range jobs {
				var res *chunkResult
				if int64(j.seq) < ld.errSeq.Load() && ld.ctx.Err() == nil {
					if j.pq != nil {
						res = w.processParquet(j)
					} else {
						res = w.process(j)
					}
					if res.err != nil {
						ld.noteErr(j.seq)
					}
				} else {
					res = &chunkResult{seq: j.seq, file: j.file, err: errSkipped}
				}
				ld.mu.Lock()
				ld.results = append(ld.results, res)
				ld.mu.Unlock()
				if j.pq == nil {
					ld.pool <- j.buf[:0]
				}
				ld.inflight.Done()
			}
		}()
	}
	t0 := time.Now()
	ld.readErr = ld.read(jobs)
	close(jobs)
	wg.Wait()
	for _, c := range ld.closers {
		c.Close()
	}
	ld.timings.Since("read", t0)
	return ld.finish()
}

var errSkipped = errors.New("skipped after an earlier error")

func (ld *loader) noteErr(seq int) {
	for {
		cur := ld.errSeq.Load()
		if int64(seq) >= cur || ld.errSeq.CompareAndSwap(cur, int64(seq)) {
			return
		}
	}
}

// read is the single reader: it splits each file into chunks of whole
