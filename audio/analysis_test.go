package audio

import (
	"math"
	"math/rand/v2"
	"testing"
)

func anTone(n, rate int, amp float64, hz ...float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		var v float64
		for j, f := range hz {
			v += amp / float64(j+1) * math.Sin(2*math.Pi*f*float64(i)/float64(rate))
		}
		x[i] = float32(v)
	}
	return x
}

func anNoise(n int, seed uint64, brown bool) []float32 {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := make([]float32, n)
	var acc float64
	for i := range x {
		v := rng.NormFloat64() * 0.1
		if brown {
			acc = 0.995*acc + v*0.1
			v = acc
		}
		x[i] = float32(v)
	}
	return x
}

func TestPeriodicity(t *testing.T) {
	for _, tc := range []struct {
		name           string
		x              []float32
		pitch          float64 // 0: no pitch expected
		minPer, maxPer float64
	}{
		{"sine 440 Hz", anTone(16000, 16000, 0.5, 440), 440, 0.97, 1},
		{"harmonic 220 Hz", anTone(16000, 16000, 0.5, 220, 440, 660), 220, 0.97, 1},
		{"sine 97.3 Hz, short", anTone(3000, 16000, 0.5, 97.3), 97.3, 0.9, 1},
		{"white noise", anNoise(16000, 1, false), 0, 0, 0.3},
	} {
		p, per := Periodicity(tc.x, 16000, 50, 2000)
		if tc.pitch > 0 && math.Abs(p-tc.pitch) > tc.pitch*0.005 || tc.pitch == 0 && p != 0 {
			t.Errorf("%s: pitch %.2f Hz, want %.2f", tc.name, p, tc.pitch)
		}
		if per < tc.minPer || per > tc.maxPer {
			t.Errorf("%s: periodicity %.3f, want %.2f..%.2f", tc.name, per, tc.minPer, tc.maxPer)
		}
	}
	if p, per := Periodicity(make([]float32, 5000), 16000, 50, 2000); p != 0 || per != 0 {
		t.Errorf("silence: pitch %v, periodicity %v", p, per)
	}
}

func TestSpectralCorrelation(t *testing.T) {
	brown1, brown2 := anNoise(32000, 1, true), anNoise(32000, 2, true)
	white := anNoise(32000, 3, false)
	quiet := make([]float32, len(brown1))
	for i, v := range brown1 {
		quiet[i] = v / 10
	}
	for _, tc := range []struct {
		name     string
		a, b     []float32
		min, max float64
	}{
		{"itself", brown1, brown1, 0.9999, 1},
		{"itself 20 dB quieter", brown1, quiet, 0.9999, 1},
		{"two brown noises", brown1, brown2, 0.95, 1},
		{"two white noises", white, anNoise(32000, 4, false), -0.15, 0.15},
		{"brown vs white", brown1, white, -0.15, 0.15},
		{"tones a fifth apart", anTone(16000, 16000, 0.5, 220), anTone(16000, 16000, 0.5, 330), -0.3, 0.3},
	} {
		c := SpectralCorrelation(tc.a, tc.b, 16000, 50, 8000)
		if c < tc.min || c > tc.max {
			t.Errorf("%s: correlation %.3f, want %.2f..%.2f", tc.name, c, tc.min, tc.max)
		}
	}
	if c := SpectralCorrelation(make([]float32, 4000), brown1, 16000, 50, 8000); c != 0 {
		t.Errorf("silence against noise: %v, want 0 (a flat spectrum)", c)
	}
}

func TestLongTermSpectrumPeak(t *testing.T) {
	s := LongTermSpectrum(anTone(16000, 16000, 0.5, 1000), SpectrumFrame)
	best := 0
	for k := range s {
		if s[k] > s[best] {
			best = k
		}
	}
	if hz := float64(best) * 16000 / SpectrumFrame; math.Abs(hz-1000) > 8 {
		t.Errorf("peak at %.1f Hz, want 1000", hz)
	}
}
