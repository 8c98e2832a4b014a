package f32

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// gemmFromRef is GemmFrom by its definition, on the twins: C set to From
// (or cleared), Gemm, then the bias added to every row.
func gemmFromRef(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, from []float32, ldfrom int, bias []float32) {
	for i := range m {
		for j := range n {
			v := float32(0)
			if from != nil {
				v = from[i*ldfrom+j]
			}
			c[i*ldc+j] = v
		}
	}
	var w Workspace
	w.gemm(isaGo, tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if bias != nil {
		addRowGo(c, bias, m, n, ldc)
	}
}

// TestBitsGemmFrom: GemmFrom on every isa this CPU runs (and on two
// goroutines) gives the bits of its definition for every start (none, one
// row for all, another matrix, C itself) with and without a bias, over
// shapes that cut k into blocks and leave partial strips and columns.
func TestBitsGemmFrom(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 1))
	isas := []isa{isaGo, isaAVX2, isaAVX512}
	for trial := range 300 {
		m := []int{1, 2, 3, 4, 5, 6, 7, 10, 12, 13, 25, 50}[rng.IntN(12)]
		n := []int{1, 8, 15, 16, 17, 32, 33, 48, 64, 70}[rng.IntN(10)]
		k := []int{1, 2, 7, 16, 64, 256, 300, 600}[rng.IntN(8)]
		tA, tB := rng.IntN(2) == 1, rng.IntN(2) == 1
		mode, withBias := trial%4, trial/4%2 == 1
		lda, ldb, ldc := k+rng.IntN(3), n+rng.IntN(3), n+rng.IntN(3)
		if tA {
			lda = m + rng.IntN(3)
		}
		if tB {
			ldb = k + rng.IntN(3)
		}
		a, b := randSlice(rng, m*k+3*k+3*m+9), randSlice(rng, k*n+3*k+3*n+9)
		c0 := randSlice(rng, m*ldc)
		var from []float32
		ldfrom := 0
		switch mode {
		case 1: // one row for all (a bias)
			from = randSlice(rng, n)
		case 2: // another matrix
			ldfrom = n + 1
			from = randSlice(rng, m*ldfrom)
		}
		var bias []float32
		if withBias {
			bias = randSlice(rng, n)
		}
		want := clone(c0)
		f, ldf := from, ldfrom
		if mode == 3 { // C itself
			f, ldf = want, ldc
		}
		gemmFromRef(tA, tB, m, n, k, a, lda, b, ldb, want, ldc, f, ldf, bias)
		name := fmt.Sprintf("trial %d: %d×%d×%d tA %v tB %v start %d bias %v", trial, m, n, k, tA, tB, mode, withBias)
		for _, ci := range isas {
			if ci > cpuISA {
				continue
			}
			got := clone(c0)
			f, ldf := from, ldfrom
			if mode == 3 {
				f, ldf = got, ldc
			}
			var w Workspace
			w.gemmFrom(ci, tA, tB, m, n, k, a, lda, b, ldb, got, ldc, f, ldf, bias)
			if err := diffBits(got, want); err != nil {
				t.Fatalf("%s on %s: %v", name, ci, err)
			}
		}
		got := clone(c0)
		if mode == 3 {
			f, ldf = got, ldc
		} else {
			f, ldf = from, ldfrom
		}
		var w Workspace
		w.GemmFrom(2, tA, tB, m, n, k, a, lda, b, ldb, got, ldc, f, ldf, bias)
		if err := diffBits(got, want); err != nil {
			t.Fatalf("%s, GemmFrom on 2 goroutines: %v", name, err)
		}
	}
	if cpuISA < isaAVX512 {
		t.Logf("this CPU or build runs %s at best: the isas above it are untested here", cpuISA)
	}
}
