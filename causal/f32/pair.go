package f32

import "fmt"

// Interleave sets dst[2i] = a[i] and dst[2i+1] = b[i] for i < len(a): the
// row of a two-tap convolution's im2col matrix from its past and current
// inputs. It panics if b is shorter than a or dst shorter than 2·len(a).
func Interleave(dst, a, b []float32) {
	if len(b) < len(a) || len(dst) < 2*len(a) {
		panic(fmt.Sprintf("f32: Interleave of %d and %d values into %d", len(a), len(b), len(dst)))
	}
	cpuISA.interleave(dst, a, b)
}

// AddDeinterleave adds src[2i] to a[i], then src[2i+1] to b[i], for
// i = 0, 1, … < len(a) in order: the adjoint of Interleave, which folds a
// two-tap convolution's im2col gradient back onto its inputs. a and b may
// be one buffer, b starting at least 8 values after a (a whole sequence's
// col2im: a = dx, b = dx[d·In:]); then each value gets its b addition
// before its a addition, as in that loop. Other overlaps are the caller's
// bug. It panics if b is shorter than a or src shorter than 2·len(a).
func AddDeinterleave(a, b, src []float32) {
	if len(b) < len(a) || len(src) < 2*len(a) {
		panic(fmt.Sprintf("f32: AddDeinterleave of %d values into %d and %d", len(src), len(a), len(b)))
	}
	cpuISA.addDeinterleave(a, b, src)
}

// interleaveGo is the twin of interleaveAVX2:
//
//	dst[2i], dst[2i+1] = a[i], b[i]
func interleaveGo(dst, a, b []float32) {
	b = b[:len(a)]
	for i, v := range a {
		p := dst[2*i : 2*i+2 : 2*i+2]
		p[0], p[1] = v, b[i]
	}
}

// addDeinterleaveGo is the twin of addDeinterleaveAVX2:
//
//	a[i] += src[2i];  b[i] += src[2i+1]
func addDeinterleaveGo(a, b, src []float32) {
	b = b[:len(a)]
	for i := range a {
		p := src[2*i : 2*i+2 : 2*i+2]
		a[i] += p[0]
		b[i] += p[1]
	}
}
