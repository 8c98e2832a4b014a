package wavenet

import (
	"github.com/wavenet-go/wavenet-go/causal"
	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// The Generator's step is split as llama2.c splits a transformer into its
// TransformerWeights and RunState:
//
//   - packedModel: the weights, packed once for the per-sample path and
//     then only read, so that every part of a Generator (one per thread)
//     steps its own streams through the same copy;
//   - runState: one part's run state, for its N streams: each layer's
//     history (causal.StepState), one step's activations and its logits.
//
// A step computes refStep's logits (refstep_test.go), rearranged so that one
// sample is a short chain of streaming products over packed weights, with
// no allocation, no interface call and few bounds checks per step:
//
//   - The residual stream x and the skip sum live side by side in one
//     (N, R+S) buffer xs, so that the fused residual|skip product of a layer
//     updates both with one call: xs += [z, 1]·[Wr|Ws; br|bs].
//   - Filter and gate are one causal.StepConv of 2G outputs: per layer, the
//     past taps are computed ahead in blocks, bias included (see
//     causal.StepState), and a step adds the product of the current tap.
//   - The z buffer carries a constant 1 after its G values, so the
//     residual|skip bias is one more row of that panel.
//   - The head reads relu(skip) and relu(output1) from their own buffers.
//
// Its logits equal the reference step's to float32 rounding (the gate's
// tanh and σ are f32.Gate's, within 1e-6 relative).
//
// Conditioning (the spec's filter_global/gate_global and filter_local/
// gate_local) enters each layer's filter|gate pre-activations as a
// per-stream term: causal.StepState.SetBias takes the (N, 2G) rows that
// the layer's past-tap blocks add in place of the shared bias.
type packedModel struct {
	q, r, g, s, e int // widths Q, R, G, S, E

	in     *causal.OneHotStep // the input conv: (W0, Q, R), a gather per code
	layers []packedLayer
	out1   *f32.Panel // (S, E)
	b1     []float32  // (E)
	out2   *f32.Panel // (E, Q)
	b2     []float32  // (Q)
}

type packedLayer struct {
	fg   *causal.StepConv // filter|gate: R → 2G, dilation d; outputs 0..G−1 filter, G..2G−1 gate
	rs   *f32.Panel       // (G+1, R+S), or (G+1, S) for the last layer: residual|skip, biases in row G
	rsAt int              // first column of xs that rs writes: 0, or R for the last layer
}

// packModel packs m's weights for the Generator. Later changes to m are not
// seen.
func packModel(m *Model) *packedModel {
	c := m.Config
	R, G, S, E, Q, K := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels, c.FilterWidth
	w := &packedModel{q: Q, r: R, g: G, s: S, e: E, in: causal.NewOneHotStep(&m.Input)}

	// The weights a step reads every time (the current tap and residual|skip
	// of each layer, then the head) lie in one stream in the order they are
	// read; the past taps, read once per block, in a second one after it.
	L := len(m.Layers)
	rsOut := func(li int) int {
		if li == L-1 {
			return S // the last residual output feeds nothing
		}
		return R + S
	}
	hot, cold := causal.StepSizes(R, 2*G, K)
	mainSize := f32.PanelSize(S, E) + f32.PanelSize(E, Q)
	for li := range m.Layers {
		mainSize += hot + f32.PanelSize(G+1, rsOut(li))
	}
	arena := make([]float32, mainSize+L*cold)
	mainW, pastW := arena[:mainSize], arena[mainSize:]
	take := func(buf *[]float32, n int) []float32 {
		b := (*buf)[:n:n]
		*buf = (*buf)[n:]
		return b
	}
	w.layers = make([]packedLayer, L)
	for li := range m.Layers {
		ly := &m.Layers[li]
		pl := &w.layers[li]
		pl.fg = causal.NewStepConv(take(&mainW, hot), take(&pastW, cold), &ly.Filter, &ly.Gate)
		last := li == L-1
		out := rsOut(li)
		if last {
			pl.rsAt = R
		}
		pl.rs = f32.NewPanelIn(take(&mainW, f32.PanelSize(G+1, out)), G+1, out, func(i, o int) float32 {
			if !last && o < R {
				if i == G {
					return ly.Residual.Bias[o]
				}
				return ly.Residual.Weight[o*G+i]
			}
			if !last {
				o -= R
			}
			if i == G {
				return ly.Skip.Bias[o]
			}
			return ly.Skip.Weight[o*G+i]
		})
	}
	w.out1 = f32.NewPanelIn(take(&mainW, f32.PanelSize(S, E)), S, E, func(i, o int) float32 { return m.Output1.Weight[o*S+i] })
	w.b1 = append([]float32(nil), m.Output1.Bias...)
	w.out2 = f32.NewPanelIn(take(&mainW, f32.PanelSize(E, Q)), E, Q, func(i, o int) float32 { return m.Output2.Weight[o*E+i] })
	w.b2 = append([]float32(nil), m.Output2.Bias...)
	return w
}

// runState is the run state of N streams of a packedModel, allocated once:
// everything a step writes.
type runState struct {
	n      int                 // N streams
	in     *causal.OneHotState // the input conv's last W0−1 codes
	layers []*causal.StepState // per layer: its last d·(K−1) inputs (N, R), past-tap block (B, N, 2G), bias rows (N, 2G)

	xs     []float32 // (N, R+S): residual stream | skip sum
	acc    []float32 // (N, 2G): filter | gate pre-activations
	z      []float32 // (N, G+1): gate output and a constant 1
	h      []float32 // (N, S): relu(skip)
	o1     []float32 // (N, E)
	logits []float32 // (N, Q)
}

// newState returns the run state of n streams with empty histories; the
// logits are written to logits (n, Q) if that is not nil.
func (w *packedModel) newState(n int, logits []float32) *runState {
	R, G, S, E, Q := w.r, w.g, w.s, w.e, w.q
	st := &runState{n: n, in: w.in.NewState(n)}
	for _, pl := range w.layers {
		st.layers = append(st.layers, pl.fg.NewState(n))
	}
	st.xs = make([]float32, n*(R+S))
	st.acc = make([]float32, n*2*G)
	st.z = make([]float32, n*(G+1))
	st.h = make([]float32, n*S)
	st.o1 = make([]float32, n*E)
	st.logits = logits
	if st.logits == nil {
		st.logits = make([]float32, n*Q)
	}
	st.reset()
	return st
}

// reset empties every history: the next step is at t = 0.
func (st *runState) reset() {
	st.in.Reset()
	for _, ls := range st.layers {
		ls.Reset()
	}
	G1 := len(st.z) / st.n
	for s := 0; s < st.n; s++ {
		st.z[s*G1+G1-1] = 1
	}
}

// step feeds codes (N), one per stream of st, and returns the logits
// (N, Q), a view valid until the next step. It panics on a code outside
// [0, Q).
func (w *packedModel) step(st *runState, codes []int32) []float32 {
	N, R, G, S, E, Q := st.n, w.r, w.g, w.s, w.e, w.q
	RS, G2, G1 := R+S, 2*G, G+1
	// The input conv on one-hot codes (it checks the codes), into the
	// residual part of xs; the skip sum starts at zero.
	xs, acc, z := st.xs, st.acc, st.z
	w.in.Step(st.in, xs, RS, codes)
	for s := 0; s < N; s++ {
		clear(xs[s*RS+R : (s+1)*RS])
	}
	for li := range w.layers {
		pl := &w.layers[li]
		pl.fg.Step(st.layers[li], acc, xs, RS)
		f32.GateRows(z, G1, acc, G2, N, G)
		pl.rs.MulAdd(xs[pl.rsAt:], RS, z, G1, N)
	}

	h, o1 := st.h, st.o1
	for s := 0; s < N; s++ {
		f32.Relu(h[s*S:(s+1)*S], xs[s*RS+R:(s+1)*RS])
		copy(o1[s*E:(s+1)*E], w.b1)
	}
	w.out1.MulAdd(o1, E, h, S, N)
	f32.Relu(o1, o1)
	logits := st.logits
	for s := 0; s < N; s++ {
		copy(logits[s*Q:(s+1)*Q], w.b2)
	}
	w.out2.MulAdd(logits, Q, o1, E, N)
	return logits
}
