package dataset

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

type job struct {
	pq     *parquetJob // a Parquet row group; nil for a CSV chunk
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
			if strings.HasSuffix(strings.ToLower(f), ".parquet") {
				continue // Parquet files size the store from their row counts
			}
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
		if isParquet(name) {
			if err := ld.readParquet(fi, name, jobs, &seq); err != nil {
				return fail(err)
			}
			continue
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
				if _, ok := rerr.(*Error); !ok {
					rerr = &Error{Kind: ErrRead, File: name, Msg: rerr.Error(), Err: rerr}
				}
				return fail(rerr)
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
						return fail(&Error{Kind: ErrSyntax, File: name, Line: line,
							Msg: fmt.Sprintf("a record longer than %d MiB (unbalanced quotes?)", maxRecordBytes>>20)})
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
					return fail(&Error{Kind: ErrNoData, File: name, Msg: "empty file (no header)"})
				case perr == io.EOF:
					line += s.line // blank lines only
					ld.pool <- buf[:0]
					continue
				case perr != nil:
					rc.Close()
					return fail(&Error{Kind: ErrSyntax, File: name, Line: line + s.line, Msg: "header: " + perr.Error(), Err: perr})
				}
				header, dups := cleanHeader(rec)
				if err := ld.addFile(fi, name, header, dups); err != nil {
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
			return fail(&Error{Kind: ErrNoData, File: name, Msg: "empty file (no header)"})
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
