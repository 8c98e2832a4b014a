//go:build !noasm

package f32

//go:noescape
func argmaxAVX512(x *float32, n int) int

//go:noescape
func reluAVX512(dst, x *float32, n int)

func argmax(x []float32) int {
	if hasAVX512 {
		return argmaxAVX512(&x[0], len(x))
	}
	return argmaxGo(x)
}

func relu(dst, x []float32) {
	if hasAVX512 && len(dst) > 0 {
		reluAVX512(&dst[0], &x[0], len(dst))
		return
	}
	reluGo(dst, x)
}

//go:noescape
func sumRowsAVX512(dst, x *float32, rows, cols int)

//go:noescape
func addRowAVX512(y, b *float32, rows, cols int)

func sumRows(dst, x []float32, rows, cols int) {
	if hasAVX512 {
		sumRowsAVX512(&dst[0], &x[0], rows, cols)
		return
	}
	sumRowsGo(dst, x, rows, cols)
}

func addRow(y, b []float32, rows, cols int) {
	if hasAVX512 {
		addRowAVX512(&y[0], &b[0], rows, cols)
		return
	}
	addRowGo(y, b, rows, cols)
}
