package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// toneClip is a short 16 kHz test clip as μ-law codes: a decaying
// two-partial tone with a little noise, so that a model has something to
// learn. The companding is the spec's (Q = 256), written out here so that
// the test needs no audio package.
func toneClip(name string, n int, seed uint64) Clip {
	rng := rand.New(rand.NewPCG(seed, 9))
	c := Clip{Name: name, Codes: make([]int32, n)}
	for i := range c.Codes {
		tt := float64(i) / 16000
		x := math.Exp(-3*tt)*(0.5*math.Sin(2*math.Pi*440*tt)+0.2*math.Sin(2*math.Pi*880*tt)) + 0.01*rng.NormFloat64()
		x = max(-1, min(1, x))
		y := math.Copysign(math.Log1p(255*math.Abs(x))/math.Log1p(255), x)
		c.Codes[i] = int32(min(255, max(0, math.Floor((y+1)/2*255+0.5))))
	}
	return c
}

// testOptions is a small, quick run: a 4-layer model with narrow channels
// (Q stays 256, the spec's μ-law), short chunks, two goroutines, its
// checkpoints kept in st.
func testOptions(st *memStore, clips ...Clip) Options {
	cfg := wavenet.Config{
		SampleRate: 16000, QuantizationChannels: 256, InputWidth: 2, FilterWidth: 2,
		Dilations: []int{1, 2, 4, 8}, ResidualChannels: 4, GateChannels: 4, SkipChannels: 8, EndChannels: 8,
	}
	return Options{
		Clips: clips, Config: &cfg,
		Hyper:    Hyper{Batch: 3, Chunk: 40, LR: 3e-3, LRHalfLife: 30, Seed: 5, InputNoise: -1, GainAugment: -1, PitchAugment: -1}, // the tests of noise, gain and pitch set them
		SeedSet:  true,
		Steps:    24,
		Threads:  2,
		LogEvery: 4, ValEvery: 8,
		Save: st.save,
	}
}

// memStore keeps a run's last checkpoint in memory, as cmd/wavenet keeps
// it in files.
type memStore struct {
	ckpt, model []byte
	log         []LogRow
	steps       []int // the step of every Save
	finals      int   // Saves with Final set
}

func (s *memStore) save(snap *Snapshot) error {
	var c, m bytes.Buffer
	if err := snap.EncodeCheckpoint(&c); err != nil {
		return err
	}
	if err := snap.EncodeModel(&m); err != nil {
		return err
	}
	s.ckpt, s.model = c.Bytes(), m.Bytes()
	s.log = append([]LogRow(nil), snap.Log...)
	s.steps = append(s.steps, snap.Step)
	if snap.Final {
		s.finals++
	}
	return nil
}

// checkpoint decodes the stored checkpoint.
func (s *memStore) checkpoint(t *testing.T) *Checkpoint {
	t.Helper()
	ck, err := DecodeCheckpoint(s.ckpt, "mem.ckpt")
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

// losses returns the log without its timing columns.
func losses(log []LogRow) []LogRow {
	out := make([]LogRow, len(log))
	for i, r := range log {
		r.Seconds, r.SamplesPerSec = 0, 0
		out[i] = r
	}
	return out
}

// TestResumeMatchesUninterrupted interrupts a run (as SIGINT would, through
// its context) after step 12 and resumes it from the saved checkpoint: the
// final model file, log and losses must be those of a run that was never
// stopped.
func TestResumeMatchesUninterrupted(t *testing.T) {
	clip := toneClip("clip", 3000, 1)

	var a memStore
	resA, err := Run(context.Background(), testOptions(&a, clip))
	if err != nil {
		t.Fatal(err)
	}
	if a.finals != 1 || a.steps[len(a.steps)-1] != 24 {
		t.Errorf("saves at steps %v, %d final; want the last at 24, final", a.steps, a.finals)
	}

	var b memStore
	optB := testOptions(&b, clip)
	ctx, cancel := context.WithCancel(context.Background())
	optB.OnLog = func(log []LogRow) {
		if log[len(log)-1].Step == 12 {
			cancel()
		}
	}
	resB, err := Run(ctx, optB)
	if err != nil {
		t.Fatal(err)
	}
	if !resB.Interrupted || resB.Steps != 12 || b.finals != 1 || b.steps[len(b.steps)-1] != 12 {
		t.Fatalf("interrupted run: %+v, saves at %v; want interrupted at step 12 and saved there", resB, b.steps)
	}
	// Resume with no settings given: they come from the checkpoint.
	optB2 := Options{Clips: []Clip{clip}, Steps: 24, Resume: b.checkpoint(t), Threads: 1, LogEvery: 4, ValEvery: 8, Save: b.save}
	var started Plan
	optB2.OnStart = func(p Plan) { started = p }
	resB2, err := Run(context.Background(), optB2)
	if err != nil {
		t.Fatal(err)
	}
	if started.Step != 12 || started.Hyper.Seed != 5 || started.Hyper.Batch != 3 || started.Hyper.ValFraction != DefaultValFraction || started.Threads != 1 || started.HeldOut != 300 {
		t.Errorf("resumed plan %+v", started)
	}
	if resB2.Steps != resA.Steps || resB2.TrainBits != resA.TrainBits || resB2.ValBits != resA.ValBits || resB2.ClipBits != resA.ClipBits {
		t.Errorf("resumed run ends at step %d, train %v, val %v, clip %v bits; uninterrupted: step %d, %v, %v, %v",
			resB2.Steps, resB2.TrainBits, resB2.ValBits, resB2.ClipBits, resA.Steps, resA.TrainBits, resA.ValBits, resA.ClipBits)
	}
	if !bytes.Equal(a.model, b.model) {
		t.Errorf("model files differ between the uninterrupted and the resumed run")
	}
	// The logs agree in everything but timing.
	if la, lb := losses(a.log), losses(b.log); !slicesEqual(la, lb) {
		t.Errorf("logs differ:\n%v\nvs\n%v", la, lb)
	}
	if !(resA.ClipBits > 0 && resA.ClipBits < 8) {
		t.Errorf("whole-clip bits %v, want in (0, 8)", resA.ClipBits)
	}
}

func slicesEqual(a, b []LogRow) bool {
	return reflect.DeepEqual(a, b)
}

// TestDeterministic: the same data, settings and seed give the same model
// bytes, whatever the thread count; another seed gives other bytes.
func TestDeterministic(t *testing.T) {
	clip := toneClip("clip", 2500, 2)
	var models [][]byte
	for _, c := range []struct {
		threads int
		seed    uint64
	}{{1, 5}, {2, 5}, {2, 6}} {
		var st memStore
		o := testOptions(&st, clip)
		o.Steps, o.Threads, o.Hyper.Seed = 8, c.threads, c.seed
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		models = append(models, st.model)
	}
	if !bytes.Equal(models[0], models[1]) {
		t.Errorf("1 and 2 threads give different model files")
	}
	if bytes.Equal(models[1], models[2]) {
		t.Errorf("seeds 5 and 6 give the same model file")
	}
}

// TestLearns: a short run lowers the loss well below the 8 bits of a
// uniform guess, on training and held-out data.
func TestLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	var st memStore
	o := testOptions(&st, toneClip("clip", 4000, 3))
	o.Steps = 150
	o.Hyper.LRHalfLife = 0
	o.Hyper.LR = 1e-2
	var first float64
	o.OnLog = func(log []LogRow) {
		if first == 0 {
			first = log[0].TrainBits
		}
	}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !(res.TrainBits < first-1.5 && res.ValBits < 7 && res.ClipBits < 6.5) {
		t.Errorf("first train %.3f bits, last %.3f, validation %.3f, whole clip %.3f: did not learn", first, res.TrainBits, res.ValBits, res.ClipBits)
	}
}

// TestResumeRefusals: resuming with other settings, another config, other
// data or from a damaged checkpoint is refused with a clear error; so are
// codes outside the model's classes and a new run without a config.
func TestResumeRefusals(t *testing.T) {
	clip, other := toneClip("clip", 2500, 4), toneClip("other", 2500, 5)
	var st memStore
	o := testOptions(&st, clip)
	o.Steps = 4
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	r := o
	r.Resume, r.Steps = st.checkpoint(t), 8
	r.Hyper.LR = 0.5
	if _, err := Run(context.Background(), r); err == nil || !strings.Contains(err.Error(), "lr 0.5") {
		t.Errorf("resume with another lr: %v", err)
	}
	r.Hyper.LR = 0
	r.Clips = []Clip{other}
	if _, err := Run(context.Background(), r); err == nil || !strings.Contains(err.Error(), "data differ") || !strings.Contains(err.Error(), "mem.ckpt") {
		t.Errorf("resume on other data: %v", err)
	}
	r.Clips = []Clip{clip}
	cfg := *o.Config
	cfg.SkipChannels = 9
	r.Config = &cfg
	if _, err := Run(context.Background(), r); err == nil || !strings.Contains(err.Error(), "config differs") {
		t.Errorf("resume with another config: %v", err)
	}
	data := bytes.Clone(st.ckpt)
	data[len(data)/2] ^= 1
	if _, err := DecodeCheckpoint(data, "bad.ckpt"); err == nil || !strings.Contains(err.Error(), "checksum") || !strings.HasPrefix(err.Error(), "train: bad.ckpt: ") {
		t.Errorf("a damaged checkpoint: %v", err)
	}

	bad := toneClip("bad", 2500, 6)
	bad.Codes[7] = 256
	n := o
	n.Clips = []Clip{clip, bad}
	if _, err := Run(context.Background(), n); err == nil || !strings.Contains(err.Error(), "bad: code 256 at sample 7") {
		t.Errorf("a code outside Q: %v", err)
	}
	n.Clips, n.Config = []Clip{clip}, nil
	if _, err := Run(context.Background(), n); err == nil || !strings.Contains(err.Error(), "config") {
		t.Errorf("a new run without a config: %v", err)
	}
}

// TestCheckpointMatches: the model of a checkpoint matches it; the model of
// an earlier checkpoint (left by a crash between the two writes) does not.
func TestCheckpointMatches(t *testing.T) {
	clip := toneClip("clip", 2500, 6)
	var st memStore
	o := testOptions(&st, clip)
	o.Steps = 4
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	old := st.model
	r := o
	r.Resume, r.Steps = st.checkpoint(t), 8
	if _, err := Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	ck := st.checkpoint(t)
	for _, tc := range []struct {
		model []byte
		want  bool
	}{{st.model, true}, {old, false}} {
		m, md, err := wavenet.Decode(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		if got := ck.Matches(m, md); got != tc.want {
			t.Errorf("Matches = %v, want %v", got, tc.want)
		}
	}
	var tm trainingMeta
	if _, md, _ := wavenet.Decode(st.model); json.Unmarshal(md.Training, &tm) != nil || tm.Steps != 8 || len(tm.Data) != 1 || tm.Data[0].File != "clip" {
		t.Errorf("model metadata after resuming: %+v", tm)
	}
	if ck.Step() != 8 || ck.Elapsed() <= 0 {
		t.Errorf("checkpoint step %d, elapsed %v", ck.Step(), ck.Elapsed())
	}
}

// TestSaveFailure: a Save that fails mid-run is a warning and training goes
// on; one that fails at the end is the run's error, naming the step.
func TestSaveFailure(t *testing.T) {
	full := errors.New("no space left on device")
	var st memStore
	o := testOptions(&st, toneClip("clip", 2500, 7))
	o.Steps, o.CheckpointEvery = 6, 1 // a checkpoint after every step
	var warnings []error
	o.OnWarn = func(err error) { warnings = append(warnings, err) }
	o.Save = func(s *Snapshot) error {
		if s.Step == 3 || s.Final {
			return full
		}
		return st.save(s)
	}
	var steps []int
	o.OnStep = func(s Status) { steps = append(steps, s.Step) }
	_, err := Run(context.Background(), o)
	if !errors.Is(err, full) || !strings.Contains(err.Error(), "final checkpoint at step 6") {
		t.Errorf("Run: %v, want the final save's error at step 6", err)
	}
	if len(warnings) != 1 || !errors.Is(warnings[0], full) || !strings.Contains(warnings[0].Error(), "step 3") {
		t.Errorf("warnings %v, want one for step 3", warnings)
	}
	// Every step but the last checkpoints by time (the final one is the
	// last's); 3 and the final failed.
	if len(steps) != 6 || !slices.Equal(st.steps, []int{1, 2, 4, 5}) {
		t.Errorf("steps reported %v, saves kept at %v; want 1..6 and 1, 2, 4, 5", steps, st.steps)
	}
}

// TestStateRoundTrip: a state file decodes to what was encoded, and every
// truncation of it is refused.
func TestStateRoundTrip(t *testing.T) {
	s := &state{stateHeader: stateHeader{Step: 7, AdamT: 7, Params: 3, Config: json.RawMessage(`{}`), RNG: []byte{1, 2},
		Log: []LogRow{{Step: 5, TrainBits: 3.5, ValBits: -1}}, TrainWindow: []float64{1.25, 0.5}},
		params: []float32{1, 2, 3}, m: []float32{4, 5, 6}, v: []float32{7, 8, math.SmallestNonzeroFloat32}}
	var b bytes.Buffer
	if err := encodeState(&b, s); err != nil {
		t.Fatal(err)
	}
	got, err := decodeState(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got.Step != 7 || got.v[2] != math.SmallestNonzeroFloat32 || got.params[1] != 2 || got.m[0] != 4 ||
		got.Log[0].TrainBits != 3.5 || got.TrainWindow[0] != 1.25 {
		t.Errorf("round trip: %+v", got)
	}
	for n := 0; n < b.Len(); n += 7 {
		if _, err := decodeState(b.Bytes()[:n]); err == nil {
			t.Errorf("a state cut to %d of %d bytes decodes", n, b.Len())
		}
	}
	// A window of unpaired values (a file written by something else, with a
	// valid checksum) is refused, not left for the log to index past.
	s.TrainWindow = []float64{1.25}
	b.Reset()
	if err := encodeState(&b, s); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeState(b.Bytes()); err == nil || !strings.Contains(err.Error(), "train_window") {
		t.Errorf("odd train_window: err %v", err)
	}
}

// condOptions is testOptions for a model with global (2 classes, Cg = 3)
// and local (2 channels, hop 50) conditioning over three clips: two of
// class "lo", one of class "hi", each with frames of its own.
func condOptions(st *memStore) Options {
	clips := []Clip{toneClip("a", 2500, 11), toneClip("b", 1500, 12), toneClip("c", 2000, 13)}
	clips[2].Class = 1
	for i := range clips {
		c := &clips[i]
		c.Frames = make([]float32, 2*((len(c.Codes)+49)/50))
		for j := range c.Frames {
			c.Frames[j] = float32(math.Sin(float64(i*7+j) / 5))
		}
	}
	o := testOptions(st, clips...)
	cfg := *o.Config
	cfg.GlobalClasses, cfg.GlobalChannels = 2, 3
	cfg.LocalChannels, cfg.LocalHop = 2, 50
	o.Config = &cfg
	o.Cond = Conditioning{Classes: []string{"lo", "hi"}, ClassesFrom: "folder", Local: "log-mel"}
	o.Steps = 8
	return o
}

// TestConditionedRun: a conditioned run logs the validation of each class
// at every validation row, records the classes and what the frames are in
// the checkpoint and the model's `training` metadata (the spec's
// `classes`), starts with every conditioning projection zero and resumes
// exactly.
func TestConditionedRun(t *testing.T) {
	var st memStore
	o := condOptions(&st)
	var plan Plan
	o.OnStart = func(p Plan) { plan = p }
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(plan.ClassClips, []int{2, 1}) || !slices.Equal(plan.ClassSamples, []int{4000, 2000}) || plan.Cond.Local != "log-mel" {
		t.Errorf("plan: %+v", plan)
	}
	vals := 0
	for _, row := range st.log {
		if row.ValBits < 0 {
			if row.ValClassBits != nil {
				t.Errorf("step %d: per-class bits %v without a validation", row.Step, row.ValClassBits)
			}
			continue
		}
		vals++
		// The classes' held-out samples: 250 + 150 of "lo", 200 of "hi".
		if len(row.ValClassBits) != 2 {
			t.Fatalf("step %d: per-class validation %v, want 2 classes", row.Step, row.ValClassBits)
		}
		mean := (400*row.ValClassBits[0] + 200*row.ValClassBits[1]) / 600
		if math.Abs(mean-row.ValBits) > 1e-9 || !(row.ValClassBits[0] > 0) || !(row.ValClassBits[1] > 0) {
			t.Errorf("step %d: validation %v bits, per class %v (weighted mean %v)", row.Step, row.ValBits, row.ValClassBits, mean)
		}
	}
	if vals == 0 || len(res.ValClassBits) != 2 {
		t.Errorf("%d validation rows; result per class %v", vals, res.ValClassBits)
	}
	m, md, err := wavenet.Decode(st.model)
	if err != nil {
		t.Fatal(err)
	}
	var tm trainingMeta
	if err := json.Unmarshal(md.Training, &tm); err != nil || !slices.Equal(tm.Classes, []string{"lo", "hi"}) || tm.Local != "log-mel" ||
		tm.ClassesFrom != "folder" || len(tm.ValClassBits) != 2 || tm.Data[2].Class != "hi" || tm.Data[0].Class != "lo" {
		t.Errorf("training metadata %s (%v)", md.Training, err)
	}
	if c := st.checkpoint(t).Conditioning(); !slices.Equal(c.Classes, o.Cond.Classes) || c.Local != "log-mel" || c.ClassesFrom != "folder" {
		t.Errorf("checkpoint's conditioning %+v", c)
	}
	if m.Config.GlobalClasses != 2 || m.Config.LocalHop != 50 {
		t.Errorf("model config %+v", m.Config)
	}

	// The first step starts from zero projections.
	m0, err := wavenet.New(*o.Config)
	if err != nil {
		t.Fatal(err)
	}
	initModel(m0, o.Hyper.Seed)
	for _, ten := range m0.Tensors() {
		nonzero := slices.ContainsFunc(ten.Data, func(v float32) bool { return v != 0 })
		switch ten.Role {
		case wavenet.RoleFilterGlobal, wavenet.RoleGateGlobal, wavenet.RoleFilterLocal, wavenet.RoleGateLocal:
			if nonzero {
				t.Errorf("initial %s is not zero", ten.Name)
			}
		default:
			if !nonzero {
				t.Errorf("initial %s is all zero", ten.Name)
			}
		}
	}

	// Interrupted and resumed: the same model bytes.
	var b memStore
	ob := condOptions(&b)
	ctx, cancel := context.WithCancel(context.Background())
	ob.OnLog = func(log []LogRow) {
		if log[len(log)-1].Step == 4 {
			cancel()
		}
	}
	if _, err := Run(ctx, ob); err != nil {
		t.Fatal(err)
	}
	ob2 := condOptions(&b)
	ob2.Resume, ob2.Config, ob2.Hyper, ob2.SeedSet = b.checkpoint(t), nil, Hyper{}, false
	if _, err := Run(context.Background(), ob2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.model, b.model) {
		t.Errorf("the resumed conditioned run's model differs from the uninterrupted one's")
	}
}

// TestConditionedRefusals: a resume with other classes, another way of
// assigning them or other local features is refused, naming the
// difference; so are conditioning that does not fit the config or the
// clips.
func TestConditionedRefusals(t *testing.T) {
	var st memStore
	o := condOptions(&st)
	o.Steps = 2
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"other class names", func(r *Options) { r.Cond.Classes = []string{"lo", "mid"} }, "classes [lo mid] (the checkpoint has [lo hi])"},
		{"classes by file", func(r *Options) { r.Cond.ClassesFrom = "file" }, `classes by "file" (the checkpoint's by "folder")`},
		{"other features", func(r *Options) { r.Cond.Local = "mfcc" }, `local features "mfcc" (the checkpoint has "log-mel")`},
		{"a clip in another class", func(r *Options) { r.Clips = slices.Clone(r.Clips); r.Clips[1].Class = 1 }, "training data differ"},
	} {
		r := condOptions(&st)
		r.Resume, r.Steps = st.checkpoint(t), 4
		tc.edit(&r)
		if _, err := Run(context.Background(), r); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "train: resume: ") {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"three names for two classes", func(r *Options) { r.Cond.Classes = []string{"a", "b", "c"} }, "2 global classes but 3 class names"},
		{"a name twice", func(r *Options) { r.Cond.Classes = []string{"a", "a"} }, "given once"},
		{"a class without a clip", func(r *Options) { r.Clips[2].Class = 0 }, `class "hi" (id 1) has no clip`},
		{"a class outside", func(r *Options) { r.Clips[2].Class = 2 }, "c: "},
		{"frames of another hop", func(r *Options) { r.Clips[0].Frames = r.Clips[0].Frames[:40] }, "a: 40 frame values for 2500 samples; at hop 50 with 2 channels the clip has 100"},
		{"NaN frames", func(r *Options) { r.Clips[1].Frames[3] = float32(math.NaN()) }, "b: "},
		{"no feature name", func(r *Options) { r.Cond.Local = "" }, "Conditioning.Local"},
		{"names without global conditioning", func(r *Options) {
			c := *r.Config
			c.GlobalClasses, c.GlobalChannels = 0, 0
			r.Config = &c
			for i := range r.Clips {
				r.Clips[i].Class = 0
			}
		}, "without global conditioning"},
		{"a class too short for a chunk", func(r *Options) { r.Hyper.NoPadStarts, r.Hyper.Chunk = true, 1790 }, `class "hi": no clip of it is long enough`},
	} {
		r := condOptions(&st)
		r.Clips = slices.Clone(r.Clips)
		for i := range r.Clips {
			r.Clips[i].Frames = slices.Clone(r.Clips[i].Frames)
		}
		tc.edit(&r)
		if _, err := Run(context.Background(), r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// sineClip is a 16 kHz sine of hz as μ-law codes (Q = 256).
func sineClip(name string, n int, hz float64) Clip {
	c := Clip{Name: name, Codes: make([]int32, n)}
	for i := range c.Codes {
		x := 0.5 * math.Sin(2*math.Pi*hz*float64(i)/16000)
		y := math.Copysign(math.Log1p(255*math.Abs(x))/math.Log1p(255), x)
		c.Codes[i] = int32(min(255, max(0, math.Floor((y+1)/2*255+0.5))))
	}
	return c
}

// TestConditionedLearns: a short run on two tones, one class each, learns
// which is which: each clip scores clearly lower under its own class than
// under the other (a trainer that lost the chunks' classes could not).
func TestConditionedLearns(t *testing.T) {
	var st memStore
	clips := []Clip{sineClip("low", 4000, 300), sineClip("high", 4000, 1100)}
	clips[1].Class = 1
	o := testOptions(&st, clips...)
	cfg := *o.Config
	cfg.GlobalClasses, cfg.GlobalChannels = 2, 4
	o.Config = &cfg
	o.Cond = Conditioning{Classes: []string{"low", "high"}}
	o.Steps, o.Hyper.LRHalfLife, o.Hyper.LR = 200, 0, 1e-2
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	m, _, err := wavenet.Decode(st.model)
	if err != nil {
		t.Fatal(err)
	}
	var bits [2][2]float64 // [clip][class]
	for i, c := range clips {
		for k := range 2 {
			bits[i][k] = m.BitsPerSample(c.Codes, wavenet.Cond{Class: k})
		}
	}
	t.Logf("bits [clip][class]: %.3f", bits)
	if !(bits[0][0] < bits[0][1]-0.5 && bits[1][1] < bits[1][0]-0.5) {
		t.Errorf("bits [clip][class] %.3f: each clip should score lower under its own class", bits)
	}
}

// TestLocalConditionedLearns: a clip that switches between two tones every
// few hundred samples, its frames saying which tone each hop holds; after a
// short run the clip scores clearly lower with its own frames than with
// the frames inverted (a trainer that misplaced the chunks' frames could
// not tell).
func TestLocalConditionedLearns(t *testing.T) {
	const n, hop = 6000, 100
	rng := rand.New(rand.NewPCG(8, 8))
	clip := Clip{Name: "switching", Codes: make([]int32, n), Frames: make([]float32, n/hop)}
	phase := 0.0
	for j := range n / hop {
		if j%4 == 0 && rng.IntN(2) == 0 || j == 0 {
			clip.Frames[j] = 1
		} else if j%4 == 0 {
			clip.Frames[j] = -1
		} else {
			clip.Frames[j] = clip.Frames[j-1]
		}
		hz := 300.0
		if clip.Frames[j] < 0 {
			hz = 1300
		}
		for i := j * hop; i < (j+1)*hop; i++ {
			phase += 2 * math.Pi * hz / 16000
			x := 0.5 * math.Sin(phase)
			y := math.Copysign(math.Log1p(255*math.Abs(x))/math.Log1p(255), x)
			clip.Codes[i] = int32(min(255, max(0, math.Floor((y+1)/2*255+0.5))))
		}
	}
	var st memStore
	o := testOptions(&st, clip)
	cfg := *o.Config
	cfg.LocalChannels, cfg.LocalHop = 1, hop
	o.Config = &cfg
	o.Cond = Conditioning{Local: "test"}
	o.Steps, o.Hyper.LRHalfLife, o.Hyper.LR = 200, 0, 1e-2
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	m, _, err := wavenet.Decode(st.model)
	if err != nil {
		t.Fatal(err)
	}
	inverted := make([]float32, len(clip.Frames))
	for j, v := range clip.Frames {
		inverted[j] = -v
	}
	own := m.BitsPerSample(clip.Codes, wavenet.Cond{Frames: clip.Frames})
	inv := m.BitsPerSample(clip.Codes, wavenet.Cond{Frames: inverted})
	t.Logf("own frames %.3f bits, inverted %.3f", own, inv)
	if !(own < inv-0.3) {
		t.Errorf("own frames %.3f bits, inverted %.3f: the frames were not learnt", own, inv)
	}
}

// interruptedAt runs o, which saves into st, and cancels it at the log row
// of step; it returns the checkpoint the run left.
func interruptedAt(t *testing.T, o Options, st *memStore, step int) *Checkpoint {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o.OnLog = func(log []LogRow) {
		if log[len(log)-1].Step == step {
			cancel()
		}
	}
	if _, err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	return st.checkpoint(t)
}

// resumeTo24 checks a checkpoint of testOptions' run, interrupted and kept in
// st: resuming with the setting other is refused, naming it as refusal
// says, and resuming without settings to step 24 writes want, the
// uninterrupted run's model.
func resumeTo24(t *testing.T, clip Clip, ck *Checkpoint, st *memStore, want []byte, other Hyper, refusal string) {
	t.Helper()
	bad := Options{Clips: []Clip{clip}, Steps: 24, Resume: ck, Threads: 1, Save: st.save, Hyper: other}
	if _, err := Run(context.Background(), bad); err == nil || !strings.Contains(err.Error(), refusal) {
		t.Errorf("resume with %q: %v", refusal, err)
	}
	resume := Options{Clips: []Clip{clip}, Steps: 24, Resume: ck, Threads: 1, LogEvery: 4, ValEvery: 8, Save: st.save}
	if _, err := Run(context.Background(), resume); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, st.model) {
		t.Error("the resumed run's model differs from the uninterrupted one's")
	}
}

// TestInputNoiseResume: a run with noised inputs gives other weights than
// one without, the same bytes twice, and the same bytes when interrupted
// and resumed (the noise draws come from the run's saved RNG); the
// checkpoint keeps the setting, and resuming with another is refused.
func TestInputNoiseResume(t *testing.T) {
	clip := toneClip("clip", 3000, 1)
	noisy := func(st *memStore) Options {
		o := testOptions(st, clip)
		o.Hyper.InputNoise, o.Hyper.InputNoiseWidth = 0.25, 2
		return o
	}
	var plain, a, a2, b memStore
	quiet := func(st *memStore) Options { return testOptions(st, clip) } // none
	for _, r := range []struct {
		st   *memStore
		opts Options
	}{{&plain, quiet(&plain)}, {&a, noisy(&a)}, {&a2, noisy(&a2)}} {
		if _, err := Run(context.Background(), r.opts); err != nil {
			t.Fatal(err)
		}
	}
	if bytes.Equal(plain.model, a.model) {
		t.Error("input noise left the trained model unchanged")
	}
	// A new run that does not say takes the default noise.
	var d memStore
	def := testOptions(&d, clip)
	def.Hyper.InputNoise, def.Steps = 0, 1
	var plan Plan
	def.OnStart = func(p Plan) { plan = p }
	if _, err := Run(context.Background(), def); err != nil {
		t.Fatal(err)
	}
	if h := plan.Hyper; h.InputNoise != DefaultInputNoise || h.InputNoiseWidth != 0 || DefaultInputNoise > 0 {
		t.Errorf("default input noise %v, width %d; want none (%v)", h.InputNoise, h.InputNoiseWidth, DefaultInputNoise)
	}
	if !bytes.Equal(a.model, a2.model) {
		t.Error("two runs with input noise differ")
	}
	ck := interruptedAt(t, noisy(&b), &b, 12)
	if h := ck.Hyper(); h.InputNoise != 0.25 || h.InputNoiseWidth != 2 {
		t.Errorf("checkpoint's input noise %v, width %d; want 0.25, 2", h.InputNoise, h.InputNoiseWidth)
	}
	resumeTo24(t, clip, ck, &b, a.model, Hyper{InputNoise: 0.5}, "input noise 0.5")
}

// TestValPartsResume: holding out stretches spread over the clip trains
// other weights than holding out its tail, the plan counts the same
// held-out codes, the checkpoint keeps the setting and resuming with
// another is refused; a checkpoint from before the setting (val_parts 0)
// resumes as the tail it held out.
func TestValPartsResume(t *testing.T) {
	clip := toneClip("clip", 3000, 1)
	spread := func(st *memStore) Options {
		o := testOptions(st, clip)
		o.Hyper.ValParts = 3
		return o
	}
	var tail, a, b, c memStore
	var plans [2]Plan
	for i, r := range []struct {
		st   *memStore
		opts Options
	}{{&tail, testOptions(&tail, clip)}, {&a, spread(&a)}} {
		r.opts.OnStart = func(p Plan) { plans[i] = p }
		if _, err := Run(context.Background(), r.opts); err != nil {
			t.Fatal(err)
		}
	}
	if bytes.Equal(tail.model, a.model) {
		t.Error("holding out three stretches trained the same model as holding out the tail")
	}
	if plans[0].Hyper.ValParts != DefaultValParts || plans[1].Hyper.ValParts != 3 || plans[0].HeldOut != 300 || plans[1].HeldOut != 300 {
		t.Errorf("plans: %d parts holding out %d, %d parts holding out %d; want %d and 3 parts, 300 each",
			plans[0].Hyper.ValParts, plans[0].HeldOut, plans[1].Hyper.ValParts, plans[1].HeldOut, DefaultValParts)
	}
	ck := interruptedAt(t, spread(&b), &b, 12)
	if ck.Hyper().ValParts != 3 {
		t.Errorf("checkpoint's validation parts %d, want 3", ck.Hyper().ValParts)
	}
	resumeTo24(t, clip, ck, &b, a.model, Hyper{ValParts: 2}, "validation parts 2")

	old := interruptedAt(t, testOptions(&c, clip), &c, 12)
	old.st.Hyper.ValParts = 0 // as written before the setting existed
	resumeTo24(t, clip, old, &c, tail.model, Hyper{ValParts: 2}, "validation parts 2 (the checkpoint has 1)")
}
