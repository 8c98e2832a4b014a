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
// before its start), and that no chunk scores a held-out code: with a
// held-out tail, and with held-out stretches spread over the clip, one of
// them shorter than a chunk.
func TestDataCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const rf, T = 17, 40
	for _, held := range [][]Span{Tail(300, 40), {{60, 80}, {150, 175}, {200, 230}, {280, 300}}} {
		clip := randomClip(rng, 300, 256, "a")
		clip.Held = held
		isHeld := func(p int) bool {
			for _, h := range held {
				if p >= h.From && p < h.To {
					return true
				}
			}
			return false
		}
		for _, pad := range []bool{true, false} {
			d, err := NewData([]Clip{clip}, rf, T, pad, 128)
			if err != nil {
				t.Fatal(err)
			}
			cover := make([]int, len(clip.Codes))
			var ch Chunk
			for k := range d.total {
				d.chunkAt(&ch, k)
				o := ch.Cond.Offset // clip position of Inputs[0]
				n := 0
				for p, tg := range ch.Targets {
					if tg < 0 {
						continue
					}
					n++
					pos := o + p + 1 // clip position scored
					cover[pos]++
					if tg != clip.Codes[pos] || ch.Inputs[p] != clip.Codes[pos-1] {
						t.Fatalf("held %v, pad %v, chunk %d: position %d scored against %d after %d", held, pad, k, pos, tg, ch.Inputs[p])
					}
					if isHeld(pos) {
						t.Fatalf("held %v, pad %v, chunk %d: held-out position %d scored", held, pad, k, pos)
					}
					if pos-o < rf && o > 0 {
						t.Fatalf("held %v, pad %v, chunk %d: position %d scored with less than RF of context", held, pad, k, pos)
					}
				}
				if n != ch.Count || n == 0 || n > T {
					t.Fatalf("held %v, pad %v, chunk %d: %d scored, Count %d", held, pad, k, n, ch.Count)
				}
			}
			if pad {
				for p := 1; p < len(clip.Codes); p++ {
					if want := T * b2i(!isHeld(p)); cover[p] != want {
						t.Fatalf("held %v, pad: position %d scored by %d starts, want %d", held, p, cover[p], want)
					}
				}
			} else if len(held) == 1 && (cover[rf] != 1 || cover[rf+T-1] != T || cover[rf-1] != 0) {
				t.Errorf("held %v, no pad: coverage at RF−1, RF, RF+T−1: %d %d %d, want 0 1 %d", held, cover[rf-1], cover[rf], cover[rf+T-1], T)
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestValidationChunks: the held-out codes are each scored once, with the
// clip's own context before them.
func TestValidationChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	a, b := randomClip(rng, 500, 256, "a"), randomClip(rng, 90, 256, "b")
	a.Held, b.Held = []Span{{100, 130}, {380, 500}}, Tail(90, 85)
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
	want := slices.Concat(a.Codes[100:130], a.Codes[380:], b.Codes[5:])
	if !slices.Equal(flat, want) {
		t.Errorf("validation targets: %d codes, want the %d held out", len(flat), len(want))
	}
}

func TestDataTooShort(t *testing.T) {
	c := Clip{Name: "x", Codes: make([]int32, 100)}
	if _, err := NewData([]Clip{c}, 1025, 2000, false, 128); err == nil {
		t.Error("a 100-sample clip gives full chunks of 1025 + 2000")
	}
	if _, err := NewData([]Clip{c}, 1025, 2000, true, 128); err != nil {
		t.Errorf("padded chunks of a 100-sample clip: %v", err)
	}
}

// TestSampleProportionalToLength draws many chunks from three clips of
// very different lengths and checks that the samples scored from each are
// in proportion to its training part (its scorable positions), with
// and without padded starts, and that each chunk carries its clip's class
// and frames, its offset the clip position of its first input.
func TestSampleProportionalToLength(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	clips := []Clip{randomClip(rng, 400, 256, "short"), randomClip(rng, 1200, 256, "mid"), randomClip(rng, 3600, 256, "long")}
	for i := range clips {
		clips[i].Held = Tail(len(clips[i].Codes), 20)
		clips[i].Class = i
		clips[i].Frames = make([]float32, 2*(len(clips[i].Codes)+99)/100)
		clips[i].Frames[0] = float32(i) // tells the clips' frames apart
	}
	const rf, T, draws = 33, 120, 40000
	var want [3]float64
	sum := 0.0
	for i, c := range clips {
		want[i] = float64(len(c.Codes) - c.HeldOut() - 1)
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

// TestValidationEveryClip: every clip's held-out part becomes validation
// chunks of its own class, each with its offset in the clip, and
// splitClips holds out a slice of every clip: the tail with one part, the
// end of each of several equal sections with more.
func TestValidationEveryClip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	var clips []Clip
	for i, n := range []int{300, 1000, 90} {
		c := randomClip(rng, n, 256, "c")
		c.Class = i
		clips = append(clips, c)
	}
	cfg := wavenet.Config{QuantizationChannels: 256}
	for _, parts := range []int{1, 3} {
		testValidationEveryClip(t, cfg, clips, parts)
	}
	split, err := splitClips(clips[1:2], cfg, 0.1, 4, false)
	if want := []Span{{225, 250}, {475, 500}, {725, 750}, {975, 1000}}; err != nil || !slices.Equal(split[0].Held, want) {
		t.Errorf("1000 samples in four parts: held out %v (%v), want %v", split[0].Held, err, want)
	}
}

func testValidationEveryClip(t *testing.T, cfg wavenet.Config, clips []Clip, parts int) {
	t.Helper()
	split, err := splitClips(clips, cfg, 0.1, parts, false)
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
			in := false
			for _, h := range c.Held {
				in = in || pos >= h.From && pos < h.To
			}
			if !in || tg != c.Codes[pos] {
				t.Fatalf("%d parts, class %d: validation scores position %d (held out: %v)", parts, ch.Cond.Class, pos, c.Held)
			}
			held[ch.Cond.Class]++
		}
	}
	for i, c := range split {
		n := len(c.Codes)
		if parts == 1 {
			if want := Tail(n, int(math.Round(0.1*float64(n)))); !slices.Equal(c.Held, want) {
				t.Errorf("clip %d of %d samples: held out %v, want the tail %v", i, n, c.Held, want)
			}
		}
		if want := c.HeldOut(); held[i] != want || len(c.Held) != parts || math.Abs(float64(want)-0.1*float64(n)) > float64(parts) {
			t.Errorf("%d parts, clip %d of %d samples: held out %v, %d codes scored; want %d parts, 0.1 of the clip", parts, i, n, c.Held, held[i], parts)
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
