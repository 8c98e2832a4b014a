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
// into the weight columns of the codes that were read. It is
// BackwardOneHotPacked with a fresh scratch.
func (c *Conv) BackwardOneHot(grad *Conv, dy []float32, codes []int32, n, t int) {
	c.BackwardOneHotPacked(grad, dy, codes, n, t, nil)
}

// BackwardOneHotPacked is BackwardOneHot gathering the weight gradient in
// packed, scratch in PackTaps's layout (reused if it has room, and
// returned), so that each row of dy adds to one contiguous row per tap
// instead of Out values In·Width apart. Each gradient value gets the same
// additions in the same order (rows in order, the bias first), from its
// value in grad.
func (c *Conv) BackwardOneHotPacked(grad *Conv, dy []float32, codes []int32, n, t int, packed []float32) []float32 {
	c.checkSame(grad)
	c.checkCodes(codes, n, t)
	c.checkRows(dy, n*t, c.Out, "dy")
	packed = grad.PackTaps(packed)
	out := c.Out
	bias := grad.Bias[:out]
	for s := 0; s < n; s++ {
		for tt := 0; tt < t; tt++ {
			dr := dy[(s*t+tt)*out : (s*t+tt+1)*out]
			for o, v := range dr {
				bias[o] += v
			}
			for k := 0; k < c.Width; k++ {
				src := tt - c.Dilation*(c.Width-1-k)
				if src < 0 {
					continue
				}
				w := packed[(k*c.In+int(codes[s*t+src]))*out:][:out]
				for o, v := range dr {
					w[o] += v
				}
			}
		}
	}
	for o := 0; o < out; o++ {
		for i := 0; i < c.In; i++ {
			for k := 0; k < c.Width; k++ {
				grad.Weight[(o*c.In+i)*c.Width+k] = packed[(k*c.In+i)*out+o]
			}
		}
	}
	return packed
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

// PackTaps returns the weight rearranged per tap as (Width, In, Out):
//
//	packed[(k·In + i)·Out + o] = Weight[(o·In + i)·Width + k]
//
// so that tap k is an (In, Out) matrix: one row of Out values per input
// channel, for a one-hot input the row of the code. dst is reused if it
// has room.
func (c *Conv) PackTaps(dst []float32) []float32 {
	c.checkWeight()
	n := c.Out * c.In * c.Width
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	for o := 0; o < c.Out; o++ {
		for i := 0; i < c.In; i++ {
			for k := 0; k < c.Width; k++ {
				dst[(k*c.In+i)*c.Out+o] = c.Weight[(o*c.In+i)*c.Width+k]
			}
		}
	}
	return dst
}

// OneHotStep is the per-step form of a conv on one-hot codes, split like
// StepConv into weights and run state: the weights packed per tap
// (PackTaps), read only, so that one OneHotStep serves any number of
// OneHotStates at once. A step is a gather of Width rows; with nothing to
// multiply, it has no block of past taps.
type OneHotStep struct {
	in, out  int       // channels: In codes, Out outputs
	width    int       // K
	dilation int       // d
	packed   []float32 // (K, In, Out): PackTaps
	bias     []float32 // (Out)
}

// NewOneHotStep packs c for per-step use. The weights and bias are copied:
// later changes to c are not seen.
func NewOneHotStep(c *Conv) *OneHotStep {
	return &OneHotStep{in: c.In, out: c.Out, width: c.Width, dilation: c.Dilation,
		packed: c.PackTaps(nil), bias: append([]float32(nil), c.Bias...)}
}

// History is the number of past codes a stream's ring keeps:
// Dilation·(Width−1).
func (c *OneHotStep) History() int { return c.dilation * (c.width - 1) }

// OneHotState is the run state of a OneHotStep for N streams: the ring of
// each stream's last History codes, −1 marking "before t = 0" (a zero
// input). It serves one goroutine at a time.
type OneHotState struct {
	N    int         // streams
	ring ring[int32] // (History, N, 1)
}

// NewState returns the run state of n streams with empty histories.
func (c *OneHotStep) NewState(n int) *OneHotState {
	if n < 1 {
		panic(fmt.Sprintf("causal: OneHotStep.NewState(%d)", n))
	}
	st := &OneHotState{N: n, ring: newRing[int32](c.History(), n, 1)}
	st.Reset()
	return st
}

// Reset forgets every stream's codes: the next one is at t = 0.
func (st *OneHotState) Reset() { st.ring.reset(-1) }

// Step computes one output per stream, y (N rows of Out values, row stride
// ldy ≥ Out), for one new code per stream, codes (N), reading earlier codes
// from st, and then pushes the codes onto st. It overwrites those rows of y
// and allocates nothing; it panics on a code outside [0, In).
//
//	y[s, o] = Bias[o] + Σ_k packed[k, c_s[t − Dilation·(Width−1−k)], o]   (no term before t = 0)
func (c *OneHotStep) Step(st *OneHotState, y []float32, ldy int, codes []int32) {
	N, out := st.N, c.out
	switch {
	case st.ring.h != c.History():
		panic(fmt.Sprintf("causal: OneHotStep.Step with a ring of %d codes, want History() = %d", st.ring.h, c.History()))
	case len(codes) < N || ldy < out || len(y) < (N-1)*ldy+out:
		panic(fmt.Sprintf("causal: OneHotStep.Step with %d codes and %d outputs (stride %d) for %d streams of %d channels", len(codes), len(y), ldy, N, out))
	}
	for s := 0; s < N; s++ {
		if codes[s] < 0 || int(codes[s]) >= c.in {
			panic(fmt.Sprintf("causal: code %d outside [0, %d)", codes[s], c.in))
		}
		yr := y[s*ldy : s*ldy+out]
		copy(yr, c.bias)
		for k := 0; k < c.width; k++ {
			code := codes[s]
			if lag := c.dilation * (c.width - 1 - k); lag > 0 {
				code = st.ring.slots(st.ring.slot(lag), 1)[s]
			}
			if code < 0 {
				continue // before t = 0
			}
			w := c.packed[(k*c.in+int(code))*out:][:out]
			for o, v := range w {
				yr[o] += v
			}
		}
	}
	if dst := st.ring.head(); dst != nil {
		copy(dst, codes[:N])
		st.ring.advance()
	}
}
