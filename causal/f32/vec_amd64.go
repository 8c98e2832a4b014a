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

//go:noescape
func reluGradAVX512(d, v *float32, n int)

//go:noescape
func mulAVX512(dst, a, b *float32, n int)

//go:noescape
func gateBackwardAVX512(da, db, dz, th, sg *float32, n int)

func reluGrad(d, v []float32) {
	if hasAVX512 && len(d) > 0 {
		reluGradAVX512(&d[0], &v[0], len(d))
		return
	}
	reluGradGo(d, v)
}

func mul(dst, a, b []float32) {
	if hasAVX512 && len(dst) > 0 {
		mulAVX512(&dst[0], &a[0], &b[0], len(dst))
		return
	}
	mulGo(dst, a, b)
}

func gateBackward(da, db, dz, th, sg []float32) {
	if hasAVX512 && len(dz) > 0 {
		gateBackwardAVX512(&da[0], &db[0], &dz[0], &th[0], &sg[0], len(dz))
		return
	}
	gateBackwardGo(da, db, dz, th, sg)
}
