// Package causal implements 1-D causal dilated convolutions on float32: the
// forward pass over whole sequences, its backward pass, a per-step form that
// keeps a ring of past inputs, and receptive-field arithmetic.
//
// Shapes use these letters: N sequences, T time steps, C channels. Sequences
// are stored time-major, (N, T, C): x[(n·T + t)·C + c].
package causal

import (
	"fmt"

	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// Conv is a causal dilated 1-D convolution with PyTorch Conv1d's weight layout.
// Tap k of the kernel multiplies the input at time t − Dilation·(Width−1−k),
// so tap Width−1 is "now"; inputs before t = 0 are zero.
//
//	y[t, o] = Bias[o] + Σ_i Σ_k Weight[o, i, k] · x[t − Dilation·(Width−1−k), i]
type Conv struct {
	In, Out  int       // channels
	Width    int       // taps, K ≥ 1
	Dilation int       // d ≥ 1
	Weight   []float32 // (Out, In, Width): Weight[(o·In + i)·Width + k]
	Bias     []float32 // (Out)
}

// History is the number of past inputs the conv needs besides the current
// one: Dilation·(Width−1).
func (c *Conv) History() int { return c.Dilation * (c.Width - 1) }

// The batch form of a conv is one matrix product. im2col lays the inputs that
// each output sees side by side in a row, in the weight's own (In, Width)
// order, so that the weight, viewed as an (Out, In·Width) matrix W, needs no
// repacking:
//
//	col[r, i·Width + k] = x[t − Dilation·(Width−1−k), i]   (0 before t = 0 of each sequence)
//	y = col·Wᵀ + bias                                       row r = n·T + t
//
// and the backward pass is the transpose of that:
//
//	dW += dyᵀ·col,  dB += Σ_r dy[r],  dcol = dy·W,  dx += col2im(dcol).
//
// For Width == 1 the input itself is the col matrix.

// ColSize is the length, in float32s, of the col buffer that Forward and
// Backward need for n sequences of t steps: n·t·In·Width, or 0 when
// Width == 1 (the input is used directly).
func (c *Conv) ColSize(n, t int) int {
	if c.Width == 1 {
		return 0
	}
	return n * t * c.In * c.Width
}

// Im2Col fills col (n·t, In·Width) from x (n, t, In) as described above and
// returns it; if col is nil or short it allocates. When Width == 1 it returns
// x itself and leaves col alone.
func (c *Conv) Im2Col(col, x []float32, n, t int) []float32 {
	c.checkX(x, n, t, c.In, "x")
	if c.Width == 1 {
		return x[:n*t*c.In]
	}
	iw := c.In * c.Width
	if len(col) < n*t*iw {
		col = make([]float32, n*t*iw)
	}
	col = col[:n*t*iw]
	if c.Width == 2 {
		c.im2col2(col, x, n, t)
		return col
	}
	c.im2colAny(col, x, n, t)
	return col
}

// im2colAny is Im2Col's loop for any Width.
func (c *Conv) im2colAny(col, x []float32, n, t int) {
	iw := c.In * c.Width
	for s := 0; s < n; s++ {
		for tt := 0; tt < t; tt++ {
			row := col[(s*t+tt)*iw : (s*t+tt+1)*iw]
			for k := 0; k < c.Width; k++ {
				src := tt - c.Dilation*(c.Width-1-k)
				if src < 0 {
					for i := 0; i < c.In; i++ {
						row[i*c.Width+k] = 0
					}
					continue
				}
				xr := x[(s*t+src)*c.In : (s*t+src+1)*c.In]
				for i, v := range xr {
					row[i*c.Width+k] = v
				}
			}
		}
	}
}

// im2col2 is im2colAny for Width 2, the WaveNet layer's: each row is the
// past input x[t − d] and the current x[t] interleaved channel by channel
// (f32.Interleave).
func (c *Conv) im2col2(col, x []float32, n, t int) {
	in, d := c.In, c.Dilation
	for s := 0; s < n; s++ {
		xs := x[s*t*in : (s+1)*t*in]
		cs := col[s*t*2*in : (s+1)*t*2*in]
		for tt := range min(d, t) {
			row := cs[tt*2*in : (tt+1)*2*in]
			for i, v := range xs[tt*in : (tt+1)*in] {
				p := row[2*i : 2*i+2 : 2*i+2]
				p[0], p[1] = 0, v
			}
		}
		if t > d {
			// Rows d … t−1 at once: x[t−d] and x[t] run through the
			// sequence side by side.
			f32.Interleave(cs[d*2*in:], xs[:(t-d)*in], xs[d*in:])
		}
	}
}

// Col2Im adds the col-shaped gradient dcol (n·t, In·Width) into dx (n, t, In):
// the adjoint of Im2Col. When Width == 1 it adds dcol to dx.
func (c *Conv) Col2Im(dx, dcol []float32, n, t int) {
	c.checkX(dx, n, t, c.In, "dx")
	iw := c.In * c.Width
	if len(dcol) < n*t*iw {
		panic(fmt.Sprintf("causal: dcol has %d values, want %d", len(dcol), n*t*iw))
	}
	if c.Width == 1 {
		for j, v := range dcol[:n*t*c.In] {
			dx[j] += v
		}
		return
	}
	if c.Width == 2 {
		c.col2im2(dx, dcol, n, t)
		return
	}
	c.col2imAny(dx, dcol, n, t)
}

// col2imAny is Col2Im's loop for any Width ≥ 2: row by row, tap by tap.
func (c *Conv) col2imAny(dx, dcol []float32, n, t int) {
	iw := c.In * c.Width
	for s := 0; s < n; s++ {
		for tt := 0; tt < t; tt++ {
			row := dcol[(s*t+tt)*iw : (s*t+tt+1)*iw]
			for k := 0; k < c.Width; k++ {
				src := tt - c.Dilation*(c.Width-1-k)
				if src < 0 {
					continue
				}
				xr := dx[(s*t+src)*c.In : (s*t+src+1)*c.In]
				for i := range xr {
					xr[i] += row[i*c.Width+k]
				}
			}
		}
	}
}

// col2im2 is col2imAny for Width 2, with the same additions in the same
// order: row t adds its past tap to dx[t − d], then its current tap to
// dx[t], so dx[t] gets its current tap (from row t) before its past tap
// (from row t + d), as in col2imAny.
func (c *Conv) col2im2(dx, dcol []float32, n, t int) {
	in, d := c.In, c.Dilation
	for s := 0; s < n; s++ {
		xs := dx[s*t*in : (s+1)*t*in]
		cs := dcol[s*t*2*in : (s+1)*t*2*in]
		for tt := range t {
			if tt >= d && d*in >= 8 {
				// Rows tt … t−1 at once, in the same order (see
				// f32.AddDeinterleave).
				f32.AddDeinterleave(xs[(tt-d)*in:(t-d)*in], xs[tt*in:], cs[tt*2*in:])
				break
			}
			row := cs[tt*2*in : (tt+1)*2*in]
			cur := xs[tt*in : (tt+1)*in]
			if tt < d {
				for i := range cur {
					cur[i] += row[2*i+1]
				}
				continue
			}
			past := xs[(tt-d)*in : (tt-d+1)*in]
			past = past[:len(cur)]
			for i := range cur {
				p := row[2*i : 2*i+2 : 2*i+2]
				past[i] += p[0]
				cur[i] += p[1]
			}
		}
	}
}

// Forward computes y (n, t, Out) from x (n, t, In), overwriting y. col is the
// im2col scratch of ColSize(n, t) values (allocated when nil or short; unused
// when Width == 1). It is one matrix product.
func (c *Conv) Forward(y, x []float32, n, t int, col []float32) {
	col = c.Im2Col(col, x, n, t)
	c.ForwardCol(y, col, n*t, nil)
}

// ForwardCol computes y (rows, Out) = col·Wᵀ + bias from an im2col matrix col
// (rows, In·Width), overwriting y: each output's chain of multiply-adds
// starts from its bias. Several convs that read the same input (a layer's
// filter and gate) can share one col. g is the product's context (nil: a
// fresh one).
func (c *Conv) ForwardCol(y, col []float32, rows int, g *Gemm) {
	c.colFrom(y, c.Bias, 0, nil, col, rows, g)
}

// ForwardColFrom sets y (rows, Out) to (from + col·Wᵀ) + bias: the conv's
// output added onto from (rows, Out), a residual or skip sum, with the
// bits of copying from into y, AddCol, then adding the bias to every row, in
// one pass over y.
// from is y itself or does not overlap it.
func (c *Conv) ForwardColFrom(y, from, col []float32, rows int, g *Gemm) {
	c.checkRows(from, rows, c.Out, "from")
	c.colFrom(y, from, c.Out, c.Bias, col, rows, g)
}

// colFrom sets y (rows, Out) to (from + col·Wᵀ) + bias, from's rows
// ldFrom apart (0: the same row for every row of y), bias nil for none:
// the product behind ForwardCol and ForwardColFrom.
func (c *Conv) colFrom(y, from []float32, ldFrom int, bias, col []float32, rows int, g *Gemm) {
	iw := c.In * c.Width
	c.checkRows(y, rows, c.Out, "y")
	c.checkRows(col, rows, iw, "col")
	c.checkWeight()
	if rows == 0 {
		return
	}
	g.mulFrom(false, true, rows, c.Out, iw, col, iw, c.Weight, iw, y, c.Out, from, ldFrom, bias)
}

// AddCol adds col·Wᵀ, without the bias, to y (rows, Out).
func (c *Conv) AddCol(y, col []float32, rows int, g *Gemm) {
	iw := c.In * c.Width
	c.checkRows(y, rows, c.Out, "y")
	c.checkRows(col, rows, iw, "col")
	c.checkWeight()
	if rows == 0 {
		return
	}
	g.mul(false, true, rows, c.Out, iw, col, iw, c.Weight, iw, y, c.Out)
}

// Backward accumulates the gradients of a loss L through the conv, given
// dy = ∂L/∂y (n, t, Out) and the forward input x (n, t, In):
//
//	grad.Weight += ∂L/∂W,  grad.Bias += ∂L/∂b,  dx += ∂L/∂x (skipped when dx is nil).
//
// grad must have c's shape. col is scratch of ColSize(n, t) values
// (allocated when nil or short).
func (c *Conv) Backward(dx []float32, grad *Conv, dy, x []float32, n, t int, col []float32) {
	col = c.Im2Col(col, x, n, t)
	c.WeightGrad(grad, dy, col, n*t, nil)
	if dx == nil {
		return
	}
	if c.Width == 1 {
		c.InputGradCol(dx, dy, n*t, nil) // col is x, so dcol is dx
		return
	}
	c.SetInputGradCol(col, dy, n*t, nil)
	c.Col2Im(dx, col, n, t)
}

// WeightGrad adds dyᵀ·col to grad.Weight (viewed as (Out, In·Width)) and the
// column sums of dy (rows, Out) to grad.Bias.
func (c *Conv) WeightGrad(grad *Conv, dy, col []float32, rows int, g *Gemm) {
	c.WeightOnlyGrad(grad, dy, col, rows, g)
	if rows > 0 {
		f32.SumRows(grad.Bias, dy, rows, c.Out)
	}
}

// WeightOnlyGrad is WeightGrad without the bias: it adds dyᵀ·col to
// grad.Weight only, for a caller that takes the products over parts of the
// rows and sums the bias gradient over all of them at once (f32.SumRows's
// order depends on where a row is, the product's does not: each output is
// one chain over the rows in order).
func (c *Conv) WeightOnlyGrad(grad *Conv, dy, col []float32, rows int, g *Gemm) {
	c.checkSame(grad)
	iw := c.In * c.Width
	c.checkRows(dy, rows, c.Out, "dy")
	c.checkRows(col, rows, iw, "col")
	grad.checkWeight()
	if rows == 0 {
		return
	}
	g.mul(true, false, c.Out, iw, rows, dy, c.Out, col, iw, grad.Weight, iw)
}

// InputGradCol adds dy·W to dcol (rows, In·Width): the gradient with respect
// to the im2col matrix, which Col2Im folds back onto the input.
func (c *Conv) InputGradCol(dcol, dy []float32, rows int, g *Gemm) {
	c.inputGradCol(dcol, dcol, dy, rows, g)
}

// SetInputGradCol sets dcol (rows, In·Width) to dy·W: InputGradCol onto a
// cleared dcol, with its bits, in one pass.
func (c *Conv) SetInputGradCol(dcol, dy []float32, rows int, g *Gemm) {
	c.inputGradCol(dcol, nil, dy, rows, g)
}

// inputGradCol sets dcol to from + dy·W, from dcol itself (InputGradCol)
// or nil for zero (SetInputGradCol).
func (c *Conv) inputGradCol(dcol, from, dy []float32, rows int, g *Gemm) {
	iw := c.In * c.Width
	c.checkRows(dy, rows, c.Out, "dy")
	c.checkRows(dcol, rows, iw, "dcol")
	c.checkWeight()
	if rows == 0 {
		return
	}
	g.mulFrom(false, false, rows, iw, c.Out, dy, c.Out, c.Weight, iw, dcol, iw, from, iw, nil)
}

// checkWeight panics unless Weight is (Out, In·Width) and Bias (Out).
func (c *Conv) checkWeight() {
	iw := c.In * c.Width
	if len(c.Weight) != c.Out*iw || len(c.Bias) != c.Out {
		panic(fmt.Sprintf("causal: conv weight has %d values and bias %d, want %d and %d", len(c.Weight), len(c.Bias), c.Out*iw, c.Out))
	}
}

func (c *Conv) checkX(x []float32, n, t, ch int, name string) {
	if n < 0 || t < 0 || len(x) < n*t*ch {
		panic(fmt.Sprintf("causal: %s has %d values, want n·t·C = %d·%d·%d", name, len(x), n, t, ch))
	}
}

func (c *Conv) checkRows(y []float32, rows, cols int, name string) {
	if rows < 0 || len(y) < rows*cols {
		panic(fmt.Sprintf("causal: %s has %d values, want %d rows of %d", name, len(y), rows, cols))
	}
}

func (c *Conv) checkSame(g *Conv) {
	if g.In != c.In || g.Out != c.Out || g.Width != c.Width || len(g.Weight) != len(c.Weight) || len(g.Bias) != len(c.Bias) {
		panic("causal: gradient conv has a different shape")
	}
}
