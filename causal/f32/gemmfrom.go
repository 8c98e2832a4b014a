package f32

import "fmt"

// GemmFrom sets C to (From + op(A)·op(B)) + bias, with op(A), op(B) and C
// as for Gemm:
//
//	C[i·ldc + j] = (From(i, j) + Σ_p A(i, p)·B(p, j)) + bias[j]
//	From(i, j) = from[i·ldfrom + j]   (ldfrom 0: the same row for every i; from nil: +0)
//
// Each element is one chain of fused multiply-adds in the order of p that
// starts from From(i, j) instead of C's value, and the bias (nil: none) is
// added once at its end. from is C itself (ldfrom = ldc) or does not
// overlap it. The bits are those of copying From into C (or clearing it),
// Gemm, then AddRow(C, bias), on every CPU; on AVX2 it is one pass over C.
// It runs on up to workers goroutines as GemmParallel does, and panics if
// a slice is too short for its shape.
func (w *Workspace) GemmFrom(workers int, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, from []float32, ldfrom int, bias []float32) {
	checkGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if m > 0 && n > 0 {
		if from != nil && (ldfrom < 0 || (ldfrom > 0 && ldfrom < n) || len(from) < (m-1)*ldfrom+n) {
			panic(fmt.Sprintf("f32: GemmFrom: from has %d values and stride %d, want %d×%d", len(from), ldfrom, m, n))
		}
		if bias != nil && len(bias) < n {
			panic(fmt.Sprintf("f32: GemmFrom: bias has %d values, want %d", len(bias), n))
		}
	}
	w.parallel(workers, m, n, k, func(ws *Workspace, i0, i1, j0, j1 int) {
		ao, bo := i0*lda, j0
		if tA {
			ao = i0
		}
		if tB {
			bo = j0 * ldb
		}
		var f, bi []float32
		if from != nil {
			f = from[i0*ldfrom+j0:]
		}
		if bias != nil {
			bi = bias[j0:]
		}
		ws.gemmFrom(cpuISA, tA, tB, i1-i0, j1-j0, k, a[ao:], lda, b[bo:], ldb, c[i0*ldc+j0:], ldc, f, ldfrom, bi)
	})
}

// gemmFrom is GemmFrom on one goroutine on the kernels of isa ci: the
// first block of k starts from from, the others go on from C, and the
// last adds the bias.
func (w *Workspace) gemmFrom(ci isa, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, from []float32, ldfrom int, bias []float32) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		mulBlockFromGo(m, n, 0, nil, 0, 0, nil, 0, c, ldc, from, ldfrom, bias)
		return
	}
	rsa, csa := lda, 1
	if tA {
		rsa, csa = 1, lda
	}
	kc := blockDepth(tA)
	for p0 := 0; p0 < k; p0 += kc {
		kb := min(kc, k-p0)
		bp, ldbp := w.blockB(tB, p0, kb, n, b, ldb)
		f, ldf := c, ldc
		if p0 == 0 {
			f, ldf = from, ldfrom
		}
		var bi []float32
		if p0+kb == k {
			bi = bias
		}
		ci.mulBlockFrom(m, n, kb, a[p0*csa:], rsa, csa, bp, ldbp, c, ldc, f, ldf, bi)
	}
}

// mulBlockFromGo is the reference of the GemmFrom kernels: C's rows start
// as from's (or +0), kernGo adds the product, then the bias is added:
//
//	c[i·ldc + j] = from[i·ldfrom + j] (+0 if from is nil)
//	kernGo(m, n, k, a, rsa, csa, b, ldb, c, ldc)
//	c[i·ldc + j] += bias[j]   (if bias is not nil)
func mulBlockFromGo(m, n, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, from []float32, ldfrom int, bias []float32) {
	startC(m, n, c, ldc, from, ldfrom)
	if k > 0 {
		kernGo(m, n, k, a, rsa, csa, b, ldb, c, ldc)
	}
	if bias != nil {
		addRowGo(c, bias, m, n, ldc)
	}
}

// startC sets the m×n matrix c to from (row stride ldfrom, 0 for one row
// for all), or to +0 when from is nil; nothing when from is c itself.
func startC(m, n int, c []float32, ldc int, from []float32, ldfrom int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if from == nil {
			clear(ci)
			continue
		}
		fi := from[i*ldfrom : i*ldfrom+n]
		if &fi[0] != &ci[0] {
			copy(ci, fi)
		}
	}
}
