// Package f32 holds the float32 kernels of the engine: matrix products for
// training (Workspace.Gemm) and for per-sample generation (Panel, with
// float32 or half-size float16 weights), the vectorized gated activation
// z = tanh(a)·σ(b) with its parts, the element-wise loops of training (exp,
// relu and its gradient, the gate's backward, sums of rows, bias rows), and
// the exponentials of sampling (ExpSum).
//
// The same bits on every CPU. Each kernel has a pure-Go twin whose doc
// comment is its reference loop, and the twin defines the order of the
// float32 operations: each output of a matrix product is one chain of fused
// multiply-adds over k in order, starting from the output's own value (so
// no tiling or blocking changes it); the element-wise kernels use the same
// polynomials with the same fused steps; reductions add in a fixed order
// that does not depend on the vector width. The assembly, AVX-512 and
// AVX2/FMA for CPUs without AVX-512, computes exactly those operations, and
// the tests compare every path the CPU has with the twins bit for bit, and
// a hash of every kernel's output is the same on amd64 and arm64. The twins
// round a fused multiply-add exactly, not through float64 twice. The build
// tag noasm (or any other architecture) selects the twins only. The CPU is
// asked once, when the package is loaded, through golang.org/x/sys/cpu;
// nothing else is package state.
//
// Threading is the caller's: every function here but
// Workspace.GemmParallel runs on the calling goroutine, allocates nothing
// unless its doc says so, and is safe to call from several goroutines on
// disjoint outputs. GemmParallel is a ready-made split of one product by
// rows (or columns) over goroutines.
//
// Matrices are row-major float32 slices with an explicit row stride ("ld"),
// as in BLAS.
package f32
