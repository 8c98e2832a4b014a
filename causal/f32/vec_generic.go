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
