//go:build !amd64 || noasm

package f32

func kern4x64(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	kernGo(4, 64, k, a, rsa, csa, b, ldb, c, ldc)
}

func kern1x64(k int, a []float32, csa int, b []float32, ldb int, c []float32) {
	kernGo(1, 64, k, a, 0, csa, b, ldb, c, 0)
}

func kern4x32(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	kernGo(4, 32, k, a, rsa, csa, b, ldb, c, ldc)
}

func kern1x32(k int, a []float32, csa int, b []float32, ldb int, c []float32) {
	kernGo(1, 32, k, a, 0, csa, b, ldb, c, 0)
}

func kern8x32(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	kernGo(8, 32, k, a, rsa, csa, b, ldb, c, ldc)
}

func kern4x16(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	kernGo(4, 16, k, a, rsa, csa, b, ldb, c, ldc)
}

func kern1x16(k int, a []float32, csa int, b []float32, ldb int, c []float32) {
	kernGo(1, 16, k, a, 0, csa, b, ldb, c, 0)
}

func gate(z, th, sg, a, b []float32) { gateGo(z, th, sg, a, b) }

func exp(dst, x []float32) { expGo(dst, x) }

func gateRows(z []float32, ldz int, ab []float32, ldab, rows, g int) {
	gateRowsGo(z, ldz, ab, ldab, rows, g)
}

// useKernels reports whether this package's own kernels beat gonum here:
// without assembly, gonum's Gemm is the faster one.
func useKernels() bool { return false }
