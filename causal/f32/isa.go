package f32

// isa names a set of kernels: the pure-Go twins, or the assembly for a CPU
// feature level. Every kernel computes the same float32 operations in the
// same order on every isa, so the results are the same bits whichever runs;
// the twins define that order. The public functions run on cpuISA, the best
// the CPU has; tests call the others explicitly to compare them bit for bit.
type isa uint8

const (
	isaGo     isa = iota // the pure-Go twins
	isaAVX2              // AVX2, FMA and F16C: 16 YMM registers
	isaAVX512            // AVX-512 F and DQ, with AVX2, FMA and F16C: 32 ZMM registers
)

func (c isa) String() string {
	switch c {
	case isaGo:
		return "go"
	case isaAVX2:
		return "avx2"
	case isaAVX512:
		return "avx512"
	}
	return "isa?"
}
