package wavenet

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
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
			if err := m.Encode(&b, nil); err != nil {
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
