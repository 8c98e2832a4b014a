package f32

// kernGo is the reference loop of the matrix micro-kernels: it adds the
// product of a (rows×k, strided) and b (k×cols, row stride ldb) to c
// (rows×cols, row stride ldc):
//
//	for r < rows, j < cols:
//		c[r·ldc + j] += Σ_{p<k} a[r·rsa + p·csa] · b[p·ldb + j]
//
// Like the assembly kernels, it sums each output in a register first and
// adds the sum to c once. cols ≤ 64.
func kernGo(rows, cols, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	var acc [64]float32
	for r := 0; r < rows; r++ {
		s := acc[:cols]
		clear(s)
		for p := 0; p < k; p++ {
			av := a[r*rsa+p*csa]
			br := b[p*ldb : p*ldb+cols]
			for j, bv := range br {
				s[j] += av * bv
			}
		}
		cr := c[r*ldc : r*ldc+cols]
		for j, v := range s {
			cr[j] += v
		}
	}
}

// checkKern panics unless a rows×cols micro-kernel over k steps stays inside
// a, b and c.
func checkKern(rows, cols, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	if k < 1 || rsa < 0 || csa < 0 || ldb < cols || (rows > 1 && ldc < cols) ||
		len(a) <= (rows-1)*rsa+(k-1)*csa || len(b) < (k-1)*ldb+cols || len(c) < (rows-1)*ldc+cols {
		panic("f32: kernel out of range (a shape bug in the caller)")
	}
}
