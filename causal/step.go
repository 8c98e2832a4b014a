package causal

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Ring holds the last History inputs of a conv for N streams, so that one new
// output costs O(1): each step reads Width−1 past slots and overwrites the
// oldest one with the new input. Nothing is shifted or copied besides the new
// input, and nothing is allocated after NewRing. Before the first step every
// slot is zero, which is the conv's zero padding before t = 0.
//
// The storage is (History, N, C): the input at time τ sits in slot τ mod
// History, each slot an (N, C) matrix with one row per stream.
type Ring struct {
	N, C int       // streams, channels
	buf  []float32 // (h, N, C)
	h    int       // History
	pos  int       // the current time modulo h (0 when h == 0)
}

// NewRing returns a zeroed ring of the last history inputs of c channels for
// n streams. A conv's ring has history Conv.History(); history 0 (a 1×1 conv)
// is allowed and holds nothing.
func NewRing(n, c, history int) *Ring {
	if n < 1 || c < 1 || history < 0 {
		panic(fmt.Sprintf("causal: NewRing(%d, %d, %d)", n, c, history))
	}
	return &Ring{N: n, C: c, h: history, buf: make([]float32, history*n*c)}
}

// History is the number of past inputs the ring keeps.
func (r *Ring) History() int { return r.h }

// Reset zeroes the ring: the next input is at t = 0 again.
func (r *Ring) Reset() {
	clear(r.buf)
	r.pos = 0
}

// Past returns the (N, C) input of lag steps ago, 1 ≤ lag ≤ History: zeros if
// that is before t = 0. The slice is a view into the ring, valid until the
// next Push.
func (r *Ring) Past(lag int) []float32 {
	if lag < 1 || lag > r.h {
		panic(fmt.Sprintf("causal: Ring.Past(%d) with history %d", lag, r.h))
	}
	s := r.pos - lag
	if s < 0 {
		s += r.h
	}
	sz := r.N * r.C
	return r.buf[s*sz : (s+1)*sz : (s+1)*sz]
}

// Push stores x (N, C) as the newest input, dropping the oldest, and advances
// the time by one step.
func (r *Ring) Push(x []float32) {
	if r.h == 0 {
		return
	}
	sz := r.N * r.C
	if len(x) < sz {
		panic(fmt.Sprintf("causal: Ring.Push of %d values, want N·C = %d", len(x), sz))
	}
	copy(r.buf[r.pos*sz:(r.pos+1)*sz], x)
	r.pos++
	if r.pos == r.h {
		r.pos = 0
	}
}

// PackTaps returns the weight rearranged per tap as (Width, In, Out):
//
//	packed[(k·In + i)·Out + o] = Weight[(o·In + i)·Width + k]
//
// so that tap k is an (In, Out) matrix: one row of Out values per input
// channel (for a one-hot input, the row of the code). dst is reused if it
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

// Step computes one output per stream, y (N, Out), for the new input x
// (N, In) of each stream, reading the past taps from r (a ring of History()
// inputs of In channels for N streams), and then pushes x onto r. packed is
// PackTaps(nil) of this conv. It overwrites y and allocates nothing.
//
//	y[n, o] = Bias[o] + Σ_k Σ_i packed[k, i, o] · x_n[t − Dilation·(Width−1−k), i]
func (c *Conv) Step(y, x []float32, r *Ring, packed []float32) {
	n := r.N
	if r.C != c.In || r.h != c.History() {
		panic(fmt.Sprintf("causal: Step with a ring of %d channels and history %d, want %d and %d", r.C, r.h, c.In, c.History()))
	}
	if len(packed) != c.Out*c.In*c.Width {
		panic("causal: Step needs PackTaps of the conv")
	}
	if len(y) < n*c.Out || len(x) < n*c.In {
		panic(fmt.Sprintf("causal: Step with x of %d and y of %d values for %d streams", len(x), len(y), n))
	}
	for s := 0; s < n; s++ {
		copy(y[s*c.Out:(s+1)*c.Out], c.Bias)
	}
	tap := c.In * c.Out
	for k := 0; k < c.Width; k++ {
		src := x
		if lag := c.Dilation * (c.Width - 1 - k); lag > 0 {
			src = r.Past(lag)
		}
		MulAdd(y, src, packed[k*tap:(k+1)*tap], n, c.In, c.Out)
	}
	r.Push(x)
}

// MulAdd adds x·w to y, for x (n, in), w (in, out) and y (n, out), row by
// row with blas32.Gemv (no goroutines, no allocation).
func MulAdd(y, x, w []float32, n, in, out int) {
	if len(x) < n*in || len(w) < in*out || len(y) < n*out {
		panic(fmt.Sprintf("causal: MulAdd(%d, %d, %d) with slices of %d, %d, %d", n, in, out, len(x), len(w), len(y)))
	}
	wm := blas32.General{Rows: in, Cols: out, Stride: out, Data: w}
	for s := 0; s < n; s++ {
		blas32.Gemv(blas.Trans, 1, wm,
			blas32.Vector{N: in, Inc: 1, Data: x[s*in : (s+1)*in]},
			1, blas32.Vector{N: out, Inc: 1, Data: y[s*out : (s+1)*out]})
	}
}
