package train

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// BenchmarkStep measures whole training steps (forward, backward, gradient
// sum, clipping, Adam) on batches of 4 chunks of RF−1+4000 codes, the shape
// of torch_wavenet.py's `bench --train` (train-batch 4, train-len 4000), on
// one goroutine and on two, and reports scored samples per second and per
// CPU-second of the process (which a busy machine lowers less).
func BenchmarkStep(b *testing.B) {
	for _, preset := range []string{"small", "medium"} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", preset, threads), func(b *testing.B) {
				cfg, _ := wavenet.Preset(preset)
				m, _ := wavenet.New(cfg)
				rng := rand.New(rand.NewPCG(1, 1))
				wavenet.RandomInit(m, rng)
				clips := []Clip{randomClip(rng, 30000, 256, "x")}
				d, err := NewData(clips, cfg.ReceptiveField(), 4000, true, 128)
				if err != nil {
					b.Fatal(err)
				}
				batch := make([]Chunk, 4)
				for i := range batch {
					d.Sample(&batch[i], rng)
				}
				tr := newTrainer(m, len(batch), d.RF-1+d.T, threads)
				adam := NewAdam(len(m.Params))
				step := func() {
					tr.lossAndGrad(batch)
					ClipGlobalNorm(tr.grad.Params, 1)
					adam.Update(m.Params, tr.grad.Params, 1e-3)
				}
				step()
				b.ResetTimer()
				cpu0 := processCPU()
				for b.Loop() {
					step()
				}
				samples := float64(b.N * len(batch) * d.T)
				b.ReportMetric(samples/b.Elapsed().Seconds(), "samples/s")
				if cpu := processCPU() - cpu0; cpu > 0 {
					b.ReportMetric(samples/cpu.Seconds(), "samples/cpu-s")
				}
			})
		}
	}
}
