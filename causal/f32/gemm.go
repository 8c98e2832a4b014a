package f32

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// gemmKC is the depth of one block of the product: a 4×gemmKC strip of A
// stays in L1 while the gemmKC×n block of B (≤ 256 KiB for n ≤ 256) stays in
// L2.
const gemmKC = 256

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
// With AVX-512 or AVX2/FMA it runs this package's kernels on the calling
// goroutine; otherwise it calls gonum's blas32.Gemm. It panics if a slice is too short
// for its shape.
func (w *Workspace) Gemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	checkGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 || k == 0 {
		return
	}
	if !useKernels() {
		gonumGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
		return
	}
	rsa, csa := lda, 1
	if tA {
		rsa, csa = 1, lda
	}
	n16 := n &^ 15 // columns in blocks of 16 or more
	for p0 := 0; p0 < k; p0 += gemmKC {
		kb := min(gemmKC, k-p0)
		// B's block as a row-major kb×n matrix bp with row stride ldbp.
		var bp []float32
		ldbp := ldb
		if !tB {
			bp = b[p0*ldb:]
		} else {
			ldbp = (n + 15) &^ 15
			if cap(w.pack) < kb*ldbp {
				w.pack = make([]float32, gemmKC*ldbp)
			}
			bp = w.pack[:kb*ldbp]
			packT(bp, ldbp, b[p0:], ldb, kb, n)
		}
		ap := a[p0*csa:]
		for i := 0; i < m; {
			rows := stripRows(m-i, n16%64 >= 32)
			ai, ci := ap[i*rsa:], c[i*ldc:]
			for j := 0; j < n; {
				cols := blockCols(n - j)
				block(rows, cols, kb, ai, rsa, csa, bp[j:], ldbp, ci[j:], ldc)
				j += cols
			}
			i += rows
		}
	}
}

// stripRows is the height of the next strip of rows, of left rows: 8 when
// the columns have a 32-wide block (the 8×32 kernel's sixteen accumulators
// beat 4×32's eight), else 4, and single rows at the end.
func stripRows(left int, has32 bool) int {
	switch {
	case left >= 8 && has32:
		return 8
	case left >= 4:
		return 4
	}
	return 1
}

// blockCols is the width of the next block of columns, of left columns:
// 64, then at most one 32, then 16, then what is left.
func blockCols(left int) int {
	switch {
	case left >= 64:
		return 64
	case left >= 32:
		return 32
	case left >= 16:
		return 16
	}
	return left
}

// block adds a (rows×k, strided) · b (k×cols, row stride ldb) to c (row
// stride ldc) on the kernel for rows ∈ {1, 4, 8} and cols ∈ {16, 32, 64},
// or on the twin for a block narrower than 16.
func block(rows, cols, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	switch {
	case cols < 16:
		kernGo(rows, cols, k, a, rsa, csa, b, ldb, c, ldc)
	case rows == 1:
		switch cols {
		case 64:
			kern1x64(k, a, csa, b, ldb, c)
		case 32:
			kern1x32(k, a, csa, b, ldb, c)
		default:
			kern1x16(k, a, csa, b, ldb, c)
		}
	case rows == 8 && cols == 32:
		kern8x32(k, a, rsa, csa, b, ldb, c, ldc)
	default: // 4 or 8 rows, by fours
		for r := 0; r < rows; r += 4 {
			ar, cr := a[r*rsa:], c[r*ldc:]
			switch cols {
			case 64:
				kern4x64(k, ar, rsa, csa, b, ldb, cr, ldc)
			case 32:
				kern4x32(k, ar, rsa, csa, b, ldb, cr, ldc)
			default:
				kern4x16(k, ar, rsa, csa, b, ldb, cr, ldc)
			}
		}
	}
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
func (w *Workspace) GemmParallel(workers int, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	checkGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if workers > 1 && int64(m)*int64(n)*int64(k) < 1<<18 {
		workers = 1 // a goroutine costs more than it saves
	}
	byRows := m >= 16*workers
	parts := workers
	if !byRows {
		parts = min(workers, (n+63)/64)
	}
	if parts <= 1 {
		w.Gemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
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
				// Row blocks of a multiple of 4, the kernel's height.
				lo, hi := split(m, parts, q, 4)
				if lo == hi {
					return
				}
				ao := lo * lda
				if tA {
					ao = lo
				}
				ws.Gemm(tA, tB, hi-lo, n, k, a[ao:], lda, b, ldb, c[lo*ldc:], ldc)
				return
			}
			lo, hi := split(n, parts, q, 64)
			if lo == hi {
				return
			}
			bo := lo
			if tB {
				bo = lo * ldb
			}
			ws.Gemm(tA, tB, m, hi-lo, k, a, lda, b[bo:], ldb, c[lo:], ldc)
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

func gonumGemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	ga := blas32.General{Rows: m, Cols: k, Stride: lda, Data: a}
	if tA {
		ta, ga = blas.Trans, blas32.General{Rows: k, Cols: m, Stride: lda, Data: a}
	}
	gb := blas32.General{Rows: k, Cols: n, Stride: ldb, Data: b}
	if tB {
		tb, gb = blas.Trans, blas32.General{Rows: n, Cols: k, Stride: ldb, Data: b}
	}
	blas32.Gemm(ta, tb, 1, ga, gb, 1, blas32.General{Rows: m, Cols: n, Stride: ldc, Data: c})
}
