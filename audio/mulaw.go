package audio

import (
	"fmt"
	"math"
)

// MuLawEncode writes the μ-law code of each sample of x into dst and returns
// it, reusing dst when cap(dst) >= len(x) and allocating otherwise. With
// μ = q - 1, exactly as the model format spec says (in float64):
//
//	y = sign(x)·ln(1 + μ|x|) / ln(1 + μ),  x clipped to [-1, 1]
//	c = floor((y + 1) / 2 · μ + 0.5)
//
// so codes lie in [0, q). NaN encodes as 0.0 does. MuLawEncode panics if
// q < 2.
func MuLawEncode(dst []int32, x []float32, q int) []int32 {
	if q < 2 {
		panic(fmt.Sprintf("audio: MuLawEncode with q = %d", q))
	}
	if cap(dst) < len(x) {
		dst = make([]int32, len(x))
	}
	dst = dst[:len(x)]
	mu := float64(q - 1)
	lnMu := math.Log1p(mu)
	for i, v := range x {
		f := float64(v)
		switch {
		case f > 1:
			f = 1
		case f < -1:
			f = -1
		case f != f:
			f = 0
		}
		y := math.Log1p(mu*math.Abs(f)) / lnMu
		if f < 0 {
			y = -y
		}
		dst[i] = int32(math.Floor((y+1)/2*mu + 0.5))
	}
	return dst
}

// MuLawDecode writes the sample for each μ-law code of c into dst and returns
// it, reusing dst when cap(dst) >= len(c) and allocating otherwise. With
// μ = q - 1, as the model format spec says (in float64, rounded once to
// float32):
//
//	y = 2c/μ - 1
//	x = sign(y)·((1 + μ)^|y| - 1) / μ
//
// MuLawDecode panics if q < 2 or a code is outside [0, q): codes come from
// MuLawEncode or a model, so either is a programmer error.
func MuLawDecode(dst []float32, c []int32, q int) []float32 {
	if q < 2 {
		panic(fmt.Sprintf("audio: MuLawDecode with q = %d", q))
	}
	if cap(dst) < len(c) {
		dst = make([]float32, len(c))
	}
	dst = dst[:len(c)]
	mu := float64(q - 1)
	for i, code := range c {
		if code < 0 || int(code) >= q {
			panic(fmt.Sprintf("audio: MuLawDecode: code %d at %d is outside [0, %d)", code, i, q))
		}
		y := 2*(float64(code)/mu) - 1
		x := (math.Pow(1+mu, math.Abs(y)) - 1) / mu
		if y < 0 {
			x = -x
		}
		dst[i] = float32(x)
	}
	return dst
}
