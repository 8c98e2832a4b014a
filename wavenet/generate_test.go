package wavenet

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// oddConfig has every size different, an input conv wider than the filters,
// K = 3 and mixed dilations, so that a mixed-up index cannot cancel out.
func oddConfig() Config {
	return Config{
		SampleRate: 8000, QuantizationChannels: 37, InputWidth: 4, FilterWidth: 3,
		Dilations:        []int{1, 3, 2, 7, 1, 5},
		ResidualChannels: 6, GateChannels: 5, SkipChannels: 9, EndChannels: 11,
	}
}

func randomModel(t testing.TB, cfg Config, seed uint64) *Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	RandomInit(m, rand.New(rand.NewPCG(seed, 99)))
	return m
}

func randomCodes(rng *rand.Rand, n, q int) []int32 {
	c := make([]int32, n)
	for i := range c {
		c[i] = int32(rng.IntN(q))
	}
	return c
}

// TestIncrementalMatchesForward: stepping the generator through codes gives
// the logits of the full forward pass, for N streams with different codes,
// on every preset and on the odd config, with random weights and biases;
// and so with conditioning, global, local and both (condConfig), with
// streams of different classes and frames, some running past their last
// frame (randomConds).
func TestIncrementalMatchesForward(t *testing.T) {
	cases := []struct {
		name          string
		global, local bool
	}{
		{"odd", false, false},
		{"odd", true, false},
		{"odd", false, true},
		{"odd", true, true},
		{"small", false, false},
		{"small", true, true},
		{"medium", false, false},
		{"medium", true, true},
		{"ibab", false, false},
		{"ibab", true, true},
	}
	for _, tc := range cases {
		name := tc.name + condName(tc.global, tc.local)
		t.Run(name, func(t *testing.T) {
			if testing.Short() && (tc.name == "medium" || tc.name == "ibab") {
				t.Skip("long preset check; run without -short")
			}
			cfg := oddConfig()
			if tc.name != "odd" {
				var err error
				if cfg, err = Preset(tc.name); err != nil {
					t.Fatal(err)
				}
			}
			cfg = condConfig(cfg, tc.global, tc.local)
			m := randomModel(t, cfg, 1)
			rng := rand.New(rand.NewPCG(2, 3))
			N, T := 3, 2000
			if cfg.Conditioned() && tc.name == "odd" {
				N = 4 // every kind of randomConds' frame counts; the presets see three
			}
			codes := randomCodes(rng, N*T, cfg.QuantizationChannels) // (N, T), a different sequence per stream
			conds := randomConds(rng, cfg, N, T)
			worst, worstAt, scale := incrementalVsForward(t, m, codes, conds, N, T)
			t.Logf("%s: max |incremental − forward| = %.3g at step %d over %d steps × %d streams (max |logit| %.3g)", name, worst, worstAt, T, N, scale)
			if !(worst <= 1e-4) {
				t.Errorf("incremental logits differ from the forward pass by %g (> 1e-4)", worst)
			}
			if scale < 0.1 {
				t.Errorf("logits are suspiciously small (max %g): the test would not see a bug", scale)
			}
		})
	}
}

// incrementalVsForward steps a generator of m through codes (N, T), each
// stream conditioned on its conds (nil for an unconditioned model), and
// returns the largest difference from the logits of one Forward over them,
// the step where it was, and the largest |logit|.
func incrementalVsForward(t *testing.T, m *Model, codes []int32, conds []Cond, N, T int) (worst float64, worstAt int, scale float64) {
	t.Helper()
	Q := m.Config.QuantizationChannels
	full := m.Forward(NewWorkspace(m, N, T), codes, conds)
	g := NewGenerator(m, N)
	for s, c := range conds {
		if err := g.SetCond(s, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Prime(nil); err != nil {
		t.Fatal(err)
	}
	in := make([]int32, N)
	for tt := 0; tt < T; tt++ {
		for s := range N {
			in[s] = codes[s*T+tt]
		}
		inc := g.Step(in)
		for s := range N {
			for j := range Q {
				want := float64(full[(s*T+tt)*Q+j])
				d := math.Abs(float64(inc[s*Q+j]) - want)
				scale = max(scale, math.Abs(want))
				if d > worst || d != d {
					worst, worstAt = d, tt
				}
			}
		}
	}
	return worst, worstAt, scale
}

// TestPrimeAndGenerateGreedy checks the reference's generate_incremental
// semantics: Prime feeds all but the last code, and greedy generation equals
// the argmax of the full forward pass over prime+generated codes, code for
// code.
func TestPrimeAndGenerateGreedy(t *testing.T) {
	m := randomModel(t, oddConfig(), 5)
	Q := m.Config.QuantizationChannels
	rng := rand.New(rand.NewPCG(6, 7))
	prime := randomCodes(rng, 40, Q)
	g := NewGenerator(m, 2)
	g.Prime(prime)
	var got [][]int32
	err := g.Generate(60, 0, nil, func(c []int32) error {
		got = append(got, slices.Clone(c))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seq := slices.Clone(prime)
	for i, c := range got {
		if c[0] != c[1] {
			t.Fatalf("step %d: greedy streams with the same prime differ: %v", i, c)
		}
		seq = append(seq, c[0])
	}
	// Naive greedy: the forward pass over the whole sequence so far.
	ws := NewWorkspace(m, 1, len(seq))
	for i := range got {
		n := len(prime) + i
		logits := m.Forward(ws, seq[:n], nil)
		want := argmax(logits[(n-1)*Q : n*Q])
		if int32(want) != got[i][0] {
			t.Fatalf("step %d: generator drew %d, forward argmax is %d", i, got[i][0], want)
		}
	}

	// Empty prime: the history is the single code Q/2.
	g.Prime(nil)
	var first []int32
	g.Generate(1, 0, nil, func(c []int32) error { first = slices.Clone(c); return nil })
	ws1 := NewWorkspace(m, 1, 1)
	if want := argmax(m.Forward(ws1, []int32{int32(Q / 2)}, nil)); first[0] != int32(want) {
		t.Errorf("empty prime: first code %d, want %d (argmax after code Q/2)", first[0], want)
	}
}

func TestGenerateSeeded(t *testing.T) {
	m := randomModel(t, oddConfig(), 8)
	run := func(seed uint64, temp float64) []int32 {
		g := NewGenerator(m, 3)
		g.Prime([]int32{1, 2, 3})
		var out []int32
		err := g.Generate(200, temp, rand.New(rand.NewPCG(seed, 1)), func(c []int32) error {
			out = append(out, c...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := run(1, 1), run(1, 1)
	if !slices.Equal(a, b) {
		t.Error("same seed, different output")
	}
	if c := run(2, 1); slices.Equal(a, c) {
		t.Error("different seeds, same output")
	}
	// Streams draw independently.
	if s0, s1 := stream(a, 3, 0), stream(a, 3, 1); slices.Equal(s0, s1) {
		t.Error("sampled streams are identical")
	}
	if !slices.Equal(run(1, 0), run(9, 0)) {
		t.Error("greedy output depends on the seed")
	}
	// A tiny temperature is nearly greedy; a huge one is nearly uniform.
	greedy, cold := run(1, 0), run(3, 1e-4)
	if !slices.Equal(greedy, cold) {
		t.Error("temperature 1e-4 differs from greedy")
	}
	hot := run(4, 1e4)
	distinct := map[int32]bool{}
	for _, c := range hot {
		distinct[c] = true
	}
	if len(distinct) < 30 {
		t.Errorf("temperature 1e4 drew only %d distinct codes of 37 in 600 draws", len(distinct))
	}
}

func stream(codes []int32, n, s int) []int32 {
	var out []int32
	for i := s; i < len(codes); i += n {
		out = append(out, codes[i])
	}
	return out
}

// TestSampleDistribution: at temperature 1 the empirical class frequencies
// follow softmax(logits).
func TestSampleDistribution(t *testing.T) {
	probs := make([]float32, 4)
	logits := []float32{0, 1, 2, -1}
	var z float64
	for _, v := range logits {
		z += math.Exp(float64(v))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const draws = 200000
	var count [4]int
	for range draws {
		count[sampleFrom(logits, Sampling{Temperature: 1}, rng.Float64(), probs)]++
	}
	for j, v := range logits {
		p := math.Exp(float64(v)) / z
		got := float64(count[j]) / draws
		if math.Abs(got-p) > 5*math.Sqrt(p*(1-p)/draws) {
			t.Errorf("class %d: frequency %.4f, want %.4f", j, got, p)
		}
	}
	// Temperature 2 flattens: softmax(l/2).
	count = [4]int{}
	for range draws {
		count[sampleFrom(logits, Sampling{Temperature: 2}, rng.Float64(), probs)]++
	}
	z = 0
	for _, v := range logits {
		z += math.Exp(float64(v) / 2)
	}
	for j, v := range logits {
		p := math.Exp(float64(v)/2) / z
		got := float64(count[j]) / draws
		if math.Abs(got-p) > 5*math.Sqrt(p*(1-p)/draws) {
			t.Errorf("T=2 class %d: frequency %.4f, want %.4f", j, got, p)
		}
	}
}

// sampleRef is sampleFrom in float64 throughout: math.Exp of the shifted,
// scaled logits, the first class whose running sum exceeds u·Σ.
func sampleRef(logits []float32, temperature, u float64) int {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	p := make([]float64, len(logits))
	var sum float64
	for j, v := range logits {
		p[j] = math.Exp((float64(v) - mx) / temperature)
		sum += p[j]
	}
	u *= sum
	for j, v := range p {
		u -= v
		if u < 0 {
			return j
		}
	}
	return len(p) - 1
}

// TestSampleMatchesFloat64: over 256 random logits at several temperatures,
// sampleFrom draws the class the float64 reference draws for every u that
// is not within 1e-5 (relative) of a class boundary; the draws are the
// same on a second call; and sampleFrom allocates nothing.
func TestSampleMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const Q = 256
	logits := make([]float32, Q)
	probs := make([]float32, Q)
	for _, temp := range []float64{0.5, 1, 1.7} {
		for i := range logits {
			logits[i] = float32(rng.NormFloat64() * 3)
		}
		// The reference's boundaries, to skip the u that lie on one.
		mx := math.Inf(-1)
		for _, v := range logits {
			mx = max(mx, float64(v))
		}
		cum := make([]float64, Q)
		var sum float64
		for j, v := range logits {
			sum += math.Exp((float64(v) - mx) / temp)
			cum[j] = sum
		}
		checked := 0
		for range 20000 {
			u := rng.Float64()
			near := false
			for _, c := range cum {
				if math.Abs(c/sum-u) < 1e-5 {
					near = true
				}
			}
			got := sampleFrom(logits, Sampling{Temperature: temp}, u, probs)
			if again := sampleFrom(logits, Sampling{Temperature: temp}, u, probs); again != got {
				t.Fatalf("T=%v u=%v: drew %d, then %d", temp, u, got, again)
			}
			if near {
				continue
			}
			checked++
			if want := sampleRef(logits, temp, u); got != want {
				t.Fatalf("T=%v u=%v: drew %d, the float64 reference %d", temp, u, got, want)
			}
		}
		if checked < 19000 {
			t.Errorf("T=%v: only %d of 20000 draws away from a boundary", temp, checked)
		}
	}
	// Easy cases: one class holds all the mass, or the first u.
	if c := sampleFrom([]float32{-100, 50, -100}, Sampling{Temperature: 1}, 0.999999, probs); c != 1 {
		t.Errorf("dominant class: drew %d, want 1", c)
	}
	if c := sampleFrom([]float32{1, 1, 1, 1}, Sampling{Temperature: 1}, 0, probs); c != 0 {
		t.Errorf("u = 0: drew %d, want 0", c)
	}
	if c := sampleFrom([]float32{1, 1, 1, 1}, Sampling{Temperature: 1}, 0.74, probs); c != 2 {
		t.Errorf("u = 0.74 of four equal classes: drew %d, want 2", c)
	}
	if c := sampleFrom([]float32{1, 1, 1, 1}, Sampling{Temperature: 1}, math.Nextafter(1, 0), probs); c != 3 {
		t.Errorf("u just below 1: drew %d, want 3", c)
	}
	if a := testing.AllocsPerRun(100, func() { sampleFrom(logits, Sampling{Temperature: 1}, 0.5, probs) }); a != 0 {
		t.Errorf("sampleFrom allocates %v times", a)
	}
}

func TestGenerateErrors(t *testing.T) {
	m := randomModel(t, oddConfig(), 8)
	g := NewGenerator(m, 1)
	nop := func([]int32) error { return nil }
	for _, temp := range []float64{-1, math.NaN(), math.Inf(1)} {
		if err := g.Generate(1, temp, rand.New(rand.NewPCG(1, 1)), nop); err == nil {
			t.Errorf("temperature %v accepted", temp)
		}
	}
	if err := g.Generate(1, 1, nil, nop); err == nil {
		t.Error("sampling without an rng accepted")
	}
	stop := errors.New("stop")
	calls := 0
	err := g.Generate(10, 0, nil, func([]int32) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("emit error: got %v after %d calls", err, calls)
	}
}

func TestGeneratorNoAllocation(t *testing.T) {
	for _, tc := range []struct {
		streams int
		weights Weights
	}{{1, WeightsF32}, {4, WeightsF32}, {1, WeightsF16}, {4, WeightsF16}} {
		streams := tc.streams
		t.Run(fmt.Sprint(streams, tc.weights), func(t *testing.T) {
			m := randomModel(t, oddConfig(), 10)
			g := NewGeneratorWith(m, streams, GeneratorOptions{Weights: tc.weights})
			g.Prime([]int32{3, 4, 5})
			in := make([]int32, streams)
			if a := testing.AllocsPerRun(100, func() { g.Step(in) }); a != 0 {
				t.Errorf("Step allocates %v times", a)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			emit := func([]int32) error { return nil }
			if a := testing.AllocsPerRun(20, func() { g.Generate(10, 1, rng, emit) }); a != 0 {
				t.Errorf("Generate allocates %v times per 10 steps", a)
			}
			if a := testing.AllocsPerRun(20, func() { g.Generate(10, 0, nil, emit) }); a != 0 {
				t.Errorf("greedy Generate allocates %v times per 10 steps", a)
			}
		})
	}
}

// BenchmarkGenerate reports samples per second of the small preset, one
// stream and eight (on one goroutine), with float32 and float16 weights,
// greedy and sampled at temperature 1, per second and per CPU-second of
// its thread (which a busy machine lowers less).
func BenchmarkGenerate(b *testing.B) {
	cfg, _ := Preset("small")
	m := randomModel(b, cfg, 1)
	for _, streams := range []int{1, 8} {
		for _, w := range []Weights{WeightsF32, WeightsF16} {
			for _, temp := range []float64{0, 1} {
				b.Run(fmt.Sprintf("small/streams=%d/%v/T=%v", streams, w, temp), func(b *testing.B) {
					g := NewGeneratorWith(m, streams, GeneratorOptions{Weights: w})
					rng := rand.New(rand.NewPCG(1, 2))
					emit := func([]int32) error { return nil }
					runtime.LockOSThread() // one part: Generate runs on this goroutine
					defer runtime.UnlockOSThread()
					b.ResetTimer()
					cpu0 := threadCPU()
					g.Generate(b.N, temp, rng, emit)
					b.ReportMetric(float64(b.N*streams)/b.Elapsed().Seconds(), "samples/s")
					if cpu := threadCPU() - cpu0; cpu > 0 {
						b.ReportMetric(float64(b.N*streams)/cpu.Seconds(), "samples/cpu-s")
					}
				})
			}
		}
	}
}

// TestSampleMinProb: with a minimum probability the codes below it are
// never drawn, the rest in proportion to their probabilities; the most
// likely code stays even when the floor is above it; MinProb 0 draws as
// before, bit for bit.
func TestSampleMinProb(t *testing.T) {
	probs := make([]float32, 5)
	logits := []float32{0, 1, 2, -1, -3} // p ≈ .086 .234 .636 .032 .004
	var z float64
	for _, v := range logits {
		z += math.Exp(float64(v))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const draws = 200000
	var count [5]int
	s := Sampling{Temperature: 1, MinProb: 0.05}
	for range draws {
		count[sampleFrom(logits, s, rng.Float64(), probs)]++
	}
	kept := (math.Exp(0) + math.Exp(1) + math.Exp(2)) / z
	for j, v := range logits {
		p := math.Exp(float64(v)) / z
		want := 0.0
		if p >= s.MinProb {
			want = p / kept
		}
		got := float64(count[j]) / draws
		if want == 0 && count[j] != 0 || math.Abs(got-want) > 5*math.Sqrt(want*(1-want)/draws)+1e-9 {
			t.Errorf("class %d (p %.4f): frequency %.4f, want %.4f", j, p, got, want)
		}
	}
	// A floor above every probability keeps the most likely code alone.
	for _, u := range []float64{0, 0.5, math.Nextafter(1, 0)} {
		if c := sampleFrom(logits, Sampling{Temperature: 1, MinProb: 0.9}, u, probs); c != 2 {
			t.Errorf("MinProb 0.9, u %v: class %d, want 2", u, c)
		}
	}
	// MinProb 0 is the plain draw.
	for range 1000 {
		u := rng.Float64()
		if a, b := sampleFrom(logits, Sampling{Temperature: 0.7}, u, probs), sampleRef(logits, 0.7, u); a != b {
			t.Fatalf("MinProb 0, u %v: class %d, the float64 reference %d", u, a, b)
		}
	}
}

// TestGenerateWithMinProb: GenerateWith at MinProb 0 is Generate; a
// floor changes the codes, stays deterministic, and is refused outside
// [0, 1).
func TestGenerateWithMinProb(t *testing.T) {
	m := randomModel(t, tinyConfig(), 11)
	run := func(s Sampling) []int32 {
		g := NewGenerator(m, 2)
		if err := g.Prime(nil); err != nil {
			t.Fatal(err)
		}
		var out []int32
		if err := g.GenerateWith(300, s, rand.New(rand.NewPCG(7, 8)), func(c []int32) error {
			out = append(out, c...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	g := NewGenerator(m, 2)
	g.Prime(nil)
	var plain []int32
	if err := g.Generate(300, 1, rand.New(rand.NewPCG(7, 8)), func(c []int32) error {
		plain = append(plain, c...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(run(Sampling{Temperature: 1}), plain) {
		t.Error("GenerateWith at MinProb 0 differs from Generate")
	}
	cut := run(Sampling{Temperature: 1, MinProb: 0.2}) // Q = 5: about the mean probability
	if slices.Equal(cut, plain) {
		t.Error("MinProb 0.2 left a random model's codes unchanged")
	}
	if !slices.Equal(cut, run(Sampling{Temperature: 1, MinProb: 0.2})) {
		t.Error("MinProb 0.2: two runs differ")
	}
	for _, mp := range []float64{-0.1, 1, math.NaN()} {
		if err := g.GenerateWith(1, Sampling{Temperature: 1, MinProb: mp}, rand.New(rand.NewPCG(1, 1)), func([]int32) error { return nil }); err == nil {
			t.Errorf("MinProb %v accepted", mp)
		}
	}
}
