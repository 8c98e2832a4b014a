package f32

// argmaxGo is the twin of argmaxAVX512 and argmaxAVX2: the index of the first largest
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

// reluGo is the twin of reluAVX512 and reluAVX2:
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

// sumRowsGo is the twin of sumRowsAVX512 and sumRowsAVX2, the column sums
// of x (rows, cols; row stride ld) in a fixed order: four partial sums over
// the rows by fours (the rows past the last four into the first), combined
// as a tree, then added to dst:
//
//	s[q] = Σ_{i < rows/4} x[(4i+q)·ld + j]   (in order of i; s[0] then adds the last rows mod 4)
//	dst[j] = ((s[0] + s[1]) + (s[2] + s[3])) + dst[j]
func sumRowsGo(dst, x []float32, rows, cols, ld int) {
	dst = dst[:cols]
	r4 := rows &^ 3
	for j := range dst {
		var s0, s1, s2, s3 float32
		r := 0
		for ; r < r4; r += 4 {
			s0 += x[r*ld+j]
			s1 += x[(r+1)*ld+j]
			s2 += x[(r+2)*ld+j]
			s3 += x[(r+3)*ld+j]
		}
		for ; r < rows; r++ {
			s0 += x[r*ld+j]
		}
		dst[j] = ((s0 + s1) + (s2 + s3)) + dst[j]
	}
}

// addRowGo is the twin of addRowAVX512 and addRowAVX2, b added to every
// row of y (rows, cols; row stride ld):
//
//	y[r·ld + j] += b[j]
func addRowGo(y, b []float32, rows, cols, ld int) {
	b = b[:cols]
	for r := 0; r < rows; r++ {
		yr := y[r*ld : r*ld+cols]
		for j, v := range b {
			yr[j] += v
		}
	}
}

// reluGradGo is the twin of reluGradAVX512 and reluGradAVX2:
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

// mulGo is the twin of mulAVX512 and mulAVX2:
//
//	dst[i] = a[i]·b[i]
func mulGo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// gateBackwardGo is the twin of gateBackwardAVX512 and gateBackwardAVX2:
//
//	da[i] = dz[i]·sg[i]·(1 − th[i]²),  db[i] = dz[i]·th[i]·sg[i]·(1 − sg[i])
//
// as p = dz·sg, q = p·th, da = p − q·th and db = q − q·sg, the last two
// fused.
func gateBackwardGo(da, db, dz, th, sg []float32) {
	n := len(dz)
	da, db, th, sg = da[:n], db[:n], th[:n], sg[:n]
	for i, g := range dz {
		t, s := th[i], sg[i]
		p := g * s
		q := p * t
		da[i] = fma32(-q, t, p)
		db[i] = fma32(-q, s, q)
	}
}
