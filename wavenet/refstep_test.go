package wavenet

import (
	"fmt"
	"math"

	"github.com/wavenet-go/wavenet-go/causal"
)

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
