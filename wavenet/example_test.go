package wavenet_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// A model scores a clip of μ-law codes, trains on it through Forward,
// CrossEntropy and Backward, and generates from a prime.
func Example() {
	cfg, _ := wavenet.Preset("small")
	m, _ := wavenet.New(cfg)
	wavenet.RandomInit(m, rand.New(rand.NewPCG(1, 2)))

	codes := make([]int32, 3000) // 16 kHz μ-law codes, here a ramp
	for i := range codes {
		codes[i] = int32(i % 256)
	}
	fmt.Println("bits per sample under random weights > 7:", m.BitsPerSample(codes, wavenet.Cond{}) > 7)

	// One gradient: inputs codes[0..T−1], targets codes[1..T].
	T := len(codes) - 1
	ws := wavenet.NewWorkspace(m, 1, T)
	logits := m.Forward(ws, codes[:T], nil)
	dlogits := make([]float32, len(logits))
	wavenet.CrossEntropy(dlogits, logits, codes[1:], cfg.QuantizationChannels)
	grad := m.NewLike()
	m.Backward(ws, dlogits, grad)

	// Two streams, greedy, after a prime of 100 codes.
	g := wavenet.NewGenerator(m, 2)
	g.Prime(codes[:100])
	var n int
	g.Generate(50, 0, nil, func(c []int32) error { n += len(c); return nil })
	fmt.Println("generated codes:", n)
	// Output:
	// bits per sample under random weights > 7: true
	// generated codes: 100
}
