package wavenet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// Generator runs a model one step at a time for N independent streams, with
// a ring of each layer's last d_i·(K−1) inputs (and of the last W0−1 codes),
// so that a step costs the same at any position: the spec's incremental
// generation. Its logits equal Forward's over the same codes to float32
// rounding.
//
// It holds the model's weights once, packed by NewGenerator for the float32
// kernels of causal/f32 (streaming panels, past taps computed ahead in
// blocks), and the streams cut into parts of consecutive streams, each with
// its own run state; every part reads the one packed copy. SetThreads sets
// the number of parts, one per goroutine of Generate; one part runs on the
// calling goroutine. Changes to the model after NewGenerator are not seen.
// A Generator belongs to one goroutine at a time.
//
// A conditioned model's streams each need their conditioning (SetCond)
// before Prime; streams may have different classes and different frames.
type Generator struct {
	N   int    // streams
	q   int    // Q
	cfg Config // the model's

	weights Weights      // how w stores them
	w       *packedModel // the weights, read by every part
	parts   []genPart
	logits  []float32 // (N, Q); part i writes rows lo … hi−1 of its own

	pending, out, in []int32 // (N) codes

	conds  []Cond // (N) each stream's conditioning, from SetCond; nil for an unconditioned model
	condOK []bool // (N) SetCond has set the stream's
	primed bool   // the last Prime conditioned every stream (always true for an unconditioned model)

	// Generate's ring of blocks in flight: per slot, one block's uniforms
	// (drawn in the order step by step, stream by stream) and drawn codes.
	u     [][]float64 // (slots)(steps, N)
	codes [][]int32   // (slots)(steps, N)
}

// genPart is one part of a Generator's streams: lo … hi−1.
type genPart struct {
	lo, hi int
	st     *runState
	probs  []float32 // (Q) sampling scratch
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

// Weights is how a Generator stores the weights of its per-sample chain.
type Weights int

const (
	// WeightsF32 keeps the model's float32 weights: logits equal
	// Forward's to float32 rounding.
	WeightsF32 Weights = iota
	// WeightsF16 stores every weight of the per-sample chain (the filter
	// and gate taps, residual|skip with its biases, output1 and output2)
	// as the nearest IEEE float16, widened exactly in the products, which
	// sum in float32: half the bytes to read per sample. The logits are
	// Forward's of the model with those weights rounded to float16. The
	// input conv's table, the filter, gate and head biases and the
	// conditioning weights stay float32.
	WeightsF16
)

// String returns "f32" or "f16", the names ParseWeights reads.
func (w Weights) String() string {
	switch w {
	case WeightsF32:
		return "f32"
	case WeightsF16:
		return "f16"
	}
	return fmt.Sprintf("Weights(%d)", int(w))
}

// ParseWeights returns the Weights named s: "f32" or "f16".
func ParseWeights(s string) (Weights, error) {
	switch s {
	case "f32":
		return WeightsF32, nil
	case "f16":
		return WeightsF16, nil
	}
	return 0, fmt.Errorf("wavenet: weights %q: want f32 or f16", s)
}

// GeneratorOptions are the choices of NewGeneratorWith; the zero value is
// NewGenerator's.
type GeneratorOptions struct {
	Weights Weights // the storage of the per-sample weights (default WeightsF32)
}

// NewGenerator returns a generator of m for streams independent streams,
// in one part, with an empty history: as if primed with no codes (next
// input Q/2). Its weights are float32.
func NewGenerator(m *Model, streams int) *Generator {
	return NewGeneratorWith(m, streams, GeneratorOptions{})
}

// NewGeneratorWith is NewGenerator with the choices of o. It panics on
// streams < 1 and on Weights other than WeightsF32 and WeightsF16.
func NewGeneratorWith(m *Model, streams int, o GeneratorOptions) *Generator {
	if streams < 1 {
		panic(fmt.Sprintf("wavenet: NewGenerator with %d streams", streams))
	}
	if o.Weights != WeightsF32 && o.Weights != WeightsF16 {
		panic(fmt.Sprintf("wavenet: NewGenerator with weights %v", o.Weights))
	}
	Q := m.Config.QuantizationChannels
	g := &Generator{N: streams, q: Q, cfg: m.Config, weights: o.Weights, w: packModel(m, o.Weights)}
	g.logits = make([]float32, streams*Q)
	g.pending = make([]int32, streams)
	g.out = make([]int32, streams)
	g.in = make([]int32, streams)
	if m.Config.Conditioned() {
		g.conds, g.condOK = make([]Cond, streams), make([]bool, streams)
	}
	g.SetThreads(1)
	return g
}

// Weights returns how g stores its per-sample weights.
func (g *Generator) Weights() Weights { return g.weights }

// SetCond sets the conditioning of stream (0 … N−1), for a conditioned
// model: its class and its frames (FORMAT.md, "Conditioning"; Offset must
// be 0, as generation starts at t = 0). It takes effect at the next Prime,
// which needs every stream's. Step t (counting from the first prime code)
// sees frame min(⌊(t+1)/H⌋, F − 1): past the last frame the last one holds.
// The generator keeps c.Frames, not a copy: leave it unchanged while the
// generator uses it. It returns an error for a stream out of range and for
// a c that Check refuses.
func (g *Generator) SetCond(stream int, c Cond) error {
	if stream < 0 || stream >= g.N {
		return fmt.Errorf("wavenet: SetCond of stream %d of a generator of %d streams", stream, g.N)
	}
	if g.conds == nil {
		return errors.New("wavenet: SetCond on a generator of an unconditioned model")
	}
	if c.Offset != 0 {
		return fmt.Errorf("wavenet: SetCond with offset %d: generation starts at t = 0, so the offset must be 0", c.Offset)
	}
	if err := c.Check(g.cfg); err != nil {
		return fmt.Errorf("wavenet: stream %d: %w", stream, err)
	}
	g.conds[stream], g.condOK[stream] = c, true
	return nil
}

// SetThreads lets Generate run the streams on up to n goroutines (n ≤ 1:
// the calling one), each with a consecutive share of the streams and its
// own run state; the packed weights are shared. Step stays on the calling
// goroutine. The codes drawn are the same for any n, since the random
// numbers are drawn in the same order. It resets every stream, as
// Prime(nil) does (whose error, for a conditioned model whose streams lack
// their conditioning, it leaves for the caller's own Prime); call it before
// Prime. With n > 1, an error from emit may leave the streams up to 4·64
// steps (four blocks) past the last emitted
// code.
func (g *Generator) SetThreads(n int) {
	P := max(1, min(n, g.N))
	Q := g.q
	g.parts = nil // the old run state may go before the new one is made
	for i := range P {
		lo, hi := g.N*i/P, g.N*(i+1)/P
		g.parts = append(g.parts, genPart{lo: lo, hi: hi,
			st: g.w.newState(hi-lo, g.logits[lo*Q:hi*Q]), probs: make([]float32, Q)})
	}
	steps, ahead := g.blocks()
	g.u, g.codes = make([][]float64, ahead), make([][]int32, ahead)
	for j := range ahead {
		g.u[j] = make([]float64, steps*g.N)
		g.codes[j] = make([]int32, steps*g.N)
	}
	g.Prime(nil)
}

// blocks returns Generate's block length and number of blocks in flight:
// blocks of genBlock steps, genAhead of them, for several parts; for one
// part, which runs on the calling goroutine, a block is one step, so that
// emit sees each code as soon as it is drawn and an error from emit stops
// the streams right there.
func (g *Generator) blocks() (steps, ahead int) {
	if len(g.parts) == 1 {
		return 1, 1
	}
	return genBlock, genAhead
}

// Prime resets every stream and feeds it the same prime codes, all but the
// last: the last prime code is the next input, which the first step of
// Generate feeds (so Generate's first code is the one that follows the
// prime, exactly as the PyTorch reference's generate_incremental does). An
// empty prime means the single code Q/2, μ-law's 0.0 (spec): nothing is fed
// and Q/2 is the next input. The prime codes are positions 0, 1, … of each
// stream, conditioned on its SetCond; for a conditioned model Prime returns
// an error, and leaves the generator unable to step until a Prime succeeds,
// if a stream has none. It panics on a code outside [0, Q).
func (g *Generator) Prime(codes []int32) error {
	for i := range g.parts {
		g.parts[i].st.reset()
	}
	if g.conds != nil {
		g.primed = false
		for s, ok := range g.condOK {
			if !ok {
				for i := range g.parts {
					g.parts[i].st.cond.ready = false
				}
				return fmt.Errorf("wavenet: stream %d has no conditioning: a conditioned model needs SetCond for every stream before Prime", s)
			}
		}
		for i := range g.parts {
			p := &g.parts[i]
			g.w.setCond(p.st, g.conds[p.lo:p.hi])
		}
	}
	g.primed = true
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
	return nil
}

// Step feeds one code per stream, codes (N), as the newest input and returns
// the logits (N, Q) of each stream's next code. The logits are a view into
// the generator, valid until the next Step. Step runs the parts one after
// another on the calling goroutine and allocates nothing. It is the
// low-level form: it does not change the next input that Generate feeds
// (set by Prime or by Generate's last draw). It panics on a code outside
// [0, Q), and for a conditioned model when the last Prime failed.
func (g *Generator) Step(codes []int32) []float32 {
	if len(codes) != g.N {
		panic(fmt.Sprintf("wavenet: Step with %d codes for %d streams", len(codes), g.N))
	}
	for i := range g.parts {
		p := &g.parts[i]
		g.w.step(p.st, codes[p.lo:p.hi])
	}
	return g.logits
}

// Generate draws n codes per stream. Each step feeds the next input (the
// last prime code, or the code drawn by the step before), draws each
// stream's following code from the logits, makes it the next input, and
// calls emit with the drawn codes (N). emit must not keep or change the
// slice; an error from emit stops Generate, which returns it.
//
// temperature 0 takes the argmax (the first maximal class, as torch.argmax),
// and needs no rng. A temperature T > 0 samples from softmax(logits/T):
// the weights e^{(l_j − max l)/T} and their sum Σ are f32.ExpSum's, the
// same bits on every CPU, and the class is the first whose cumulative
// weight, added in float64 in order, exceeds u·Σ for u = rng.Float64().
// The uniforms are drawn step by step, stream by stream 0..N−1, whatever
// the threads. With one part Generate
// allocates nothing; with more, a few goroutines and channels per call.
//
// It is a pipeline with no meeting per block: the calling goroutine draws
// each block's uniforms and hands the block to every part; each part steps
// its streams through it on its own goroutine (one part: on the calling
// one) and reports back; once every part has done a block, emit sees its
// codes step by step, and its ring slot takes the next block. A part may so
// run up to four blocks (of 64 steps) ahead of another.
func (g *Generator) Generate(n int, temperature float64, rng *rand.Rand, emit func(codes []int32) error) error {
	return g.GenerateWith(n, Sampling{Temperature: temperature}, rng, emit)
}

// Sampling is how [Generator.GenerateWith] draws each code from a step's
// logits.
type Sampling struct {
	// Temperature 0 takes the argmax; T > 0 draws from softmax(logits/T).
	Temperature float64
	// MinProb, in [0, 1), leaves out of each draw (at a temperature above
	// 0) every code whose probability at Temperature is below MinProb,
	// and draws from the rest in proportion to their probabilities. The
	// most likely code is always kept. 0 draws from every code.
	//
	// A code the model thinks improbable is still drawn now and then at
	// temperature 1: with 256 codes and a long tail, about once every few
	// hundred samples, a jump far from the waveform's course, heard as a
	// click; and the model, fed its own unlikely code, may not recover.
	// Cutting that tail is LPCNet's remedy (Valin and Skoglund 2019 subtract
	// a probability floor).
	MinProb float64
}

// GenerateWith is [Generator.Generate] with the sampling s: Generate(n, T,
// rng, emit) is GenerateWith(n, Sampling{Temperature: T}, rng, emit). With
// s.MinProb > 0 the weights below MinProb·Σ (see Generate) are set to 0 in
// the order of j, the kept ones summed in float64 in that order to Σ', and
// the class is the first whose cumulative kept weight exceeds u·Σ'.
func (g *Generator) GenerateWith(n int, s Sampling, rng *rand.Rand, emit func(codes []int32) error) error {
	temperature := s.Temperature
	if n < 0 {
		return fmt.Errorf("wavenet: generate %d codes", n)
	}
	if !(temperature >= 0) || math.IsInf(temperature, 1) {
		return fmt.Errorf("wavenet: temperature %v, want a finite value ≥ 0", temperature)
	}
	if !(s.MinProb >= 0 && s.MinProb < 1) {
		return fmt.Errorf("wavenet: minimum probability %v, want a value in [0, 1)", s.MinProb)
	}
	if temperature > 0 && rng == nil {
		return errors.New("wavenet: sampling at a temperature above 0 needs a random source")
	}
	if !g.primed {
		return errors.New("wavenet: generate from a conditioned model before a Prime with every stream's conditioning (SetCond)")
	}
	N := g.N
	steps, ahead := g.blocks()
	var workers *genWorkers
	if len(g.parts) > 1 {
		workers = g.startWorkers(s)
		defer workers.stop() // blocks still in flight run to the end: the streams move on
	}
	issued, blocks := 0, (n+steps-1)/steps
	issue := func() {
		job := genJob{slot: issued % ahead, steps: min(steps, n-issued*steps)}
		if temperature > 0 {
			for j := range g.u[job.slot][:job.steps*N] {
				g.u[job.slot][j] = rng.Float64()
			}
		}
		if workers == nil {
			g.runPart(0, job, s)
		} else {
			workers.start(job)
		}
		issued++
	}
	for issued < min(ahead, blocks) {
		issue()
	}
	var err error
	for b := 0; b < blocks && err == nil; b++ {
		if workers != nil {
			workers.wait() // parts finish their blocks in order
		}
		slot, k := b%ahead, min(steps, n-b*steps)
		for j := 0; j < k && err == nil; j++ {
			copy(g.out, g.codes[slot][j*N:(j+1)*N])
			err = emit(g.out)
		}
		if err == nil && issued < blocks {
			issue()
		}
	}
	return err
}

// genJob is one block of Generate: its ring slot and length.
type genJob struct{ slot, steps int }

// runPart steps part i through a block: the one sampling loop. Each step
// feeds the part's next inputs (pending) and draws each of its streams'
// next code into pending and the block's codes.
func (g *Generator) runPart(i int, job genJob, s Sampling) {
	p := &g.parts[i]
	N, Q := g.N, g.q
	u, codes := g.u[job.slot], g.codes[job.slot]
	for b := 0; b < job.steps; b++ {
		logits := g.w.step(p.st, g.pending[p.lo:p.hi])
		for k := p.lo; k < p.hi; k++ {
			row := logits[(k-p.lo)*Q : (k-p.lo+1)*Q]
			var c int
			if s.Temperature == 0 {
				c = argmax(row)
			} else {
				c = sampleFrom(row, s, u[b*N+k], p.probs)
			}
			g.pending[k] = int32(c)
			codes[b*N+k] = int32(c)
		}
	}
}

// genWorkers are the goroutines of a Generate of several parts, one per
// part, and their channels.
type genWorkers struct {
	todo []chan genJob   // per part, the blocks to run
	done []chan struct{} // per part, one value per block run
	wg   sync.WaitGroup
}

// startWorkers starts one goroutine per part, each running the blocks it
// is given with runPart.
func (g *Generator) startWorkers(s Sampling) *genWorkers {
	P := len(g.parts)
	w := &genWorkers{todo: make([]chan genJob, P), done: make([]chan struct{}, P)}
	for i := range P {
		w.todo[i] = make(chan genJob, genAhead)
		w.done[i] = make(chan struct{}, genAhead)
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for job := range w.todo[i] {
				g.runPart(i, job, s)
				w.done[i] <- struct{}{}
			}
		}()
	}
	return w
}

// start hands a block to every part.
func (w *genWorkers) start(job genJob) {
	for _, c := range w.todo {
		c <- job
	}
}

// wait returns once every part has run its next block.
func (w *genWorkers) wait() {
	for _, c := range w.done {
		<-c
	}
}

// stop lets the parts finish the blocks they were given and waits for them.
func (w *genWorkers) stop() {
	for _, c := range w.todo {
		close(c)
	}
	w.wg.Wait()
}

// argmax returns the index of the first maximal value; NaN is never chosen
// unless every value is NaN (then 0).
func argmax(v []float32) int { return f32.Argmax(v) }

// sampleFrom draws the class of logits at cumulative probability u ∈ [0, 1)
// of softmax(logits/temperature), with probs (Q) as scratch. The weights
// are f32.ExpSum's, p_j = e^{(l_j − max l)/T} in float32 with their float32
// sum Σ in a fixed order; the class is the first j whose cumulative sum
// p_0 + … + p_j, added in float64 in the order of j, exceeds u·Σ. Every
// step is the same on every CPU and on the pure-Go twins, so the same u
// gives the same class everywhere. If rounding leaves u·Σ at or above the
// cumulative total, the class is the last one with a weight of at least
// Σ·2⁻²⁴ (a weight below that does not change a float32 sum).
func sampleFrom(logits []float32, s Sampling, u float64, probs []float32) int {
	top := f32.Argmax(logits)
	mx := logits[top]
	p := probs[:len(logits)]
	sum := f32.ExpSum(p, logits, mx, float32(1/s.Temperature))
	target := u * float64(sum)
	if s.MinProb > 0 {
		cut := min(float32(s.MinProb)*sum, p[top]) // the most likely code stays
		var kept float64
		for j, v := range p {
			if v < cut {
				p[j] = 0
			} else {
				kept += float64(v)
			}
		}
		target = u * kept
	}
	floor := sum * 0x1p-24
	var cum float64
	last := 0
	for j, v := range p {
		if v >= floor {
			last = j
		}
		cum += float64(v)
		if cum > target {
			return j
		}
	}
	return last
}

// BitsPerSampleContext resets the generator and steps codes[0 … T−2] through it
// as inputs at positions 0, 1, …, teacher-forced, and returns the mean
// negative log-likelihood in bits of codes[1 … T−1], each given the codes
// before it: Model.BitsPerSample as the generator computes it, with its
// weights (for WeightsF16, the float16 ones). The log-softmax is float64.
// Every stream is fed the same codes (the generator's streams are alike),
// and stream 0 is scored; the generator is left reset, as after
// Prime(nil). It returns 0 for fewer than two codes, Prime's error for a
// conditioned model whose streams lack their conditioning, and ctx's error
// if ctx is done (it looks every 4096 steps). It panics on a code outside
// [0, Q).
func (g *Generator) BitsPerSampleContext(ctx context.Context, codes []int32) (float64, error) {
	if err := g.Prime(nil); err != nil {
		return 0, err
	}
	defer g.Prime(nil)
	if len(codes) < 2 {
		return 0, nil
	}
	var sum float64
	for p, c := range codes[:len(codes)-1] {
		if p%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		for s := range g.in {
			g.in[s] = c
		}
		row := g.Step(g.in)[:g.q]
		next := codes[p+1]
		if next < 0 || int(next) >= g.q {
			panic(fmt.Sprintf("wavenet: BitsPerSample of code %d outside [0, %d)", next, g.q))
		}
		mx := float64(row[f32.Argmax(row)])
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v) - mx)
		}
		sum += mx + math.Log(z) - float64(row[next])
	}
	return sum / float64(len(codes)-1) / math.Ln2, nil
}
