package wavenet

import (
	"fmt"
	"math"

	"github.com/wavenet-go/wavenet-go/causal"
)

// refStep is the plain form of the Generator's step, written from the
// spec's formulas with direct loops over the model's own convs (no packing,
// no fused products, no kernels, sums in float64): packedModel.step is
// tested against it. Each conv keeps its last History()+1 inputs (the new
// one included) in a ring indexed by time, so a step costs the same at any
// position. With conditioning (setConds), each layer's filter and gate sums
// gain the class and frame terms of the spec's formula, computed at every
// step from the model's own projections.
type refStep struct {
	m      *Model
	n      int         // streams
	t      int         // steps fed since the start
	conds  []Cond      // (N) each stream's conditioning; nil for an unconditioned model
	codes  []int32     // (W0, N): the input conv's last W0 codes, slot τ mod W0
	inputs [][]float32 // per layer, (d·(K−1)+1, N, R): its last inputs, slot τ mod d·(K−1)+1

	x, f, gt, z, skip, o1, logits []float32 // (N, ·) activations of one step
}

// newRefStep returns the reference step of m for streams streams, with
// empty histories.
func newRefStep(m *Model, streams int) *refStep {
	c := m.Config
	R, G, S, E, Q := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels
	n := streams
	g := &refStep{m: m, n: n, codes: make([]int32, c.InputWidth*n)}
	for i := range m.Layers {
		g.inputs = append(g.inputs, make([]float32, (m.Layers[i].Filter.History()+1)*n*R))
	}
	g.x = make([]float32, n*R)
	g.f, g.gt, g.z = make([]float32, n*G), make([]float32, n*G), make([]float32, n*G)
	g.skip = make([]float32, n*S)
	g.o1 = make([]float32, n*E)
	g.logits = make([]float32, n*Q)
	return g
}

// setConds conditions the streams on conds (N), from the next step on.
func (g *refStep) setConds(conds []Cond) { g.conds = conds }

// condTerm is Σ_c vg[o, c]·e[c] + Σ_b vl[o, b]·u[b] for output o of one
// half of a layer, for stream s at step t: e its class's embedding, u the
// frame it sees, f[min(⌊(t+1)/H⌋, F−1)]. vg or vl is nil when absent.
func (g *refStep) condTerm(vg, vl []float32, s, o int) float64 {
	if g.conds == nil {
		return 0
	}
	c := g.m.Config
	cd := g.conds[s]
	var v float64
	if vg != nil {
		Cg := c.GlobalChannels
		v += dot(vg[o*Cg:(o+1)*Cg], g.m.Embedding[cd.Class*Cg:(cd.Class+1)*Cg])
	}
	if vl != nil {
		Cl := c.LocalChannels
		F := len(cd.Frames) / Cl
		j := min((g.t+1)/c.LocalHop, F-1)
		for b := range Cl {
			v += float64(vl[o*Cl+b]) * float64(cd.Frames[b*F+j])
		}
	}
	return v
}

// step feeds codes (N) and returns the logits (N, Q), a view valid until
// the next step.
func (g *refStep) step(codes []int32) []float32 {
	m, n, t := g.m, g.n, g.t
	c := m.Config
	R, G, S, E, Q := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels
	if len(codes) != n {
		panic(fmt.Sprintf("wavenet: Step with %d codes for %d streams", len(codes), n))
	}
	// The input conv on one-hot codes: tap k reads the code of t − (W0−1−k).
	W0 := c.InputWidth
	copy(g.codes[(t%W0)*n:], codes)
	for s := range n {
		for o := range R {
			v := float64(m.Input.Bias[o])
			for k := range W0 {
				if tau := t - (W0 - 1 - k); tau >= 0 {
					v += float64(m.Input.Weight[(o*Q+int(g.codes[(tau%W0)*n+s]))*W0+k])
				}
			}
			g.x[s*R+o] = float32(v)
		}
	}
	clear(g.skip)
	for li := range m.Layers {
		ly := &m.Layers[li]
		K, d := ly.Filter.Width, ly.Filter.Dilation
		slots := d*(K-1) + 1
		hist := g.inputs[li]
		copy(hist[(t%slots)*n*R:], g.x)
		// conv is y[o] = b[o] + Σ_i Σ_k W[o, i, k]·x[t − d·(K−1−k), i].
		conv := func(y []float32, cv *causal.Conv, vg, vl []float32, s int) {
			for o := range G {
				v := float64(cv.Bias[o]) + g.condTerm(vg, vl, s, o)
				for k := range K {
					tau := t - d*(K-1-k)
					if tau < 0 {
						continue
					}
					xr := hist[((tau%slots)*n+s)*R:][:R]
					for i, xv := range xr {
						v += float64(cv.Weight[(o*R+i)*K+k]) * float64(xv)
					}
				}
				y[s*G+o] = float32(v)
			}
		}
		for s := range n {
			conv(g.f, &ly.Filter, ly.FilterGlobal, ly.FilterLocal, s)
			conv(g.gt, &ly.Gate, ly.GateGlobal, ly.GateLocal, s)
			for j := range G {
				g.z[s*G+j] = tanh32(g.f[s*G+j]) * sigmoid32(g.gt[s*G+j])
			}
			z := g.z[s*G : (s+1)*G]
			for o := range S {
				g.skip[s*S+o] += float32(float64(ly.Skip.Bias[o]) + dot(ly.Skip.Weight[o*G:(o+1)*G], z))
			}
			for o := range R {
				g.x[s*R+o] += float32(float64(ly.Residual.Bias[o]) + dot(ly.Residual.Weight[o*G:(o+1)*G], z))
			}
		}
	}
	relu(g.skip)
	for s := range n {
		for o := range E {
			g.o1[s*E+o] = float32(float64(m.Output1.Bias[o]) + dot(m.Output1.Weight[o*S:(o+1)*S], g.skip[s*S:(s+1)*S]))
		}
	}
	relu(g.o1)
	for s := range n {
		for o := range Q {
			g.logits[s*Q+o] = float32(float64(m.Output2.Bias[o]) + dot(m.Output2.Weight[o*E:(o+1)*E], g.o1[s*E:(s+1)*E]))
		}
	}
	g.t++
	return g.logits
}

// dot is Σ a[i]·b[i] in float64.
func dot(a, b []float32) float64 {
	var v float64
	for i, x := range a {
		v += float64(x) * float64(b[i])
	}
	return v
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
