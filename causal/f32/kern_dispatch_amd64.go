//go:build !noasm

package f32

// The matrix products on each isa. Each kernel call is first checked to
// stay inside its slices, so that a wrong stride panics instead of touching
// other memory.

// mulBlock adds a (m×k, a[i·rsa + p·csa]) · b (k×n, row stride ldb) to c
// (m×n, row stride ldc) on c's kernels.
func (c isa) mulBlock(m, n, k int, a []float32, rsa, csa int, b []float32, ldb int, cc []float32, ldc int) {
	switch c {
	case isaAVX512:
		mulBlockAVX512(m, n, k, a, rsa, csa, b, ldb, cc, ldc)
	case isaAVX2:
		mulBlockAVX2(m, n, k, a, rsa, csa, b, ldb, cc, ldc)
	default:
		kernGo(m, n, k, a, rsa, csa, b, ldb, cc, ldc)
	}
}

// mulAdd is Panel.MulAdd on c's kernels.
func (p *Panel) mulAdd(c isa, y []float32, ldy int, x []float32, ldx int, n int) {
	switch {
	case p.h != nil && c >= isaAVX2:
		// AVX-512 CPUs run the AVX2 kernels for float16 weights.
		p.mulAddF16AVX2(y, ldy, x, ldx, n)
	case p.h != nil:
		p.mulAddGo(y, ldy, x, ldx, n)
	case c == isaAVX512 && n == 1:
		// One row is a chain of eight YMM accumulators on the AVX2 kernel:
		// as many lanes in flight as four ZMM ones, in one call per panel.
		p.row1AVX2(y, x)
	case c == isaAVX512:
		p.mulAddAVX512(y, ldy, x, ldx, n)
	case c == isaAVX2:
		p.mulAddAVX2(y, ldy, x, ldx, n)
	default:
		p.mulAddGo(y, ldy, x, ldx, n)
	}
}

// mulBlockAVX512 cuts the product into strips of 8, 4 or 1 rows and blocks
// of 64, 32 or 16 columns (the rest on the twin).
func mulBlockAVX512(m, n, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	has32 := (n&^15)%64 >= 32
	for i := 0; i < m; {
		rows := stripRows512(m-i, has32)
		ai, ci := a[i*rsa:], c[i*ldc:]
		for j := 0; j < n; {
			cols := blockCols512(n - j)
			block512(rows, cols, k, ai, rsa, csa, b[j:], ldb, ci[j:], ldc)
			j += cols
		}
		i += rows
	}
}

// stripRows512 is the height of the next strip of rows, of left rows: 8 when
// the columns have a 32-wide block (the 8×32 kernel's sixteen accumulators
// beat 4×32's eight), else 4, and single rows at the end.
func stripRows512(left int, has32 bool) int {
	switch {
	case left >= 8 && has32:
		return 8
	case left >= 4:
		return 4
	}
	return 1
}

// blockCols512 is the width of the next block of columns, of left columns:
// 64, then at most one 32, then 16, then what is left.
func blockCols512(left int) int {
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

// block512 adds a (rows×k, strided) · b (k×cols, row stride ldb) to c (row
// stride ldc) on the kernel for rows ∈ {1, 4, 8} and cols ∈ {16, 32, 64},
// or on the twin for a block narrower than 16.
func block512(rows, cols, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	if cols < 16 {
		kernGo(rows, cols, k, a, rsa, csa, b, ldb, c, ldc)
		return
	}
	checkKern(rows, cols, k, a, rsa, csa, len(b), ldb, c, ldc)
	switch {
	case rows == 1:
		switch cols {
		case 64:
			kern1x64AVX512(&a[0], csa, &b[0], ldb, k, &c[0])
		case 32:
			kern1x32AVX512(&a[0], csa, &b[0], ldb, k, &c[0])
		default:
			kern1x16AVX512(&a[0], csa, &b[0], ldb, k, &c[0])
		}
	case rows == 8 && cols == 32:
		kern8x32AVX512(&a[0], rsa, csa, &b[0], ldb, k, &c[0], ldc)
	default: // 4 or 8 rows, by fours
		for r := 0; r < rows; r += 4 {
			ar, cr := a[r*rsa:], c[r*ldc:]
			switch cols {
			case 64:
				kern4x64AVX512(&ar[0], rsa, csa, &b[0], ldb, k, &cr[0], ldc)
			case 32:
				kern4x32AVX512(&ar[0], rsa, csa, &b[0], ldb, k, &cr[0], ldc)
			default:
				kern4x16AVX512(&ar[0], rsa, csa, &b[0], ldb, k, &cr[0], ldc)
			}
		}
	}
}

// mulAddAVX512 runs each chunk of the panel on block512, in strips of rows.
func (p *Panel) mulAddAVX512(y []float32, ldy int, x []float32, ldx int, n int) {
	has32 := p.has32()
	for r := 0; r < n; {
		rows := stripRows512(n-r, has32)
		xr, yr := x[r*ldx:], y[r*ldy:]
		off, o := 0, 0
		for _, wd := range p.widths {
			// The last chunk may be partial: only Out−o of its 16 columns.
			block512(rows, min(wd, p.Out-o), p.In, xr, ldx, 1, p.w[off:], wd, yr[o:], ldy)
			off += p.In * wd
			o += wd
		}
		r += rows
	}
}

// mulBlockAVX2 cuts the product into strips of 6, 4, 2 or 1 rows, each run
// over all whole 16-column blocks by one kernel call; the last n mod 16
// columns run on the twin.
func mulBlockAVX2(m, n, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	n16 := n &^ 15
	for i := 0; i < m; {
		rows := stripRowsAVX2(m - i)
		ai, ci := a[i*rsa:], c[i*ldc:]
		if n16 > 0 {
			stripAVX2(rows, n16, k, ai, rsa, csa, b, ldb, ci, ldc)
		}
		if n16 < n {
			kernGo(rows, n-n16, k, ai, rsa, csa, b[n16:], ldb, ci[n16:], ldc)
		}
		i += rows
	}
}

// stripRowsAVX2 is the height of the next strip, of left rows.
func stripRowsAVX2(left int) int {
	switch {
	case left >= 6:
		return 6
	case left >= 4:
		return 4
	case left >= 2:
		return 2
	}
	return 1
}

// stripAVX2 adds a (rows×k) · b (k×cols) to c for rows ∈ {1, 2, 4, 6} and
// cols a positive multiple of 16.
func stripAVX2(rows, cols, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	checkKern(rows, cols, k, a, rsa, csa, len(b), ldb, c, ldc)
	switch rows {
	case 6:
		kern6x16AVX2(&a[0], rsa, csa, &b[0], ldb, k, &c[0], ldc, cols/16)
	case 4:
		kern4x16AVX2(&a[0], rsa, csa, &b[0], ldb, k, &c[0], ldc, cols/16)
	case 2:
		c32 := cols &^ 31
		if c32 > 0 {
			kern2x32AVX2(&a[0], rsa, csa, &b[0], ldb, k, &c[0], ldc, c32/32)
		}
		if c32 < cols {
			kern1x16AVX2(&a[0], csa, &b[c32], ldb, k, &c[c32])
			kern1x16AVX2(&a[rsa], csa, &b[c32], ldb, k, &c[ldc+c32])
		}
	default:
		j := 0
		for ; j+64 <= cols; j += 64 {
			kern1x64AVX2(&a[0], csa, &b[j], ldb, k, &c[j])
		}
		for ; j < cols; j += 16 {
			kern1x16AVX2(&a[0], csa, &b[j], ldb, k, &c[j])
		}
	}
}

// mulAddAVX2 runs a single row on panel1AVX2, one call for the whole
// panel, and more rows on chunkRowsAVX2, one call per whole chunk for all
// rows (in strips of up to six, so that the chunk is read from memory once
// and from L1 for the other strips); a partial last chunk runs on the twin.
func (p *Panel) mulAddAVX2(y []float32, ldy int, x []float32, ldx int, n int) {
	if n == 1 {
		p.row1AVX2(y, x)
		return
	}
	// MulAdd has checked x and y for n rows of In and Out.
	_, _ = x[(n-1)*ldx+p.In-1], y[(n-1)*ldy+p.Out-1]
	off, o := 0, 0
	for _, wd := range p.widths {
		b := p.w[off : off+p.In*wd]
		if cols := min(wd, p.Out-o); cols < wd {
			kernGo(n, cols, p.In, x, ldx, 1, b, wd, y[o:], ldy)
			break // the partial chunk is the last
		}
		chunkRowsAVX2(&x[0], ldx, &b[0], p.In, &y[o], ldy, n, wd)
		off += p.In * wd
		o += wd
	}
}

// chunkCount is the n64, n32, n16 arguments of the one-row panel kernels
// for a single chunk of width wd.
func chunkCount(wd int) (n64, n32, n16 int) {
	switch wd {
	case 64:
		return 1, 0, 0
	case 32:
		return 0, 1, 0
	}
	return 0, 0, 1
}

// row1AVX2 adds x·W to y for one row x (In) and y (Out): the whole chunks
// on one call, a partial last chunk on the twin.
func (p *Panel) row1AVX2(y, x []float32) {
	if o := p.whole; o > 0 {
		_, _, _ = x[p.In-1], y[o-1], p.w[p.In*o-1]
		panel1AVX2(&x[0], &p.w[0], p.In, &y[0], p.n64, p.n32, p.n16)
	}
	if o := p.whole; o < p.Out {
		kernGo(1, p.Out-o, p.In, x, 0, 1, p.w[p.In*o:], 16, y[o:], 0)
	}
}

// mulAddF16AVX2 is mulAddAVX2 for a float16 panel.
func (p *Panel) mulAddF16AVX2(y []float32, ldy int, x []float32, ldx int, n int) {
	if n == 1 {
		if o := p.whole; o > 0 {
			_, _, _ = x[p.In-1], y[o-1], p.h[p.In*o-1]
			panel1F16AVX2(&x[0], &p.h[0], p.In, &y[0], p.n64, p.n32, p.n16)
		}
		if o := p.whole; o < p.Out {
			kern16Go(1, p.Out-o, p.In, x, 0, 1, p.h[p.In*o:], 16, y[o:], 0)
		}
		return
	}
	// MulAdd has checked x and y for n rows of In and Out.
	_, _ = x[(n-1)*ldx+p.In-1], y[(n-1)*ldy+p.Out-1]
	off, o := 0, 0
	for _, wd := range p.widths {
		b := p.h[off : off+p.In*wd]
		if cols := min(wd, p.Out-o); cols < wd {
			kern16Go(n, cols, p.In, x, ldx, 1, b, wd, y[o:], ldy)
			break // the partial chunk is the last
		}
		chunkRowsF16AVX2(&x[0], ldx, &b[0], p.In, &y[o], ldy, n, wd)
		off += p.In * wd
		o += wd
	}
}
