package f32

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"
)

// goldenBits is the FNV-64a hash of every kernel's output in
// TestGoldenBits, as the pure-Go twins and the AVX2 kernels computed it
// on amd64 when the kernels' order was fixed. The same on every
// architecture and path: a change here means a kernel changed its
// arithmetic, and every model file's generated audio with it.
const goldenBits = 0x5de34f2e504687f0

// TestGoldenBits runs every kernel on fixed data (drawn with integer
// arithmetic only, so the inputs are the same everywhere) and compares the
// hash of all outputs with goldenBits: the same bits on this architecture
// and path as where it was recorded (amd64: go, AVX2; arm64 under qemu).
func TestGoldenBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(40, 1))
	// uniform in [−s, s), a multiple of 2⁻²³·s: exact, no math library
	uni := func(n int, s float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = (float32(rng.Uint32N(1<<24))/(1<<23) - 1) * s
		}
		return v
	}
	h := fnv.New64a()
	add := func(vs ...[]float32) {
		var b [4]byte
		for _, v := range vs {
			for _, x := range v {
				u := math.Float32bits(x)
				b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
				h.Write(b[:])
			}
		}
	}
	var w Workspace
	for _, s := range [][3]int{{37, 50, 300}, {6, 64, 33}, {1, 130, 7}} {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}} {
			a, b, c := uni(m*k, 1), uni(k*n, 1), uni(m*n, 1)
			lda, ldb := k, n
			if tr[0] {
				lda = m
			}
			if tr[1] {
				ldb = k
			}
			w.Gemm(tr[0], tr[1], m, n, k, a, lda, b, ldb, c, n)
			add(c)
		}
	}
	for _, s := range [][3]int{{33, 160, 1}, {32, 64, 16}, {65, 544, 3}} {
		in, out, n := s[0], s[1], s[2]
		wm := uni(in*out, 0.5)
		at := func(i, o int) float32 { return wm[i*out+o] }
		for _, p := range []*Panel{NewPanel(in, out, at), NewPanelF16(in, out, at)} {
			x, y := uni(n*in, 1), uni(n*out, 1)
			p.MulAdd(y, out, x, in, n)
			add(y)
		}
	}
	n := 1000
	a, b := uni(n, 12), uni(n, 20)
	z, th, sg := make([]float32, n), make([]float32, n), make([]float32, n)
	GateParts(z, th, sg, a, b)
	add(z, th, sg)
	e := make([]float32, n)
	Exp(e, uni(n, 100))
	add(e)
	da, db := make([]float32, n), make([]float32, n)
	GateBackward(da, db, a, th, sg)
	add(da, db)
	r := make([]float32, n)
	Relu(r, a)
	Mul(e, a, b)
	ReluGrad(e, a)
	add(r, e)
	sums := uni(40, 1)
	SumRows(sums, uni(37*40, 1), 37, 40)
	rows := uni(37*40, 1)
	AddRow(rows, sums, 37, 40)
	add(sums, rows)
	lg := uni(256, 8)
	p := make([]float32, 256)
	sum := ExpSum(p, lg, lg[Argmax(lg)], 1/0.9)
	add(p, []float32{sum, float32(Argmax(lg))})
	halves := make([]float32, 0, 1000)
	for _, v := range uni(1000, 70000) {
		halves = append(halves, Float16frombits(Float16Bits(v*float32(math.Ldexp(1, int(rng.Uint32N(40))-30)))))
	}
	add(halves)
	if got := h.Sum64(); got != goldenBits {
		t.Errorf("hash of the kernels' outputs %#016x, want %#016x (kernels: %s)", got, uint64(goldenBits), cpuISA)
	}
}
