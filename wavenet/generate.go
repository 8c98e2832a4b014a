package wavenet

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

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
// spreads Generate over goroutines. Its plain form, refStep
// (refstep_test.go), is what fastStep is tested against.
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
