package dataset

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrorKind classifies a data problem, so that callers (the CLI) can add
// their own advice without parsing messages.
type ErrorKind int

const (
	// ErrRead: a file cannot be opened or read, or an archive is truncated
	// or corrupt (Offset is the compressed byte offset reached).
	ErrRead ErrorKind = iota + 1
	// ErrNoData: no header, or no data rows after it.
	ErrNoData
	// ErrSyntax: malformed CSV (quoting, a ragged row, an endless record).
	ErrSyntax
	// ErrHeader: the header lacks required columns, or names one twice.
	ErrHeader
	// ErrBadValue: a cell that is not what its column needs and that the
	// bad-value policy does not absorb (Policy says which policy ran).
	ErrBadValue
	// ErrLabel: a label that is not 0 or 1, or text that is not UTF-8 in the
	// label or class column.
	ErrLabel
	// ErrTimestamp: a timestamp that matches none of the profile's layouts.
	ErrTimestamp
	// ErrProfile: no built-in profile matches the header, or the profile
	// leaves no input.
	ErrProfile
	// ErrNoRowsKept: every row was dropped; Columns names the columns whose
	// bad values dropped them.
	ErrNoRowsKept
)

// Error is a problem with the input data: where it is (file, 1-based line,
// column) and what was expected. It speaks of the data only; the CLI adds
// which flag changes the outcome.
type Error struct {
	Kind   ErrorKind
	File   string // empty when the problem is not in one file
	Line   int    // 1-based line in File (CSV); 0 when not about one line
	Row    int    // 1-based row in File (Parquet); 0 when not about one row
	Offset int64  // ErrRead: compressed bytes read before the failure; -1 unknown
	Column string // header name; empty when not about one column
	// Value is the offending cell or header text (escaped when printed).
	Value string
	// Msg says what is wrong or what was expected.
	Msg string
	// Policy is the bad-value policy in force (ErrBadValue, ErrNoRowsKept).
	Policy BadValuePolicy
	// Columns (ErrNoRowsKept, ErrHeader) names the columns responsible.
	Columns []string
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("dataset: ")
	where := false
	if e.File != "" {
		b.WriteString(escape(e.File))
		where = true
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	if e.Row > 0 {
		fmt.Fprintf(&b, " row %d", e.Row)
	}
	if e.Column != "" {
		if e.Line > 0 || e.Row > 0 || e.File != "" {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " column %s", quote(e.Column))
		where = true
	}
	if where {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IsKind reports whether err is (or wraps) a data *Error of kind k.
func IsKind(err error, k ErrorKind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// quote quotes a name or value for a message, escaping control characters
// and invalid UTF-8 so that nothing in the data reaches the terminal raw.
func quote(s string) string { return strconv.Quote(s) }

// escape returns s with control characters and invalid UTF-8 escaped but,
// unlike quote, without quotes when nothing needed escaping.
func escape(s string) string {
	q := strconv.Quote(s)
	if q[1:len(q)-1] == s {
		return s
	}
	return q
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}
