package dataset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoadOptions configure Load. The zero value (plus a Profile) reads binary
// labels, drops rows with bad values, keeps duplicates and file order.
type LoadOptions struct {
	// Profile describes the format; nil detects a built-in profile from the
	// first file's header (ResolveProfile "auto").
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
// reads: each argument in name order, arguments in the order given.
func ExpandPaths(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("dataset: no data files given")
	}
	var out []string
	seen := map[string]bool{}
	add := func(p string) error {
		abs, _ := filepath.Abs(p)
		if seen[abs] {
			return fmt.Errorf("dataset: %s is listed twice", p)
		}
		seen[abs] = true
		out = append(out, p)
		return nil
	}
	for _, p := range paths {
		if strings.ContainsAny(p, "*?[") {
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, fmt.Errorf("dataset: bad glob %q: %v", p, err)
			}
			sort.Strings(m)
			n := 0
			for _, f := range m {
				if st, err := os.Stat(f); err == nil && !st.IsDir() {
					if err := add(f); err != nil {
						return nil, err
					}
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("dataset: no file matches %q", p)
			}
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("dataset: %s: no such file or directory", p)
			}
			return nil, fmt.Errorf("dataset: %v", err)
		}
		if !st.IsDir() {
			if err := add(p); err != nil {
				return nil, err
			}
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("dataset: %v", err)
		}
		var names []string
		for _, e := range ents {
			n := strings.ToLower(e.Name())
			if !e.IsDir() && (strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".csv.gz")) {
				names = append(names, filepath.Join(p, e.Name()))
			}
		}
		sort.Strings(names)
		if len(names) == 0 {
			return nil, fmt.Errorf("dataset: directory %s holds no .csv or .csv.gz file", p)
		}
		for _, f := range names {
			if err := add(f); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// ReadHeader returns the cleaned column names of a CSV file's header (BOM
// and spaces trimmed, duplicates renamed "name.1" as pandas does).
func ReadHeader(path string) ([]string, error) {
	files, err := ExpandPaths([]string{path})
	if err != nil {
		return nil, err
	}
	rc, err := openData(files[0])
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 1<<16)
	var buf []byte
	for {
		line, err := br.ReadSlice('\n')
		buf = append(buf, line...)
		if err == bufio.ErrBufferFull {
			continue // a line longer than the buffer
		}
		atEOF := err == io.EOF
		if err != nil && !atEOF {
			return nil, fmt.Errorf("dataset: %s: %v", files[0], err)
		}
		end := recordEnd(buf)
		if atEOF {
			end = len(buf)
		}
		if end <= 0 && !atEOF {
			continue // a newline inside quotes: the record goes on
		}
		s := recordScanner{data: bytes.TrimPrefix(buf[:end], bom)}
		rec, _, perr := s.next(nil)
		switch {
		case perr == io.EOF && atEOF:
			return nil, fmt.Errorf("dataset: %s: empty file (no header)", files[0])
		case perr == io.EOF:
			continue // only blank lines so far
		case perr != nil:
			return nil, fmt.Errorf("dataset: %s line %d: header: %v", files[0], s.line+1, perr)
		}
		return cleanHeader(rec), nil
	}
}

var bom = []byte{0xEF, 0xBB, 0xBF}

func cleanHeader(rec [][]byte) []string {
	h := make([]string, len(rec))
	seen := map[string]int{}
	for i, f := range rec {
		name := cleanHeaderName(string(f))
		k := normName(name)
		if n, dup := seen[k]; dup {
			seen[k] = n + 1
			name = fmt.Sprintf("%s.%d", name, n+1)
		} else {
			seen[k] = 0
		}
		h[i] = name
	}
	return h
}

// openData opens a file, decompressing it when it starts with the gzip
// magic number.
func openData(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("dataset: %s: no such file", path)
		}
		return nil, fmt.Errorf("dataset: %v", err)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("dataset: %s: %v", path, err)
		}
		return struct {
			io.Reader
			io.Closer
		}{zr, f}, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{br, f}, nil
}

type colRole uint8

const (
	roleIgnore      colRole = iota // not parsed (identifiers, drop columns)
	roleFeature                    // numeric model input
	roleCheck                      // numeric, not an input, still checked for bad values
	roleCategorical                // string model input
	roleLabel                      // binary label 0/1
	roleClass                      // class name
	roleTimestamp                  // flow time
)

// column is a column of the first file's header and what Load does with it.
type column struct {
	name   string
	role   colRole
	out    int // parse-matrix column (feature, categorical)
	cat    int // index among categorical inputs
	dedupe bool
	key    int    // offset in the dedupe key: 8 bytes for a number, 16 for a text hash
	reason string // why it is not an input
}

// fieldOp is what a worker does with field j of a file's rows.
type fieldOp struct {
	role   colRole
	dedupe bool
	col    int32 // canonical column
	out    int32
	cat    int32
	key    int32 // offset of the cell in the row's dedupe key
	text   int32 // 1 + index among LoadOptions.TextColumns; 0 for none
}

type filePlan struct {
	name string
	ops  []fieldOp
}

type job struct {
	seq    int
	file   int
	buf    []byte // returned to the pool after use
	data   []byte
	plan   *filePlan
	line0  int // 1-based line in the file of data[0]
	slot0  int
	nslots int
}

type chunkResult struct {
	seq       int
	file      int
	slot0     int
	nslots    int
	rows      int
	badRows   int
	zeroed    int
	badCells  []int // per canonical column
	classDict []string
	catDicts  [][]string
	err       error
}

// slotStore holds parsed rows by slot: one slot per physical line of input,
// so that chunks parsed in parallel write to disjoint places; blank lines,
// headers and dropped rows leave holes that are compacted away at the end.
type slotStore struct {
	width  int
	x      []float32
	status []uint8 // 0 hole, 1 kept, 2 bad value, 3 duplicate
	ts     []int64
	cls    []int32
	lab    []int8
	hash   [][2]uint64
	text   [][]string // per LoadOptions.TextColumns entry
}

const (
	slotHole uint8 = iota
	slotKept
	slotBad
	slotDup
)

func (s *slotStore) grow(n int, withTS, withCls, withLab, withHash bool) {
	if n <= len(s.status) {
		return
	}
	x := make([]float32, n*s.width)
	copy(x, s.x)
	s.x = x
	st := make([]uint8, n)
	copy(st, s.status)
	s.status = st
	if withTS {
		v := make([]int64, n)
		copy(v, s.ts)
		s.ts = v
	}
	if withCls {
		v := make([]int32, n)
		copy(v, s.cls)
		s.cls = v
	}
	if withLab {
		v := make([]int8, n)
		copy(v, s.lab)
		s.lab = v
	}
	if withHash {
		v := make([][2]uint64, n)
		copy(v, s.hash)
		s.hash = v
	}
	for k := range s.text {
		v := make([]string, n)
		copy(v, s.text[k])
		s.text[k] = v
	}
}

type loader struct {
	ctx  context.Context
	opts LoadOptions
	like *Schema
	prof *Profile
	why  string

	files   []string
	plans   []*filePlan
	cols    []column
	inputs  []inputCol
	ncat    int
	keyLen  int // bytes of a row's dedupe key
	absent  []string
	hasTS   bool // timestamps parsed
	hasCls  bool
	hasLab  bool
	tsProto *tsParser
	seeds   [3]maphash.Seed

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

// inputCol is a parse-matrix column: a numeric input or a categorical code.
type inputCol struct {
	name string
	col  int      // canonical column
	cat  int      // -1 for numeric
	enc  Encoding // for categorical
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
					res = w.process(j)
					if res.err != nil {
						ld.noteErr(j.seq)
					}
				} else {
					res = &chunkResult{seq: j.seq, file: j.file, err: errSkipped}
				}
				ld.mu.Lock()
				ld.results = append(ld.results, res)
				ld.mu.Unlock()
				ld.pool <- j.buf[:0]
				ld.inflight.Done()
			}
		}()
	}
	ld.readErr = ld.read(jobs)
	close(jobs)
	wg.Wait()
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
// records, assigns their slots and hands them to the workers.
func (ld *loader) read(jobs chan<- *job) error {
	seq := 0
	fail := func(err error) error {
		ld.readSeq = seq
		return err
	}
	var plainBytes, gzBytes int64
	for _, f := range ld.files {
		if st, err := os.Stat(f); err == nil {
			if strings.HasSuffix(strings.ToLower(f), ".gz") {
				gzBytes += st.Size()
			} else {
				plainBytes += st.Size()
			}
		}
	}
	var carry []byte
	for fi, name := range ld.files {
		if int64(seq) > ld.errSeq.Load() {
			return nil
		}
		rc, err := openData(name)
		if err != nil {
			return fail(err)
		}
		line := 1
		carry = carry[:0]
		first := true
		headerDone := false
		eof := false
		for !eof {
			if err := ld.ctx.Err(); err != nil {
				rc.Close()
				return fail(err)
			}
			if int64(seq) > ld.errSeq.Load() {
				rc.Close()
				return nil
			}
			buf := <-ld.pool
			if cap(buf) < len(carry)+ld.chunk/2 {
				buf = make([]byte, 0, len(carry)+ld.chunk)
			}
			buf = append(buf[:0], carry...)
			n, rerr := io.ReadFull(rc, buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			switch rerr {
			case nil:
			case io.EOF, io.ErrUnexpectedEOF:
				eof = true
			default:
				rc.Close()
				return fail(fmt.Errorf("dataset: %s: %v", name, rerr))
			}
			if first {
				first = false
				if bytes.HasPrefix(buf, bom) {
					buf = buf[len(bom):]
				}
			}
			end := len(buf)
			if !eof {
				end = recordEnd(buf)
				if end <= 0 {
					// No whole record yet: keep everything, read more.
					if len(buf) > maxRecordBytes {
						rc.Close()
						return fail(fmt.Errorf("dataset: %s line %d: a record longer than %d MiB (unbalanced quotes?)", name, line, maxRecordBytes>>20))
					}
					carry = append(carry[:0], buf...)
					ld.pool <- buf[:0]
					if cap(carry) > ld.chunk {
						ld.chunk = cap(carry) // grow the read size for long records
					}
					continue
				}
			}
			carry = append(carry[:0], buf[end:]...)
			data := buf[:end]
			if !headerDone {
				s := recordScanner{data: data}
				rec, _, perr := s.next(nil)
				switch {
				case perr == io.EOF && eof:
					rc.Close()
					return fail(fmt.Errorf("dataset: %s: empty file (no header)", name))
				case perr == io.EOF:
					line += s.line // blank lines only
					ld.pool <- buf[:0]
					continue
				case perr != nil:
					rc.Close()
					return fail(fmt.Errorf("dataset: %s line %d: header: %v", name, line+s.line, perr))
				}
				if err := ld.addFile(fi, name, cleanHeader(rec)); err != nil {
					rc.Close()
					return fail(err)
				}
				headerDone = true
				line += s.line
				data = data[s.pos:]
			}
			nl := bytes.Count(data, []byte{'\n'})
			nslots := nl + 1
			if len(data) == 0 {
				ld.pool <- buf[:0]
				continue
			}
			if ld.nextSlot+nslots > len(ld.store.status) {
				est := ld.nextSlot + nslots
				if len(ld.store.status) == 0 {
					// A first guess from this chunk's bytes per line (gzip
					// taken as 12× smaller). Pages of an over-estimate are
					// never touched, so they cost address space only; an
					// under-estimate costs a copy when the store grows.
					perLine := max(float64(len(data))/float64(nl+1), float64(len(ld.cols)))
					est = int(float64(plainBytes+12*gzBytes)/perLine*1.05) + 1024
					est = min(est, int(memBudget()/int64(4*max(1, ld.store.width))))
				} else {
					est = max(est, len(ld.store.status)*3/2)
				}
				ld.inflight.Wait() // no worker may write while the store moves
				ld.store.grow(max(est, ld.nextSlot+nslots), ld.hasTS, ld.hasCls, ld.hasLab, ld.opts.Dedupe)
			}
			ld.inflight.Add(1)
			jobs <- &job{seq: seq, file: fi, plan: ld.plans[fi], buf: buf, data: data, line0: line, slot0: ld.nextSlot, nslots: nslots}
			seq++
			ld.nextSlot += nslots
			line += nl
		}
		rc.Close()
		if !headerDone {
			return fail(fmt.Errorf("dataset: %s: empty file (no header)", name))
		}
	}
	return nil
}

const maxRecordBytes = 64 << 20

// memBudget caps the first allocation of the row store: half the physical
// memory (Linux /proc/meminfo), or 2 GiB when unknown. Asking the kernel for
// more address space than memory could be refused.
var memBudget = sync.OnceValue(func() int64 {
	const fallback = 2 << 30
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return fallback
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil && kb > 0 {
			return max(fallback, kb*1024/2)
		}
	}
	return fallback
})

// addFile resolves a file's header against the plan (the first file makes
// the plan).
func (ld *loader) addFile(fi int, name string, header []string) error {
	if fi == 0 {
		if err := ld.makePlan(name, header); err != nil {
			return err
		}
	}
	aliases := ld.prof.Aliases
	m := newMatcher(header, aliases)
	fp := &filePlan{name: name, ops: make([]fieldOp, len(header))}
	assigned := make([]bool, len(header))
	var missing []string
	for ci, c := range ld.cols {
		j := m.find(c.name)
		if j < 0 || assigned[j] {
			if c.role != roleIgnore && c.role != roleCheck {
				missing = append(missing, c.name)
			}
			continue
		}
		assigned[j] = true
		fp.ops[j] = fieldOp{role: c.role, dedupe: c.dedupe, col: int32(ci), out: int32(c.out), cat: int32(c.cat), key: int32(c.key),
			text: int32(slices.Index(ld.textCol, ci) + 1)}
	}
	if len(missing) > 0 {
		return fmt.Errorf("dataset: %s: missing required columns %s (profile %s; the first file has them)",
			name, quoteList(missing), ld.prof.Name)
	}
	ld.plans = append(ld.plans, fp)
	return nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// makePlan decides every column's role from the first file's header.
func (ld *loader) makePlan(name string, header []string) error {
	if ld.prof == nil {
		p, why, err := detectProfile(header)
		if err != nil {
			return fmt.Errorf("%v (file %s)", err, name)
		}
		ld.prof, ld.why = p, why
	}
	p := ld.prof
	m := newMatcher(header, p.Aliases)
	flags := make([]map[string]bool, len(header))
	for i := range flags {
		flags[i] = map[string]bool{}
	}
	mark := func(list []string, flag string) {
		for _, n := range list {
			if i := m.find(n); i >= 0 {
				flags[i][flag] = true
			} else if !slices.Contains(ld.absent, n) {
				ld.absent = append(ld.absent, n)
			}
		}
	}
	mark(p.DropColumns, "drop")
	mark(p.WeakColumns, "weak")
	mark(p.NetworkFeatureColumns, "network")
	mark(p.CategoricalColumns, "categorical")
	mark(p.DedupeIgnoreColumns, "nodedupe")
	labelIdx, classIdx, tsIdx := -1, -1, -1
	if p.LabelColumn != "" {
		labelIdx = m.find(p.LabelColumn)
	}
	if p.ClassColumn != "" {
		classIdx = m.find(p.ClassColumn)
	}
	if p.TimestampColumn != "" {
		tsIdx = m.find(p.TimestampColumn)
	}
	mc := ld.opts.MultiClass
	var missing []string
	needLabel := !mc && p.LabelColumn != ""
	needClass := mc || p.LabelColumn == ""
	if ld.like != nil && labelIdx < 0 && classIdx < 0 {
		needLabel, needClass = false, false // unlabeled data to predict on
	}
	if needLabel && labelIdx < 0 {
		missing = append(missing, p.LabelColumn)
	}
	if needClass && classIdx < 0 {
		missing = append(missing, p.ClassColumn)
	}
	sorting := ld.opts.SortByTimestamp && p.TimestampColumn != ""
	if sorting && tsIdx < 0 {
		missing = append(missing, p.TimestampColumn)
	}
	// In LoadLike the inputs are the schema's, found by name.
	likeInput := map[int]int{} // header index -> schema input index
	if ld.like != nil {
		for k, in := range ld.like.Inputs {
			i := m.find(in.Column)
			if i < 0 {
				missing = append(missing, in.Column)
				continue
			}
			likeInput[i] = k
		}
	}
	ld.textCol = ld.textCol[:0]
	for _, tc := range ld.opts.TextColumns {
		i := m.find(tc)
		if i < 0 {
			missing = append(missing, tc)
		}
		ld.textCol = append(ld.textCol, i)
	}
	if len(missing) > 0 {
		return fmt.Errorf("dataset: %s: missing required columns %s (profile %s)", name, quoteList(missing), p.Name)
	}
	ld.store.text = make([][]string, len(ld.textCol))
	if sorting {
		tp, err := newTSParser(p.TimestampLayouts)
		if err != nil {
			return fmt.Errorf("dataset: profile %s: %v", p.Name, err)
		}
		ld.tsProto = tp
		ld.hasTS = true
	}
	ld.hasCls = classIdx >= 0
	ld.hasLab = labelIdx >= 0 && !mc
	ld.cols = make([]column, len(header))
	if ld.like != nil {
		ld.inputs = make([]inputCol, len(ld.like.Inputs))
	}
	for i, h := range header {
		c := column{name: h, out: -1, cat: -1}
		f := flags[i]
		switch {
		case i == labelIdx:
			c.role, c.reason = roleLabel, "label"
			if mc {
				c.role = roleIgnore // multi-class labels come from the class column
			}
		case i == classIdx:
			c.role, c.reason = roleClass, "class"
		case i == tsIdx:
			c.role, c.reason = roleIgnore, "timestamp"
			if sorting {
				c.role = roleTimestamp
			}
		case ld.like != nil:
			if k, ok := likeInput[i]; ok {
				in := ld.like.Inputs[k]
				c.out = k
				if in.Encoding != "" {
					c.role, c.cat = roleCategorical, ld.ncat
					ld.ncat++
					ld.inputs[k] = inputCol{name: h, col: i, cat: c.cat, enc: in.Encoding}
				} else {
					c.role = roleFeature
					ld.inputs[k] = inputCol{name: h, col: i, cat: -1}
				}
				break
			}
			c.role, c.reason = roleIgnore, "not in schema"
			switch {
			case f["drop"]:
				c.reason = "drop"
			case f["weak"] && !f["categorical"]:
				c.role, c.reason = roleCheck, "weak"
			case f["network"] && !f["categorical"]:
				c.role, c.reason = roleCheck, "network"
			}
		case f["drop"]:
			c.role, c.reason = roleIgnore, "drop"
		case f["weak"]:
			c.role, c.reason = roleCheck, "weak"
			if f["categorical"] {
				c.role = roleIgnore
			}
		case f["network"] && !ld.opts.NetworkFeatures:
			c.role, c.reason = roleCheck, "network"
			if f["categorical"] {
				c.role = roleIgnore
			}
		case f["categorical"]:
			c.role, c.cat, c.out = roleCategorical, ld.ncat, len(ld.inputs)
			ld.ncat++
			ld.inputs = append(ld.inputs, inputCol{name: h, col: i, cat: c.cat, enc: p.encodingOf(h, m)})
		default:
			c.role, c.out = roleFeature, len(ld.inputs)
			ld.inputs = append(ld.inputs, inputCol{name: h, col: i, cat: -1})
		}
		c.dedupe = ld.opts.Dedupe && !f["nodedupe"] && i != tsIdx
		if c.dedupe {
			c.key = ld.keyLen
			switch c.role {
			case roleFeature, roleCheck, roleLabel:
				ld.keyLen += 8
			default:
				ld.keyLen += 16
			}
		}
		ld.cols[i] = c
	}
	if len(ld.inputs) == 0 {
		return fmt.Errorf("dataset: %s: no input columns left after the profile's drop, weak and network columns (profile %s)", name, p.Name)
	}
	ld.store.width = len(ld.inputs)
	return nil
}

// worker parses chunks.
type worker struct {
	ld       *loader
	fields   [][]byte
	classMap map[string]int32
	catMaps  []map[string]int32
	ts       *tsParser
	hbuf     []byte
	strs     map[string]string // interned text cells
}

func (w *worker) process(j *job) *chunkResult {
	ld := w.ld
	plan := j.plan
	res := &chunkResult{seq: j.seq, file: j.file, slot0: j.slot0, nslots: j.nslots,
		badCells: make([]int, len(ld.cols)), catDicts: make([][]string, ld.ncat)}
	if w.classMap == nil {
		w.classMap = map[string]int32{}
		w.catMaps = make([]map[string]int32, ld.ncat)
		for i := range w.catMaps {
			w.catMaps[i] = map[string]int32{}
		}
		if ld.tsProto != nil {
			w.ts = ld.tsProto.clone()
		}
		if ld.opts.Dedupe {
			w.hbuf = make([]byte, ld.keyLen)
		}
	}
	clear(w.classMap)
	for _, m := range w.catMaps {
		clear(m)
	}
	clear(w.hbuf)
	st := &ld.store
	s := recordScanner{data: j.data}
	for {
		fields, rel, err := s.next(w.fields)
		w.fields = fields
		if err == io.EOF {
			break
		}
		line := j.line0 + rel
		if err != nil {
			res.err = fmt.Errorf("dataset: %s line %d: %v", plan.name, line, err)
			break
		}
		res.rows++
		if len(fields) != len(plan.ops) {
			res.err = fmt.Errorf("dataset: %s line %d: %d fields, but the header has %d (ragged row)",
				plan.name, line, len(fields), len(plan.ops))
			break
		}
		if err := w.row(plan, fields, j.slot0+rel, line, res, st); err != nil {
			res.err = err
			break
		}
	}
	return res
}

func (w *worker) row(plan *filePlan, fields [][]byte, slot, line int, res *chunkResult, st *slotStore) error {
	ld := w.ld
	policy := ld.opts.BadValues
	width := st.width
	x := st.x[slot*width : (slot+1)*width]
	bad := false
	for j, f := range fields {
		op := &plan.ops[j]
		if op.text > 0 {
			st.text[op.text-1][slot] = w.intern(f)
		}
		switch op.role {
		case roleIgnore:
			if op.dedupe {
				w.hashText(op.key, f)
			}
		case roleFeature, roleCheck:
			v, k := parseNumber(f)
			if k != badNone {
				res.badCells[op.col]++
				switch policy {
				case BadError:
					return ld.badValueError(plan, line, op.col, f, k.expected())
				case BadZero:
					res.zeroed++
				default:
					bad = true
				}
				v = 0
			}
			if op.role == roleFeature {
				x[op.out] = float32(v)
			}
			if op.dedupe {
				binary.LittleEndian.PutUint64(w.hbuf[op.key:], math.Float64bits(v))
			}
		case roleCategorical:
			x[op.out] = float32(w.category(op.cat, f, res))
			if op.dedupe {
				w.hashText(op.key, f)
			}
		case roleLabel:
			v, k := parseNumber(f)
			if k == badMissing || k == badInfinite {
				res.badCells[op.col]++
				if policy != BadDrop {
					return ld.badValueError(plan, line, op.col, f, "a label (0 or 1); "+policy.String()+" cannot fill a missing label")
				}
				bad = true
				continue
			}
			if k != badNone || (v != 0 && v != 1) {
				return fmt.Errorf("dataset: %s line %d, column %q: label %q: expected 0 or 1 (is %s the right profile? --profile auto detects one)",
					plan.name, line, ld.cols[op.col].name, f, ld.prof.Name)
			}
			st.lab[slot] = int8(v)
			if op.dedupe {
				binary.LittleEndian.PutUint64(w.hbuf[op.key:], math.Float64bits(v))
			}
		case roleClass:
			if isMissingText(f) {
				res.badCells[op.col]++
				if policy != BadDrop {
					return ld.badValueError(plan, line, op.col, f, "a class name; "+policy.String()+" cannot fill a missing class")
				}
				bad = true
				continue
			}
			code, ok := w.classMap[string(f)]
			if !ok {
				code = int32(len(res.classDict))
				name := string(f)
				w.classMap[name] = code
				res.classDict = append(res.classDict, name)
			}
			st.cls[slot] = code
			if op.dedupe {
				w.hashText(op.key, f)
			}
		case roleTimestamp:
			if isMissingText(f) {
				res.badCells[op.col]++
				if policy != BadDrop {
					return ld.badValueError(plan, line, op.col, f, "a timestamp; "+policy.String()+" cannot fill a missing timestamp")
				}
				bad = true
				continue
			}
			t, ok := w.ts.parse(f)
			if !ok {
				return fmt.Errorf("dataset: %s line %d, column %q: timestamp %q matches none of the layouts %s (profile %s)",
					plan.name, line, ld.cols[op.col].name, f, quoteList(ld.prof.TimestampLayouts), ld.prof.Name)
			}
			st.ts[slot] = t
		}
	}
	if bad {
		st.status[slot] = slotBad
		res.badRows++
		return nil
	}
	st.status[slot] = slotKept
	if ld.opts.Dedupe {
		st.hash[slot] = [2]uint64{maphash.Bytes(ld.seeds[0], w.hbuf), maphash.Bytes(ld.seeds[1], w.hbuf)}
	}
	return nil
}

// intern returns f as a string shared with earlier equal cells of this
// worker (addresses repeat across many flows).
func (w *worker) intern(f []byte) string {
	if w.strs == nil {
		w.strs = map[string]string{}
	}
	if s, ok := w.strs[string(f)]; ok {
		return s
	}
	s := string(f)
	w.strs[s] = s
	return s
}

// hashText puts a text cell's 128-bit hash into the row's dedupe key.
func (w *worker) hashText(key int32, f []byte) {
	seeds := &w.ld.seeds
	binary.LittleEndian.PutUint64(w.hbuf[key:], maphash.Bytes(seeds[1], f))
	binary.LittleEndian.PutUint64(w.hbuf[key+8:], maphash.Bytes(seeds[2], f))
}

func (w *worker) category(cat int32, f []byte, res *chunkResult) int32 {
	m := w.catMaps[cat]
	code, ok := m[string(f)]
	if !ok {
		code = int32(len(res.catDicts[cat]))
		name := string(f)
		m[name] = code
		res.catDicts[cat] = append(res.catDicts[cat], name)
	}
	return code
}

func (ld *loader) badValueError(plan *filePlan, line int, col int32, f []byte, expected string) error {
	return fmt.Errorf("dataset: %s line %d, column %q: bad value %q: expected %s (--bad-values %s)",
		plan.name, line, ld.cols[col].name, f, expected, ld.opts.BadValues)
}

// finish merges the chunk results into a Frame.
func (ld *loader) finish() (*Frame, *LoadReport, error) {
	sort.Slice(ld.results, func(a, b int) bool { return ld.results[a].seq < ld.results[b].seq })
	for _, r := range ld.results {
		if r.err != nil && r.err != errSkipped && (ld.readErr == nil || r.seq < ld.readSeq) {
			return nil, nil, r.err
		}
	}
	if ld.readErr != nil {
		return nil, nil, ld.readErr
	}
	if err := ld.ctx.Err(); err != nil {
		return nil, nil, err
	}
	for _, r := range ld.results {
		if r.err != nil {
			return nil, nil, r.err // errSkipped without a cause cannot happen; be safe
		}
	}
	p := ld.prof
	rep := &LoadReport{Profile: p.Name, ProfileWhy: ld.why, Files: ld.files, BadValuePolicy: ld.opts.BadValues.String(),
		BadValuesPerColumn: map[string]int{}}
	badCells := make([]int, len(ld.cols))
	for _, r := range ld.results {
		rep.RowsRead += r.rows
		rep.DroppedBadValues += r.badRows
		rep.ZeroedValues += r.zeroed
		for i, n := range r.badCells {
			badCells[i] += n
		}
	}
	for i, n := range badCells {
		if n > 0 {
			rep.BadValuesPerColumn[ld.cols[i].name] = n
		}
	}
	if rep.RowsRead == 0 {
		return nil, nil, fmt.Errorf("dataset: %s: no data rows after the header", strings.Join(ld.files, ", "))
	}
	st := &ld.store
	nslots := ld.nextSlot

	// Chunk-local class and category codes to load-wide codes (first
	// appearance in file order for now).
	var classNames []string
	classIdx := map[string]int32{}
	catNames := make([][]string, ld.ncat)
	catIdx := make([]map[string]int32, ld.ncat)
	for i := range catIdx {
		catIdx[i] = map[string]int32{}
	}
	catOut := make([]int, ld.ncat)
	for _, in := range ld.inputs {
		if in.cat >= 0 {
			catOut[in.cat] = ld.cols[in.col].out
		}
	}
	width := st.width
	for _, r := range ld.results {
		var cm []int32
		if ld.hasCls {
			cm = make([]int32, len(r.classDict))
			for i, n := range r.classDict {
				g, ok := classIdx[n]
				if !ok {
					g = int32(len(classNames))
					classIdx[n] = g
					classNames = append(classNames, n)
				}
				cm[i] = g
			}
		}
		maps := make([][]int32, ld.ncat)
		for c := range maps {
			maps[c] = make([]int32, len(r.catDicts[c]))
			for i, n := range r.catDicts[c] {
				g, ok := catIdx[c][n]
				if !ok {
					g = int32(len(catNames[c]))
					catIdx[c][n] = g
					catNames[c] = append(catNames[c], n)
				}
				maps[c][i] = g
			}
		}
		for s := r.slot0; s < r.slot0+r.nslots; s++ {
			if st.status[s] != slotKept {
				continue
			}
			if cm != nil {
				st.cls[s] = cm[st.cls[s]]
			}
			for c, m := range maps {
				o := s*width + catOut[c]
				st.x[o] = float32(m[int32(st.x[o])])
			}
		}
	}
	ld.results = nil

	// Dedupe, keeping the first occurrence in file order.
	if ld.opts.Dedupe {
		seen := newHashSet(rep.RowsRead - rep.DroppedBadValues)
		for s := 0; s < nslots; s++ {
			if st.status[s] == slotKept && !seen.add(st.hash[s]) {
				st.status[s] = slotDup
				rep.DroppedDuplicates++
			}
		}
		st.hash = nil
	}

	// Compact the kept rows to the front, in file order.
	n := 0
	for s := 0; s < nslots; s++ {
		if st.status[s] != slotKept {
			continue
		}
		if n != s {
			copy(st.x[n*width:(n+1)*width], st.x[s*width:(s+1)*width])
			if ld.hasTS {
				st.ts[n] = st.ts[s]
			}
			if ld.hasCls {
				st.cls[n] = st.cls[s]
			}
			if ld.hasLab {
				st.lab[n] = st.lab[s]
			}
			for _, t := range st.text {
				t[n] = t[s]
			}
		}
		n++
	}
	st.status = nil
	rows := n
	rep.RowsKept = rows
	x := st.x[:rows*width]
	var ts []int64
	var cls []int32
	var lab []int8
	if ld.hasTS {
		ts = st.ts[:rows]
	}
	if ld.hasCls {
		cls = st.cls[:rows]
	}
	if ld.hasLab {
		lab = st.lab[:rows]
	}

	// Stable sort by time.
	if ld.hasTS && !slices.IsSorted(ts) {
		perm := stableOrder(ts)
		permuteRows(x, width, perm)
		ts = gather(ts, perm)
		if cls != nil {
			cls = gather(cls, perm)
		}
		if lab != nil {
			lab = gather(lab, perm)
		}
		for k, t := range st.text {
			st.text[k] = gather(t[:rows], perm)
		}
	}
	rep.Sorted = ld.hasTS
	rep.HasTime = ld.hasTS
	if ld.hasTS && rows > 0 {
		rep.TimeMin = time.Unix(0, ts[0]).UTC()
		rep.TimeMax = time.Unix(0, ts[rows-1]).UTC()
	}

	// Classes: factorize after the sort (or map to the schema's names).
	f := &Frame{Rows: rows, profile: p, multiClass: ld.opts.MultiClass, networkFeatures: ld.opts.NetworkFeatures,
		Categories: map[string][]string{}}
	var finalClass []int32 // load-wide code -> final code
	var finalNames []string
	if cls != nil {
		finalClass = make([]int32, len(classNames))
		for i := range finalClass {
			finalClass[i] = -2
		}
		if ld.like != nil && ld.opts.MultiClass {
			known := map[string]int32{}
			for i, n := range ld.like.ClassNames {
				known[n] = int32(i)
			}
			for i, n := range classNames {
				if k, ok := known[n]; ok {
					finalClass[i] = k
				} else {
					finalClass[i] = -1
				}
			}
			finalNames = slices.Clone(ld.like.ClassNames)
		} else {
			for _, c := range cls {
				if finalClass[c] == -2 {
					finalClass[c] = int32(len(finalNames))
					finalNames = append(finalNames, classNames[c])
				}
			}
		}
		counts := make([]int, len(finalNames))
		unknown := map[string]int{}
		for i, c := range cls {
			g := finalClass[c]
			cls[i] = g
			if g >= 0 {
				counts[g]++
			} else {
				unknown[classNames[c]]++
			}
		}
		for i, nm := range finalNames {
			rep.ClassCounts = append(rep.ClassCounts, ClassCount{Name: nm, Count: counts[i]})
		}
		if len(unknown) > 0 {
			rep.UnknownClasses = unknown
		}
	}
	switch {
	case ld.opts.MultiClass && cls != nil:
		f.Labels = cls
		f.ClassNames = finalNames
	case ld.opts.MultiClass:
		rep.Unlabeled = true
		if ld.like != nil {
			f.ClassNames = slices.Clone(ld.like.ClassNames)
		}
	case lab != nil && p.LabelColumn != "":
		f.Labels = make([]int32, rows)
		for i, v := range lab {
			f.Labels[i] = int32(v)
		}
		f.ClassNames = []string{"benign", "attack"}
	case cls != nil:
		f.Labels = make([]int32, rows)
		for i, c := range cls {
			if c < 0 || finalNames[c] != p.BenignClass {
				f.Labels[i] = 1
			}
		}
		f.ClassNames = []string{"benign", "attack"}
	default:
		rep.Unlabeled = true
		f.ClassNames = []string{"benign", "attack"}
	}
	if f.Labels != nil {
		rep.LabelCounts = make([]int, len(f.ClassNames))
		for _, l := range f.Labels {
			if l >= 0 && int(l) < len(rep.LabelCounts) {
				rep.LabelCounts[l]++
			}
		}
	}
	if ld.hasTS {
		f.Timestamps = ts
	}
	if len(st.text) > 0 {
		f.Text = make(map[string][]string, len(st.text))
		for k, t := range st.text {
			f.Text[ld.opts.TextColumns[k]] = t[:rows]
		}
	}

	// Categories: factorize order after the sort (or the schema's).
	unknownCats := map[string]int{}
	oneHot := false
	for _, in := range ld.inputs {
		if in.cat < 0 {
			continue
		}
		if in.enc == OneHot {
			oneHot = true
		}
		o := ld.cols[in.col].out
		names := catNames[in.cat]
		remap := make([]int32, len(names))
		var final []string
		if ld.like != nil {
			known := map[string]int32{}
			for i, c := range ld.like.Categories[ld.like.Inputs[o].Column] {
				known[c] = int32(i)
			}
			for i, nm := range names {
				if k, ok := known[nm]; ok {
					remap[i] = k
				} else {
					remap[i] = -1
				}
			}
			final = slices.Clone(ld.like.Categories[ld.like.Inputs[o].Column])
		} else {
			for i := range remap {
				remap[i] = -2
			}
		}
		for r := 0; r < rows; r++ {
			v := &x[r*width+o]
			c := int32(*v)
			if remap[c] == -2 {
				remap[c] = int32(len(final))
				final = append(final, names[c])
			}
			if remap[c] == -1 {
				unknownCats[in.name]++
			}
			*v = float32(remap[c])
		}
		key := in.name
		if ld.like != nil {
			key = ld.like.Inputs[o].Column
		}
		f.Categories[key] = final
	}
	if len(unknownCats) > 0 {
		rep.UnknownCategories = unknownCats
	}

	// Inputs and feature names.
	for _, in := range ld.inputs {
		col := in.name
		if ld.like != nil {
			col = ld.like.Inputs[ld.cols[in.col].out].Column
		}
		if in.cat < 0 {
			f.inputs = append(f.inputs, SchemaInput{Column: col})
			f.FeatureNames = append(f.FeatureNames, col)
			continue
		}
		enc := in.enc
		if enc == "" {
			enc = Factorize
		}
		f.inputs = append(f.inputs, SchemaInput{Column: col, Encoding: enc})
		if enc == OneHot {
			for _, c := range f.Categories[col] {
				f.FeatureNames = append(f.FeatureNames, col+"="+c)
			}
		} else {
			f.FeatureNames = append(f.FeatureNames, col)
		}
	}
	f.Features = len(f.FeatureNames)
	if oneHot {
		x = expandOneHot(x, rows, width, ld.inputs, ld.cols, f)
	}
	f.X = x
	for _, c := range ld.cols {
		if c.role != roleFeature && c.role != roleCategorical {
			f.DroppedColumns = append(f.DroppedColumns, c.name)
			rep.DroppedColumns = append(rep.DroppedColumns, DroppedColumn{Name: c.name, Reason: c.reason})
		}
	}
	rep.FeatureNames = f.FeatureNames
	rep.AbsentColumns = ld.absent
	return f, rep, nil
}

// expandOneHot rebuilds X with one 0/1 column per category of the one-hot
// inputs.
func expandOneHot(x []float32, rows, width int, inputs []inputCol, cols []column, f *Frame) []float32 {
	type span struct {
		src, dst, n int
		oneHot      bool
	}
	var spans []span
	dst := 0
	for _, in := range inputs {
		o := cols[in.col].out
		if in.cat >= 0 && in.enc == OneHot {
			k := len(f.Categories[f.inputs[o].Column])
			spans = append(spans, span{src: o, dst: dst, n: k, oneHot: true})
			dst += k
		} else {
			spans = append(spans, span{src: o, dst: dst, n: 1})
			dst++
		}
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].src < spans[b].src })
	out := make([]float32, rows*dst)
	for r := 0; r < rows; r++ {
		src := x[r*width : (r+1)*width]
		row := out[r*dst : (r+1)*dst]
		for _, s := range spans {
			if s.oneHot {
				if c := int(src[s.src]); c >= 0 && c < s.n {
					row[s.dst+c] = 1
				}
			} else {
				row[s.dst] = src[s.src]
			}
		}
	}
	return out
}

// stableOrder returns the permutation that stably sorts ts: perm[i] is the
// source row of row i.
func stableOrder(ts []int64) []int {
	type kv struct {
		t int64
		i int
	}
	kvs := make([]kv, len(ts))
	for i, t := range ts {
		kvs[i] = kv{t, i}
	}
	slices.SortFunc(kvs, func(a, b kv) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return a.i - b.i // ties keep file order: a stable sort
	})
	perm := make([]int, len(ts))
	for i, e := range kvs {
		perm[i] = e.i
	}
	return perm
}

// permuteRows reorders the rows of x in place so that row i becomes the old
// row perm[i], following the permutation's cycles with one row of scratch.
func permuteRows(x []float32, width int, perm []int) {
	done := make([]bool, len(perm))
	tmp := make([]float32, width)
	row := func(i int) []float32 { return x[i*width : (i+1)*width] }
	for i := range perm {
		if done[i] || perm[i] == i {
			continue
		}
		copy(tmp, row(i))
		j := i
		for {
			k := perm[j]
			done[j] = true
			if k == i {
				copy(row(j), tmp)
				break
			}
			copy(row(j), row(k))
			j = k
		}
	}
}

func gather[T any](v []T, perm []int) []T {
	out := make([]T, len(perm))
	for i, p := range perm {
		out[i] = v[p]
	}
	return out
}

// hashSet is an open-addressing set of 128-bit row hashes.
type hashSet struct {
	keys [][2]uint64
	used []bool
	mask uint64
}

func newHashSet(n int) *hashSet {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	return &hashSet{keys: make([][2]uint64, size), used: make([]bool, size), mask: uint64(size - 1)}
}

// add inserts k and reports whether it was new.
func (h *hashSet) add(k [2]uint64) bool {
	for i := k[0] & h.mask; ; i = (i + 1) & h.mask {
		if !h.used[i] {
			h.used[i] = true
			h.keys[i] = k
			return true
		}
		if h.keys[i] == k {
			return false
		}
	}
}
