package f32

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// The same bits on every path: each assembly kernel set against the
// pure-Go twins, bit for bit (math.Float32bits), on odd sizes and random
// data. A set the CPU lacks (or a noasm build) is skipped, and says so.

// forEachAsm runs f in a subtest for every assembly isa, skipping those
// this CPU or build cannot run.
func forEachAsm(t *testing.T, f func(t *testing.T, c isa)) {
	for _, c := range []isa{isaAVX2, isaAVX512} {
		t.Run(c.String(), func(t *testing.T) {
			if c > cpuISA {
				t.Skipf("this CPU or build runs %s at best, not %s: %s is untested here", cpuISA, c, c)
			}
			f(t, c)
		})
	}
}

// diffBits returns an error naming the first element where got and want
// differ in any bit.
func diffBits(got, want []float32) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return fmt.Errorf("[%d] = %g (%#08x), twin %g (%#08x)", i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
	return nil
}

func clone(s []float32) []float32 { return append([]float32(nil), s...) }

// fmaExact is x·y + z rounded once to float32, through math/big: the
// product and the sum are exact at 2000 bits, and Float32 rounds to
// nearest even, subnormals included.
func fmaExact(x, y, z float32) float32 {
	if math.IsInf(float64(x), 0) || math.IsInf(float64(y), 0) || math.IsInf(float64(z), 0) {
		return float32(float64(x)*float64(y) + float64(z))
	}
	p := new(big.Float).SetPrec(2000).SetFloat64(float64(x))
	p.Mul(p, new(big.Float).SetFloat64(float64(y)))
	p.Add(p, new(big.Float).SetFloat64(float64(z)))
	f, _ := p.Float32()
	if f == 0 && float64(x)*float64(y)+float64(z) == 0 {
		// An exact zero: its sign is IEEE's, which big does not model.
		return float32(float64(x)*float64(y) + float64(z))
	}
	return f
}

// fmaCases are triples that land on or next to float32 midpoints (where a
// double rounding goes wrong), in the subnormal range, at the overflow
// threshold, and on signed zeros, plus random ones.
func fmaCases(rng *rand.Rand, n int) [][3]float32 {
	cs := [][3]float32{
		{24929.0 / (1 << 14), 673.0 / (1 << 9), 0x1p-80}, // x·y = 2 + 2⁻²³: see fma32
		{24929.0 / (1 << 14), 673.0 / (1 << 9), -0x1p-80},
		{-24929.0 / (1 << 14), 673.0 / (1 << 9), 0x1p-80},
		{0x1p-70, 0x1p-70, 0},
		{0x1p-75, 0x1p-75, 0x1p-149},
		{1.5, 0x1p-149, 0},
		{0x1p-149, 0.5, 0},
		{0x1p-149, 0.5, 0x1p-149},
		{3, 0x1p-150, -0x1p-149},
		{math.MaxFloat32, 1, math.MaxFloat32},
		{math.MaxFloat32, 2, -math.MaxFloat32},
		{0x1.fffffep127, 0x1.000001p0, 0},
		{0, 1, 0}, {0, -1, 0}, {-0.0, 1, -0.0},
		{1, 1, -1}, {2, 3, -6},
		{float32(math.Inf(1)), 1, 1}, {float32(math.Inf(1)), 0, 1},
	}
	for len(cs) < n {
		switch rng.IntN(4) {
		case 0: // random
			cs = append(cs, [3]float32{float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())})
		case 1: // x·y an odd 25-bit integer: a float32 midpoint; z tiny, either sign
			var a, b uint32
			for {
				a, b = rng.Uint32N(1<<13)|1|1<<12, rng.Uint32N(1<<12)|1|1<<11
				if p := uint64(a) * uint64(b); p >= 1<<24 && p < 1<<25 {
					break
				}
			}
			z := float32(math.Ldexp(1+rng.Float64(), -rng.IntN(60)-30))
			if rng.IntN(2) == 0 {
				z = -z
			}
			e := rng.IntN(40) - 20
			cs = append(cs, [3]float32{float32(math.Ldexp(float64(a), e)), float32(math.Ldexp(float64(b), -24)), float32(math.Ldexp(float64(z), e))})
		case 2: // subnormal results
			x := float32(math.Ldexp(1+rng.Float64(), -70-rng.IntN(10)))
			y := float32(math.Ldexp(1+rng.Float64(), -70-rng.IntN(10)))
			z := float32(math.Ldexp(rng.Float64()-0.5, -130-rng.IntN(15)))
			cs = append(cs, [3]float32{x, y, z})
		case 3: // cancellation: z close to −x·y
			x, y := float32(rng.NormFloat64()), float32(rng.NormFloat64())
			z := -float32(float64(x) * float64(y))
			cs = append(cs, [3]float32{x, y, z})
		}
	}
	return cs
}

func TestFMA32(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 1))
	for _, c := range fmaCases(rng, 20000) {
		got, want := fma32(c[0], c[1], c[2]), fmaExact(c[0], c[1], c[2])
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%g, %g, %g) = %g (%#08x), exact %g (%#08x)", c[0], c[1], c[2], got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
	// The double rounding fma32 avoids is real.
	x, y, z := float32(24929.0/(1<<14)), float32(673.0/(1<<9)), float32(0x1p-80)
	if twice := float32(math.FMA(float64(x), float64(y), float64(z))); twice == fma32(x, y, z) {
		t.Errorf("float32(math.FMA) and fma32 agree on the double-rounding case: %g", twice)
	}
}

// The hardware's fused multiply-add, through a kernel with k = 1, is fma32.
func TestFMA32Hardware(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(22, 1))
		cs := fmaCases(rng, 5000)
		b := make([]float32, 16)
		c := make([]float32, 16)
		for _, tr := range cs {
			b[0], c[0] = tr[1], tr[2]
			ci.mulBlock(1, 16, 1, []float32{tr[0]}, 1, 1, b, 16, c, 16)
			if want := fma32(tr[0], tr[1], tr[2]); math.Float32bits(c[0]) != math.Float32bits(want) {
				t.Fatalf("%s fma(%g, %g, %g) = %g (%#08x), fma32 %g (%#08x)", ci, tr[0], tr[1], tr[2], c[0], math.Float32bits(c[0]), want, math.Float32bits(want))
			}
		}
	})
}

func TestBitsGemm(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(23, 1))
		var w0, w1 Workspace
		sizes := []int{1, 2, 3, 5, 6, 7, 13, 16, 17, 31, 33, 64, 65, 100, 130}
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, m := range sizes {
					for _, n := range sizes {
						for _, k := range []int{1, 2, 7, 256, 257, 600} {
							if m*n*k > 1e6 || (k > 7 && rng.IntN(3) > 0) {
								continue
							}
							lda, ldb, ldc := k+1, n+3, n+2
							if tA {
								lda = m + 1
							}
							if tB {
								ldb = k + 3
							}
							a := randSlice(rng, lda*max(m, k))
							b := randSlice(rng, ldb*max(n, k))
							c0 := randSlice(rng, ldc*m)
							c1 := clone(c0)
							w0.gemm(isaGo, tA, tB, m, n, k, a, lda, b, ldb, c0, ldc)
							w1.gemm(ci, tA, tB, m, n, k, a, lda, b, ldb, c1, ldc)
							if err := diffBits(c1, c0); err != nil {
								t.Fatalf("%s tA %v tB %v m %d n %d k %d: %v", ci, tA, tB, m, n, k, err)
							}
						}
					}
				}
			}
		}
	})
}

// The blocks of gemmKC (gemmKCT with A transposed) do not change the bits:
// the twin's blocked product is one chain per output, as one kernGo call
// over all of k.
func TestGemmBlocksKeepOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 1))
	m, n, k := 5, 19, 3*gemmKC+7
	a, b, c := randSlice(rng, m*k), randSlice(rng, k*n), randSlice(rng, m*n)
	for _, tA := range []bool{false, true} { // blocks of gemmKC, and of gemmKCT
		lda, rsa, csa := k, k, 1
		if tA {
			lda, rsa, csa = m, 1, m
		}
		c0, c1 := clone(c), clone(c)
		var w Workspace
		w.gemm(isaGo, tA, false, m, n, k, a, lda, b, n, c0, n)
		kernGo(m, n, k, a, rsa, csa, b, n, c1, n)
		if err := diffBits(c0, c1); err != nil {
			t.Fatalf("tA %v: %v", tA, err)
		}
	}
}

func TestBitsPanel(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(25, 1))
		for _, in := range []int{1, 5, 32, 33, 129} {
			for _, out := range []int{1, 7, 16, 20, 32, 48, 64, 80, 100, 160, 256, 544} {
				wm := randSlice(rng, in*out)
				at := func(i, o int) float32 { return wm[i*out+o] }
				for _, p := range []*Panel{NewPanel(in, out, at), NewPanelF16(in, out, at)} {
					for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17} {
						ldx, ldy := in+2, out+1
						x := randSlice(rng, n*ldx)
						y0 := randSlice(rng, n*ldy+1)
						y1 := clone(y0)
						p.mulAdd(isaGo, y0, ldy, x, ldx, n)
						p.mulAdd(ci, y1, ldy, x, ldx, n)
						if err := diffBits(y1, y0); err != nil {
							t.Fatalf("%s %d×%d, float16 %v, %d rows: %v", ci, in, out, p.F16(), n, err)
						}
					}
				}
			}
		}
	})
}

// The hardware widens every float16, NaNs included, as Float16frombits:
// a one-row product with x = 1 and y = −0 is the widened weight itself.
func TestFloat16Hardware(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		p := NewPanelF16(1, 1<<16, func(i, o int) float32 { return 0 })
		for o := range 1 << 16 {
			p.h[o] = uint16(o) // one row: chunk j holds columns 64j…64j+63
		}
		y0, y1 := make([]float32, 1<<16), make([]float32, 1<<16)
		for i := range y0 {
			y0[i] = float32(math.Copysign(0, -1))
			y1[i] = y0[i]
		}
		p.mulAdd(isaGo, y0, 1<<16, []float32{1}, 1, 1)
		p.mulAdd(ci, y1, 1<<16, []float32{1}, 1, 1)
		if err := diffBits(y1, y0); err != nil {
			t.Fatalf("%s: %v", ci, err)
		}
		for o, v := range y0 {
			if w := Float16frombits(uint16(o)); math.Float32bits(v) != math.Float32bits(w) {
				t.Fatalf("twin: 1·%#04x − 0 = %#08x, want %#08x", o, math.Float32bits(v), math.Float32bits(w))
			}
		}
	})
}

// elemSizes are the lengths the element-wise tests run: every tail of a
// vector of 8 or 16, and a few long ones.
var elemSizes = []int{0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 23, 24, 31, 33, 47, 63, 64, 65, 100, 257}

// pad7 is s and one more element, 7, that a kernel must not touch.
func pad7(s []float32) []float32 { return append(clone(s), 7) }

func TestBitsGate(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(26, 1))
		for _, n := range elemSizes {
			a, b := gateInputs(rng, max(n, 40))[:n], gateInputs(rng, max(n, 40))[:n]
			rng.Shuffle(n, func(i, j int) { b[i], b[j] = b[j], b[i] })
			if n > 2 {
				a[n-1], b[n-2] = float32(math.NaN()), float32(math.NaN())
			}
			z0, t0, s0 := make([]float32, n), make([]float32, n), make([]float32, n)
			gateGo(z0, t0, s0, a, b)
			z1, t1, s1 := pad7(make([]float32, n)), pad7(make([]float32, n)), pad7(make([]float32, n))
			ci.gate(z1[:n], t1[:n], s1[:n], a, b)
			z2 := pad7(make([]float32, n))
			ci.gate(z2[:n], nil, nil, a, b)
			for _, e := range []struct {
				name      string
				got, want []float32
			}{{"z", z1, pad7(z0)}, {"tanh", t1, pad7(t0)}, {"σ", s1, pad7(s0)}, {"z without parts", z2, pad7(z0)}} {
				if err := diffBits(e.got, e.want); err != nil {
					t.Fatalf("%s gate n %d: %s %v", ci, n, e.name, err)
				}
			}
			e0, e1 := make([]float32, n), pad7(make([]float32, n))
			x := clone(a)
			for i := range x {
				x[i] *= 15
			}
			expGo(e0, x)
			ci.exp(e1[:n], x)
			if err := diffBits(e1, pad7(e0)); err != nil {
				t.Fatalf("%s exp n %d: %v", ci, n, err)
			}
		}
	})
}

// Long random vectors over the whole range of the polynomials: a change
// of one rounding shows in a few of these only.
func TestBitsGateLong(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(31, 1))
		n := 1 << 20
		if testing.Short() {
			n = 1 << 16
		}
		a, b, x := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range a {
			a[i] = float32(rng.Float64()*24 - 12)
			if i%2 == 0 {
				a[i] /= 16 // the polynomial's range
			}
			b[i] = float32(rng.Float64()*40 - 20)
			x[i] = float32(rng.Float64()*200 - 100)
		}
		z0, t0, s0 := make([]float32, n), make([]float32, n), make([]float32, n)
		z1, t1, s1 := make([]float32, n), make([]float32, n), make([]float32, n)
		gateGo(z0, t0, s0, a, b)
		ci.gate(z1, t1, s1, a, b)
		for _, e := range [][2][]float32{{z1, z0}, {t1, t0}, {s1, s0}} {
			if err := diffBits(e[0], e[1]); err != nil {
				t.Fatalf("%s gate: %v", ci, err)
			}
		}
		expGo(z0, x)
		ci.exp(z1, x)
		if err := diffBits(z1, z0); err != nil {
			t.Fatalf("%s exp: %v", ci, err)
		}
	})
}

func TestBitsGateRows(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(27, 1))
		for _, g := range []int{1, 5, 8, 16, 17, 32, 40} {
			for _, rows := range []int{1, 2, 16} {
				ldab, ldz := 2*g+3, g+1
				ab := gateInputs(rng, rows*ldab+40)
				z0 := make([]float32, rows*ldz)
				for i := range z0 {
					z0[i] = 7
				}
				z1 := clone(z0)
				gateRowsGo(z0, ldz, ab, ldab, rows, g)
				ci.gateRows(z1, ldz, ab, ldab, rows, g)
				if err := diffBits(z1, z0); err != nil {
					t.Fatalf("%s g %d rows %d: %v", ci, g, rows, err)
				}
			}
		}
	})
}

func TestBitsVec(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(28, 1))
		nan := float32(math.NaN())
		for _, n := range elemSizes {
			dz, th, sg := randSlice(rng, n), randSlice(rng, n), randSlice(rng, n)
			v := randSlice(rng, n)
			if n > 3 {
				v[0], v[1], v[2] = 0, nan, float32(math.Copysign(0, -1))
			}
			da0, db0 := randSlice(rng, n), randSlice(rng, n)
			da1, db1 := pad7(da0), pad7(db0)
			gateBackwardGo(da0, db0, dz, th, sg)
			ci.gateBackward(da1[:n], db1[:n], dz, th, sg)
			if err := diffBits(da1, pad7(da0)); err != nil {
				t.Fatalf("%s gate backward da n %d: %v", ci, n, err)
			}
			if err := diffBits(db1, pad7(db0)); err != nil {
				t.Fatalf("%s gate backward db n %d: %v", ci, n, err)
			}
			d0, d1 := clone(dz), pad7(dz)
			reluGradGo(d0, v)
			ci.reluGrad(d1[:n], v)
			if err := diffBits(d1, pad7(d0)); err != nil {
				t.Fatalf("%s relu grad n %d: %v", ci, n, err)
			}
			r0, r1 := make([]float32, n), pad7(make([]float32, n))
			reluGo(r0, v)
			ci.relu(r1[:n], v)
			if err := diffBits(r1, pad7(r0)); err != nil {
				t.Fatalf("%s relu n %d: %v", ci, n, err)
			}
			m0, m1 := make([]float32, n), pad7(make([]float32, n))
			mulGo(m0, th, sg)
			ci.mul(m1[:n], th, sg)
			if err := diffBits(m1, pad7(m0)); err != nil {
				t.Fatalf("%s mul n %d: %v", ci, n, err)
			}
		}
	})
}

func TestBitsArgmax(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(29, 1))
		nan, inf := float32(math.NaN()), float32(math.Inf(1))
		for n := 1; n < 70; n++ {
			for trial := 0; trial < 20; trial++ {
				x := randSlice(rng, n)
				switch trial {
				case 1:
					x[rng.IntN(n)], x[n-1] = 9, 9
				case 2:
					x[rng.IntN(n)] = nan
				case 3:
					for i := range x {
						x[i] = nan
					}
				case 4:
					for i := range x {
						x[i] = -inf
					}
				case 5:
					x[0], x[n-1] = nan, -inf
				case 6:
					for i := range x {
						x[i] = float32(math.Copysign(0, float64(rng.NormFloat64())))
					}
				}
				if got, want := ci.argmax(x), argmaxGo(x); got != want {
					t.Fatalf("%s n %d trial %d: argmax %d, twin %d (%v)", ci, n, trial, got, want, x)
				}
			}
		}
	})
}

func TestBitsSumRowsAddRow(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(30, 1))
		for _, rows := range []int{1, 2, 3, 4, 5, 7, 9, 100} {
			for _, cols := range []int{1, 7, 8, 9, 15, 16, 17, 24, 32, 33, 40, 64, 128, 130, 256} {
				x := randSlice(rng, rows*cols)
				b := randSlice(rng, cols+1)
				d0, d1 := clone(b), clone(b)
				sumRowsGo(d0[:cols], x, rows, cols, cols)
				ci.sumRows(d1[:cols], x, rows, cols)
				if err := diffBits(d1, d0); err != nil {
					t.Fatalf("%s SumRows %d×%d: %v", ci, rows, cols, err)
				}
				y0 := pad7(randSlice(rng, rows*cols))
				y1 := clone(y0)
				addRowGo(y0[:rows*cols], b, rows, cols, cols)
				ci.addRow(y1[:rows*cols], b, rows, cols)
				if err := diffBits(y1, y0); err != nil {
					t.Fatalf("%s AddRow %d×%d: %v", ci, rows, cols, err)
				}
			}
		}
	})
}

func TestBitsExpSum(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(34, 1))
		for _, n := range append(elemSizes, 255, 256, 1000) {
			x := randSlice(rng, n)
			for i := range x {
				x[i] *= 8
			}
			for _, scale := range []float32{1, 1 / 0.7, 1 / 1.3, 40} {
				shift := float32(0)
				if n > 0 {
					shift = x[argmaxGo(x)]
				}
				var lanes [16]float32
				d0, d1 := make([]float32, n), pad7(make([]float32, n))
				s0 := expSumGo(d0, x, shift, scale, &lanes, 0)
				s1 := ci.expSum(d1[:n], x, shift, scale)
				if err := diffBits(d1, pad7(d0)); err != nil {
					t.Fatalf("%s ExpSum n %d scale %g: %v", ci, n, scale, err)
				}
				if math.Float32bits(s1) != math.Float32bits(s0) {
					t.Fatalf("%s ExpSum n %d scale %g: sum %g, twin %g", ci, n, scale, s1, s0)
				}
				// In place, the same.
				d2 := clone(x)
				if s2 := ci.expSum(d2, d2, shift, scale); math.Float32bits(s2) != math.Float32bits(s0) || diffBits(d2, d0) != nil {
					t.Fatalf("%s ExpSum in place n %d differs", ci, n)
				}
			}
		}
	})
}

func TestBitsInterleave(t *testing.T) {
	forEachAsm(t, func(t *testing.T, ci isa) {
		rng := rand.New(rand.NewPCG(36, 1))
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 32, 64, 100} {
			a, b := randSlice(rng, n), randSlice(rng, n+1)
			d0 := pad7(randSlice(rng, 2*n))
			d1 := clone(d0)
			interleaveGo(d0, a, b)
			ci.interleave(d1, a, b)
			if err := diffBits(d1, d0); err != nil {
				t.Fatalf("%s Interleave %d: %v", ci, n, err)
			}
			for i := range n {
				if d1[2*i] != a[i] || d1[2*i+1] != b[i] {
					t.Fatalf("%s Interleave %d: pair %d is %v, %v, want %v, %v", ci, n, i, d1[2*i], d1[2*i+1], a[i], b[i])
				}
			}
			src := randSlice(rng, 2*n)
			a0, b0 := pad7(randSlice(rng, n)), pad7(randSlice(rng, n))
			a1, b1 := clone(a0), clone(b0)
			addDeinterleaveGo(a0[:n], b0, src)
			ci.addDeinterleave(a1[:n], b1, src)
			if err := diffBits(a1, a0); err != nil {
				t.Fatalf("%s AddDeinterleave %d, a: %v", ci, n, err)
			}
			if err := diffBits(b1, b0); err != nil {
				t.Fatalf("%s AddDeinterleave %d, b: %v", ci, n, err)
			}
			// One buffer, b at least 8 values after a (a sequence's col2im).
			for _, off := range []int{8, 9, 13, 16, 40} {
				buf0 := randSlice(rng, n+off+1)
				buf1 := clone(buf0)
				addDeinterleaveGo(buf0[:n], buf0[off:], src)
				ci.addDeinterleave(buf1[:n], buf1[off:], src)
				if err := diffBits(buf1, buf0); err != nil {
					t.Fatalf("%s AddDeinterleave %d, b = a[%d:]: %v", ci, n, off, err)
				}
			}
		}
	})
}
