package wavenet

import (
	"slices"

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
// per-stream term that changes seldom, so it rides on the bias:
// causal.StepState.SetBias takes the (N, 2G) rows that the layer's past-tap
// blocks add in place of the shared bias. The class term is folded in once
// per Prime, so a globally conditioned step costs what an unconditioned one
// does; the frame term of every layer is computed once per frame, at the
// step whose frame changes (every H steps: one (N, Cl)·(Cl, 2G) product per
// layer), and set with the class term as the new bias rows (packedCond).
type packedModel struct {
	q, r, g, s, e int // widths Q, R, G, S, E

	in     *causal.OneHotStep // the input conv: (W0, Q, R), a gather per code
	layers []packedLayer
	out1   *f32.Panel // (S, E)
	b1     []float32  // (E)
	out2   *f32.Panel // (E, Q)
	b2     []float32  // (Q)

	cond *packedCond // nil for an unconditioned model
}

// packedCond is a conditioned model's conditioning weights, copied for the
// Generator.
type packedCond struct {
	cg, cl, hop int          // Cg, Cl, H (0 when absent)
	emb         []float32    // (classes, Cg) global.embedding
	bias        [][]float32  // per layer (2G): the filter and gate biases
	global      [][]float32  // per layer (2G, Cg): filter_global over gate_global, row-major
	local       []*f32.Panel // per layer (Cl, 2G): filter_local beside gate_local
}

type packedLayer struct {
	fg   *causal.StepConv // filter|gate: R → 2G, dilation d; outputs 0..G−1 filter, G..2G−1 gate
	rs   *f32.Panel       // (G+1, R+S), or (G+1, S) for the last layer: residual|skip, biases in row G
	rsAt int              // first column of xs that rs writes: 0, or R for the last layer
}

// packModel packs m's weights for the Generator, the per-sample chain's
// panels as float32 or float16 (weights). Later changes to m are not seen.
func packModel(m *Model, weights Weights) *packedModel {
	c := m.Config
	R, G, S, E, Q, K := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels, c.FilterWidth
	w := &packedModel{q: Q, r: R, g: G, s: S, e: E, in: causal.NewOneHotStep(&m.Input)}

	// The weights a step reads every time (the current tap and residual|skip
	// of each layer, then the head) lie in one stream in the order they are
	// read; the past taps, read once per block, in a second one after it.
	// The streams are float32s or float16s: one of main32|past32 and
	// main16|past16 is used.
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
	half := weights == WeightsF16
	var main32, past32 []float32
	var main16, past16 []uint16
	if half {
		arena := make([]uint16, mainSize+L*cold)
		main16, past16 = arena[:mainSize], arena[mainSize:]
	} else {
		arena := make([]float32, mainSize+L*cold)
		main32, past32 = arena[:mainSize], arena[mainSize:]
	}
	panel := func(in, out int, at func(i, o int) float32) *f32.Panel {
		n := f32.PanelSize(in, out)
		if half {
			return f32.NewPanelF16In(take(&main16, n), in, out, at)
		}
		return f32.NewPanelIn(take(&main32, n), in, out, at)
	}
	stepConv := func(convs ...*causal.Conv) *causal.StepConv {
		if half {
			return causal.NewStepConvF16(take(&main16, hot), take(&past16, cold), convs...)
		}
		return causal.NewStepConv(take(&main32, hot), take(&past32, cold), convs...)
	}
	w.layers = make([]packedLayer, L)
	for li := range m.Layers {
		ly := &m.Layers[li]
		pl := &w.layers[li]
		pl.fg = stepConv(&ly.Filter, &ly.Gate)
		last := li == L-1
		out := rsOut(li)
		if last {
			pl.rsAt = R
		}
		pl.rs = panel(G+1, out, func(i, o int) float32 {
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
	w.out1 = panel(S, E, func(i, o int) float32 { return m.Output1.Weight[o*S+i] })
	w.b1 = append([]float32(nil), m.Output1.Bias...)
	w.out2 = panel(E, Q, func(i, o int) float32 { return m.Output2.Weight[o*E+i] })
	w.b2 = append([]float32(nil), m.Output2.Bias...)
	if c.Conditioned() {
		w.cond = packCond(m)
	}
	return w
}

// take returns the first n values of *buf and moves *buf past them.
func take[T any](buf *[]T, n int) []T {
	b := (*buf)[:n:n]
	*buf = (*buf)[n:]
	return b
}

// packCond copies m's conditioning weights for the Generator.
func packCond(m *Model) *packedCond {
	c := m.Config
	G, Cg, Cl := c.GateChannels, c.GlobalChannels, c.LocalChannels
	pc := &packedCond{cg: Cg, cl: Cl, hop: c.LocalHop, emb: append([]float32(nil), m.Embedding...)}
	var arena []float32
	if Cl > 0 {
		arena = make([]float32, len(m.Layers)*f32.PanelSize(Cl, 2*G))
	}
	for li := range m.Layers {
		ly := &m.Layers[li]
		pc.bias = append(pc.bias, slices.Concat(ly.Filter.Bias, ly.Gate.Bias))
		if Cg > 0 {
			pc.global = append(pc.global, slices.Concat(ly.FilterGlobal, ly.GateGlobal))
		}
		if Cl > 0 {
			p := f32.PanelSize(Cl, 2*G)
			pc.local = append(pc.local, f32.NewPanelIn(arena[li*p:(li+1)*p], Cl, 2*G, func(i, o int) float32 {
				if o < G {
					return ly.FilterLocal[o*Cl+i]
				}
				return ly.GateLocal[(o-G)*Cl+i]
			}))
		}
	}
	return pc
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

	cond *condState // nil for an unconditioned model
}

// condState is the conditioning of a runState's streams, set by setCond
// (at the Generator's Prime).
type condState struct {
	ready  bool        // setCond has run since the state was made
	frames [][]float32 // per stream: its frames (Cl, F_s), band-major, the caller's slice; nil without local conditioning
	gbias  [][]float32 // per layer (N, 2G): the filter|gate bias plus each stream's class term
	u      []float32   // (N, Cl): each stream's frame at the current step
	rows   []float32   // (N, 2G) scratch: a layer's bias rows for the current frame
	pos    int         // steps since the last reset: the position t of the next step
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
	if pc := w.cond; pc != nil {
		cs := &condState{frames: make([][]float32, n), u: make([]float32, n*pc.cl), rows: make([]float32, n*2*G)}
		for range w.layers {
			cs.gbias = append(cs.gbias, make([]float32, n*2*G))
		}
		st.cond = cs
	}
	st.reset()
	return st
}

// setCond conditions st's streams on conds (one per stream, checked by
// SetCond): each layer's bias rows become the filter|gate bias plus the
// stream's class term, Vg·e, and, with local conditioning, the frame term
// of the frame each step sees, set by the steps themselves (setFrame). It
// keeps the frames slices, not copies. Call it after reset.
func (w *packedModel) setCond(st *runState, conds []Cond) {
	pc, cs := w.cond, st.cond
	G2 := 2 * w.g
	for li, gb := range cs.gbias {
		for s, cd := range conds {
			row := gb[s*G2 : (s+1)*G2]
			copy(row, pc.bias[li])
			if pc.cg == 0 {
				continue
			}
			e := pc.emb[cd.Class*pc.cg : (cd.Class+1)*pc.cg]
			vg := pc.global[li]
			for o := range row {
				var v float64
				for i, x := range vg[o*pc.cg : (o+1)*pc.cg] {
					v += float64(x) * float64(e[i])
				}
				row[o] += float32(v)
			}
		}
		if pc.cl == 0 {
			st.layers[li].SetBias(gb)
		}
	}
	for s, cd := range conds {
		cs.frames[s] = cd.Frames
	}
	cs.ready = true
}

// setFrame sets every layer's bias rows for the frame that the step at
// position cs.pos sees, min(⌊(pos+1)/H⌋, F_s − 1) for stream s: the class
// rows plus the layer's projection of the frame, one (N, Cl)·(Cl, 2G)
// product per layer. The step calls it when the frame changes: at t = 0
// and every H steps after t = H − 1.
func (w *packedModel) setFrame(st *runState) {
	pc, cs := w.cond, st.cond
	Cl := pc.cl
	for s, f := range cs.frames {
		F := len(f) / Cl
		j := frameAt(0, cs.pos, pc.hop, F)
		u := cs.u[s*Cl : (s+1)*Cl]
		for b := range u {
			u[b] = f[b*F+j]
		}
	}
	for li, p := range pc.local {
		copy(cs.rows, cs.gbias[li])
		p.MulAdd(cs.rows, 2*w.g, cs.u, Cl, st.n)
		st.layers[li].SetBias(cs.rows)
	}
}

// reset empties every history: the next step is at t = 0. The
// conditioning stays set.
func (st *runState) reset() {
	st.in.Reset()
	for _, ls := range st.layers {
		ls.Reset()
	}
	if st.cond != nil {
		st.cond.pos = 0
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
	if cs := st.cond; cs != nil {
		if !cs.ready {
			panic("wavenet: Step of a conditioned model before a Prime with every stream's conditioning set")
		}
		if w.cond.cl > 0 && (cs.pos == 0 || (cs.pos+1)%w.cond.hop == 0) {
			w.setFrame(st)
		}
		cs.pos++
	}
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
