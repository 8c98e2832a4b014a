package audio

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestMuLawGolden compares both directions with values computed by the
// reference formulas in numpy (testdata/audio/mulaw_golden.json, made by
// make.sh): codes must be equal, decoded samples equal as float32.
func TestMuLawGolden(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testdata, "mulaw_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g map[string][]float64
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	x := make([]float32, len(g["x"]))
	for i, v := range g["x"] {
		x[i] = float32(v)
	}
	for _, q := range []int{256, 16, 65536} {
		enc := g[fmt.Sprint("enc_", q)]
		codes := MuLawEncode(nil, x, q)
		for i := range x {
			if float64(codes[i]) != enc[i] {
				t.Errorf("q=%d: encode(%v) = %d, numpy %v", q, x[i], codes[i], enc[i])
			}
		}
		cs := g[fmt.Sprint("codes_", q)]
		c := make([]int32, len(cs))
		for i, v := range cs {
			c[i] = int32(v)
		}
		dec := MuLawDecode(nil, c, q)
		for i, want := range g[fmt.Sprint("dec_", q)] {
			if dec[i] != float32(want) {
				t.Errorf("q=%d: decode(%d) = %v, numpy %v", q, c[i], dec[i], want)
			}
		}
	}
}

// TestMuLawProperties: every code decodes to a sample that encodes back to
// it; codes are monotonic in x and cover [0, q); 0.0 is code q/2 for even q
// (the spec's empty prime, 128 for 256); the rails are 0 and q-1.
func TestMuLawProperties(t *testing.T) {
	for _, q := range []int{256, 2, 17} {
		all := make([]int32, q)
		for i := range all {
			all[i] = int32(i)
		}
		back := MuLawEncode(nil, MuLawDecode(nil, all, q), q)
		for i := range all {
			if back[i] != all[i] {
				t.Errorf("q=%d: code %d decodes and encodes to %d", q, i, back[i])
			}
		}
		x := make([]float32, 20001)
		for i := range x {
			x[i] = float32(i)/10000 - 1
		}
		c := MuLawEncode(nil, x, q)
		for i := 1; i < len(c); i++ {
			if c[i] < c[i-1] {
				t.Fatalf("q=%d: not monotonic at %v", q, x[i])
			}
		}
		if c[0] != 0 || c[len(c)-1] != int32(q-1) {
			t.Errorf("q=%d: rails %d, %d", q, c[0], c[len(c)-1])
		}
	}
	got := MuLawEncode(nil, []float32{0, float32(math.NaN()), 5, -5}, 256)
	if got[0] != 128 || got[1] != 128 || got[2] != 255 || got[3] != 0 {
		t.Errorf("encode(0, NaN, 5, -5) = %v", got)
	}
}

// TestMuLawReusesDst: dst is reused when large enough, so a loop can encode
// without allocating.
func TestMuLawReusesDst(t *testing.T) {
	x := make([]float32, 100)
	codes := make([]int32, 0, 100)
	out := make([]float32, 0, 100)
	if a := testing.AllocsPerRun(10, func() {
		codes = MuLawEncode(codes, x, 256)
		out = MuLawDecode(out, codes, 256)
	}); a != 0 {
		t.Errorf("%v allocations per run", a)
	}
}

// TestMuLawPanics: a code out of range is a programmer error.
func TestMuLawPanics(t *testing.T) {
	for _, f := range []func(){
		func() { MuLawDecode(nil, []int32{256}, 256) },
		func() { MuLawDecode(nil, []int32{-1}, 256) },
		func() { MuLawEncode(nil, nil, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

// Code 128 decodes to 0.0001, not 0: with μ = 255 there is no code for
// exactly zero.
func ExampleMuLawEncode() {
	codes := MuLawEncode(nil, []float32{-1, -0.01, 0, 0.01, 0.5, 1}, 256)
	fmt.Println(codes)
	fmt.Printf("%.4f\n", MuLawDecode(nil, codes, 256))
	// Output:
	// [0 98 128 157 239 255]
	// [-1.0000 -0.0102 0.0001 0.0102 0.4967 1.0000]
}
