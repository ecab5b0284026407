package dataset

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestDivPow10 checks the long-mantissa path bit for bit against strconv on
// random 16-19 digit decimals and on exact midpoints between doubles.
func TestDivPow10(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	fallbacks, n := 0, 0
	check := func(mant uint64, k int) {
		n++
		s := strconv.FormatUint(mant, 10)
		for len(s) <= k {
			s = "0" + s
		}
		s = s[:len(s)-k] + "." + s[len(s)-k:]
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := divPow10(mant, k)
		if !ok {
			fallbacks++
			return
		}
		if got != want {
			t.Fatalf("%s: divPow10 = %v, strconv %v", s, got, want)
		}
		if v, bad := parseNumber([]byte(s)); bad != badNone || v != want {
			t.Fatalf("parseNumber(%s) = %v, %v, want %v", s, v, bad, want)
		}
	}
	for i := 0; i < 300000; i++ {
		mant := 1<<53 + rng.Uint64N(10_000_000_000_000_000_000-1<<53)
		check(mant, rng.IntN(23))
	}
	// Exact midpoints: 2^53 + odd integers (ulp 2), scaled by powers of ten
	// while the mantissa stays below 10^19.
	for i := 0; i < 20000; i++ {
		mid := uint64(1<<53) + 2*rng.Uint64N(1<<40) + 1
		for k := 0; k <= 3; k++ {
			check(mid, k)
			mid *= 10
		}
	}
	t.Logf("%d values, %d fell back to strconv", n, fallbacks)
}
