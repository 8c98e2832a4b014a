package wavenet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestForwardFromBitIdentical: ForwardFrom(from) and the Backward after it
// give the logits of positions from on and every gradient bit for bit as
// Forward and Backward over all positions do, for a loss that scores only
// positions from on (targets −1 before). Cases: the small preset, the odd
// config, the gradient config, each conditioned globally, locally and both
// (frames running out, several runs per sequence); N = 1 and N = 3; from 0,
// a from that clamps the lower layers at 0, one past the receptive field,
// the last position and t itself (nothing scored); one and two threads (the
// small preset only two: N = 1 unconditioned, N = 3 with both); and
// gradients accumulated onto a gradient that already holds values.
func TestForwardFromBitIdentical(t *testing.T) {
	small, _ := Preset("small")
	type tc struct {
		name string
		cfg  Config
		N, T int
	}
	var cases []tc
	for _, b := range []struct {
		name string
		cfg  Config
		T    int
	}{{"small", small, 0}, {"odd", oddConfig(), 90}, {"grad", gradConfig(), 40}} {
		T := b.T
		if T == 0 {
			T = b.cfg.ReceptiveField() + 60
		}
		for _, g := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			if b.name == "small" && g != [2]bool{false, false} && g != [2]bool{true, true} {
				continue // keep the big model's cases few
			}
			cfg := condConfig(b.cfg, g[0], g[1])
			for _, N := range []int{1, 3} {
				if b.name == "small" && (N == 1) == g[0] {
					continue // small: N = 1 unconditioned, N = 3 conditioned
				}
				cases = append(cases, tc{b.name + condName(g[0], g[1]) + fmt.Sprintf("/N=%d", N), cfg, N, T})
			}
		}
	}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := randomModel(t, c.cfg, uint64(ci+1))
			rng := rand.New(rand.NewPCG(uint64(ci), 5))
			Q := c.cfg.QuantizationChannels
			N, T := c.N, c.T
			codes := randomCodes(rng, N*T, Q)
			conds := randomConds(rng, c.cfg, N, T)
			for s := range conds {
				conds[s].Offset = 3 * s
			}
			rf := c.cfg.ReceptiveField()
			for _, from := range []int{0, min(2, T-1), rf - 1, T - 1, T} {
				for _, threads := range []int{1, 2} {
					if c.cfg.QuantizationChannels == 256 && threads == 1 {
						continue // the big model once, on two threads
					}
					targets := randomCodes(rng, N*T, Q)
					for s := range N {
						for p := range from {
							targets[s*T+p] = -1
						}
					}
					full, fullLoss, fullGrad := forwardBackwardFrom(m, N, T, threads, codes, conds, targets, -1)
					part, partLoss, partGrad := forwardBackwardFrom(m, N, T, threads, codes, conds, targets, from)
					if math.Float64bits(fullLoss) != math.Float64bits(partLoss) {
						t.Fatalf("from %d, %d threads: loss %v, want %v", from, threads, partLoss, fullLoss)
					}
					for s := range N {
						for p := range T {
							for j := range Q {
								i := (s*T+p)*Q + j
								want := full[i]
								if p < from {
									want = 0
								}
								if math.Float32bits(part[i]) != math.Float32bits(want) {
									t.Fatalf("from %d, %d threads: logit [%d, %d, %d] = %v, want %v", from, threads, s, p, j, part[i], want)
								}
							}
						}
					}
					fg, pg := fullGrad.Tensors(), partGrad.Tensors()
					for k := range fg {
						for j := range fg[k].Data {
							if math.Float32bits(fg[k].Data[j]) != math.Float32bits(pg[k].Data[j]) {
								t.Fatalf("from %d, %d threads: gradient of %s [%d] = %v, want %v", from, threads, fg[k].Name, j, pg[k].Data[j], fg[k].Data[j])
							}
						}
					}
				}
			}
		})
	}
}

// forwardBackwardFrom runs ForwardFrom(from) (Forward when from < 0),
// CrossEntropy and Backward twice into one gradient (the second time onto
// the first's values) and returns the logits, the loss and the gradient.
func forwardBackwardFrom(m *Model, n, t, threads int, codes []int32, conds []Cond, targets []int32, from int) ([]float32, float64, *Model) {
	ws := NewWorkspace(m, n, t)
	ws.Threads = threads
	grad := m.NewLike()
	dl := make([]float32, n*t*m.Config.QuantizationChannels)
	var logits []float32
	var loss float64
	for range 2 {
		if from < 0 {
			logits = m.Forward(ws, codes, conds)
		} else {
			logits = m.ForwardFrom(ws, codes, conds, from)
		}
		loss = CrossEntropy(dl, logits, targets, m.Config.QuantizationChannels)
		m.Backward(ws, dl, grad)
	}
	return append([]float32(nil), logits...), loss, grad
}

// BenchmarkForwardBackwardChunk reports training throughput (scored
// samples/s) on one training chunk at train's default shape: RF−1 positions
// of context, then 2000 scored, on one thread; "full" computes every
// position (Forward), "from" only what the scored ones reach (ForwardFrom).
func BenchmarkForwardBackwardChunk(b *testing.B) {
	for _, preset := range []string{"small", "medium"} {
		for _, mode := range []string{"full", "from"} {
			b.Run(preset+"/"+mode, func(b *testing.B) {
				cfg, _ := Preset(preset)
				m := randomModel(b, cfg, 1)
				ctx, T := cfg.ReceptiveField()-1, 2000
				rng := rand.New(rand.NewPCG(1, 1))
				codes := randomCodes(rng, ctx+T, cfg.QuantizationChannels)
				targets := randomCodes(rng, ctx+T, cfg.QuantizationChannels)
				for p := range ctx {
					targets[p] = -1
				}
				ws := NewWorkspace(m, 1, ctx+T)
				grad := m.NewLike()
				dl := make([]float32, (ctx+T)*cfg.QuantizationChannels)
				from := ctx
				if mode == "full" {
					from = 0
				}
				for b.Loop() {
					logits := m.ForwardFrom(ws, codes, nil, from)
					CrossEntropy(dl, logits, targets, cfg.QuantizationChannels)
					m.Backward(ws, dl, grad)
				}
				b.ReportMetric(float64(b.N*T)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}
