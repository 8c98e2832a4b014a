package train

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
)

// TestAttenuate: every input and target code of an attenuated chunk is the
// μ-law code of its clip's sample times the one gain drawn, within
// [−maxDB, 0] dB; unscored targets stay −1 and the filler past the clip's
// end stays; chunks that overhang the clip's start and end are included;
// over many draws the gains fill the range.
func TestAttenuate(t *testing.T) {
	const q, maxDB, n = 256, 12, 700
	sound := make([]float32, n)
	for i := range sound {
		sound[i] = float32(0.9 * math.Sin(float64(i)*0.05) * math.Exp(-float64(i)/300))
	}
	clip := Clip{Name: "c", Codes: audio.MuLawEncode(nil, sound, q), Sound: sound}
	d, err := NewData([]Clip{clip}, 64, 100, true, q/2)
	if err != nil {
		t.Fatal(err)
	}
	g := recoder{q: q, filler: q / 2}
	rng := rand.New(rand.NewPCG(3, 4))
	twin := rand.New(rand.NewPCG(3, 4)) // makes the draws recode makes
	lo, hi := math.Inf(1), math.Inf(-1)
	overhangs := 0
	for draw := range 300 {
		var ch Chunk
		d.Sample(&ch, rng)
		twin.IntN(d.total) // Sample's draw
		in, targets := slices.Clone(ch.Inputs), slices.Clone(ch.Targets)
		gain := math.Pow(10, -maxDB*twin.Float64()/20)
		g.recode(&ch, &clip, 0, maxDB, rng)
		if rng.Uint64() != twin.Uint64() {
			t.Fatal("recode took other than one draw")
		}
		lo, hi = min(lo, gain), max(hi, gain)
		o := ch.Cond.Offset
		code := func(pos int) int32 {
			return audio.MuLawEncode(nil, []float32{float32(float64(sound[pos]) * gain)}, q)[0]
		}
		if o+len(in) > n {
			overhangs++
		}
		for p := range in {
			want := in[p] // the filler, past the end
			if o+p < n {
				want = code(o + p)
			}
			if ch.Inputs[p] != want {
				t.Fatalf("draw %d, gain %.4f: input %d (clip sample %d) is %d, want %d", draw, gain, p, o+p, ch.Inputs[p], want)
			}
			switch {
			case targets[p] < 0 && ch.Targets[p] != -1:
				t.Fatalf("the unscored target at %d became %d", p, ch.Targets[p])
			case targets[p] >= 0 && ch.Targets[p] != code(o+p+1):
				t.Fatalf("draw %d: target %d (clip sample %d) is %d, want %d", draw, p, o+p+1, ch.Targets[p], code(o+p+1))
			}
		}
	}
	if overhangs == 0 {
		t.Error("no chunk ran past the clip's end: the filler went untested")
	}
	if floor := math.Pow(10, -maxDB/20.0); lo > floor*1.05 || hi < 0.95 || lo < floor {
		t.Errorf("gains drawn from %.4f to %.4f, want about %.4f … 1", lo, hi, floor)
	}
	// At 0 dB the chunk is the clip's own codes.
	var ch Chunk
	d.Sample(&ch, rng)
	in, targets := slices.Clone(ch.Inputs), slices.Clone(ch.Targets)
	g.recode(&ch, &clip, 0, 0, rng)
	if !slices.Equal(ch.Inputs, in) || !slices.Equal(ch.Targets, targets) {
		t.Error("attenuating by 0 dB changed the chunk")
	}
}

// TestStretchChunk: a chunk played at another speed has as input p the μ-law
// code of the clip's sound read at o + p·speed (audio.Stretch), and as
// target p the code read at o + (p+1)·speed, scored only where the
// original chunk scored and that position is a training one (here, with
// held-out stretches on both sides of training ones), its Count theirs;
// past the clip's end, the filler; one draw a chunk, the speeds filling
// 2^(±cents/1200). A chunk a speed change would leave with nothing to score
// keeps the clip's speed.
func TestStretchChunk(t *testing.T) {
	const q, cents, n = 256, 50, 900
	sound := make([]float32, n)
	for i := range sound {
		sound[i] = float32(0.8 * math.Sin(float64(i)*0.07) * math.Exp(-float64(i)/500))
	}
	clip := Clip{Name: "c", Codes: audio.MuLawEncode(nil, sound, q), Sound: sound, Held: []Span{{300, 340}, {600, 640}, {860, 900}}}
	d, err := NewData([]Clip{clip}, 64, 100, true, q/2)
	if err != nil {
		t.Fatal(err)
	}
	g := recoder{q: q, filler: q / 2}
	rng := rand.New(rand.NewPCG(5, 6))
	twin := rand.New(rand.NewPCG(5, 6))
	lo, hi := math.Inf(1), math.Inf(-1)
	at := func(pos, speed float64) int32 {
		var v [1]float32
		audio.Stretch(v[:], sound, pos, speed)
		return audio.MuLawEncode(nil, v[:], q)[0]
	}
	dropped, fallbacks := 0, 0
	for draw := range 150 {
		var ch Chunk
		d.Sample(&ch, rng)
		twin.IntN(d.total)
		in, targets := slices.Clone(ch.Inputs), slices.Clone(ch.Targets)
		speed := math.Exp2(cents * (2*twin.Float64() - 1) / 1200)
		g.recode(&ch, &clip, cents, 0, rng)
		if rng.Uint64() != twin.Uint64() {
			t.Fatal("recode took other than one draw")
		}
		lo, hi = min(lo, speed), max(hi, speed)
		o := ch.Cond.Offset
		kept := false // a target is left to score at this speed
		for p, tg := range targets {
			pos := float64(o) + float64(p+1)*speed
			kept = kept || tg >= 0 && pos <= n-1 && clip.trains(int(math.Floor(pos))) && clip.trains(int(math.Ceil(pos)))
		}
		if !kept {
			fallbacks++
			if !slices.Equal(ch.Targets, targets) || !slices.Equal(ch.Inputs, in) {
				t.Fatalf("draw %d, speed %.4f: nothing left to score, and the chunk was changed", draw, speed)
			}
			continue
		}
		count := 0
		for p := range ch.Inputs {
			pos := float64(o) + float64(p)*speed
			want := int32(q / 2)
			if pos <= n-1 {
				want = at(pos, speed)
			}
			if ch.Inputs[p] != want {
				t.Fatalf("draw %d, speed %.4f: input %d (clip position %.2f) is %d, want %d", draw, speed, p, pos, ch.Inputs[p], want)
			}
			pos += speed // target p's
			trains := clip.trains(int(math.Floor(pos))) && clip.trains(int(math.Ceil(pos)))
			switch {
			case ch.Targets[p] < 0:
				if targets[p] >= 0 && trains && pos <= n-1 {
					t.Fatalf("draw %d, speed %.4f: target %d (clip position %.2f, a training one) is not scored", draw, speed, p, pos)
				}
				if targets[p] >= 0 {
					dropped++
				}
			case targets[p] < 0 || !trains:
				t.Fatalf("draw %d, speed %.4f: target %d (clip position %.2f) is scored, was %d", draw, speed, p, pos, targets[p])
			case ch.Targets[p] != at(pos, speed):
				t.Fatalf("draw %d, speed %.4f: target %d (clip position %.2f) is %d, want %d", draw, speed, p, pos, ch.Targets[p], at(pos, speed))
			default:
				count++
			}
		}
		if ch.Count != count || count == 0 {
			t.Fatalf("draw %d: Count %d, %d targets scored", draw, ch.Count, count)
		}
	}
	if dropped == 0 || fallbacks == 0 || fallbacks > 30 {
		t.Errorf("%d targets dropped, %d chunks kept the clip's speed: want some of each, and most chunks stretched", dropped, fallbacks)
	}
	if want := math.Exp2(cents / 1200.0); lo > 1/want*1.001 || hi < want/1.001 || lo < 1/want || hi > want {
		t.Errorf("speeds drawn from %.5f to %.5f, want about %.5f … %.5f", lo, hi, 1/want, want)
	}
	// The chunk that scores only position 299, the last before a held-out
	// stretch: faster, it would score held-out codes only.
	var ch Chunk
	d.fill(&ch, &clip, 299-64, 299, 299)
	orig := ch
	orig.Inputs, orig.Targets = slices.Clone(ch.Inputs), slices.Clone(ch.Targets)
	if g.stretch(&ch, &clip, 1.01, 1) || !slices.Equal(ch.Inputs, orig.Inputs) || !slices.Equal(ch.Targets, orig.Targets) || ch.Count != 1 {
		t.Error("a speed change that leaves nothing to score changed the chunk")
	}
}

// TestGainAugmentResume and TestPitchAugmentResume: a run with attenuated
// (or stretched) chunks gives other weights than one without, the same
// bytes twice and when interrupted and resumed; a new run that does not ask
// has the default (no gain augmentation, DefaultPitchAugment); a clip without its sound and a model conditioned on local
// frames refuse it; a resume with another setting is refused.
func TestGainAugmentResume(t *testing.T) {
	testAugmentResume(t, "gain augmentation", 9, 6, func(h *Hyper) *float64 { return &h.GainAugment })
}

func TestPitchAugmentResume(t *testing.T) {
	testAugmentResume(t, "pitch augmentation", 50, 30, func(h *Hyper) *float64 { return &h.PitchAugment })
}

// testAugmentResume is their test of the setting field gives: name in
// messages, given and then other on resume.
func testAugmentResume(t *testing.T, name string, given, other float64, field func(*Hyper) *float64) {
	clip := toneClip("clip", 3000, 1)
	// Without its sound the clip cannot be coded afresh.
	var none memStore
	o := testOptions(&none, clip)
	*field(&o.Hyper) = given
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "0 samples of sound for 3000 codes") {
		t.Errorf("%s of a clip without its sound: %v", name, err)
	}
	clip.Sound = audio.MuLawDecode(nil, clip.Codes, 256)
	aug := func(st *memStore) Options {
		o := testOptions(st, clip)
		*field(&o.Hyper) = given
		return o
	}
	var plain, a, a2, b memStore
	for _, r := range []struct {
		st   *memStore
		opts Options
	}{{&plain, testOptions(&plain, clip)}, {&a, aug(&a)}, {&a2, aug(&a2)}} {
		if _, err := Run(context.Background(), r.opts); err != nil {
			t.Fatal(err)
		}
	}
	if bytes.Equal(plain.model, a.model) {
		t.Errorf("%s left the trained model unchanged", name)
	}
	if !bytes.Equal(a.model, a2.model) {
		t.Errorf("two runs with %s differ", name)
	}
	var d memStore
	def := testOptions(&d, clip)
	*field(&def.Hyper), def.Steps = 0, 1
	var plan Plan
	def.OnStart = func(p Plan) { plan = p }
	if _, err := Run(context.Background(), def); err != nil {
		t.Fatal(err)
	}
	if v, want := *field(&plan.Hyper), *field(&Hyper{PitchAugment: DefaultPitchAugment}); v != want {
		t.Errorf("default %s %v, want %v", name, v, want)
	}

	ck := interruptedAt(t, aug(&b), &b, 12)
	if h := ck.Hyper(); *field(&h) != given {
		t.Errorf("checkpoint's %s %v, want %v", name, *field(&h), given)
	}
	var h Hyper
	*field(&h) = other
	resumeTo24(t, clip, ck, &b, a.model, h, fmt.Sprintf("%s %v", name, other))

	// Local frames: refused when asked for.
	local := func(v float64) (Hyper, error) {
		var st memStore
		o := testOptions(&st, clip)
		cfg := *o.Config
		cfg.LocalChannels, cfg.LocalHop = 2, 100
		o.Config = &cfg
		o.Clips[0].Frames = make([]float32, 2*30)
		o.Cond = Conditioning{Local: "test"}
		*field(&o.Hyper), o.Steps = v, 1
		var p Plan
		o.OnStart = func(pl Plan) { p = pl }
		_, err := Run(context.Background(), o)
		return p.Hyper, err
	}
	if h, err := local(0); err != nil || *field(&h) > 0 {
		t.Errorf("local frames, %s not given: %v, %v; want none, trained", name, *field(&h), err)
	}
	if _, err := local(given); err == nil || !strings.Contains(err.Error(), "local frames") {
		t.Errorf("local frames with %s %v: %v, want it refused", name, given, err)
	}
}
