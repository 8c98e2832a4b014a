package audio

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
)

// TestMelGoldenPeer compares Features on a real clip (a trumpet, with 640
// samples of digital silence first) with the reference's `mel` subcommand
// at four hops and band counts, among them the hop 125 (frame length 500,
// not a power of two), the odd hop 75 (P = 112) and hop 64 with 80 bands,
// where band 0 falls between two FFT bins. See
// testdata/golden/mel/README.md for how the files were made.
func TestMelGoldenPeer(t *testing.T) {
	x, info, err := ReadFile(filepath.Join(melGolden, "clip.wav"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.SampleRate != 16000 || len(x) != 12640 {
		t.Fatalf("clip: %d samples at %d Hz", len(x), info.SampleRate)
	}
	for _, c := range []struct {
		hop, bands int
		empty      []int
	}{{256, 80, nil}, {125, 80, nil}, {75, 40, nil}, {64, 80, []int{0, 3}}} {
		name := fmt.Sprintf("clip_h%d_b%d.npy", c.hop, c.bands)
		t.Run(name, func(t *testing.T) {
			want, rows, cols, err := ReadNpy(filepath.Join(melGolden, name))
			if err != nil {
				t.Fatal(err)
			}
			m, err := NewMel(info.SampleRate, c.hop, c.bands)
			if err != nil {
				t.Fatal(err)
			}
			got, nf := m.Features(nil, x)
			if rows != c.bands || cols != nf || len(got) != len(want) {
				t.Fatalf("ours [%d, %d], the reference's [%d, %d]", c.bands, nf, rows, cols)
			}
			worst, at := 0.0, 0
			for i := range got {
				if d := math.Abs(float64(got[i]) - float64(want[i])); d > worst || d != d {
					worst, at = d, i
				}
			}
			t.Logf("[%d, %d]: max |ours - reference| = %.2g at band %d, frame %d", rows, cols, worst, at/nf, at%nf)
			if !(worst <= 1e-5) {
				t.Errorf("max |ours - reference| = %g at band %d, frame %d (%v vs %v)", worst, at/nf, at%nf, got[at], want[at])
			}
			if e := m.EmptyBands(); !slices.Equal(e, c.empty) {
				t.Errorf("empty bands %v, want %v", e, c.empty)
			}
			// The clip starts with 640 zeros: frames whose window ends
			// before sample 640 are silent, so all at the floor, as are
			// empty bands everywhere.
			for j := 0; j*c.hop-m.pad+m.n <= 640; j++ {
				for b := range c.bands {
					if got[b*nf+j] != float32(MelFloor) {
						t.Fatalf("silent frame %d, band %d = %v", j, b, got[b*nf+j])
					}
				}
			}
			for _, b := range c.empty {
				for j := range nf {
					if got[b*nf+j] != float32(MelFloor) {
						t.Fatalf("empty band %d, frame %d = %v", b, j, got[b*nf+j])
					}
				}
			}
		})
	}
}

// directLogMel computes the spec's log-mel of frame j of x literally: the
// DFT as the sum over n, dense triangles by the formula, in float64.
func directLogMel(x []float32, rate, hop, bands, j int) []float64 {
	n, pad := 4*hop, 3*hop/2
	mel := func(f float64) float64 { return 2595 * math.Log10(1+f/700) }
	nu := make([]float64, bands+2)
	for b := range nu {
		nu[b] = 700 * (math.Pow(10, float64(b)*mel(float64(rate)/2)/float64(bands+1)/2595) - 1)
	}
	mag := make([]float64, n/2+1)
	for k := range mag {
		var s complex128
		for i := range n {
			t := j*hop - pad + i
			if t < 0 || t >= len(x) {
				continue
			}
			w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
			sin, cos := math.Sincos(-2 * math.Pi * float64(k*i%n) / float64(n))
			s += complex(w*float64(x[t]), 0) * complex(cos, sin)
		}
		mag[k] = cmplx.Abs(s)
	}
	out := make([]float64, bands)
	for b := range out {
		s := 0.0
		for k := range mag {
			phi := float64(k) * float64(rate) / float64(n)
			w := max(0, min((phi-nu[b])/(nu[b+1]-nu[b]), (nu[b+2]-phi)/(nu[b+2]-nu[b+1])))
			s += w * mag[k]
		}
		out[b] = (math.Log(max(s, 1e-5)) + 4) / 4
	}
	return out
}

// TestMelDirect checks Features against the spec's formulas evaluated
// literally (directLogMel) on noise, at every frame of a clip that is not a
// whole number of hops, for small hops of each FFT path: frame lengths
// that are powers of 4 (hops 64, 16, 1: radix 4, two frames at a time), of
// 2 only (hops 32, 8: radix 2) and neither (hops 13, 7, 3: gonum's real
// FFT), with an odd count of frames in the last block of 16 for each pair
// path, and bands empty at the small hops. The noise drops by 100 dB after
// three hops, so that the pair paths compute loud frames with quiet ones.
func TestMelDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ rate, hop, bands, samples int }{
		{16000, 64, 20, 1190}, {8000, 32, 12, 600}, {8000, 16, 6, 301}, {8000, 8, 5, 161}, {8000, 13, 9, 200},
		{16000, 7, 3, 50}, {22050, 1, 2, 5}, {1000, 3, 4, 1},
	} {
		x := make([]float32, c.samples)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 0.3)
			if i >= 3*c.hop { // paired frames of very different loudness
				x[i] *= 1e-5
			}
		}
		m, err := NewMel(c.rate, c.hop, c.bands)
		if err != nil {
			t.Fatal(err)
		}
		got, nf := m.Features(nil, x)
		if nf != (c.samples+c.hop-1)/c.hop || len(got) != nf*c.bands {
			t.Fatalf("%+v: %d frames, %d values", c, nf, len(got))
		}
		for j := range nf {
			want := directLogMel(x, c.rate, c.hop, c.bands, j)
			for b, w := range want {
				if d := math.Abs(float64(got[b*nf+j]) - w); !(d <= 1e-6) {
					t.Fatalf("%+v: frame %d band %d = %v, the formula says %v", c, j, b, got[b*nf+j], w)
				}
			}
		}
	}
}

// melMagnitude returns the frame's mel magnitudes summed over bands,
// exp(4·L - 4) undone from the features.
func melMagnitude(f []float32, bands, nf, j int) float64 {
	s := 0.0
	for b := range bands {
		s += math.Exp(melScale*float64(f[b*nf+j]) - melShift)
	}
	return s
}

// loudestFrame returns the frame of the largest melMagnitude.
func loudestFrame(f []float32, bands, nf int) int {
	best, at := -1.0, -1
	for j := range nf {
		if e := melMagnitude(f, bands, nf, j); e > best {
			best, at = e, j
		}
	}
	return at
}

// TestMelBurst: an impulse at sample s peaks in the frame whose window
// centre jH + ⌈H/2⌉ is nearest s. That is its own frame ⌊s/H⌋ except at a
// frame's first sample (s = jH), which lies as near frame j-1's centre
// (H even: a tie) or nearer (H odd), so that frame wins. And a burst of
// noise filling a frame's samples [jH, (j+1)H) peaks in frame j. Every s
// of the first three frames is tried, and the end of the clip; bursts at
// the start, middle and end.
func TestMelBurst(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, hop := range []int{256, 125, 7} {
		m, err := NewMel(16000, hop, 80)
		if hop == 7 {
			m, err = NewMel(16000, hop, 4)
		}
		if err != nil {
			t.Fatal(err)
		}
		const frames = 12
		x := make([]float32, frames*hop-hop/3) // the last frame is partial
		nf := m.Frames(len(x))
		var f []float32
		var at []int
		for s := range 3 * hop {
			at = append(at, s)
		}
		at = append(at, len(x)-hop/2, len(x)-1)
		for _, s := range at {
			clear(x)
			x[s] = 0.5
			f, _ = m.Features(f, x)
			got := loudestFrame(f, m.Bands(), nf)
			dist := func(j int) int { return abs(s - j*hop - (hop+1)/2) }
			nearest := 0
			for j := range nf {
				if dist(j) < dist(nearest) {
					nearest = j
				}
			}
			if dist(got) != dist(nearest) {
				t.Fatalf("hop %d: impulse at %d peaks in frame %d, centred at %d, not in frame %d, centred at %d", hop, s, got, got*hop+(hop+1)/2, nearest, nearest*hop+(hop+1)/2)
			}
			own := s / hop
			switch {
			case s%hop != 0 && got != own:
				t.Fatalf("hop %d: impulse at %d (frame %d) peaks in frame %d", hop, s, own, got)
			case s%hop == 0 && own > 0 && hop%2 == 1 && got != own-1:
				t.Fatalf("hop %d: impulse at %d, the first sample of frame %d, peaks in frame %d, not %d", hop, s, own, got, own-1)
			}
		}
		for _, j := range []int{0, 5, nf - 1} {
			clear(x)
			for i := j * hop; i < min((j+1)*hop, len(x)); i++ {
				x[i] = float32(rng.NormFloat64() * 0.2)
			}
			f, _ = m.Features(f, x)
			if got := loudestFrame(f, m.Bands(), nf); got != j {
				t.Errorf("hop %d: noise in frame %d's samples peaks in frame %d", hop, j, got)
			}
		}
	}
}

func abs(n int) int { return max(n, -n) }

// TestMelTone: a steady tone peaks, in a middle frame, in the band whose
// centre ν[b+1] is nearest its frequency: tried at every band's centre and
// a third of the way from it to each neighbour's, at hops 256 and 125.
// The Hann window's main lobe (±2 bins) blurs triangles narrower than two
// bins, so only bands spanning at least two bins are tried: all 80 at hop
// 256, the upper 68 at hop 125 (where the lowest nine, under 1.8 bins,
// fail: a tone at band 1's centre, 44.9 Hz, peaks in band 2).
func TestMelTone(t *testing.T) {
	const rate = 16000
	for _, hop := range []int{256, 125} {
		m, err := NewMel(rate, hop, 80)
		if err != nil {
			t.Fatal(err)
		}
		nu := m.BandEdges()
		bin := float64(rate) / float64(m.FrameLen())
		x := make([]float32, 8*hop)
		var f []float32
		tried := 0
		for b := range m.Bands() {
			if nu[b+2]-nu[b] < 2*bin {
				continue
			}
			for _, at := range []float64{-1. / 3, 0, 1. / 3} {
				hz := nu[b+1]
				if at < 0 {
					hz += -at * (nu[b] - nu[b+1])
				} else {
					hz += at * (nu[b+2] - nu[b+1])
				}
				for i := range x {
					x[i] = float32(0.5 * math.Sin(2*math.Pi*hz*float64(i)/rate))
				}
				var nf int
				f, nf = m.Features(f, x)
				j := nf / 2
				got := 0
				for c := range m.Bands() {
					if f[c*nf+j] > f[got*nf+j] {
						got = c
					}
				}
				if got != b {
					t.Errorf("hop %d: a tone at %.1f Hz (band %d's centre %.1f Hz) peaks in band %d (centre %.1f Hz)", hop, hz, b, nu[b+1], got, nu[got+1])
				}
				tried++
			}
		}
		if tried < 3*m.Bands()*3/4 {
			t.Fatalf("hop %d: only %d tones tried", hop, tried)
		}
	}
}

// TestMelSilence: silence, and samples so quiet that no band reaches the
// floor's 1e-5, give MelFloor = (ln(1e-5) + 4)/4 everywhere.
func TestMelSilence(t *testing.T) {
	if want := (math.Log(1e-5) + 4) / 4; math.Abs(MelFloor-want) > 1e-15 || float32(MelFloor) != float32(-1.8782314) {
		t.Fatalf("MelFloor = %v, want %v", MelFloor, want)
	}
	for _, hop := range []int{256, 125} {
		m, err := NewMel(16000, hop, 80)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []float32{0, 1e-12} {
			x := make([]float32, 5000)
			for i := range x {
				x[i] = v * float32(i%3-1)
			}
			f, nf := m.Features(nil, x)
			if nf != (5000+hop-1)/hop {
				t.Fatalf("%d frames", nf)
			}
			for i, v := range f {
				if v != float32(MelFloor) {
					t.Fatalf("hop %d: band %d, frame %d = %v, want %v", hop, i/nf, i%nf, v, float32(MelFloor))
				}
			}
		}
	}
}

// TestMelThreadsAndReuse: the features are bit-identical for any thread
// count, and dst is reused when it is large enough.
func TestMelThreadsAndReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := make([]float32, 100*256+17)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 0.1)
	}
	m, err := NewMel(16000, 256, 80)
	if err != nil {
		t.Fatal(err)
	}
	want, nf := m.Features(nil, x)
	if nf != 101 {
		t.Fatalf("%d frames", nf)
	}
	for _, n := range []int{2, 3, 8, 0} {
		m.SetThreads(n)
		dst := make([]float32, 0, len(want)+5)
		got, _ := m.Features(dst, x)
		if &got[0] != &dst[:1][0] {
			t.Errorf("%d threads: dst not reused", n)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%d threads: features differ from one thread's", n)
		}
	}
	if f, nf := m.Features(nil, nil); nf != 0 || len(f) != 0 {
		t.Errorf("no samples: %d frames", nf)
	}
	if got := m.Frames(256); got != 1 {
		t.Errorf("Frames(256) = %d", got)
	}
	if got := m.Frames(257); got != 2 {
		t.Errorf("Frames(257) = %d", got)
	}
}

// TestMelNaN: a NaN or an infinity makes NaN exactly the frames whose
// window covers it (hop 100, a real FFT per frame), or those and at most
// one more on either side (hop 64, frames paired in complex FFTs); every
// other frame is finite.
func TestMelNaN(t *testing.T) {
	for _, hop := range []int{100, 64} {
		m, err := NewMel(16000, hop, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []float64{math.NaN(), math.Inf(-1)} {
			x := make([]float32, 2000)
			for i := range x {
				x[i] = float32(math.Sin(float64(i)))
			}
			x[1000] = float32(bad)
			f, nf := m.Features(nil, x)
			covers := func(j int) bool { start := j*hop - m.pad; return start <= 1000 && 1000 < start+m.n }
			for j := range nf {
				for b := range 10 {
					v := float64(f[b*nf+j])
					near := covers(j) || hop == 64 && (covers(j-1) || covers(j+1))
					if covers(j) && !math.IsNaN(v) || !near && (math.IsNaN(v) || math.IsInf(v, 0)) {
						t.Fatalf("hop %d, %v at sample 1000: frame %d (samples %d..%d) band %d = %v", hop, bad, j, j*hop-m.pad, j*hop-m.pad+m.n-1, b, v)
					}
				}
			}
		}
	}
}

func TestNewMelErrors(t *testing.T) {
	for _, c := range []struct{ rate, hop, bands int }{
		{999, 256, 80}, {16000, 0, 80}, {16000, -1, 80}, {16000, MaxMelHop + 1, 80},
		{16000, 256, 0}, {16000, 256, MaxMelBands + 1}, {MaxRate + 1, 256, 80},
	} {
		if m, err := NewMel(c.rate, c.hop, c.bands); err == nil || m != nil {
			t.Errorf("NewMel(%d, %d, %d) accepted", c.rate, c.hop, c.bands)
		} else {
			t.Log(err)
		}
	}
	if _, err := NewMel(MinRate, 1, MaxMelBands); err != nil {
		t.Errorf("the smallest rate and hop with the most bands: %v", err)
	}
}

// TestMelBandEdges: the edges are the spec's, 0 Hz to half the rate,
// equally spaced in mel.
func TestMelBandEdges(t *testing.T) {
	m, err := NewMel(22050, 256, 80)
	if err != nil {
		t.Fatal(err)
	}
	nu := m.BandEdges()
	if len(nu) != 82 || nu[0] != 0 || math.Abs(nu[81]-11025) > 1e-9 {
		t.Fatalf("edges %v ... %v (%d)", nu[0], nu[len(nu)-1], len(nu))
	}
	mel := func(f float64) float64 { return 2595 * math.Log10(1+f/700) }
	step := mel(11025) / 81
	for b := 1; b < len(nu); b++ {
		if d := mel(nu[b]) - mel(nu[b-1]); math.Abs(d-step) > 1e-9 {
			t.Fatalf("edge %d: %v mel above the last, want %v", b, d, step)
		}
	}
}

// BenchmarkMel10Min: the features of a 10-minute 16 kHz clip (noise) at
// hop 256 and 125 with 80 bands, on one and two goroutines.
func BenchmarkMel10Min(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, 600*16000)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 0.1)
	}
	for _, hop := range []int{256, 125} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("hop%d/threads%d", hop, threads), func(b *testing.B) {
				m, err := NewMel(16000, hop, 80)
				if err != nil {
					b.Fatal(err)
				}
				m.SetThreads(threads)
				var f []float32
				for b.Loop() {
					f, _ = m.Features(f, x)
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/clip")
			})
		}
	}
}
