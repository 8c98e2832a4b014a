package wavenet

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestFastStepMatchesReference: the kernel step gives the reference step's
// logits (both from the same weights and codes), for several stream counts,
// on the odd config and on small.
func TestFastStepMatchesReference(t *testing.T) {
	small, err := Preset("small")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		cfg     Config
		streams int
		steps   int
	}{
		{"odd/1", oddConfig(), 1, 300},
		{"odd/5", oddConfig(), 5, 300},
		{"small/1", small, 1, 1100},
		{"small/16", small, 16, 300},
		// No past taps at all (K = 1, W0 = 1).
		{"k1/2", Config{SampleRate: 8000, QuantizationChannels: 19, InputWidth: 1, FilterWidth: 1,
			Dilations: []int{1, 4}, ResidualChannels: 7, GateChannels: 3, SkipChannels: 5, EndChannels: 6}, 2, 100},
		// Three past taps per layer, dilations above the block of 16 and
		// wide channels (64-, 32- and 16-wide chunks, 8-row strips).
		{"k4/9", Config{SampleRate: 8000, QuantizationChannels: 70, InputWidth: 3, FilterWidth: 4,
			Dilations: []int{20, 1, 33}, ResidualChannels: 48, GateChannels: 56, SkipChannels: 112, EndChannels: 40}, 9, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := randomModel(t, tc.cfg, 7)
			Q, N := tc.cfg.QuantizationChannels, tc.streams
			ref := newRefStep(m, N)
			w := packModel(m, WeightsF32)
			fast := w.newState(N, nil)
			rng := rand.New(rand.NewPCG(8, 9))
			in := make([]int32, N)
			var worst float64
			for step := 0; step < tc.steps; step++ {
				for s := range in {
					in[s] = int32(rng.IntN(Q))
				}
				want := ref.step(in)
				got := w.step(fast, in)
				for i, w := range want {
					worst = max(worst, math.Abs(float64(got[i])-float64(w)))
				}
			}
			if worst > 1e-4 || math.IsNaN(worst) {
				t.Errorf("max |fast − reference| = %g, want ≤ 1e-4", worst)
			}
			t.Logf("max |fast − reference| = %.3g over %d steps", worst, tc.steps)
		})
	}
}

// BenchmarkStep times cached greedy generation per preset and stream
// count, on the kernel step with float32 weights ("fast") and float16 ones
// ("fast16"), and on the reference step ("plain").
// samples/s counts every stream's samples.
func BenchmarkStep(b *testing.B) {
	for _, preset := range []string{"small", "medium", "ibab"} {
		cfg, err := Preset(preset)
		if err != nil {
			b.Fatal(err)
		}
		m := randomModel(b, cfg, 1)
		for _, n := range []int{1, 16} {
			for _, kind := range []string{"fast", "fast16", "plain"} {
				b.Run(fmt.Sprintf("%s/streams=%d/%s", preset, n, kind), func(b *testing.B) {
					g := newRefStep(m, n)
					weights := WeightsF32
					if kind == "fast16" {
						weights = WeightsF16
					}
					w := packModel(m, weights)
					fs := w.newState(n, nil)
					codes := make([]int32, n)
					for s := range codes {
						codes[s] = int32(cfg.QuantizationChannels / 2)
					}
					b.ReportAllocs()
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					cpu0 := threadCPU()
					for b.Loop() {
						var logits []float32
						if kind != "plain" {
							logits = w.step(fs, codes)
						} else {
							logits = g.step(codes)
						}
						Q := cfg.QuantizationChannels
						for s := range codes {
							codes[s] = int32(argmax(logits[s*Q : (s+1)*Q]))
						}
					}
					b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
					if cpu := threadCPU() - cpu0; cpu > 0 {
						b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "samples/cpu-s")
					}
				})
			}
		}
	}
}

// TestGenerateThreads: Generate on several goroutines draws the codes that
// it draws on one, greedy and sampled, and continues the same afterwards.
func TestGenerateThreads(t *testing.T) {
	m := randomModel(t, oddConfig(), 3)
	const N, steps = 5, 150 // more than two blocks, with a partial one
	run := func(threads int, temperature float64) []int32 {
		g := NewGenerator(m, N)
		g.SetThreads(threads)
		g.Prime([]int32{1, 2, 3})
		rng := rand.New(rand.NewPCG(4, 4))
		var got []int32
		emit := func(c []int32) error { got = append(got, c...); return nil }
		if err := g.Generate(steps, temperature, rng, emit); err != nil {
			t.Fatal(err)
		}
		// Step after Generate continues each stream's history.
		logits := g.Step(got[len(got)-N:])
		for s := range N {
			got = append(got, int32(argmax(logits[s*m.Config.QuantizationChannels:(s+1)*m.Config.QuantizationChannels])))
		}
		return got
	}
	for _, temp := range []float64{0, 1} {
		want := run(1, temp)
		for _, threads := range []int{2, 3, 8} {
			got := run(threads, temp)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("temperature %v, %d threads: code %d (step %d, stream %d) = %d, want %d",
						temp, threads, i, i/N, i%N, got[i], want[i])
				}
			}
		}
	}
}

// BenchmarkGenerateThreads times greedy Generate of 16 small streams on
// both cores, the multi-stream row.
func BenchmarkGenerateThreads(b *testing.B) {
	cfg, _ := Preset("small")
	m := randomModel(b, cfg, 1)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("small/streams=16/threads=%d", threads), func(b *testing.B) {
			const N = 16
			g := NewGenerator(m, N)
			g.SetThreads(threads)
			emit := func([]int32) error { return nil }
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			if err := g.Generate(b.N, 0, nil, emit); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N*N)/b.Elapsed().Seconds(), "samples/s")
			if cpu := processCPU() - cpu0; cpu > 0 {
				// CPU time of all threads: the rate one core sustains.
				b.ReportMetric(float64(b.N*N)/cpu.Seconds(), "samples/cpu-s")
			}
		})
	}
}

// TestGenerateThreadsEmitError: an error from emit stops a parallel
// Generate, which returns it after its goroutines have finished.
func TestGenerateThreadsEmitError(t *testing.T) {
	m := randomModel(t, oddConfig(), 3)
	g := NewGenerator(m, 4)
	g.SetThreads(2)
	stop := errors.New("stop")
	for _, at := range []int{1, 63, 64, 65, 300} {
		calls := 0
		err := g.Generate(1000, 0, nil, func([]int32) error {
			calls++
			if calls == at {
				return stop
			}
			return nil
		})
		if err != stop || calls != at {
			t.Fatalf("stop at %d: Generate returned %v after %d calls", at, err, calls)
		}
	}
	// The generator still works afterwards.
	if err := g.Generate(10, 0, nil, func([]int32) error { return nil }); err != nil {
		t.Fatal(err)
	}
}

// TestSetThreadsSharesWeights: the parts of a Generator read one packed
// copy of the weights, so SetThreads allocates run state only: for two
// streams of ibab on two threads, far less than a copy of the weights.
func TestSetThreadsSharesWeights(t *testing.T) {
	cfg, err := Preset("ibab")
	if err != nil {
		t.Fatal(err)
	}
	m := randomModel(t, cfg, 1)
	g := NewGenerator(m, 2)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g.SetThreads(2)
	runtime.ReadMemStats(&after)
	weights := 4 * ParamCount(cfg)
	got := after.TotalAlloc - before.TotalAlloc
	t.Logf("SetThreads(2) allocated %d bytes; the weights take %d", got, weights)
	if got > uint64(weights/2) {
		t.Errorf("SetThreads(2) allocated %d bytes, more than half the weights' %d: does it pack them again?", got, weights)
	}
}
