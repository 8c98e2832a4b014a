package audio

import (
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Spectrogram is the short-time power spectrum of a signal: Hann-windowed
// frames of N samples every Hop samples, frame j covering samples
// [j·Hop, j·Hop+N) (zero past the end), each frame's |FFT|² for the bins
// k = 0 … N/2 at k·Rate/N Hz, in dB (10·log10 of the power), floored
// RangeDB below the strongest value of the whole spectrogram.
type Spectrogram struct {
	Rate, N, Hop int
	Frames       int
	RangeDB      float64
	DB           []float64 // (Frames, N/2+1), frame-major
	Peak         float64   // the strongest value, dB; every value lies in [Peak−RangeDB, Peak]
}

// NewSpectrogram computes the spectrogram of x at rate Hz (see
// Spectrogram): max(1, ⌈(len(x)−n)/hop⌉+1) frames, so that the last one
// reaches the end of x. n must be even and ≥ 2, hop ≥ 1 and rangeDB > 0;
// otherwise it panics (the caller's bug).
func NewSpectrogram(x []float32, rate, n, hop int, rangeDB float64) *Spectrogram {
	if n < 2 || n%2 != 0 || hop < 1 || !(rangeDB > 0) {
		panic("audio: NewSpectrogram: n must be even and at least 2, hop at least 1, rangeDB positive")
	}
	frames := 1
	if len(x) > n {
		frames = (len(x)-n+hop-1)/hop + 1
	}
	bins := n/2 + 1
	s := &Spectrogram{Rate: rate, N: n, Hop: hop, Frames: frames, RangeDB: rangeDB, DB: make([]float64, frames*bins)}
	fft := fourier.NewFFT(n)
	win := make([]float64, n)
	for i := range win {
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
	}
	frame := make([]float64, n)
	coef := make([]complex128, bins)
	peak := 0.0
	for j := range frames {
		clear(frame)
		start := j * hop
		for i := 0; i < n && start+i < len(x); i++ {
			frame[i] = float64(x[start+i]) * win[i]
		}
		coef = fft.Coefficients(coef, frame)
		row := s.DB[j*bins : (j+1)*bins]
		for k, c := range coef {
			row[k] = real(c)*real(c) + imag(c)*imag(c)
			peak = max(peak, row[k])
		}
	}
	floor := max(peak*math.Pow(10, -rangeDB/10), 1e-30)
	for i, p := range s.DB {
		s.DB[i] = 10 * math.Log10(max(p, floor))
	}
	s.Peak = 10 * math.Log10(max(peak, floor))
	return s
}

// Bins returns the frequency bins per frame, N/2+1.
func (s *Spectrogram) Bins() int { return s.N/2 + 1 }

// At returns the power of frame j, bin k, in dB.
func (s *Spectrogram) At(j, k int) float64 { return s.DB[j*s.Bins()+k] }

// Hz returns the frequency of bin k.
func (s *Spectrogram) Hz(k int) float64 { return float64(k) * float64(s.Rate) / float64(s.N) }

// Seconds returns the time of frame j's centre.
func (s *Spectrogram) Seconds(j int) float64 {
	return (float64(j*s.Hop) + float64(s.N)/2) / float64(s.Rate)
}
