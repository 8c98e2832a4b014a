package train

import (
	"bytes"
	"context"
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
	var g gainCoder
	rng := rand.New(rand.NewPCG(3, 4))
	twin := rand.New(rand.NewPCG(3, 4)) // makes the draws attenuate makes
	lo, hi := math.Inf(1), math.Inf(-1)
	overhangs := 0
	for draw := range 300 {
		var ch Chunk
		d.Sample(&ch, rng)
		twin.IntN(d.total) // Sample's draw
		in, targets := slices.Clone(ch.Inputs), slices.Clone(ch.Targets)
		gain := math.Pow(10, -maxDB*twin.Float64()/20)
		g.attenuate(&ch, sound, maxDB, q, rng)
		if rng.Uint64() != twin.Uint64() {
			t.Fatal("attenuate took other than one draw")
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
	g.attenuate(&ch, sound, 0, q, rng)
	if !slices.Equal(ch.Inputs, in) || !slices.Equal(ch.Targets, targets) {
		t.Error("attenuating by 0 dB changed the chunk")
	}
}

// TestGainAugmentResume: a run with attenuated chunks gives other weights
// than one without, the same bytes twice and when interrupted and resumed;
// a new run that does not ask has none; a model conditioned on local
// frames refuses it; a resume with another setting is refused.
func TestGainAugmentResume(t *testing.T) {
	clip := toneClip("clip", 3000, 1)
	// Without its sound the clip cannot be coded afresh.
	var none memStore
	o := testOptions(&none, clip)
	o.Hyper.GainAugment = 9
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "0 samples of sound for 3000 codes") {
		t.Errorf("gain augmentation of a clip without its sound: %v", err)
	}
	clip.Sound = audio.MuLawDecode(nil, clip.Codes, 256)
	loud := func(st *memStore) Options {
		o := testOptions(st, clip)
		o.Hyper.GainAugment = 9
		return o
	}
	var plain, a, a2, b memStore
	for _, r := range []struct {
		st   *memStore
		opts Options
	}{{&plain, testOptions(&plain, clip)}, {&a, loud(&a)}, {&a2, loud(&a2)}} {
		if _, err := Run(context.Background(), r.opts); err != nil {
			t.Fatal(err)
		}
	}
	if bytes.Equal(plain.model, a.model) {
		t.Error("gain augmentation left the trained model unchanged")
	}
	if !bytes.Equal(a.model, a2.model) {
		t.Error("two runs with gain augmentation differ")
	}
	var d memStore
	def := testOptions(&d, clip)
	def.Hyper.GainAugment, def.Steps = 0, 1
	var plan Plan
	def.OnStart = func(p Plan) { plan = p }
	if _, err := Run(context.Background(), def); err != nil {
		t.Fatal(err)
	}
	if plan.Hyper.GainAugment > 0 {
		t.Errorf("default gain augmentation %v dB, want none", plan.Hyper.GainAugment)
	}

	ck := interruptedAt(t, loud(&b), &b, 12)
	if h := ck.Hyper(); h.GainAugment != 9 {
		t.Errorf("checkpoint's gain augmentation %v, want 9", h.GainAugment)
	}
	resumeTo24(t, clip, ck, &b, a.model, Hyper{GainAugment: 6}, "gain augmentation 6")

	// Local frames: refused when asked for.
	local := func(gain float64) (Hyper, error) {
		var st memStore
		o := testOptions(&st, clip)
		cfg := *o.Config
		cfg.LocalChannels, cfg.LocalHop = 2, 100
		o.Config = &cfg
		o.Clips[0].Frames = make([]float32, 2*30)
		o.Cond = Conditioning{Local: "test"}
		o.Hyper.GainAugment, o.Steps = gain, 1
		var p Plan
		o.OnStart = func(pl Plan) { p = pl }
		_, err := Run(context.Background(), o)
		return p.Hyper, err
	}
	if h, err := local(0); err != nil || h.GainAugment > 0 {
		t.Errorf("local frames, gain augmentation not given: %v dB, %v; want none, trained", h.GainAugment, err)
	}
	if _, err := local(6); err == nil || !strings.Contains(err.Error(), "local frames") {
		t.Errorf("local frames with gain augmentation 6 dB: %v, want it refused", err)
	}
}
