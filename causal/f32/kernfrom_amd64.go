//go:build !noasm

package f32

// The AVX2 kernels of GemmFrom (kernfrom_amd64.s): from nil starts at +0,
// ldfrom is in float32s, bias nil adds none.

//go:noescape
func kern6x16FromAVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int, from *float32, ldfrom int, bias *float32)

//go:noescape
func kern4x16FromAVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int, from *float32, ldfrom int, bias *float32)

// mulBlockFrom adds a (m×k) · b (k×n) to C started from from, then the
// bias (see mulBlockFromGo), on c's kernels: on AVX2 strips of 6 and 4
// rows run in one pass, the rest as on the other isas (C started, the
// product, the bias), which gives the same bits.
func (c isa) mulBlockFrom(m, n, k int, a []float32, rsa, csa int, b []float32, ldb int, cc []float32, ldc int, from []float32, ldfrom int, bias []float32) {
	if c != isaAVX2 || bias == nil && ldfrom == ldc && len(from) > 0 && &from[0] == &cc[0] {
		// Other isas, or C += A·B (Gemm, and GemmFrom's later k-blocks):
		// the plain kernels, whose chains start from C's value too.
		startC(m, n, cc, ldc, from, ldfrom)
		c.mulBlock(m, n, k, a, rsa, csa, b, ldb, cc, ldc)
		if bias != nil {
			addRowGo(cc, bias, m, n, ldc)
		}
		return
	}
	n16 := n &^ 15
	for i := 0; i < m; {
		rows := stripRowsAVX2(m - i)
		ai, ci := a[i*rsa:], cc[i*ldc:]
		var fi []float32
		if from != nil {
			fi = from[i*ldfrom:]
		}
		switch {
		case n16 == 0:
		case rows >= 4:
			checkKern(rows, n16, k, ai, rsa, csa, len(b), ldb, ci, ldc)
			var fp, bp *float32
			if fi != nil {
				_ = fi[(rows-1)*ldfrom+n16-1]
				fp = &fi[0]
			}
			if bias != nil {
				_ = bias[n16-1]
				bp = &bias[0]
			}
			if rows == 6 {
				kern6x16FromAVX2(&ai[0], rsa, csa, &b[0], ldb, k, &ci[0], ldc, n16/16, fp, ldfrom, bp)
			} else {
				kern4x16FromAVX2(&ai[0], rsa, csa, &b[0], ldb, k, &ci[0], ldc, n16/16, fp, ldfrom, bp)
			}
		default:
			startC(rows, n16, ci, ldc, fi, ldfrom)
			stripAVX2(rows, n16, k, ai, rsa, csa, b, ldb, ci, ldc)
			if bias != nil {
				addRowGo(ci, bias, rows, n16, ldc)
			}
		}
		if n16 < n {
			var fr, br []float32
			if fi != nil {
				fr = fi[n16:]
			}
			if bias != nil {
				br = bias[n16:]
			}
			mulBlockFromGo(rows, n-n16, k, ai, rsa, csa, b[n16:], ldb, ci[n16:], ldc, fr, ldfrom, br)
		}
		i += rows
	}
}
