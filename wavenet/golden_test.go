package wavenet

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
)

// goldenDir holds model files and vectors exported by the PyTorch reference;
// its README says how they were made.
const goldenDir = "../testdata/golden"

// golden is one case's vectors, as the reference computed them.
type golden struct {
	Config          json.RawMessage `json:"config"`
	Codes           []int32         `json:"codes"`
	LogitsPositions []int           `json:"logits_positions"`
	Logits          [][]float32     `json:"logits"` // per position, (Q)
	NLLBits         float64         `json:"nll_bits"`
	GreedyPrimeLen  int             `json:"greedy_prime_len"`
	Greedy          []int32         `json:"greedy"`
}

// TestGoldenPyTorch checks the engine against the PyTorch reference on the
// files it exported: the file loads, the full forward pass gives the same
// logits within 1e-4, the whole-clip NLL agrees within 1e-4 bits, greedy
// generation after a 64-code prime gives the same 400 codes, and a model
// written back by Encode reads back bit for bit.
func TestGoldenPyTorch(t *testing.T) {
	for _, name := range []string{"small", "odd"} {
		t.Run(name, func(t *testing.T) {
			m, _, err := Load(filepath.Join(goldenDir, name+".safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(goldenDir, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var g golden
			if err := json.Unmarshal(raw, &g); err != nil {
				t.Fatal(err)
			}
			cfg, err := ParseConfig(g.Config)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.JSON() != m.Config.JSON() {
				t.Fatalf("file config %s, vectors' config %s", m.Config.JSON(), cfg.JSON())
			}
			Q := cfg.QuantizationChannels

			// Full forward pass over the whole clip.
			T := len(g.Codes)
			logits := m.Forward(NewWorkspace(m, 1, T), g.Codes, nil)
			var worst float64
			worstAt := -1
			for i, p := range g.LogitsPositions {
				for j, want := range g.Logits[i] {
					if d := math.Abs(float64(logits[p*Q+j] - want)); d > worst || d != d {
						worst, worstAt = d, p
					}
				}
			}
			t.Logf("max |logit - PyTorch| = %.3g over %d positions (worst at %d)", worst, len(g.LogitsPositions), worstAt)
			if !(worst <= 1e-4) {
				t.Errorf("logits differ from PyTorch by %g at position %d, want ≤ 1e-4", worst, worstAt)
			}

			// Whole-clip NLL.
			bits := m.BitsPerSample(g.Codes, Cond{})
			t.Logf("NLL %.6f bits, PyTorch %.6f: diff %.3g", bits, g.NLLBits, bits-g.NLLBits)
			if d := math.Abs(bits - g.NLLBits); !(d <= 1e-4) {
				t.Errorf("NLL %.7f bits, PyTorch %.7f, want within 1e-4", bits, g.NLLBits)
			}

			// Greedy generation, on two streams at once.
			gen := NewGenerator(m, 2)
			gen.Prime(g.Codes[:g.GreedyPrimeLen])
			var got [2][]int32
			err = gen.Generate(len(g.Greedy), 0, nil, func(c []int32) error {
				got[0], got[1] = append(got[0], c[0]), append(got[1], c[1])
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for s := range got {
				for i := range g.Greedy {
					if got[s][i] != g.Greedy[i] {
						t.Errorf("stream %d: greedy code %d is %d, PyTorch %d", s, i, got[s][i], g.Greedy[i])
						break
					}
				}
			}

			// Writing the model back gives a file that reads back the same.
			var b bytes.Buffer
			if err := m.Encode(&b, Metadata{}); err != nil {
				t.Fatal(err)
			}
			m2, _, err := Decode(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if !sameBits(m2.Params, m.Params) {
				t.Error("Encode then Decode changed the parameters")
			}
		})
	}
}

// goldenCond is the conditioned case's vectors: the reference's export-cond
// JSON (cond.json) and the greedy codes per class (cond.classes.json).
type goldenCond struct {
	ClassID        int       `json:"class_id"`
	NLLBits        float64   `json:"nll_bits"`
	NLLBitsByClass []float64 `json:"nll_bits_by_class"`
	Samples        int       `json:"samples"`
	Frames         int       `json:"frames"`
	Hop            int       `json:"hop"`
	Codes          []int32   `json:"codes"`
	GreedyPrimeLen int       `json:"greedy_prime_len"`
	Greedy         []int32   `json:"greedy"` // of class ClassID
	LogitsLast     []float32 `json:"logits_last"`

	GreedyByClass [][]int32 `json:"greedy_by_class"`
}

// TestGoldenPyTorchCond checks the engine against the PyTorch reference on
// the globally and locally conditioned model of its export-cond (small, 3
// classes of 8 channels, 80 log-mel bands at a hop of 125): the whole-clip
// NLL of each class with the clip's frames within 1e-4 bits, the last
// logits of class 1 within 1e-4, and greedy generation of every class at
// once (one stream per class, on one thread and on two), past the last
// frame for its last 564 steps, code for code.
func TestGoldenPyTorchCond(t *testing.T) {
	m, _, err := Load(filepath.Join(goldenDir, "cond.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenCond
	for _, name := range []string{"cond.json", "cond.classes.json"} {
		raw, err := os.ReadFile(filepath.Join(goldenDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &g); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	cfg := m.Config
	frames, bands, F, err := audio.ReadNpy(filepath.Join(goldenDir, "cond.mel.npy"))
	if err != nil {
		t.Fatal(err)
	}
	N := cfg.GlobalClasses
	if N != 3 || bands != cfg.LocalChannels || F != g.Frames || cfg.LocalHop != g.Hop || len(g.Codes) != g.Samples ||
		len(g.NLLBitsByClass) != N || len(g.GreedyByClass) != N {
		t.Fatalf("the vectors do not fit the model: %s, frames %d×%d, %+v", cfg.JSON(), bands, F, g.Frames)
	}
	Q := cfg.QuantizationChannels
	cond := func(k int) Cond { return Cond{Class: k, Frames: frames} }
	for k := range N {
		if err := cond(k).Check(cfg); err != nil {
			t.Fatal(err)
		}
		bits := m.BitsPerSample(g.Codes, cond(k))
		t.Logf("class %d: NLL %.6f bits, PyTorch %.6f: diff %.3g", k, bits, g.NLLBitsByClass[k], bits-g.NLLBitsByClass[k])
		if d := math.Abs(bits - g.NLLBitsByClass[k]); !(d <= 1e-4) {
			t.Errorf("class %d: NLL %.7f bits, PyTorch %.7f, want within 1e-4", k, bits, g.NLLBitsByClass[k])
		}
	}
	if g.NLLBits != g.NLLBitsByClass[g.ClassID] {
		t.Errorf("nll_bits %v is not class %d's %v", g.NLLBits, g.ClassID, g.NLLBitsByClass[g.ClassID])
	}

	T := len(g.Codes)
	logits := m.Forward(NewWorkspace(m, 1, T), g.Codes, []Cond{cond(g.ClassID)})
	var worst float64
	for j, want := range g.LogitsLast {
		worst = max(worst, math.Abs(float64(logits[(T-1)*Q+j]-want)))
	}
	t.Logf("max |last logits − PyTorch| = %.3g", worst)
	if !(worst <= 1e-4) {
		t.Errorf("the last logits differ from PyTorch by %g, want ≤ 1e-4", worst)
	}

	if !slices.Equal(g.Greedy, g.GreedyByClass[g.ClassID]) {
		t.Fatalf("greedy and greedy_by_class[%d] differ: the vectors disagree", g.ClassID)
	}
	n := len(g.Greedy)
	if g.GreedyPrimeLen+n <= F*cfg.LocalHop {
		t.Fatalf("generation of %d codes after %d does not run past the %d frames", n, g.GreedyPrimeLen, F)
	}
	for _, threads := range []int{1, 2} {
		gen := NewGenerator(m, N)
		gen.SetThreads(threads)
		for k := range N {
			if err := gen.SetCond(k, cond(k)); err != nil {
				t.Fatal(err)
			}
		}
		if err := gen.Prime(g.Codes[:g.GreedyPrimeLen]); err != nil {
			t.Fatal(err)
		}
		got := make([][]int32, N)
		err := gen.Generate(n, 0, nil, func(c []int32) error {
			for k := range N {
				got[k] = append(got[k], c[k])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for k := range N {
			for i := range n {
				if got[k][i] != g.GreedyByClass[k][i] {
					t.Errorf("%d threads, class %d: greedy code %d (position %d) is %d, PyTorch %d",
						threads, k, i, g.GreedyPrimeLen+i, got[k][i], g.GreedyByClass[k][i])
					break
				}
			}
		}
	}
}
