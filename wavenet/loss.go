package wavenet

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// CrossEntropy returns the mean cross-entropy, in nats, of logits (rows, q)
// against targets (rows), one class per row: the mean over counted rows of
//
//	log Σ_j exp(logits[r, j]) − logits[r, targets[r]]
//
// A negative target marks a row that is not counted (context only, as in
// training that skips each chunk's first receptive field). If dlogits is
// not nil it is overwritten with the gradient of that mean,
// (softmax(logits[r]) − onehot(targets[r])) / count, and zero on rows not
// counted. With no counted row the loss and the gradient are 0. The
// exponentials are float32 (package f32, relative error ≤ 2e-7); sums and
// logarithms are float64. It panics on a target ≥ q or mismatched lengths.
func CrossEntropy(dlogits, logits []float32, targets []int32, q int) (nats float64) {
	rows := len(targets)
	if q < 1 || len(logits) != rows*q || (dlogits != nil && len(dlogits) != rows*q) {
		panic(fmt.Sprintf("wavenet: CrossEntropy with %d logits, %d targets, q = %d", len(logits), rows, q))
	}
	count := 0
	for _, c := range targets {
		if int(c) >= q {
			panic(fmt.Sprintf("wavenet: CrossEntropy target %d ≥ q = %d", c, q))
		}
		if c >= 0 {
			count++
		}
	}
	var scratch []float32
	if dlogits == nil {
		scratch = make([]float32, q)
	}
	inv := 1 / float64(count)
	var sum float64
	for r, c := range targets {
		lr := logits[r*q : (r+1)*q]
		e := scratch
		if dlogits != nil {
			e = dlogits[r*q : (r+1)*q]
		}
		if c < 0 {
			clear(e)
			continue
		}
		lse, z := expShifted(e, lr)
		sum += lse - float64(lr[c])
		if dlogits != nil {
			scale := float32(inv / z)
			for j := range e {
				e[j] *= scale
			}
			e[c] -= float32(inv)
		}
	}
	if count == 0 {
		return 0
	}
	return sum / float64(count)
}

// expShifted sets e[j] = exp(v[j] − max v) with package f32's vectorized
// exp, and returns log Σ_j exp(v[j]) and the sum z = Σ_j e[j], both in
// float64.
//
// The shift and the exponentials are one pass of f32.ExpSum at scale 1,
// whose (v[j] − max)·1 is v[j] − max exactly, so e is Exp's; z is summed
// in float64 in the order of j. A NaN in v makes the max, and lse, NaN.
func expShifted(e, v []float32) (lse, z float64) {
	mx := v[0]
	for _, x := range v {
		mx = max(mx, x)
	}
	f32.ExpSum(e, v, mx, 1)
	for _, x := range e {
		z += float64(x)
	}
	return float64(mx) + math.Log(z), z
}

// evalChunk is the number of positions BitsPerSample scores per forward pass.
const evalChunk = 8192

// evalPlan returns how BitsPerSample scores a clip of T ≥ 2 codes: chunks
// of chunk positions, each after lead codes of left context (a receptive
// field less one), in a workspace of rows positions. Each chunk recomputes
// its lead: a chunk of 4·lead keeps that overhead at 25 % for deep stacks,
// where the memory allows (1 GiB).
func evalPlan(c Config, T int) (chunk, lead, rows int) {
	lead = c.ReceptiveField() - 1
	chunk = evalChunk
	if 4*lead > chunk && int64(5*lead)*c.evalWidth() <= 1<<28 {
		chunk = 4 * lead
	}
	return chunk, lead, min(T-1, chunk+lead)
}

// BitsPerSample returns the mean negative log-likelihood, in bits, of
// codes[1..T−1], each given all codes before it, the context before
// codes[0] being zeros, and the clip conditioned on cond (Cond{} for an
// unconditioned model): the spec's whole-clip evaluation, the same number
// as one Forward over the clip followed by CrossEntropy/ln 2. It returns 0
// for fewer than two codes (nothing to predict). It panics on a cond that
// does not fit the model, as Forward does: callers Check it first.
//
// Memory stays bounded for any T: the positions are scored in chunks of
// max(8192, 4·(RF − 1)) positions (the larger only while a chunk's
// activations fit in 1 GiB; RF is the receptive field), each chunk but the
// first preceded by its RF − 1 codes of left context, which is exactly what
// one output sees, so every logit equals the whole-clip forward pass up to
// float32 rounding; of the context, each layer computes only what the
// scored positions reach (ForwardFrom). Only two layers' activations are kept at a time. The matrix products use
// GOMAXPROCS goroutines.
func (m *Model) BitsPerSample(codes []int32, cond Cond) float64 {
	bits, _ := m.BitsPerSampleContext(context.Background(), codes, cond)
	return bits
}

// BitsPerSampleContext is [Model.BitsPerSample] that gives up when ctx is
// done, returning ctx's error; it looks at ctx before each chunk of
// positions.
func (m *Model) BitsPerSampleContext(ctx context.Context, codes []int32, cond Cond) (float64, error) {
	if err := cond.checkShape(m.Config); err != nil {
		panic(fmt.Sprintf("wavenet: BitsPerSample: %v", err))
	}
	T := len(codes)
	if T < 2 {
		return 0, nil
	}
	Q := m.Config.QuantizationChannels
	positions := T - 1 // logits at p = 0..T−2 predict codes[p+1]
	chunk, lead, rows := evalPlan(m.Config, T)
	ws := newWorkspace(m, 1, rows, false)
	ws.Threads = runtime.GOMAXPROCS(0)
	var sum float64
	ex := make([]float32, Q)
	var conds []Cond // one, for each chunk: the clip's, offset to the chunk's start
	if m.Config.Conditioned() {
		conds = make([]Cond, 1)
	}
	for s := 0; s < positions; s += chunk {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		e := min(s+chunk, positions)
		in0 := max(0, s-lead)
		if conds != nil {
			conds[0] = Cond{Class: cond.Class, Frames: cond.Frames, Offset: cond.Offset + in0}
		}
		logits := m.ForwardFrom(ws, codes[in0:e], conds, s-in0) // the context positions are not scored
		for p := s; p < e; p++ {
			lr := logits[(p-in0)*Q : (p-in0+1)*Q]
			c := codes[p+1]
			if c < 0 || int(c) >= Q {
				panic(fmt.Sprintf("wavenet: code %d outside [0, %d)", c, Q))
			}
			lse, _ := expShifted(ex, lr)
			sum += lse - float64(lr[c])
		}
	}
	return sum / float64(positions) / math.Ln2, nil
}
