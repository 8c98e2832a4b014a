//go:build !noasm

package f32

//go:noescape
func gateAVX512(z, th, sg, a, b *float32, n int)

//go:noescape
func expAVX512(dst, x *float32, n int)

//go:noescape
func gateRowsAVX512(z *float32, ldz int, ab *float32, ldab, rows, width int)

func gateRows(z []float32, ldz int, ab []float32, ldab, rows, g int) {
	if hasAVX512 {
		gateRowsAVX512(&z[0], ldz, &ab[0], ldab, rows, g)
		return
	}
	if hasAVX2 {
		for r := 0; r < rows; r++ {
			row := ab[r*ldab : r*ldab+2*g]
			gate2(z[r*ldz:r*ldz+g], nil, nil, row[:g], row[g:])
		}
		return
	}
	gateRowsGo(z, ldz, ab, ldab, rows, g)
}

//go:noescape
func gateAVX2(z, th, sg, a, b *float32, n int)

// gate2 is gate on the AVX2 kernel for whole vectors of eight and the twin
// for the rest.
func gate2(z, th, sg, a, b []float32) {
	n := len(z)
	n8 := n &^ 7
	if n8 > 0 {
		var tp, sp *float32
		if th != nil {
			tp = &th[0]
		}
		if sg != nil {
			sp = &sg[0]
		}
		gateAVX2(&z[0], tp, sp, &a[0], &b[0], n8)
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
