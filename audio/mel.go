package audio

import (
	"fmt"
	"math"
	"math/bits"
	"sync"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Log-mel features, as the model format spec defines them for local
// conditioning ("Log-mel features"): for a clip x[0..T-1] at rate sr, with
// hop H and Cl bands,
//
//	N = 4H (frame length), P = ⌊3H/2⌋, F = ⌈T/H⌉
//	w[n]    = 0.5 - 0.5·cos(2πn/N), n = 0..N-1                   # periodic Hann
//	X[j, k] = Σ_n w[n]·x[jH - P + n]·exp(-2πi·kn/N), k = 0..N/2   # x = 0 outside [0, T)
//	mel(f)  = 2595·log10(1 + f/700)                               # HTK scale
//	ν[b]    = mel⁻¹(b·mel(sr/2)/(Cl + 1)), b = 0..Cl+1            # band edges, 0 Hz to sr/2
//	W[b, k] = max(0, min((φ - ν[b])/(ν[b+1] - ν[b]), (ν[b+2] - φ)/(ν[b+2] - ν[b+1]))),  φ = k·sr/N
//	L[b, j] = (ln(max(Σ_k W[b, k]·|X[j, k]|, 1e-5)) + 4) / 4,  b = 0..Cl-1
//
// in float64, rounded once to float32.

// Limits on the features NewMel accepts. Vocoders use hops up to about 1024
// and up to about 128 bands; the limits are far above that, and keep a Mel's
// buffers (about 50·N bytes per thread) and triangle table small.
const (
	MaxMelHop   = 1 << 16 // samples; frame length 4·MaxMelHop
	MaxMelBands = 1 << 12
)

// MelFloor is the value of a band whose mel magnitude is at or below the
// spec's floor of 1e-5 (silence, for one): (ln(1e-5) + 4)/4 ≈ -1.878.
const MelFloor = (-11.512925464970229 + melShift) / melScale

// The spec's constants: the floor on mel magnitudes, and the fixed shift
// and scale applied to their natural log.
const (
	melMagFloor = 1e-5
	melShift    = 4
	melScale    = 4
)

// melMinFrames is the fewest frames worth handing to a goroutine of their
// own: fewer take less time than starting one.
const melMinFrames = 64

// Mel computes the spec's log-mel features at one sample rate, hop and band
// count. Make one with [NewMel] and reuse it: it holds the window, the FFT
// and the triangles, so that a call of [Mel.Features] allocates nothing but
// its result (when dst is too small) and, running on more goroutines than
// before, their scratch. A Mel is not safe for concurrent use; make one per
// goroutine, or let it use several with [Mel.SetThreads].
type Mel struct {
	rate, hop, bands int
	n, pad           int       // frame length N = 4H and offset P = ⌊3H/2⌋, samples
	window           []float64 // [N] periodic Hann

	// The triangles, sparse: band b weighs bins first[b] ..
	// first[b]+off[b+1]-off[b]-1 by weight[off[b]:off[b+1]], the bins
	// where W[b, k] > 0 (none for a band narrower than the bin spacing).
	first  []int     // [Cl]
	off    []int     // [Cl+1]
	weight []float64 // [off[Cl]]; at most about 2·(N/2+1), as triangles overlap in pairs

	threads int
	work    []*melWork // one per goroutine, made when first needed
}

// melWork is one goroutine's scratch: gonum's FFT keeps its work area inside
// it, so each goroutine needs its own.
type melWork struct {
	// For a frame length N that is a power of two up to maxPairLen, the
	// spectra of two frames come from one complex FFT (gonum's radix-4 or
	// radix-2), frame j as the real part and frame j+1 as the imaginary
	// part: at hop 256 that makes the features 2.8 times faster in all
	// than one of gonum's general real FFTs per frame. Otherwise each
	// frame has its own real FFT.
	pair  []complex128 // [N] for a power-of-two N, else nil
	fft   *fourier.FFT // for any other N, else nil
	frame []float64    // [N] windowed samples of one frame
	coef  []complex128 // [N/2+1] its spectrum X[j, ·] (real FFT only)
	mag   [2][]float64 // [2][N/2+1] |X[j, ·]| and |X[j+1, ·]|
	block []float32    // [melBlock·Cl] features of up to melBlock frames, frame by frame
}

// maxPairLen is the longest frame length whose frames share complex FFTs
// in pairs. Sharing puts the rounding error of the louder frame's spectrum
// (about 1e-16 of it, times the FFT's depth) into the quieter one's, and
// gonum's radix-2 and radix-4 FFTs make their twiddle factors by repeated
// multiplication, whose error grows with the length; up to 2^14 both stay
// far below the 1e-5 floor for samples in [-1, 1] (at hop 256, frames of
// digital silence beside loud ones come out exactly at the floor).
const maxPairLen = 1 << 14

// melBlock is how many frames a goroutine computes before storing them band
// by band, so that the stores into [Cl, F] fill whole cache lines.
const melBlock = 16

// NewMel returns a Mel for samples at rate Hz (MinRate to MaxRate), hop H
// samples (1 to MaxMelHop) and bands Cl (1 to MaxMelBands).
//
// Like the spec's reference, it accepts band counts so high for the frame
// length that some low triangles fall between two FFT bins, which are
// sr/4H apart (at 16 kHz with 80 bands, for hops up to 89: band 0 spans 0
// to 44.9 Hz; at hop 64, bands 0 and 3). Such bands hold MelFloor for every
// clip, as the reference's do; [Mel.EmptyBands] lists them so that a caller
// can warn.
func NewMel(rate, hop, bands int) (*Mel, error) {
	switch {
	case rate < MinRate || rate > MaxRate:
		return nil, fmt.Errorf("audio: log-mel at %d Hz: the sample rate must be %d to %d Hz", rate, MinRate, MaxRate)
	case hop < 1 || hop > MaxMelHop:
		return nil, fmt.Errorf("audio: log-mel with hop %d: the hop must be 1 to %d samples", hop, MaxMelHop)
	case bands < 1 || bands > MaxMelBands:
		return nil, fmt.Errorf("audio: log-mel with %d bands: the band count must be 1 to %d", bands, MaxMelBands)
	}
	n := 4 * hop
	m := &Mel{rate: rate, hop: hop, bands: bands, n: n, pad: 3 * hop / 2, threads: 1}
	m.window = make([]float64, n)
	for i := range m.window {
		m.window[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
	}
	m.triangles()
	m.work = []*melWork{m.newWork()}
	return m, nil
}

// triangles fills first, off and weight with the nonzero W[b, k], computed
// by the spec's formula term by term (as the reference evaluates it), so
// that the weights agree with the reference's to the last bit or two.
func (m *Mel) triangles() {
	sr, nf := float64(m.rate), float64(m.n)
	edge := bandEdges(m.rate, m.bands)
	bins := m.n/2 + 1
	m.first = make([]int, m.bands)
	m.off = make([]int, m.bands+1)
	m.weight = make([]float64, 0, 2*bins+2*m.bands)
	for b := range m.bands {
		lo, c, hi := edge[b], edge[b+1], edge[b+2]
		// Bins strictly inside (lo, hi), give or take one for rounding; W
		// decides.
		k0 := max(int(lo*nf/sr)-1, 0)
		k1 := min(int(hi*nf/sr)+1, bins-1)
		m.first[b] = k0
		for k := k0; k <= k1; k++ {
			phi := float64(k*m.rate) / nf
			w := max(0, min((phi-lo)/(c-lo), (hi-phi)/(hi-c)))
			if w == 0 {
				if len(m.weight) == m.off[b] {
					m.first[b] = k + 1 // still before the triangle
					continue
				}
				break // past it: a triangle's support is one run of bins
			}
			m.weight = append(m.weight, w)
		}
		m.off[b+1] = len(m.weight)
	}
}

func (m *Mel) newWork() *melWork {
	bins := m.n/2 + 1
	w := &melWork{
		mag:   [2][]float64{make([]float64, bins), make([]float64, bins)},
		block: make([]float32, melBlock*m.bands),
	}
	if m.n <= maxPairLen && bits.OnesCount(uint(m.n)) == 1 {
		w.pair = make([]complex128, m.n)
	} else {
		w.fft = fourier.NewFFT(m.n)
		w.frame = make([]float64, m.n)
		w.coef = make([]complex128, bins)
	}
	return w
}

// Rate returns the sample rate, in Hz.
func (m *Mel) Rate() int { return m.rate }

// Hop returns the hop H, in samples.
func (m *Mel) Hop() int { return m.hop }

// Bands returns the band count Cl.
func (m *Mel) Bands() int { return m.bands }

// FrameLen returns the frame length N = 4H, in samples.
func (m *Mel) FrameLen() int { return m.n }

// BandEdges returns the spec's band edges ν[0..Cl+1] in Hz, equally spaced
// in mel from 0 Hz to half the sample rate: band b rises from ν[b] to its
// peak at ν[b+1] and falls to ν[b+2].
func (m *Mel) BandEdges() []float64 { return bandEdges(m.rate, m.bands) }

// bandEdges returns ν[0..bands+1] in Hz for the rate.
func bandEdges(rate, bands int) []float64 {
	mel := func(f float64) float64 { return 2595 * math.Log10(1+f/700) }
	hz := func(v float64) float64 { return 700 * (math.Pow(10, v/2595) - 1) }
	top := mel(float64(rate) / 2)
	edge := make([]float64, bands+2)
	for b := range edge {
		edge[b] = hz(top * float64(b) / float64(bands+1))
	}
	return edge
}

// Frames returns the frame count F = ⌈samples/H⌉ of a clip of that many
// samples.
func (m *Mel) Frames(samples int) int { return (samples + m.hop - 1) / m.hop }

// EmptyBands returns the bands, in increasing order, whose triangle covers
// no FFT bin: their features are MelFloor for every clip. It is empty
// (nil) unless the band count is high for the frame length (see [NewMel]).
func (m *Mel) EmptyBands() []int {
	var empty []int
	for b := range m.bands {
		if m.off[b] == m.off[b+1] {
			empty = append(empty, b)
		}
	}
	return empty
}

// SetThreads lets Features compute the frames on up to n goroutines (n ≤ 1:
// the calling one), each with a consecutive share of at least 64 frames. The
// features are the same for any n: each frame is computed alone, the same
// way, wherever it runs.
func (m *Mel) SetThreads(n int) { m.threads = max(n, 1) }

// Features computes the log-mel features of the clip x (samples at the
// Mel's rate) into dst and returns it with the frame count F = ⌈len(x)/H⌉:
// dst[b·F + j] is band b of frame j ([Cl, F], bands × frames, as the model
// takes them). Frame j's window covers samples jH - P .. jH - P + N - 1 and
// peaks at sample jH + ⌈H/2⌉. dst is reused when cap(dst) ≥ Cl·F and
// allocated otherwise. An empty clip has no frames.
//
// Finite samples give finite features, none below MelFloor. A NaN or an
// infinity in x makes NaN the frames whose window covers it and, when the
// frame length is a power of two (frames then share FFTs in pairs), perhaps
// one frame more on either side.
func (m *Mel) Features(dst []float32, x []float32) ([]float32, int) {
	nf := m.Frames(len(x))
	size := m.bands * nf
	if cap(dst) < size {
		dst = make([]float32, size)
	}
	dst = dst[:size]
	workers := min(m.threads, (nf+melMinFrames-1)/melMinFrames)
	if workers <= 1 {
		m.work[0].frames(m, dst, x, 0, nf, nf)
		return dst, nf
	}
	for len(m.work) < workers {
		m.work = append(m.work, m.newWork())
	}
	var wg sync.WaitGroup
	for i := range workers {
		j0, j1 := nf*i/workers, nf*(i+1)/workers
		w := m.work[i]
		wg.Go(func() { w.frames(m, dst, x, j0, j1, nf) })
	}
	wg.Wait()
	return dst, nf
}

// frames computes frames j0 .. j1-1 of the nf frames of x into dst [Cl, nf],
// melBlock frames at a time.
func (w *melWork) frames(m *Mel, dst, x []float32, j0, j1, nf int) {
	for b0 := j0; b0 < j1; b0 += melBlock {
		nb := min(melBlock, j1-b0)
		for i := 0; i < nb; i += 2 {
			two := i+1 < nb
			w.spectra(m, x, b0+i, two)
			w.bands(m, w.block[i*m.bands:(i+1)*m.bands], w.mag[0])
			if two {
				w.bands(m, w.block[(i+1)*m.bands:(i+2)*m.bands], w.mag[1])
			}
		}
		for b := range m.bands {
			row := dst[b*nf+b0 : b*nf+b0+nb]
			for i := range row {
				row[i] = w.block[i*m.bands+b]
			}
		}
	}
}

// windowed writes frame j of x, windowed, into dst [N].
func (m *Mel) windowed(dst []float64, x []float32, j int) {
	start := j*m.hop - m.pad // sample under window[0]
	if start >= 0 && start+m.n <= len(x) {
		for i, s := range x[start : start+m.n] {
			dst[i] = m.window[i] * float64(s)
		}
		return
	}
	clear(dst)
	lo, hi := max(0, -start), min(m.n, len(x)-start)
	for i := lo; i < hi; i++ {
		dst[i] = m.window[i] * float64(x[start+i])
	}
}

// spectra computes the magnitude spectrum |X[j, ·]| of frame j of x into
// w.mag[0] and, if two, that of frame j+1 into w.mag[1].
func (w *melWork) spectra(m *Mel, x []float32, j int, two bool) {
	if w.fft != nil {
		for f := range 2 {
			if f == 1 && !two {
				break
			}
			m.windowed(w.frame, x, j+f)
			w.coef = w.fft.Coefficients(w.coef, w.frame)
			for k, c := range w.coef {
				w.mag[f][k] = math.Sqrt(real(c)*real(c) + imag(c)*imag(c))
			}
		}
		return
	}
	// z = a + ib for real frames a and b, so with Z = FFT(z) and
	// Z*[k] = conj(Z[(N-k) mod N]): A = (Z + Z*)/2 and B = (Z - Z*)/2i.
	z := w.pair
	start := j*m.hop - m.pad
	if start >= 0 && start+m.hop+m.n <= len(x) {
		a, b := x[start:start+m.n], x[start+m.hop:start+m.hop+m.n]
		for i := range z {
			z[i] = complex(m.window[i]*float64(a[i]), m.window[i]*float64(b[i]))
		}
	} else {
		for i := range z {
			var re, im float64
			if t := start + i; t >= 0 && t < len(x) {
				re = m.window[i] * float64(x[t])
			}
			if t := start + m.hop + i; two && t >= 0 && t < len(x) {
				im = m.window[i] * float64(x[t])
			}
			z[i] = complex(re, im)
		}
	}
	if bits.TrailingZeros(uint(m.n))%2 == 0 {
		fourier.CoefficientsRadix4(z)
	} else {
		fourier.CoefficientsRadix2(z)
	}
	ma, mb := w.mag[0], w.mag[1]
	for k := range ma {
		zk, zc := z[k], z[(m.n-k)%m.n]
		// 2A = Z[k] + conj(Z[N-k]), 2iB = Z[k] - conj(Z[N-k])
		ar, ai := real(zk)+real(zc), imag(zk)-imag(zc)
		br, bi := real(zk)-real(zc), imag(zk)+imag(zc)
		ma[k] = 0.5 * math.Sqrt(ar*ar+ai*ai)
		mb[k] = 0.5 * math.Sqrt(br*br+bi*bi)
	}
}

// bands computes the features [Cl] of one frame from its magnitude
// spectrum mag [N/2+1].
func (w *melWork) bands(m *Mel, out []float32, mag []float64) {
	for b := range out {
		first, wt := m.first[b], m.weight[m.off[b]:m.off[b+1]]
		mg := mag[first : first+len(wt)]
		s := 0.0
		for i, v := range wt {
			s += v * mg[i]
		}
		out[b] = float32((math.Log(max(s, melMagFloor)) + melShift) / melScale)
	}
}
