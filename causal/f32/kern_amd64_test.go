//go:build !noasm

package f32

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The assembly kernels against their twins, on many sizes and strides.

func TestAsmMatKernels(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(11, 1))
	for _, k := range []int{1, 2, 3, 4, 5, 31, 64, 257} {
		for _, tr := range []bool{false, true} {
			rows := 8
			rsa, csa := k+3, 1
			if tr {
				rsa, csa = 1, rows+2
			}
			a := randSlice(rng, 4*(k+3)*(rows+2))
			ldb, ldc := 64+5, 64+7
			b := randSlice(rng, k*ldb)
			c := randSlice(rng, rows*ldc)
			check := func(name string, got, want []float32) {
				t.Helper()
				wd := make([]float64, len(want))
				for i, v := range want {
					wd[i] = float64(v)
				}
				if err := closeTo(got, wd, k); err != nil {
					t.Fatalf("%s k %d transposed %v: %v", name, k, tr, err)
				}
			}
			c1, c2 := append([]float32(nil), c...), append([]float32(nil), c...)
			kern4x64AVX512(&a[0], rsa, csa, &b[0], ldb, k, &c1[0], ldc)
			kernGo(4, 64, k, a, rsa, csa, b, ldb, c2, ldc)
			check("4x64", c1, c2)
			c1, c2 = append([]float32(nil), c...), append([]float32(nil), c...)
			kern4x32AVX512(&a[0], rsa, csa, &b[0], ldb, k, &c1[0], ldc)
			kernGo(4, 32, k, a, rsa, csa, b, ldb, c2, ldc)
			check("4x32", c1, c2)
			c1, c2 = append([]float32(nil), c...), append([]float32(nil), c...)
			kern8x32AVX512(&a[0], rsa, csa, &b[0], ldb, k, &c1[0], ldc)
			kernGo(8, 32, k, a, rsa, csa, b, ldb, c2, ldc)
			check("8x32", c1, c2)
			c1, c2 = append([]float32(nil), c...), append([]float32(nil), c...)
			kern1x32AVX512(&a[0], csa, &b[0], ldb, k, &c1[0])
			kernGo(1, 32, k, a, 0, csa, b, ldb, c2, ldc)
			check("1x32", c1, c2)
			c1, c2 = append([]float32(nil), c...), append([]float32(nil), c...)
			kern4x16AVX512(&a[0], rsa, csa, &b[0], ldb, k, &c1[0], ldc)
			kernGo(4, 16, k, a, rsa, csa, b, ldb, c2, ldc)
			check("4x16", c1, c2)
			c1, c2 = append([]float32(nil), c...), append([]float32(nil), c...)
			kern1x64AVX512(&a[0], csa, &b[0], ldb, k, &c1[0])
			kernGo(1, 64, k, a, 0, csa, b, ldb, c2, ldc)
			check("1x64", c1, c2)
			c1, c2 = append([]float32(nil), c...), append([]float32(nil), c...)
			kern1x16AVX512(&a[0], csa, &b[0], ldb, k, &c1[0])
			kernGo(1, 16, k, a, 0, csa, b, ldb, c2, ldc)
			check("1x16", c1, c2)
		}
	}
}

func TestAsmGate(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(12, 1))
	for n := 1; n < 70; n++ {
		a, b := gateInputs(rng, 80)[:n], gateInputs(rng, 80)[:n]
		rng.Shuffle(n, func(i, j int) { b[i], b[j] = b[j], b[i] })
		// One extra element past n must stay untouched.
		z1, t1, s1 := make([]float32, n+1), make([]float32, n+1), make([]float32, n+1)
		z1[n], t1[n], s1[n] = 7, 7, 7
		z2, t2, s2 := make([]float32, n), make([]float32, n), make([]float32, n)
		gateAVX512(&z1[0], &t1[0], &s1[0], &a[0], &b[0], n)
		gateGo(z2, t2, s2, a, b)
		if z1[n] != 7 || t1[n] != 7 || s1[n] != 7 {
			t.Fatalf("n %d: gateAVX512 wrote past the end", n)
		}
		for i := 0; i < n; i++ {
			if !near(z1[i], z2[i]) || !near(t1[i], t2[i]) || !near(s1[i], s2[i]) {
				t.Fatalf("n %d, %d: asm (%g %g %g) twin (%g %g %g) for a %g b %g", n, i, z1[i], t1[i], s1[i], z2[i], t2[i], s2[i], a[i], b[i])
			}
		}
		z3 := make([]float32, n)
		gateAVX512(&z3[0], nil, nil, &a[0], &b[0], n)
		for i := range z3 {
			if z3[i] != z1[i] {
				t.Fatalf("n %d: gate without parts differs at %d", n, i)
			}
		}
		e1, e2 := make([]float32, n+1), make([]float32, n)
		e1[n] = 7
		expAVX512(&e1[0], &a[0], n)
		expGo(e2, a)
		if e1[n] != 7 {
			t.Fatalf("n %d: expAVX512 wrote past the end", n)
		}
		for i := 0; i < n; i++ {
			if !near(e1[i], e2[i]) {
				t.Fatalf("n %d: exp(%g) asm %g twin %g", n, a[i], e1[i], e2[i])
			}
		}
	}
}

// near reports whether got is within 3e-7 relative of want, or both are
// below the normal range, where the last bits of subnormals may differ.
func near(got, want float32) bool {
	if math.Abs(float64(want)) < 1e-37 && math.Abs(float64(got)) < 1e-37 {
		return true
	}
	return relErr(got, float64(want)) <= 3e-7
}

// The AVX2 kernels against the twin, on every block shape the dispatch
// gives them.
func TestAsmAVX2Kernels(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2/FMA")
	}
	rng := rand.New(rand.NewPCG(13, 1))
	for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 31, 257} {
		for _, tr := range []bool{false, true} {
			rsa, csa := k+3, 1
			if tr {
				rsa, csa = 1, 10
			}
			a := randSlice(rng, 8*(k+3)*10)
			ldb, ldc := 64+5, 64+7
			b := randSlice(rng, k*ldb)
			c := randSlice(rng, 8*ldc)
			for _, rc := range [][2]int{{4, 64}, {4, 32}, {4, 16}, {8, 32}, {1, 64}, {1, 32}, {1, 16}} {
				rows, cols := rc[0], rc[1]
				c1, c2 := append([]float32(nil), c...), append([]float32(nil), c...)
				if rows == 1 {
					kern1AVX2(cols, k, a, csa, b, ldb, c1)
				} else {
					kern4AVX2(rows, cols, k, a, rsa, csa, b, ldb, c1, ldc)
				}
				kernGo(rows, cols, k, a, rsa, csa, b, ldb, c2, ldc)
				wd := make([]float64, len(c2))
				for i, v := range c2 {
					wd[i] = float64(v)
				}
				if err := closeTo(c1, wd, k); err != nil {
					t.Fatalf("AVX2 %d×%d k %d transposed %v: %v", rows, cols, k, tr, err)
				}
			}
		}
	}
}

func TestAsmGateRows(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(14, 1))
	for _, g := range []int{1, 5, 16, 17, 32, 40} {
		for _, rows := range []int{1, 2, 16} {
			ldab, ldz := 2*g+3, g+1
			ab := gateInputs(rng, rows*ldab+40)
			z1 := make([]float32, rows*ldz)
			for i := range z1 {
				z1[i] = 7
			}
			z2 := append([]float32(nil), z1...)
			gateRowsAVX512(&z1[0], ldz, &ab[0], ldab, rows, g)
			gateRowsGo(z2, ldz, ab, ldab, rows, g)
			for i := range z1 {
				if !near(z1[i], z2[i]) {
					t.Fatalf("g %d rows %d: z[%d] = %g, twin %g", g, rows, i, z1[i], z2[i])
				}
			}
		}
	}
}

func TestAsmBackwardVec(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(15, 1))
	for n := 1; n < 70; n++ {
		dz, th, sg := randSlice(rng, n), randSlice(rng, n), randSlice(rng, n)
		v := randSlice(rng, n)
		v[0] = 0
		if n > 1 {
			v[1] = float32(math.NaN()) // kept, as v ≤ 0 is false
		}
		pad := func(s []float32) []float32 { return append(append([]float32(nil), s...), 7) }
		da1, db1 := pad(randSlice(rng, n)), pad(randSlice(rng, n))
		da2, db2 := append([]float32(nil), da1[:n]...), append([]float32(nil), db1[:n]...)
		gateBackwardAVX512(&da1[0], &db1[0], &dz[0], &th[0], &sg[0], n)
		gateBackwardGo(da2, db2, dz, th, sg)
		d1 := pad(dz)
		d2 := append([]float32(nil), dz...)
		reluGradAVX512(&d1[0], &v[0], n)
		reluGradGo(d2, v)
		m1 := pad(make([]float32, n))
		m2 := make([]float32, n)
		mulAVX512(&m1[0], &th[0], &sg[0], n)
		mulGo(m2, th, sg)
		if da1[n] != 7 || db1[n] != 7 || d1[n] != 7 || m1[n] != 7 {
			t.Fatalf("n %d: a kernel wrote past the end", n)
		}
		for i := 0; i < n; i++ {
			if math.Abs(float64(da1[i]-da2[i])) > 1e-5 || math.Abs(float64(db1[i]-db2[i])) > 1e-5 {
				t.Fatalf("n %d, %d: gate backward asm %g %g twin %g %g", n, i, da1[i], db1[i], da2[i], db2[i])
			}
			if d1[i] != d2[i] || m1[i] != m2[i] {
				t.Fatalf("n %d, %d: relu grad %g / %g, mul %g / %g", n, i, d1[i], d2[i], m1[i], m2[i])
			}
		}
	}
}

func TestAsmGateAVX2(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2/FMA")
	}
	rng := rand.New(rand.NewPCG(16, 1))
	for n := 1; n < 70; n++ {
		a, b := gateInputs(rng, 80)[:n], gateInputs(rng, 80)[:n]
		rng.Shuffle(n, func(i, j int) { b[i], b[j] = b[j], b[i] })
		z1, t1, s1 := make([]float32, n+1), make([]float32, n+1), make([]float32, n+1)
		z1[n], t1[n], s1[n] = 7, 7, 7
		z2, t2, s2 := make([]float32, n), make([]float32, n), make([]float32, n)
		gate2(z1[:n], t1[:n], s1[:n], a, b)
		gateGo(z2, t2, s2, a, b)
		if z1[n] != 7 || t1[n] != 7 || s1[n] != 7 {
			t.Fatalf("n %d: gate2 wrote past the end", n)
		}
		for i := 0; i < n; i++ {
			if !near(z1[i], z2[i]) || !near(t1[i], t2[i]) || !near(s1[i], s2[i]) {
				t.Fatalf("n %d, %d: AVX2 (%g %g %g) twin (%g %g %g) for a %g b %g", n, i, z1[i], t1[i], s1[i], z2[i], t2[i], s2[i], a[i], b[i])
			}
		}
		z3 := make([]float32, n)
		gate2(z3, nil, nil, a, b)
		for i := range z3 {
			if z3[i] != z1[i] {
				t.Fatalf("n %d: gate2 without parts differs at %d", n, i)
			}
		}
	}
}
