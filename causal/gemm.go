package causal

import "github.com/wavenet-go/wavenet-go/causal/f32"

// Gemm is the context of the batch methods' matrix products: the packing
// buffers of package f32's kernels, kept between calls, and the number of
// goroutines one product may use. The zero value runs every product on the
// calling goroutine. A Gemm serves one goroutine at a time; a nil *Gemm
// means a fresh one per product (it allocates).
type Gemm struct {
	Workers int // goroutines per product; ≤ 1 means the caller's only
	ws      f32.Workspace
}

// mul adds op(A)·op(B) to C; see f32.Workspace.Gemm.
func (g *Gemm) mul(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if g == nil {
		g = new(Gemm)
	}
	g.ws.GemmParallel(g.Workers, tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
}

// mulFrom sets C to (From + op(A)·op(B)) + bias; see f32.Workspace.GemmFrom.
func (g *Gemm) mulFrom(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, from []float32, ldfrom int, bias []float32) {
	if g == nil {
		g = new(Gemm)
	}
	g.ws.GemmFrom(g.Workers, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, from, ldfrom, bias)
}
