package audio

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPreEmphasisValues: the filter's first samples by hand, in place and
// into a new slice; α = 0 is the identity, bit for bit.
func TestPreEmphasisValues(t *testing.T) {
	x := []float32{0.5, -0.25, 1, 0}
	want := []float32{0.5, float32(-0.25 - 0.5*0.5), float32(1 + 0.5*0.25), -0.5}
	got := PreEmphasize(nil, x, 0.5)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("PreEmphasize(…, 0.5)[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	same := PreEmphasize(x, x, 0.5)
	for i := range want {
		if same[i] != want[i] {
			t.Errorf("in place [%d] = %v, want %v", i, same[i], want[i])
		}
	}
	y := []float32{0.1, -0.7, 0.3}
	if id := PreEmphasize(nil, y, 0); id[0] != y[0] || id[1] != y[1] || id[2] != y[2] {
		t.Errorf("α = 0 changed %v into %v", y, id)
	}
}

// TestDeemphasisInverts: de-emphasis undoes pre-emphasis to float32
// rounding, the same whether the stream comes whole or in pieces, and it
// continues from the sample it is given.
func TestDeemphasisInverts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	x := make([]float32, 5000)
	for i := range x {
		x[i] = float32(0.6*math.Sin(float64(i)*0.05) + 0.1*rng.NormFloat64())
	}
	for _, alpha := range []float64{0, 0.5, 0.85, 0.95} {
		e := PreEmphasize(nil, x, alpha)
		whole := append([]float32(nil), e...)
		NewDeemphasis(alpha, 0).Apply(whole)
		worst := 0.0
		for i := range x {
			worst = max(worst, math.Abs(float64(whole[i]-x[i])))
		}
		if worst > 1e-5 {
			t.Errorf("α = %v: de-emphasis of the pre-emphasis is %g from the signal", alpha, worst)
		}
		pieces := append([]float32(nil), e...)
		d := NewDeemphasis(alpha, 0)
		for lo := 0; lo < len(pieces); lo += 333 {
			d.Apply(pieces[lo:min(lo+333, len(pieces))])
		}
		for i := range whole {
			if pieces[i] != whole[i] {
				t.Fatalf("α = %v: in pieces, sample %d = %v; whole, %v", alpha, i, pieces[i], whole[i])
			}
		}
		// A continuation from sample 2999: the rest of the signal.
		rest := PreEmphasize(nil, x, alpha)[3000:]
		NewDeemphasis(alpha, x[2999]).Apply(rest)
		for i, v := range rest {
			if math.Abs(float64(v-x[3000+i])) > 1e-5 {
				t.Fatalf("α = %v: continued from sample 2999, sample %d = %v, want %v", alpha, 3000+i, v, x[3000+i])
			}
		}
	}
}

// TestCheckEmphasis: coefficients outside [0, 1) are refused, and the
// filters panic on them.
func TestCheckEmphasis(t *testing.T) {
	for _, a := range []float64{-0.1, 1, 1.5, math.NaN(), math.Inf(1)} {
		if CheckEmphasis(a) == nil {
			t.Errorf("CheckEmphasis(%v) = nil", a)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("PreEmphasize with α = %v did not panic", a)
				}
			}()
			PreEmphasize(nil, []float32{1}, a)
		}()
	}
	for _, a := range []float64{0, 0.85, 0.999} {
		if err := CheckEmphasis(a); err != nil {
			t.Errorf("CheckEmphasis(%v) = %v", a, err)
		}
	}
}
