package main

import (
	"math"
	"testing"
)

// features fills [bands, frames] with f(b, j), band-major, in float32.
func features(bands, frames int, f func(b, j int) float64) []float32 {
	x := make([]float32, bands*frames)
	for b := range bands {
		for j := range frames {
			x[b*frames+j] = float32(f(b, j))
		}
	}
	return x
}

// TestMeasureMel checks the distances against the reference's
// mel_distance (torch_wavenet.py, numpy float64) on two pairs of
// features made by formula, and against what they must be analytically: a
// constant offset of δ in every feature is 4δ nats and no distortion (c[0]
// is not counted); a difference of A·cos(π·m·(b + ½)/C) in nats is c[m] =
// A/2, so 10/ln 10 · A/√2 dB.
func TestMeasureMel(t *testing.T) {
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
			t.Errorf("%s: %.12g, want %.12g", what, got, want)
		}
	}
	// Values printed by the reference for these inputs:
	//   mk = lambda C, F, f: np.array([[f(b, j) for j in range(F)] for b in range(C)], dtype=np.float32)
	//   mel_distance(mk(30, 7, lambda b, j: np.sin(0.7*b + 1.3*j)), mk(30, 9, lambda b, j: np.cos(0.4*b*j + 0.2) - 0.5))
	for _, tc := range []struct {
		bands, fa, fb int
		a, b          func(b, j int) float64
		l1, mcd       float64
		frames        int
	}{
		{30, 7, 9, func(b, j int) float64 { return math.Sin(0.7*float64(b) + 1.3*float64(j)) },
			func(b, j int) float64 { return math.Cos(0.4*float64(b*j)+0.2) - 0.5 }, 3.360261169040487, 15.4734460201481, 7},
		{10, 5, 5, func(b, j int) float64 { return math.Sin(0.7*float64(b) + 1.3*float64(j)) },
			func(b, j int) float64 { return 0.1*float64(b) - float64(j)*0.05 }, 2.8199062682688236, 24.300916008422156, 5},
	} {
		d := measureMel(features(tc.bands, tc.fa, tc.a), tc.fa, features(tc.bands, tc.fb, tc.b), tc.fb, tc.bands)
		if d.Frames != tc.frames {
			t.Errorf("frames %d, want %d", d.Frames, tc.frames)
		}
		near("l1 against the reference", d.LogMelL1, tc.l1)
		near("mcd against the reference", d.MCD, tc.mcd)
	}

	const C, F = 40, 6
	base := features(C, F, func(b, j int) float64 { return math.Sin(float64(b*j) / 7) })
	shift := features(C, F, func(b, j int) float64 { return math.Sin(float64(b*j)/7) + 0.25 })
	d := measureMel(base, F, shift, F, C)
	if math.Abs(d.LogMelL1-1) > 1e-6 || d.MCD > 1e-5 {
		t.Errorf("a 0.25 offset: %+v, want 1 nat and 0 dB", d)
	}
	const A, m0 = 0.5, 3 // nats
	cosine := features(C, F, func(b, j int) float64 {
		return math.Sin(float64(b*j)/7) + A/4*math.Cos(math.Pi*m0*(float64(b)+0.5)/C)
	})
	d = measureMel(cosine, F, base, F, C)
	if want := 10 / math.Ln10 * A / math.Sqrt2; math.Abs(d.MCD-want) > 1e-4 {
		t.Errorf("a cosine of %g nats at m = %d: %.6f dB, want %.6f", A, m0, d.MCD, want)
	}
	if d := measureMel(base, F, base, F, C); d.LogMelL1 != 0 || d.MCD != 0 {
		t.Errorf("features against themselves: %+v", d)
	}
	if d := measureMel(base, F, nil, 0, C); d.Frames != 0 || d.LogMelL1 != 0 {
		t.Errorf("against no frames: %+v", d)
	}
}

func TestLoudnessCorrelation(t *testing.T) {
	// A tone that swells and fades, and the same at half the amplitude
	// (6 dB down everywhere): correlation 1. Reversed in time: negative.
	n, hop := 4000, 100
	x, half, rev := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		env := math.Sin(math.Pi * float64(i) / float64(n/2))
		x[i] = float32(0.8 * math.Abs(env) * math.Sin(float64(i)/3) * float64(i) / float64(n))
		half[i] = x[i] / 2
	}
	for i := range rev {
		rev[i] = x[n-1-i]
	}
	if c := correlation(loudness(x, hop), loudness(half, hop)); math.Abs(c-1) > 1e-9 {
		t.Errorf("half as loud: correlation %v, want 1", c)
	}
	if c := correlation(loudness(x, hop), loudness(rev, hop)); !(c < 0.5) {
		t.Errorf("reversed: correlation %v, want well below 1", c)
	}
	if l := loudness(make([]float32, 250), hop); len(l) != 3 || l[0] != -80 {
		t.Errorf("silence: %v, want 3 frames at -80 dB", l)
	}
	if c := correlation([]float64{1, 1, 1}, []float64{1, 2, 3}); c != 0 {
		t.Errorf("a constant: %v", c)
	}
}
