package train

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// BenchmarkStep measures one training step (forward, backward, gradient sum;
// no optimizer) on batches of 4 chunks of RF−1+2000 codes, the reference
// recipe, and reports scored samples per second.
func BenchmarkStep(b *testing.B) {
	for _, preset := range []string{"small", "medium"} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", preset, threads), func(b *testing.B) {
				cfg, _ := wavenet.Preset(preset)
				m, _ := wavenet.New(cfg)
				rng := rand.New(rand.NewPCG(1, 1))
				wavenet.RandomInit(m, rng)
				clips := []Clip{randomClip(rng, 30000, 256, "x")}
				d, err := NewData(clips, cfg.ReceptiveField(), 2000, true, 128)
				if err != nil {
					b.Fatal(err)
				}
				batch := make([]Chunk, 4)
				for i := range batch {
					d.Sample(&batch[i], rng)
				}
				tr := newTrainer(m, len(batch), d.RF-1+d.T, threads)
				tr.lossAndGrad(batch)
				b.ResetTimer()
				for b.Loop() {
					tr.lossAndGrad(batch)
				}
				b.ReportMetric(float64(b.N*len(batch)*d.T)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}
