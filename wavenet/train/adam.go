package train

import (
	"math"
)

// Adam is the Adam optimizer (Kingma & Ba, 2015) with bias correction, over a
// flat parameter slice such as wavenet.Model.Params. Its moments are float32,
// like the parameters, and it is deterministic: one update is a fixed
// sequence of float operations per element.
//
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	p ← p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)
//
// This is the update of torch.optim.Adam with weight_decay = 0.
type Adam struct {
	Beta1, Beta2, Eps float64
	M, V              []float32 // first and second moments, one per parameter
	T                 int       // updates done so far
}

// NewAdam returns an optimizer for n parameters with β1 = 0.9, β2 = 0.999 and
// ε = 1e-8, its moments zero.
func NewAdam(n int) *Adam {
	return &Adam{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, M: make([]float32, n), V: make([]float32, n)}
}

// Update applies one step with learning rate lr to params, given their
// gradient grad. It panics if the lengths differ from the optimizer's.
func (a *Adam) Update(params, grad []float32, lr float64) {
	if len(params) != len(a.M) || len(grad) != len(a.M) {
		panic("train: Adam.Update: length mismatch")
	}
	a.T++
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	c1 := 1 - math.Pow(a.Beta1, float64(a.T))
	c2 := 1 - math.Pow(a.Beta2, float64(a.T))
	step := float32(lr / c1)
	rc2 := float32(1 / math.Sqrt(c2))
	eps := float32(a.Eps)
	m, v := a.M[:len(params)], a.V[:len(params)]
	g := grad[:len(params)]
	for i := range params {
		gi := g[i]
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		m[i], v[i] = mi, vi
		params[i] -= step * mi / (float32(math.Sqrt(float64(vi)))*rc2 + eps)
	}
}

// GlobalNorm returns the Euclidean norm of g, accumulated in float64.
func GlobalNorm(g []float32) float64 {
	var s float64
	for _, x := range g {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// ClipGlobalNorm scales g in place so that its norm is at most maxNorm, as
// torch.nn.utils.clip_grad_norm_ does (factor maxNorm/(norm+1e-6) when that is
// below 1), and returns the norm before clipping. maxNorm ≤ 0 disables it.
// A gradient with a non-finite norm is left alone; the caller decides.
func ClipGlobalNorm(g []float32, maxNorm float64) float64 {
	n := GlobalNorm(g)
	if maxNorm <= 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return n
	}
	if c := maxNorm / (n + 1e-6); c < 1 {
		f := float32(c)
		for i := range g {
			g[i] *= f
		}
	}
	return n
}

// LearningRate is the rate at step (counting from 0) for a base rate that
// halves every halfLife steps; halfLife ≤ 0 keeps it constant.
//
//	lr(step) = base · 2^(−step/halfLife)
func LearningRate(base float64, step, halfLife int) float64 {
	if halfLife <= 0 {
		return base
	}
	return base * math.Exp2(-float64(step)/float64(halfLife))
}
