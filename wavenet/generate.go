package wavenet

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/wavenet-go/wavenet-go/causal"
	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// Generator runs a model one step at a time for N independent streams, with
// a ring of each layer's last d_i·(K−1) inputs (and of the last W0−1 codes),
// so that a step costs the same at any position: the spec's incremental
// generation. Its logits equal Forward's over the same codes to float32
// rounding.
//
// Step runs on causal/f32's kernels (fastStep, fast.go: weights packed
// into streaming panels, past taps computed ahead in blocks); SetThreads
// spreads Generate over goroutines. The plain form below, refStep, is what
// fastStep is tested against.
//
// The generator keeps its own packed copy of the weights, made by
// NewGenerator and made again by SetThreads; changes to the model in
// between are not seen. A Generator belongs to one goroutine at a time.
type Generator struct {
	m *Model
	N int // streams
	q int // Q

	pending, out, in []int32   // (N) codes
	probs            []float64 // (Q) sampling scratch

	fast *fastGen // the kernel step of fast.go, which Step runs
}

// NewGenerator returns a generator of m for streams independent streams,
// with an empty history: as if primed with no codes (next input Q/2).
func NewGenerator(m *Model, streams int) *Generator {
	if streams < 1 {
		panic(fmt.Sprintf("wavenet: NewGenerator with %d streams", streams))
	}
	Q := m.Config.QuantizationChannels
	g := &Generator{m: m, N: streams, q: Q}
	g.pending = make([]int32, streams)
	g.out = make([]int32, streams)
	g.in = make([]int32, streams)
	g.probs = make([]float64, Q)
	g.fast = newFastGen(m, streams, 1)
	g.Prime(nil)
	return g
}

// Prime resets every stream and feeds it the same prime codes, all but the
// last: the last prime code is the next input, which the first step of
// Generate feeds (so Generate's first code is the one that follows the
// prime, exactly as the PyTorch reference's generate_incremental does). An
// empty prime means the single code Q/2, μ-law's 0.0 (spec): nothing is fed
// and Q/2 is the next input. It panics on a code outside [0, Q).
func (g *Generator) Prime(codes []int32) {
	g.fast.reset()
	last := int32(g.q / 2)
	if len(codes) > 0 {
		for _, c := range codes[:len(codes)-1] {
			for s := range g.in {
				g.in[s] = c
			}
			g.Step(g.in)
		}
		last = codes[len(codes)-1]
	}
	if last < 0 || int(last) >= g.q {
		panic(fmt.Sprintf("wavenet: prime code %d outside [0, %d)", last, g.q))
	}
	for s := range g.pending {
		g.pending[s] = last
	}
}

// Step feeds one code per stream, codes (N), as the newest input and returns
// the logits (N, Q) of each stream's next code. The logits are a view into
// the generator, valid until the next Step. Step allocates nothing. It is
// the low-level form: it does not change the next input that Generate
// feeds (set by Prime or by Generate's last draw). It panics on a code
// outside [0, Q).
func (g *Generator) Step(codes []int32) []float32 {
	if len(codes) != g.N {
		panic(fmt.Sprintf("wavenet: Step with %d codes for %d streams", len(codes), g.N))
	}
	return g.fast.step(codes)
}

// refStep is the plain form of the Generator's step, on causal's per-step
// convs and gonum's Gemv: fastStep is tested against it. Per layer it keeps
//
//	fg:  filter and gate fused into one conv of 2G outputs, packed per tap
//	     (K, R, 2G): columns 0..G−1 filter, G..2G−1 gate
//	rs:  residual and skip fused, (G, R+S): columns 0..R−1 residual,
//	     R..R+S−1 skip (the last layer, whose residual output feeds
//	     nothing, keeps only skip: (G, S))
//
// and the head: output1 (S, E), output2 (E, Q).
type refStep struct {
	c      Config
	n      int         // streams
	input  causal.Conv // m.Input's shape and bias (a copy)
	inPack []float32   // (W0, Q, R)
	inRing *causal.CodeRing
	layers []refLayer
	b1, b2 []float32 // output1 (E), output2 (Q) biases
	w1, w2 []float32 // output1 (S, E), output2 (E, Q) packed

	x, acc, z, rs, skip, o1, logits []float32 // (N, ·) activations of one step
}

type refLayer struct {
	fg     causal.Conv // fused filter+gate: (2G, R, K), dilation d_i
	fgPack []float32   // (K, R, 2G)
	ring   *causal.Ring
	rsW    []float32 // (G, rsOut)
	rsB    []float32 // (rsOut)
	rsOut  int       // R+S, or S for the last layer
}

// newRefStep returns the reference step of m for streams streams, with
// empty histories.
func newRefStep(m *Model, streams int) *refStep {
	c := m.Config
	R, G, S, E, Q := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels
	g := &refStep{c: c, n: streams, input: m.Input}
	g.inPack = m.Input.PackTaps(nil)
	g.inRing = causal.NewCodeRing(streams, m.Input.History())
	L := len(m.Layers)
	g.layers = make([]refLayer, L)
	for i := range m.Layers {
		ly := &m.Layers[i]
		gl := &g.layers[i]
		gl.fg = causal.Conv{
			In: R, Out: 2 * G, Width: ly.Filter.Width, Dilation: ly.Filter.Dilation,
			// (Out, In, Width) layout: stacking along Out is appending.
			Weight: append(append([]float32(nil), ly.Filter.Weight...), ly.Gate.Weight...),
			Bias:   append(append([]float32(nil), ly.Filter.Bias...), ly.Gate.Bias...),
		}
		gl.fgPack = gl.fg.PackTaps(nil)
		gl.ring = causal.NewRing(streams, R, gl.fg.History())
		rs := causal.Conv{In: G, Out: R + S, Width: 1, Dilation: 1,
			Weight: append(append([]float32(nil), ly.Residual.Weight...), ly.Skip.Weight...),
			Bias:   append(append([]float32(nil), ly.Residual.Bias...), ly.Skip.Bias...),
		}
		if i == L-1 {
			rs = ly.Skip
		}
		gl.rsW = rs.PackTaps(nil)
		gl.rsB = append([]float32(nil), rs.Bias...)
		gl.rsOut = rs.Out
	}
	g.w1 = m.Output1.PackTaps(nil)
	g.w2 = m.Output2.PackTaps(nil)
	g.b1 = append([]float32(nil), m.Output1.Bias...)
	g.b2 = append([]float32(nil), m.Output2.Bias...)
	g.input.Bias = append([]float32(nil), m.Input.Bias...)
	g.input.Weight = nil // only inPack is used

	n := streams
	g.x = make([]float32, n*R)
	g.acc = make([]float32, n*2*G)
	g.z = make([]float32, n*G)
	g.rs = make([]float32, n*(R+S))
	g.skip = make([]float32, n*S)
	g.o1 = make([]float32, n*E)
	g.logits = make([]float32, n*Q)
	return g
}

// step feeds codes (N) and returns the logits (N, Q), a view valid until
// the next step.
func (g *refStep) step(codes []int32) []float32 {
	c := g.c
	R, G, S, E, Q := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels
	n := g.n
	if len(codes) != n {
		panic(fmt.Sprintf("wavenet: Step with %d codes for %d streams", len(codes), n))
	}
	g.input.StepOneHot(g.x, codes, g.inRing, g.inPack)
	clear(g.skip)
	for i := range g.layers {
		gl := &g.layers[i]
		gl.fg.Step(g.acc, g.x, gl.ring, gl.fgPack)
		for s := 0; s < n; s++ {
			a := g.acc[s*2*G : (s+1)*2*G]
			z := g.z[s*G : (s+1)*G]
			for j := range z {
				z[j] = tanh32(a[j]) * sigmoid32(a[G+j])
			}
		}
		rsOut := gl.rsOut
		rs := g.rs[:n*rsOut]
		for s := 0; s < n; s++ {
			copy(rs[s*rsOut:(s+1)*rsOut], gl.rsB)
		}
		causal.MulAdd(rs, g.z, gl.rsW, n, G, rsOut)
		for s := 0; s < n; s++ {
			r := rs[s*rsOut : (s+1)*rsOut]
			sk := r[rsOut-S:]
			for j, v := range sk {
				g.skip[s*S+j] += v
			}
			if rsOut > S {
				x := g.x[s*R : (s+1)*R]
				for j, v := range r[:R] {
					x[j] += v
				}
			}
		}
	}
	relu(g.skip)
	for s := 0; s < n; s++ {
		copy(g.o1[s*E:(s+1)*E], g.b1)
	}
	causal.MulAdd(g.o1, g.skip, g.w1, n, S, E)
	relu(g.o1)
	for s := 0; s < n; s++ {
		copy(g.logits[s*Q:(s+1)*Q], g.b2)
	}
	causal.MulAdd(g.logits, g.o1, g.w2, n, E, Q)
	return g.logits
}

// tanh32 and sigmoid32 are refStep's gate activations, computed in float64
// and rounded to float32.
func tanh32(v float32) float32 { return float32(math.Tanh(float64(v))) }

func sigmoid32(v float32) float32 {
	// 1/(1+e^−v), written so that neither branch overflows.
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return float32(e / (1 + e))
}

// Generate draws n codes per stream. Each step feeds the next input (the
// last prime code, or the code drawn by the step before), draws each
// stream's following code from the logits, makes it the next input, and
// calls emit with the drawn codes (N). emit must not keep or change the
// slice; an error from emit stops Generate, which returns it.
//
// temperature 0 takes the argmax (the first maximal class, as torch.argmax),
// and needs no rng. A temperature T > 0 samples from softmax(logits/T):
// the probabilities and their running sum are computed in float64 from
// exp((l_j − max l)/T), and the class is the first whose cumulative sum
// exceeds u·Σ for u = rng.Float64(); streams draw in order 0..N−1. Generate
// allocates nothing per step.
func (g *Generator) Generate(n int, temperature float64, rng *rand.Rand, emit func(codes []int32) error) error {
	if n < 0 {
		return fmt.Errorf("wavenet: generate %d codes", n)
	}
	if !(temperature >= 0) || math.IsInf(temperature, 1) {
		return fmt.Errorf("wavenet: temperature %v, want a finite value ≥ 0", temperature)
	}
	if temperature > 0 && rng == nil {
		return errors.New("wavenet: sampling at a temperature above 0 needs a random source")
	}
	if len(g.fast.parts) > 1 {
		return g.generateParallel(n, temperature, rng, emit)
	}
	Q := g.q
	for range n {
		logits := g.Step(g.pending)
		for s := range g.pending {
			row := logits[s*Q : (s+1)*Q]
			if temperature == 0 {
				g.pending[s] = int32(argmax(row))
			} else {
				g.pending[s] = int32(g.sample(row, temperature, rng))
			}
		}
		copy(g.out, g.pending)
		if err := emit(g.out); err != nil {
			return err
		}
	}
	return nil
}

// argmax returns the index of the first maximal value; NaN is never chosen
// unless every value is NaN (then 0).
func argmax(v []float32) int { return f32.Argmax(v) }

// sample draws a class from softmax(logits/temperature) in float64.
func (g *Generator) sample(logits []float32, temperature float64, rng *rand.Rand) int {
	return sampleFrom(logits, temperature, rng.Float64(), g.probs)
}

// sampleFrom draws the class of logits at cumulative probability u ∈ [0, 1)
// of softmax(logits/temperature), with probs (Q) as scratch.
func sampleFrom(logits []float32, temperature, u float64, probs []float64) int {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	var sum float64
	for j, v := range logits {
		p := math.Exp((float64(v) - mx) / temperature)
		probs[j] = p
		sum += p
	}
	u *= sum
	last := 0
	for j, p := range probs[:len(logits)] {
		if p > 0 {
			last = j
		}
		u -= p
		if u < 0 {
			return j
		}
	}
	return last // rounding left u ≥ 0: the last class with mass
}
