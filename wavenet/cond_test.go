package wavenet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// condConfig returns cfg with global conditioning, local conditioning, or
// both: for a preset (Q = 256) 3 classes of Cg = 16 and Cl = 80 bands per
// frame of H = 100 samples (20 frames in 2000 steps); for the small test
// configs 4 classes of Cg = 3 and Cl = 5 values per frame of H = 7, odd
// widths unlike every other.
func condConfig(cfg Config, global, local bool) Config {
	big := cfg.QuantizationChannels == 256
	if global {
		cfg.GlobalClasses, cfg.GlobalChannels = 4, 3
		if big {
			cfg.GlobalClasses, cfg.GlobalChannels = 3, 16
		}
	}
	if local {
		cfg.LocalChannels, cfg.LocalHop = 5, 7
		if big {
			cfg.LocalChannels, cfg.LocalHop = 80, 100
		}
	}
	return cfg
}

// condName names a case of condConfig: "", "/global", "/local" or "/both".
func condName(global, local bool) string {
	switch {
	case global && local:
		return "/both"
	case global:
		return "/global"
	case local:
		return "/local"
	}
	return ""
}

// randomConds returns the conditioning of n sequences of t positions for a
// model of cfg, nil for an unconditioned one. The sequences have different
// classes and frames of N(0, 1) values, and different frame counts: more
// than t positions need, exactly ⌈t/H⌉, a third of that (so the last frame
// holds for the last two thirds), and a single frame.
func randomConds(rng *rand.Rand, cfg Config, n, t int) []Cond {
	if !cfg.Conditioned() {
		return nil
	}
	conds := make([]Cond, n)
	for s := range conds {
		if N := cfg.GlobalClasses; N > 0 {
			conds[s].Class = (2*s + 1) % N
		}
		if Cl, H := cfg.LocalChannels, cfg.LocalHop; Cl > 0 {
			need := (t + H - 1) / H
			F := [4]int{need + 2, need, max(1, need/3), 1}[s%4]
			conds[s].Frames = randomFrames(rng, Cl, F)
		}
	}
	return conds
}

// randomFrames returns cl × f values ~ N(0, 1).
func randomFrames(rng *rand.Rand, cl, f int) []float32 {
	v := make([]float32, cl*f)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// TestCondCheck: Check refuses each kind of bad conditioning with an error
// that says what is wrong, and accepts good ones.
func TestCondCheck(t *testing.T) {
	both := condConfig(oddConfig(), true, true)
	plain := oddConfig()
	frames := randomFrames(rand.New(rand.NewPCG(1, 1)), 5, 3)
	nan := slices.Clone(frames)
	nan[2*3+1] = float32(math.NaN())
	inf := slices.Clone(frames)
	inf[4] = float32(math.Inf(-1))
	for _, tc := range []struct {
		cfg  Config
		c    Cond
		want string // "" for no error
	}{
		{both, Cond{Class: 3, Frames: frames}, ""},
		{both, Cond{Class: 0, Frames: frames, Offset: 123}, ""},
		{plain, Cond{}, ""},
		{plain, Cond{Frames: []float32{}}, ""},
		{both, Cond{Class: 4, Frames: frames}, "class 4 outside the model's 4 classes (0 … 3)"},
		{both, Cond{Class: -1, Frames: frames}, "class -1 outside"},
		{plain, Cond{Class: 1}, "class 1 given to a model without global conditioning"},
		{both, Cond{Class: 1}, "needs frames of 5 values each, got none"},
		{both, Cond{Class: 1, Frames: frames[:14]}, "14 frame values are not a whole number of frames of 5"},
		{plain, Cond{Frames: frames}, "15 frame values given to a model without local conditioning"},
		{both, Cond{Frames: nan}, "frame 1, band 2 is NaN"},
		{both, Cond{Frames: inf}, "frame 1, band 1 is -Inf"},
		{both, Cond{Frames: frames, Offset: -1}, "offset -1 is negative"},
	} {
		err := tc.c.Check(tc.cfg)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.c, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "wavenet: ")):
			t.Errorf("Check: %v, want an error saying %q", err, tc.want)
		}
	}
}

// TestForwardCondPanics: Forward refuses conds that do not fit the model
// (a programmer error) with a panic that says so.
func TestForwardCondPanics(t *testing.T) {
	both := randomModel(t, condConfig(oddConfig(), true, true), 1)
	plain := randomModel(t, oddConfig(), 1)
	frames := make([]float32, 10)
	for name, tc := range map[string]struct {
		m     *Model
		conds []Cond
		want  string
	}{
		"nil conds, conditioned":       {both, nil, "0 conds for 2 sequences"},
		"one cond for two":             {both, []Cond{{Frames: frames}}, "1 conds for 2 sequences"},
		"conds for an unconditioned":   {plain, []Cond{{}, {}}, "unconditioned model"},
		"class out of range":           {both, []Cond{{Frames: frames}, {Class: 9, Frames: frames}}, "sequence 1: class 9"},
		"frames of the wrong length":   {both, []Cond{{Frames: frames}, {Frames: frames[:7]}}, "sequence 1: 7 frame values"},
		"frames missing in a sequence": {both, []Cond{{Frames: frames}, {}}, "sequence 1: the model is locally conditioned"},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, tc.want) {
					t.Errorf("%s: recovered %q, want a panic saying %q", name, msg, tc.want)
				}
			}()
			tc.m.Forward(NewWorkspace(tc.m, 2, 8), make([]int32, 16), tc.conds)
		}()
	}
}

// TestForwardCondCausal: with conditioning, changing c[t0] changes no logit
// before t0, and the conditioning of one sequence changes no logit of
// another (bit for bit); a class or a frame does change its own sequence.
func TestForwardCondCausal(t *testing.T) {
	for _, cfg := range []Config{condConfig(oddConfig(), true, true), condConfig(gradConfig(), true, true)} {
		m := randomModel(t, cfg, 21)
		Q := cfg.QuantizationChannels
		rng := rand.New(rand.NewPCG(1, 2))
		N, T := 2, 60
		codes := randomCodes(rng, N*T, Q)
		conds := randomConds(rng, cfg, N, T)
		ws := NewWorkspace(m, N, T)
		base := slices.Clone(m.Forward(ws, codes, conds))
		same := func(got []float32, s, from, to int) bool {
			return slices.Equal(got[(s*T+from)*Q:(s*T+to)*Q], base[(s*T+from)*Q:(s*T+to)*Q])
		}
		for _, t0 := range []int{0, 1, 5, 17, 42, 48} {
			c2 := slices.Clone(codes)
			c2[T+t0] = (c2[T+t0] + 1 + int32(rng.IntN(Q-1))) % int32(Q) // sequence 1
			got := m.Forward(ws, c2, conds)
			if !same(got, 0, 0, T) || !same(got, 1, 0, t0) {
				t.Fatalf("t0=%d: a logit of sequence 0, or before t0, changed", t0)
			}
			// (At one position the relus of a tiny model may hide the
			// change; at none of t0 … T−1 would mean the code is unread.)
			if same(got, 1, t0, T) {
				t.Errorf("t0=%d: no logit from t0 on changed", t0)
			}
		}
		// Another class for sequence 1, then another frame 0.
		other := slices.Clone(conds)
		other[1].Class = (other[1].Class + 1) % cfg.GlobalClasses
		got := m.Forward(ws, codes, other)
		if !same(got, 0, 0, T) || same(got, 1, 0, 1) {
			t.Errorf("a class change of sequence 1: sequence 0 changed, or sequence 1 did not")
		}
		other = slices.Clone(conds)
		other[1].Frames = slices.Clone(conds[1].Frames)
		other[1].Frames[0] += 1 // band 0 of frame 0
		got = m.Forward(ws, codes, other)
		if !same(got, 0, 0, T) || same(got, 1, 0, 1) {
			t.Errorf("a frame change of sequence 1: sequence 0 changed, or sequence 1 did not")
		}
	}
}

// TestCondAlignment: frame j first changes logits[:, j·H − 1], in the
// forward pass and in the generator, on the odd config (H = 7) and with
// H = 1; and past the last frame the last one holds: more copies of the
// last frame change no logit.
func TestCondAlignment(t *testing.T) {
	for _, hop := range []int{7, 1} {
		cfg := condConfig(oddConfig(), false, true)
		cfg.LocalHop = hop
		m := randomModel(t, cfg, 5)
		Q, Cl, H := cfg.QuantizationChannels, cfg.LocalChannels, cfg.LocalHop
		rng := rand.New(rand.NewPCG(6, uint64(hop)))
		const T = 60
		F := 5 // the last frame holds from position 4H − 1 on
		codes := randomCodes(rng, T, Q)
		frames := randomFrames(rng, Cl, F)
		ws := NewWorkspace(m, 1, T)
		base := slices.Clone(m.Forward(ws, codes, []Cond{{Frames: frames}}))
		incBase := stepLogits(t, m, codes, Cond{Frames: frames})
		for j := range F {
			changed := slices.Clone(frames)
			for b := range Cl {
				changed[b*F+j] += 0.5 // every band of frame j
			}
			first := j*H - 1 // frame 0 is seen from position 0 on, except for H = 1, where no position sees it
			if j == 0 && H > 1 {
				first = 0
			}
			for _, run := range []struct {
				name   string
				logits []float32
			}{
				{"forward", m.Forward(ws, codes, []Cond{{Frames: changed}})},
				{"generator", stepLogits(t, m, codes, Cond{Frames: changed})},
			} {
				was := base
				if run.name == "generator" {
					was = incBase
				}
				at := firstChange(run.logits, was, Q)
				if at != first {
					t.Errorf("H=%d %s: frame %d first changes the logits at %d, want %d", H, run.name, j, at, first)
				}
			}
		}
		// Three more copies of the last frame: nothing changes.
		longer := make([]float32, Cl*(F+3))
		for b := range Cl {
			for j := range F + 3 {
				longer[b*(F+3)+j] = frames[b*F+min(j, F-1)]
			}
		}
		if at := firstChange(m.Forward(ws, codes, []Cond{{Frames: longer}}), base, Q); at >= 0 {
			t.Errorf("H=%d forward: copies of the last frame change the logits at %d", H, at)
		}
		if at := firstChange(stepLogits(t, m, codes, Cond{Frames: longer}), incBase, Q); at >= 0 {
			t.Errorf("H=%d generator: copies of the last frame change the logits at %d", H, at)
		}
	}
}

// stepLogits steps a one-stream generator of m conditioned on c through
// codes and returns its logits at every step, (T, Q).
func stepLogits(t *testing.T, m *Model, codes []int32, c Cond) []float32 {
	t.Helper()
	g := NewGenerator(m, 1)
	if err := g.SetCond(0, c); err != nil {
		t.Fatal(err)
	}
	if err := g.Prime(nil); err != nil {
		t.Fatal(err)
	}
	var out []float32
	for _, code := range codes {
		out = append(out, g.Step([]int32{code})...)
	}
	return out
}

// firstChange returns the first position whose q logits differ between a
// and b, or −1.
func firstChange(a, b []float32, q int) int {
	for p := 0; p < len(a)/q; p++ {
		if !slices.Equal(a[p*q:(p+1)*q], b[p*q:(p+1)*q]) {
			return p
		}
	}
	return -1
}

// TestCondOffset: a chunk cut from a clip at sample s, conditioned with
// Offset s on the clip's frames, gives the logits of the whole clip's
// forward pass at every position that has its receptive field inside the
// chunk; without the offset it does not.
func TestCondOffset(t *testing.T) {
	cfg := condConfig(oddConfig(), true, true)
	m := randomModel(t, cfg, 8)
	Q := cfg.QuantizationChannels
	rng := rand.New(rand.NewPCG(9, 9))
	const T = 300
	codes := randomCodes(rng, T, Q)
	clip := randomConds(rng, cfg, 1, T)[0]
	whole := slices.Clone(m.Forward(NewWorkspace(m, 1, T), codes, []Cond{clip}))
	rf := cfg.ReceptiveField()
	for _, s := range []int{1, 6, 7, 50, 131} {
		n := T - s
		ws := NewWorkspace(m, 1, n)
		chunk := clip
		chunk.Offset = s
		got := m.Forward(ws, codes[s:], []Cond{chunk})
		var worst float64
		for p := rf - 1; p < n; p++ {
			for j := range Q {
				worst = max(worst, math.Abs(float64(got[p*Q+j]-whole[(s+p)*Q+j])))
			}
		}
		if !(worst <= 1e-5) {
			t.Errorf("chunk at %d: logits differ from the whole clip's by %g", s, worst)
		}
		if s%cfg.LocalHop != 0 {
			got = m.Forward(ws, codes[s:], []Cond{{Class: clip.Class, Frames: clip.Frames}})
			if firstChange(got[(rf-1)*Q:], whole[(s+rf-1)*Q:(s+n)*Q], Q) < 0 {
				t.Errorf("chunk at %d without its offset: the same logits as with it", s)
			}
		}
	}
}

// TestGradientCondFiniteDifferences is TestGradientFiniteDifferences with
// global and local conditioning (see gradCheck): the embedding and the four
// projections get gradients that agree with finite differences, and the
// embedding rows of classes no sequence used get none.
func TestGradientCondFiniteDifferences(t *testing.T) {
	cfg := gradConfig()
	cfg.GlobalClasses, cfg.GlobalChannels = 3, 2
	cfg.LocalChannels, cfg.LocalHop = 3, 4
	rng := rand.New(rand.NewPCG(34, 35))
	const N, T = 2, 14
	// Classes 0 and 2 (row 1 unused); frames with an offset, one sequence
	// running past its last frame.
	conds := []Cond{
		{Class: 2, Frames: randomFrames(rng, 3, 5), Offset: 5},
		{Class: 0, Frames: randomFrames(rng, 3, 2), Offset: 0},
	}
	grad := gradCheck(t, cfg, conds, N, T, rng)
	Cg := cfg.GlobalChannels
	for _, v := range grad.Embedding[1*Cg : 2*Cg] {
		if v != 0 {
			t.Errorf("the embedding of the unused class 1 has gradient %v, want 0", grad.Embedding[Cg:2*Cg])
			break
		}
	}
}

// TestBitsPerSampleCond: the chunked evaluation of a conditioned clip,
// whose later chunks see its frames through their offsets, equals one
// conditioned forward pass over the whole clip.
func TestBitsPerSampleCond(t *testing.T) {
	cfg := condConfig(oddConfig(), true, true)
	m := randomModel(t, cfg, 41)
	Q := cfg.QuantizationChannels
	rng := rand.New(rand.NewPCG(42, 43))
	T := 2*evalChunk + 123
	codes := randomCodes(rng, T, Q)
	c := randomConds(rng, cfg, 1, T)[0]
	got := m.BitsPerSample(codes, c)
	logits := m.Forward(NewWorkspace(m, 1, T-1), codes[:T-1], []Cond{c})
	want := CrossEntropy(nil, logits, codes[1:], Q) / math.Ln2
	t.Logf("%.9f bits, forward %.9f", got, want)
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("BitsPerSample %.9f, whole forward %.9f", got, want)
	}
	other := c
	other.Class = (c.Class + 1) % cfg.GlobalClasses
	if b := m.BitsPerSample(codes, other); b == got {
		t.Errorf("another class gives the same bits, %v", b)
	}
}

// TestGeneratorCondErrors: SetCond refuses what Check refuses, a stream out
// of range and a non-zero offset; Prime and Generate refuse a conditioned
// model whose streams are not all conditioned, and Step panics then.
func TestGeneratorCondErrors(t *testing.T) {
	cfg := condConfig(oddConfig(), true, true)
	m := randomModel(t, cfg, 3)
	g := NewGenerator(m, 2)
	frames := make([]float32, 10)
	for _, tc := range []struct {
		stream int
		c      Cond
		want   string
	}{
		{2, Cond{Frames: frames}, "stream 2 of a generator of 2 streams"},
		{-1, Cond{Frames: frames}, "stream -1"},
		{0, Cond{Frames: frames, Offset: 3}, "offset 3"},
		{1, Cond{Class: 4, Frames: frames}, "stream 1: wavenet: class 4 outside"},
		{0, Cond{Class: 1}, "needs frames"},
	} {
		if err := g.SetCond(tc.stream, tc.c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SetCond(%d, %+v): %v, want an error saying %q", tc.stream, tc.c, err, tc.want)
		}
	}
	nop := func([]int32) error { return nil }
	if err := g.Generate(1, 0, nil, nop); err == nil {
		t.Error("Generate before any SetCond: no error")
	}
	if err := g.SetCond(0, Cond{Class: 1, Frames: frames}); err != nil {
		t.Fatal(err)
	}
	if err := g.Prime(nil); err == nil || !strings.Contains(err.Error(), "stream 1 has no conditioning") {
		t.Errorf("Prime with stream 1 unconditioned: %v", err)
	}
	if err := g.Generate(1, 0, nil, nop); err == nil {
		t.Error("Generate after a failed Prime: no error")
	}
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Error("Step after a failed Prime did not panic")
			}
		}()
		g.Step([]int32{1, 2})
	}()
	if err := g.SetCond(1, Cond{Class: 2, Frames: frames}); err != nil {
		t.Fatal(err)
	}
	if err := g.Prime([]int32{4, 5}); err != nil {
		t.Fatal(err)
	}
	if err := g.Generate(3, 0, nil, nop); err != nil {
		t.Error(err)
	}
	if err := NewGenerator(randomModel(t, oddConfig(), 1), 1).SetCond(0, Cond{}); err == nil {
		t.Error("SetCond on an unconditioned model: no error")
	}
}

// TestGeneratorCondNoAllocation: a conditioned step allocates nothing, over
// frame changes too, and greedy Generate neither.
func TestGeneratorCondNoAllocation(t *testing.T) {
	for _, local := range []bool{false, true} {
		cfg := condConfig(oddConfig(), true, local)
		m := randomModel(t, cfg, 10)
		rng := rand.New(rand.NewPCG(1, 1))
		g := NewGenerator(m, 3)
		for s, c := range randomConds(rng, cfg, 3, 500) {
			if err := g.SetCond(s, c); err != nil {
				t.Fatal(err)
			}
		}
		if err := g.Prime([]int32{3, 4, 5}); err != nil {
			t.Fatal(err)
		}
		in := make([]int32, 3)
		if a := testing.AllocsPerRun(100, func() { g.Step(in) }); a != 0 {
			t.Errorf("local %v: Step allocates %v times", local, a)
		}
		emit := func([]int32) error { return nil }
		if a := testing.AllocsPerRun(20, func() { g.Generate(10, 0, nil, emit) }); a != 0 {
			t.Errorf("local %v: greedy Generate allocates %v times per 10 steps", local, a)
		}
	}
}

// TestGenerateCondThreads: a conditioned Generate on several goroutines,
// whose parts hold streams of different classes and frames, draws the codes
// it draws on one, and greedy generation equals the argmax of the forward
// pass over the generated codes, past the last frames too.
func TestGenerateCondThreads(t *testing.T) {
	cfg := condConfig(oddConfig(), true, true)
	m := randomModel(t, cfg, 3)
	const N, steps = 5, 150
	conds := randomConds(rand.New(rand.NewPCG(2, 2)), cfg, N, 60) // frames for 60 steps: most of the run is past them
	run := func(threads int, temperature float64) []int32 {
		g := NewGenerator(m, N)
		g.SetThreads(threads)
		for s, c := range conds {
			if err := g.SetCond(s, c); err != nil {
				t.Fatal(err)
			}
		}
		if err := g.Prime([]int32{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		var got []int32
		emit := func(c []int32) error { got = append(got, c...); return nil }
		if err := g.Generate(steps, temperature, rand.New(rand.NewPCG(4, 4)), emit); err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, temp := range []float64{0, 1} {
		want := run(1, temp)
		for _, threads := range []int{2, 3} {
			if got := run(threads, temp); !slices.Equal(got, want) {
				t.Fatalf("temperature %v, %d threads: other codes than on one", temp, threads)
			}
		}
		if temp != 0 {
			continue
		}
		// Greedy: each code is the argmax of the forward pass over prime + codes.
		Q := cfg.QuantizationChannels
		T := 3 + steps - 1
		seq := make([]int32, N*T)
		for s := range N {
			copy(seq[s*T:], []int32{1, 2, 3})
			for i := 0; i < steps-1; i++ {
				seq[s*T+3+i] = want[i*N+s]
			}
		}
		logits := m.Forward(NewWorkspace(m, N, T), seq, conds)
		for s := range N {
			for i := range steps {
				p := 2 + i
				if a := argmax(logits[(s*T+p)*Q : (s*T+p+1)*Q]); int32(a) != want[i*N+s] {
					t.Fatalf("stream %d: greedy code %d is %d, the forward pass's argmax %d", s, i, want[i*N+s], a)
				}
			}
		}
	}
}

// TestFastStepCondMatchesReference: with conditioning the kernel step
// still gives the reference step's logits (refStep adds the class and frame
// terms at every step from the model's own projections).
func TestFastStepCondMatchesReference(t *testing.T) {
	small, err := Preset("small")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cfg           Config
		global, local bool
		streams       int
		steps         int
	}{
		{oddConfig(), true, false, 5, 300},
		{oddConfig(), false, true, 5, 300},
		{oddConfig(), true, true, 3, 300},
		{small, true, true, 4, 400},
	} {
		cfg := condConfig(tc.cfg, tc.global, tc.local)
		name := fmt.Sprintf("Q%d%s/%d", cfg.QuantizationChannels, condName(tc.global, tc.local), tc.streams)
		t.Run(name, func(t *testing.T) {
			m := randomModel(t, cfg, 7)
			Q, N := cfg.QuantizationChannels, tc.streams
			rng := rand.New(rand.NewPCG(8, 9))
			conds := randomConds(rng, cfg, N, tc.steps)
			ref := newRefStep(m, N)
			ref.setConds(conds)
			w := packModel(m, WeightsF32)
			fast := w.newState(N, nil)
			w.setCond(fast, conds)
			in := make([]int32, N)
			var worst float64
			for step := 0; step < tc.steps; step++ {
				for s := range in {
					in[s] = int32(rng.IntN(Q))
				}
				want := ref.step(in)
				got := w.step(fast, in)
				for i, w := range want {
					worst = max(worst, math.Abs(float64(got[i])-float64(w)))
				}
			}
			if !(worst <= 1e-4) {
				t.Errorf("max |fast − reference| = %g, want ≤ 1e-4", worst)
			}
			t.Logf("max |fast − reference| = %.3g over %d steps", worst, tc.steps)
		})
	}
}

// TestEffectiveFieldRefusesConditioned: the effective field is measured on
// unconditioned models only; a conditioned one gets an error, not a panic.
func TestEffectiveFieldRefusesConditioned(t *testing.T) {
	m := randomModel(t, condConfig(oddConfig(), true, false), 1)
	codes := make([]int32, 200)
	_, err := m.EffectiveField(t.Context(), codes, []int{100})
	if err == nil || !strings.Contains(err.Error(), "conditioned model") {
		t.Errorf("EffectiveField of a conditioned model: %v", err)
	}
}

// benchConds are the conditioning variants the benchmarks compare on the
// small preset: none, global (3 classes of 16), local (80 bands at a hop of
// 256, a vocoder's) and both.
var benchConds = []struct {
	name          string
	global, local bool
}{{"plain", false, false}, {"global", true, false}, {"local", false, true}, {"both", true, true}}

// benchCondConfig is the small preset with the variant's conditioning.
func benchCondConfig(b *testing.B, global, local bool) Config {
	cfg, err := Preset("small")
	if err != nil {
		b.Fatal(err)
	}
	if global {
		cfg.GlobalClasses, cfg.GlobalChannels = 3, 16
	}
	if local {
		cfg.LocalChannels, cfg.LocalHop = 80, 256
	}
	return cfg
}

// BenchmarkStepCond times the kernel step of the small preset, greedy, with
// each conditioning variant (a class per stream; 100 frames per stream,
// whose projections are set every 256 steps, after the last one too), for
// 1 and 16 streams on one thread: compare a variant's samples/cpu-s with
// plain's of the same run.
func BenchmarkStepCond(b *testing.B) {
	for _, n := range []int{1, 16} {
		for _, bc := range benchConds {
			b.Run(fmt.Sprintf("small/streams=%d/%s", n, bc.name), func(b *testing.B) {
				cfg := benchCondConfig(b, bc.global, bc.local)
				m := randomModel(b, cfg, 1)
				w := packModel(m, WeightsF32)
				fs := w.newState(n, nil)
				if cfg.Conditioned() {
					w.setCond(fs, randomConds(rand.New(rand.NewPCG(1, 1)), cfg, n, 100*256))
				}
				codes := make([]int32, n)
				for s := range codes {
					codes[s] = int32(cfg.QuantizationChannels / 2)
				}
				Q := cfg.QuantizationChannels
				b.ReportAllocs()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu0 := threadCPU()
				for b.Loop() {
					logits := w.step(fs, codes)
					for s := range codes {
						codes[s] = int32(argmax(logits[s*Q : (s+1)*Q]))
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
				if cpu := threadCPU() - cpu0; cpu > 0 {
					b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "samples/cpu-s")
				}
			})
		}
	}
}

// BenchmarkGenerateCond times greedy Generate of 16 small streams on two
// threads with each conditioning variant: the vocoder's multi-stream row.
func BenchmarkGenerateCond(b *testing.B) {
	const N = 16
	for _, bc := range benchConds {
		b.Run(fmt.Sprintf("small/streams=%d/threads=2/%s", N, bc.name), func(b *testing.B) {
			cfg := benchCondConfig(b, bc.global, bc.local)
			m := randomModel(b, cfg, 1)
			g := NewGenerator(m, N)
			g.SetThreads(2)
			for s, c := range randomConds(rand.New(rand.NewPCG(1, 1)), cfg, N, 100*256) {
				if err := g.SetCond(s, c); err != nil {
					b.Fatal(err)
				}
			}
			if err := g.Prime(nil); err != nil {
				b.Fatal(err)
			}
			emit := func([]int32) error { return nil }
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			if err := g.Generate(b.N, 0, nil, emit); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N*N)/b.Elapsed().Seconds(), "samples/s")
			if cpu := processCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(b.N*N)/cpu.Seconds(), "samples/cpu-s")
			}
		})
	}
}

// BenchmarkForwardBackwardCond is BenchmarkForwardBackward (4 sequences of
// 2000 steps of the small preset, one thread) with each conditioning
// variant: the training cost of conditioning is a variant's time per
// step over plain's.
func BenchmarkForwardBackwardCond(b *testing.B) {
	for _, bc := range benchConds {
		b.Run("small/"+bc.name, func(b *testing.B) {
			cfg := benchCondConfig(b, bc.global, bc.local)
			m := randomModel(b, cfg, 1)
			N, T := 4, 2000
			rng := rand.New(rand.NewPCG(1, 1))
			codes := randomCodes(rng, N*T, cfg.QuantizationChannels)
			targets := randomCodes(rng, N*T, cfg.QuantizationChannels)
			// Chunks cut from a longer clip: offsets into 40 frames each.
			conds := randomConds(rng, cfg, N, 40*256)
			for s := range conds {
				conds[s].Offset = 1000 * s
			}
			ws := NewWorkspace(m, N, T)
			grad := m.NewLike()
			dl := make([]float32, N*T*cfg.QuantizationChannels)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			cpu0 := threadCPU()
			for b.Loop() {
				logits := m.Forward(ws, codes, conds)
				CrossEntropy(dl, logits, targets, cfg.QuantizationChannels)
				m.Backward(ws, dl, grad)
			}
			b.ReportMetric(float64(b.N*N*T)/b.Elapsed().Seconds(), "samples/s")
			if cpu := threadCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(b.N*N*T)/cpu.Seconds(), "samples/cpu-s")
			}
		})
	}
}
