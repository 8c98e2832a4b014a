//go:build !amd64 || noasm

package f32

func (isa) mulBlockFrom(m, n, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, from []float32, ldfrom int, bias []float32) {
	mulBlockFromGo(m, n, k, a, rsa, csa, b, ldb, c, ldc, from, ldfrom, bias)
}
