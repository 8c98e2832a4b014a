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
	gateRowsGo(z, ldz, ab, ldab, rows, g)
}
