package wavenet

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/wavenet-go/wavenet-go/causal"
	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// Workspace holds the activations of a forward pass over a batch of N
// sequences of up to T codes each, kept for the backward pass, and the
// scratch both passes need. It is allocated once and reused; a Workspace
// belongs to one goroutine at a time. Rows are r = n·T + t.
type Workspace struct {
	N, T int // capacity: sequences, steps per sequence

	// Threads is the number of goroutines each matrix product of Forward
	// and Backward may use. NewWorkspace sets 1, right for callers that run
	// several workspaces at once (one per goroutine); raise it to spread
	// one big batch over cores.
	Threads int

	t     int   // steps of the last Forward (≤ T)
	from  int   // the first position the last Forward scored (ForwardFrom)
	lo    []int // per layer i: the first position of each sequence whose output (a, s, z, x_i+1) the last Forward computed
	x0lo  int   // the first position of x_0 that layer 0 reads
	train bool
	shape [10]int     // the widths it was made for: R, G, S, E, Q, K, L, Cg, Cl, H
	gemm  causal.Gemm // packing buffers of the matrix products

	codes  []int32     // (N, T) the last Forward's input
	x      [][]float32 // per layer i: its input x_i (N·T, R); in an eval workspace two buffers alternate
	a, s   [][]float32 // per layer: tanh(filter) and sigmoid(gate) (N·T, G); shared in an eval workspace
	z      []float32   // (N·T, G) a·s
	col    []float32   // im2col scratch (N·T, R·K)
	h      []float32   // (N·T, S) the skip sum, then relu of it
	o1     []float32   // (N·T, E) relu(output1(h))
	logits []float32   // (N·T, Q)
	packed []float32   // the input conv's weight per tap (W0, Q, R)

	cond *condWork // the conditioning of the last Forward and its scratch; nil for an unconditioned model

	// backward scratch, allocated by the first Backward
	dx, dz, df, dg, dh, do1 []float32
	dbskip                  []float32 // (S) the sum of dskip's rows, every layer's skip bias gradient
	dpacked                 []float32 // the input conv's weight gradient per tap (causal.Conv.BackwardOneHotPacked)
}

// NewWorkspace returns a workspace for Forward and Backward of m over n
// sequences of up to t codes. It keeps every layer's activations, about
// n·t·(L·(R+2G) + S + E + Q + R·K) float32s, plus as much again for the
// backward pass; with local conditioning also each sequence's frames, about
// n·(t/H + 2)·(Cl + G).
func NewWorkspace(m *Model, n, t int) *Workspace { return newWorkspace(m, n, t, true) }

// newWorkspace with train false keeps only what the forward pass needs at
// once (two residual buffers, one pair of gate buffers): for evaluation.
func newWorkspace(m *Model, n, t int, train bool) *Workspace {
	if n < 1 || t < 1 {
		panic(fmt.Sprintf("wavenet: NewWorkspace(%d, %d)", n, t))
	}
	c := m.Config
	R, G, S, E, Q, K := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels, c.FilterWidth
	L := len(c.Dilations)
	rows := n * t
	ws := &Workspace{N: n, T: t, Threads: 1, train: train, shape: widths(c)}
	ws.codes = make([]int32, rows)
	ws.lo = make([]int, L)
	ws.x = make([][]float32, L)
	ws.a = make([][]float32, L)
	ws.s = make([][]float32, L)
	if train {
		for i := range L {
			ws.x[i] = make([]float32, rows*R)
			ws.a[i] = make([]float32, rows*G)
			ws.s[i] = make([]float32, rows*G)
		}
	} else {
		x0, x1 := make([]float32, rows*R), make([]float32, rows*R)
		a, s := make([]float32, rows*G), make([]float32, rows*G)
		for i := range L {
			ws.x[i] = x0
			if i%2 == 1 {
				ws.x[i] = x1
			}
			ws.a[i], ws.s[i] = a, s
		}
	}
	ws.z = make([]float32, rows*G)
	if K > 1 {
		ws.col = make([]float32, rows*R*K)
	}
	ws.h = make([]float32, rows*S)
	ws.o1 = make([]float32, rows*E)
	ws.logits = make([]float32, rows*Q)
	ws.cond = newCondWork(c, n, t)
	return ws
}

// widths are the sizes a Workspace depends on: R, G, S, E, Q, K, the
// number of layers, and the conditioning's Cg, Cl and H.
func widths(c Config) [10]int {
	return [10]int{c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels, c.FilterWidth, len(c.Dilations),
		c.GlobalChannels, c.LocalChannels, c.LocalHop}
}

// Forward runs the model over codes (N, t), N = ws.N sequences of t ≤ ws.T
// codes each, time-major, every sequence zero-padded before its t = 0, and
// returns the logits (N, t, Q): logits[n, τ] is the unnormalised log
// distribution of codes[n, τ+1]. The result is a view into ws, valid until
// its next Forward. It is ForwardFrom with from = 0.
//
// conds is the conditioning, one per sequence (FORMAT.md, "Conditioning";
// see Cond), for a conditioned model, and nil for an unconditioned one.
// Forward copies from it what Backward needs (the classes and the frames
// the positions see), so Backward does not read conds.
//
// Forward panics if len(codes) is not N·t for some 1 ≤ t ≤ T, on a code
// outside [0, Q), and on conds that do not fit the model (their number, a
// class out of range, frames of the wrong size: callers Check user input
// first; Forward does not read every frame value).
//
// Forward and Backward only read m, so goroutines may run them at once on
// one model, each with its own Workspace (and its own gradient model).
func (m *Model) Forward(ws *Workspace, codes []int32, conds []Cond) []float32 {
	return m.ForwardFrom(ws, codes, conds, 0)
}

// ForwardFrom is Forward computing only the logits of positions from … t−1
// of each sequence (0 ≤ from ≤ t), for a loss that scores only those (a
// training chunk's context positions before from are only context). The
// logits of positions before from are zero. Each layer computes only the
// positions that the scored ones reach through the layers above it: layer i
// from max(0, from − Σ_{j>i} d_j·(K−1)) on; the skip sum and the head only
// from on. Every value it computes is bit for bit Forward's (each output of
// a matrix product is one fixed chain over its inputs), and so is every
// gradient of the Backward that follows, given dlogits zero before from.
func (m *Model) ForwardFrom(ws *Workspace, codes []int32, conds []Cond, from int) []float32 {
	c := m.Config
	if len(codes) == 0 || len(codes)%ws.N != 0 || len(codes)/ws.N > ws.T {
		panic(fmt.Sprintf("wavenet: Forward of %d codes with a workspace of %d×%d", len(codes), ws.N, ws.T))
	}
	if w := widths(c); ws.shape != w {
		panic(fmt.Sprintf("wavenet: workspace made for widths (R, G, S, E, Q, K, L, Cg, Cl, H) = %v, used with %v", ws.shape, w))
	}
	if ws.cond == nil && conds != nil {
		panic(fmt.Sprintf("wavenet: Forward with %d conds for an unconditioned model", len(conds)))
	}
	n, t := ws.N, len(codes)/ws.N
	if from < 0 || from > t {
		panic(fmt.Sprintf("wavenet: ForwardFrom position %d of sequences of %d", from, t))
	}
	rows := n * t
	ws.t, ws.from = t, from
	ws.setRanges(c)
	ws.gemm.Workers = ws.Threads
	gm := &ws.gemm
	copy(ws.codes, codes)
	if ws.cond != nil {
		ws.cond.set(m, conds, n, t)
	}
	R, G, S, E, Q := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels
	L := len(m.Layers)

	ws.packed = m.Input.PackTaps(ws.packed)
	m.Input.ForwardOneHot(ws.x[0], codes, n, t, ws.packed)

	skip := ws.h[:rows*S]
	clear(skip)
	for i := range m.Layers {
		ly := &m.Layers[i]
		x := ws.x[i][:rows*R]
		a, s, z := ws.a[i][:rows*G], ws.s[i][:rows*G], ws.z[:rows*G]
		if ws.cond != nil {
			ws.cond.fill(ly, a, s, t) // bias plus the conditioning terms
		}
		lo := ws.lo[i]
		for q := range n {
			r0, r1 := q*t+lo, (q+1)*t
			col := ws.colFrom(&ly.Filter, x, q, lo)
			if ws.cond != nil {
				ly.Filter.AddCol(a[r0*G:], col, r1-r0, gm)
				ly.Gate.AddCol(s[r0*G:], col, r1-r0, gm)
			} else {
				ly.Filter.ForwardCol(a[r0*G:], col, r1-r0, gm)
				ly.Gate.ForwardCol(s[r0*G:], col, r1-r0, gm)
			}
			gate(z[r0*G:r1*G], a[r0*G:r1*G], s[r0*G:r1*G])
			k0 := q*t + from
			ly.Skip.ForwardColFrom(skip[k0*S:], skip[k0*S:], z[k0*G:], r1-k0, gm)
			if i+1 < L {
				// The last layer's residual output feeds nothing, so it is
				// not computed (and its gradient is zero).
				next := ws.x[i+1][:rows*R]
				ly.Residual.ForwardColFrom(next[r0*R:], x[r0*R:], z[r0*G:], r1-r0, gm)
			}
		}
	}
	logits := ws.logits[:rows*Q]
	for q := range n {
		k0, k1 := q*t+from, (q+1)*t
		h := skip[k0*S : k1*S]
		relu(h)
		o1 := ws.o1[k0*E : k1*E]
		m.Output1.ForwardCol(o1, h, k1-k0, gm)
		relu(o1)
		clear(logits[q*t*Q : k0*Q])
		m.Output2.ForwardCol(logits[k0*Q:k1*Q], o1, k1-k0, gm)
	}
	return logits
}

// setRanges sets ws.lo and ws.x0lo for a Forward of ws.t positions scored
// from ws.from on: the last layer's output is needed from from on, and each
// layer's input a dilation's reach further back, clamped at 0.
func (ws *Workspace) setRanges(c Config) {
	need := ws.from
	for i := len(c.Dilations) - 1; i >= 0; i-- {
		ws.lo[i] = need
		need = max(0, need-c.Dilations[i]*(c.FilterWidth-1))
	}
	ws.x0lo = need
}

// colFrom returns the im2col matrix of conv f (whose input x is (N, t, In))
// for the positions lo … t−1 of sequence q, (t−lo, In·Width), built in
// ws.col (or x itself when Width is 1).
func (ws *Workspace) colFrom(f *causal.Conv, x []float32, q, lo int) []float32 {
	t := ws.t
	b := max(0, lo-f.History()) // the first input position those outputs read
	seq := x[(q*t+b)*f.In : (q+1)*t*f.In]
	// Im2Col sees the sequence from b on: its rows before lo−b read padding
	// in place of x[b−…] and are not used.
	col := f.Im2Col(ws.col, seq, 1, t-b)
	return col[(lo-b)*f.In*f.Width:]
}

// gate turns the filter and gate pre-activations a and s into tanh(a) and
// sigmoid(s) in place, and writes z = tanh(a)·sigmoid(s), with package
// f32's vectorized kernel (relative error ≤ 1e-6 against float64).
func gate(z, a, s []float32) { f32.GateParts(z, a, s, a, s) }

func relu(v []float32) { f32.Relu(v, v) }

// RandomInit fills m's parameters from rng, tensor by tensor in layout
// order: each conv weight [out, in, width] ~ N(0, 1/fan_in) with fan_in =
// in·width (so activations keep unit scale; this covers the conditioning
// projections, fan_in Cg or Cl), each bias ~ N(0, 0.05²), small but non-zero
// so that tests exercise every bias, and the global embedding ~ N(0, 1).
// Because the conditioning tensors come last in the layout, a conditioned
// model's other parameters are those of the unconditioned model of the same
// rng.
func RandomInit(m *Model, rng *rand.Rand) {
	for _, t := range m.Tensors() {
		sd := 0.05
		switch {
		case t.Role == RoleEmbedding:
			sd = 1
		case !t.Bias:
			sd = 1 / math.Sqrt(float64(t.Shape[1]*t.Shape[2]))
		}
		for j := range t.Data {
			t.Data[j] = float32(rng.NormFloat64() * sd)
		}
	}
}
