package wavenet

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/wavenet-go/wavenet-go/causal"
	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// The effective receptive field (Luo et al., "Understanding the Effective
// Receptive Field in Deep Convolutional Neural Networks", NeurIPS 2016): how
// strongly a unit depends on each input it could see. Measured from x_0, the
// input conv's output (R channels, the residual stream's first value), layer
// i's gated activations z_i (G channels) at position t see the lags
// τ = 0 … F_i − 1 of x_0, with
//
//	F_i = (K−1)·Σ_{j≤i} d_j + 1
//
// and its sensitivity at lag τ, averaged over a set of positions t, is
//
//	s_i(τ)   = mean_t Σ_r | Σ_g ∂z_i[g, t] / ∂x_0[r, t−τ] |
//	s_out(τ) = mean_t Σ_r | ∂ log p(c[t+1] | c[≤t]) / ∂x_0[r, t−τ] |
//
// the second for the prediction of the clip's actual next code, τ up to the
// last layer's field. Both are gradients, so each is one backward pass from a
// seed: 1 at every channel of z_i[·, t], or the gradient of log p at the
// logits of t. Seeds at positions at least F apart (F the last layer's field)
// have windows [t − F + 1, t] that do not overlap, so one backward pass serves
// all of them at once.

// EffectiveField is the measured sensitivity of each layer, and of the
// model's prediction, to x_0 at each lag, on one clip (see above).
type EffectiveField struct {
	Positions []int       // the positions t averaged over, ascending
	Fields    []int       // F_i per layer: the x_0 samples layer i's output depends on
	Layers    [][]float64 // Layers[i][τ] = s_i(τ), τ = 0 … F_i − 1
	Logits    []float64   // s_out(τ), τ = 0 … F_{L−1} − 1
}

// maxEffectivePositions is the most positions EffectivePositions picks by
// itself.
const maxEffectivePositions = 64

// EffectivePositions returns n positions t of a clip of clipLen codes for
// EffectiveField, spread evenly over [RF − 1, clipLen − 2] (RF =
// cfg.ReceptiveField()): each sees a whole receptive field of the clip, none
// of it the silence before it, and has a next code to predict. n ≤ 0 picks
// as many as fit one field F_{L−1} apart (so that one backward pass serves
// them all), at most 64. It fails if the clip is shorter than RF + 1 codes
// or has fewer than n such positions.
func EffectivePositions(cfg Config, clipLen, n int) ([]int, error) {
	rf := cfg.ReceptiveField()
	lo, hi := rf-1, clipLen-2
	if hi < lo {
		return nil, fmt.Errorf("wavenet: a clip of %d samples is too short to measure the effective field: each position needs a receptive field (%d samples) and a next sample, %d in all",
			clipLen, rf, rf+1)
	}
	if n <= 0 {
		field := inputFields(cfg)[len(cfg.Dilations)-1]
		n = min((hi-lo)/field+1, maxEffectivePositions)
	}
	if n > hi-lo+1 {
		return nil, fmt.Errorf("wavenet: %d positions asked for, but a clip of %d samples has only %d with a whole receptive field (%d samples) before them and a sample after",
			n, clipLen, hi-lo+1, rf)
	}
	pos := make([]int, n)
	if n == 1 {
		pos[0] = lo + (hi-lo)/2
		return pos, nil
	}
	for k := range pos {
		pos[k] = lo + int(int64(k)*int64(hi-lo)/int64(n-1))
	}
	return pos, nil
}

// inputFields returns F_i for each layer of cfg: the receptive field of
// layer i measured from x_0, (K−1)·Σ_{j≤i} d_j + 1.
func inputFields(cfg Config) []int { return causal.LayerFields(1, cfg.FilterWidth, cfg.Dilations) }

// EffectiveField measures the effective receptive field of every layer and of
// the logits on codes (a clip of T codes in [0, Q)), averaged over positions:
// strictly increasing, each in [RF − 1, T − 2] (see EffectivePositions). It
// runs the model's forward pass over the stretches of the clip that the
// positions see and, per layer and for the logits, the backward pass from
// seeds at every position of a stretch that are at least one field apart.
// Memory stays near 256 MiB however long the clip (more for a model whose
// one receptive field needs more); the matrix products use GOMAXPROCS
// goroutines. It returns ctx's error if ctx is done before it finishes.
// It measures unconditioned models only, and refuses a conditioned one.
func (m *Model) EffectiveField(ctx context.Context, codes []int32, positions []int) (*EffectiveField, error) {
	return m.effectiveField(ctx, codes, positions, effectiveRun{gateGrad: f32.GateBackward})
}

// effectiveRun holds what tests may vary in EffectiveField.
type effectiveRun struct {
	// gateGrad sets the gradients df and dg of a layer's filter and gate
	// pre-activations from dz, that of its gated output, given the
	// forward's tanh a and sigmoid s: f32.GateBackward. A test double
	// makes the layers linear.
	gateGrad func(df, dg, dz, a, s []float32)
	// maxRows bounds the codes of one forward pass (0: from a memory budget).
	maxRows int
}

// effectiveBudget is the float32s that EffectiveField's workspace may hold
// (256 MiB) when one receptive field needs no more.
const effectiveBudget = 1 << 26

// effectiveSegment is one stretch of the clip that EffectiveField runs the
// forward pass over, codes [from, to], and its positions grouped into
// backward passes, each pass's positions at least one field apart.
type effectiveSegment struct {
	from, to int
	passes   [][]int
}

// planEffective groups ascending positions into segments and passes. A
// segment starts one receptive field before its first position and ends at
// its last; it takes in the next position while it stays within maxRows
// codes and the gap to it is no longer than a receptive field (beyond that a
// segment of its own costs less). Within a segment each position joins the
// first pass whose last position is at least field before it.
func planEffective(positions []int, rf, field, maxRows int) []effectiveSegment {
	var segs []effectiveSegment
	for a := 0; a < len(positions); {
		from := positions[a] - (rf - 1)
		b := a + 1
		for b < len(positions) && positions[b]-positions[b-1] <= rf && positions[b]-from+1 <= maxRows {
			b++
		}
		seg := effectiveSegment{from: from, to: positions[b-1]}
		for _, p := range positions[a:b] {
			placed := false
			for k, pass := range seg.passes {
				if pass[len(pass)-1] <= p-field {
					seg.passes[k] = append(pass, p)
					placed = true
					break
				}
			}
			if !placed {
				seg.passes = append(seg.passes, []int{p})
			}
		}
		segs = append(segs, seg)
		a = b
	}
	return segs
}

func (m *Model) effectiveField(ctx context.Context, codes []int32, positions []int, run effectiveRun) (*EffectiveField, error) {
	c := m.Config
	R, G, S, E, Q, K := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels, c.FilterWidth
	L := len(m.Layers)
	rf := c.ReceptiveField()
	if c.Conditioned() {
		return nil, fmt.Errorf("wavenet: the effective field of a conditioned model (global or local) is not measured: it would depend on the class and frames chosen")
	}
	if len(positions) == 0 {
		return nil, fmt.Errorf("wavenet: no positions to measure the effective field at")
	}
	for k, p := range positions {
		if p < rf-1 || p > len(codes)-2 {
			return nil, fmt.Errorf("wavenet: position %d of a clip of %d codes: positions must lie in [%d, %d], a receptive field (%d) in and before the last code",
				p, len(codes), rf-1, len(codes)-2, rf)
		}
		if k > 0 && p <= positions[k-1] {
			return nil, fmt.Errorf("wavenet: positions %d and %d are not increasing", positions[k-1], p)
		}
	}
	fields := inputFields(c)
	field := fields[L-1]
	maxRows := run.maxRows
	if maxRows == 0 {
		perRow := L*(R+2*G) + G + R*K + S + E + 2*Q + // forward activations, logits and their gradient
			R + 3*G + S + E // backward scratch
		maxRows = effectiveBudget / perRow
	}
	maxRows = max(maxRows, rf)
	segs := planEffective(positions, rf, field, maxRows)
	longest := 0
	for _, sg := range segs {
		longest = max(longest, sg.to-sg.from+1)
	}

	ef := &EffectiveField{Positions: append([]int(nil), positions...), Fields: fields,
		Layers: make([][]float64, L), Logits: make([]float64, field)}
	for i, f := range fields {
		ef.Layers[i] = make([]float64, f)
	}
	ws := NewWorkspace(m, 1, longest)
	ws.Threads = runtime.GOMAXPROCS(0)
	ws.allocBackward(c)
	dlogits := make([]float32, longest*Q)
	for _, sg := range segs {
		logits := m.Forward(ws, codes[sg.from:sg.to+1], nil)
		for _, pass := range sg.passes {
			// Rows of the segment the pass's windows cover, for a field f:
			// no gradient reaches x_0, or any layer, outside them.
			span := func(f int) (r0, r1 int) { return pass[0] - f + 1 - sg.from, pass[len(pass)-1] + 1 - sg.from }
			for i := range L {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				r0, r1 := span(fields[i])
				dz := ws.dz[r0*G : r1*G]
				clear(dz)
				for _, p := range pass {
					r := p - sg.from - r0
					for g := range G {
						dz[r*G+g] = 1
					}
				}
				m.backToInput(ws, i, r0, r1, nil, run.gateGrad)
				addSensitivity(ef.Layers[i], ws.dx, R, pass, sg.from)
			}
			// The logits: the gradient of log p(c[t+1]) is
			// onehot(c[t+1]) − softmax(logits[t]), then back through the
			// head and the skip connections of every layer.
			r0, r1 := span(field)
			rows := r1 - r0
			dl := dlogits[:rows*Q]
			clear(dl)
			for _, p := range pass {
				r := p - sg.from
				e := dl[(r-r0)*Q : (r-r0+1)*Q]
				_, z := expShifted(e, logits[r*Q:(r+1)*Q])
				scale := float32(-1 / z)
				for j := range e {
					e[j] *= scale
				}
				e[codes[p+1]]++
			}
			gm := &ws.gemm
			do1, dskip := ws.do1[r0*E:r1*E], ws.dh[r0*S:r1*S]
			clear(do1)
			m.Output2.InputGradCol(do1, dl, rows, gm)
			maskPositive(do1, ws.o1[r0*E:r1*E])
			clear(dskip)
			m.Output1.InputGradCol(dskip, do1, rows, gm)
			maskPositive(dskip, ws.h[r0*S:r1*S])
			clear(ws.dz[r0*G : r1*G])
			m.backToInput(ws, L-1, r0, r1, ws.dh, run.gateGrad)
			addSensitivity(ef.Logits, ws.dx, R, pass, sg.from)
		}
	}
	inv := 1 / float64(len(positions))
	scale := func(s []float64) {
		for j := range s {
			s[j] *= inv
		}
	}
	for _, s := range ef.Layers {
		scale(s)
	}
	scale(ef.Logits)
	return ef, nil
}

// backToInput leaves in ws.dx the gradient with respect to x_0 (rows, R) of
// a scalar of the last Forward's activations, given its gradient with
// respect to z_top in ws.dz (overwritten) and, unless dskip is nil, with
// respect to the skip sum (rows, S). Layers top … 0 in turn, with dx the
// gradient of the layer's output x_{j+1} (zero above top), which reaches x_j
// unchanged through the residual connection and through Wres_j into z_j:
//
//	dz_j = dskip·Wskip_j + dx_{j+1}·Wres_j      (j < top; dz_top as given, plus its skip term)
//	dx_j = dx_{j+1} + col2im(df·Wf_j + dg·Wg_j),  df, dg from gateGrad(dz_j)
//
// It works on rows [r0, r1) of a workspace of one sequence only, and
// leaves the others alone: the caller's gradient must be zero at every
// layer outside them, as it is outside the receptive fields of its seeds.
func (m *Model) backToInput(ws *Workspace, top, r0, r1 int, dskip []float32, gateGrad func(df, dg, dz, a, s []float32)) {
	if ws.N != 1 || r0 < 0 || r1 > ws.t || r0 >= r1 {
		panic(fmt.Sprintf("wavenet: backToInput over rows [%d, %d) of a workspace of %d×%d", r0, r1, ws.N, ws.t))
	}
	rows := r1 - r0
	R, G, S := m.Config.ResidualChannels, m.Config.GateChannels, m.Config.SkipChannels
	dx, dz, df, dg := ws.dx[r0*R:r1*R], ws.dz[r0*G:r1*G], ws.df[r0*G:r1*G], ws.dg[r0*G:r1*G]
	if dskip != nil {
		dskip = dskip[r0*S : r1*S]
	}
	gm := &ws.gemm
	clear(dx)
	for j := top; j >= 0; j-- {
		ly := &m.Layers[j]
		if j < top {
			clear(dz)
			ly.Residual.InputGradCol(dz, dx, rows, gm)
		}
		if dskip != nil {
			ly.Skip.InputGradCol(dz, dskip, rows, gm)
		}
		gateGrad(df, dg, dz, ws.a[j][r0*G:r1*G], ws.s[j][r0*G:r1*G])
		// Row r0 is t = 0 to Col2Im: what it drops, sources before r0,
		// is zero by the condition above.
		ly.addInputGrad(dx, df, dg, ws.col, 1, rows, gm)
	}
}

// addSensitivity adds to s[τ], for each position p of a segment starting at
// code from, Σ_r |dx[p − from − τ, r]| (dx is (rows, R)).
func addSensitivity(s []float64, dx []float32, R int, positions []int, from int) {
	for _, p := range positions {
		r := p - from
		for tau := range s {
			var sum float64
			for _, v := range dx[(r-tau)*R : (r-tau+1)*R] {
				sum += math.Abs(float64(v))
			}
			s[tau] += sum
		}
	}
}

// MassLag returns the smallest n such that the lags 0 … n−1 of s hold at
// least the fraction q of its total: the window of the n most recent samples
// that holds q of a sensitivity's mass. It returns 0 if s sums to 0.
func MassLag(s []float64, q float64) int {
	var total float64
	for _, v := range s {
		total += v
	}
	if !(total > 0) {
		return 0
	}
	var acc float64
	for j, v := range s {
		acc += v
		if acc >= q*total {
			return j + 1
		}
	}
	return len(s) // rounding: the whole field
}
