//go:build !amd64 || noasm

package f32

func (isa) interleave(dst, a, b []float32) { interleaveGo(dst, a, b) }

func (isa) addDeinterleave(a, b, src []float32) { addDeinterleaveGo(a, b, src) }
