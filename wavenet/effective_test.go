package wavenet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// linearGate is the test double that makes every layer linear, z = the
// filter's pre-activation: df = dz, dg = 0.
func linearGate(df, dg, dz, _, _ []float32) {
	copy(df, dz)
	clear(dg)
}

// poly is a polynomial in the delay D: p[τ] multiplies x_0[t − τ].
type poly []float64

func (p poly) mul(q poly) poly {
	r := make(poly, len(p)+len(q)-1)
	for i, a := range p {
		for j, b := range q {
			r[i+j] += a * b
		}
	}
	return r
}

// taps is 1 + D^d + … + D^{d(K−1)}: a width-K conv of unit weights.
func taps(k, d int) poly {
	p := make(poly, d*(k-1)+1)
	for j := range k {
		p[j*d] = 1
	}
	return p
}

// TestEffectiveFieldLinearCounts: with R = G = 1, every filter tap and
// residual weight 1 and the gate linear (z = filter), s_i(τ) counts the
// paths from x_0[t−τ] to z_i[t]. Layer i contributes one of its K taps
// (delay 0, d_i, …, d_i(K−1)); each layer j < i is crossed by the residual
// connection (delay 0) or through its own taps, so
//
//	s_i = coefficients of (1 + D^{d_i} + … ) · Π_{j<i} (2 + D^{d_j} + …)
//
// exactly, over lags 0 … F_i − 1: the dilation-pattern count.
func TestEffectiveFieldLinearCounts(t *testing.T) {
	for _, tc := range []struct {
		k, w0 int
		d     []int
	}{
		{2, 2, []int{1, 2, 4, 8}},
		{2, 1, []int{1, 2, 1, 4, 3}}, // repeats: several patterns share a lag
		{3, 4, []int{1, 3, 2}},
	} {
		cfg := Config{SampleRate: 8000, QuantizationChannels: 11, InputWidth: tc.w0, FilterWidth: tc.k,
			Dilations: tc.d, ResidualChannels: 1, GateChannels: 1, SkipChannels: 3, EndChannels: 4}
		m := randomModel(t, cfg, 5)
		for i := range m.Layers {
			ly := &m.Layers[i]
			for j := range ly.Filter.Weight {
				ly.Filter.Weight[j] = 1
			}
			ly.Residual.Weight[0] = 1
		}
		rng := rand.New(rand.NewPCG(6, 7))
		codes := randomCodes(rng, 200, cfg.QuantizationChannels)
		pos, err := EffectivePositions(cfg, len(codes), 5)
		if err != nil {
			t.Fatal(err)
		}
		ef, err := m.effectiveField(context.Background(), codes, pos, effectiveRun{gateGrad: linearGate})
		if err != nil {
			t.Fatal(err)
		}
		below := poly{1}
		for i, d := range tc.d {
			want := taps(tc.k, d).mul(below)
			got := ef.Layers[i]
			if len(got) != len(want) || len(got) != ef.Fields[i] {
				t.Fatalf("K=%d d=%v layer %d: %d lags, field %d, want %d", tc.k, tc.d, i, len(got), ef.Fields[i], len(want))
			}
			for tau := range want {
				if got[tau] != want[tau] {
					t.Errorf("K=%d d=%v layer %d: s(%d) = %g, want %g paths", tc.k, tc.d, i, tau, got[tau], want[tau])
				}
			}
			residual := taps(tc.k, d)
			residual[0]++ // the residual connection beside tap "now"
			below = residual.mul(below)
		}
	}
}

// TestEffectiveFieldLinearRandomWeights: with random weights and linear
// gates, the Jacobian of z_i with respect to x_0 is a matrix polynomial in
// D, computed here in float64 layer by layer, X_{j+1} = X_j + Wres_j·Z_j,
// Z_j = Σ_k Wf_j[:, :, k]·D^{d_j(K−1−k)}·X_j; s_i(τ) = Σ_r |Σ_g Z_i(τ)[g, r]|.
func TestEffectiveFieldLinearRandomWeights(t *testing.T) {
	cfg := oddConfig()
	m := randomModel(t, cfg, 8)
	R, G, K := cfg.ResidualChannels, cfg.GateChannels, cfg.FilterWidth
	rng := rand.New(rand.NewPCG(9, 10))
	codes := randomCodes(rng, 120, cfg.QuantizationChannels)
	pos, err := EffectivePositions(cfg, len(codes), 3)
	if err != nil {
		t.Fatal(err)
	}
	ef, err := m.effectiveField(context.Background(), codes, pos, effectiveRun{gateGrad: linearGate})
	if err != nil {
		t.Fatal(err)
	}
	// X[τ] is (R, R): ∂x_j[·, t] / ∂x_0[·, t − τ].
	X := [][]float64{make([]float64, R*R)}
	for r := range R {
		X[0][r*R+r] = 1
	}
	for i, ly := range m.Layers {
		d := cfg.Dilations[i]
		Z := make([][]float64, len(X)+d*(K-1))
		for tau := range Z {
			Z[tau] = make([]float64, G*R)
		}
		for k := range K {
			shift := d * (K - 1 - k)
			for tau, x := range X {
				for g := range G {
					for r := range R {
						var v float64
						for q := range R {
							v += float64(ly.Filter.Weight[(g*R+q)*K+k]) * x[q*R+r]
						}
						Z[tau+shift][g*R+r] += v
					}
				}
			}
		}
		var worst float64
		for tau, z := range Z {
			var want float64
			for r := range R {
				var col float64
				for g := range G {
					col += z[g*R+r]
				}
				want += math.Abs(col)
			}
			got := ef.Layers[i][tau]
			worst = max(worst, math.Abs(got-want)/max(want, 1e-3))
		}
		if len(Z) != len(ef.Layers[i]) || worst > 1e-4 {
			t.Errorf("layer %d: %d lags (want %d), worst relative error %.2g", i, len(ef.Layers[i]), len(Z), worst)
		}
		next := make([][]float64, len(Z))
		for tau := range next {
			next[tau] = make([]float64, R*R)
			if tau < len(X) {
				copy(next[tau], X[tau])
			}
			for a := range R {
				for r := range R {
					var v float64
					for g := range G {
						v += float64(ly.Residual.Weight[a*G+g]) * Z[tau][g*R+r]
					}
					next[tau][a*R+r] += v
				}
			}
		}
		X = next
	}
}

// TestEffectiveFieldZeroBeyondField: the gradient that one seed at t sends
// back to x_0 is exactly zero outside [t − F_i + 1, t], and non-zero at both
// ends, for every layer and for the logits, with the real gates.
func TestEffectiveFieldZeroBeyondField(t *testing.T) {
	cfg := oddConfig()
	m := randomModel(t, cfg, 11)
	R, G, Q := cfg.ResidualChannels, cfg.GateChannels, cfg.QuantizationChannels
	rng := rand.New(rand.NewPCG(12, 13))
	T := 3 * cfg.ReceptiveField()
	codes := randomCodes(rng, T, Q)
	fields := inputFields(cfg)
	ws := NewWorkspace(m, 1, T)
	ws.allocBackward(cfg)
	m.Forward(ws, codes, nil)
	p := 2 * cfg.ReceptiveField()
	check := func(name string, field int) {
		t.Helper()
		for row := range T {
			var mag float64
			for _, v := range ws.dx[row*R : (row+1)*R] {
				mag += math.Abs(float64(v))
			}
			inside := row <= p && row > p-field
			if !inside && mag != 0 {
				t.Errorf("%s: gradient %g at lag %d, outside its field of %d", name, mag, p-row, field)
			}
			if (row == p || row == p-field+1) && mag == 0 {
				t.Errorf("%s: zero gradient at lag %d, inside its field of %d", name, p-row, field)
			}
		}
	}
	for i := range m.Layers {
		clear(ws.dz)
		for g := range G {
			ws.dz[p*G+g] = 1
		}
		m.backToInput(ws, i, 0, T, nil, f32.GateBackward)
		check(fmt.Sprintf("layers.%d", i), fields[i])
	}
	// The logits: any non-zero gradient at the logits of p.
	dl := make([]float32, T*Q)
	for j := range Q {
		dl[p*Q+j] = float32(rng.NormFloat64())
	}
	dskip, do1 := ws.dh, ws.do1
	clear(do1)
	m.Output2.InputGradCol(do1, dl, T, nil)
	maskPositive(do1, ws.o1)
	clear(dskip)
	m.Output1.InputGradCol(dskip, do1, T, nil)
	maskPositive(dskip, ws.h)
	clear(ws.dz)
	m.backToInput(ws, len(m.Layers)-1, 0, T, dskip, f32.GateBackward)
	check("logits", fields[len(fields)-1])
}

// refFromX0 is the spec's forward pass from x_0 (T, R) on, in float64, for
// one sequence: it returns z_i (T, G) for every layer and the log-softmax of
// the logits (T, Q).
func refFromX0(m *Model, x0 [][]float64) (z [][][]float64, logp [][]float64) {
	c := m.Config
	R, G, S, E, Q, K := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels, c.FilterWidth
	T := len(x0)
	x := x0
	skip := make([][]float64, T)
	for t := range skip {
		skip[t] = make([]float64, S)
	}
	for i, ly := range m.Layers {
		d := c.Dilations[i]
		zi := make([][]float64, T)
		next := make([][]float64, T)
		for t := range T {
			zi[t] = make([]float64, G)
			for g := range G {
				f, s := float64(ly.Filter.Bias[g]), float64(ly.Gate.Bias[g])
				for k := range K {
					src := t - d*(K-1-k)
					if src < 0 {
						continue
					}
					for r := range R {
						f += float64(ly.Filter.Weight[(g*R+r)*K+k]) * x[src][r]
						s += float64(ly.Gate.Weight[(g*R+r)*K+k]) * x[src][r]
					}
				}
				zi[t][g] = math.Tanh(f) / (1 + math.Exp(-s))
			}
			for o := range S {
				v := float64(ly.Skip.Bias[o])
				for g := range G {
					v += float64(ly.Skip.Weight[o*G+g]) * zi[t][g]
				}
				skip[t][o] += v
			}
			next[t] = make([]float64, R)
			for r := range R {
				v := x[t][r] + float64(ly.Residual.Bias[r])
				for g := range G {
					v += float64(ly.Residual.Weight[r*G+g]) * zi[t][g]
				}
				next[t][r] = v
			}
		}
		z = append(z, zi)
		x = next
	}
	logp = make([][]float64, T)
	for t := range T {
		o1 := make([]float64, E)
		for e := range E {
			v := float64(m.Output1.Bias[e])
			for s := range S {
				v += float64(m.Output1.Weight[e*S+s]) * max(skip[t][s], 0)
			}
			o1[e] = max(v, 0)
		}
		lg := make([]float64, Q)
		mx := math.Inf(-1)
		for q := range Q {
			v := float64(m.Output2.Bias[q])
			for e := range E {
				v += float64(m.Output2.Weight[q*E+e]) * o1[e]
			}
			lg[q] = v
			mx = max(mx, v)
		}
		var sum float64
		for _, v := range lg {
			sum += math.Exp(v - mx)
		}
		for q := range lg {
			lg[q] -= mx + math.Log(sum)
		}
		logp[t] = lg
	}
	return z, logp
}

// TestEffectiveFieldFiniteDifferences: at a few (layer, lag) points, and for
// the logits, s(τ) from the backward pass matches Σ_r |central difference|
// of the float64 reference forward pass from x_0, with the real gates.
func TestEffectiveFieldFiniteDifferences(t *testing.T) {
	cfg := gradConfig()
	m := randomModel(t, cfg, 14)
	for j := range m.Params {
		m.Params[j] *= 1.5 // gates away from their linear region
	}
	R, Q, W0 := cfg.ResidualChannels, cfg.QuantizationChannels, cfg.InputWidth
	rng := rand.New(rand.NewPCG(15, 16))
	rf := cfg.ReceptiveField()
	p := rf + 3
	codes := randomCodes(rng, p+2, Q)
	ef, err := m.EffectiveField(context.Background(), codes, []int{p})
	if err != nil {
		t.Fatal(err)
	}
	// x_0 from the input conv, in float64.
	x0 := make([][]float64, len(codes))
	for tt := range x0 {
		x0[tt] = make([]float64, R)
		for r := range R {
			v := float64(m.Input.Bias[r])
			for k := range W0 {
				if src := tt - (W0 - 1 - k); src >= 0 {
					v += float64(m.Input.Weight[(r*Q+int(codes[src]))*W0+k])
				}
			}
			x0[tt][r] = v
		}
	}
	const eps = 1e-5
	fd := func(tau int, f func(z [][][]float64, logp [][]float64) float64) float64 {
		var s float64
		for r := range R {
			old := x0[p-tau][r]
			x0[p-tau][r] = old + eps
			up := f(refFromX0(m, x0))
			x0[p-tau][r] = old - eps
			down := f(refFromX0(m, x0))
			x0[p-tau][r] = old
			s += math.Abs((up - down) / (2 * eps))
		}
		return s
	}
	F := ef.Fields
	L := len(F)
	for _, pt := range [][2]int{{0, 0}, {0, F[0] - 1}, {1, 2}, {2, 0}, {2, 4}, {L - 1, F[L-1] - 1}} {
		i, tau := pt[0], pt[1]
		want := fd(tau, func(z [][][]float64, _ [][]float64) float64 {
			var s float64
			for _, v := range z[i][p] {
				s += v
			}
			return s
		})
		got := ef.Layers[i][tau]
		if math.Abs(got-want) > 1e-4*max(want, 1) || want == 0 {
			t.Errorf("layer %d lag %d: backward %.7g, finite differences %.7g", i, tau, got, want)
		}
	}
	next := codes[p+1]
	for _, tau := range []int{0, 3, F[L-1] - 1} {
		want := fd(tau, func(_ [][][]float64, logp [][]float64) float64 { return logp[p][next] })
		got := ef.Logits[tau]
		if math.Abs(got-want) > 1e-4*max(want, 1) || want == 0 {
			t.Errorf("logits lag %d: backward %.7g, finite differences %.7g", tau, got, want)
		}
	}
}

// TestEffectiveFieldPassesMatchOneAtATime: positions sharing one backward
// pass (one field apart), sharing a forward pass over several passes
// (closer), or split over many forward passes give the mean of measuring
// each position on its own.
func TestEffectiveFieldPassesMatchOneAtATime(t *testing.T) {
	cfg := oddConfig()
	m := randomModel(t, cfg, 17)
	rf := cfg.ReceptiveField()
	F := inputFields(cfg)[len(cfg.Dilations)-1]
	rng := rand.New(rand.NewPCG(18, 19))
	codes := randomCodes(rng, rf+7*F, cfg.QuantizationChannels)
	apart := make([]int, 6)
	for k := range apart {
		apart[k] = rf - 1 + k*F // exactly one field apart
	}
	nearly := make([]int, 4)
	for k := range nearly {
		nearly[k] = rf - 1 + k*(F-1) // windows overlapping by one lag
	}
	closer := make([]int, 9)
	for k := range closer {
		closer[k] = rf - 1 + k*F/3
	}
	for _, tc := range []struct {
		name      string
		positions []int
		maxRows   int
		segs      int // forward passes
		passes    int // backward passes in all
	}{
		{"one field apart", apart, 0, 1, 1},
		{"a third of a field apart", closer, 0, 1, 3},
		{"one lag less than a field apart", nearly, 0, 1, 2},
		{"forward passes of two positions", apart, rf + F, 3, 3},
		{"forward passes of one position", apart, rf + F - 1, 6, 6},
	} {
		planRows := tc.maxRows
		if planRows == 0 {
			planRows = 1 << 20 // the memory budget allows far more than this clip
		}
		segs := planEffective(tc.positions, rf, F, planRows)
		passes := 0
		for _, s := range segs {
			passes += len(s.passes)
		}
		if len(segs) != tc.segs || passes != tc.passes {
			t.Errorf("%s: %d forward and %d backward passes, want %d and %d", tc.name, len(segs), passes, tc.segs, tc.passes)
		}
		got, err := m.effectiveField(context.Background(), codes, tc.positions, effectiveRun{gateGrad: f32.GateBackward, maxRows: tc.maxRows})
		if err != nil {
			t.Fatal(err)
		}
		want := &EffectiveField{Layers: make([][]float64, len(got.Layers)), Logits: make([]float64, len(got.Logits))}
		for i := range want.Layers {
			want.Layers[i] = make([]float64, len(got.Layers[i]))
		}
		for _, p := range tc.positions {
			one, err := m.EffectiveField(context.Background(), codes, []int{p})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range one.Layers {
				for tau, v := range s {
					want.Layers[i][tau] += v / float64(len(tc.positions))
				}
			}
			for tau, v := range one.Logits {
				want.Logits[tau] += v / float64(len(tc.positions))
			}
		}
		same := func(name string, a, b []float64) {
			var top float64
			for _, v := range b {
				top = max(top, v)
			}
			for tau := range b {
				if math.Abs(a[tau]-b[tau]) > 1e-5*top {
					t.Errorf("%s: %s s(%d) = %g together, %g one at a time", tc.name, name, tau, a[tau], b[tau])
					return
				}
			}
		}
		for i := range want.Layers {
			same(fmt.Sprintf("layers.%d", i), got.Layers[i], want.Layers[i])
		}
		same("logits", got.Logits, want.Logits)
	}
}

func TestEffectivePositions(t *testing.T) {
	cfg := oddConfig()
	rf := cfg.ReceptiveField()
	F := inputFields(cfg)[len(cfg.Dilations)-1]
	for _, T := range []int{rf + 1, rf + F, rf + 1 + F, 10 * rf, 1000 * rf} {
		pos, err := EffectivePositions(cfg, T, 0)
		if err != nil {
			t.Fatalf("T=%d: %v", T, err)
		}
		fit := (T-2-(rf-1))/F + 1
		if len(pos) != min(fit, maxEffectivePositions) {
			t.Errorf("T=%d: %d positions, want %d", T, len(pos), min(fit, maxEffectivePositions))
		}
		for k, p := range pos {
			if p < rf-1 || p > T-2 || (k > 0 && p-pos[k-1] < F) {
				t.Errorf("T=%d: positions %v not in [%d, %d] one field (%d) apart", T, pos, rf-1, T-2, F)
				break
			}
		}
		if segs := planEffective(pos, rf, F, 1<<30); len(pos) > 1 && len(segs[0].passes) != 1 {
			t.Errorf("T=%d: default positions need %d backward passes", T, len(segs[0].passes))
		}
	}
	if pos, err := EffectivePositions(cfg, rf+11, 1); err != nil || len(pos) != 1 || pos[0] != rf-1+5 {
		t.Errorf("one position: %v, %v; want the middle, %d", pos, err, rf-1+5)
	}
	if pos, err := EffectivePositions(cfg, rf+4, 4); err != nil || len(pos) != 4 || pos[0] != rf-1 || pos[3] != rf+2 {
		t.Errorf("every position: %v, %v", pos, err)
	}
	for _, tc := range []struct{ T, n int }{{rf, 0}, {rf, 1}, {rf + 4, 5}} {
		if _, err := EffectivePositions(cfg, tc.T, tc.n); err == nil {
			t.Errorf("T=%d, n=%d: no error", tc.T, tc.n)
		}
	}
}

func TestEffectiveFieldErrors(t *testing.T) {
	cfg := oddConfig()
	m := randomModel(t, cfg, 20)
	rf := cfg.ReceptiveField()
	codes := make([]int32, 3*rf)
	for _, pos := range [][]int{nil, {rf - 2}, {3*rf - 1}, {rf, rf}, {rf + 5, rf}} {
		if _, err := m.EffectiveField(context.Background(), codes, pos); err == nil {
			t.Errorf("positions %v: no error", pos)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.EffectiveField(ctx, codes, []int{rf}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestMassLag(t *testing.T) {
	s := []float64{4, 3, 2, 1} // total 10
	for _, tc := range []struct {
		q    float64
		want int
	}{{0.4, 1}, {0.5, 2}, {0.7, 2}, {0.9, 3}, {0.99, 4}, {1, 4}} {
		if got := MassLag(s, tc.q); got != tc.want {
			t.Errorf("MassLag(%v, %g) = %d, want %d", s, tc.q, got, tc.want)
		}
	}
	if got := MassLag([]float64{0, 0}, 0.5); got != 0 {
		t.Errorf("zero mass: %d", got)
	}
}

// BenchmarkEffectiveField measures EffectiveField on 2 s of random codes at
// the preset's rate with the default positions.
func BenchmarkEffectiveField(b *testing.B) {
	for _, name := range PresetNames() {
		b.Run(name, func(b *testing.B) {
			cfg := mustPreset(b, name)
			m := randomModel(b, cfg, 21)
			codes := randomCodes(rand.New(rand.NewPCG(22, 23)), 2*cfg.SampleRate, cfg.QuantizationChannels)
			pos, err := EffectivePositions(cfg, len(codes), 0)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := m.EffectiveField(context.Background(), codes, pos); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(pos)), "positions")
		})
	}
}
