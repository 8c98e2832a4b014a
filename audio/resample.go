package audio

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Resampler design. The filter is a Kaiser-windowed sinc whose window spans
// zeroCrossings zero crossings of the lower of the two Nyquist rates on each
// side. With β = 9 the stopband is about 90 dB down; Kaiser's estimate of the
// transition width for 2·32+1 taps at that attenuation,
//
//	Δf = (A - 7.95) / (14.36 · N) = 82 / (14.36 · 65) ≈ 0.088 of the lower rate,
//
// puts the -6 dB point at (0.5 - Δf/2) of the lower rate, so the stopband
// begins at its Nyquist frequency: rolloff = 1 - Δf = 0.912. At 16 kHz that is
// flat to about 6.6 kHz and 90 dB down from 8 kHz.
const (
	zeroCrossings = 32
	kaiserBeta    = 9.0
	rolloff       = 0.912

	// maxTable bounds the polyphase table (floats, 1 MiB) built for a ratio;
	// ratios needing more (an L/M in lowest terms with large L, e.g. 44101 ->
	// 16000) interpolate coefficients from a finely sampled prototype instead,
	// about three times slower. So do outputs shorter than L, which would not
	// use every phase. Common rates fit: 176.4 kHz -> 16 kHz needs 112,800.
	maxTable = 1 << 18
	// protoRes is the prototype's samples per zero crossing for that path;
	// linear interpolation then errs by about (π/protoRes)²/8 ≈ 1e-6.
	protoRes = 1024
)

// Resample returns x, sampled at from Hz, resampled to to Hz by a band-limited
// (Kaiser-windowed sinc) filter with zero phase and unit gain at DC. The
// signal is taken as zero outside x. Output sample n lies at input time
// n·from/to, and there are ceil(len(x)·to/from) of them: every output instant
// inside [0, len(x)/from) seconds, so 10 s at 44.1 kHz gives exactly 160000
// samples at 16 kHz. When from == to, x itself is returned.
//
// Resample panics if from or to is not positive (the caller validates rates).
func Resample(x []float32, from, to int) []float32 {
	if from <= 0 || to <= 0 {
		panic(fmt.Sprintf("audio: Resample from %d Hz to %d Hz", from, to))
	}
	if from == to {
		return x
	}
	rs := newResampler(from, to, len(x), maxTable)
	y := make([]float32, rs.outLen(len(x)))
	rs.run(y, x)
	return y
}

// resampler holds the filter for one ratio L/M (to/from in lowest terms):
// output n sits at input position n·M/L = base + p/L, base = n·M div L,
// phase p = n·M mod L, and y[n] = Σ_j x[base+j]·h(p/L - j) for j in
// [jLo, jLo+taps).
type resampler struct {
	l, m  int64
	scale float64 // min(1, L/M): the filter's cutoff relative to the input rate
	jLo   int
	taps  int
	table []float32 // (L, taps) coefficients per phase, or nil: use proto
	proto []float32 // hp(v) at v = i/protoRes, i in [0, zeroCrossings·protoRes+1]
}

// newResampler builds the filter for n samples from -> to Hz, with a
// polyphase table if it needs at most tableLimit floats and every phase is
// used (L <= the output length).
func newResampler(from, to, n int, tableLimit int) *resampler {
	g := gcd(from, to)
	rs := &resampler{l: int64(to / g), m: int64(from / g)}
	rs.scale = min(1, float64(rs.l)/float64(rs.m))
	w := zeroCrossings / rs.scale // half-width in input samples
	rs.jLo = -int(math.Floor(w))
	rs.taps = int(math.Floor(w)) + int(math.Ceil(w)) + 1
	i0beta := besselI0(kaiserBeta)
	if rs.l*int64(rs.taps) <= int64(tableLimit) && rs.l <= int64(rs.outLen(n)) {
		rs.table = make([]float32, rs.l*int64(rs.taps))
		row := make([]float64, rs.taps)
		for p := range rs.l {
			frac := float64(p) / float64(rs.l)
			for j := range row {
				row[j] = rs.scale * prototype((frac-float64(rs.jLo+j))*rs.scale, i0beta)
			}
			normalize(rs.table[p*int64(rs.taps):(p+1)*int64(rs.taps)], row)
		}
		return rs
	}
	rs.proto = make([]float32, zeroCrossings*protoRes+2)
	for i := range rs.proto {
		rs.proto[i] = float32(prototype(float64(i)/protoRes, i0beta))
	}
	return rs
}

// prototype is the windowed sinc at v zero crossings (of the lower rate)
// from its centre (i0beta is I0(β)):
//
//	hp(v) = rolloff · sinc(rolloff · v) · I0(β·sqrt(1 - (v/Z)²)) / I0(β),  |v| < Z
func prototype(v, i0beta float64) float64 {
	v = math.Abs(v)
	if v >= zeroCrossings {
		return 0
	}
	u := v / zeroCrossings
	win := besselI0(kaiserBeta*math.Sqrt(1-u*u)) / i0beta
	s := 1.0
	if v != 0 {
		a := math.Pi * rolloff * v
		s = math.Sin(a) / a
	}
	return rolloff * s * win
}

// besselI0 is the modified Bessel function of the first kind, order 0, by its
// power series Σ ((x/2)^k / k!)², which converges fast for the x ≤ 9 used here.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1.0; term > 1e-17*sum; k++ {
		term *= q / (k * k)
		sum += term
	}
	return sum
}

// normalize writes row scaled to sum to 1 into dst, so each phase passes DC
// with unit gain.
func normalize(dst []float32, row []float64) {
	var s float64
	for _, v := range row {
		s += v
	}
	for j, v := range row {
		dst[j] = float32(v / s)
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// outLen is ceil(n·L/M).
func (rs *resampler) outLen(n int) int {
	return int((int64(n)*rs.l + rs.m - 1) / rs.m)
}

// run fills y (len rs.outLen(len(x))) from x, splitting the work across
// GOMAXPROCS goroutines for long signals.
func (rs *resampler) run(y, x []float32) {
	const chunk = 1 << 15
	workers := min(runtime.GOMAXPROCS(0), (len(y)+chunk-1)/chunk)
	if workers <= 1 {
		rs.span(y, x, 0)
		return
	}
	var wg sync.WaitGroup
	per := (len(y) + workers - 1) / workers
	for lo := 0; lo < len(y); lo += per {
		hi := min(lo+per, len(y))
		wg.Go(func() { rs.span(y[lo:hi], x, lo) })
	}
	wg.Wait()
}

// span computes y[i] = output n0+i.
func (rs *resampler) span(y, x []float32, n0 int) {
	var scratch []float32
	if rs.table == nil {
		scratch = make([]float32, rs.taps)
	}
	row64 := make([]float64, 0, rs.taps)
	for i := range y {
		pos := int64(n0+i) * rs.m
		base := int(pos / rs.l)
		p := pos % rs.l
		var c []float32
		if rs.table != nil {
			c = rs.table[p*int64(rs.taps) : (p+1)*int64(rs.taps)]
		} else {
			c = rs.coefs(scratch, row64, float64(p)/float64(rs.l))
		}
		k0 := base + rs.jLo
		if k0 >= 0 && k0+rs.taps <= len(x) {
			y[i] = dot(c, x[k0:k0+rs.taps])
			continue
		}
		// Near the ends: the signal is zero outside x.
		lo, hi := max(0, -k0), min(rs.taps, len(x)-k0)
		if lo >= hi {
			y[i] = 0
			continue
		}
		y[i] = dot(c[lo:hi], x[k0+lo:k0+hi])
	}
}

// coefs interpolates the coefficients for fractional position frac from the
// prototype table into dst, normalized to sum to 1.
func (rs *resampler) coefs(dst []float32, row []float64, frac float64) []float32 {
	row = row[:rs.taps]
	for j := range row {
		v := math.Abs(frac-float64(rs.jLo+j)) * rs.scale * protoRes
		i := int(v)
		if i >= zeroCrossings*protoRes {
			row[j] = 0
			continue
		}
		f := v - float64(i)
		row[j] = float64(rs.proto[i]) + f*float64(rs.proto[i+1]-rs.proto[i])
	}
	normalize(dst, row)
	return dst
}

// dot returns Σ a[i]·b[i] for len(b) == len(a), accumulated in four float32
// partial sums.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
