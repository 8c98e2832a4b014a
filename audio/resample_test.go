package audio

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tone returns n samples of amp·sin(2π·f·t) at rate Hz.
func tone(f float64, rate, n int, amp float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(amp * math.Sin(2*math.Pi*f*float64(i)/float64(rate)))
	}
	return x
}

// amplitude returns the amplitude of the component of y at f Hz (sampled at
// rate), by least squares over y[lo:hi] against sin and cos at f.
func amplitude(y []float32, f float64, rate, lo, hi int) float64 {
	var ss, sc, cc, ys, yc float64
	for i := lo; i < hi; i++ {
		w := 2 * math.Pi * f * float64(i) / float64(rate)
		s, c := math.Sin(w), math.Cos(w)
		ss += s * s
		sc += s * c
		cc += c * c
		ys += float64(y[i]) * s
		yc += float64(y[i]) * c
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	return math.Hypot(a, b)
}

// rms returns the root mean square of y[lo:hi].
func rms(y []float32, lo, hi int) float64 {
	var s float64
	for _, v := range y[lo:hi] {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(hi-lo))
}

func db(r float64) float64 { return 20 * math.Log10(r) }

// TestResampleSine: a 1 kHz sine at amplitude 0.5 keeps its amplitude within
// 0.1 dB from 48 and 44.1 kHz down to 16 kHz and from 16 up to 48 kHz
// (measured away from the ends, where the signal starts from silence).
func TestResampleSine(t *testing.T) {
	for _, tc := range [][2]int{{48000, 16000}, {44100, 16000}, {16000, 48000}, {22050, 16000}} {
		from, to := tc[0], tc[1]
		x := tone(1000, from, from, 0.5) // 1 s
		y := Resample(x, from, to)
		margin := to / 20
		a := amplitude(y, 1000, to, margin, len(y)-margin)
		t.Logf("%d -> %d Hz: 1 kHz amplitude %.6f (%+.4f dB)", from, to, a, db(a/0.5))
		if math.Abs(db(a/0.5)) > 0.1 {
			t.Errorf("%d -> %d Hz: 1 kHz comes out at %+.4f dB", from, to, db(a/0.5))
		}
	}
}

// TestResampleStopband: tones above the output's Nyquist frequency must not
// alias back: 10 kHz from 48 (and 44.1) kHz to 16 kHz comes out at least
// 60 dB down. Other frequencies are logged for the record.
func TestResampleStopband(t *testing.T) {
	for _, from := range []int{48000, 44100} {
		for _, f := range []float64{4000, 6000, 6600, 7500, 8500, 10000, 15000, 20000} {
			x := tone(f, from, from, 0.5)
			y := Resample(x, from, 16000)
			margin := 800
			gain := db(rms(y, margin, len(y)-margin) / rms(x, margin*from/16000, len(x)-margin*from/16000))
			t.Logf("%d -> 16000 Hz: %5.0f Hz at %+8.2f dB", from, f, gain)
			if f == 10000 && gain > -60 {
				t.Errorf("%d -> 16000 Hz: 10 kHz only %.1f dB down", from, -gain)
			}
			if f <= 6000 && math.Abs(gain) > 0.1 {
				t.Errorf("%d -> 16000 Hz: %.0f Hz passband gain %+.3f dB", from, f, gain)
			}
		}
	}
}

// TestResampleLength: ceil(n·to/from) samples, exact to the sample.
func TestResampleLength(t *testing.T) {
	for _, tc := range []struct{ from, to, n, want int }{
		{48000, 16000, 480000, 160000}, // 10 s
		{44100, 16000, 441000, 160000}, // 10 s
		{48000, 16000, 48001, 16001},   // 16000.33 -> 16001
		{48000, 16000, 47999, 16000},   // 15999.67
		{44100, 16000, 44101, 16001},   // 16000.36
		{44100, 16000, 44099, 16000},   // 15999.64
		{44100, 16000, 1, 1},
		{16000, 44100, 16000, 44100},
		{16000, 44100, 3, 9}, // 8.27
	} {
		if got := len(Resample(make([]float32, tc.n), tc.from, tc.to)); got != tc.want {
			t.Errorf("%d samples %d -> %d Hz: %d out, want %d", tc.n, tc.from, tc.to, got, tc.want)
		}
	}
}

// TestResampleDCAndTiming: a constant passes with unit gain, and an impulse
// at input time t lands at output time t (zero phase).
func TestResampleDCAndTiming(t *testing.T) {
	x := make([]float32, 4410)
	for i := range x {
		x[i] = 0.25
	}
	y := Resample(x, 44100, 16000)
	for i := 200; i < len(y)-200; i++ {
		if math.Abs(float64(y[i])-0.25) > 1e-6 {
			t.Fatalf("DC: y[%d] = %v", i, y[i])
		}
	}
	imp := make([]float32, 4800)
	imp[2400] = 1 // 50 ms at 48 kHz: output sample 800 at 16 kHz
	y = Resample(imp, 48000, 16000)
	peak := 0
	for i := range y {
		if math.Abs(float64(y[i])) > math.Abs(float64(y[peak])) {
			peak = i
		}
	}
	if peak != 800 || math.Abs(float64(y[799]-y[801])) > 1e-6 {
		t.Errorf("impulse peak at %d (want 800), neighbours %v %v", peak, y[799], y[801])
	}
}

// TestResampleIdentity: equal rates return the input.
func TestResampleIdentity(t *testing.T) {
	x := []float32{1, 2, 3}
	if y := Resample(x, 16000, 16000); &y[0] != &x[0] {
		t.Error("equal rates should return x")
	}
}

// TestResamplePathsAgree: the interpolated-row path (ratios too large for an
// exact table) and the per-output path (short outputs) agree with the exact
// table on noise, for down- and upsampling: to 1e-5 and 1e-6.
func TestResamplePathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 3000)
	for i := range x {
		x[i] = float32(rng.Float64()*2 - 1)
	}
	for _, tc := range [][2]int{{44100, 16000}, {16000, 22050}} {
		exact := newResampler(tc[0], tc[1], len(x), maxTable)
		interp := newResampler(tc[0], tc[1], len(x), 0)
		direct := newResampler(tc[0], tc[1], len(x), maxTable)
		direct.table = nil
		if exact.interp || !interp.interp || interp.table == nil {
			t.Fatal("wrong paths chosen")
		}
		a := make([]float32, exact.outLen(len(x)))
		exact.run(a, x)
		for _, p := range []struct {
			name string
			rs   *resampler
			tol  float64
		}{{"interpolated", interp, 1e-5}, {"per-output", direct, 1e-6}} {
			b := make([]float32, len(a))
			p.rs.run(b, x)
			var worst float64
			for i := range a {
				worst = max(worst, math.Abs(float64(a[i]-b[i])))
			}
			t.Logf("%d -> %d: %s path differs by at most %.2g", tc[0], tc[1], p.name, worst)
			if worst > p.tol {
				t.Errorf("%d -> %d: %s path differs by %g", tc[0], tc[1], p.name, worst)
			}
		}
	}
	if rs := newResampler(12336, 16000, 100, maxTable); rs.table != nil {
		t.Error("a 100-sample input should not build a table")
	}
}

// TestResampleOddRate uses a ratio with no small table (44101 -> 16000, L =
// 16000 phases) end to end: the 1 kHz amplitude and 10 kHz rejection hold.
func TestResampleOddRate(t *testing.T) {
	if !newResampler(44101, 16000, 44101, maxTable).interp {
		t.Fatal("44101 -> 16000 should use the interpolated path")
	}
	y := Resample(tone(1000, 44101, 44101, 0.5), 44101, 16000)
	if a := amplitude(y, 1000, 16000, 800, len(y)-800); math.Abs(db(a/0.5)) > 0.1 {
		t.Errorf("1 kHz at %+.3f dB", db(a/0.5))
	}
	x := tone(10000, 44101, 44101, 0.5)
	y = Resample(x, 44101, 16000)
	if g := db(rms(y, 800, len(y)-800) / rms(x, 2205, len(x)-2205)); g > -60 {
		t.Errorf("10 kHz only %.1f dB down", -g)
	}
}

// BenchmarkResample measures 60 s of audio from 48 and 44.1 kHz to 16 kHz.
func BenchmarkResample(b *testing.B) {
	for _, from := range []int{48000, 44100} {
		x := tone(1000, from, 60*from, 0.5)
		b.Run(map[int]string{48000: "48k-16k", 44100: "44.1k-16k"}[from], func(b *testing.B) {
			for b.Loop() {
				Resample(x, from, 16000)
			}
			b.ReportMetric(60*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
		})
	}
}

// TestStretch: a tone read at step r is the tone at r times its frequency,
// starting where asked; a constant passes with unit gain; at a step that
// matches a rational resampling, Stretch agrees with Resample; a tone above
// the output's Nyquist rate is filtered out.
func TestStretch(t *testing.T) {
	const rate, f = 16000, 440.0
	x := tone(f, rate, 8000, 0.5)
	for _, r := range []float64{0.97, 1, 1.0123, 1.5} {
		start := 1234.25
		y := make([]float32, 3000)
		Stretch(y, x, start, r)
		for i := 100; i < len(y)-100; i++ {
			want := 0.5 * math.Sin(2*math.Pi*f*(start+float64(i)*r)/rate)
			if math.Abs(float64(y[i])-want) > 1e-3 {
				t.Fatalf("step %v: y[%d] = %v, want %v", r, i, y[i], want)
			}
		}
	}
	dc := make([]float32, 2000)
	for i := range dc {
		dc[i] = 0.25
	}
	y := make([]float32, 500)
	Stretch(y, dc, 300.5, 1.7)
	for i, v := range y {
		if math.Abs(float64(v)-0.25) > 1e-6 {
			t.Fatalf("DC: y[%d] = %v", i, v)
		}
	}
	// 16000 -> 15000 Hz is a step of 16/15 from position 0.
	noise := make([]float32, 3000)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range noise {
		noise[i] = float32(rng.Float64() - 0.5)
	}
	want := Resample(noise, 16000, 15000)
	y = make([]float32, len(want))
	Stretch(y, noise, 0, 16.0/15)
	for i := range y {
		if math.Abs(float64(y[i]-want[i])) > 1e-5 {
			t.Fatalf("against Resample: y[%d] = %v, want %v", i, y[i], want[i])
		}
	}
	// 7 kHz read at step 1.5 would be 10.5 kHz, above 8 kHz: filtered out.
	hi := tone(7000, rate, 8000, 0.5)
	y = make([]float32, 4000)
	Stretch(y, hi, 0, 1.5)
	if a := amplitude(y, 10500-rate, rate, 200, 3800); a > 1e-3 {
		t.Errorf("7 kHz at step 1.5: %v left at its alias", a)
	}
	defer func() {
		if recover() == nil {
			t.Error("Stretch by 0 did not panic")
		}
	}()
	Stretch(y, x, 0, 0)
}
