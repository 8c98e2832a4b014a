package audio

import (
	"context"
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

func TestPeriodicityShortClip(t *testing.T) {
	// 200 samples: lags stop at 100 (half the clip), so 400 Hz (period 40)
	// is found and 100 Hz (period 160) is out of reach rather than guessed.
	if lo, hi := PitchRange(200, 16000, 50, 2000); lo != 160 || hi != 2000 {
		t.Errorf("PitchRange(200 samples) = %v, %v Hz; want 160, 2000", lo, hi)
	}
	if lo, hi := PitchRange(16000, 16000, 50, 2000); lo != 50 || hi != 2000 {
		t.Errorf("PitchRange(1 s) = %v, %v Hz; want 50, 2000", lo, hi)
	}
	if p, per := Periodicity(anTone(200, 16000, 0.5, 400), 16000, 50, 2000); math.Abs(p-400) > 2 || per < 0.9 {
		t.Errorf("200 samples of 400 Hz: pitch %.2f Hz, periodicity %.3f", p, per)
	}
	if p, _ := Periodicity(anTone(200, 16000, 0.5, 100), 16000, 50, 2000); p != 0 {
		t.Errorf("200 samples of 100 Hz: pitch %.2f Hz, want 0 (below the range a 200-sample clip can search)", p)
	}
	for _, n := range []int{0, 1, 3, 7} {
		if lo, hi := PitchRange(n, 16000, 50, 2000); lo != 0 || hi != 0 {
			t.Errorf("PitchRange(%d samples) = %v, %v; want 0, 0", n, lo, hi)
		}
		if p, per := Periodicity(anTone(n, 16000, 0.5, 1000), 16000, 50, 2000); p != 0 || per != 0 {
			t.Errorf("%d samples: pitch %v, periodicity %v; want 0, 0", n, p, per)
		}
	}
}

func TestMaxSecondDifference(t *testing.T) {
	// A sine's second difference is −4·sin²(ω/2)·x[t]: its peak is that
	// factor times the largest sample, which a second of 440 Hz brings
	// within 0.1 % of the amplitude.
	const amp, hz, rate = 0.5, 440.0, 16000
	w := 2 * math.Pi * hz / rate
	want := 4 * math.Pow(math.Sin(w/2), 2) * amp
	if got := MaxSecondDifference(anTone(rate, rate, amp, hz)); math.Abs(got-want) > 1e-3*want {
		t.Errorf("sine: %g, want %g", got, want)
	}
	if got := MaxSecondDifference([]float32{0, 1, 0, 0}); got != 2 {
		t.Errorf("one spike of 1: %g, want 2", got)
	}
	for _, x := range [][]float32{nil, {1}, {1, -1}} {
		if got := MaxSecondDifference(x); got != 0 {
			t.Errorf("%v: %g, want 0", x, got)
		}
	}
}

func TestCountSharperThan(t *testing.T) {
	// Spikes of height 0.5 on silence: second differences 0.5, −1, 0.5.
	x := make([]float32, 1000)
	for _, i := range []int{100, 400, 700} {
		x[i] = 0.5
	}
	for _, tc := range []struct {
		threshold float64
		want      int
	}{
		{0.75, 3}, // the centres only
		{0.25, 9}, // centres and both neighbours
		{1, 0},    // strictly above: a spike does not exceed its own peak
		{0, 9},
	} {
		if got := CountSharperThan(x, tc.threshold); got != tc.want {
			t.Errorf("threshold %g: %d, want %d", tc.threshold, got, tc.want)
		}
	}
	if got := CountSharperThan(x, MaxSecondDifference(x)); got != 0 {
		t.Errorf("a clip against its own sharpest: %d, want 0", got)
	}
	if got := CountSharperThan([]float32{0, 1}, 0); got != 0 {
		t.Errorf("two samples: %d, want 0 (no second difference)", got)
	}
}

func TestRelatePitch(t *testing.T) {
	for _, tc := range []struct {
		ref, hz float64
		rel     PitchRelation
		n       int
	}{
		{100, 100, SameNote, 1},
		{100, 102.9, SameNote, 1},
		{100, 97.1, SameNote, 1},
		{100, 103.5, Unrelated, 0},
		{100, 96.5, Unrelated, 0},
		{100, 200, Harmonic, 2},
		{100, 305, Harmonic, 3},
		{111, 666, Harmonic, 6},
		{100, 800, Harmonic, 8},
		{100, 900, Unrelated, 0}, // above MaxHarmonic
		{100, 150, Unrelated, 0}, // a fifth above: not a harmonic
		{100, 250, Unrelated, 0},
		{100, 50, Subharmonic, 2},
		{100, 33.5, Subharmonic, 3},
		{100, 12.5, Subharmonic, 8},
		{100, 66.7, Unrelated, 0},
		{0, 100, NoPitch, 0},
		{100, 0, NoPitch, 0},
		{math.NaN(), 100, NoPitch, 0},
	} {
		rel, n := RelatePitch(tc.ref, tc.hz)
		if rel != tc.rel || n != tc.n {
			t.Errorf("RelatePitch(%v, %v) = %v %d, want %v %d", tc.ref, tc.hz, rel, n, tc.rel, tc.n)
		}
	}
	for rel, want := range map[PitchRelation]string{NoPitch: "none", SameNote: "note", Harmonic: "harmonic", Subharmonic: "subharmonic", Unrelated: "unrelated", 9: "PitchRelation(9)"} {
		if rel.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(rel), rel.String(), want)
		}
	}
}

// TestNotes: a clip of two notes, then silence, then a third, has three
// notes at their pitches and about their times; a steady tone one, at
// Periodicity's pitch and periodicity; noise and silence none; a done
// context stops AnalyzePitch with its error.
func TestNotes(t *testing.T) {
	const rate = 16000
	x := append(anTone(8000, rate, 0.5, 420), anTone(8000, rate, 0.5, 330)...)
	x = append(x, make([]float32, 8000)...)
	x = append(x, anTone(8000, rate, 0.5, 220, 440)...)
	a, err := AnalyzePitch(context.Background(), x, rate, 50, 2000)
	notes := a.Notes
	if err != nil {
		t.Fatal(err)
	}
	want := []Note{{420, 0, 0.5}, {330, 0.5, 1}, {220, 1.5, 2}}
	if len(notes) != len(want) {
		t.Fatalf("notes %v, want three near %v", notes, want)
	}
	for i, n := range notes {
		w := want[i]
		// Frames of 0.128 s straddle a change: the times are within a
		// frame of it.
		if math.Abs(n.Hz/w.Hz-1) > 0.01 || math.Abs(n.Start-w.Start) > 0.1 || math.Abs(n.End-w.End) > 0.1 {
			t.Errorf("note %d = %+v, want about %+v", i, n, w)
		}
	}
	if a, _ := AnalyzePitch(context.Background(), anTone(16000, rate, 0.5, 440), rate, 50, 2000); len(a.Notes) != 1 || math.Abs(a.Notes[0].Hz-440) > 2 {
		t.Errorf("a second of 440 Hz: notes %v, want one at 440 Hz", a.Notes)
	}
	tone := anTone(16000, rate, 0.5, 440)
	a, _ = AnalyzePitch(context.Background(), tone, rate, 50, 2000)
	if len(a.Track) != (16000-PitchFrame)/PitchHop+1 || a.Track[0].Seconds != float64(PitchFrame/2)/rate || math.Abs(a.Track[0].Hz-440) > 2 {
		t.Errorf("a second of 440 Hz: track of %d frames from %+v, want every frame, the first at 0.064 s and 440 Hz", len(a.Track), a.Track[0])
	}
	if p, per := Periodicity(tone, rate, 50, 2000); a.Pitch != p || a.Periodicity != per {
		t.Errorf("AnalyzePitch's pitch and periodicity %v, %v; Periodicity's %v, %v", a.Pitch, a.Periodicity, p, per)
	}
	for name, x := range map[string][]float32{"white noise": anNoise(16000, 1, false), "silence": make([]float32, 16000)} {
		if a, _ := AnalyzePitch(context.Background(), x, rate, 50, 2000); len(a.Notes) != 0 {
			t.Errorf("%s: notes %v, want none", name, a.Notes)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := AnalyzePitch(ctx, x, rate, 50, 2000); err != context.Canceled {
		t.Errorf("a done context: %v, want context.Canceled", err)
	}
}
