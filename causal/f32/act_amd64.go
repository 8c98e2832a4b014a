//go:build !noasm

package f32

//go:noescape
func gateAVX512(z, th, sg, a, b *float32, n int)

//go:noescape
func expAVX512(dst, x *float32, n int)
