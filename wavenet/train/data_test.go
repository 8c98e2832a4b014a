package train

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestDataCoverage enumerates every chunk start and counts how often each
// position of the training part is scored: with padding, exactly T times
// each, opening included; without, the reference's ramp that leaves the
// opening nearly untrained. It also checks that every scored target is the
// code after its input, that the context seen is the clip's (or nothing,
// before its start), and that no chunk scores a held-out code.
func TestDataCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	clip := randomClip(rng, 300, 256, "a")
	clip.Split = 260
	const rf, T = 17, 40
	for _, pad := range []bool{true, false} {
		d, err := NewData([]Clip{clip}, rf, T, pad, 128)
		if err != nil {
			t.Fatal(err)
		}
		cover := make([]int, len(clip.Codes))
		var ch Chunk
		for k := range d.total {
			d.chunkAt(&ch, k)
			lo, _ := d.startRange(clip)
			s := lo + k
			o := max(s, 0)
			n := 0
			for p, tg := range ch.Targets {
				if tg < 0 {
					continue
				}
				n++
				pos := o + p + 1 // clip position scored
				cover[pos]++
				if tg != clip.Codes[pos] || ch.Inputs[p] != clip.Codes[pos-1] {
					t.Fatalf("pad %v, start %d: position %d scored against %d after %d", pad, s, pos, tg, ch.Inputs[p])
				}
				if pos >= clip.Split {
					t.Fatalf("pad %v, start %d: held-out position %d scored", pad, s, pos)
				}
				if pos-o < rf && o > 0 {
					t.Fatalf("pad %v, start %d: position %d scored with less than RF of context", pad, s, pos)
				}
			}
			if n != ch.Count || n == 0 || n > T {
				t.Fatalf("pad %v, start %d: %d scored, Count %d", pad, s, n, ch.Count)
			}
		}
		if pad {
			for p := 1; p < clip.Split; p++ {
				if cover[p] != T {
					t.Fatalf("pad: position %d scored by %d starts, want %d", p, cover[p], T)
				}
			}
		} else if cover[rf] != 1 || cover[rf+T-1] != T || cover[rf-1] != 0 {
			t.Errorf("no pad: coverage at RF−1, RF, RF+T−1: %d %d %d, want 0 1 %d", cover[rf-1], cover[rf], cover[rf+T-1], T)
		}
	}
}

// TestValidationChunks: the held-out codes are each scored once, with the
// clip's own context before them.
func TestValidationChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	a, b := randomClip(rng, 500, 256, "a"), randomClip(rng, 90, 256, "b")
	a.Split, b.Split = 380, 5
	d, err := NewData([]Clip{a, b}, 33, 50, true, 128)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]int32
	for _, ch := range d.Validation() {
		var g []int32
		for _, tg := range ch.Targets {
			if tg >= 0 {
				g = append(g, tg)
			}
		}
		got = append(got, g)
	}
	flat := slices.Concat(got...)
	want := slices.Concat(a.Codes[380:], b.Codes[5:])
	if !slices.Equal(flat, want) {
		t.Errorf("validation targets: %d codes, want the %d held out", len(flat), len(want))
	}
}

func TestDataTooShort(t *testing.T) {
	c := Clip{Name: "x", Codes: make([]int32, 100), Split: 100}
	if _, err := NewData([]Clip{c}, 1025, 2000, false, 128); err == nil {
		t.Error("a 100-sample clip gives full chunks of 1025 + 2000")
	}
	if _, err := NewData([]Clip{c}, 1025, 2000, true, 128); err != nil {
		t.Errorf("padded chunks of a 100-sample clip: %v", err)
	}
}
