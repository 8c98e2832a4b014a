package f32

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestFloat16Bits(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		f float32
		h uint16
	}{
		{0, 0}, {float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3c00}, {-2, 0xc000}, {0.5, 0x3800}, {65504, 0x7bff}, {-65504, 0xfbff},
		{0.1, 0x2e66}, {1.0 / 3, 0x3555}, {3.140625, 0x4248},
		{1 + 0x1p-11, 0x3c00},           // a tie: to even (down)
		{1 + 3*0x1p-11, 0x3c02},         // a tie: to even (up)
		{1 + 0x1p-11 + 0x1p-20, 0x3c01}, // above the tie: up
		{65519.996, 0x7bff},             // just below the overflow tie
		{65520, 0x7c00},                 // the tie between 65504 and 2^16: to even, infinity
		{1e6, 0x7c00}, {-1e6, 0xfc00}, {inf, 0x7c00}, {-inf, 0xfc00},
		{0x1p-14, 0x0400},           // the smallest normal
		{0x1p-14 - 0x1p-24, 0x03ff}, // the largest subnormal
		{0x1p-14 - 0x1p-25, 0x0400}, // a tie at the boundary: to even (up, into the normals)
		{0x1p-24, 0x0001},           // the smallest subnormal
		{0x1p-25, 0},                // a tie: to even, zero
		{-0x1p-25, 0x8000},
		{0x1p-25 + 0x1p-40, 0x0001}, // above the tie
		{3 * 0x1p-25, 0x0002},       // a tie: to even (up)
		{5 * 0x1p-25, 0x0002},       // a tie: to even (down)
		{0x1p-30, 0}, {1e-45, 0},    // far below, and a float32 subnormal
		{0x1.8p-20, 0x0018},
	} {
		if got := Float16Bits(c.f); got != c.h {
			t.Errorf("Float16Bits(%g) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	if h := Float16Bits(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x3ff == 0 || h&0x200 == 0 {
		t.Errorf("Float16Bits(NaN) = %#04x, want a quiet NaN", h)
	}
}

// Every float16 widens exactly and comes back; every float32 goes to the
// nearest float16, ties to the even one.
func TestFloat16RoundTrip(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := Float16frombits(uint16(h))
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			if f == f {
				t.Fatalf("Float16frombits(%#04x) = %g, want NaN", h, f)
			}
			continue
		}
		if back := Float16Bits(f); back != uint16(h) {
			t.Fatalf("Float16Bits(Float16frombits(%#04x) = %g) = %#04x", h, f, back)
		}
		// The value, independently: (−1)^s · 2^(e−15) · (1 + m/1024), or
		// the subnormal 2^−14 · m/1024.
		s, e, m := h>>15, h>>10&0x1f, h&0x3ff
		want := math.Ldexp(1+float64(m)/1024, e-15)
		if e == 0 {
			want = math.Ldexp(float64(m)/1024, -14)
		} else if e == 31 {
			want = math.Inf(1)
		}
		if s == 1 {
			want = -want
		}
		if float64(f) != want || math.Signbit(float64(f)) != (s == 1) {
			t.Fatalf("Float16frombits(%#04x) = %g, want %g", h, f, want)
		}
	}
	rng := rand.New(rand.NewPCG(32, 1))
	for i := 0; i < 200000; i++ {
		f := math.Float32frombits(rng.Uint32())
		switch i % 4 {
		case 1:
			f = float32(rng.NormFloat64() * 100)
		case 2:
			f = float32(math.Ldexp(rng.Float64(), -14-rng.IntN(12))) // the subnormals
		case 3: // a midpoint between two float16s
			h := uint16(rng.IntN(0x7bff))
			f = float32((float64(Float16frombits(h)) + float64(Float16frombits(h+1))) / 2)
		}
		if f != f {
			continue
		}
		h := Float16Bits(f)
		if math.Abs(float64(f)) >= 65520 { // rounds past 65504: overflows
			if h&0x7fff != 0x7c00 {
				t.Fatalf("Float16Bits(%g) = %#04x, want an infinity", f, h)
			}
			continue
		}
		got := float64(Float16frombits(h))
		d := math.Abs(got - float64(f))
		for _, nb := range []uint16{h - 1, h + 1} {
			if nb&0x7fff > 0x7c00 || (nb^h)&0x8000 != 0 {
				continue // past the infinity, or across zero
			}
			dn := math.Abs(float64(Float16frombits(nb)) - float64(f))
			if dn < d || (dn == d && h&1 == 1) {
				t.Fatalf("Float16Bits(%g) = %#04x (%g), but %#04x (%g) is nearer or even", f, h, got, nb, Float16frombits(nb))
			}
		}
	}
}

func TestPanelF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 1))
	for _, in := range []int{1, 5, 33} {
		for _, out := range []int{1, 7, 16, 32, 48, 80, 160} {
			wm := randSlice(rng, in*out)
			p := NewPanelF16(in, out, func(i, o int) float32 { return wm[i*out+o] })
			if !p.F16() {
				t.Fatal("NewPanelF16 made a float32 panel")
			}
			wide := make([]float32, in*out)
			for i := 0; i < in; i++ {
				for o := 0; o < out; o++ {
					wide[i*out+o] = Float16frombits(Float16Bits(wm[i*out+o]))
					if p.At(i, o) != wide[i*out+o] {
						t.Fatalf("At(%d, %d) = %g, want %g", i, o, p.At(i, o), wide[i*out+o])
					}
				}
			}
			for _, n := range []int{1, 2, 6, 16} {
				ldx, ldy := in+2, out+1
				x, y := randSlice(rng, n*ldx), randSlice(rng, n*ldy)
				want := naiveGemm(false, false, n, out, in, x, ldx, wide, out, y, ldy)
				p.MulAdd(y, ldy, x, ldx, n)
				if err := closeTo(y, want, in); err != nil {
					t.Fatalf("in %d out %d n %d: %v", in, out, n, err)
				}
			}
		}
	}
}
