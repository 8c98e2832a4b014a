package f32

import "math"

// fma32 is the float32 fused multiply-add x·y + z rounded once, to nearest
// even: what VFMADD231SS and its vector forms compute. The pure-Go twins use
// it wherever the assembly fuses, so that both round alike.
//
// float32(math.FMA(x, y, z)) would round twice (to float64, then to
// float32) and differ when the float64 result lands exactly on a float32
// midpoint that the exact sum is not on: for x·y = 2 + 2⁻²³ and z = 2⁻⁸⁰,
// float64 gives the midpoint 2 + 2⁻²³, which then rounds down to 2, while
// the exact sum lies above it and rounds up to 2 + 2⁻²².
//
// Instead: x·y is exact in float64 (24 + 24 significant bits ≤ 53), so
// s = x·y + z is the exact sum rounded once. Converting s to float32 is
// then right unless s sits on a float32 midpoint (its 29 dropped bits are
// 1000…0) or in float32's subnormal range (fewer kept bits); in those rare
// cases the exact error of s decides, as round-to-odd would. (A zero s is
// an exact zero: a nonzero x·y + z is at least 2⁻²⁹⁸ in magnitude.)
func fma32(x, y, z float32) float32 {
	s := float64(x)*float64(y) + float64(z) // one rounding: the product is exact
	if !roundsOnce(s) {
		return fma32Slow(x, y, z)
	}
	return float32(s)
}

// roundsOnce reports whether float32(s) is x·y + z rounded once, for s the
// float64 sum of fma32: whether s is neither on a float32 midpoint nor
// below float32's normal range (nor zero). Small enough to inline into the
// twins' loops, which call fma32Slow when it is false.
func roundsOnce(s float64) bool {
	b := math.Float64bits(s)
	// b<<35 keeps the 29 bits float32 drops; b<<1 drops the sign.
	return b<<35 != 1<<63 && b<<1 >= (1023-126)<<53
}

// fma32Slow is fma32 for an s on a float32 midpoint or below float32's
// normal range: through round-to-odd, which makes the second rounding right.
func fma32Slow(x, y, z float32) float32 {
	p, zz := float64(x)*float64(y), float64(z)
	s := p + zz
	if s == 0 || math.IsInf(s, 0) || math.IsNaN(s) {
		return float32(s) // exact, or IEEE's special value
	}
	// TwoSum: e is exactly p + zz − s.
	bp := s - p
	e := (p - (s - bp)) + (zz - bp)
	b := math.Float64bits(s)
	if e != 0 && b&1 == 0 {
		// Inexact and even: step to the odd neighbour on the side of the
		// exact sum.
		if (e > 0) == (s > 0) {
			b++
		} else {
			b--
		}
	}
	return float32(math.Float64frombits(b))
}

// vmin and vmax are MINPS and MAXPS on one lane: the second operand when
// the comparison fails, so a NaN in either yields y. The twins clamp with
// them where the assembly does, so that a NaN comes out the same.
func vmin(x, y float32) float32 {
	if x < y {
		return x
	}
	return y
}

func vmax(x, y float32) float32 {
	if x > y {
		return x
	}
	return y
}
