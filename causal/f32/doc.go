// Package f32 holds the float32 kernels of the engine: matrix products for
// training (Gemm) and for per-sample generation (Panel), and the vectorized
// gated activation z = tanh(a)·σ(b) with its parts.
//
// On amd64 the hot loops are Go assembly: AVX-512 kernels, and AVX2/FMA
// ones for the matrix products on CPUs without AVX-512. Every assembly
// kernel has a pure-Go twin whose doc comment is its reference loop, and the
// tests run both. The build tag noasm (or any other architecture) selects
// the twins only (and gonum for Gemm). The CPU is asked once, when the package is loaded, through
// golang.org/x/sys/cpu; nothing else is package state.
//
// Threading is the caller's: every function here runs on the calling
// goroutine, allocates nothing unless its doc says so, and is safe to call
// from several goroutines on disjoint outputs. Split big products by rows
// (see GemmParallel for a ready-made split over goroutines).
//
// Matrices are row-major float32 slices with an explicit row stride ("ld"),
// as in BLAS.
package f32
