package wavenet

import (
	"fmt"
	"math"

	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// Cond is the conditioning of one sequence (FORMAT.md, "Conditioning"): a
// class for the whole sequence (global) and frames of features (local).
//
// Position t of the sequence (the logits that predict code t+1) sees the
// frame
//
//	u[t] = f[min(⌊(Offset + t + 1)/H⌋, F − 1)]
//
// so a chunk cut from a clip at sample s, with Offset s and the clip's
// frames, sees what the same positions of the whole clip see; past the last
// frame the last one holds.
type Cond struct {
	Class  int       // global class id in [0, N); 0 for a model without global conditioning
	Frames []float32 // (Cl, F) band-major: Frames[b·F + j] is band b of frame j, as audio.Mel gives them; nil without local conditioning
	Offset int       // clip time of the sequence's first position, ≥ 0: 0 for a whole clip and for generation
}

// frameCount is F, the frames of c for a model of cl values per frame.
func (c Cond) frameCount(cl int) int { return len(c.Frames) / cl }

// Check reports the first problem with c as the conditioning of a model of
// cfg, or nil: a class outside [0, N) (or other than 0 for a model without
// global conditioning), frames given to a model without local conditioning
// or missing for one with it, a frame count that is not a whole number of
// Cl-value frames, a value that is NaN or infinite, a negative offset. It
// reads every frame value.
func (c Cond) Check(cfg Config) error {
	if err := c.checkShape(cfg); err != nil {
		return fmt.Errorf("wavenet: %w", err)
	}
	if cfg.LocalChannels == 0 {
		return nil
	}
	F := c.frameCount(cfg.LocalChannels)
	for i, v := range c.Frames {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("wavenet: frame %d, band %d is %v: frames must be finite", i%F, i/F, v)
		}
	}
	return nil
}

// checkShape is the part of Check that costs O(1), everything but the frame
// values, with its errors unprefixed.
func (c Cond) checkShape(cfg Config) error {
	cl := cfg.LocalChannels
	switch {
	case cfg.GlobalClasses == 0 && c.Class != 0:
		return fmt.Errorf("class %d given to a model without global conditioning", c.Class)
	case cfg.GlobalClasses > 0 && (c.Class < 0 || c.Class >= cfg.GlobalClasses):
		return fmt.Errorf("class %d outside the model's %d classes (0 … %d)", c.Class, cfg.GlobalClasses, cfg.GlobalClasses-1)
	case c.Offset < 0:
		return fmt.Errorf("conditioning offset %d is negative", c.Offset)
	case cl == 0 && len(c.Frames) > 0:
		return fmt.Errorf("%d frame values given to a model without local conditioning", len(c.Frames))
	case cl > 0 && len(c.Frames) == 0:
		return fmt.Errorf("the model is locally conditioned: it needs frames of %d values each, got none", cl)
	case cl > 0 && len(c.Frames)%cl != 0:
		return fmt.Errorf("%d frame values are not a whole number of frames of %d values (the model's local_channels)", len(c.Frames), cl)
	}
	return nil
}

// frameAt is the frame that position t of a sequence with offset off sees,
// for hop h and f frames: min(⌊(off + t + 1)/h⌋, f − 1).
func frameAt(off, t, h, f int) int { return min((off+t+1)/h, f-1) }

// The batch form of conditioning. Within one sequence the conditioning term
// of a layer, Vg·e + Vl·u[t], is constant over each run of positions that
// see the same frame (the whole sequence without local conditioning). The
// workspace cuts its sequences into those runs at Forward, gathers each
// run's frame once, (runs, Cl), and per layer and half computes the term of
// every run with one product, (runs, Cl)·(Cl, G), plus the class term and
// the bias, and starts the run's rows of the pre-activation at it. Backward sums the
// pre-activation gradient over each run's rows and takes one product with
// the frames: the Cl × T matrix of repeated frames is never built.

// condRun is a run of positions t0 ≤ τ < t1 of sequence n that see one
// frame (the row of condWork.u of the same index).
type condRun struct{ n, t0, t1 int }

// condWork is a Workspace's conditioning: what its last Forward was
// conditioned on, and the scratch of the conditioning terms. Its buffers
// are allocated with the workspace, for its N and T.
type condWork struct {
	class []int     // (N) each sequence's class
	runs  []condRun // the last Forward's runs, sequence by sequence
	u     []float32 // (maxRuns, Cl) each run's frame
	emb   []float32 // (N, Cg) each sequence's class embedding
	ga    []float32 // (N, G) scratch: a half's class term per sequence, or its gradient
	ta    []float32 // (maxRuns, G) scratch: a half's whole term per run, or its gradient
	demb  []float32 // (N, Cg) Backward: the gradient of each sequence's embedding
	gemm  f32.Workspace
}

// maxRuns is the most runs n sequences of up to t positions can have: one
// per sequence without local conditioning, else one more than the frame
// boundaries t positions can cross, ⌊(t−1)/H⌋ + 2.
func maxRuns(c Config, n, t int) int {
	if c.LocalChannels == 0 {
		return n
	}
	return n * ((t-1)/c.LocalHop + 2)
}

// newCondWork returns the conditioning buffers of a workspace of n
// sequences of up to t positions, or nil for an unconditioned model.
func newCondWork(c Config, n, t int) *condWork {
	if !c.Conditioned() {
		return nil
	}
	G, Cg, Cl := c.GateChannels, c.GlobalChannels, c.LocalChannels
	runs := maxRuns(c, n, t)
	return &condWork{
		class: make([]int, n), runs: make([]condRun, 0, runs),
		u: make([]float32, runs*Cl), emb: make([]float32, n*Cg), demb: make([]float32, n*Cg),
		ga: make([]float32, n*G), ta: make([]float32, runs*G),
	}
}

// set takes conds (one per sequence, n sequences of t positions) for the
// next forward pass of m: each sequence's class and embedding, its runs and
// their frames. It panics on conds that do not fit m (a programmer error:
// callers Check them), without reading every frame value.
func (cw *condWork) set(m *Model, conds []Cond, n, t int) {
	c := m.Config
	Cg, Cl, H := c.GlobalChannels, c.LocalChannels, c.LocalHop
	if len(conds) != n {
		panic(fmt.Sprintf("wavenet: Forward with %d conds for %d sequences of a conditioned model", len(conds), n))
	}
	cw.runs = cw.runs[:0]
	for s, cd := range conds {
		if err := cd.checkShape(c); err != nil {
			panic(fmt.Sprintf("wavenet: Forward: the cond of sequence %d: %v", s, err))
		}
		cw.class[s] = cd.Class
		if Cg > 0 {
			copy(cw.emb[s*Cg:(s+1)*Cg], m.Embedding[cd.Class*Cg:(cd.Class+1)*Cg])
		}
		if Cl == 0 {
			cw.runs = append(cw.runs, condRun{s, 0, t})
			continue
		}
		F := cd.frameCount(Cl)
		for t0 := 0; t0 < t; {
			j := frameAt(cd.Offset, t0, H, F)
			t1 := t // the last frame holds to the end
			if j < F-1 {
				// The first position that sees frame j+1: Offset+τ+1 = (j+1)·H.
				t1 = min(t, (j+1)*H-cd.Offset-1)
			}
			k := len(cw.runs)
			u := cw.u[k*Cl : (k+1)*Cl]
			for b := range u {
				u[b] = cd.Frames[b*F+j]
			}
			cw.runs = append(cw.runs, condRun{s, t0, t1})
			t0 = t1
		}
	}
}

// fill starts layer ly's filter and gate pre-activations a and s (n·t, G),
// t the positions per sequence, at their biases plus the conditioning
// terms, for the convs' products to be added to:
//
//	a[n, τ] = bf + Vfg·e_n + Vfl·u_n[τ],  s[n, τ] = bg + Vgg·e_n + Vgl·u_n[τ]
//
// one row per run, copied to the run's rows: the terms cost no pass of
// their own over the pre-activations.
func (cw *condWork) fill(ly *Layer, a, s []float32, t int) {
	cw.fillHalf(ly.Filter.Bias, ly.FilterGlobal, ly.FilterLocal, a, t)
	cw.fillHalf(ly.Gate.Bias, ly.GateGlobal, ly.GateLocal, s, t)
}

// fillHalf is fill for one half, of bias b (G), class projection vg
// (G, Cg) and frame projection vl (G, Cl), either nil when absent.
func (cw *condWork) fillHalf(b, vg, vl, y []float32, t int) {
	G := len(b)
	nr := len(cw.runs)
	ta := cw.ta[:nr*G]
	for k := range nr {
		copy(ta[k*G:(k+1)*G], b)
	}
	if vl != nil {
		Cl := len(vl) / G
		cw.gemm.Gemm(false, true, nr, G, Cl, cw.u, Cl, vl, Cl, ta, G)
	}
	if vg != nil {
		Cg := len(vg) / G
		N := len(cw.class)
		clear(cw.ga)
		cw.gemm.Gemm(false, true, N, G, Cg, cw.emb, Cg, vg, Cg, cw.ga, G)
		for k, r := range cw.runs {
			f32.AddRow(ta[k*G:(k+1)*G], cw.ga[r.n*G:(r.n+1)*G], 1, G)
		}
	}
	for k, r := range cw.runs {
		row := ta[k*G : (k+1)*G]
		for i := r.n*t + r.t0; i < r.n*t+r.t1; i++ {
			copy(y[i*G:(i+1)*G], row)
		}
	}
}

// grad accumulates into gl the gradients of layer ly's conditioning
// projections, given df and dg (n·t, G), the gradients of its filter and
// gate pre-activations, and adds the gradient of each sequence's embedding
// to cw.demb (which the caller clears before the first layer).
func (cw *condWork) grad(ly, gl *Layer, df, dg []float32, t int) {
	cw.gradHalf(ly.FilterGlobal, gl.FilterGlobal, gl.FilterLocal, df, t)
	cw.gradHalf(ly.GateGlobal, gl.GateGlobal, gl.GateLocal, dg, t)
}

// gradHalf is grad for one half: vg its class projection (G, Cg), dvg and
// dvl the gradients of its class and frame projections (nil when absent),
// dy the gradient of its pre-activation:
//
//	dta[k] = Σ_{τ in run k} dy[n_k, τ]          dvl += dtaᵀ·u
//	dga[n] = Σ_{k of sequence n} dta[k]          dvg += dgaᵀ·emb,  demb += dga·vg
func (cw *condWork) gradHalf(vg, dvg, dvl, dy []float32, t int) {
	G := len(cw.ga) / len(cw.class)
	nr := len(cw.runs)
	ta := cw.ta[:nr*G]
	clear(ta)
	for k, r := range cw.runs {
		r0, r1 := r.n*t+r.t0, r.n*t+r.t1
		f32.SumRows(ta[k*G:(k+1)*G], dy[r0*G:r1*G], r1-r0, G)
	}
	if dvl != nil {
		Cl := len(dvl) / G
		cw.gemm.Gemm(true, false, G, Cl, nr, ta, G, cw.u, Cl, dvl, Cl)
	}
	if dvg != nil {
		Cg := len(dvg) / G
		N := len(cw.class)
		clear(cw.ga)
		for k, r := range cw.runs {
			f32.AddRow(cw.ga[r.n*G:(r.n+1)*G], ta[k*G:(k+1)*G], 1, G)
		}
		cw.gemm.Gemm(true, false, G, Cg, N, cw.ga, G, cw.emb, Cg, dvg, Cg)
		cw.gemm.Gemm(false, false, N, Cg, G, cw.ga, G, vg, Cg, cw.demb, Cg)
	}
}

// embeddingGrad adds each sequence's embedding gradient (cw.demb) to the
// row of its class in demb (N classes, Cg): only the classes used get a
// gradient.
func (cw *condWork) embeddingGrad(demb []float32) {
	Cg := len(cw.demb) / len(cw.class)
	for s, k := range cw.class {
		f32.AddRow(demb[k*Cg:(k+1)*Cg], cw.demb[s*Cg:(s+1)*Cg], 1, Cg)
	}
}
