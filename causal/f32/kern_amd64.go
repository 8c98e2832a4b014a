//go:build !noasm

package f32

import "golang.org/x/sys/cpu"

// cpuISA is the best kernel set this CPU runs, read once when the package
// loads and never changed.
var cpuISA = detectISA()

func detectISA() isa {
	switch {
	case !(cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C):
		return isaGo
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ:
		return isaAVX512 // which has the AVX2 kernels too (float16 panels run them)
	}
	return isaAVX2
}

// The AVX-512 matrix kernels (kern_amd64.s).

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

// The AVX2 matrix kernels (kern2_amd64.s). Those with nblk run nblk column
// blocks of their width one after another.

//go:noescape
func kern6x16AVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int)

//go:noescape
func kern4x16AVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int)

//go:noescape
func kern2x32AVX2(a *float32, rsa, csa int, b *float32, ldb, k int, c *float32, ldc, nblk int)

//go:noescape
func kern1x64AVX2(a *float32, csa int, b *float32, ldb, k int, c *float32)

//go:noescape
func kern1x16AVX2(a *float32, csa int, b *float32, ldb, k int, c *float32)

//go:noescape
func panel1AVX2(x *float32, w *float32, in int, y *float32, n64, n32, n16 int)

// The one-row AVX2 kernel for float16 weights (kern16_amd64.s).

//go:noescape
func panel1F16AVX2(x *float32, w *uint16, in int, y *float32, n64, n32, n16 int)
