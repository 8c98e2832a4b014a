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
