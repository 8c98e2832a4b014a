package wavenet

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// liveHeap returns the heap bytes in use after a collection.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// within reports whether est is within 10 % of got.
func within(est, got int64) bool { return est >= got*9/10 && est <= got*11/10 }

// TestWorkspaceBytes: what a workspace holds after a forward and a backward
// pass is what WorkspaceBytes says, within 10 %.
func TestWorkspaceBytes(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		steps int // enough rows that the fixed scratch is small beside them
	}{{mustPreset(t, "small"), 300}, {mustPreset(t, "ibab"), 300}, {tinyConfig(), 5000}} {
		cfg := tc.cfg
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		RandomInit(m, rand.New(rand.NewPCG(1, 1)))
		grad := m.NewLike()
		n, steps := 2, tc.steps
		codes := make([]int32, n*steps)
		dlogits := make([]float32, n*steps*cfg.QuantizationChannels)
		before := liveHeap()
		ws := NewWorkspace(m, n, steps)
		m.Forward(ws, codes, nil)
		m.Backward(ws, dlogits, grad)
		got := liveHeap() - before
		runtime.KeepAlive(ws)
		runtime.KeepAlive(m) // and what came before, so that no collection counts against ws
		runtime.KeepAlive(grad)
		runtime.KeepAlive(codes)
		runtime.KeepAlive(dlogits)
		if est := WorkspaceBytes(cfg, n, steps); !within(est, got) {
			t.Errorf("%d layers, %d × %d codes: holds %d bytes, WorkspaceBytes says %d", len(cfg.Dilations), n, steps, got, est)
		}
	}
}

// TestGeneratorBytes: what a generator holds, for one thread and several,
// is what GeneratorBytes says, within 10 %.
func TestGeneratorBytes(t *testing.T) {
	for _, tc := range []struct {
		preset           string
		streams, threads int
	}{{"small", 1, 1}, {"small", 64, 1}, {"small", 64, 4}, {"ibab", 8, 2}} {
		cfg := mustPreset(t, tc.preset)
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		before := liveHeap()
		g := NewGenerator(m, tc.streams)
		g.SetThreads(tc.threads)
		got := liveHeap() - before
		runtime.KeepAlive(g)
		runtime.KeepAlive(m)
		if est := GeneratorBytes(cfg, tc.streams, tc.threads); !within(est, got) {
			t.Errorf("%s, %d streams on %d threads: holds %d bytes, GeneratorBytes says %d", tc.preset, tc.streams, tc.threads, got, est)
		}
	}
}

// TestEvalBytes: the evaluation workspace BitsPerSample makes (of
// evalPlan's rows) holds what EvalBytes says, within 10 %, for a clip
// shorter than a chunk and longer ones.
func TestEvalBytes(t *testing.T) {
	for _, tc := range []struct {
		preset string
		T      int
	}{{"small", 3000}, {"small", 400000}, {"ibab", 400000}} {
		cfg := mustPreset(t, tc.preset)
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, _, rows := evalPlan(cfg, tc.T)
		before := liveHeap()
		ws := newWorkspace(m, 1, rows, false)
		got := liveHeap() - before
		runtime.KeepAlive(ws)
		runtime.KeepAlive(m)
		if est := EvalBytes(cfg, tc.T); !within(est, got) {
			t.Errorf("%s, %d codes (%d rows): holds %d bytes, EvalBytes says %d", tc.preset, tc.T, rows, got, est)
		}
	}
}
