package f32

// argmaxGo is the twin of argmaxAVX512: the index of the first largest
// value, never a NaN unless every value is NaN (then 0).
//
//	best := 0
//	for j, v := range x: if v > x[best] || (x[best] is NaN && v is not NaN) { best = j }
func argmaxGo(x []float32) int {
	best := 0
	for j, v := range x {
		if v > x[best] || (x[best] != x[best] && v == v) {
			best = j
		}
	}
	return best
}

// reluGo is the twin of reluAVX512:
//
//	dst[i] = max(x[i], 0)   (NaN stays NaN)
func reluGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// sumRowsGo is the twin of sumRowsAVX512, the column sums of x (rows, cols):
//
//	dst[j] += Σ_r x[r·cols + j]
func sumRowsGo(dst, x []float32, rows, cols int) {
	dst = dst[:cols]
	for r := 0; r < rows; r++ {
		for j, v := range x[r*cols : (r+1)*cols] {
			dst[j] += v
		}
	}
}

// addRowGo is the twin of addRowAVX512, b added to every row of y (rows, cols):
//
//	y[r·cols + j] += b[j]
func addRowGo(y, b []float32, rows, cols int) {
	b = b[:cols]
	for r := 0; r < rows; r++ {
		yr := y[r*cols : (r+1)*cols]
		for j, v := range b {
			yr[j] += v
		}
	}
}

// reluGradGo is the twin of reluGradAVX512:
//
//	d[i] = 0 where v[i] ≤ 0
func reluGradGo(d, v []float32) {
	v = v[:len(d)]
	for i, x := range v {
		if x <= 0 {
			d[i] = 0
		}
	}
}

// mulGo is the twin of mulAVX512:
//
//	dst[i] = a[i]·b[i]
func mulGo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// gateBackwardGo is the twin of gateBackwardAVX512:
//
//	da[i] = dz[i]·sg[i]·(1 − th[i]²),  db[i] = dz[i]·th[i]·sg[i]·(1 − sg[i])
func gateBackwardGo(da, db, dz, th, sg []float32) {
	n := len(dz)
	da, db, th, sg = da[:n], db[:n], th[:n], sg[:n]
	for i, g := range dz {
		t, s := th[i], sg[i]
		da[i] = g * s * (1 - t*t)
		db[i] = g * t * s * (1 - s)
	}
}
