package f32

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkChain is the bare chain of one-row Panel products of a cached
// step, as ../shared/bench/floor.c runs it: per layer the filter|gate
// product over both taps (2R → 2G) and the residual|skip one (G → R+S),
// then the head (S → E, E → Q); all panels one after another in one
// arena. No gate, no ring, no sampling: the matrix-vector floor of a
// sample, for the presets small, medium and ibab, with float32 weights
// (f32) and float16 ones (f16; floor.c's mode 1).
func BenchmarkChain(b *testing.B) {
	for _, c := range []struct {
		name             string
		L, R, G, S, E, Q int
	}{
		{"small", 10, 32, 32, 128, 128, 256},
		{"medium", 20, 64, 64, 256, 256, 256},
		{"ibab", 50, 32, 32, 512, 512, 256},
	} {
		rng := rand.New(rand.NewPCG(1, 5))
		type mv struct {
			p    *Panel
			x, y []float32
		}
		var shapes [][2]int
		for range c.L {
			shapes = append(shapes, [2]int{2 * c.R, 2 * c.G}, [2]int{c.G, c.R + c.S})
		}
		shapes = append(shapes, [2]int{c.S, c.E}, [2]int{c.E, c.Q})
		size := 0
		for _, s := range shapes {
			size += PanelSize(s[0], s[1])
		}
		for _, half := range []bool{false, true} {
			arena, arena16 := make([]float32, size), make([]uint16, size)
			var chain []mv
			macs := 0
			for _, s := range shapes {
				in, out := s[0], s[1]
				n := PanelSize(in, out)
				at := func(i, o int) float32 { return float32(rng.NormFloat64()) * 0.05 }
				p := NewPanelIn(arena[:n], in, out, at)
				if half {
					p = NewPanelF16In(arena16[:n], in, out, at)
				}
				arena, arena16 = arena[n:], arena16[n:]
				chain = append(chain, mv{p, randSlice(rng, in), make([]float32, out)})
				macs += in * out
			}
			name := c.name + "/f32"
			if half {
				name = c.name + "/f16"
			}
			b.Run(name, func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu0 := threadCPU()
				for b.Loop() {
					for _, m := range chain {
						m.p.MulAdd(m.y, m.p.Out, m.x, m.p.In, 1)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "samples/s")
				if cpu := threadCPU() - cpu0; cpu > 0 {
					b.ReportMetric(float64(b.N)/cpu.Seconds(), "samples/cpu-s")
					b.ReportMetric(2*float64(macs)*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
				}
			})
		}
	}
}

// BenchmarkVec runs the element-wise loops of training on one layer's
// worth of values.
func BenchmarkVec(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 6))
	rows, cols := 1000, 128
	n := rows * cols
	x, y, z, w := randSlice(rng, n), randSlice(rng, n), randSlice(rng, n), randSlice(rng, n)
	row := randSlice(rng, cols)
	for _, k := range []struct {
		name string
		f    func()
	}{
		{"SumRows", func() { SumRows(row, x, rows, cols) }},
		{"AddRow", func() { AddRow(y, row, rows, cols) }},
		{"Exp", func() { Exp(z, x) }},
		{"Relu", func() { Relu(z, x) }},
		{"ReluGrad", func() { ReluGrad(z, x) }},
		{"Mul", func() { Mul(z, x, y) }},
		{"GateParts", func() { GateParts(z, w, y, x, x) }},
		{"GateBackward", func() { GateBackward(z, w, x, y, x) }},
	} {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				k.f()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
		})
	}
	b.Run(fmt.Sprintf("Argmax%d", 256), func(b *testing.B) {
		v := x[:256]
		for b.Loop() {
			Argmax(v)
		}
		b.ReportMetric(256*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
	})
}
