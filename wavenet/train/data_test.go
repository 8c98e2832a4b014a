package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
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

// TestSampleProportionalToLength draws many chunks from three clips of
// very different lengths and checks that the samples scored from each are
// in proportion to its training part (Split − 1 scorable positions), with
// and without padded starts, and that each chunk carries its clip's class
// and frames, its offset the clip position of its first input.
func TestSampleProportionalToLength(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	clips := []Clip{randomClip(rng, 400, 256, "short"), randomClip(rng, 1200, 256, "mid"), randomClip(rng, 3600, 256, "long")}
	for i := range clips {
		clips[i].Split = len(clips[i].Codes) - 20
		clips[i].Class = i
		clips[i].Frames = make([]float32, 2*(len(clips[i].Codes)+99)/100)
		clips[i].Frames[0] = float32(i) // tells the clips' frames apart
	}
	const rf, T, draws = 33, 120, 40000
	var want [3]float64
	sum := 0.0
	for i, c := range clips {
		want[i] = float64(c.Split - 1)
		sum += want[i]
	}
	for _, pad := range []bool{true, false} {
		d, err := NewData(clips, rf, T, pad, 128)
		if err != nil {
			t.Fatal(err)
		}
		var scored [3]float64
		var total float64
		var ch Chunk
		for range draws {
			d.Sample(&ch, rng)
			k := ch.Cond.Class
			c := clips[k]
			if &ch.Cond.Frames[0] != &c.Frames[0] {
				t.Fatalf("pad %v: a chunk of class %d carries other frames", pad, k)
			}
			o := ch.Cond.Offset
			for p, tg := range ch.Targets {
				if tg >= 0 && (tg != c.Codes[o+p+1] || ch.Inputs[p] != c.Codes[o+p]) {
					t.Fatalf("pad %v, class %d, offset %d: input %d is not clip position %d", pad, k, o, p, o+p)
				}
			}
			scored[k] += float64(ch.Count)
			total += float64(ch.Count)
		}
		for i := range clips {
			got, exp := scored[i]/total, want[i]/sum
			if math.Abs(got-exp) > 0.03*exp {
				t.Errorf("pad %v: %s gave %.4f of the scored samples, want %.4f (its share of the training length)", pad, clips[i].Name, got, exp)
			}
		}
	}
}

// TestValidationEveryClip: every clip's held-out tail becomes validation
// chunks of its own class, each with its offset in the clip, and
// splitClips holds out a slice of every clip.
func TestValidationEveryClip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var clips []Clip
	for i, n := range []int{300, 1000, 90} {
		c := randomClip(rng, n, 256, "c")
		c.Class = i
		clips = append(clips, c)
	}
	cfg := wavenet.Config{QuantizationChannels: 256}
	split, err := splitClips(clips, cfg, 0.1, false)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewData(split, 17, 40, true, 128)
	if err != nil {
		t.Fatal(err)
	}
	held := make([]int, len(clips))
	for _, ch := range d.Validation() {
		c := split[ch.Cond.Class]
		for p, tg := range ch.Targets {
			if tg < 0 {
				continue
			}
			pos := ch.Cond.Offset + p + 1
			if pos < c.Split || tg != c.Codes[pos] {
				t.Fatalf("class %d: validation scores position %d (split %d)", ch.Cond.Class, pos, c.Split)
			}
			held[ch.Cond.Class]++
		}
	}
	for i, c := range split {
		if want := int(math.Round(0.1 * float64(len(c.Codes)))); c.Split != len(c.Codes)-want || held[i] != want || want == 0 {
			t.Errorf("clip %d of %d samples: split %d, %d held-out codes scored; want %d", i, len(c.Codes), c.Split, held[i], want)
		}
	}
}

// TestJitter: about a fraction p of the codes move, each by 1 … w either
// way (clamped to the code range), every move equally likely; the same
// draws give the same codes.
func TestJitter(t *testing.T) {
	const n, p, w, q = 200000, 0.3, 3, 256
	in := make([]int32, n)
	for i := range in {
		in[i] = int32(i % q) // 0 and 255 included: the clamp is exercised
	}
	a := slices.Clone(in)
	jitter(a, p, w, q, rand.New(rand.NewPCG(1, 2)))
	b := slices.Clone(in)
	jitter(b, p, w, q, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(a, b) {
		t.Fatal("the same draws moved other codes")
	}
	moves := map[int32]int{}
	moved, away := 0, 0
	for i := range in {
		d := a[i] - in[i]
		if a[i] < 0 || a[i] >= q {
			t.Fatalf("code %d moved to %d, outside [0, %d)", in[i], a[i], q)
		}
		if d == 0 {
			continue
		}
		moved++
		if in[i] >= w && in[i] < q-w { // away from the clamp
			moves[d]++
			away++
		}
		if d < -w || d > w {
			t.Fatalf("code %d moved by %d, more than %d", in[i], d, w)
		}
	}
	if f := float64(moved) / n; math.Abs(f-p) > 0.01 {
		t.Errorf("%.4f of the codes moved, want about %v", f, p)
	}
	if len(moves) != 2*w {
		t.Errorf("moves %v, want each of ±1 … ±%d", moves, w)
	}
	for d, c := range moves {
		if want := float64(away) / (2 * w); math.Abs(float64(c)-want) > 0.06*want {
			t.Errorf("move %+d: %d times, want about %.0f", d, c, want)
		}
	}
}
