package f32

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// naiveGemm is C += op(A)·op(B) in float64, the reference for Gemm.
func naiveGemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) []float64 {
	out := make([]float64, len(c))
	for i, v := range c {
		out[i] = float64(v)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if tA {
					ai = p*lda + i
				}
				if tB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
			}
			out[i*ldc+j] += s
		}
	}
	return out
}

// closeTo reports the first element of got farther than tol·(1 + √k) from
// want, scaled for sums of k unit-variance products.
func closeTo(got []float32, want []float64, k int) error {
	tol := 2e-6 * (1 + math.Sqrt(float64(k))) * math.Sqrt(float64(k))
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); d > tol || math.IsNaN(d) {
			return fmt.Errorf("element %d = %g, want %g (tol %g)", i, got[i], w, tol)
		}
	}
	return nil
}

func TestKernGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, rows := range []int{1, 3, 4} {
		for _, cols := range []int{1, 16, 17, 64} {
			for _, k := range []int{1, 2, 7, 300} {
				a, b := randSlice(rng, rows*k), randSlice(rng, k*cols)
				c := randSlice(rng, rows*cols)
				want := naiveGemm(false, false, rows, cols, k, a, k, b, cols, c, cols)
				kernGo(rows, cols, k, a, k, 1, b, cols, c, cols)
				if err := closeTo(c, want, k); err != nil {
					t.Fatalf("rows %d cols %d k %d: %v", rows, cols, k, err)
				}
			}
		}
	}
}

func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	var w Workspace
	sizes := []int{1, 3, 4, 5, 15, 16, 17, 63, 64, 65, 130}
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			for _, m := range sizes {
				for _, n := range sizes {
					for _, k := range []int{1, 2, 17, 300, 600} {
						if m*n*k > 2e6 {
							continue
						}
						// Strides a little larger than needed.
						lda, ldb, ldc := k+1, n+3, n+2
						if tA {
							lda = m + 1
						}
						if tB {
							ldb = k + 3
						}
						a := randSlice(rng, lda*max(m, k))
						b := randSlice(rng, ldb*max(n, k))
						c := randSlice(rng, ldc*m)
						want := naiveGemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
						w.Gemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
						if err := closeTo(c, want, k); err != nil {
							t.Fatalf("tA %v tB %v m %d n %d k %d: %v", tA, tB, m, n, k, err)
						}
					}
				}
			}
		}
	}
}

func TestGemmParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	var w Workspace
	for _, s := range [][3]int{{1000, 64, 64}, {32, 256, 1000}, {8, 40, 3000}, {203, 77, 129}} {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				lda, ldb := k, n
				if tA {
					lda = m
				}
				if tB {
					ldb = k
				}
				a, b, c := randSlice(rng, m*k), randSlice(rng, k*n), randSlice(rng, m*n)
				want := naiveGemm(tA, tB, m, n, k, a, lda, b, ldb, c, n)
				w.GemmParallel(2, tA, tB, m, n, k, a, lda, b, ldb, c, n)
				if err := closeTo(c, want, k); err != nil {
					t.Fatalf("%v tA %v tB %v: %v", s, tA, tB, err)
				}
			}
		}
	}
}

func TestPanel(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 1))
	for _, in := range []int{1, 5, 32, 64, 129} {
		for _, out := range []int{1, 7, 16, 32, 64, 80, 100, 160, 256} {
			wm := randSlice(rng, in*out)
			p := NewPanel(in, out, func(i, o int) float32 { return wm[i*out+o] })
			for i := 0; i < in; i++ {
				for o := 0; o < out; o++ {
					if p.At(i, o) != wm[i*out+o] {
						t.Fatalf("in %d out %d: At(%d, %d) = %g, want %g", in, out, i, o, p.At(i, o), wm[i*out+o])
					}
				}
			}
			for _, n := range []int{1, 2, 4, 5, 16} {
				ldx, ldy := in+2, out+1
				x := randSlice(rng, n*ldx)
				y := randSlice(rng, n*ldy)
				want := naiveGemm(false, false, n, out, in, x, ldx, wm, out, y, ldy)
				p.MulAdd(y, ldy, x, ldx, n)
				if err := closeTo(y, want, in); err != nil {
					t.Fatalf("in %d out %d n %d: %v", in, out, n, err)
				}
			}
		}
	}
}

// gateInputs covers the knee of tanh, tiny, huge and infinite arguments.
func gateInputs(rng *rand.Rand, n int) []float32 {
	x := randSlice(rng, n)
	special := []float32{0, 1e-30, -1e-20, 1e-7, -1e-4, 0.3, 0.6249, 0.625, -0.625, 0.6251, 1, -3, 8.99, 9, 9.01, 20, -44, 87, -87, 88, 89, -89, 100, -1000,
		float32(math.Inf(1)), float32(math.Inf(-1))}
	copy(x, special)
	for i := len(special); i < n; i += 3 {
		x[i] *= 6 // the interesting range of tanh and σ
	}
	return x
}

func relErr(got float32, want float64) float64 {
	if want == 0 {
		return math.Abs(float64(got))
	}
	return math.Abs(float64(got)-want) / math.Abs(want)
}

func TestGate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	for _, n := range []int{0, 1, 15, 16, 17, 100, 1000} {
		a, b := gateInputs(rng, max(n, 30)), gateInputs(rng, max(n, 30))
		rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		a, b = a[:n], b[:n]
		z, th, sg := make([]float32, n), make([]float32, n), make([]float32, n)
		GateParts(z, th, sg, a, b)
		z2 := make([]float32, n)
		Gate(z2, a, b)
		for i := range z {
			wt := math.Tanh(float64(a[i]))
			ws := 1 / (1 + math.Exp(-float64(b[i])))
			if float64(b[i]) < -88 {
				ws = 1 / (1 + math.Exp(88)) // the clamp of exp
			}
			if e := relErr(th[i], wt); e > 1e-6 {
				t.Errorf("tanh(%g) = %g, want %g (rel %g)", a[i], th[i], wt, e)
			}
			if e := relErr(sg[i], ws); e > 1e-6 {
				t.Errorf("σ(%g) = %g, want %g (rel %g)", b[i], sg[i], ws, e)
			}
			if e := relErr(z[i], wt*ws); e > 2e-6 && math.Abs(wt*ws) > 1e-37 {
				t.Errorf("gate(%g, %g) = %g, want %g (rel %g)", a[i], b[i], z[i], wt*ws, e)
			}
			if z2[i] != z[i] {
				t.Errorf("Gate and GateParts differ at %d: %g, %g", i, z2[i], z[i])
			}
		}
	}
}

func TestExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	for _, n := range []int{1, 16, 33, 500} {
		x := gateInputs(rng, max(n, 30))[:n]
		for i := range x {
			x[i] *= 4
		}
		d := make([]float32, n)
		Exp(d, x)
		for i, v := range x {
			c := min(max(float64(v), -87), 88)
			if e := relErr(d[i], math.Exp(c)); e > 2e-7 {
				t.Errorf("exp(%g) = %g, want %g (rel %g)", v, d[i], math.Exp(c), e)
			}
		}
	}
}

func TestGateBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	n := 50
	a, b, dz := randSlice(rng, n), randSlice(rng, n), randSlice(rng, n)
	z, th, sg := make([]float32, n), make([]float32, n), make([]float32, n)
	GateParts(z, th, sg, a, b)
	da, db := make([]float32, n), make([]float32, n)
	GateBackward(da, db, dz, th, sg)
	f := func(x, y float64) float64 { return math.Tanh(x) / (1 + math.Exp(-y)) }
	for i := range a {
		x, y, h := float64(a[i]), float64(b[i]), 1e-6
		wa := float64(dz[i]) * (f(x+h, y) - f(x-h, y)) / (2 * h)
		wb := float64(dz[i]) * (f(x, y+h) - f(x, y-h)) / (2 * h)
		if math.Abs(float64(da[i])-wa) > 1e-5 || math.Abs(float64(db[i])-wb) > 1e-5 {
			t.Errorf("%d: da, db = %g, %g; finite differences %g, %g", i, da[i], db[i], wa, wb)
		}
	}
}

func TestArgmaxRelu(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for n := 1; n < 70; n++ {
		for trial := 0; trial < 20; trial++ {
			x := randSlice(rng, n)
			switch trial {
			case 1: // ties: the first one wins
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
			}
			if got, want := Argmax(x), argmaxGo(x); got != want {
				t.Fatalf("n %d trial %d: Argmax = %d, twin %d (%v)", n, trial, got, want, x)
			}
			// The twin against its own definition: no value above the winner,
			// none equal before it.
			w := argmaxGo(x)
			for j, v := range x {
				if v > x[w] || (j < w && v == x[w]) {
					t.Fatalf("n %d trial %d: argmaxGo = %d but x[%d] = %g", n, trial, w, j, v)
				}
			}
			d := make([]float32, n+1)
			d[n] = 7
			Relu(d[:n], x)
			for j, v := range x {
				want := max(v, 0)
				if d[j] != want && !(v != v && d[j] != d[j]) {
					t.Fatalf("relu(%g) = %g", v, d[j])
				}
			}
			if d[n] != 7 {
				t.Fatal("Relu wrote past the end")
			}
		}
	}
}

func TestSumRowsAddRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1))
	for _, rows := range []int{1, 3, 4, 5, 9, 100} {
		for _, cols := range []int{1, 15, 16, 17, 32, 33, 130} {
			x := randSlice(rng, rows*cols)
			b := randSlice(rng, cols+1)
			d1 := append([]float32(nil), b...)
			d2 := append([]float32(nil), b...)
			SumRows(d1[:cols], x, rows, cols)
			sumRowsGo(d2[:cols], x, rows, cols, cols)
			for j := range d1 {
				if math.Abs(float64(d1[j]-d2[j])) > 1e-5*float64(rows) {
					t.Fatalf("SumRows %d×%d: [%d] = %g, twin %g", rows, cols, j, d1[j], d2[j])
				}
			}
			if d1[cols] != b[cols] {
				t.Fatalf("SumRows %d×%d wrote past cols", rows, cols)
			}
			y1 := append(randSlice(rng, rows*cols), 7)
			y2 := append([]float32(nil), y1...)
			AddRow(y1[:rows*cols], b, rows, cols)
			addRowGo(y2[:rows*cols], b, rows, cols, cols)
			for i := range y1 {
				if y1[i] != y2[i] {
					t.Fatalf("AddRow %d×%d: [%d] = %g, twin %g", rows, cols, i, y1[i], y2[i])
				}
			}
		}
	}
}

func TestExpSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 1))
	for _, n := range []int{1, 7, 16, 33, 256} {
		x := randSlice(rng, n)
		for i := range x {
			x[i] *= 5
		}
		mx := x[Argmax(x)]
		for _, temp := range []float64{1, 0.5, 2} {
			p := make([]float32, n)
			sum := ExpSum(p, x, mx, float32(1/temp))
			var want float64
			for i, v := range x {
				w := math.Exp(float64((v - mx) * float32(1/temp)))
				want += w
				if e := relErr(p[i], w); e > 3e-7 && w > 1e-37 {
					t.Errorf("n %d T %g: p[%d] = %g, want %g", n, temp, i, p[i], w)
				}
			}
			if e := relErr(sum, want); e > 1e-6 {
				t.Errorf("n %d T %g: sum %g, want %g (rel %g)", n, temp, sum, want, e)
			}
		}
	}
}
