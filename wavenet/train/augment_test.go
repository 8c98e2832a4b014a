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

// TestAttenuate: every code of an attenuated chunk is the μ-law code of
// its sound times the one gain drawn, within [−maxDB, 0] dB; unscored
// targets stay −1; codes move only towards silence; over many draws the
// gains fill the range.
func TestAttenuate(t *testing.T) {
	const q, maxDB = 256, 12
	in := make([]int32, 2*q)
	for i := range in {
		in[i] = int32(i % q)
	}
	targets := slices.Clone(in)
	targets[3], targets[300] = -1, -1
	var g gainTable
	rng := rand.New(rand.NewPCG(3, 4))
	twin := rand.New(rand.NewPCG(3, 4)) // makes the draws attenuate makes
	lo, hi := math.Inf(1), math.Inf(-1)
	for draw := range 200 {
		ch := Chunk{Inputs: slices.Clone(in), Targets: slices.Clone(targets)}
		gain := math.Pow(10, -maxDB*twin.Float64()/20)
		g.attenuate(&ch, maxDB, q, rng)
		if rng.Uint64() != twin.Uint64() {
			t.Fatal("attenuate took other than one draw")
		}
		lo, hi = min(lo, gain), max(hi, gain)
		sound := audio.MuLawDecode(nil, in, q)
		for i := range sound {
			sound[i] = float32(float64(sound[i]) * gain)
		}
		want := audio.MuLawEncode(nil, sound, q)
		for i, c := range in {
			if ch.Inputs[i] != want[i] {
				t.Fatalf("draw %d, gain %.4f: input code %d became %d, want %d", draw, gain, c, ch.Inputs[i], want[i])
			}
			if d, d0 := math.Abs(float64(ch.Inputs[i])-127.5), math.Abs(float64(c)-127.5); d > d0 {
				t.Fatalf("gain %.4f moved code %d away from silence, to %d", gain, c, ch.Inputs[i])
			}
			switch {
			case targets[i] < 0 && ch.Targets[i] != -1:
				t.Fatalf("the unscored target at %d became %d", i, ch.Targets[i])
			case targets[i] >= 0 && ch.Targets[i] != want[i]:
				t.Fatalf("target code %d became %d, want %d (the inputs' mapping)", c, ch.Targets[i], want[i])
			}
		}
		if ch.Inputs[127] != 127 || ch.Inputs[128] != 128 {
			t.Fatalf("gain %.4f moved the codes of silence: 127 → %d, 128 → %d", gain, ch.Inputs[127], ch.Inputs[128])
		}
	}
	if floor := math.Pow(10, -maxDB/20.0); lo > floor*1.05 || hi < 0.95 || lo < floor {
		t.Errorf("gains drawn from %.4f to %.4f, want about %.4f … 1", lo, hi, floor)
	}
}

// TestGainAugmentResume: a run with attenuated chunks gives other weights
// than one without, the same bytes twice and when interrupted and resumed;
// a new run that does not ask has none; a model conditioned on local
// frames refuses it; a resume with another setting is refused.
func TestGainAugmentResume(t *testing.T) {
	clip := toneClip("clip", 3000, 1)
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
	bad := Options{Clips: []Clip{clip}, Steps: 24, Resume: ck, Threads: 1, Save: b.save, Hyper: Hyper{GainAugment: 6}}
	if _, err := Run(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "gain augmentation 6") {
		t.Errorf("resume with another gain augmentation: %v", err)
	}
	resume := Options{Clips: []Clip{clip}, Steps: 24, Resume: ck, Threads: 1, LogEvery: 4, ValEvery: 8, Save: b.save}
	if _, err := Run(context.Background(), resume); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.model, b.model) {
		t.Error("the resumed run's model differs from the uninterrupted one's")
	}

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
