package dataset

import (
	"math"
	"strconv"
)

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
}

// badKind says why a numeric cell was rejected; it picks the wording of
// error messages.
type badKind uint8

const (
	badNone     badKind = iota
	badMissing          // empty cell or a pandas NA token (NaN, NA, NULL, …)
	badInfinite         // ±Infinity, inf, …
	badText             // anything else that is not a number, "-" included
	badRange            // finite, but outside the float32 range
)

func (k badKind) expected() string {
	switch k {
	case badMissing:
		return "a number, got a missing value"
	case badInfinite:
		return "a finite number, got an infinity"
	case badRange:
		return "a number within the float32 range (±3.4e38)"
	default:
		return "a number"
	}
}

// parseNumber parses a numeric cell as pandas' C parser would read a number,
// after trimming ASCII spaces. It returns the value and badNone, or the kind
// of bad value. It never allocates for well-formed numbers.
//
// Plain decimals whose digits form an integer below 2^53 (the bulk of flow
// data) are converted with one float64 division, correctly rounded because
// both operands are exact (Clinger's fast path); longer mantissas and
// exponents go to strconv.ParseFloat, which is correctly rounded too.
func parseNumber(b []byte) (float64, badKind) {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return 0, badMissing
	}
	i := 0
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		i = 1
	}
	// Digits before and after an optional '.', accumulated in one integer;
	// it may overflow past 19 digits, a case sent to strconv below.
	var mant uint64
	start := i
	for i < len(b) && b[i]-'0' <= 9 {
		mant = mant*10 + uint64(b[i]-'0')
		i++
	}
	intDigits, frac := i-start, 0
	if i < len(b) && b[i] == '.' {
		i++
		start = i
		for i < len(b) && b[i]-'0' <= 9 {
			mant = mant*10 + uint64(b[i]-'0')
			i++
		}
		frac = i - start
	}
	if i != len(b) || intDigits+frac == 0 {
		return parseSlow(b) // exponents, text, "-", "."
	}
	long := intDigits+frac > 19
	if long || frac > 22 {
		// A plain decimal, but beyond the fast paths: strconv rounds it
		// correctly. Only a range error is possible.
		return parseStrconv(b)
	}
	var v float64
	if mant < 1<<53 {
		v = float64(mant) / pow10[frac]
	} else {
		var ok bool
		if v, ok = divPow10(mant, frac); !ok {
			return parseStrconv(b)
		}
	}
	if neg {
		v = -v
	}
	if v > math.MaxFloat32 || v < -math.MaxFloat32 {
		return 0, badRange
	}
	return v, badNone
}

// divPow10 returns mant/10^k correctly rounded for 2^53 <= mant < 2^64 and
// k <= 22, or false in the rare case it cannot tell (the result is within
// 2^-50 ulp of a rounding midpoint); the caller then asks strconv.
//
// mant = hi + lo exactly, with hi = float64(mant) and |lo| <= 2^10. The
// quotient q = hi/p is refined by the exact remainder r = hi - q·p (an FMA)
// into y = q + (r+lo)/p, whose correction term is off by at most 2^-51 of
// itself, a tiny fraction of an ulp of y. y is correctly rounded unless the
// exact value lies on the other side of a midpoint, which the rounding
// error of the last addition (recovered exactly, Fast2Sum) reveals.
func divPow10(mant uint64, k int) (float64, bool) {
	hi := float64(mant)
	var lo float64
	if h := uint64(hi); h >= mant {
		lo = -float64(h - mant)
	} else {
		lo = float64(mant - h)
	}
	if k == 0 {
		return hi, true // uint64 -> float64 conversion rounds correctly
	}
	p := pow10[k]
	q := hi / p
	r := math.FMA(-q, p, hi)
	c := (r + lo) / p
	y := q + c
	e := c - (y - q) // y + e == q + c exactly
	ulp := math.Float64frombits(math.Float64bits(y)+1) - y
	if math.Float64bits(y)&(1<<52-1) == 0 {
		return 0, false // at a power of two the ulp below is half as wide
	}
	if math.Abs(math.Abs(e)-ulp/2) <= math.Abs(c)*0x1p-49+ulp*0x1p-50 {
		return 0, false
	}
	return y, true
}

// parseSlow handles exponents, long mantissas and every kind of text.
func parseSlow(b []byte) (float64, badKind) {
	if isNAToken(b) {
		return 0, badMissing
	}
	if isInfToken(b) {
		return 0, badInfinite
	}
	// Only the characters of a decimal float may reach strconv, so that Go
	// extensions (hex floats, underscores, "Inf" spellings) are not accepted.
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, badText
		}
	}
	return parseStrconv(b)
}

func parseStrconv(b []byte) (float64, badKind) {
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, badRange
		}
		return 0, badText
	}
	if v > math.MaxFloat32 || v < -math.MaxFloat32 {
		return 0, badRange
	}
	return v, badNone
}

// naTokens are pandas.read_csv's default na_values (pandas 2.2): cells that
// read as NaN. The empty cell is handled before.
var naTokens = []string{
	"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
	"1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
}

func isNAToken(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	for _, t := range naTokens {
		if string(b) == t {
			return true
		}
	}
	return false
}

// isInfToken reports the spellings of infinity that pandas reads as ±inf
// (case-insensitive "inf" or "infinity", optionally signed).
func isInfToken(b []byte) bool {
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		b = b[1:]
	}
	return asciiEqualFold(b, "inf") || asciiEqualFold(b, "infinity")
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// isMissingText reports whether a text cell (class, timestamp) is missing as
// pandas would see it: empty, or one of the NA tokens.
func isMissingText(b []byte) bool {
	return len(trimSpace(b)) == 0 || isNAToken(b)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
