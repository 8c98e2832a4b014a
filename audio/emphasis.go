package audio

import (
	"fmt"
	"math"
)

// Pre-emphasis tilts a waveform's spectrum up before it is μ-law coded and
// de-emphasis tilts it back after decoding, as LPCNet does (Valin and
// Skoglund, 2019): a model of the emphasised codes errs about equally at
// every frequency, and de-emphasis, a low-pass, then lowers those errors
// where an instrument's spectrum is quiet, high up, by up to
// 20·log10((1+α)/(1−α)) dB against the lowest frequencies (22 dB at
// α = 0.85).
//
//	pre-emphasis:  e[t] = x[t] − α·x[t−1]     (x[−1] = 0)
//	de-emphasis:   y[t] = e[t] + α·y[t−1]     (y[−1] = the last sample before)
//
// Both sum in float64 and round each sample to float32 once; α = 0 leaves
// samples as they are.

// CheckEmphasis reports whether alpha is a pre-emphasis coefficient: finite,
// in [0, 1).
func CheckEmphasis(alpha float64) error {
	if !(alpha >= 0 && alpha < 1) || math.IsInf(alpha, 0) {
		return fmt.Errorf("pre-emphasis %v: want a coefficient in [0, 1)", alpha)
	}
	return nil
}

// PreEmphasize writes e[t] = x[t] − α·x[t−1] (x[−1] = 0) into dst and
// returns it, reusing dst when cap(dst) >= len(x); dst may be x itself. It
// panics on an alpha CheckEmphasis refuses.
func PreEmphasize(dst, x []float32, alpha float64) []float32 {
	if err := CheckEmphasis(alpha); err != nil {
		panic("audio: PreEmphasize: " + err.Error())
	}
	if cap(dst) < len(x) {
		dst = make([]float32, len(x))
	}
	dst = dst[:len(x)]
	prev := 0.0
	for i, v := range x {
		cur := float64(v)
		// The product is rounded on its own (an explicit conversion), so
		// that no CPU fuses it with the subtraction: the same bits on
		// every architecture.
		dst[i] = float32(cur - float64(alpha*prev))
		prev = cur
	}
	return dst
}

// Deemphasis undoes PreEmphasize on a stream that arrives in pieces:
// y[t] = e[t] + α·y[t−1], the state carried from one call to the next.
type Deemphasis struct {
	alpha float64
	last  float64 // y[t−1], unrounded
}

// NewDeemphasis returns the de-emphasis of coefficient alpha whose first
// output follows the sample last (0 at the start of a sound; the last
// sample of a prime that the output continues). It panics on an alpha
// CheckEmphasis refuses.
func NewDeemphasis(alpha float64, last float32) *Deemphasis {
	if err := CheckEmphasis(alpha); err != nil {
		panic("audio: NewDeemphasis: " + err.Error())
	}
	return &Deemphasis{alpha: alpha, last: float64(last)}
}

// Apply de-emphasises x in place, continuing from the previous call.
func (d *Deemphasis) Apply(x []float32) {
	y := d.last
	for i, v := range x {
		y = float64(v) + float64(d.alpha*y)
		x[i] = float32(y)
	}
	d.last = y
}
