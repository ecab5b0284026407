package serving

import (
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/tfnids/tfnids/tfgraph"
)

// This file reads and writes TensorFlow Serving's predict JSON
// (tensorflow_serving/util/json_tensor.cc): a strict JSON parser that also
// takes the NaN, Inf, Infinity tokens (with an optional minus sign), as
// RapidJSON's kParseNanAndInfFlag does; tensors decoded straight into flat
// typed slices, with the nesting giving the shape; TensorFlow Serving's
// number rules (an integer token for a float32 input must be exactly
// representable, |v| < 2^24; a decimal must lie in the float32 range); and
// its response layout and float formatting.

// decoder is a JSON scanner over a request body.
type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) peek() byte {
	d.ws()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

func (d *decoder) syntax(what string) error {
	return badRequest("JSON Parse error: %s at offset: %d", what, d.pos)
}

func (d *decoder) expect(c byte) error {
	if d.peek() != c {
		return d.syntax(fmt.Sprintf("expected '%c'", c))
	}
	d.pos++
	return nil
}

// str reads a JSON string.
func (d *decoder) str() (string, error) {
	if d.peek() != '"' {
		return "", d.syntax("expected a string")
	}
	d.pos++
	start := d.pos
	simple := true
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			s := d.data[start:d.pos]
			d.pos++
			if simple {
				if !utf8.Valid(s) {
					return "", d.syntax("invalid UTF-8 in string")
				}
				return string(s), nil
			}
			return unquote(s)
		case c == '\\':
			simple = false
			d.pos += 2
		case c < 0x20:
			return "", d.syntax("control character in string")
		default:
			d.pos++
		}
	}
	return "", d.syntax("unterminated string")
}

func unquote(s []byte) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", badRequest("JSON Parse error: bad escape")
		}
		switch s[i] {
		case '"', '\\', '/':
			b.WriteByte(s[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if i+5 > len(s) {
				return "", badRequest("JSON Parse error: bad \\u escape")
			}
			r, err := strconv.ParseUint(string(s[i+1:i+5]), 16, 32)
			if err != nil {
				return "", badRequest("JSON Parse error: bad \\u escape")
			}
			i += 4
			if r >= 0xD800 && r < 0xDC00 && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if lo, err := strconv.ParseUint(string(s[i+3:i+7]), 16, 32); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 6
				}
			}
			b.WriteRune(rune(r))
		default:
			return "", badRequest("JSON Parse error: bad escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// number is a parsed numeric token. Integer tokens that fit int64 (or
// uint64) keep their exact value, as RapidJSON's Int64/Uint64 types do.
type number struct {
	start, end int // the token in the body, for error messages
	isInt      bool
	isU64      bool // an integer above MaxInt64
	i          int64
	u          uint64
	f          float64
}

func (d *decoder) text(n number) string { return string(d.data[n.start:n.end]) }

// view is the token as a string without copying (for strconv).
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (d *decoder) number() (number, error) { return d.scanNumber(true) }

// scanNumber reads a number token, converting it only if convert is set
// (skip validates the grammar without paying for the conversion).
func (d *decoder) scanNumber(convert bool) (number, error) {
	d.ws()
	start := d.pos
	if d.pos < len(d.data) && d.data[d.pos] == '-' {
		d.pos++
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'N' || d.data[d.pos] == 'I') {
		neg := d.pos > start
		rest := d.data[d.pos:]
		n := number{start: start}
		switch {
		case hasPrefix(rest, "NaN"):
			d.pos += 3
			n.f = math.NaN()
		case hasPrefix(rest, "Infinity"):
			d.pos += 8
			n.f = math.Inf(1)
		case hasPrefix(rest, "Inf") && !(len(rest) > 3 && rest[3] == 'i'):
			d.pos += 3
			n.f = math.Inf(1)
		default:
			return number{}, d.syntax("invalid value")
		}
		if neg {
			n.f = -n.f
		}
		n.end = d.pos
		return n, nil
	}
	digits := func() int {
		s := d.pos
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
		}
		return d.pos - s
	}
	intStart := d.pos
	nd := digits()
	if nd == 0 || (nd > 1 && d.data[intStart] == '0') {
		return number{}, d.syntax("invalid value")
	}
	isInt := true
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		isInt = false
		if digits() == 0 {
			return number{}, d.syntax("missing fraction digits")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		isInt = false
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return number{}, d.syntax("missing exponent digits")
		}
	}
	n := number{start: start, end: d.pos}
	if !convert {
		return n, nil
	}
	tok := view(d.data[start:d.pos])
	if isInt {
		if i, err := strconv.ParseInt(tok, 10, 64); err == nil {
			n.isInt, n.i, n.f = true, i, float64(i)
			return n, nil
		}
		if u, err := strconv.ParseUint(tok, 10, 64); err == nil {
			n.isInt, n.isU64, n.u, n.f = true, true, u, float64(u)
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil {
		return number{}, badRequest("JSON Parse error: Number too big to be stored in double at offset: %d", start)
	}
	n.f = f
	return n, nil
}

func hasPrefix(b []byte, s string) bool { return len(b) >= len(s) && string(b[:len(s)]) == s }

// skip validates and skips one value; it returns the value's kind.
func (d *decoder) skip(depth int) error {
	if depth > maxDepth {
		return d.syntax("nesting too deep")
	}
	switch c := d.peek(); {
	case c == '{':
		d.pos++
		if d.peek() == '}' {
			d.pos++
			return nil
		}
		for {
			if _, err := d.str(); err != nil {
				return err
			}
			if err := d.expect(':'); err != nil {
				return err
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			switch d.peek() {
			case ',':
				d.pos++
			case '}':
				d.pos++
				return nil
			default:
				return d.syntax("missing a comma or '}' after an object member")
			}
		}
	case c == '[':
		d.pos++
		if d.peek() == ']' {
			d.pos++
			return nil
		}
		for {
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			switch d.peek() {
			case ',':
				d.pos++
			case ']':
				d.pos++
				return nil
			default:
				return d.syntax("missing a comma or ']' after an array element")
			}
		}
	case c == '"':
		_, err := d.str()
		return err
	case c == 't':
		return d.word("true")
	case c == 'f':
		return d.word("false")
	case c == 'n':
		return d.word("null")
	case c == 0:
		return d.syntax("the document is empty or ends early")
	default:
		_, err := d.scanNumber(false)
		return err
	}
}

const maxDepth = 64

func (d *decoder) word(w string) error {
	if !hasPrefix(d.data[d.pos:], w) {
		return d.syntax("invalid value")
	}
	d.pos += len(w)
	return nil
}

// span is a value's bytes in the body.
type span struct{ start, end int }

// topLevel splits the request object into its members' spans.
func topLevel(body []byte) (map[string]span, error) {
	d := &decoder{data: body}
	if d.peek() == 0 {
		return nil, badRequest("JSON Parse error: The document is empty")
	}
	if d.peek() != '{' {
		if err := d.skip(0); err != nil {
			return nil, err
		}
		return nil, badRequest("JSON Value: %s Is not object", clip(body))
	}
	d.pos++
	members := map[string]span{}
	if d.peek() == '}' {
		d.pos++
	} else {
		for {
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			if err := d.expect(':'); err != nil {
				return nil, err
			}
			d.ws()
			s := span{start: d.pos}
			if err := d.skip(1); err != nil {
				return nil, err
			}
			s.end = d.pos
			members[k] = s
			if c := d.peek(); c == ',' {
				d.pos++
			} else if c == '}' {
				d.pos++
				break
			} else {
				return nil, d.syntax("missing a comma or '}' after an object member")
			}
		}
	}
	if d.peek() != 0 {
		return nil, d.syntax("the document root must not be followed by other values")
	}
	return members, nil
}

// clip shortens a JSON text for an error message.
func clip(b []byte) string {
	const n = 120
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// tensorData is a decoded tensor: one flat slice of the dtype's Go type.
// When t is set, that slice is a view of t's C buffer, so decoding writes
// the values straight into the tensor that is fed to the session.
type tensorData struct {
	dtype tf.DataType
	shape []int64
	f32   []float32
	f64   []float64
	i32   []int32
	i64   []int64
	b     []bool
	t     *tf.Tensor
	buf   []byte // t's buffer
}

// allocData returns an empty tensorData whose slice has room for exactly
// the elements of shape, inside a newly allocated TensorFlow tensor.
func allocData(dt tf.DataType, shape []int64) (*tensorData, error) {
	t, buf, err := tfgraph.AllocTensor(dt, shape)
	if err != nil {
		return nil, err
	}
	td := &tensorData{dtype: dt, shape: shape, t: t, buf: buf}
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	if n > 0 {
		p := unsafe.Pointer(&buf[0])
		switch dt {
		case tf.Float:
			td.f32 = unsafe.Slice((*float32)(p), n)[:0]
		case tf.Double:
			td.f64 = unsafe.Slice((*float64)(p), n)[:0]
		case tf.Int32:
			td.i32 = unsafe.Slice((*int32)(p), n)[:0]
		case tf.Int64:
			td.i64 = unsafe.Slice((*int64)(p), n)[:0]
		case tf.Bool:
			td.b = unsafe.Slice((*bool)(p), n)[:0]
		}
	}
	return td, nil
}

// inPlace reports whether the decoded values filled t's buffer exactly
// (appends past its end would have moved them to the Go heap).
func (t *tensorData) inPlace() bool {
	if t.t == nil {
		return false
	}
	var first unsafe.Pointer
	switch t.dtype {
	case tf.Float:
		first = unsafe.Pointer(unsafe.SliceData(t.f32))
	case tf.Double:
		first = unsafe.Pointer(unsafe.SliceData(t.f64))
	case tf.Int32:
		first = unsafe.Pointer(unsafe.SliceData(t.i32))
	case tf.Int64:
		first = unsafe.Pointer(unsafe.SliceData(t.i64))
	case tf.Bool:
		first = unsafe.Pointer(unsafe.SliceData(t.b))
	}
	size := int(tf.TypeOf(t.dtype, nil).Size())
	if len(t.buf) == 0 {
		return t.len() == 0
	}
	return t.len()*size == len(t.buf) && first == unsafe.Pointer(&t.buf[0])
}

// free releases the backing tensor unless it was handed on.
func (t *tensorData) free() {
	if t != nil && t.t != nil {
		tfgraph.FreeTensors(t.t)
		t.t = nil
	}
}

func (t *tensorData) len() int {
	switch t.dtype {
	case tf.Float:
		return len(t.f32)
	case tf.Double:
		return len(t.f64)
	case tf.Int32:
		return len(t.i32)
	case tf.Int64:
		return len(t.i64)
	case tf.Bool:
		return len(t.b)
	}
	return 0
}

// supported reports whether requests can feed dtype.
func supported(dt tf.DataType) bool {
	switch dt {
	case tf.Float, tf.Double, tf.Int32, tf.Int64, tf.Bool:
		return true
	}
	return false
}

// tfTypeName is TensorFlow's DataTypeString, which TF Serving's messages use.
func tfTypeName(dt tf.DataType) string {
	switch dt {
	case tf.Float:
		return "float"
	case tf.Double:
		return "double"
	}
	return tfgraph.DTypeName(dt)
}

// tensorParser decodes one tensor value, discovering its shape from the
// nesting as TF Serving does: the shape follows the first element at each
// level, and every list at a level must have that level's length.
type tensorParser struct {
	d     *decoder
	out   *tensorData
	shape []int64
	rank  int // -1 until the first leaf (or empty list) fixes it
	fixed []bool
}

func (p *tensorParser) parse() error {
	p.rank = -1
	if err := p.value(0); err != nil {
		return err
	}
	if p.rank < 0 {
		p.rank = len(p.shape)
	}
	p.out.shape = p.shape[:p.rank]
	return nil
}

func (p *tensorParser) value(level int) error {
	if level > maxDepth {
		return p.d.syntax("nesting too deep")
	}
	d := p.d
	if d.peek() != '[' {
		if p.rank < 0 {
			p.rank = level
		}
		if level != p.rank {
			start := d.pos
			if err := d.skip(level); err != nil {
				return err
			}
			return badRequest("JSON Value: %s found at incorrect level: %d in the JSON DOM. Expected at level: %d",
				clip(d.data[start:d.pos]), level+1, p.rank)
		}
		return p.leaf()
	}
	if p.rank >= 0 && level >= p.rank {
		return badRequest("Encountered list at unexpected level: %d expected < %d", level, p.rank)
	}
	if len(p.shape) == level {
		p.shape = append(p.shape, 0)
		p.fixed = append(p.fixed, false)
	}
	d.pos++
	n := int64(0)
	if d.peek() == ']' {
		d.pos++
	} else {
		for {
			if err := p.value(level + 1); err != nil {
				return err
			}
			n++
			if c := d.peek(); c == ',' {
				d.pos++
			} else if c == ']' {
				d.pos++
				break
			} else {
				return d.syntax("missing a comma or ']' after an array element")
			}
		}
	}
	if !p.fixed[level] {
		p.fixed[level], p.shape[level] = true, n
		if n == 0 && p.rank < 0 {
			p.rank = level + 1
		}
	} else if p.shape[level] != n {
		return badRequest("Encountered list at unexpected size: %d at level: %d expected size: %d", n, level, p.shape[level])
	}
	return nil
}

const maxExactFloat32 = 1<<24 - 1
const maxExactFloat64 = 1<<53 - 1

func (p *tensorParser) leaf() error {
	d, t := p.d, p.out
	c := d.peek()
	isNum := c == '-' || (c >= '0' && c <= '9') || c == 'N' || c == 'I'
	if !isNum {
		start := d.pos
		if err := d.skip(1); err != nil {
			return err
		}
		v := d.data[start:d.pos]
		if t.dtype == tf.Bool && (string(v) == "true" || string(v) == "false") {
			t.b = append(t.b, string(v) == "true")
			return nil
		}
		return badRequest("JSON Value: %s Type: %s is not of expected type: %s", clip(v), jsonType(v), tfTypeName(t.dtype))
	}
	n, err := d.number()
	if err != nil {
		return err
	}
	switch t.dtype {
	case tf.Float:
		switch {
		case n.isU64:
			return p.lossy(n)
		case n.isInt:
			if n.i > maxExactFloat32 || n.i < -maxExactFloat32 {
				return p.lossy(n)
			}
		case !math.IsNaN(n.f) && !math.IsInf(n.f, 0) && math.Abs(n.f) > math.MaxFloat32:
			return p.lossy(n)
		}
		t.f32 = append(t.f32, float32(n.f))
	case tf.Double:
		if n.isU64 || (n.isInt && (n.i > maxExactFloat64 || n.i < -maxExactFloat64)) {
			return p.lossy(n)
		}
		t.f64 = append(t.f64, n.f)
	case tf.Int32:
		if !n.isInt || n.isU64 || n.i > math.MaxInt32 || n.i < math.MinInt32 {
			return p.typeErr(n)
		}
		t.i32 = append(t.i32, int32(n.i))
	case tf.Int64:
		if !n.isInt || n.isU64 {
			return p.typeErr(n)
		}
		t.i64 = append(t.i64, n.i)
	default:
		return p.typeErr(n)
	}
	return nil
}

func (p *tensorParser) typeErr(n number) error {
	return badRequest("JSON Value: %s Type: Number is not of expected type: %s", p.d.text(n), tfTypeName(p.out.dtype))
}

func (p *tensorParser) lossy(n number) error {
	return badRequest("Cannot convert JSON value: %s to %s without loss of precision.", p.d.text(n), tfTypeName(p.out.dtype))
}

func jsonType(v []byte) string {
	switch {
	case len(v) == 0:
		return "Null"
	case v[0] == '"':
		return "String"
	case v[0] == '{':
		return "Object"
	case v[0] == '[':
		return "Array"
	case v[0] == 't':
		return "True"
	case v[0] == 'f':
		return "False"
	case v[0] == 'n':
		return "Null"
	}
	return "Number"
}

// parseTensor decodes the value at s as a tensor of dtype dt: a scan for
// its shape first, then the values straight into a tensor of that shape.
func parseTensor(body []byte, s span, dt tf.DataType) (*tensorData, error) {
	shape, err := scanShape(body, s)
	if err != nil {
		return nil, err
	}
	t, err := allocData(dt, shape)
	if err != nil {
		return nil, err
	}
	if _, err := parseInto(body, s, t); err != nil {
		t.free()
		return nil, err
	}
	return t, nil
}

// parseInto appends the values at s to out and returns their shape.
func parseInto(body []byte, s span, out *tensorData) ([]int64, error) {
	d := &decoder{data: body[:s.end], pos: s.start}
	p := &tensorParser{d: d, out: out}
	if err := p.parse(); err != nil {
		return nil, err
	}
	shape := p.shape[:p.rank]
	out.shape = shape
	return shape, nil
}

// scanShape follows the first element down the nesting of the value at s,
// counting each level's elements, without converting any number. Lists
// of other lengths are caught when the values are parsed.
func scanShape(body []byte, s span) ([]int64, error) {
	d := &decoder{data: body[:s.end], pos: s.start}
	var shape []int64
	for level := 0; d.peek() == '['; level++ {
		if level > maxDepth {
			return nil, d.syntax("nesting too deep")
		}
		d.pos++
		first := d.pos
		n := int64(0)
		if d.peek() == ']' {
			return append(shape, 0), nil
		}
		for {
			if err := d.skip(level + 1); err != nil {
				return nil, err
			}
			n++
			if c := d.peek(); c == ',' {
				d.pos++
			} else if c == ']' {
				break
			} else {
				return nil, d.syntax("missing a comma or ']' after an array element")
			}
		}
		shape = append(shape, n)
		d.pos = first
	}
	return shape, nil
}

// predictRequest is a decoded :predict body.
type predictRequest struct {
	signature string
	row       bool // "instances" (row format) rather than "inputs"
	inputs    map[string]*tensorData
}

// parsePredict decodes a :predict body against the signature it names.
// sigFor returns a signature's inputs by name ("" = serving_default).
func parsePredict(body []byte, sigFor func(name string) (*tfgraph.Signature, error)) (*predictRequest, *tfgraph.Signature, error) {
	members, err := topLevel(body)
	if err != nil {
		return nil, nil, err
	}
	req := &predictRequest{inputs: map[string]*tensorData{}}
	if s, ok := members["signature_name"]; ok {
		d := &decoder{data: body[:s.end], pos: s.start}
		name, err := d.str()
		if err != nil {
			return nil, nil, badRequest("JSON Value: %s not formatted correctly. 'signature_name' key must be a string value.", clip(body[s.start:s.end]))
		}
		req.signature = name
	}
	sig, err := sigFor(req.signature)
	if err != nil {
		return nil, nil, err
	}
	if len(sig.Inputs) == 0 {
		return nil, nil, badRequest("Failed to get input map for signature: %s", orDefault(req.signature))
	}
	for _, in := range sig.Inputs {
		if !supported(in.DType) {
			return nil, nil, badRequest("input %q has dtype %s, which the tfnids REST server does not decode", in.Key, tfgraph.DTypeName(in.DType))
		}
	}
	inst, hasInst := members["instances"]
	cols, hasCols := members["inputs"]
	switch {
	case hasInst && hasCols:
		return nil, nil, badRequest("JSON Value: %s Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist", clip(body))
	case hasInst:
		req.row = true
		err = parseInstances(body, inst, sig, req)
	case hasCols:
		err = parseInputs(body, cols, sig, req)
	default:
		return nil, nil, badRequest("Missing 'inputs' or 'instances' key")
	}
	if err != nil {
		req.free()
		return nil, nil, err
	}
	return req, sig, nil
}

// free releases the request's tensors that were not handed on.
func (r *predictRequest) free() {
	for _, t := range r.inputs {
		t.free()
	}
}

func orDefault(sig string) string {
	if sig == "" {
		return "DEFAULT"
	}
	return sig
}

func isObjectAt(body []byte, pos int) bool {
	d := &decoder{data: body, pos: pos}
	return d.peek() == '{'
}

// elements returns the spans of an array's elements.
func elements(body []byte, s span) ([]span, error) {
	d := &decoder{data: body[:s.end], pos: s.start}
	if d.peek() != '[' {
		return nil, nil
	}
	d.pos++
	out := []span{}
	if d.peek() == ']' {
		return out, nil
	}
	for {
		d.ws()
		e := span{start: d.pos}
		if err := d.skip(1); err != nil {
			return nil, err
		}
		e.end = d.pos
		out = append(out, e)
		if c := d.peek(); c == ',' {
			d.pos++
		} else {
			return out, nil
		}
	}
}

// members returns an object's member spans, in order.
func members(body []byte, s span) ([]string, []span, error) {
	d := &decoder{data: body[:s.end], pos: s.start}
	if err := d.expect('{'); err != nil {
		return nil, nil, err
	}
	var keys []string
	var spans []span
	if d.peek() == '}' {
		return keys, spans, nil
	}
	for {
		k, err := d.str()
		if err != nil {
			return nil, nil, err
		}
		if err := d.expect(':'); err != nil {
			return nil, nil, err
		}
		d.ws()
		e := span{start: d.pos}
		if err := d.skip(1); err != nil {
			return nil, nil, err
		}
		e.end = d.pos
		keys, spans = append(keys, k), append(spans, e)
		if d.peek() == ',' {
			d.pos++
		} else {
			return keys, spans, nil
		}
	}
}

func parseInstances(body []byte, s span, sig *tfgraph.Signature, req *predictRequest) error {
	elems, err := elements(body, s)
	if err != nil {
		return err
	}
	if elems == nil {
		return badRequest("JSON Value: %s Excepting 'instances' to be an list/array", clip(body))
	}
	if len(elems) == 0 {
		return badRequest("JSON Value: %s No values in 'instances' array", clip(body))
	}
	objects := isObjectAt(body, elems[0].start)
	if !objects && len(sig.Inputs) > 1 {
		return badRequest("instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map")
	}
	// Every element of a key has the shape of the first one, so the first
	// element's shape sizes the whole batch tensor, which the elements are
	// then decoded into.
	type acc struct {
		t     *tensorData
		shape []int64
		size  int
	}
	accs := map[string]*acc{}
	defer func() {
		for k, a := range accs {
			if req.inputs[k] != a.t {
				a.t.free()
			}
		}
	}()
	add := func(i int, key string, e span) error {
		in, ok := sig.Input(key)
		if !ok {
			return badRequest("Failed to process element: %d key: %s of 'instances' list. Error: JSON object: does not have named input: %s", i, key, key)
		}
		a := accs[key]
		if a == nil {
			shape, err := scanShape(body, e)
			if err != nil {
				return badRequest("Failed to process element: %d of 'instances' list. Error: %v", i, err)
			}
			t, err := allocData(in.DType, append([]int64{int64(len(elems))}, shape...))
			if err != nil {
				return err
			}
			a = &acc{t: t, shape: shape, size: 1}
			for _, d := range shape {
				a.size *= int(d)
			}
			accs[key] = a
		}
		before := a.t.len()
		shape, err := parseInto(body, e, a.t)
		if err != nil {
			return badRequest("Failed to process element: %d of 'instances' list. Error: %v", i, err)
		}
		if n := a.t.len() - before; n != a.size {
			return badRequest("Failed to process element: %d of 'instances' list. Error: Expecting tensor size: %d but got: %d", i, a.size, n)
		} else if !sameShape(shape, a.shape) {
			return badRequest("Failed to process element: %d of 'instances' list. Error: Expecting shape %s but got: %s", i, brackets(a.shape), brackets(shape))
		}
		return nil
	}
	for i, e := range elems {
		isObj := isObjectAt(body, e.start)
		if objects != isObj {
			if objects {
				return badRequest("Expecting object but got list at item %d of input list", i)
			}
			return badRequest("Expecting value/list but got object at item %d of input list", i)
		}
		if !objects {
			if err := add(i, sig.Inputs[0].Key, e); err != nil {
				return err
			}
			continue
		}
		keys, spans, err := members(body, e)
		if err != nil {
			return err
		}
		for j, k := range keys {
			if err := add(i, k, spans[j]); err != nil {
				return err
			}
		}
		if len(keys) != len(sig.Inputs) || !sameKeys(keys, sig) {
			return badRequest("Failed to process element: %d of 'instances' list. JSON object: %s keys must be equal to: %s", i, clip(body[e.start:e.end]), inputNames(sig))
		}
	}
	for k, a := range accs {
		a.t.shape = append([]int64{int64(len(elems))}, a.shape...)
		req.inputs[k] = a.t
	}
	return nil
}

func parseInputs(body []byte, s span, sig *tfgraph.Signature, req *predictRequest) error {
	if !isObjectAt(body, s.start) {
		if len(sig.Inputs) > 1 {
			return badRequest("inputs is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map")
		}
		in := sig.Inputs[0]
		t, err := parseTensor(body, s, in.DType)
		if err != nil {
			return err
		}
		req.inputs[in.Key] = t
		return nil
	}
	keys, spans, err := members(body, s)
	if err != nil {
		return err
	}
	for _, in := range sig.Inputs {
		idx := -1
		for j, k := range keys {
			if k == in.Key {
				idx = j
			}
		}
		if idx < 0 {
			return badRequest("Missing named input: %s in 'inputs' object.", in.Key)
		}
		t, err := parseTensor(body, spans[idx], in.DType)
		if err != nil {
			return err
		}
		req.inputs[in.Key] = t
	}
	return nil
}

func sameShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameKeys(keys []string, sig *tfgraph.Signature) bool {
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	for _, in := range sig.Inputs {
		if !seen[in.Key] {
			return false
		}
	}
	return len(seen) == len(sig.Inputs)
}

func inputNames(sig *tfgraph.Signature) string {
	names := make([]string, len(sig.Inputs))
	for i, in := range sig.Inputs {
		names[i] = in.Key
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func brackets(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.FormatInt(d, 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// --- Responses --------------------------------------------------------------

// appendFloat formats v as TF Serving's WriteDecimal: six significant digits
// if they read back as the same value, else max_digits10; ".0" after whole
// numbers; NaN, Infinity and -Infinity for non-finite values.
func appendFloat(b []byte, v float64, bits int) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "Infinity"...)
	case math.IsInf(v, -1):
		return append(b, "-Infinity"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'g', 6, bits)
	if back, err := strconv.ParseFloat(string(b[start:]), bits); err != nil || back != v {
		digits := 9
		if bits == 64 {
			digits = 17
		}
		b = strconv.AppendFloat(b[:start], v, 'g', digits, bits)
	}
	for _, c := range b[start:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, ".0"...)
}

// outputTensor is a fetched output as flat Go values.
type outputTensor struct {
	key   string
	shape []int64
	// write appends element i.
	write func(b []byte, i int) []byte
}

// newOutput writes elements of v straight from its buffer; v must stay
// valid until the response is written.
func newOutput(key string, v tensorView) (*outputTensor, error) {
	o := &outputTensor{key: key, shape: v.shape}
	switch v.dtype {
	case tf.Float:
		f := viewAs[float32](v.data)
		o.write = func(b []byte, i int) []byte { return appendFloat(b, float64(f[i]), 32) }
	case tf.Double:
		f := viewAs[float64](v.data)
		o.write = func(b []byte, i int) []byte { return appendFloat(b, f[i], 64) }
	case tf.Int32:
		n := viewAs[int32](v.data)
		o.write = func(b []byte, i int) []byte { return strconv.AppendInt(b, int64(n[i]), 10) }
	case tf.Int64:
		n := viewAs[int64](v.data)
		o.write = func(b []byte, i int) []byte { return strconv.AppendInt(b, n[i], 10) }
	case tf.Bool:
		o.write = func(b []byte, i int) []byte { return strconv.AppendBool(b, v.data[i] != 0) }
	default:
		if v.t == nil {
			return nil, fmt.Errorf("output %q: dtype %s cannot be returned from a batch", key, tfgraph.DTypeName(v.dtype))
		}
		flat, err := flatten(v.t.Value())
		if err != nil {
			return nil, fmt.Errorf("output %q: %w", key, err)
		}
		o.write = func(b []byte, i int) []byte { return flat[i](b) }
	}
	return o, nil
}

// flatten turns a tensor's Value() (nested slices) into element writers.
func flatten(v any) ([]func([]byte) []byte, error) {
	var out []func([]byte) []byte
	var walk func(v any) error
	walk = func(v any) error {
		switch x := v.(type) {
		case float64:
			out = append(out, func(b []byte) []byte { return appendFloat(b, x, 64) })
		case float32:
			out = append(out, func(b []byte) []byte { return appendFloat(b, float64(x), 32) })
		case int32:
			out = append(out, func(b []byte) []byte { return strconv.AppendInt(b, int64(x), 10) })
		case int64:
			out = append(out, func(b []byte) []byte { return strconv.AppendInt(b, x, 10) })
		case bool:
			out = append(out, func(b []byte) []byte { return strconv.AppendBool(b, x) })
		case string:
			out = append(out, func(b []byte) []byte { return strconv.AppendQuote(b, x) })
		default:
			// Nested slices of any of the above.
			rv := reflect.ValueOf(v)
			if rv.Kind() != reflect.Slice {
				return fmt.Errorf("unsupported output element type %T", v)
			}
			for i := 0; i < rv.Len(); i++ {
				if err := walk(rv.Index(i).Interface()); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(v); err != nil {
		return nil, err
	}
	return out, nil
}

// writeTensor appends the elements [off, off+prod(shape)) nested by shape;
// flush, if set, may hand the bytes so far on between top-level elements.
func (o *outputTensor) writeTensor(b []byte, shape []int64, off int, flush func([]byte) []byte) ([]byte, int) {
	if len(shape) == 0 {
		return o.write(b, off), off + 1
	}
	b = append(b, '[')
	for i := int64(0); i < shape[0]; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		b, off = o.writeTensor(b, shape[1:], off, nil)
		if flush != nil {
			b = flush(b)
		}
	}
	return append(b, ']'), off
}

// checkPredictions reports the errors encodePredictions would find before
// anything is written.
func checkPredictions(outs []*outputTensor, row bool) error {
	if !row {
		return nil
	}
	batch := int64(-1)
	for _, o := range outs {
		if len(o.shape) == 0 {
			return badRequest("Tensor name: %s has no shape information ", o.key)
		}
		if batch >= 0 && o.shape[0] != batch {
			return badRequest("Tensor name: %s has inconsistent batch size: %d expecting: %d", o.key, o.shape[0], batch)
		}
		batch = o.shape[0]
	}
	return nil
}

// encodePredictions writes the response for outputs, sorted by key: row
// format {"predictions": [...]} (one entry per example; objects when there
// are several outputs) or columnar {"outputs": ...}. It writes to w in
// pieces of about 64 KiB, so a large response is never held whole.
func encodePredictions(w io.Writer, outs []*outputTensor, row bool) error {
	if err := checkPredictions(outs, row); err != nil {
		return err
	}
	sort.Slice(outs, func(i, j int) bool { return outs[i].key < outs[j].key })
	var werr error
	flush := func(b []byte) []byte {
		if len(b) < 1<<16 || werr != nil {
			return b
		}
		_, werr = w.Write(b)
		return b[:0]
	}
	// Sized for the response up to a piece: a fixed 64 KiB here was most
	// of a single-row request's allocations.
	elems := 0
	for _, o := range outs {
		n := 1
		for _, d := range o.shape {
			n *= int(d)
		}
		elems += n
	}
	b := make([]byte, 0, min(64+elems*16, 1<<16+4096))
	if !row {
		b = append(b, "{\n    \"outputs\": "...)
		if len(outs) == 1 {
			b, _ = outs[0].writeTensor(b, outs[0].shape, 0, flush)
		} else {
			b = append(b, '{')
			for i, o := range outs {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, "\n        "...)
				b = strconv.AppendQuote(b, o.key)
				b = append(b, ": "...)
				b, _ = o.writeTensor(b, o.shape, 0, flush)
			}
			b = append(b, "\n    }"...)
		}
		b = append(b, "\n}\n"...)
	} else {
		batch := int64(0)
		if len(outs) > 0 {
			batch = outs[0].shape[0]
		}
		offs := make([]int, len(outs))
		b = append(b, "{\n    \"predictions\": ["...)
		for r := int64(0); r < batch; r++ {
			if r > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n        "...)
			if len(outs) > 1 {
				b = append(b, '{')
			}
			for i, o := range outs {
				if len(outs) > 1 {
					if i > 0 {
						b = append(b, ", "...)
					}
					b = strconv.AppendQuote(b, o.key)
					b = append(b, ": "...)
				}
				b, offs[i] = o.writeTensor(b, o.shape[1:], offs[i], nil)
			}
			if len(outs) > 1 {
				b = append(b, '}')
			}
			b = flush(b)
		}
		if batch > 0 {
			b = append(b, "\n    "...)
		}
		b = append(b, "]\n}\n"...)
	}
	if werr != nil {
		return werr
	}
	_, err := w.Write(b)
	return err
}

// errorBody is TF Serving's error object.
func errorBody(msg string) []byte {
	b := append([]byte("{ \"error\": "), strconv.Quote(msg)...)
	return append(b, " }\n"...)
}
