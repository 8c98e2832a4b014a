package wavenet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// gradConfig is small enough for finite differences over every tensor, with
// all sizes different and K = 3, W0 = 3.
func gradConfig() Config {
	return Config{
		SampleRate: 8000, QuantizationChannels: 7, InputWidth: 3, FilterWidth: 3,
		Dilations:        []int{1, 2, 3},
		ResidualChannels: 3, GateChannels: 4, SkipChannels: 5, EndChannels: 6,
	}
}

// TestForwardCausal: changing c[t0] changes no logit before t0 (bit for bit),
// in its own sequence or another, and does change the logits at t0.
func TestForwardCausal(t *testing.T) {
	for _, cfg := range []Config{oddConfig(), gradConfig()} {
		m := randomModel(t, cfg, 21)
		Q := cfg.QuantizationChannels
		rng := rand.New(rand.NewPCG(1, 2))
		N, T := 2, 60
		codes := randomCodes(rng, N*T, Q)
		ws := NewWorkspace(m, N, T)
		base := slices.Clone(m.Forward(ws, codes, nil))
		for _, t0 := range []int{0, 1, 5, 17, 42, 59} {
			c2 := slices.Clone(codes)
			c2[T+t0] = (c2[T+t0] + 1 + int32(rng.IntN(Q-1))) % int32(Q) // sequence 1
			got := m.Forward(ws, c2, nil)
			for tt := range T {
				for j := range Q {
					if got[tt*Q+j] != base[tt*Q+j] {
						t.Fatalf("t0=%d: sequence 0 changed at t=%d", t0, tt)
					}
					if tt < t0 && got[(T+tt)*Q+j] != base[(T+tt)*Q+j] {
						t.Fatalf("t0=%d: logit at t=%d < t0 changed", t0, tt)
					}
				}
			}
			if slices.Equal(got[(T+t0)*Q:(T+t0+1)*Q], base[(T+t0)*Q:(T+t0+1)*Q]) {
				t.Errorf("t0=%d: logits at t0 did not change", t0)
			}
		}
	}
}

// TestForwardShorterThanWorkspace: a workspace serves any t ≤ T.
func TestForwardShorterThanWorkspace(t *testing.T) {
	m := randomModel(t, oddConfig(), 3)
	rng := rand.New(rand.NewPCG(4, 4))
	codes := randomCodes(rng, 2*30, 37)
	want := slices.Clone(m.Forward(NewWorkspace(m, 2, 30), codes, nil))
	got := m.Forward(NewWorkspace(m, 2, 50), codes, nil)
	if !slices.Equal(got, want) {
		t.Error("a larger workspace gives other logits")
	}
}

// TestGradientFiniteDifferences checks Backward through Forward and
// CrossEntropy for every tensor of a tiny model (see gradCheck).
func TestGradientFiniteDifferences(t *testing.T) {
	gradCheck(t, gradConfig(), nil, 2, 14, rand.New(rand.NewPCG(32, 33)))
}

// gradCheck checks the gradient of a random model of cfg, its weights 1.5
// times RandomInit's, over n sequences of t random codes conditioned on
// conds: for every tensor, the directional derivative along random unit
// directions in it, by central differences, against Σ grad·v. It also
// checks that Backward accumulates (twice doubles the gradient), and
// returns the gradient.
func gradCheck(t *testing.T, cfg Config, conds []Cond, N, T int, rng *rand.Rand) *Model {
	t.Helper()
	m := randomModel(t, cfg, 31)
	// Larger weights make the gates work away from their linear region.
	for j := range m.Params {
		m.Params[j] *= 1.5
	}
	Q := cfg.QuantizationChannels
	codes := randomCodes(rng, N*T, Q)
	targets := randomCodes(rng, N*T, Q)
	targets[0], targets[T+3] = -1, -1 // ignored positions
	ws := NewWorkspace(m, N, T)
	loss := func() float64 {
		return CrossEntropy(nil, m.Forward(ws, codes, conds), targets, Q)
	}
	grad := m.NewLike()
	logits := m.Forward(ws, codes, conds)
	dl := make([]float32, len(logits))
	CrossEntropy(dl, logits, targets, Q)
	m.Backward(ws, dl, grad)

	// float32 rounding and the kinks of the two relus make a single
	// central difference unreliable now and then (a pre-activation within
	// eps of 0 flips), so each tensor gets five random unit directions and
	// the median relative error must be small. A real bug is wrong in
	// every direction.
	gt := grad.Tensors()
	lastResidual := fmt.Sprintf("layers.%d.residual.", len(cfg.Dilations)-1)
	const eps, tol, dirs = 1e-3, 2e-2, 5
	var worst float64
	for ti, tn := range m.Tensors() {
		p, g := tn.Data, gt[ti].Data
		orig := slices.Clone(p)
		rels := make([]float64, dirs)
		var an, fd float64
		for d := range rels {
			v := make([]float64, len(p))
			var norm float64
			for j := range v {
				v[j] = rng.NormFloat64()
				norm += v[j] * v[j]
			}
			an = 0
			for j := range v {
				v[j] /= math.Sqrt(norm)
				an += float64(g[j]) * v[j]
			}
			shift := func(e float64) float64 {
				for j := range p {
					p[j] = float32(float64(orig[j]) + e*v[j])
				}
				return loss()
			}
			fd = (shift(eps) - shift(-eps)) / (2 * eps)
			copy(p, orig)
			rels[d] = math.Abs(fd-an) / max(math.Abs(fd), math.Abs(an), 1e-3)
			if strings.HasPrefix(tn.Name, lastResidual) {
				// The last residual output feeds nothing: zero gradient.
				if an != 0 || math.Abs(fd) > 1e-4 {
					t.Errorf("%s: gradient %g, finite difference %g, want 0", tn.Name, an, fd)
				}
				rels[d] = 0
			} else if math.Abs(an) < 1e-4 {
				t.Errorf("%s: directional derivative %g is too small to test", tn.Name, an)
			}
		}
		slices.Sort(rels)
		med := rels[dirs/2]
		worst = max(worst, med)
		t.Logf("%-30s median relative error %.1e (last direction: backward %+.6f, finite difference %+.6f)", tn.Name, med, an, fd)
		if med > tol {
			t.Errorf("%s: backward and finite differences disagree: relative errors %.2g", tn.Name, rels)
		}
	}
	t.Logf("worst median relative error %.2g", worst)

	// Accumulation.
	g1 := slices.Clone(grad.Params)
	m.Forward(ws, codes, conds)
	m.Backward(ws, dl, grad)
	for j := range g1 {
		if math.Abs(float64(grad.Params[j]-2*g1[j])) > 1e-5*(1+math.Abs(float64(g1[j]))) {
			t.Fatalf("Backward does not accumulate: param %d %g after two, %g after one", j, grad.Params[j], g1[j])
		}
	}
	for j := range grad.Params {
		grad.Params[j] = g1[j]
	}
	return grad
}

func TestCrossEntropy(t *testing.T) {
	logits := []float32{1, 2, 3, 0, 0, 0, 5, -5, 0}
	targets := []int32{2, -1, 0}
	dl := make([]float32, len(logits))
	got := CrossEntropy(dl, logits, targets, 3)
	l0 := math.Log(math.Exp(1)+math.Exp(2)+math.Exp(3)) - 3
	l2 := math.Log(math.Exp(5)+math.Exp(-5)+1) - 5
	if want := (l0 + l2) / 2; math.Abs(got-want) > 1e-6 { // float32 exponentials
		t.Errorf("CrossEntropy = %g, want %g", got, want)
	}
	for j := 3; j < 6; j++ {
		if dl[j] != 0 {
			t.Errorf("ignored row has gradient %v", dl[3:6])
		}
	}
	for r := range 3 {
		var s float64
		for _, v := range dl[r*3 : r*3+3] {
			s += float64(v)
		}
		if math.Abs(s) > 1e-7 {
			t.Errorf("row %d gradient sums to %g", r, s)
		}
	}
	if want := float32((math.Exp(3)/(math.Exp(1)+math.Exp(2)+math.Exp(3)) - 1) / 2); math.Abs(float64(dl[2]-want)) > 1e-7 {
		t.Errorf("dlogits[0,2] = %g, want %g", dl[2], want)
	}
	if CrossEntropy(dl, logits, []int32{-1, -1, -1}, 3) != 0 {
		t.Error("no counted rows: want 0")
	}
}

// TestBitsPerSampleMatchesForward: the chunked evaluation equals one forward
// pass over the whole clip: clips several chunks long (each later chunk
// carries RF − 1 codes of context), one shorter than the receptive field,
// and the shortest clip with something to predict.
func TestBitsPerSampleMatchesForward(t *testing.T) {
	small, _ := Preset("small")
	for _, tc := range []struct {
		cfg Config
		T   int
	}{{oddConfig(), 3*evalChunk + 123}, {small, 2*evalChunk + 7}, {oddConfig(), 50}, {oddConfig(), 2}} {
		if testing.Short() && tc.cfg.QuantizationChannels == 256 {
			continue // the small preset over 16k codes takes seconds
		}
		m := randomModel(t, tc.cfg, 41)
		Q := tc.cfg.QuantizationChannels
		// Codes from a slow random walk, so the model's predictions depend
		// on context and a chunking error would show.
		rng := rand.New(rand.NewPCG(42, 43))
		codes := make([]int32, tc.T)
		c := int32(Q / 2)
		for i := range codes {
			c = min(max(c+int32(rng.IntN(5))-2, 0), int32(Q-1))
			codes[i] = c
		}
		got := m.BitsPerSample(codes, Cond{})
		ws := NewWorkspace(m, 1, tc.T-1)
		logits := m.Forward(ws, codes[:tc.T-1], nil)
		want := CrossEntropy(nil, logits, codes[1:], Q) / math.Ln2
		t.Logf("Q=%d T=%d RF=%d: %.9f bits, forward %.9f", Q, tc.T, tc.cfg.ReceptiveField(), got, want)
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("T=%d: BitsPerSample %.9f, whole forward %.9f", tc.T, got, want)
		}
	}
	m := randomModel(t, oddConfig(), 41)
	if b := m.BitsPerSample([]int32{3}, Cond{}); b != 0 {
		t.Errorf("one code: %g bits, want 0", b)
	}
}

// BenchmarkForwardBackward reports training throughput (samples/s) of the
// small preset on 4 sequences of 2000 steps.
func BenchmarkForwardBackward(b *testing.B) {
	cfg, _ := Preset("small")
	m := randomModel(b, cfg, 1)
	N, T := 4, 2000
	rng := rand.New(rand.NewPCG(1, 1))
	codes := randomCodes(rng, N*T, cfg.QuantizationChannels)
	targets := randomCodes(rng, N*T, cfg.QuantizationChannels)
	ws := NewWorkspace(m, N, T)
	grad := m.NewLike()
	dl := make([]float32, N*T*cfg.QuantizationChannels)
	b.ResetTimer()
	for b.Loop() {
		logits := m.Forward(ws, codes, nil)
		CrossEntropy(dl, logits, targets, cfg.QuantizationChannels)
		m.Backward(ws, dl, grad)
	}
	b.ReportMetric(float64(b.N*N*T)/b.Elapsed().Seconds(), "samples/s")
}
