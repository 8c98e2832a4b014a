package f32

// kernGo is the reference loop of the matrix micro-kernels: it adds the
// product of a (rows×k, strided) and b (k×cols, row stride ldb) to c
// (rows×cols, row stride ldc), each output by a chain of fused
// multiply-adds in the order of p, starting from c:
//
//	for r < rows, j < cols:
//		acc := c[r·ldc + j]
//		for p := 0; p < k; p++ { acc = fma(a[r·rsa + p·csa], b[p·ldb + j], acc) }
//		c[r·ldc + j] = acc
//
// Every assembly kernel computes exactly this, vectorized across columns
// (and rows), so every kernel, every tiling and every cut of k into blocks
// gives the same bits.
func kernGo(rows, cols, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	for r := 0; r < rows; r++ {
		cr := c[r*ldc : r*ldc+cols]
		ar := a[r*rsa:]
		j := 0
		for ; j+4 <= cols; j += 4 {
			kern4Go(cr[j:j+4], k, ar, csa, b[j:], ldb)
		}
		for ; j < cols; j++ {
			acc := cr[j]
			for p := 0; p < k; p++ {
				acc = fma32(ar[p*csa], b[p*ldb+j], acc)
			}
			cr[j] = acc
		}
	}
}

// kern4Go is kernGo for one row and four columns, with fma32 written out
// (its fast path; fma32Slow for the rare rest) for the speed of the twins.
func kern4Go(c []float32, k int, a []float32, csa int, b []float32, ldb int) {
	c = c[:4]
	c0, c1, c2, c3 := c[0], c[1], c[2], c[3]
	for p := 0; p < k; p++ {
		av := a[p*csa]
		bp := b[p*ldb : p*ldb+4]
		x := float64(av)
		s0 := x*float64(bp[0]) + float64(c0)
		s1 := x*float64(bp[1]) + float64(c1)
		s2 := x*float64(bp[2]) + float64(c2)
		s3 := x*float64(bp[3]) + float64(c3)
		if roundsOnce(s0) && roundsOnce(s1) && roundsOnce(s2) && roundsOnce(s3) {
			c0, c1, c2, c3 = float32(s0), float32(s1), float32(s2), float32(s3)
			continue
		}
		c0 = fma32(av, bp[0], c0)
		c1 = fma32(av, bp[1], c1)
		c2 = fma32(av, bp[2], c2)
		c3 = fma32(av, bp[3], c3)
	}
	c[0], c[1], c[2], c[3] = c0, c1, c2, c3
}

// kern16Go is kernGo with b stored as float16 (Float16Bits): each b value
// widened exactly to float32 (Float16frombits), then the same chain of
// fused multiply-adds. cols ≤ 64.
func kern16Go(rows, cols, k int, a []float32, rsa, csa int, b []uint16, ldb int, c []float32, ldc int) {
	var wide [64]float32
	for r := 0; r < rows; r++ {
		cr := c[r*ldc : r*ldc+cols]
		for p := 0; p < k; p++ {
			av := a[r*rsa+p*csa]
			bw := wide[:cols]
			for j, h := range b[p*ldb : p*ldb+cols] {
				bw[j] = Float16frombits(h)
			}
			x := float64(av)
			for j, bv := range bw {
				if s := x*float64(bv) + float64(cr[j]); roundsOnce(s) {
					cr[j] = float32(s)
				} else {
					cr[j] = fma32Slow(av, bv, cr[j])
				}
			}
		}
	}
}

// checkKern panics unless a rows×cols micro-kernel over k steps stays inside
// a, b (of lenB values) and c.
func checkKern(rows, cols, k int, a []float32, rsa, csa int, lenB, ldb int, c []float32, ldc int) {
	if k < 1 || rsa < 0 || csa < 0 || ldb < cols || (rows > 1 && ldc < cols) ||
		len(a) <= (rows-1)*rsa+(k-1)*csa || lenB < (k-1)*ldb+cols || len(c) < (rows-1)*ldc+cols {
		panic("f32: kernel out of range (a shape bug in the caller)")
	}
}
