// Package f32 holds the float32 kernels of the engine: matrix products for
// training (Gemm) and for per-sample generation (Panel), and the vectorized
// gated activation z = tanh(a)·σ(b) with its parts.
//
// On amd64 the hot loops are Go assembly: AVX-512 kernels, and AVX2/FMA
// ones for the matrix products and the gate on CPUs without AVX-512. Every assembly
// kernel has a pure-Go twin whose doc comment is its reference loop, and the
// tests run both. The build tag noasm (or any other architecture) selects
// the twins only (and gonum for Gemm). The CPU is asked once, when the package is loaded, through
// golang.org/x/sys/cpu; nothing else is package state.
//
// Threading is the caller's: every function here but
// Workspace.GemmParallel runs on the calling goroutine, allocates nothing
// unless its doc says so, and is safe to call from several goroutines on
// disjoint outputs. GemmParallel is a ready-made split of one product by
// rows (or columns) over goroutines.
//
// Measured on the 2-core AMD EPYC (Zen 4) this was written on, per CPU-second
// of one core: Gemm on the training shapes 100–110 GFLOP (gonum's blas32
// Gemm, wall clock on the same shapes: 1–11 GFLOP/s), Panel products of one
// row 105 GB of weights streamed from L2.
//
// Matrices are row-major float32 slices with an explicit row stride ("ld"),
// as in BLAS.
package f32
