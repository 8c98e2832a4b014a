package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
)

// TestShortClipsSkipped: clips too short to give a training chunk (1
// sample; 10 samples with 90 % held out) are reported before the first step,
// with their length and the minimum, and never drawn: a run of many steps
// and its resume finish, where on drawing such a clip they used to panic.
func TestShortClipsSkipped(t *testing.T) {
	one := Clip{Name: "one.wav", Codes: []int32{128}}
	ten := toneClip("ten.wav", 10, 2)
	for _, val := range []float64{DefaultValFraction, 0.9} {
		var st memStore
		o := testOptions(&st, toneClip("long.wav", 2500, 1), one, ten)
		o.Hyper.ValFraction = val
		// Long chunks: a short clip has Chunk−1 padded starts, a third of
		// all, so that an old sampler would draw one within a few steps.
		o.Hyper.Chunk = 2000
		o.Steps = 8
		var warnings []string
		o.OnWarn = func(err error) { warnings = append(warnings, err.Error()) }
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatalf("val %v: %v", val, err)
		}
		want := []string{"one.wav: 1 samples to train on (of 1; 0 held out), fewer than the 2 a chunk needs"}
		if val == 0.9 {
			want = []string{"one.wav: 0 samples to train on (of 1; 1 held out), fewer than the 2 a chunk needs",
				"ten.wav: 1 samples to train on (of 10; 9 held out), fewer than the 2 a chunk needs"}
		}
		if len(warnings) != len(want) {
			t.Fatalf("val %v: warnings %q, want %q", val, warnings, want)
		}
		for i := range want {
			if !strings.Contains(warnings[i], want[i]) {
				t.Errorf("val %v: warning %q, want %q", val, warnings[i], want[i])
			}
		}
		r := o
		r.Resume, r.Steps = st.checkpoint(t), 16
		if _, err := Run(context.Background(), r); err != nil {
			t.Errorf("val %v: resume: %v", val, err)
		}
	}
	// Only short clips: refused up front, with the minimum.
	o := testOptions(new(memStore), one, ten)
	o.Hyper.ValFraction = 0.9
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "longest training part: 1 samples, need 2") {
		t.Errorf("only short clips: %v", err)
	}
}

// TestHyperValidate: every field out of range is refused, naming it.
func TestHyperValidate(t *testing.T) {
	good := Hyper{Batch: 4, Chunk: 2000, LR: 1e-3, ClipNorm: 1, ValFraction: 0.1}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		set   func(*Hyper)
		field string
	}{
		{func(h *Hyper) { h.Batch = 0 }, "batch"},
		{func(h *Hyper) { h.Batch = MaxBatch + 1 }, "batch"},
		{func(h *Hyper) { h.Chunk = 0 }, "chunk"},
		{func(h *Hyper) { h.Chunk = 1 << 40 }, "chunk"},
		{func(h *Hyper) { h.LR = 0 }, "lr"},
		{func(h *Hyper) { h.LR = -1 }, "lr"},
		{func(h *Hyper) { h.LR = nan }, "lr"},
		{func(h *Hyper) { h.LR = inf }, "lr"},
		{func(h *Hyper) { h.LRHalfLife = -1 }, "lr_half_life"},
		{func(h *Hyper) { h.ClipNorm = 0 }, "clip_norm"},
		{func(h *Hyper) { h.ClipNorm = nan }, "clip_norm"},
		{func(h *Hyper) { h.ValFraction = 1 }, "val_fraction"},
		{func(h *Hyper) { h.ValFraction = nan }, "val_fraction"},
		{func(h *Hyper) { h.ValFraction = -inf }, "val_fraction"},
		{func(h *Hyper) { h.ValParts = -1 }, "val_parts"},
		{func(h *Hyper) { h.ValParts = MaxValParts + 1 }, "val_parts"},
		{func(h *Hyper) { h.PitchAugment = MaxPitchAugment + 1 }, "pitch_augment_cents"},
		{func(h *Hyper) { h.PitchAugment = math.NaN() }, "pitch_augment_cents"},
		{func(h *Hyper) { h.InputNoise = -inf }, "input_noise"},
		{func(h *Hyper) { h.InputNoise = 1.5 }, "input_noise"},
		{func(h *Hyper) { h.InputNoise = nan }, "input_noise"},
		{func(h *Hyper) { h.InputNoise = 0.1 }, "input_noise_width"},
		{func(h *Hyper) { h.InputNoise, h.InputNoiseWidth = 0.1, MaxInputNoiseWidth+1 }, "input_noise_width"},
	} {
		h := good
		tc.set(&h)
		var he *HyperError
		if err := h.Validate(); !errors.As(err, &he) || he.Field != tc.field {
			t.Errorf("%+v: %v, want a HyperError for %s", h, err, tc.field)
		}
	}
}

// TestResumeValidatesCheckpoint: a checkpoint whose settings are out of
// range (batch 0, chunk 2^40, lr −1) is refused on resume, as the same
// settings are for a new run, instead of panicking, running out of memory
// or training uphill.
func TestResumeValidatesCheckpoint(t *testing.T) {
	clip := toneClip("clip", 2500, 3)
	var st memStore
	o := testOptions(&st, clip)
	o.Steps = 2
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		set  func(*Hyper)
		says string
	}{
		{func(h *Hyper) { h.Batch = 0 }, "batch 0, want 1 … 4096"},
		{func(h *Hyper) { h.Chunk = 1 << 40 }, "chunk 1099511627776, want 1 … 4194304"},
		{func(h *Hyper) { h.LR = -1 }, "lr -1, want a finite rate above 0"},
	} {
		ck := st.checkpoint(t)
		tc.set(&ck.st.Hyper)
		var b bytes.Buffer
		if err := encodeState(&b, ck.st); err != nil {
			t.Fatal(err)
		}
		bad, err := DecodeCheckpoint(b.Bytes(), "bad.ckpt")
		if err != nil {
			t.Fatal(err)
		}
		r := Options{Clips: []Clip{clip}, Steps: 4, Resume: bad}
		if _, err := Run(context.Background(), r); err == nil || !strings.Contains(err.Error(), "resume: bad.ckpt: "+tc.says) {
			t.Errorf("resume: %v, want %q", err, tc.says)
		}
	}
}

// TestNotFiniteStops: a learning rate that blows the weights up stops the
// run at the first step whose loss or gradient is not finite, with
// ErrNotFinite; the last checkpoint saved is of the step before, with finite
// weights, and no checkpoint is saved after it.
func TestNotFiniteStops(t *testing.T) {
	var st memStore
	o := testOptions(&st, toneClip("clip", 2500, 4))
	o.Hyper.LR, o.Hyper.LRHalfLife = 1e30, 0
	o.CheckpointEvery = 1 // after every step
	o.Steps = 50
	steps := 0
	o.OnStep = func(Status) { steps++ }
	_, err := Run(context.Background(), o)
	if !errors.Is(err, ErrNotFinite) || !strings.Contains(err.Error(), "lower the learning rate") {
		t.Fatalf("Run: %v, want ErrNotFinite", err)
	}
	if len(st.steps) == 0 || st.steps[len(st.steps)-1] != steps || st.finals != 0 {
		t.Fatalf("%d steps taken, saves at %v (%d final); want the last save at the last step taken, none final", steps, st.steps, st.finals)
	}
	ck := st.checkpoint(t)
	for i, v := range ck.st.params {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("the last checkpoint (step %d) holds %v at parameter %d", ck.Step(), v, i)
		}
	}
}

// TestMemoryLimit: a run larger than MemoryLimit is refused with a
// *MemoryError that names its largest part, before the first step; and the
// footprint is within 10 % of what a run holds once it has taken a step.
func TestMemoryLimit(t *testing.T) {
	clip := toneClip("clip", 20000, 5)
	o := testOptions(new(memStore), clip)
	o.Hyper.Batch, o.Hyper.Chunk = 256, 2000
	o.Steps = 1
	cfg := *o.Config
	cfg.ResidualChannels, cfg.GateChannels, cfg.SkipChannels, cfg.EndChannels = 32, 32, 64, 64
	o.Config = &cfg
	o.MemoryLimit = 1 << 20
	o.OnStep = func(Status) { t.Error("a step was taken") }
	_, err := Run(context.Background(), o)
	var me *MemoryError
	if !errors.As(err, &me) || me.Limit != 1<<20 || me.Total() <= 1<<20 || me.Largest() != "params" ||
		!strings.Contains(err.Error(), "for 260 copies of the parameters (batch 256 + 4)") || !strings.Contains(err.Error(), "more than the limit of 1.0 MiB") {
		t.Fatalf("Run: %v, want a MemoryError", err)
	}

	clips, err := splitClips([]Clip{clip}, cfg, DefaultValFraction, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	o.Hyper.Batch, o.Hyper.Chunk = 16, 1000
	h := o.Hyper
	h.ValFraction = DefaultValFraction
	fp := NewFootprint(cfg, h, o.Threads, clips, false)
	o.MemoryLimit = fp.Total()
	before := liveHeap()
	var held int64
	o.OnStep = func(Status) { held = liveHeap() - before }
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	// At a step the clips are held already and the evaluation is to come.
	if est := fp.Total() - fp.Clips; held < est*9/10 || held > est*11/10 {
		t.Errorf("a step holds %d bytes, the footprint without the clips is %d (%+v)", held, est, fp)
	}
	runtime.KeepAlive(clip)
}

// TestFootprintCountsFrames: a clip's local conditioning frames are part of
// the clips' footprint, four bytes a value.
func TestFootprintCountsFrames(t *testing.T) {
	clip := toneClip("clip", 20000, 5)
	cfg := *testOptions(new(memStore), clip).Config
	h := Hyper{Batch: 4, Chunk: 500, ValFraction: DefaultValFraction}
	clips, err := splitClips([]Clip{clip}, cfg, h.ValFraction, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	plain := NewFootprint(cfg, h, 1, clips, false)
	clips[0].Frames = make([]float32, 80*(20000/256+1))
	framed := NewFootprint(cfg, h, 1, clips, false)
	if got, want := framed.Clips-plain.Clips, int64(4*len(clips[0].Frames)); got != want {
		t.Errorf("frames add %d bytes to the clips' footprint, want %d", got, want)
	}
}

// liveHeap returns the heap bytes in use after a collection.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
