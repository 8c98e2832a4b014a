package f32

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Training shapes of the small preset with n·t = 12000 rows: the forward
// product y = col·Wᵀ (NT), the weight gradient dW = dyᵀ·col (TN) and the
// input gradient dcol = dy·W (NN), for (In·K, Out) of the filter (64, 32),
// the skip (32, 128), output1 (128, 128) and output2 (128, 256).
var gemmShapes = []struct {
	name    string
	tA, tB  bool
	m, n, k int
}{
	{"fwd/filter", false, true, 12000, 32, 64},
	{"fwd/skip", false, true, 12000, 128, 32},
	{"fwd/out1", false, true, 12000, 128, 128},
	{"fwd/out2", false, true, 12000, 256, 128},
	{"dW/filter", true, false, 32, 64, 12000},
	{"dW/out2", true, false, 256, 128, 12000},
	{"dx/filter", false, false, 12000, 64, 32},
	{"dx/out2", false, false, 12000, 128, 256},
}

func BenchmarkGemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range gemmShapes {
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		a, bb, c := randSlice(rng, s.m*s.k), randSlice(rng, s.k*s.n), randSlice(rng, s.m*s.n)
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		b.Run(s.name+"/f32", func(b *testing.B) {
			var w Workspace
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0 := threadCPU()
			for b.Loop() {
				w.Gemm(s.tA, s.tB, s.m, s.n, s.k, a, lda, bb, ldb, c, s.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			if cpu := threadCPU() - cpu0; cpu > 0 {
				b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
			}
		})
		b.Run(s.name+"/f32x2", func(b *testing.B) {
			var w Workspace
			for b.Loop() {
				w.GemmParallel(2, s.tA, s.tB, s.m, s.n, s.k, a, lda, bb, ldb, c, s.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(s.name+"/gonum", func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0 := threadCPU()
			for b.Loop() {
				gonumGemm(s.tA, s.tB, s.m, s.n, s.k, a, lda, bb, ldb, c, s.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			if cpu := threadCPU() - cpu0; cpu > 0 {
				b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
			}
		})
	}
}

// Generation shapes: (In, Out) of the fused filter+gate tap (32, 64), the
// fused residual+skip (32, 160), output1 (128, 128) and output2 (128, 256),
// for 1 and 16 streams.
func BenchmarkPanel(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 3))
	for _, s := range [][2]int{{32, 64}, {32, 160}, {128, 128}, {128, 256}, {64, 512}, {256, 512}, {1024, 1024}} {
		in, out := s[0], s[1]
		wm := randSlice(rng, in*out)
		p := NewPanel(in, out, func(i, o int) float32 { return wm[i*out+o] })
		for _, n := range []int{1, 16} {
			x, y := randSlice(rng, n*in), randSlice(rng, n*out)
			flops := 2 * float64(n*in*out)
			b.Run(fmt.Sprintf("%dx%d/n%d/panel", in, out, n), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu0 := threadCPU()
				for b.Loop() {
					p.MulAdd(y, out, x, in, n)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				if cpu := threadCPU() - cpu0; cpu > 0 {
					b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
					b.ReportMetric(float64(4*in*out)*float64(b.N)/cpu.Seconds()/1e9, "GB/cpu-s")
				}
			})
			b.Run(fmt.Sprintf("%dx%d/n%d/gonum", in, out, n), func(b *testing.B) {
				g := blas32.General{Rows: in, Cols: out, Stride: out, Data: wm}
				for b.Loop() {
					for r := 0; r < n; r++ {
						blas32.Gemv(blas.Trans, 1, g, blas32.Vector{N: in, Inc: 1, Data: x[r*in:]}, 1, blas32.Vector{N: out, Inc: 1, Data: y[r*out:]})
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

func BenchmarkGate(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 4))
	n := 512
	a, g, z := randSlice(rng, n), randSlice(rng, n), make([]float32, n)
	b.Run("f32", func(b *testing.B) {
		for b.Loop() {
			Gate(z, a, g)
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
	})
	b.Run("math", func(b *testing.B) {
		for b.Loop() {
			for i := range z {
				z[i] = float32(math.Tanh(float64(a[i])) / (1 + math.Exp(-float64(g[i]))))
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
	})
}

// gonumGemm is C += op(A)·op(B) by gonum, the benchmarks' yardstick.
func gonumGemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	ga := blas32.General{Rows: m, Cols: k, Stride: lda, Data: a}
	if tA {
		ta, ga = blas.Trans, blas32.General{Rows: k, Cols: m, Stride: lda, Data: a}
	}
	gb := blas32.General{Rows: k, Cols: n, Stride: ldb, Data: b}
	if tB {
		tb, gb = blas.Trans, blas32.General{Rows: n, Cols: k, Stride: ldb, Data: b}
	}
	blas32.Gemm(ta, tb, 1, ga, gb, 1, blas32.General{Rows: m, Cols: n, Stride: ldc, Data: c})
}

// BenchmarkExpSum is the exponentials of sampling at temperature 1 over
// Q = 256 logits: ExpSum against the float64 math.Exp loop it replaces.
func BenchmarkExpSum(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 7))
	x := randSlice(rng, 256)
	mx := x[Argmax(x)]
	p := make([]float32, len(x))
	p64 := make([]float64, len(x))
	var sink float64
	b.Run("f32", func(b *testing.B) {
		for b.Loop() {
			sink += float64(ExpSum(p, x, mx, 1))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Msamples/s")
	})
	b.Run("math", func(b *testing.B) {
		for b.Loop() {
			var sum float64
			for j, v := range x {
				e := math.Exp(float64(v) - float64(mx))
				p64[j] = e
				sum += e
			}
			sink += sum
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Msamples/s")
	})
	_ = sink
}
