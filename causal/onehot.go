package causal

import "fmt"

// A conv whose input is one-hot codes (the WaveNet input conv) is a gather:
// the input channel that is 1 at time τ is the code c[τ], so
//
//	y[t, o] = Bias[o] + Σ_k Weight[o, c[t − Dilation·(Width−1−k)], k]
//
// with no term for taps before t = 0. The one-hot matrix is never built.

// ForwardOneHot computes y (n, t, Out) for codes (n, t) in [0, In),
// overwriting y. packed is PackTaps of the conv (packed when nil). It panics
// on a code out of range.
func (c *Conv) ForwardOneHot(y []float32, codes []int32, n, t int, packed []float32) {
	if packed == nil {
		packed = c.PackTaps(nil)
	}
	if len(packed) != c.Out*c.In*c.Width {
		panic(fmt.Sprintf("causal: ForwardOneHot with %d packed weights, want Out·In·Width = %d", len(packed), c.Out*c.In*c.Width))
	}
	c.checkCodes(codes, n, t)
	c.checkRows(y, n*t, c.Out, "y")
	for s := 0; s < n; s++ {
		for tt := 0; tt < t; tt++ {
			yr := y[(s*t+tt)*c.Out : (s*t+tt+1)*c.Out]
			copy(yr, c.Bias)
			for k := 0; k < c.Width; k++ {
				src := tt - c.Dilation*(c.Width-1-k)
				if src < 0 {
					continue
				}
				w := packed[(k*c.In+int(codes[s*t+src]))*c.Out:][:c.Out]
				for o, v := range w {
					yr[o] += v
				}
			}
		}
	}
}

// BackwardOneHot accumulates into grad the weight and bias gradients for
// dy (n, t, Out) of ForwardOneHot on codes (n, t): a scatter-add of dy rows
// into the weight columns of the codes that were read.
func (c *Conv) BackwardOneHot(grad *Conv, dy []float32, codes []int32, n, t int) {
	c.checkSame(grad)
	c.checkCodes(codes, n, t)
	c.checkRows(dy, n*t, c.Out, "dy")
	for s := 0; s < n; s++ {
		for tt := 0; tt < t; tt++ {
			dr := dy[(s*t+tt)*c.Out : (s*t+tt+1)*c.Out]
			for o, v := range dr {
				grad.Bias[o] += v
			}
			for k := 0; k < c.Width; k++ {
				src := tt - c.Dilation*(c.Width-1-k)
				if src < 0 {
					continue
				}
				base := int(codes[s*t+src])*c.Width + k
				stride := c.In * c.Width
				for o, v := range dr {
					grad.Weight[o*stride+base] += v
				}
			}
		}
	}
}

func (c *Conv) checkCodes(codes []int32, n, t int) {
	if n < 0 || t < 0 || len(codes) < n*t {
		panic(fmt.Sprintf("causal: %d codes, want n·t = %d·%d", len(codes), n, t))
	}
	for _, v := range codes[:n*t] {
		if v < 0 || int(v) >= c.In {
			panic(fmt.Sprintf("causal: code %d outside [0, %d)", v, c.In))
		}
	}
}

// CodeRing holds the last History codes of N streams for StepOneHot, −1
// marking "before t = 0" (a zero input). Storage is (History, N), the code
// of time τ in slot τ mod History.
type CodeRing struct {
	N   int
	buf []int32
	h   int
	pos int
}

// NewCodeRing returns a ring of the last history codes of n streams, all
// before t = 0.
func NewCodeRing(n, history int) *CodeRing {
	if n < 1 || history < 0 {
		panic(fmt.Sprintf("causal: NewCodeRing(%d, %d)", n, history))
	}
	r := &CodeRing{N: n, h: history, buf: make([]int32, history*n)}
	r.Reset()
	return r
}

// Reset forgets all codes: the next one is at t = 0.
func (r *CodeRing) Reset() {
	for i := range r.buf {
		r.buf[i] = -1
	}
	r.pos = 0
}

// StepOneHot computes y (N, Out) for one new code per stream, codes (N),
// reading earlier codes from r (History() codes), then pushes the codes onto
// r. packed is PackTaps(nil). It allocates nothing.
func (c *Conv) StepOneHot(y []float32, codes []int32, r *CodeRing, packed []float32) {
	n := r.N
	switch {
	case r.h != c.History():
		panic(fmt.Sprintf("causal: StepOneHot with a ring of %d codes, want History() = %d", r.h, c.History()))
	case len(packed) != c.Out*c.In*c.Width:
		panic(fmt.Sprintf("causal: StepOneHot with %d packed weights, want Out·In·Width = %d", len(packed), c.Out*c.In*c.Width))
	case len(codes) < n || len(y) < n*c.Out:
		panic(fmt.Sprintf("causal: StepOneHot with %d codes and %d outputs for %d streams of %d channels", len(codes), len(y), n, c.Out))
	}
	for s := 0; s < n; s++ {
		if codes[s] < 0 || int(codes[s]) >= c.In {
			panic(fmt.Sprintf("causal: code %d outside [0, %d)", codes[s], c.In))
		}
		yr := y[s*c.Out : (s+1)*c.Out]
		copy(yr, c.Bias)
		for k := 0; k < c.Width; k++ {
			code := codes[s]
			if lag := c.Dilation * (c.Width - 1 - k); lag > 0 {
				slot := r.pos - lag
				if slot < 0 {
					slot += r.h
				}
				code = r.buf[slot*n+s]
			}
			if code < 0 {
				continue // before t = 0
			}
			w := packed[(k*c.In+int(code))*c.Out:][:c.Out]
			for o, v := range w {
				yr[o] += v
			}
		}
	}
	if r.h > 0 {
		copy(r.buf[r.pos*n:(r.pos+1)*n], codes)
		r.pos++
		if r.pos == r.h {
			r.pos = 0
		}
	}
}
