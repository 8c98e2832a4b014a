//go:build !noasm

package f32

//go:noescape
func gateAVX512(z, th, sg, a, b *float32, n int)

//go:noescape
func expAVX512(dst, x *float32, n int)

//go:noescape
func gateRowsAVX512(z *float32, ldz int, ab *float32, ldab, rows, width int)

//go:noescape
func gateAVX2(z, th, sg, a, b *float32, n int)

//go:noescape
func expAVX2(dst, x *float32, n int)

//go:noescape
func gateRowsAVX2(z *float32, ldz int, ab *float32, ldab, rows, n8, boff int)

//go:noescape
func expSumAVX2(dst, x *float32, n int, shift, scale float32, lanes *[16]float32)

func (c isa) gate(z, th, sg, a, b []float32) {
	switch {
	case c == isaAVX512 && len(z) > 0:
		gateAVX512(&z[0], ptr(th), ptr(sg), &a[0], &b[0], len(z))
	case c == isaAVX2:
		gate2(z, th, sg, a, b)
	default:
		gateGo(z, th, sg, a, b)
	}
}

func (c isa) gateRows(z []float32, ldz int, ab []float32, ldab, rows, g int) {
	switch c {
	case isaAVX512:
		gateRowsAVX512(&z[0], ldz, &ab[0], ldab, rows, g)
	case isaAVX2:
		// Whole vectors of eight of every row in one call, the rest of
		// each row on the twin. GateRows has checked z and ab.
		n8 := g &^ 7
		if n8 > 0 {
			_, _ = z[(rows-1)*ldz+g-1], ab[(rows-1)*ldab+2*g-1]
			gateRowsAVX2(&z[0], ldz, &ab[0], ldab, rows, n8, g)
		}
		for r := 0; n8 < g && r < rows; r++ {
			row := ab[r*ldab : r*ldab+2*g]
			gateGo(z[r*ldz+n8:r*ldz+g], nil, nil, row[n8:g], row[g+n8:])
		}
	default:
		gateRowsGo(z, ldz, ab, ldab, rows, g)
	}
}

func (c isa) exp(dst, x []float32) {
	switch {
	case c == isaAVX512 && len(dst) > 0:
		expAVX512(&dst[0], &x[0], len(dst))
	case c == isaAVX2:
		n8 := len(dst) &^ 7
		if n8 > 0 {
			_ = x[n8-1]
			expAVX2(&dst[0], &x[0], n8)
		}
		expGo(dst[n8:], x[n8:])
	default:
		expGo(dst, x)
	}
}

func (c isa) expSum(dst, x []float32, shift, scale float32) float32 {
	var lanes [16]float32
	n16 := 0
	if c >= isaAVX2 { // AVX-512 CPUs run the AVX2 kernel: the same bits
		n16 = len(dst) &^ 15
		if n16 > 0 {
			_ = x[n16-1]
			expSumAVX2(&dst[0], &x[0], n16, shift, scale, &lanes)
		}
	}
	return expSumGo(dst, x, shift, scale, &lanes, n16)
}

// gate2 is gate on the AVX2 kernel for whole vectors of eight and the twin
// for the rest.
func gate2(z, th, sg, a, b []float32) {
	n := len(z)
	n8 := n &^ 7
	if n8 > 0 {
		_, _ = a[n8-1], b[n8-1]
		gateAVX2(&z[0], ptr(th), ptr(sg), &a[0], &b[0], n8)
	}
	if n8 < n {
		var tt, ss []float32
		if th != nil {
			tt = th[n8:]
		}
		if sg != nil {
			ss = sg[n8:]
		}
		gateGo(z[n8:], tt, ss, a[n8:n], b[n8:n])
	}
}

// ptr is &s[0], or nil for an empty s.
func ptr(s []float32) *float32 {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}
