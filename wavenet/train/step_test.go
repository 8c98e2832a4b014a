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
	c.Split = n * 9 / 10
	return c
}

// TestGradientFullModel checks the batch gradient of the training path (chunk
// sampling with zero-padded starts, masked cross-entropy, per-item backward,
// the ordered sum over items on two goroutines) against central finite
// differences of the batch loss, for every parameter of a small model.
func TestGradientFullModel(t *testing.T) {
	cfg := tinyConfig()
	m, err := wavenet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	wavenet.RandomInit(m, rng)
	clips := []Clip{randomClip(rng, 70, cfg.QuantizationChannels, "a"), randomClip(rng, 40, cfg.QuantizationChannels, "b")}
	const T = 9
	d, err := NewData(clips, cfg.ReceptiveField(), T, true, int32(cfg.QuantizationChannels/2))
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]Chunk, 4)
	for i := range batch {
		d.Sample(&batch[i], rng)
	}
	// Make sure a chunk at the very start of a clip (zero context) is in.
	d.fill(&batch[0], clips[0].Codes, -(d.RF - 1), 1, T)
	d.fill(&batch[1], clips[1].Codes, 2-d.RF-T, 1, 1)

	tr := newTrainer(m, len(batch), d.RF-1+T, 2)
	tr.lossAndGrad(batch)
	grad := slices.Clone(tr.grad.Params)

	const eps = 1e-3
	bad := 0
	for j := range m.Params {
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
				t.Errorf("param %d: backward %.6g, finite difference %.6g", j, grad[j], num)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d parameters disagree", bad, len(m.Params))
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
