package causal

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wavenet-go/wavenet-go/causal/f32"
)

func randomConv(rng *rand.Rand, in, out, width, dilation int) *Conv {
	c := &Conv{In: in, Out: out, Width: width, Dilation: dilation,
		Weight: make([]float32, out*in*width), Bias: make([]float32, out)}
	fillRandom(rng, c.Weight)
	fillRandom(rng, c.Bias)
	return c
}

func zeroLike(c *Conv) *Conv {
	return &Conv{In: c.In, Out: c.Out, Width: c.Width, Dilation: c.Dilation,
		Weight: make([]float32, len(c.Weight)), Bias: make([]float32, len(c.Bias))}
}

func fillRandom(rng *rand.Rand, v []float32) []float32 {
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// reference is the conv's definition as a direct loop, in float64:
// y[t, o] = b[o] + Σ_i Σ_k W[o, i, k]·x[t − d·(K−1−k), i], zero before t = 0.
func reference(c *Conv, x []float32, n, t int) []float64 {
	y := make([]float64, n*t*c.Out)
	for s := range n {
		for tt := range t {
			for o := range c.Out {
				acc := float64(c.Bias[o])
				for i := range c.In {
					for k := range c.Width {
						src := tt - c.Dilation*(c.Width-1-k)
						if src >= 0 {
							acc += float64(c.Weight[(o*c.In+i)*c.Width+k]) * float64(x[(s*t+src)*c.In+i])
						}
					}
				}
				y[(s*t+tt)*c.Out+o] = acc
			}
		}
	}
	return y
}

type convCase struct{ in, out, width, dilation, n, t int }

func randomCases(rng *rand.Rand, count int) []convCase {
	cases := []convCase{{1, 1, 1, 1, 1, 1}, {3, 2, 2, 1, 1, 5}, {2, 3, 3, 4, 2, 6}, {4, 5, 2, 9, 1, 7}}
	for range count {
		cases = append(cases, convCase{
			in: 1 + rng.IntN(6), out: 1 + rng.IntN(6), width: 1 + rng.IntN(4),
			dilation: 1 + rng.IntN(5), n: 1 + rng.IntN(3), t: 1 + rng.IntN(25),
		})
	}
	return cases
}

func (cc convCase) String() string {
	return fmt.Sprintf("in%d_out%d_K%d_d%d_n%d_t%d", cc.in, cc.out, cc.width, cc.dilation, cc.n, cc.t)
}

func TestForwardMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cc := range randomCases(rng, 40) {
		c := randomConv(rng, cc.in, cc.out, cc.width, cc.dilation)
		x := fillRandom(rng, make([]float32, cc.n*cc.t*cc.in))
		y := make([]float32, cc.n*cc.t*cc.out)
		c.Forward(y, x, cc.n, cc.t, nil)
		want := reference(c, x, cc.n, cc.t)
		for j := range y {
			if math.Abs(float64(y[j])-want[j]) > 1e-5*(1+math.Abs(want[j])) {
				t.Fatalf("%v: y[%d] = %g, want %g", cc, j, y[j], want[j])
			}
		}
		// A reused, over-long col buffer gives the same result.
		col := fillRandom(rng, make([]float32, c.ColSize(cc.n, cc.t)+7))
		y2 := fillRandom(rng, make([]float32, len(y)))
		c.Forward(y2, x, cc.n, cc.t, col)
		for j := range y {
			if y2[j] != y[j] {
				t.Fatalf("%v: result depends on the col buffer's old contents", cc)
			}
		}
	}
}

// TestCausality: changing x at time t0 changes no output before t0, in its
// own sequence or any other, and does change the output at t0 (tap K−1).
func TestCausality(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := randomConv(rng, 3, 4, 3, 2)
	n, T := 2, 12
	x := fillRandom(rng, make([]float32, n*T*3))
	y0 := make([]float32, n*T*4)
	c.Forward(y0, x, n, T, nil)
	for _, t0 := range []int{0, 1, 4, 7, 11} {
		x2 := append([]float32(nil), x...)
		for i := range 3 {
			x2[(1*T+t0)*3+i] += 1 // sequence 1
		}
		y := make([]float32, len(y0))
		c.Forward(y, x2, n, T, nil)
		for tt := range T {
			for o := range 4 {
				j0, j1 := (0*T+tt)*4+o, (1*T+tt)*4+o
				if y[j0] != y0[j0] {
					t.Errorf("t0=%d: sequence 0 changed at t=%d", t0, tt)
				}
				if tt < t0 && y[j1] != y0[j1] {
					t.Errorf("t0=%d: output at t=%d < t0 changed", t0, tt)
				}
			}
		}
		if same := y[(T+t0)*4] == y0[(T+t0)*4]; same {
			t.Errorf("t0=%d: the output at t0 did not change", t0)
		}
	}
}

// TestBackwardFiniteDifferences checks dx, dW and dB of the loss
// L = Σ r ⊙ y (so dy = r) against central differences, every element.
func TestBackwardFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, cc := range randomCases(rng, 15) {
		c := randomConv(rng, cc.in, cc.out, cc.width, cc.dilation)
		x := fillRandom(rng, make([]float32, cc.n*cc.t*cc.in))
		r := fillRandom(rng, make([]float32, cc.n*cc.t*cc.out))
		loss := func() float64 {
			y := make([]float32, len(r))
			c.Forward(y, x, cc.n, cc.t, nil)
			var s float64
			for j := range y {
				s += float64(y[j]) * float64(r[j])
			}
			return s
		}
		grad := zeroLike(c)
		dx := make([]float32, len(x))
		// Accumulation: start from non-zero values and subtract them after.
		fillRandom(rng, grad.Weight)
		fillRandom(rng, grad.Bias)
		fillRandom(rng, dx)
		w0 := append([]float32(nil), grad.Weight...)
		b0 := append([]float32(nil), grad.Bias...)
		x0 := append([]float32(nil), dx...)
		c.Backward(dx, grad, r, x, cc.n, cc.t, nil)
		check := func(name string, p []float32, g, g0 []float32) {
			const eps = 1e-2
			for j := range p {
				old := p[j]
				p[j] = old + eps
				up := loss()
				p[j] = old - eps
				down := loss()
				p[j] = old
				fd := (up - down) / (2 * eps)
				an := float64(g[j] - g0[j])
				if math.Abs(fd-an) > 2e-3*(1+math.Abs(fd)) {
					t.Fatalf("%v: %s[%d]: backward %g, finite difference %g", cc, name, j, an, fd)
				}
			}
		}
		check("x", x, dx, x0)
		check("W", c.Weight, grad.Weight, w0)
		check("b", c.Bias, grad.Bias, b0)

		// dx == nil skips the input gradient but still accumulates W and b.
		g2 := zeroLike(c)
		c.Backward(nil, g2, r, x, cc.n, cc.t, nil)
		for j := range g2.Weight {
			if math.Abs(float64(g2.Weight[j]-(grad.Weight[j]-w0[j]))) > 1e-4 {
				t.Fatalf("%v: Backward(nil, …) weight gradient differs", cc)
			}
		}
	}
}

func oneHot(codes []int32, q int) []float32 {
	x := make([]float32, len(codes)*q)
	for r, c := range codes {
		x[r*q+int(c)] = 1
	}
	return x
}

// TestOneHot: the gather forms equal Forward/Backward on the explicit one-hot
// input.
func TestOneHot(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, cc := range randomCases(rng, 20) {
		q := cc.in + 1
		c := randomConv(rng, q, cc.out, cc.width, cc.dilation)
		codes := make([]int32, cc.n*cc.t)
		for j := range codes {
			codes[j] = int32(rng.IntN(q))
		}
		x := oneHot(codes, q)
		want := make([]float32, cc.n*cc.t*cc.out)
		c.Forward(want, x, cc.n, cc.t, nil)
		got := make([]float32, len(want))
		c.ForwardOneHot(got, codes, cc.n, cc.t, nil)
		for j := range got {
			if math.Abs(float64(got[j]-want[j])) > 1e-5*(1+math.Abs(float64(want[j]))) {
				t.Fatalf("%v: ForwardOneHot[%d] = %g, want %g", cc, j, got[j], want[j])
			}
		}
		dy := fillRandom(rng, make([]float32, len(want)))
		g1, g2 := zeroLike(c), zeroLike(c)
		c.Backward(nil, g1, dy, x, cc.n, cc.t, nil)
		c.BackwardOneHot(g2, dy, codes, cc.n, cc.t)
		for j := range g1.Weight {
			if math.Abs(float64(g1.Weight[j]-g2.Weight[j])) > 1e-4 {
				t.Fatalf("%v: BackwardOneHot weight[%d] = %g, want %g", cc, j, g2.Weight[j], g1.Weight[j])
			}
		}
		for j := range g1.Bias {
			if math.Abs(float64(g1.Bias[j]-g2.Bias[j])) > 1e-4 {
				t.Fatalf("%v: BackwardOneHot bias[%d] = %g, want %g", cc, j, g2.Bias[j], g1.Bias[j])
			}
		}
	}
}

func TestOneHotRejectsBadCodes(t *testing.T) {
	c := randomConv(rand.New(rand.NewPCG(1, 1)), 4, 2, 2, 1)
	for _, bad := range []int32{-1, 4} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("code %d accepted", bad)
				}
			}()
			c.ForwardOneHot(make([]float32, 4), []int32{0, bad}, 1, 2, nil)
		}()
	}
}

func BenchmarkForward(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	c := randomConv(rng, 32, 32, 2, 64)
	n, T := 4, 4000
	x := fillRandom(rng, make([]float32, n*T*32))
	y := make([]float32, n*T*32)
	col := make([]float32, c.ColSize(n, T))
	b.ResetTimer()
	for b.Loop() {
		c.Forward(y, x, n, T, col)
	}
	b.ReportMetric(float64(b.N*n*T)/b.Elapsed().Seconds(), "samples/s")
}

// TestIm2ColWidth2: the Width 2 loops of Im2Col and Col2Im give the bits of
// the loops for any width (Col2Im's additions in the same order), on
// dilations below, at and past the sequence length.
func TestIm2ColWidth2(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2))
	for _, cs := range []struct{ in, d, n, t int }{{1, 1, 1, 1}, {3, 1, 2, 5}, {32, 4, 1, 40}, {5, 7, 3, 7}, {4, 9, 2, 6}, {64, 512, 1, 600},
		{1, 8, 1, 30}, {3, 3, 2, 20}, {2, 3, 1, 11}, {9, 1, 2, 13}, {32, 1, 1, 9}} {
		c := randomConv(rng, cs.in, 3, 2, cs.d)
		x := fillRandom(rng, make([]float32, cs.n*cs.t*cs.in))
		size := c.ColSize(cs.n, cs.t)
		got := c.Im2Col(fillRandom(rng, make([]float32, size)), x, cs.n, cs.t)
		want := fillRandom(rng, make([]float32, size))
		c.im2colAny(want, x, cs.n, cs.t)
		dcol := fillRandom(rng, make([]float32, size))
		dx0 := fillRandom(rng, make([]float32, len(x)))
		dx1 := append([]float32(nil), dx0...)
		c.Col2Im(dx0, dcol, cs.n, cs.t)
		c.col2imAny(dx1, dcol, cs.n, cs.t)
		for _, p := range []struct {
			name      string
			got, want []float32
		}{{"Im2Col", got, want}, {"Col2Im", dx0, dx1}} {
			for j := range p.want {
				if math.Float32bits(p.got[j]) != math.Float32bits(p.want[j]) {
					t.Fatalf("%+v: %s [%d] = %v, want %v", cs, p.name, j, p.got[j], p.want[j])
				}
			}
		}
	}
}

// BenchmarkIm2Col is Im2Col and Col2Im on a small layer's input, 5000 steps
// of 32 channels at dilation 64.
func BenchmarkIm2Col(b *testing.B) {
	rng := rand.New(rand.NewPCG(16, 3))
	c := randomConv(rng, 32, 32, 2, 64)
	const t = 5000
	x := fillRandom(rng, make([]float32, t*32))
	col := make([]float32, c.ColSize(1, t))
	b.Run("Im2Col", func(b *testing.B) {
		for b.Loop() {
			c.Im2Col(col, x, 1, t)
		}
		b.ReportMetric(float64(len(col))*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gvalues/s")
	})
	b.Run("Col2Im", func(b *testing.B) {
		for b.Loop() {
			c.Col2Im(x, col, 1, t)
		}
		b.ReportMetric(float64(len(col))*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gvalues/s")
	})
}

// TestFusedColProducts: ForwardCol, ForwardColFrom (onto another matrix
// and onto y itself) and SetInputGradCol give the bits of the passes they
// fuse: the bias copied into every row then AddCol; from copied, AddCol,
// adding the bias to every row; a cleared dcol, then InputGradCol.
func TestFusedColProducts(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 4))
	for _, cs := range []struct{ in, out, width, rows int }{{1, 1, 1, 1}, {3, 5, 2, 7}, {32, 32, 2, 50}, {32, 128, 1, 45}, {64, 19, 2, 13}} {
		c := randomConv(rng, cs.in, cs.out, cs.width, 3)
		iw, rows := cs.in*cs.width, cs.rows
		col := fillRandom(rng, make([]float32, rows*iw))
		from := fillRandom(rng, make([]float32, rows*cs.out))
		g := &Gemm{}
		same := func(name string, got, want []float32) {
			t.Helper()
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("%+v: %s [%d] = %v, want %v", cs, name, j, got[j], want[j])
				}
			}
		}
		want := make([]float32, rows*cs.out)
		for r := range rows {
			copy(want[r*cs.out:], c.Bias)
		}
		c.AddCol(want, col, rows, g)
		got := fillRandom(rng, make([]float32, rows*cs.out))
		c.ForwardCol(got, col, rows, g)
		same("ForwardCol", got, want)

		want = append([]float32(nil), from...)
		c.AddCol(want, col, rows, g)
		f32.AddRow(want, c.Bias, rows, c.Out)
		c.ForwardColFrom(got, from, col, rows, g)
		same("ForwardColFrom", got, want)
		onto := append([]float32(nil), from...)
		c.ForwardColFrom(onto, onto, col, rows, g)
		same("ForwardColFrom onto itself", onto, want)

		dy := fillRandom(rng, make([]float32, rows*cs.out))
		wantD := make([]float32, rows*iw)
		c.InputGradCol(wantD, dy, rows, g)
		gotD := fillRandom(rng, make([]float32, rows*iw))
		c.SetInputGradCol(gotD, dy, rows, g)
		same("SetInputGradCol", gotD, wantD)
	}
}

// scatterOneHot is BackwardOneHot as a direct scatter-add into grad's
// weight layout, row by row: the order BackwardOneHotPacked must keep.
func scatterOneHot(c, grad *Conv, dy []float32, codes []int32, n, t int) {
	for s := range n {
		for tt := range t {
			dr := dy[(s*t+tt)*c.Out : (s*t+tt+1)*c.Out]
			for o, v := range dr {
				grad.Bias[o] += v
			}
			for k := range c.Width {
				src := tt - c.Dilation*(c.Width-1-k)
				if src < 0 {
					continue
				}
				for o, v := range dr {
					grad.Weight[(o*c.In+int(codes[s*t+src]))*c.Width+k] += v
				}
			}
		}
	}
}

// TestBackwardOneHotPackedBits: the packed scatter gives the bits of the
// direct one onto a gradient that already holds values, with its scratch
// fresh and reused.
func TestBackwardOneHotPackedBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 5))
	var packed []float32
	for _, cc := range []convCase{{256, 32, 2, 1, 1, 300}, {7, 5, 3, 2, 2, 20}, {9, 4, 1, 1, 3, 11}, {256, 64, 2, 1, 1, 50}} {
		c := randomConv(rng, cc.in, cc.out, cc.width, cc.dilation)
		codes := make([]int32, cc.n*cc.t)
		for i := range codes {
			codes[i] = int32(rng.IntN(cc.in))
		}
		dy := fillRandom(rng, make([]float32, cc.n*cc.t*cc.out))
		g1 := randomConv(rng, cc.in, cc.out, cc.width, cc.dilation)
		g2 := &Conv{In: g1.In, Out: g1.Out, Width: g1.Width, Dilation: g1.Dilation,
			Weight: append([]float32(nil), g1.Weight...), Bias: append([]float32(nil), g1.Bias...)}
		scatterOneHot(c, g1, dy, codes, cc.n, cc.t)
		packed = c.BackwardOneHotPacked(g2, dy, codes, cc.n, cc.t, packed)
		for j := range g1.Weight {
			if math.Float32bits(g1.Weight[j]) != math.Float32bits(g2.Weight[j]) {
				t.Fatalf("%v: weight[%d] = %v, want %v", cc, j, g2.Weight[j], g1.Weight[j])
			}
		}
		for j := range g1.Bias {
			if math.Float32bits(g1.Bias[j]) != math.Float32bits(g2.Bias[j]) {
				t.Fatalf("%v: bias[%d] = %v, want %v", cc, j, g2.Bias[j], g1.Bias[j])
			}
		}
	}
}
