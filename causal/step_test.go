package causal

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// stepCase is a StepConv of convs with outs outputs each, all reading the
// same in channels, run for n streams over t steps.
type stepCase struct {
	in              int
	outs            []int
	width, dilation int
	n, t            int
}

func (sc stepCase) String() string {
	return fmt.Sprintf("in%d_out%v_K%d_d%d_n%d_t%d", sc.in, sc.outs, sc.width, sc.dilation, sc.n, sc.t)
}

func stepCases(rng *rand.Rand) []stepCase {
	cases := []stepCase{
		{1, []int{1}, 1, 1, 1, 5},
		{3, []int{2}, 2, 1, 2, 40},
		// Dilations above the block of 16 and not a multiple of it, wide
		// outputs (64-, 32- and 16-wide chunks), K = 4, several streams.
		{5, []int{40, 40}, 2, 20, 3, 150},
		{7, []int{50, 33}, 4, 33, 2, 300},
		{4, []int{3, 5, 2}, 3, 16, 4, 120},
		{6, []int{9}, 1, 17, 2, 50}, // no past taps
		// Many streams, so that the block of B·N ≤ 24 rows is short (9
		// streams: B = 2; 25: B = 1) and crosses the ring's end unevenly.
		{5, []int{40, 40}, 2, 21, 9, 100},
		{3, []int{17}, 3, 7, 25, 60},
	}
	for range 20 {
		outs := make([]int, 1+rng.IntN(3))
		for i := range outs {
			outs[i] = 1 + rng.IntN(20)
		}
		cases = append(cases, stepCase{in: 1 + rng.IntN(8), outs: outs, width: 1 + rng.IntN(4),
			dilation: 1 + rng.IntN(24), n: 1 + rng.IntN(4), t: 1 + rng.IntN(120)})
	}
	return cases
}

// stack returns one conv with the outputs of convs side by side: the conv a
// StepConv of convs computes.
func stack(convs []*Conv) *Conv {
	c := *convs[0]
	c.Out, c.Weight, c.Bias = 0, nil, nil
	for _, p := range convs {
		c.Out += p.Out
		c.Weight = append(c.Weight, p.Weight...) // (Out, In, Width): stacking along Out is appending
		c.Bias = append(c.Bias, p.Bias...)
	}
	return &c
}

// stepAll feeds x (n, T, in) to sc through st one step at a time, with the
// inputs in rows of stride ldx whose padding is NaN (a read past In would
// show), and returns the outputs (n, T, out), time-major per stream like x.
func stepAll(sc *StepConv, st *StepState, x []float32, n, T, in, out int, perStep func(t int)) []float32 {
	ldx := in + 3
	xs := make([]float32, n*ldx)
	for j := range xs {
		xs[j] = float32(math.NaN())
	}
	y := make([]float32, n*out)
	got := make([]float32, n*T*out)
	for tt := range T {
		if perStep != nil {
			perStep(tt)
		}
		for s := range n {
			copy(xs[s*ldx:s*ldx+in], x[(s*T+tt)*in:(s*T+tt+1)*in])
		}
		sc.Step(st, y, xs, ldx)
		for s := range n {
			copy(got[(s*T+tt)*out:(s*T+tt+1)*out], y[s*out:(s+1)*out])
		}
	}
	return got
}

func closeTo(got float32, want float64) bool {
	return math.Abs(float64(got)-want) <= 1e-5*(1+math.Abs(want))
}

// TestStepConvMatchesReference: the per-step form of stacked convs gives the
// direct loop's outputs for N streams with different inputs, over several
// turns of the ring and blocks of past taps, and again from t = 0 after
// Reset.
func TestStepConvMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, cc := range stepCases(rng) {
		convs := make([]*Conv, len(cc.outs))
		for i, o := range cc.outs {
			convs[i] = randomConv(rng, cc.in, o, cc.width, cc.dilation)
		}
		all := stack(convs)
		T := cc.t + 2*all.History() // run past two full turns of the ring
		x := fillRandom(rng, make([]float32, cc.n*T*cc.in))
		want := reference(all, x, cc.n, T)
		sc := NewStepConv(nil, nil, convs...)
		if sc.History() != all.History() {
			t.Fatalf("%v: History %d, want %d", cc, sc.History(), all.History())
		}
		st := sc.NewState(cc.n)
		for round := range 2 {
			got := stepAll(sc, st, x, cc.n, T, cc.in, all.Out, nil)
			for j, w := range want {
				if !closeTo(got[j], w) {
					s, r := j/(T*all.Out), j%(T*all.Out)
					t.Fatalf("%v round %d: stream %d step %d output %d: %g, want %g", cc, round, s, r/all.Out, r%all.Out, got[j], w)
				}
			}
			st.Reset()
		}
	}
}

// TestStepConvSetBias: each stream's bias row replaces the shared bias from
// the step after SetBias on, in the middle of a block too, and stays over
// Reset.
func TestStepConvSetBias(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, cc := range []stepCase{
		{5, []int{6, 6}, 2, 20, 3, 90},
		{4, []int{7}, 3, 3, 2, 60},
		{3, []int{4}, 1, 1, 2, 30},
	} {
		convs := []*Conv{}
		for _, o := range cc.outs {
			convs = append(convs, randomConv(rng, cc.in, o, cc.width, cc.dilation))
		}
		all := stack(convs)
		out, N, T := all.Out, cc.n, cc.t
		x := fillRandom(rng, make([]float32, N*T*cc.in))
		want := reference(all, x, N, T) // with the shared bias
		rows := fillRandom(rng, make([]float32, N*out))
		const at = 7 // not a block boundary
		sc := NewStepConv(nil, nil, convs...)
		st := sc.NewState(N)
		// check: the rows replace the shared bias from step biasFrom on.
		check := func(got []float32, biasFrom int, what string) {
			for s := range N {
				for tt := range T {
					for o := range out {
						w := want[(s*T+tt)*out+o]
						if tt >= biasFrom {
							w += float64(rows[s*out+o]) - float64(all.Bias[o])
						}
						if g := got[(s*T+tt)*out+o]; !closeTo(g, w) {
							t.Fatalf("%v %s: stream %d step %d output %d: %g, want %g", cc, what, s, tt, o, g, w)
						}
					}
				}
			}
		}
		got := stepAll(sc, st, x, N, T, cc.in, out, func(tt int) {
			if tt == at {
				st.SetBias(rows)
			}
		})
		check(got, at, "SetBias at step 7")
		st.Reset()
		check(stepAll(sc, st, x, N, T, cc.in, out, nil), 0, "after Reset")
	}
}

// TestStepConvSetBiasOften: bias rows that change every few steps (as a
// frame of local conditioning changes every hop), at every position of the
// blocks, give the reference outputs with each step's own rows: the rest
// of a block is corrected in place, and the corrections do not drift.
func TestStepConvSetBiasOften(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, cc := range []stepCase{
		{5, []int{6, 6}, 2, 20, 3, 400}, // blocks of 16
		{4, []int{7}, 3, 5, 2, 300},     // blocks of 5
		{3, []int{4}, 1, 1, 2, 100},     // no past taps
	} {
		for _, every := range []int{1, 3, 7} {
			convs := []*Conv{}
			for _, o := range cc.outs {
				convs = append(convs, randomConv(rng, cc.in, o, cc.width, cc.dilation))
			}
			all := stack(convs)
			out, N, T := all.Out, cc.n, cc.t
			x := fillRandom(rng, make([]float32, N*T*cc.in))
			want := reference(all, x, N, T) // with the shared bias
			sc := NewStepConv(nil, nil, convs...)
			st := sc.NewState(N)
			rows := make([][]float32, T) // the rows in force at each step
			for tt := range T {
				if tt%every == 0 {
					rows[tt] = fillRandom(rng, make([]float32, N*out))
				} else {
					rows[tt] = rows[tt-1]
				}
			}
			got := stepAll(sc, st, x, N, T, cc.in, out, func(tt int) {
				if tt%every == 0 {
					st.SetBias(rows[tt])
				}
			})
			for s := range N {
				for tt := range T {
					for o := range out {
						w := want[(s*T+tt)*out+o] + float64(rows[tt][s*out+o]) - float64(all.Bias[o])
						if g := got[(s*T+tt)*out+o]; !closeTo(g, w) {
							t.Fatalf("%v, new rows every %d steps: stream %d step %d output %d: %g, want %g", cc, every, s, tt, o, g, w)
						}
					}
				}
			}
		}
	}
}

// TestNewStepConvBuffers: the packed weights go into the caller's buffers,
// exactly their StepSizes, and step as the allocated ones do.
func TestNewStepConvBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	convs := []*Conv{randomConv(rng, 6, 20, 3, 5), randomConv(rng, 6, 20, 3, 5)}
	hs, cs := StepSizes(6, 40, 3)
	const sentinel = 12345
	hot, cold := make([]float32, hs+7), make([]float32, cs+7)
	for _, b := range [][]float32{hot, cold} {
		for j := range b {
			b[j] = sentinel
		}
	}
	a := NewStepConv(hot, cold, convs...)
	for _, b := range []struct {
		buf  []float32
		size int
	}{{hot, hs}, {cold, cs}} {
		for j, v := range b.buf {
			if (v == sentinel) != (j >= b.size) {
				t.Fatalf("buffer of %d values for a size of %d: value %d is %g", len(b.buf), b.size, j, v)
			}
		}
	}
	x := fillRandom(rng, make([]float32, 2*50*6))
	want := stepAll(NewStepConv(nil, nil, convs...), NewStepConv(nil, nil, convs...).NewState(2), x, 2, 50, 6, 40, nil)
	got := stepAll(a, a.NewState(2), x, 2, 50, 6, 40, nil)
	for j := range want {
		if got[j] != want[j] {
			t.Fatalf("output %d: %g with the caller's buffers, %g with its own", j, got[j], want[j])
		}
	}
}

// TestStepConvShared: two states step through one StepConv at the same
// time, each with its own streams, as the per-step forms of two threads.
func TestStepConvShared(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1))
	c := randomConv(rng, 5, 12, 2, 9)
	const T = 80
	sc := NewStepConv(nil, nil, c)
	xa := fillRandom(rng, make([]float32, 2*T*5))
	xb := fillRandom(rng, make([]float32, 3*T*5))
	done := make(chan []float32)
	go func() { done <- stepAll(sc, sc.NewState(2), xa, 2, T, 5, 12, nil) }()
	gb := stepAll(sc, sc.NewState(3), xb, 3, T, 5, 12, nil)
	ga := <-done
	for _, r := range []struct {
		got []float32
		x   []float32
		n   int
	}{{ga, xa, 2}, {gb, xb, 3}} {
		for j, w := range reference(c, r.x, r.n, T) {
			if !closeTo(r.got[j], w) {
				t.Fatalf("%d streams: output %d = %g, want %g", r.n, j, r.got[j], w)
			}
		}
	}
}

func TestStepConvNoAllocation(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	sc := NewStepConv(nil, nil, randomConv(rng, 8, 16, 2, 64), randomConv(rng, 8, 16, 2, 64))
	st := sc.NewState(3)
	x, y := make([]float32, 3*8), make([]float32, 3*32)
	if a := testing.AllocsPerRun(200, func() { sc.Step(st, y, x, 8) }); a != 0 {
		t.Errorf("StepConv.Step allocates %v times", a)
	}
	oh := NewOneHotStep(randomConv(rng, 10, 16, 3, 2))
	ost := oh.NewState(3)
	codes := []int32{1, 9, 0}
	if a := testing.AllocsPerRun(200, func() { oh.Step(ost, y, 16, codes) }); a != 0 {
		t.Errorf("OneHotStep.Step allocates %v times", a)
	}
}

func TestStepRejectsMismatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for name, f := range map[string]func(){
		"convs of different widths": func() { NewStepConv(nil, nil, randomConv(rng, 3, 2, 2, 1), randomConv(rng, 3, 2, 3, 1)) },
		"short hot buffer":          func() { NewStepConv(make([]float32, 3), nil, randomConv(rng, 3, 2, 2, 1)) },
		"a state of another conv": func() {
			a, b := NewStepConv(nil, nil, randomConv(rng, 3, 2, 2, 1)), NewStepConv(nil, nil, randomConv(rng, 3, 2, 2, 4))
			a.Step(b.NewState(1), make([]float32, 2), make([]float32, 3), 3)
		},
		"short x": func() {
			a := NewStepConv(nil, nil, randomConv(rng, 3, 2, 2, 1))
			a.Step(a.NewState(2), make([]float32, 4), make([]float32, 5), 3)
		},
		"SetBias of one row for two streams": func() {
			a := NewStepConv(nil, nil, randomConv(rng, 3, 2, 2, 1))
			a.NewState(2).SetBias(make([]float32, 2))
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestRing(t *testing.T) {
	const h, n = 3, 2
	r := newRing[int32](h, n, 1)
	r.reset(-1)
	for tt := range int32(10) {
		for lag := 1; lag <= h; lag++ {
			want := []int32{tt - int32(lag), 100 + tt - int32(lag)}
			if tt-int32(lag) < 0 {
				want = []int32{-1, -1}
			}
			got := r.slots(r.slot(lag), 1)
			if got[0] != want[0] || got[1] != want[1] {
				t.Fatalf("t=%d lag %d: %v, want %v", tt, lag, got, want)
			}
		}
		copy(r.head(), []int32{tt, 100 + tt})
		r.advance()
	}
	empty := newRing[float32](0, 4, 5)
	if empty.head() != nil {
		t.Error("a ring of no history has a slot")
	}
	empty.advance()
}

// TestOneHotStep: the per-step form of a one-hot conv gives ForwardOneHot's
// outputs, into rows of a wider matrix, and again from t = 0 after Reset.
func TestOneHotStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, cc := range randomCases(rng, 20) {
		q := cc.in + 1
		c := randomConv(rng, q, cc.out, cc.width, cc.dilation)
		T := cc.t + 2*c.History()
		codes := make([]int32, cc.n*T)
		for j := range codes {
			codes[j] = int32(rng.IntN(q))
		}
		want := make([]float32, cc.n*T*cc.out)
		c.ForwardOneHot(want, codes, cc.n, T, nil)
		oh := NewOneHotStep(c)
		st := oh.NewState(cc.n)
		ldy := cc.out + 2
		in := make([]int32, cc.n)
		y := make([]float32, cc.n*ldy)
		for round := range 2 {
			for tt := range T {
				for s := range cc.n {
					in[s] = codes[s*T+tt]
				}
				oh.Step(st, y, ldy, in)
				for s := range cc.n {
					for o := range cc.out {
						w := want[(s*T+tt)*cc.out+o]
						if g := y[s*ldy+o]; !closeTo(g, float64(w)) {
							t.Fatalf("%v round %d: step %d stream %d: %g, want %g", cc, round, tt, s, g, w)
						}
					}
				}
			}
			st.Reset()
		}
	}
}

func TestOneHotStepRejectsBadCodes(t *testing.T) {
	oh := NewOneHotStep(randomConv(rand.New(rand.NewPCG(1, 1)), 4, 2, 2, 1))
	for _, bad := range []int32{-1, 4} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("code %d accepted", bad)
				}
			}()
			oh.Step(oh.NewState(2), make([]float32, 4), 2, []int32{0, bad})
		}()
	}
}

// TestStepConvF16: a StepConv of float16 weights gives, bit for bit, the
// outputs of a float32 StepConv of the convs with every weight rounded to
// float16 (the biases are float32 in both), and it allocates nothing.
func TestStepConvF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, cc := range stepCases(rng) {
		convs := make([]*Conv, len(cc.outs))
		rounded := make([]*Conv, len(cc.outs))
		for i, o := range cc.outs {
			convs[i] = randomConv(rng, cc.in, o, cc.width, cc.dilation)
			r := *convs[i]
			r.Weight = make([]float32, len(convs[i].Weight))
			for j, v := range convs[i].Weight {
				r.Weight[j] = f32.Float16frombits(f32.Float16Bits(v))
			}
			rounded[i] = &r
		}
		out := stack(convs).Out
		T := cc.t + 2*stack(convs).History()
		x := fillRandom(rng, make([]float32, cc.n*T*cc.in))
		half := NewStepConvF16(nil, nil, convs...)
		full := NewStepConv(nil, nil, rounded...)
		want := stepAll(full, full.NewState(cc.n), x, cc.n, T, cc.in, out, nil)
		st := half.NewState(cc.n)
		got := stepAll(half, st, x, cc.n, T, cc.in, out, nil)
		for j := range want {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("%v: output %d: %g, want %g (float32 panels of the rounded weights)", cc, j, got[j], want[j])
			}
		}
		y := make([]float32, cc.n*out)
		if a := testing.AllocsPerRun(50, func() { half.Step(st, y, x, cc.in) }); a != 0 {
			t.Errorf("%v: Step allocates %v times", cc, a)
		}
	}
}
