// Package causal implements 1-D causal dilated convolutions on float32: the
// forward pass over whole sequences, its backward pass, a per-step form that
// keeps a ring of past inputs, and receptive-field arithmetic.
//
// Shapes use these letters: N sequences, T time steps, C channels. Sequences
// are stored time-major, (N, T, C): x[(n·T + t)·C + c].
package causal

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
