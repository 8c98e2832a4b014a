package wavenet

import (
	"math/rand/v2"
	"sync"

	"github.com/wavenet-go/wavenet-go/causal"
	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// fastStep is the Generator's step on this package's kernels (causal/f32):
// the same computation as refStep (refstep_test.go), rearranged so that one
// sample is a short chain of streaming products over packed weights, with
// no allocation, no interface call and few bounds checks per step.
//
//   - The residual stream x and the skip sum live side by side in one
//     (N, R+S) buffer xs, so that the fused residual|skip product of a layer
//     updates both with one call: xs += [z, 1]·[Wr|Ws; br|bs].
//   - Filter and gate are one product of 2G outputs per tap, each tap's
//     weights a Panel (R, 2G); the past taps read the layer's ring.
//   - The z buffer carries a constant 1 after its G values, so the
//     residual|skip bias is one more row of that panel.
//   - The head reads relu(skip) and relu(output1) from their own buffers.
//   - The past taps are off the critical path: they read inputs that are
//     at least d steps old, so a layer of dilation d computes them for its
//     next B = min(d, maxPastBlock) steps at once, bias included, as one
//     product of B·N rows. The weights of those taps are then read once
//     per B samples instead of once per sample; each step only adds the
//     current tap's product to the stored sum.
//
// Its logits equal the reference step's to float32 rounding (the gate's
// tanh and σ are f32.Gate's, within 1e-6 relative).
type fastStep struct {
	n, q, r, g, s, e int // N streams; widths Q, R, G, S, E

	in     causal.Conv      // the input conv's shape and bias (a copy)
	inPack []float32        // (W0, Q, R): its weights per tap, PackTaps
	inRing *causal.CodeRing // its last W0−1 codes
	x0     []float32        // (N, R): its output

	layers []fastLayer
	out1   *f32.Panel // (S, E)
	b1     []float32  // (E)
	out2   *f32.Panel // (E, Q)
	b2     []float32  // (Q)

	xs     []float32 // (N, R+S): residual stream | skip sum
	acc    []float32 // (N, 2G): filter | gate pre-activations
	z      []float32 // (N, G+1): gate output and a constant 1
	h      []float32 // (N, S): relu(skip)
	o1     []float32 // (N, E)
	logits []float32 // (N, Q)
}

type fastLayer struct {
	taps []*f32.Panel // K panels (R, 2G), tap k multiplies x[t − lags[k]]
	lags []int        // d·(K−1−k)
	bias []float32    // (2G)
	now  *f32.Panel   // the tap of lag 0
	past []int        // indices of the taps of lag > 0
	pre  []float32    // (B, N, 2G): bias + past taps for the block's steps
	blk  int          // B
	next int          // the block's step that comes next; B: compute a new block
	rs   *f32.Panel   // (G+1, R+S), or (G+1, S) for the last layer
	rsAt int          // first column of xs that rs writes: 0, or R for the last layer
	ring []float32    // (h, N, R): the layer's last h inputs
	hist int          // h = d·(K−1)
	pos  int          // slot of time t mod h
}

// newFastStep returns the step of streams streams; its logits are written to
// logits (streams, Q) if that is not nil.
func newFastStep(m *Model, streams int, logits []float32) *fastStep {
	c := m.Config
	R, G, S, E, Q, K := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels, c.FilterWidth
	N := streams
	f := &fastStep{n: N, q: Q, r: R, g: G, s: S, e: E}

	f.in = m.Input
	f.in.Bias = append([]float32(nil), m.Input.Bias...)
	f.inPack = m.Input.PackTaps(nil)
	f.in.Weight = nil // only inPack is read
	f.inRing = causal.NewCodeRing(N, m.Input.History())
	f.x0 = make([]float32, N*R)

	// The weights a step reads every time (the current tap and residual|skip
	// of each layer, then the head) lie in one stream in the order they are
	// read; the past taps, read once per block, in a second one after it.
	L := len(m.Layers)
	mainSize := f32.PanelSize(S, E) + f32.PanelSize(E, Q)
	pastSize := 0
	for range m.Layers {
		mainSize += f32.PanelSize(R, 2*G) + f32.PanelSize(G+1, R+S)
		pastSize += (K - 1) * f32.PanelSize(R, 2*G)
	}
	arena := make([]float32, mainSize+pastSize)
	mainW, pastW := arena[:mainSize], arena[mainSize:]
	take := func(w *[]float32, in, out int) []float32 {
		n := f32.PanelSize(in, out)
		b := (*w)[:n]
		*w = (*w)[n:]
		return b
	}
	f.layers = make([]fastLayer, L)
	for li := range m.Layers {
		ly := &m.Layers[li]
		fl := &f.layers[li]
		d := ly.Filter.Dilation
		for k := 0; k < K; k++ {
			w := &pastW
			if k == K-1 {
				w = &mainW
			}
			fl.taps = append(fl.taps, f32.NewPanelIn(take(w, R, 2*G), R, 2*G, func(i, o int) float32 {
				if o < G {
					return ly.Filter.Weight[(o*R+i)*K+k]
				}
				return ly.Gate.Weight[((o-G)*R+i)*K+k]
			}))
			fl.lags = append(fl.lags, d*(K-1-k))
		}
		fl.bias = append(append([]float32(nil), ly.Filter.Bias...), ly.Gate.Bias...)
		for k, lag := range fl.lags {
			if lag == 0 {
				fl.now = fl.taps[k]
			} else {
				fl.past = append(fl.past, k)
			}
		}
		fl.blk = max(1, min(d, maxPastBlock))
		fl.pre = make([]float32, fl.blk*N*2*G)
		last := li == L-1
		out := R + S
		if last {
			out, fl.rsAt = S, R // the last residual output feeds nothing
		}
		fl.rs = f32.NewPanelIn(take(&mainW, G+1, out), G+1, out, func(i, o int) float32 {
			if !last && o < R {
				if i == G {
					return ly.Residual.Bias[o]
				}
				return ly.Residual.Weight[o*G+i]
			}
			o -= R
			if last {
				o += R
			}
			if i == G {
				return ly.Skip.Bias[o]
			}
			return ly.Skip.Weight[o*G+i]
		})
		fl.hist = d * (K - 1)
		fl.ring = make([]float32, fl.hist*N*R)
	}
	f.out1 = f32.NewPanelIn(take(&mainW, S, E), S, E, func(i, o int) float32 { return m.Output1.Weight[o*S+i] })
	f.b1 = append([]float32(nil), m.Output1.Bias...)
	f.out2 = f32.NewPanelIn(take(&mainW, E, Q), E, Q, func(i, o int) float32 { return m.Output2.Weight[o*E+i] })
	f.b2 = append([]float32(nil), m.Output2.Bias...)

	f.xs = make([]float32, N*(R+S))
	f.acc = make([]float32, N*2*G)
	f.z = make([]float32, N*(G+1))
	f.h = make([]float32, N*S)
	f.o1 = make([]float32, N*E)
	f.logits = logits
	if f.logits == nil {
		f.logits = make([]float32, N*Q)
	}
	f.reset()
	return f
}

// reset empties every history: the next step is at t = 0.
func (f *fastStep) reset() {
	f.inRing.Reset()
	for i := range f.layers {
		clear(f.layers[i].ring)
		f.layers[i].pos = 0
		f.layers[i].next = f.layers[i].blk
	}
	for s := 0; s < f.n; s++ {
		f.z[s*(f.g+1)+f.g] = 1
	}
}

// step feeds codes (N) and returns the logits (N, Q), a view valid until
// the next step.
func (f *fastStep) step(codes []int32) []float32 {
	N, R, G, S, E, Q := f.n, f.r, f.g, f.s, f.e, f.q
	RS := R + S
	// The input conv on one-hot codes (it checks the codes), into the
	// residual part of xs; the skip sum starts at zero.
	f.in.StepOneHot(f.x0, codes, f.inRing, f.inPack)
	xs := f.xs
	for s := 0; s < N; s++ {
		copy(xs[s*RS:s*RS+R], f.x0[s*R:(s+1)*R])
		clear(xs[s*RS+R : (s+1)*RS])
	}

	G2, G1 := 2*G, G+1
	acc, z := f.acc, f.z
	for li := range f.layers {
		fl := &f.layers[li]
		if fl.next == fl.blk {
			f.pastBlock(fl)
			fl.next = 0
		}
		copy(acc, fl.pre[fl.next*N*G2:(fl.next+1)*N*G2])
		fl.next++
		fl.now.MulAdd(acc, G2, xs, RS, N)
		if fl.hist > 0 {
			dst := fl.ring[fl.pos*N*R : (fl.pos+1)*N*R]
			for s := 0; s < N; s++ {
				copy(dst[s*R:(s+1)*R], xs[s*RS:s*RS+R])
			}
			fl.pos++
			if fl.pos == fl.hist {
				fl.pos = 0
			}
		}
		f32.GateRows(z, G1, acc, G2, N, G)
		fl.rs.MulAdd(xs[fl.rsAt:], RS, z, G1, N)
	}

	h, o1 := f.h, f.o1
	for s := 0; s < N; s++ {
		f32.Relu(h[s*S:(s+1)*S], xs[s*RS+R:(s+1)*RS])
		copy(o1[s*E:(s+1)*E], f.b1)
	}
	f.out1.MulAdd(o1, E, h, S, N)
	f32.Relu(o1, o1)
	logits := f.logits
	for s := 0; s < N; s++ {
		copy(logits[s*Q:(s+1)*Q], f.b2)
	}
	f.out2.MulAdd(logits, Q, o1, E, N)
	return logits
}

// fastGen is the Generator's kernel step over its N streams, cut into parts
// of consecutive streams, one per thread; each part has its own histories.
// Step runs the parts one after another; Generate runs them on their own
// goroutines, in blocks of genBlock steps.
type fastGen struct {
	parts  []*fastStep
	lo     []int       // part i has streams lo[i] … lo[i+1]−1
	logits []float32   // (N, Q); part i writes rows lo[i] … lo[i+1]−1
	probs  [][]float64 // per part, (Q) sampling scratch

	// A parallel Generate's ring of genAhead blocks in flight.
	u     [genAhead][]float64 // (genBlock, N) uniforms, drawn in the sequential order
	codes [genAhead][]int32   // (genBlock, N) drawn codes
}

const (
	// genBlock is the number of steps a thread of a parallel Generate runs
	// as one piece of work: enough that handing it over costs little.
	genBlock = 64
	// genAhead is the number of blocks in flight: a thread may run that
	// many blocks ahead of the slowest one (and of emit), so that a thread
	// the OS pauses for a while does not stop the others.
	genAhead = 4
)

// newFastGen returns the kernel step of m for streams streams, cut into
// min(threads, streams) parts (at least one), with empty histories.
func newFastGen(m *Model, streams, threads int) *fastGen {
	threads = max(1, min(threads, streams))
	Q := m.Config.QuantizationChannels
	f := &fastGen{logits: make([]float32, streams*Q)}
	for i := 0; i <= threads; i++ {
		f.lo = append(f.lo, streams*i/threads)
	}
	for i := 0; i < threads; i++ {
		lo, hi := f.lo[i], f.lo[i+1]
		f.parts = append(f.parts, newFastStep(m, hi-lo, f.logits[lo*Q:hi*Q]))
		f.probs = append(f.probs, make([]float64, Q))
	}
	if threads > 1 {
		for j := range genAhead {
			f.u[j] = make([]float64, genBlock*streams)
			f.codes[j] = make([]int32, genBlock*streams)
		}
	}
	return f
}

// reset empties every part's histories.
func (f *fastGen) reset() {
	for _, p := range f.parts {
		p.reset()
	}
}

// step feeds codes (N) to the parts in turn and returns the logits (N, Q),
// a view valid until the next step.
func (f *fastGen) step(codes []int32) []float32 {
	for i, p := range f.parts {
		p.step(codes[f.lo[i]:f.lo[i+1]])
	}
	return f.logits
}

// SetThreads lets Generate run the streams on up to n goroutines (n ≤ 1:
// the calling one), each with a consecutive share of the streams; Step
// stays on the calling goroutine. The codes drawn are the same for any n,
// since the random numbers are drawn in the same order. It resets every
// stream, as Prime(nil) does; call it before Prime. With n > 1, an error
// from emit may leave the streams up to genAhead·genBlock steps past the
// last emitted code.
func (g *Generator) SetThreads(n int) {
	g.fast = newFastGen(g.m, g.N, n)
	g.Prime(nil)
}

// genJob is one block of a parallel Generate: its ring slot and length.
type genJob struct{ slot, steps int }

// generateParallel is Generate on one goroutine per part, as a pipeline
// with no meeting per block. The calling goroutine draws each block's
// uniforms (in the order the sequential Generate draws them: step by step,
// stream by stream) and hands the block to every part; each part steps its
// streams through it on its own and reports back; once every part has
// done a block, emit sees its codes step by step, and its ring slot takes
// the next block. A part may so run up to genAhead blocks ahead of another.
func (g *Generator) generateParallel(n int, temperature float64, rng *rand.Rand, emit func(codes []int32) error) error {
	f := g.fast
	N, P := g.N, len(f.parts)
	todo := make([]chan genJob, P)
	done := make([]chan int, P)
	var wg sync.WaitGroup
	for i := range P {
		todo[i] = make(chan genJob, genAhead)
		done[i] = make(chan int, genAhead)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range todo[i] {
				f.runPart(i, job, temperature, g.pending)
				done[i] <- job.slot
			}
		}()
	}
	issued, blocks := 0, (n+genBlock-1)/genBlock
	issue := func() {
		slot, steps := issued%genAhead, min(genBlock, n-issued*genBlock)
		if temperature > 0 {
			for j := range f.u[slot][:steps*N] {
				f.u[slot][j] = rng.Float64()
			}
		}
		for i := range P {
			todo[i] <- genJob{slot, steps}
		}
		issued++
	}
	for issued < min(genAhead, blocks) {
		issue()
	}
	var err error
	for b := 0; b < blocks && err == nil; b++ {
		slot := 0
		for i := range P {
			slot = <-done[i] // parts finish their blocks in order
		}
		steps := min(genBlock, n-b*genBlock)
		for j := 0; j < steps && err == nil; j++ {
			copy(g.out, f.codes[slot][j*N:(j+1)*N])
			err = emit(g.out)
		}
		if err == nil && issued < blocks {
			issue()
		}
	}
	for i := range P {
		close(todo[i])
	}
	wg.Wait() // blocks still in flight run to the end: the streams move on
	return err
}

// runPart steps part i through a block, drawing each of its streams' next
// code into pending and the block's codes.
func (f *fastGen) runPart(i int, job genJob, temperature float64, pending []int32) {
	p := f.parts[i]
	lo, hi := f.lo[i], f.lo[i+1]
	N, Q := len(pending), p.q
	u, codes := f.u[job.slot], f.codes[job.slot]
	for b := 0; b < job.steps; b++ {
		logits := p.step(pending[lo:hi])
		for s := lo; s < hi; s++ {
			row := logits[(s-lo)*Q : (s-lo+1)*Q]
			var c int
			if temperature == 0 {
				c = argmax(row)
			} else {
				c = sampleFrom(row, temperature, u[b*N+s], f.probs[i])
			}
			pending[s] = int32(c)
			codes[b*N+s] = int32(c)
		}
	}
}

// maxPastBlock bounds the steps whose past-tap products a layer computes at
// once: enough to read the weights rarely, few enough to keep the block in L1.
const maxPastBlock = 16

// pastBlock fills fl.pre for the layer's next B steps t … t+B−1 (t the
// step about to run): bias plus Σ over the past taps k of x[t + j − lag_k]
// times tap k. Those inputs are at least lag_k − B + 1 ≥ 1 steps old, so
// all are in the ring (zeros before t = 0), in B consecutive slots that may
// wrap around its end.
func (f *fastStep) pastBlock(fl *fastLayer) {
	N, R, G2 := f.n, f.r, 2*f.g
	B := fl.blk
	for j := 0; j < B*N; j++ {
		copy(fl.pre[j*G2:(j+1)*G2], fl.bias)
	}
	for _, k := range fl.past {
		slot := fl.pos - fl.lags[k]
		if slot < 0 {
			slot += fl.hist
		}
		// Steps j0 … j0+run−1 read the slots slot … slot+run−1 before the wrap.
		for j0 := 0; j0 < B; {
			run := min(B-j0, fl.hist-slot)
			fl.taps[k].MulAdd(fl.pre[j0*N*G2:], G2, fl.ring[slot*N*R:(slot+run)*N*R], R, run*N)
			j0 += run
			slot = 0
		}
	}
}
