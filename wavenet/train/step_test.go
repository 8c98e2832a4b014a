package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// tinyConfig is a small model with every dimension different, K = 3 and
// W0 = 2, so that a mixed-up index shows.
func tinyConfig() wavenet.Config {
	return wavenet.Config{
		SampleRate: 16000, QuantizationChannels: 8, InputWidth: 2, FilterWidth: 3,
		Dilations: []int{1, 2, 4, 1}, ResidualChannels: 3, GateChannels: 4, SkipChannels: 5, EndChannels: 6,
	}
}

func randomClip(rng *rand.Rand, n, q int, name string) Clip {
	c := Clip{Name: name, Codes: make([]int32, n)}
	// A random walk, so there is something to learn.
	x := q / 2
	for i := range c.Codes {
		x = min(q-1, max(0, x+rng.IntN(3)-1))
		c.Codes[i] = int32(x)
	}
	c.Held = Tail(n, n-n*9/10)
	return c
}

// condConfig is tinyConfig with global (3 classes, Cg = 2) and local (Cl =
// 3 channels, hop 4) conditioning.
func condConfig() wavenet.Config {
	c := tinyConfig()
	c.GlobalClasses, c.GlobalChannels = 3, 2
	c.LocalChannels, c.LocalHop = 3, 4
	return c
}

// condClip is randomClip with class k and random frames, ⌈n/H⌉ of them,
// drawn from frng.
func condClip(rng, frng *rand.Rand, cfg wavenet.Config, n, k int, name string) Clip {
	c := randomClip(rng, n, cfg.QuantizationChannels, name)
	c.Class = k
	if cfg.LocalChannels > 0 {
		c.Frames = make([]float32, cfg.LocalChannels*((n+cfg.LocalHop-1)/cfg.LocalHop))
		for i := range c.Frames {
			c.Frames[i] = float32(frng.NormFloat64())
		}
	}
	return c
}

// TestGradientFullModel checks the batch gradient of the training path (chunk
// sampling with zero-padded starts, masked cross-entropy, per-item backward,
// the ordered sum over items on two goroutines) against central finite
// differences of the batch loss, for every parameter of a small model:
// unconditioned, and with global and local conditioning, where the chunks
// carry their clips' classes and frames at their own offsets, so the
// embedding rows of the classes drawn and the four projections of every
// layer are checked too (and must matter: some of their gradients are
// far from zero).
func TestGradientFullModel(t *testing.T) {
	for _, cfg := range []wavenet.Config{tinyConfig(), condConfig()} {
		m, err := wavenet.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		wavenet.RandomInit(m, rng)
		// The codes and chunks from an RNG of their own, and the frames
		// from another, so that both configs see the same codes.
		rng = rand.New(rand.NewPCG(1, 3))
		frng := rand.New(rand.NewPCG(1, 4))
		clips := []Clip{condClip(rng, frng, cfg, 70, 0, "a"), condClip(rng, frng, cfg, 40, 0, "b")}
		if cfg.GlobalClasses > 0 {
			clips[1].Class = 2
		}
		const T = 9
		d, err := NewData(clips, cfg.ReceptiveField(), T, true, int32(cfg.QuantizationChannels/2))
		if err != nil {
			t.Fatal(err)
		}
		batch := make([]Chunk, 4)
		for i := range batch {
			d.Sample(&batch[i], rng)
		}
		// Make sure a chunk at the very start of a clip (zero context) and
		// one well inside a clip (a non-zero offset) are in.
		d.fill(&batch[0], &clips[0], -(d.RF - 1), 1, T)
		d.fill(&batch[1], &clips[1], 2-d.RF-T, 1, 1)
		d.fill(&batch[2], &clips[0], 30, 30+d.RF, 30+d.RF+T-1)
		if batch[2].Cond.Offset != 30 {
			t.Fatalf("chunk at 30: offset %d", batch[2].Cond.Offset)
		}

		tr := newTrainer(m, len(batch), d.RF-1+T, 2)
		tr.lossAndGrad(batch)
		grad := slices.Clone(tr.grad.Params)

		const eps = 1e-3
		bad := 0
		condMoved := map[wavenet.Role]bool{}
		off := 0
		for _, ten := range m.Tensors() {
			for k := range ten.Data {
				j := off + k
				p := m.Params[j]
				hi, lo := p+float32(eps), p-float32(eps)
				m.Params[j] = hi
				lp, _ := tr.loss(batch)
				m.Params[j] = lo
				lm, _ := tr.loss(batch)
				m.Params[j] = p
				num := (lp - lm) / float64(hi-lo)
				if d := math.Abs(float64(grad[j]) - num); d > 2e-4+1e-2*math.Abs(num) {
					if bad < 10 {
						t.Errorf("%v: %s[%d]: backward %.6g, finite difference %.6g", cfg.Conditioned(), ten.Name, k, grad[j], num)
					}
					bad++
				}
				if math.Abs(num) > 1e-3 {
					condMoved[ten.Role] = true
				}
			}
			off += len(ten.Data)
		}
		if bad > 0 {
			t.Errorf("%d of %d parameters disagree", bad, len(m.Params))
		}
		if cfg.Conditioned() {
			for _, r := range []wavenet.Role{wavenet.RoleEmbedding, wavenet.RoleFilterGlobal, wavenet.RoleGateGlobal, wavenet.RoleFilterLocal, wavenet.RoleGateLocal} {
				if !condMoved[r] {
					t.Errorf("no parameter of role %d changes the loss: the conditioning does not reach it", r)
				}
			}
		}
	}
}

// TestGradientThreadIndependent checks that the batch gradient is the same,
// bit for bit, on one goroutine and on three.
func TestGradientThreadIndependent(t *testing.T) {
	cfg := tinyConfig()
	m, _ := wavenet.New(cfg)
	rng := rand.New(rand.NewPCG(3, 4))
	wavenet.RandomInit(m, rng)
	clips := []Clip{randomClip(rng, 200, cfg.QuantizationChannels, "a")}
	d, err := NewData(clips, cfg.ReceptiveField(), 20, true, 4)
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]Chunk, 5)
	for i := range batch {
		d.Sample(&batch[i], rng)
	}
	var grads [][]float32
	var losses []float64
	for _, threads := range []int{1, 3} {
		tr := newTrainer(m, len(batch), d.RF-1+d.T, threads)
		losses = append(losses, tr.lossAndGrad(batch))
		grads = append(grads, slices.Clone(tr.grad.Params))
	}
	if losses[0] != losses[1] || !slices.Equal(grads[0], grads[1]) {
		t.Errorf("1 and 3 goroutines differ: loss %v vs %v", losses[0], losses[1])
	}
}
