package f32

import (
	"fmt"
	"sync"
)

// gemmKC is the depth of one block of the product: a strip of a few rows of
// A, gemmKC deep, stays in L1 while the gemmKC×n block of B (≤ 256 KiB for
// n ≤ 256) stays in L2. Since every output's chain of multiply-adds goes on
// from C's value, the cut into blocks does not change the result.
const gemmKC = 256

// gemmKCT is the block depth when A is transposed (a weight gradient,
// dyᵀ·x, deep in k): each step of p then reads a new row of a, and half
// the depth keeps a block of those rows in L1 across the strips' column
// blocks (in an interleaved benchmark of training's weight gradients, the
// medium preset's shapes ran 4–14 % faster, the small preset's within ±6 %).
const gemmKCT = 128

// blockDepth is the k-block depth of a product with A transposed or not.
func blockDepth(tA bool) int {
	if tA {
		return gemmKCT
	}
	return gemmKC
}

// Workspace holds the packing buffer of Gemm between calls, so that repeated
// products allocate nothing. The zero value is ready to use. A Workspace
// serves one goroutine at a time.
type Workspace struct {
	pack []float32
	sub  []Workspace // one per extra worker of GemmParallel
}

// Gemm adds op(A)·op(B) to C, where op(A) is m×k, op(B) is k×n and C is m×n
// with row stride ldc:
//
//	C[i·ldc + j] += Σ_p A(i, p)·B(p, j)
//	A(i, p) = a[i·lda + p], or a[p·lda + i] if tA
//	B(p, j) = b[p·ldb + j], or b[j·ldb + p] if tB
//
// Each element of C is summed by fused multiply-adds in the order of p,
// starting from C's value, on every CPU and on the pure-Go twins alike: the
// result is the same bits everywhere. It runs on the
// calling goroutine and panics if a slice is too short for its shape.
func (w *Workspace) Gemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	checkGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	w.gemm(cpuISA, tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
}

// gemm is Gemm on the kernels of isa ci: GemmFrom's loop starting from C
// itself, without a bias (mulBlockFrom then runs the plain kernels).
func (w *Workspace) gemm(ci isa, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	w.gemmFrom(ci, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, c, ldc, nil)
}

// blockB returns the block of rows p0 … p0+kb−1 of op(B) (k×n) as a
// row-major kb×n matrix and its row stride: a view of b, or B transposed
// into w's packing buffer when tB.
func (w *Workspace) blockB(tB bool, p0, kb, n int, b []float32, ldb int) ([]float32, int) {
	if !tB {
		return b[p0*ldb:], ldb
	}
	ldbp := (n + 15) &^ 15
	if cap(w.pack) < kb*ldbp {
		w.pack = make([]float32, gemmKC*ldbp)
	}
	bp := w.pack[:kb*ldbp]
	packT(bp, ldbp, b[p0:], ldb, kb, n)
	return bp, ldbp
}

// packT writes the kb×n matrix B(p, j) = b[j·ldb + p] row-major into dst
// (row stride ldd ≥ n; columns n…ldd−1 zero).
func packT(dst []float32, ldd int, b []float32, ldb, kb, n int) {
	for p := 0; p < kb; p++ {
		row := dst[p*ldd : (p+1)*ldd]
		for j := 0; j < n; j++ {
			row[j] = b[j*ldb+p]
		}
		clear(row[n:])
	}
}

// GemmParallel is Gemm split over workers goroutines (1 or less means
// the calling one only) by blocks of rows of C, or of columns when C has few
// rows. Each worker has its own packing buffer in w. It allocates only the
// goroutines.
//
// It is GemmFrom from C itself without a bias, as Gemm is.
func (w *Workspace) GemmParallel(workers int, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	w.GemmFrom(workers, tA, tB, m, n, k, a, lda, b, ldb, c, ldc, c, ldc, nil)
}

// parallel runs f(ws, i0, i1, j0, j1) for the parts of an m×n product C,
// rows i0 … i1−1 and columns j0 … j1−1, on up to workers goroutines, each
// with its own workspace (w for the caller's part, w.sub for the others):
// blocks of rows, or of columns when C has few rows; a single call on the
// caller's goroutine for a small product.
func (w *Workspace) parallel(workers, m, n, k int, f func(ws *Workspace, i0, i1, j0, j1 int)) {
	if workers > 1 && int64(m)*int64(n)*int64(k) < 1<<18 {
		workers = 1 // a goroutine costs more than it saves
	}
	byRows := m >= 16*workers
	parts := workers
	if !byRows {
		parts = min(workers, (n+63)/64)
	}
	if parts <= 1 {
		f(w, 0, m, 0, n)
		return
	}
	for len(w.sub) < parts-1 {
		w.sub = append(w.sub, Workspace{})
	}
	var wg sync.WaitGroup
	for q := 0; q < parts; q++ {
		ws := w
		if q > 0 {
			ws = &w.sub[q-1]
		}
		run := func() {
			if byRows {
				// Row blocks of a multiple of 24, a multiple of every
				// kernel's height.
				if lo, hi := split(m, parts, q, 24); lo < hi {
					f(ws, lo, hi, 0, n)
				}
				return
			}
			if lo, hi := split(n, parts, q, 64); lo < hi {
				f(ws, 0, m, lo, hi)
			}
		}
		if q == parts-1 {
			run()
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); run() }()
	}
	wg.Wait()
}

// split returns part q of [0, n) cut into parts pieces whose bounds are
// multiples of unit (except n itself).
func split(n, parts, q, unit int) (lo, hi int) {
	units := (n + unit - 1) / unit
	lo = min(n, units*q/parts*unit)
	hi = min(n, units*(q+1)/parts*unit)
	return lo, hi
}

func checkGemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	need := func(name string, s []float32, rows, cols, ld int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols || len(s) < (rows-1)*ld+cols {
			panic(fmt.Sprintf("f32: Gemm: %s has %d values and stride %d, want %d×%d", name, len(s), ld, rows, cols))
		}
	}
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("f32: Gemm with m, n, k = %d, %d, %d", m, n, k))
	}
	if tA {
		need("a", a, k, m, lda)
	} else {
		need("a", a, m, k, lda)
	}
	if tB {
		need("b", b, n, k, ldb)
	} else {
		need("b", b, k, n, ldb)
	}
	need("c", c, m, n, ldc)
}
