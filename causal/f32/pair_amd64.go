//go:build !noasm

package f32

//go:noescape
func interleaveAVX2(dst, a, b *float32, n int)

//go:noescape
func addDeinterleaveAVX2(a, b, src *float32, n int)

// AVX-512 CPUs run the AVX2 kernels: they only move and add pairs.

func (c isa) interleave(dst, a, b []float32) {
	n8 := len(a) &^ 7
	if c >= isaAVX2 && n8 > 0 {
		_, _ = b[n8-1], dst[2*n8-1]
		interleaveAVX2(&dst[0], &a[0], &b[0], n8)
	} else {
		n8 = 0
	}
	interleaveGo(dst[2*n8:], a[n8:], b[n8:])
}

func (c isa) addDeinterleave(a, b, src []float32) {
	n8 := len(a) &^ 7
	if c >= isaAVX2 && n8 > 0 {
		_, _ = b[n8-1], src[2*n8-1]
		addDeinterleaveAVX2(&a[0], &b[0], &src[0], n8)
	} else {
		n8 = 0
	}
	addDeinterleaveGo(a[n8:], b[n8:], src[2*n8:])
}
