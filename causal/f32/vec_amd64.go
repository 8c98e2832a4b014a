//go:build !noasm

package f32

//go:noescape
func argmaxAVX512(x *float32, n int) int

//go:noescape
func reluAVX512(dst, x *float32, n int)

//go:noescape
func sumRowsAVX512(dst, x *float32, rows, cols int)

//go:noescape
func addRowAVX512(y, b *float32, rows, cols int)

//go:noescape
func reluGradAVX512(d, v *float32, n int)

//go:noescape
func mulAVX512(dst, a, b *float32, n int)

//go:noescape
func gateBackwardAVX512(da, db, dz, th, sg *float32, n int)

//go:noescape
func argmaxAVX2(x *float32, n int) int

//go:noescape
func reluAVX2(dst, x *float32, n int)

//go:noescape
func sumRowsAVX2(dst, x *float32, rows, cols, c8 int)

//go:noescape
func addRowAVX2(y, b *float32, rows, cols, c8 int)

//go:noescape
func reluGradAVX2(d, v *float32, n int)

//go:noescape
func mulAVX2(dst, a, b *float32, n int)

//go:noescape
func gateBackwardAVX2(da, db, dz, th, sg *float32, n int)

// The AVX2 kernels run whole vectors of eight; each caller below runs the
// rest on the twin.

func (c isa) argmax(x []float32) int {
	switch {
	case c == isaAVX512:
		return argmaxAVX512(&x[0], len(x))
	case c == isaAVX2 && len(x) >= 8:
		return argmaxAVX2(&x[0], len(x))
	}
	return argmaxGo(x)
}

func (c isa) relu(dst, x []float32) {
	switch {
	case c == isaAVX512 && len(dst) > 0:
		reluAVX512(&dst[0], &x[0], len(dst))
	case c == isaAVX2:
		n8 := len(dst) &^ 7
		if n8 > 0 {
			_ = x[n8-1]
			reluAVX2(&dst[0], &x[0], n8)
		}
		reluGo(dst[n8:], x[n8:])
	default:
		reluGo(dst, x)
	}
}

func (c isa) sumRows(dst, x []float32, rows, cols int) {
	switch c {
	case isaAVX512:
		sumRowsAVX512(&dst[0], &x[0], rows, cols)
	case isaAVX2:
		c8 := cols &^ 7
		if c8 > 0 {
			sumRowsAVX2(&dst[0], &x[0], rows, cols, c8)
		}
		if c8 < cols {
			sumRowsGo(dst[c8:cols], x[c8:], rows, cols-c8, cols)
		}
	default:
		sumRowsGo(dst, x, rows, cols, cols)
	}
}

func (c isa) addRow(y, b []float32, rows, cols int) {
	switch c {
	case isaAVX512:
		addRowAVX512(&y[0], &b[0], rows, cols)
	case isaAVX2:
		c8 := cols &^ 7
		if c8 > 0 {
			addRowAVX2(&y[0], &b[0], rows, cols, c8)
		}
		if c8 < cols {
			addRowGo(y[c8:], b[c8:cols], rows, cols-c8, cols)
		}
	default:
		addRowGo(y, b, rows, cols, cols)
	}
}

func (c isa) reluGrad(d, v []float32) {
	switch {
	case c == isaAVX512 && len(d) > 0:
		reluGradAVX512(&d[0], &v[0], len(d))
	case c == isaAVX2:
		n8 := len(d) &^ 7
		if n8 > 0 {
			_ = v[n8-1]
			reluGradAVX2(&d[0], &v[0], n8)
		}
		reluGradGo(d[n8:], v[n8:])
	default:
		reluGradGo(d, v)
	}
}

func (c isa) mul(dst, a, b []float32) {
	switch {
	case c == isaAVX512 && len(dst) > 0:
		mulAVX512(&dst[0], &a[0], &b[0], len(dst))
	case c == isaAVX2:
		n8 := len(dst) &^ 7
		if n8 > 0 {
			_, _ = a[n8-1], b[n8-1]
			mulAVX2(&dst[0], &a[0], &b[0], n8)
		}
		mulGo(dst[n8:], a[n8:], b[n8:])
	default:
		mulGo(dst, a, b)
	}
}

func (c isa) gateBackward(da, db, dz, th, sg []float32) {
	switch {
	case c == isaAVX512 && len(dz) > 0:
		gateBackwardAVX512(&da[0], &db[0], &dz[0], &th[0], &sg[0], len(dz))
	case c == isaAVX2:
		n8 := len(dz) &^ 7
		if n8 > 0 {
			_, _, _, _ = da[n8-1], db[n8-1], th[n8-1], sg[n8-1]
			gateBackwardAVX2(&da[0], &db[0], &dz[0], &th[0], &sg[0], n8)
		}
		gateBackwardGo(da[n8:], db[n8:], dz[n8:], th[n8:], sg[n8:])
	default:
		gateBackwardGo(da, db, dz, th, sg)
	}
}
