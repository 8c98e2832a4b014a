package f32

import "math"

// Float16Bits returns the IEEE 754 binary16 value nearest f, ties to even,
// as its bits: what VCVTPS2PH with rounding mode 0 gives. Magnitudes from
// 65520 up become infinities, those up to 2⁻²⁵ zeros (of f's sign), those
// between the subnormal halves (multiples of 2⁻²⁴); a NaN stays a (quiet)
// NaN.
func Float16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff {
		if man != 0 {
			return sign | 0x7e00 | uint16(man>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15 // the binary16 exponent field, if normal
	if e >= 31 {
		return sign | 0x7c00
	}
	if e <= 0 {
		// A subnormal half (or zero): m·2⁻²⁴ with m = the 24-bit
		// significand shifted right by 14 − e, rounded.
		shift := uint(14 - e)
		if shift > 24 {
			return sign // below 2⁻²⁵: rounds to zero
		}
		m := man | 0x800000
		h := m >> shift
		if rem, half := m&(1<<shift-1), uint32(1)<<(shift-1); rem > half || rem == half && h&1 == 1 {
			h++
		}
		return sign | uint16(h)
	}
	h := uint16(e)<<10 | uint16(man>>13)
	if rem := man & 0x1fff; rem > 0x1000 || rem == 0x1000 && h&1 == 1 {
		h++ // a carry into the exponent is right, up to the infinity
	}
	return sign | h
}

// Float16frombits returns the binary16 value with bits h as a float32,
// exactly (every binary16 value is a float32): what VCVTPH2PS gives, a
// signalling NaN made quiet.
func Float16frombits(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		if man != 0 {
			return math.Float32frombits(sign | 0x7fc00000 | man<<13)
		}
		return math.Float32frombits(sign | 0x7f800000)
	case exp == 0:
		// Zero or subnormal: man·2⁻²⁴, exact in float32.
		return math.Float32frombits(sign | math.Float32bits(float32(man)*0x1p-24))
	}
	return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
}
