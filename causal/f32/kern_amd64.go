//go:build !noasm

package f32

import "golang.org/x/sys/cpu"

// hasAVX512 is read once from the CPU when the package loads and never
// changes; it selects the assembly kernels.
var hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ

//go:noescape
func kern4x64AVX512(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc int)

//go:noescape
func kern1x64AVX512(a *float32, csa int, b *float32, ldb, k int, c *float32)

//go:noescape
func kern4x16AVX512(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc int)

//go:noescape
func kern1x16AVX512(a *float32, csa int, b *float32, ldb, k int, c *float32)

//go:noescape
func kern4x32AVX512(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc int)

//go:noescape
func kern1x32AVX512(a *float32, csa int, b *float32, ldb, k int, c *float32)

//go:noescape
func kern8x32AVX512(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc int)

// hasAVX2 selects the AVX2/FMA kernels on CPUs without AVX-512.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func kern4xNAVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int)

//go:noescape
func kern1xNAVX2(a *float32, csa int, b *float32, ldb, k int, c *float32, nblk int)

// kern4AVX2 and kern1AVX2 run the AVX2 kernels on rows×cols blocks,
// cols a multiple of 16 and rows a multiple of 4 for kern4AVX2.
func kern4AVX2(rows, cols, k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int) {
	checkKern(rows, cols, k, a, rsa, csa, b, ldb, c, ldc)
	for r := 0; r < rows; r += 4 {
		kern4xNAVX2(&a[r*rsa], rsa, csa, &b[0], ldb, k, &c[r*ldc], ldc, cols/16)
	}
}

func kern1AVX2(cols, k int, a []float32, csa int, b []float32, ldb int, c []float32) {
	checkKern(1, cols, k, a, 0, csa, b, ldb, c, 0)
	kern1xNAVX2(&a[0], csa, &b[0], ldb, k, &c[0], cols/16)
}
