package causal

import (
	"fmt"

	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// The per-step form of a conv is split as llama2.c splits a model into its
// weights and its run state:
//
//   - StepConv: the weights, packed once per tap as f32 panels and read
//     only, so that any number of goroutines step their own streams
//     through one copy;
//   - StepState: one group of N streams' run state: the ring of each
//     stream's last History inputs, the outputs precomputed for the next
//     steps, and each stream's bias row.
//
// A step reads Width−1 past inputs and the new one. The past taps are off
// the critical path: they read inputs at least Dilation steps old, so the
// state computes them for its next B ≤ Dilation steps at once (PastBlock),
// bias included, as one product of B·N rows,
//
//	pre[j, s] = bias[s] + Σ_{k<Width−1} x_s[t + j − lag_k]·W_k    j < B, lag_k = Dilation·(Width−1−k)
//
// (all those inputs are in the ring: lag_k − j ≥ Dilation − B + 1 ≥ 1). The
// past weights are then read once per B samples instead of once per
// sample, and a step only adds the product of the tap of lag 0:
//
//	y[s] = pre[j, s] + x_s[t]·W_{Width−1}
//
// A block may be recomputed at any step with the same result; SetBias
// instead corrects the rest of the block in place.

// maxPastBlock bounds the steps whose past-tap products a StepState
// computes at once: enough to read the weights rarely, few enough to keep
// the block in L1. maxPastRows bounds the rows of that product, B·N, for
// many streams: each step's product already has N rows that share a read
// of the weights, and a larger block would only crowd the weights out of
// L2 (with N = 8 streams and B = 16 the blocks of small's ten layers take
// 320 KiB).
const (
	maxPastBlock = 16
	maxPastRows  = 24
)

// StepConv is one or more causal convs that read the same input, packed for
// the per-step form above, with their outputs side by side: a WaveNet
// layer's filter and gate are one StepConv of 2G outputs. Its methods only
// read it, so one StepConv serves any number of StepStates at once.
type StepConv struct {
	in, out  int          // channels: In, and the convs' Out summed
	width    int          // K
	dilation int          // d
	now      *f32.Panel   // (In, Out): tap K−1, lag 0
	past     []*f32.Panel // (In, Out) each: tap k < K−1 multiplies x[t − d·(K−1−k)]
	bias     []float32    // (Out): the convs' biases side by side
}

// StepSizes returns the values (float32s, or float16s for NewStepConvF16)
// that the packed weights take for convs of in inputs, out outputs (all
// convs together) and width taps: hot for the tap of lag 0, read every
// step, and cold for the width−1 past taps, read once per block.
func StepSizes(in, out, width int) (hot, cold int) {
	p := f32.PanelSize(in, out)
	return p, (width - 1) * p
}

// NewStepConv packs convs, which must share In, Width and Dilation, as one
// StepConv whose outputs are theirs in order. The tap of lag 0 goes into
// hot and the past taps into cold, of at least StepSizes' lengths, so that a
// caller can lay weights out in the order it reads them (nil: allocated).
// The weights and biases are copied: later changes to convs are not seen.
// It panics on convs of different shapes.
func NewStepConv(hot, cold []float32, convs ...*Conv) *StepConv {
	sc, at := newStepConv(convs)
	hs, cs := StepSizes(sc.in, sc.out, sc.width)
	if hot == nil {
		hot = make([]float32, hs)
	}
	if cold == nil {
		cold = make([]float32, cs)
	}
	if len(hot) < hs || len(cold) < cs {
		panic(fmt.Sprintf("causal: NewStepConv with buffers of %d and %d values, want %d and %d", len(hot), len(cold), hs, cs))
	}
	for k := range sc.width - 1 {
		sc.past = append(sc.past, f32.NewPanelIn(cold[k*hs:(k+1)*hs], sc.in, sc.out, at(k)))
	}
	sc.now = f32.NewPanelIn(hot[:hs], sc.in, sc.out, at(sc.width-1))
	return sc
}

// NewStepConvF16 is NewStepConv with the weights stored as float16
// (f32.NewPanelF16In: each weight rounded to the nearest float16 once,
// widened exactly in the product, sums in float32), in hot and cold of at
// least StepSizes' lengths (nil: allocated). The biases stay float32.
func NewStepConvF16(hot, cold []uint16, convs ...*Conv) *StepConv {
	sc, at := newStepConv(convs)
	hs, cs := StepSizes(sc.in, sc.out, sc.width)
	if hot == nil {
		hot = make([]uint16, hs)
	}
	if cold == nil {
		cold = make([]uint16, cs)
	}
	if len(hot) < hs || len(cold) < cs {
		panic(fmt.Sprintf("causal: NewStepConvF16 with buffers of %d and %d values, want %d and %d", len(hot), len(cold), hs, cs))
	}
	for k := range sc.width - 1 {
		sc.past = append(sc.past, f32.NewPanelF16In(cold[k*hs:(k+1)*hs], sc.in, sc.out, at(k)))
	}
	sc.now = f32.NewPanelF16In(hot[:hs], sc.in, sc.out, at(sc.width-1))
	return sc
}

// newStepConv checks convs and returns their StepConv without its panels,
// and at(k), element (i, o) of tap k of the stacked convs.
func newStepConv(convs []*Conv) (*StepConv, func(k int) func(i, o int) float32) {
	if len(convs) == 0 {
		panic("causal: NewStepConv of no convs")
	}
	c0 := convs[0]
	out := 0
	for _, c := range convs {
		c.checkWeight()
		if c.In != c0.In || c.Width != c0.Width || c.Dilation != c0.Dilation {
			panic(fmt.Sprintf("causal: NewStepConv of convs with (In, Width, Dilation) %d, %d, %d and %d, %d, %d",
				c0.In, c0.Width, c0.Dilation, c.In, c.Width, c.Dilation))
		}
		out += c.Out
	}
	K := c0.Width
	sc := &StepConv{in: c0.In, out: out, width: K, dilation: c0.Dilation}
	for _, c := range convs {
		sc.bias = append(sc.bias, c.Bias...)
	}
	at := func(k int) func(i, o int) float32 {
		return func(i, o int) float32 {
			for _, c := range convs {
				if o < c.Out {
					return c.Weight[(o*c.In+i)*K+k]
				}
				o -= c.Out
			}
			panic("causal: NewStepConv: unreachable")
		}
	}
	return sc, at
}

// PastBlock is B, the number of steps whose past-tap products a
// StepState of n streams computes at once for a conv of the given
// dilation: max(1, min(dilation, 16, 24/n)).
func PastBlock(dilation, n int) int {
	return max(1, min(dilation, maxPastBlock, maxPastRows/max(1, n)))
}

// History is the number of past inputs a stream's ring keeps:
// Dilation·(Width−1).
func (c *StepConv) History() int { return c.dilation * (c.width - 1) }

// StepState is the run state of a StepConv for N streams (see above). It
// serves one goroutine at a time.
type StepState struct {
	N    int           // streams
	ring ring[float32] // (History, N, In): the last History inputs
	pre  []float32     // (B, N, Out): bias rows + past taps for the block's steps
	next int           // the block's step that comes next; B: a new block is due
	blk  int           // B = max(1, min(Dilation, maxPastBlock, maxPastRows/N))
	bias []float32     // (N, Out): stream s's bias in row s
}

// NewState returns the run state of n streams with empty histories, as if
// Reset, and every stream's bias the convs' bias.
func (c *StepConv) NewState(n int) *StepState {
	if n < 1 {
		panic(fmt.Sprintf("causal: StepConv.NewState(%d)", n))
	}
	blk := PastBlock(c.dilation, n)
	st := &StepState{N: n, ring: newRing[float32](c.History(), n, c.in), blk: blk,
		pre: make([]float32, blk*n*c.out), bias: make([]float32, n*c.out)}
	for s := 0; s < n; s++ {
		copy(st.bias[s*c.out:(s+1)*c.out], c.bias)
	}
	st.Reset()
	return st
}

// Reset empties every stream's history (the conv's zero padding before
// t = 0): the next input is at t = 0 again. The bias rows stay.
func (st *StepState) Reset() {
	st.ring.reset(0)
	st.next = st.blk
}

// SetBias sets each stream's bias from rows (N, Out), stream s's in row s,
// in place of the convs' shared bias: a per-stream input that changes
// seldom (a class, a frame of features), folded into the bias. It takes
// effect from the next step on and stays until the next SetBias. The
// outputs already computed ahead for the rest of the block take the change
// in place, pre += rows − bias, so that SetBias costs at most B·N·Out
// additions and no past-tap product; the next block starts again from the
// bias itself, so repeated changes do not accumulate rounding.
func (st *StepState) SetBias(rows []float32) {
	if len(rows) != len(st.bias) {
		panic(fmt.Sprintf("causal: SetBias with %d values, want N·Out = %d", len(rows), len(st.bias)))
	}
	nr := len(rows)
	for j := st.next; j < st.blk; j++ {
		pre := st.pre[j*nr : (j+1)*nr]
		for i, v := range rows {
			pre[i] += v - st.bias[i]
		}
	}
	copy(st.bias, rows)
}

// Step computes one output per stream, y (N, Out), for the new inputs x
// (N rows of In values, row stride ldx ≥ In), reading the past inputs from
// st, and then pushes x onto st. It overwrites y and allocates nothing:
//
//	y[s, o] = bias[s, o] + Σ_k Σ_i W[o, i, k]·x_s[t − Dilation·(Width−1−k), i]
func (c *StepConv) Step(st *StepState, y, x []float32, ldx int) {
	N, in, out := st.N, c.in, c.out
	rows := N * out
	switch {
	case st.ring.h != c.History() || len(st.bias) != rows || st.blk > max(1, c.dilation):
		panic("causal: StepConv.Step with the state of another conv's shape")
	case len(y) < rows || ldx < in || len(x) < (N-1)*ldx+in:
		panic(fmt.Sprintf("causal: StepConv.Step with y of %d and x of %d values (stride %d) for %d streams of %d → %d",
			len(y), len(x), ldx, N, in, out))
	}
	if st.next == st.blk {
		c.pastBlock(st)
		st.next = 0
	}
	copy(y[:rows], st.pre[st.next*rows:(st.next+1)*rows])
	st.next++
	c.now.MulAdd(y, out, x, ldx, N)
	if dst := st.ring.head(); dst != nil {
		for s := 0; s < N; s++ {
			copy(dst[s*in:(s+1)*in], x[s*ldx:s*ldx+in])
		}
		st.ring.advance()
	}
}

// pastBlock fills st.pre for the next B steps t … t+B−1 (t the step about
// to run): the bias rows plus, per past tap k, x[t + j − lag_k]·W_k. Those
// inputs lie in B consecutive slots of the ring that may wrap around its
// end, so each tap is one product, or two.
func (c *StepConv) pastBlock(st *StepState) {
	N, out, B := st.N, c.out, st.blk
	rows := N * out
	for j := 0; j < B; j++ {
		copy(st.pre[j*rows:(j+1)*rows], st.bias)
	}
	for k, p := range c.past {
		s := st.ring.slot(c.dilation * (c.width - 1 - k))
		// Steps j0 … j0+run−1 read the slots s … s+run−1 before the wrap.
		for j0 := 0; j0 < B; {
			run := min(B-j0, st.ring.h-s)
			p.MulAdd(st.pre[j0*rows:], out, st.ring.slots(s, run), c.in, run*N)
			j0 += run
			s = 0
		}
	}
}
