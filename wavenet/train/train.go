// Package train fits a WaveNet model to clips of μ-law codes: random chunks
// of the clips in batches, the cross-entropy of the next code, its gradient
// through the whole model, Adam with bias correction, gradient clipping by
// global norm and optional learning-rate decay, on every core. It keeps a
// validation loss on a held-out part of each clip (its tail, or stretches
// spread over it) and a log, and makes checkpoints from which a run resumes
// exactly.
//
// The package reads and writes no files and draws nothing. The caller gives
// the clips (cmd/wavenet reads WAV files and μ-law encodes them) and hooks in
// [Options]: OnStart, OnStep and OnLog report progress; Save keeps each
// checkpoint, a [Snapshot] that encodes the checkpoint file and the model
// file to any io.Writer; SaveBest keeps the model of the lowest validation
// loss, which a short clip's run reaches long before its end. [DecodeCheckpoint]
// reads a checkpoint file back, and Options.Resume continues from it: the
// same clips, settings and seed then give the same model bytes, the best
// model's included, as a run that never stopped.
//
// When to checkpoint is the package's decision: every
// Options.CheckpointEvery of wall-clock time, every Options.CheckpointSteps
// steps if that is set, at the end, and when the context is done (an
// interrupt), so that a run stopped by a signal continues later where it
// stopped. So is when a model is the best: after each validation lower than
// every one before it in the run.
package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// Hyper holds the settings that shape the training trajectory. They are
// stored in the checkpoint; resuming with different ones is refused. A zero
// field means "the default" for a new run and "the checkpoint's" on resume.
type Hyper struct {
	Batch       int     `json:"batch"`        // chunks per step (default 4)
	Chunk       int     `json:"chunk"`        // samples scored per chunk, T (default 2000)
	LR          float64 `json:"lr"`           // Adam's learning rate (default 1e-3)
	LRHalfLife  int     `json:"lr_half_life"` // steps over which the rate halves; 0 = constant
	ClipNorm    float64 `json:"clip_norm"`    // global gradient-norm bound (default 1)
	ValFraction float64 `json:"val_fraction"` // held-out fraction of each clip (default 0.1; negative = none)
	NoPadStarts bool    `json:"no_pad_starts"`
	Seed        uint64  `json:"seed"`
	// ValParts is the number of stretches the held-out fraction of a clip
	// is spread over: the clip is cut into ValParts equal sections and the
	// last ValFraction of each is held out, so that 1 holds out the clip's
	// tail. 0 is the default, DefaultValParts, for a new run; a checkpoint
	// from before the setting existed has 0 and resumes with 1, its tail.
	ValParts int `json:"val_parts,omitempty"`
	// InputNoise is the fraction of each training chunk's input codes
	// moved to a neighbouring code, ±1 … ±InputNoiseWidth (uniform,
	// clamped to the code range), the targets left as they are: the model
	// learns to continue a waveform from a slightly wrong past, as it must
	// when it hears its own draws, and memorises a short clip more slowly.
	// Negative: none (0 is the default, DefaultInputNoise, none since pitch
	// augmentation became the default; a checkpoint from before the
	// setting existed has 0 and resumes without noise).
	// Validation is never noised.
	InputNoise      float64 `json:"input_noise,omitempty"`
	InputNoiseWidth int     `json:"input_noise_width,omitempty"` // in codes; 0: DefaultInputNoiseWidth
	// PreEmphasis is α of the pre-emphasis the clips' codes were made with
	// (audio.PreEmphasize, by the caller: Run sees only codes): the model
	// files record it (wavenet.Metadata.PreEmphasis) so that what reads
	// them turns sound into codes and back the same way. Negative: none (0
	// is the default, DefaultPreEmphasis; a checkpoint from before the
	// setting existed has 0 and resumes without). Use EffectivePreEmphasis
	// for the α in force.
	PreEmphasis float64 `json:"pre_emphasis,omitempty"`
	// GainAugment is the largest attenuation, in dB, of a training chunk:
	// each chunk, inputs and targets alike, is coded afresh from its clip's
	// Sound made quieter by a gain drawn uniformly in dB from
	// [−GainAugment, 0], so that the model learns the sound at every level
	// it passes through as it decays, not only at the levels of the clip's
	// training part; every clip then needs its Sound. Validation is never
	// attenuated. 0 or negative: none, the default (measured in the
	// README's "What to expect": it helps some clips and not others). A
	// model conditioned on local frames refuses it: they describe the
	// clip's own loudness.
	GainAugment float64 `json:"gain_augment_db,omitempty"`
	// PitchAugment is the largest pitch change, in cents, of a training
	// chunk: each chunk, inputs and targets alike, is coded afresh from its
	// clip's Sound played at a speed 2^(x/1200), x drawn uniformly from
	// [−PitchAugment, PitchAugment] (band-limited, audio.Stretch), so that
	// the model learns to carry on a waveform of any period near the clip's
	// instead of the clip's own samples; every clip then needs its Sound.
	// Validation is never changed. Negative: none (0 is the default,
	// DefaultPitchAugment, for a new run without local frames, none for one
	// with them, which refuses it: they describe the clip's own timing; a
	// checkpoint from before the setting existed has 0 and resumes without).
	PitchAugment float64 `json:"pitch_augment_cents,omitempty"`
}

// NeedsSound says whether a run with h codes its training chunks afresh
// from the clips' sound (pitch or gain augmentation), and so needs each
// clip's Sound besides its Codes. h is a run's settings with the defaults
// filled in: a checkpoint's, or what Defaults gives.
func (h Hyper) NeedsSound() bool { return h.PitchAugment > 0 || h.GainAugment > 0 }

// Defaults returns h with its zero fields set as a new run of a model of
// cfg sets them, or the error Run would give for h.
func Defaults(h Hyper, cfg wavenet.Config) (Hyper, error) {
	return mergeHyper(h, true, cfg.LocalChannels > 0, nil)
}

// EffectivePreEmphasis is the α that h's codes are made with: h.PreEmphasis
// once Run has filled in the defaults, 0 for none.
func (h Hyper) EffectivePreEmphasis() float64 { return max(0, h.PreEmphasis) }

// Defaults: the PyTorch reference's recipe.
const (
	DefaultBatch       = 4
	DefaultChunk       = 2000
	DefaultLR          = 1e-3
	DefaultClipNorm    = 1
	DefaultValFraction = 0.1
	DefaultValParts    = 1
	// DefaultInputNoise: none (negative), since pitch augmentation keeps a
	// short clip from being memorised: with both, the takes are noisier
	// (README, "What to expect": guitar-12's spectral correlation 0.75
	// with half the input codes moved, 0.83 without). DefaultInputNoiseWidth
	// is the width when noise is asked for: up to 4 codes.
	DefaultInputNoise      = -1
	DefaultInputNoiseWidth = 4
	// DefaultPitchAugment: ±35 cents (±2 %). Measured on sound-icons clips
	// (README, "What to expect"): the lowest validation loss comes hundreds
	// of steps later and 0.7–0.8 bits lower, and the takes hold the
	// clip's note.
	DefaultPitchAugment = 35
	// DefaultPreEmphasis: LPCNet's α. Measured on sound-icons clips
	// (README, "What to expect"): the takes of piano-3 and guitar-12 keep
	// the note with the clip's spectrum (log-spectrum correlation 0.80–0.89
	// where it was 0.60–0.77) instead of decaying into a hiss.
	DefaultPreEmphasis = 0.85
	DefaultCheckpoint  = 3 * time.Minute
	DefaultLogEvery    = 10
	DefaultValEvery    = 50
)

// Conditioning describes a run's conditioning beyond the model config
// (which has the class count, the embedding width, the channels and hop of
// the frames).
type Conditioning struct {
	// Classes are the names of the global classes, index = Clip.Class; as
	// many as the config's global_classes, none without global
	// conditioning. They become the model's `training` metadata's
	// `classes` (FORMAT.md), by which users choose a class.
	Classes []string `json:"classes,omitempty"`
	// ClassesFrom says how the caller assigned the classes (cmd/wavenet:
	// "folder" or "file"); recorded and checked on resume, otherwise free.
	ClassesFrom string `json:"classes_from,omitempty"`
	// Local says what the frames are (cmd/wavenet: "log-mel"); required
	// with local conditioning, empty without.
	Local string `json:"local,omitempty"`
}

// Options configure Run.
type Options struct {
	// Clips are the training data. Run works on a copy, in which it sets
	// each clip's Held from Hyper.ValFraction and Hyper.ValParts.
	Clips  []Clip
	Config *wavenet.Config // a new run's model (required); on resume nil or the checkpoint's
	Hyper  Hyper
	// SeedSet says Hyper.Seed was given (0 is a valid seed).
	SeedSet bool
	// Cond describes what the clips are conditioned on (their Class and
	// Frames): the class names of a globally conditioned config, what the
	// frames of a locally conditioned one are. It is recorded in the
	// checkpoint and the model's metadata; resuming with another is refused.
	Cond Conditioning
	// Resume, if not nil, is the checkpoint the run continues from; the
	// clips must be those it was made on.
	Resume *Checkpoint

	Steps   int     // stop after this many steps in total (0 = no limit)
	Minutes float64 // stop after this much training time in total (0 = no limit)
	// Patience, if positive, also stops the run once this many validations
	// in a row have not lowered the lowest validation loss: on a short clip
	// that lowest comes early (piano-3 at 2 threads: step 350 of the ~5700
	// of ten minutes) and the steps after it only memorise. The lowest
	// carries across a resume, as the steps do.
	Patience int

	Threads int // goroutines over batch items (0 = GOMAXPROCS); results do not depend on it

	// Version names the program that trains, e.g. its build as
	// cmd/wavenet's --version prints it; it goes into the model file's
	// training metadata as "version" (left out when empty), so that a file
	// says which build made it.
	Version string

	CheckpointEvery time.Duration // wall-clock time between checkpoints (0 = DefaultCheckpoint)
	CheckpointSteps int           // also checkpoint after every this many steps (0 = by time only)
	LogEvery        int           // steps per log row (0 = DefaultLogEvery)
	ValEvery        int           // steps per validation (0 = DefaultValEvery), a multiple of LogEvery

	// The hooks; any may be nil. They run on Run's goroutine, and the
	// slices they are given are valid only during the call.

	// OnStart is called once, before the first step, with what the run is.
	OnStart func(Plan)
	// OnStep is called after every step.
	OnStep func(Status)
	// OnLog is called with the whole log each time a row is added (the new
	// row last). At the end the last row may gain a validation loss without
	// a call: the final Snapshot's Log has it.
	OnLog func(log []LogRow)
	// Save keeps a checkpoint; nil keeps nothing. It should write the
	// checkpoint file before the model file, each whole or not at all: the
	// checkpoint alone is enough to resume, so a crash between the two
	// loses nothing. An error mid-run is passed to OnWarn and training goes
	// on; an error at the end is Run's error. The Snapshot also holds the
	// best model so far (BestStep, EncodeBest), for a Save that keeps it
	// if SaveBest could not, or on resume, where the file kept may be
	// another step's.
	Save func(*Snapshot) error
	// SaveBest keeps the model of the lowest validation loss; nil keeps
	// none apart from what Save does. It is called after each validation
	// lower than every one before it in the run (the checkpoint carries the
	// lowest across a resume), with the run at that step: Snapshot.Step is
	// BestStep, and EncodeBest and EncodeModel write the same bytes, those
	// of the model file Save would write at that step. An error is passed
	// to OnWarn.
	SaveBest func(*Snapshot) error
	// OnWarn is called with what the user should hear about but does not
	// stop the run: a clip too short to train on (before the first step),
	// a checkpoint that could not be saved.
	OnWarn func(error)

	// MemoryLimit, if positive, is the most the run may allocate, in
	// bytes: a run whose Footprint is larger is refused with a
	// *MemoryError before anything large is allocated.
	MemoryLimit int64
}

// Plan is what a run is about to do, for OnStart.
type Plan struct {
	Clips          int   // clips
	Samples        int   // samples in all clips
	HeldOut        int   // of which held out for validation
	ReceptiveField int   // samples
	Params         int   // model parameters
	Hyper          Hyper // the settings in force (the checkpoint's on resume)
	Threads        int   // goroutines over batch items
	Cond           Conditioning
	// ClassClips and ClassSamples are, per class, its clips and their
	// samples; nil without global conditioning.
	ClassClips, ClassSamples []int
	// Step and Elapsed are where a resumed run starts; 0 for a new run.
	Step    int
	Elapsed time.Duration
}

// Status is a run's state after a step, for OnStep.
type Status struct {
	Step          int
	Elapsed       time.Duration // training time so far
	TrainBits     float64       // the last log row's; 0 before the first row
	ValBits       float64       // the last validation; −1 before the first
	ValClassBits  []float64     // the last validation per class (see LogRow); nil before the first or without classes
	SamplesPerSec float64       // the last log row's; 0 before the first row
}

// LogRow is one row of the training log.
type LogRow struct {
	Step      int     `json:"step"`
	Seconds   float64 `json:"seconds"` // training time so far
	Samples   int64   `json:"samples"` // scored samples so far
	LR        float64 `json:"lr"`
	TrainBits float64 `json:"train_bits"` // mean over the steps since the previous row
	ValBits   float64 `json:"val_bits"`   // −1 when not measured at this row
	// ValClassBits is, for a globally conditioned model at a row with a
	// validation, the validation bits of each class's clips, in class
	// order (−1 for a class with nothing held out); nil otherwise.
	ValClassBits  []float64 `json:"val_class_bits,omitempty"`
	GradNorm      float64   `json:"grad_norm"` // mean norm before clipping, since the previous row
	SamplesPerSec float64   `json:"samples_per_sec"`
}

// Result is what Run did.
type Result struct {
	Steps        int
	Samples      int64         // scored samples seen in total
	Elapsed      time.Duration // training time in total
	TrainBits    float64       // the last log row's
	ValBits      float64       // the last validation, −1 if none
	ValClassBits []float64     // the last validation per class; nil if none or without classes
	ClipBits     float64       // whole-clip bits/sample over all clips (as `wavenet eval`), at the end; 0 if interrupted
	Interrupted  bool          // stopped by ctx; the final checkpoint was saved
	BestStep     int           // the step of the lowest validation, 0 if none
	BestValBits  float64       // that validation loss, −1 if none
	Patient      bool          // stopped by Options.Patience, not by a limit or ctx
}

// trainingMeta is the model file's `training` metadata. It holds nothing
// that depends on the clock, so the same run gives the same bytes.
type trainingMeta struct {
	Steps     int        `json:"steps"`
	Samples   int64      `json:"samples"`
	Hyper     Hyper      `json:"hyper"`
	TrainBits float64    `json:"train_bits"`
	ValBits   float64    `json:"val_bits,omitempty"`
	ClipBits  float64    `json:"clip_bits,omitempty"`
	Data      []dataMeta `json:"data"`
	DataHash  string     `json:"data_sha256"`
	Version   string     `json:"version,omitempty"` // Options.Version: the build that trained

	Classes      []string  `json:"classes,omitempty"`        // FORMAT.md: the global classes' names, in id order
	ClassesFrom  string    `json:"classes_from,omitempty"`   // how they were assigned
	ValClassBits []float64 `json:"val_class_bits,omitempty"` // the last validation per class
	Local        string    `json:"local,omitempty"`          // what the local frames are
}

type dataMeta struct {
	File    string `json:"file"`
	Samples int    `json:"samples"`
	HeldOut int    `json:"held_out"`
	Class   string `json:"class,omitempty"` // its class's name, with global conditioning
}

// run is the state of one Run.
type run struct {
	opts     Options
	m        *wavenet.Model
	adam     *Adam
	pcg      *rand.PCG
	rng      *rand.Rand
	data     *Data
	recoder  recoder // codes training chunks afresh (Hyper.PitchAugment, Hyper.GainAugment)
	val      []Chunk
	tr       *trainer
	hyper    Hyper
	dataHash string

	step      int
	elapsed   time.Duration
	samples   int64
	log       []LogRow
	window    []float64 // per step since the last row: nats, grad norm, alternating
	lastVal   float64
	lastTrain float64
	lastClass []float64 // the last validation per class

	best      *bestHeader    // the lowest validation so far; nil before the first
	bestModel *wavenet.Model // the model at best.Step; nil before the first
}

// ErrNotFinite is wrapped by Run's error when a step's loss or gradient is
// not finite: the run stops there, and the last checkpoint saved is the
// last good one.
var ErrNotFinite = errors.New("the loss or gradient is not finite")

// Run trains as opts say. It returns when the step or time limit is reached,
// when Options.Patience has run out, or when ctx is done; in every case it
// saves a final checkpoint. An interruption
// is not an error: Result.Interrupted is set.
func Run(ctx context.Context, opts Options) (Result, error) {
	if opts.Steps <= 0 && opts.Minutes <= 0 {
		return Result{}, errors.New("train: give a step limit or a time limit")
	}
	if opts.Patience < 0 {
		return Result{}, fmt.Errorf("train: patience %d: want 0 (none) or more validations", opts.Patience)
	}
	r := &run{opts: opts, lastVal: -1}
	if opts.LogEvery <= 0 {
		r.opts.LogEvery = DefaultLogEvery
	}
	if opts.ValEvery <= 0 {
		r.opts.ValEvery = DefaultValEvery
	}
	if r.opts.ValEvery%r.opts.LogEvery != 0 {
		r.opts.ValEvery = (r.opts.ValEvery/r.opts.LogEvery + 1) * r.opts.LogEvery
	}
	if opts.CheckpointEvery <= 0 {
		r.opts.CheckpointEvery = DefaultCheckpoint
	}
	threads := opts.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	ck := opts.Resume

	// The model and the hyper-parameters: from the checkpoint or new.
	cfg, err := r.config(ck)
	if err != nil {
		return Result{}, err
	}
	if r.hyper, err = mergeHyper(opts.Hyper, opts.SeedSet, cfg.LocalChannels > 0, ck); err != nil {
		return Result{}, err
	}
	if cfg.LocalChannels > 0 && r.hyper.GainAugment > 0 {
		return Result{}, fmt.Errorf("train: %w", &HyperError{"gain_augment_db", r.hyper.GainAugment,
			"none (0 or less) for a model conditioned on local frames: they describe the clip's own loudness"})
	}
	if cfg.LocalChannels > 0 && r.hyper.PitchAugment > 0 {
		return Result{}, fmt.Errorf("train: %w", &HyperError{"pitch_augment_cents", r.hyper.PitchAugment,
			"none (0 or less) for a model conditioned on local frames: they describe the clip's own timing and pitch"})
	}
	clips, err := splitClips(opts.Clips, cfg, r.hyper.ValFraction, r.hyper.ValParts, r.hyper.NeedsSound())
	if err != nil {
		return Result{}, err
	}
	if opts.MemoryLimit > 0 {
		fp := NewFootprint(cfg, r.hyper, threads, clips, ck != nil)
		if fp.Total() > opts.MemoryLimit {
			return Result{}, &MemoryError{Footprint: fp, Limit: opts.MemoryLimit}
		}
	}
	if r.m, err = wavenet.New(cfg); err != nil {
		return Result{}, fmt.Errorf("train: %w", err)
	}

	if err := checkConditioning(cfg, opts.Cond, clips); err != nil {
		return Result{}, err
	}
	r.dataHash = Fingerprint(clips)
	rf := cfg.ReceptiveField()
	T := r.hyper.Chunk
	if r.data, err = NewData(clips, rf, T, !r.hyper.NoPadStarts, int32(cfg.QuantizationChannels/2)); err != nil {
		return Result{}, err
	}
	r.recoder = recoder{q: cfg.QuantizationChannels, filler: r.data.Filler}
	if opts.OnWarn != nil {
		for _, i := range r.data.Short {
			c := clips[i]
			stretches := ","
			if n := len(c.training()); n > 1 {
				stretches = fmt.Sprintf(" in %d stretches, each", n)
			}
			opts.OnWarn(fmt.Errorf("%s: %d samples to train on (of %d; %d held out)%s fewer than the %d a chunk needs: no chunk is drawn from it",
				c.Name, len(c.Codes)-c.HeldOut(), len(c.Codes), c.HeldOut(), stretches, r.data.MinTrain()))
		}
	}
	if err := r.checkClassChunks(); err != nil {
		return Result{}, err
	}
	r.val = r.data.Validation()

	if ck != nil {
		if err := ck.st.Cond.differs(opts.Cond); err != nil {
			return Result{}, fmt.Errorf("train: resume: the conditioning differs from that of %s: %w; resume with the same or start a new run", ck.name, err)
		}
		if ck.st.Data != r.dataHash {
			return Result{}, fmt.Errorf("train: resume: the training data differ from those of %s (same files, in the same order, are needed)", ck.name)
		}
		if err := r.restore(ck); err != nil {
			return Result{}, err
		}
	} else {
		initModel(r.m, r.hyper.Seed)
		r.adam = NewAdam(len(r.m.Params))
		r.pcg = rand.NewPCG(r.hyper.Seed, 2)
	}
	r.rng = rand.New(r.pcg)
	r.tr = newTrainer(r.m, r.hyper.Batch, rf-1+T, threads)

	if opts.OnStart != nil {
		p := Plan{Clips: len(clips), Samples: totalSamples(clips), HeldOut: heldOut(clips),
			ReceptiveField: rf, Params: len(r.m.Params), Hyper: r.hyper, Threads: len(r.tr.workers),
			Cond: opts.Cond, Step: r.step, Elapsed: r.elapsed}
		if n := cfg.GlobalClasses; n > 0 {
			p.ClassClips, p.ClassSamples = make([]int, n), make([]int, n)
			for _, c := range clips {
				p.ClassClips[c.Class]++
				p.ClassSamples[c.Class] += len(c.Codes)
			}
		}
		opts.OnStart(p)
	}
	return r.loop(ctx, clips)
}

// splitClips copies clips, each with its held-out stretches marked: cut
// into parts equal sections, the last valFraction of each (rounded to a
// sample), none when valFraction ≤ 0, so that one part holds out the tail;
// and its Sound kept if sound (gain augmentation), else dropped. It refuses
// codes outside the model's Q classes, and with sound, a clip whose Sound
// does not match its Codes.
func splitClips(clips []Clip, cfg wavenet.Config, valFraction float64, parts int, sound bool) ([]Clip, error) {
	if len(clips) == 0 {
		return nil, errors.New("train: no clips to train on")
	}
	q := int32(cfg.QuantizationChannels)
	out := make([]Clip, len(clips))
	for i, c := range clips {
		for j, x := range c.Codes {
			if x < 0 || x >= q {
				return nil, fmt.Errorf("train: %s: code %d at sample %d is outside the model's %d classes", c.Name, x, j, q)
			}
		}
		c.Held = nil
		n := len(c.Codes)
		for k := 0; k < parts && valFraction > 0; k++ {
			from, to := k*n/parts, (k+1)*n/parts
			if held := int(math.Round(float64(to-from) * valFraction)); held > 0 {
				c.Held = append(c.Held, Span{to - held, to})
			}
		}
		switch {
		case !sound:
			c.Sound = nil // not needed: not held
		case len(c.Sound) != len(c.Codes):
			return nil, fmt.Errorf("train: %s: pitch and gain augmentation code the clip's sound afresh, and it has %d samples of sound for %d codes", c.Name, len(c.Sound), len(c.Codes))
		}
		out[i] = c
	}
	return out, nil
}

// checkConditioning refuses clips whose conditioning does not fit the
// config and cond: class names that are not the config's global_classes
// distinct non-empty names, a class outside them or without a clip, frames
// of the wrong size or not finite, conditioning the model does not take.
func checkConditioning(cfg wavenet.Config, cond Conditioning, clips []Clip) error {
	N := cfg.GlobalClasses
	switch {
	case N == 0 && len(cond.Classes) > 0:
		return fmt.Errorf("train: %d class names given for a model without global conditioning", len(cond.Classes))
	case N > 0 && len(cond.Classes) != N:
		return fmt.Errorf("train: the model has %d global classes but %d class names are given", N, len(cond.Classes))
	case cfg.LocalChannels == 0 && cond.Local != "":
		return fmt.Errorf("train: local features %q given for a model without local conditioning", cond.Local)
	case cfg.LocalChannels > 0 && cond.Local == "":
		return errors.New("train: a locally conditioned model needs Conditioning.Local to say what its frames are")
	}
	seen := make(map[string]bool, N)
	for _, name := range cond.Classes {
		if name == "" || seen[name] {
			return fmt.Errorf("train: class names %q: each must be non-empty and given once", cond.Classes)
		}
		seen[name] = true
	}
	used := make([]bool, N)
	for _, c := range clips {
		if cfg.LocalChannels > 0 {
			want := cfg.LocalChannels * ((len(c.Codes) + cfg.LocalHop - 1) / cfg.LocalHop)
			if len(c.Frames) != want {
				return fmt.Errorf("train: %s: %d frame values for %d samples; at hop %d with %d channels the clip has %d",
					c.Name, len(c.Frames), len(c.Codes), cfg.LocalHop, cfg.LocalChannels, want)
			}
		}
		if err := c.cond(0).Check(cfg); err != nil {
			return fmt.Errorf("train: %s: %w", c.Name, err)
		}
		if N > 0 {
			used[c.Class] = true
		}
	}
	for k, u := range used {
		if !u {
			return fmt.Errorf("train: class %q (id %d) has no clip", cond.Classes[k], k)
		}
	}
	return nil
}

// checkClassChunks refuses a run in which a class would never be trained:
// all its clips too short for a chunk.
func (r *run) checkClassChunks() error {
	N := r.m.Config.GlobalClasses
	if N == 0 {
		return nil
	}
	starts := make([]int, N)
	for i, c := range r.data.Clips {
		starts[c.Class] += r.data.Starts(i)
	}
	for k, n := range starts {
		if n == 0 {
			return fmt.Errorf("train: class %q: no clip of it is long enough for a chunk of %d context + %d samples; use a smaller --chunk, longer clips or padded starts",
				r.opts.Cond.Classes[k], r.data.RF-1, r.data.T)
		}
	}
	return nil
}

// differs returns an error naming how c and the given conditioning differ,
// or nil when they are the same.
func (c Conditioning) differs(given Conditioning) error {
	var diffs []string
	if !slices.Equal(c.Classes, given.Classes) {
		diffs = append(diffs, fmt.Sprintf("classes %s (the checkpoint has %s)", classList(given.Classes), classList(c.Classes)))
	}
	if c.ClassesFrom != given.ClassesFrom {
		diffs = append(diffs, fmt.Sprintf("classes by %q (the checkpoint's by %q)", given.ClassesFrom, c.ClassesFrom))
	}
	if c.Local != given.Local {
		diffs = append(diffs, fmt.Sprintf("local features %q (the checkpoint has %q)", given.Local, c.Local))
	}
	if len(diffs) == 0 {
		return nil
	}
	return errors.New(strings.Join(diffs, "; "))
}

// classList shows class names for messages: [a b c], or "none".
func classList(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	return "[" + strings.Join(names, " ") + "]"
}

// initModel gives a new run's model its initial weights: wavenet.RandomInit
// from seed, then every conditioning projection zero, as the reference
// trains: the class embedding starts N(0, 1) and the first step is that of
// the unconditioned model of the same seed, from which the projections
// learn what the conditioning adds.
func initModel(m *wavenet.Model, seed uint64) {
	wavenet.RandomInit(m, rand.New(rand.NewPCG(seed, 1)))
	for i := range m.Layers {
		ly := &m.Layers[i]
		clear(ly.FilterGlobal)
		clear(ly.GateGlobal)
		clear(ly.FilterLocal)
		clear(ly.GateLocal)
	}
}

func totalSamples(clips []Clip) int {
	n := 0
	for _, c := range clips {
		n += len(c.Codes)
	}
	return n
}

func heldOut(clips []Clip) int {
	n := 0
	for _, c := range clips {
		n += c.HeldOut()
	}
	return n
}

// config picks the model config: the checkpoint's on resume (a conflicting
// Options.Config is refused), else Options.Config.
func (r *run) config(ck *Checkpoint) (wavenet.Config, error) {
	if ck != nil {
		cfg, err := ck.Config()
		if err != nil {
			return wavenet.Config{}, err
		}
		if r.opts.Config != nil && r.opts.Config.JSON() != cfg.JSON() {
			return wavenet.Config{}, fmt.Errorf("train: resume: the model config differs from that of %s", ck.name)
		}
		return cfg, nil
	}
	if r.opts.Config == nil {
		return wavenet.Config{}, errors.New("train: a new run needs a model config")
	}
	return *r.opts.Config, nil
}

// mergeHyper fills the zero fields of h with the checkpoint's (on resume)
// or the defaults (those of a model conditioned on local frames if local),
// and refuses a set field that contradicts the checkpoint.
func mergeHyper(h Hyper, seedSet, local bool, ck *Checkpoint) (Hyper, error) {
	if ck != nil {
		c := ck.st.Hyper
		var diffs []string
		diff := func(name string, set bool, give, have any) {
			if set && give != have {
				diffs = append(diffs, fmt.Sprintf("%s %v (the checkpoint has %v)", name, give, have))
			}
		}
		diff("batch", h.Batch != 0, h.Batch, c.Batch)
		diff("chunk", h.Chunk != 0, h.Chunk, c.Chunk)
		diff("lr", h.LR != 0, h.LR, c.LR)
		diff("lr half-life", h.LRHalfLife != 0, h.LRHalfLife, c.LRHalfLife)
		diff("clip norm", h.ClipNorm != 0, h.ClipNorm, c.ClipNorm)
		diff("validation fraction", h.ValFraction != 0, h.ValFraction, c.ValFraction)
		diff("validation parts", h.ValParts != 0, h.ValParts, max(1, c.ValParts))
		diff("no-pad-starts", h.NoPadStarts, h.NoPadStarts, c.NoPadStarts)
		diff("seed", seedSet, h.Seed, c.Seed)
		diff("input noise", h.InputNoise != 0, h.InputNoise, c.InputNoise)
		diff("input noise width", h.InputNoiseWidth != 0, h.InputNoiseWidth, c.InputNoiseWidth)
		diff("pre-emphasis", h.PreEmphasis != 0, h.PreEmphasis, c.PreEmphasis)
		diff("gain augmentation", h.GainAugment != 0, max(0, h.GainAugment), max(0, c.GainAugment))
		diff("pitch augmentation", h.PitchAugment != 0, max(0, h.PitchAugment), max(0, c.PitchAugment))
		if len(diffs) > 0 {
			return Hyper{}, fmt.Errorf("train: resume: %s; resume with the same settings or start a new run", strings.Join(diffs, ", "))
		}
		if err := c.Validate(); err != nil {
			return Hyper{}, fmt.Errorf("train: resume: %s: %w (a damaged checkpoint?)", ck.name, err)
		}
		c.ValParts = max(1, c.ValParts) // from before the setting: the tail
		return c, nil
	}
	if h.Batch == 0 {
		h.Batch = DefaultBatch
	}
	if h.Chunk == 0 {
		h.Chunk = DefaultChunk
	}
	if h.LR == 0 {
		h.LR = DefaultLR
	}
	if h.ClipNorm == 0 {
		h.ClipNorm = DefaultClipNorm
	}
	if h.ValFraction == 0 {
		h.ValFraction = DefaultValFraction
	}
	if h.ValParts == 0 {
		h.ValParts = DefaultValParts
	}
	if h.InputNoise == 0 {
		h.InputNoise = DefaultInputNoise
	}
	if h.InputNoise > 0 && h.InputNoiseWidth == 0 {
		h.InputNoiseWidth = DefaultInputNoiseWidth
	}
	if h.PreEmphasis == 0 {
		h.PreEmphasis = DefaultPreEmphasis
	}
	if h.PitchAugment == 0 {
		h.PitchAugment = DefaultPitchAugment
		if local {
			h.PitchAugment = -1
		}
	}
	if err := h.Validate(); err != nil {
		return Hyper{}, fmt.Errorf("train: %w", err)
	}
	return h, nil
}

// Limits of Hyper's fields (see Validate).
const (
	MaxBatch    = 4096
	MaxChunk    = 1 << 22
	MaxValParts = 64
)

// HyperError is a Hyper field outside its range.
type HyperError struct {
	Field string // the field's JSON key: "batch", "chunk", "lr", "lr_half_life", "clip_norm", "val_fraction", …
	Value any
	Want  string // the range, for people
}

func (e *HyperError) Error() string {
	return fmt.Sprintf("%s %v, want %s", strings.ReplaceAll(e.Field, "_", " "), e.Value, e.Want)
}

// Validate checks every field of h as a run uses it, zero meaning zero (not
// the default): a new run's settings after the defaults are filled in, a
// checkpoint's on resume, and cmd/wavenet's flags, so that all three obey
// one rule. The error is a *HyperError.
func (h Hyper) Validate() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case h.Batch < 1 || h.Batch > MaxBatch:
		return &HyperError{"batch", h.Batch, fmt.Sprintf("1 … %d", MaxBatch)}
	case h.Chunk < 1 || h.Chunk > MaxChunk:
		return &HyperError{"chunk", h.Chunk, fmt.Sprintf("1 … %d", MaxChunk)}
	case !(h.LR > 0) || !finite(h.LR):
		return &HyperError{"lr", h.LR, "a finite rate above 0"}
	case h.LRHalfLife < 0:
		return &HyperError{"lr_half_life", h.LRHalfLife, "0 (constant) or more steps"}
	case !(h.ClipNorm > 0) || !finite(h.ClipNorm):
		return &HyperError{"clip_norm", h.ClipNorm, "a finite norm above 0"}
	case !(h.ValFraction < 1) || !finite(h.ValFraction):
		return &HyperError{"val_fraction", h.ValFraction, "below 1 (0 or less holds nothing out)"}
	case h.ValParts < 0 || h.ValParts > MaxValParts:
		return &HyperError{"val_parts", h.ValParts, fmt.Sprintf("1 … %d (0: the default, or a checkpoint's tail)", MaxValParts)}
	case !(h.InputNoise <= 1) || !finite(h.InputNoise):
		return &HyperError{"input_noise", h.InputNoise, "a fraction up to 1 (0 or less: none)"}
	case h.InputNoise > 0 && (h.InputNoiseWidth < 1 || h.InputNoiseWidth > MaxInputNoiseWidth):
		return &HyperError{"input_noise_width", h.InputNoiseWidth, fmt.Sprintf("1 … %d codes with input_noise", MaxInputNoiseWidth)}
	case !(h.PreEmphasis < 1) || !finite(h.PreEmphasis):
		return &HyperError{"pre_emphasis", h.PreEmphasis, "a coefficient below 1 (0 or less: none)"}
	case !(h.GainAugment <= MaxGainAugment) || !finite(h.GainAugment):
		return &HyperError{"gain_augment_db", h.GainAugment, fmt.Sprintf("at most %d dB (0 or less: none)", MaxGainAugment)}
	case !(h.PitchAugment <= MaxPitchAugment) || !finite(h.PitchAugment):
		return &HyperError{"pitch_augment_cents", h.PitchAugment, fmt.Sprintf("at most %d cents (0 or less: none)", MaxPitchAugment)}
	}
	return nil
}

// restore loads the checkpoint's parameters, moments, RNG and log.
func (r *run) restore(ck *Checkpoint) error {
	st := ck.st
	if st.Params != len(r.m.Params) {
		return fmt.Errorf("train: %s: %d parameters, the config has %d", ck.name, st.Params, len(r.m.Params))
	}
	copy(r.m.Params, st.params)
	r.adam = NewAdam(len(r.m.Params))
	copy(r.adam.M, st.m)
	copy(r.adam.V, st.v)
	r.adam.T = st.AdamT
	r.pcg = &rand.PCG{}
	err := r.pcg.UnmarshalBinary(st.RNG)
	if err != nil {
		return fmt.Errorf("train: %s: RNG state: %w", ck.name, err)
	}
	r.step = st.Step
	r.elapsed = time.Duration(st.Elapsed * float64(time.Second))
	r.samples = st.Samples
	r.log = slices.Clone(st.Log)
	r.window = slices.Clone(st.TrainWindow)
	if st.Best != nil {
		b := *st.Best
		r.best = &b
		if r.bestModel, err = wavenet.New(r.m.Config); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		copy(r.bestModel.Params, st.best)
	}
	for _, row := range r.log {
		r.lastTrain = row.TrainBits
		if row.ValBits >= 0 {
			r.lastVal, r.lastClass = row.ValBits, row.ValClassBits
		}
	}
	return nil
}

// done reports whether a limit is reached.
func (r *run) done() bool {
	return (r.opts.Steps > 0 && r.step >= r.opts.Steps) ||
		(r.opts.Minutes > 0 && r.elapsed.Minutes() >= r.opts.Minutes) || r.outOfPatience()
}

// outOfPatience reports whether Options.Patience validations have passed
// since the lowest without a lower one: validations come every ValEvery
// steps, so that is when the step is Patience·ValEvery past the lowest's.
func (r *run) outOfPatience() bool {
	return r.opts.Patience > 0 && r.best != nil && r.step-r.best.Step >= r.opts.Patience*r.opts.ValEvery
}

// loop runs the steps and the checkpoints.
func (r *run) loop(ctx context.Context, clips []Clip) (Result, error) {
	batch := make([]Chunk, r.hyper.Batch)
	lastCkpt := time.Now()
	rowElapsed, rowSamples := r.elapsed, r.samples
	interrupted := false
	pendingBest := false // a best at the last step, kept with the final score
	for !r.done() {
		if ctx.Err() != nil {
			interrupted = true
			break
		}
		t0 := time.Now()
		for i := range batch {
			r.data.Sample(&batch[i], r.rng)
			if r.hyper.NeedsSound() {
				r.recoder.recode(&batch[i], &r.data.Clips[batch[i].clip], r.hyper.PitchAugment, r.hyper.GainAugment, r.rng)
			}
			if r.hyper.InputNoise > 0 {
				jitter(batch[i].Inputs, r.hyper.InputNoise, r.hyper.InputNoiseWidth, r.m.Config.QuantizationChannels, r.rng)
			}
		}
		nats := r.tr.lossAndGrad(batch)
		norm := ClipGlobalNorm(r.tr.grad.Params, r.hyper.ClipNorm)
		if math.IsNaN(nats) || math.IsInf(nats, 0) || math.IsInf(norm, 0) || math.IsNaN(norm) {
			return Result{}, fmt.Errorf("train: step %d: %w (loss %v nats, gradient norm %v); the step was not taken, and no checkpoint is made of it: lower the learning rate",
				r.step+1, ErrNotFinite, nats, norm)
		}
		r.adam.Update(r.m.Params, r.tr.grad.Params, LearningRate(r.hyper.LR, r.step, r.hyper.LRHalfLife))
		r.step++
		for i := range batch {
			r.samples += int64(batch[i].Count)
		}
		r.elapsed += time.Since(t0)
		r.window = append(r.window, nats, norm)

		if r.step%r.opts.LogEvery == 0 {
			if r.addRow(r.step%r.opts.ValEvery == 0, r.elapsed-rowElapsed, r.samples-rowSamples) {
				if pendingBest = r.done(); !pendingBest {
					r.keepBest(0)
				}
			}
			rowElapsed, rowSamples = r.elapsed, r.samples
		}
		if r.opts.OnStep != nil {
			r.opts.OnStep(Status{Step: r.step, Elapsed: r.elapsed, TrainBits: r.lastTrain, ValBits: r.lastVal,
				ValClassBits: r.lastClass, SamplesPerSec: r.rate()})
		}
		// The final checkpoint follows at the last step.
		bySteps := r.opts.CheckpointSteps > 0 && r.step%r.opts.CheckpointSteps == 0
		if (bySteps || time.Since(lastCkpt) >= r.opts.CheckpointEvery) && !r.done() {
			if err := r.checkpoint(0, false); err != nil && r.opts.OnWarn != nil {
				r.opts.OnWarn(fmt.Errorf("checkpoint at step %d failed: %w", r.step, err))
			}
			lastCkpt = time.Now()
		}
	}
	clipBits := 0.0
	if !interrupted {
		// End with a row at the final step that has a validation loss.
		improved := pendingBest
		if n := len(r.log); len(r.window) == 0 && n > 0 && r.log[n-1].Step == r.step {
			if r.log[n-1].ValBits < 0 && len(r.val) > 0 {
				improved = r.validated(r.validate(&r.log[n-1]))
			}
		} else {
			improved = r.addRow(true, r.elapsed-rowElapsed, r.samples-rowSamples)
		}
		clipBits = r.clipBits(clips)
		if improved {
			// After the whole-clip score, so that the best model is the
			// final model, byte for byte, when the last step is the best.
			r.keepBest(clipBits)
		}
	} else if pendingBest {
		r.keepBest(0)
	}
	if err := r.checkpoint(clipBits, true); err != nil {
		return Result{}, fmt.Errorf("train: final checkpoint at step %d failed: %w", r.step, err)
	}
	res := Result{
		Steps: r.step, Samples: r.samples, Elapsed: r.elapsed, TrainBits: r.lastTrain, ValBits: r.lastVal,
		ValClassBits: r.lastClass, ClipBits: clipBits, Interrupted: interrupted, BestValBits: -1,
	}
	if r.best != nil {
		res.BestStep, res.BestValBits = r.best.Step, r.best.ValBits
	}
	res.Patient = !interrupted && r.outOfPatience() &&
		!(r.opts.Steps > 0 && r.step >= r.opts.Steps) && !(r.opts.Minutes > 0 && r.elapsed.Minutes() >= r.opts.Minutes)
	return res, nil
}

// validated records a validation loss of bits at the current step. If it
// is lower than every one before it in the run, the model is copied as the
// best and validated reports true; the caller then calls keepBest.
func (r *run) validated(bits float64) bool {
	r.lastVal = bits
	if math.IsNaN(bits) || (r.best != nil && !(bits < r.best.ValBits)) {
		return false
	}
	if r.bestModel == nil {
		m, err := wavenet.New(r.m.Config)
		if err != nil {
			panic("train: the run's own config is invalid: " + err.Error()) // New accepted it
		}
		r.bestModel = m
	}
	copy(r.bestModel.Params, r.m.Params)
	r.best = &bestHeader{Step: r.step, ValBits: bits}
	return true
}

// keepBest completes the best model, just made by validated, with its
// metadata (clipBits as checkpoint takes it) and passes it to SaveBest.
func (r *run) keepBest(clipBits float64) {
	tj, err := r.training(clipBits)
	if err == nil {
		r.best.Training = tj
		if r.opts.SaveBest == nil {
			return
		}
		var s *Snapshot
		if s, err = r.snapshot(clipBits, false); err == nil {
			err = r.opts.SaveBest(s)
		}
	}
	if err != nil && r.opts.OnWarn != nil {
		r.opts.OnWarn(fmt.Errorf("keeping the best model of step %d failed: %w", r.step, err))
	}
}

// rate is the training throughput of the last log row, scored samples per second.
func (r *run) rate() float64 {
	if len(r.log) == 0 {
		return 0
	}
	return r.log[len(r.log)-1].SamplesPerSec
}

// addRow closes the current log window into a row, with a validation pass
// if withVal, and passes the log to OnLog. It reports whether the
// validation is the run's lowest (see validated).
func (r *run) addRow(withVal bool, trained time.Duration, samples int64) (best bool) {
	row := LogRow{Step: r.step, Seconds: r.elapsed.Seconds(), Samples: r.samples,
		LR: LearningRate(r.hyper.LR, r.step-1, r.hyper.LRHalfLife), ValBits: -1, TrainBits: r.lastTrain}
	if n := len(r.window) / 2; n > 0 {
		var nats, norm float64
		for i := 0; i < len(r.window); i += 2 {
			nats += r.window[i]
			norm += r.window[i+1]
		}
		row.TrainBits = nats / float64(n) / math.Ln2
		row.GradNorm = norm / float64(n)
	}
	r.window = r.window[:0]
	if s := trained.Seconds(); s > 0 {
		row.SamplesPerSec = float64(samples) / s
	}
	if withVal && len(r.val) > 0 {
		best = r.validated(r.validate(&row))
	}
	r.lastTrain = row.TrainBits
	r.log = append(r.log, row)
	if r.opts.OnLog != nil {
		r.opts.OnLog(r.log)
	}
	return best
}

// validate measures the validation loss into row, overall and per class,
// and returns it in bits.
func (r *run) validate(row *LogRow) float64 {
	nats, _, perClass := r.tr.lossByClass(r.val, r.m.Config.GlobalClasses)
	row.ValBits = nats / math.Ln2
	row.ValClassBits = nil
	for _, v := range perClass {
		if v >= 0 {
			v /= math.Ln2
		}
		row.ValClassBits = append(row.ValClassBits, v)
	}
	r.lastClass = row.ValClassBits
	return row.ValBits
}

// clipBits is the mean bits/sample of every clip, whole, as `wavenet eval`
// measures it, weighted by the clips' predicted positions.
func (r *run) clipBits(clips []Clip) float64 {
	var sum float64
	n := 0
	for _, c := range clips {
		if len(c.Codes) < 2 {
			continue
		}
		sum += r.m.BitsPerSample(c.Codes, c.cond(0)) * float64(len(c.Codes)-1)
		n += len(c.Codes) - 1
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// checkpoint passes the run's state to Save. clipBits, when not 0, goes
// into the model's metadata.
func (r *run) checkpoint(clipBits float64, final bool) error {
	if r.opts.Save == nil {
		return nil
	}
	s, err := r.snapshot(clipBits, final)
	if err != nil {
		return err
	}
	return r.opts.Save(s)
}

// snapshot is the run's state now, for Save or SaveBest.
func (r *run) snapshot(clipBits float64, final bool) (*Snapshot, error) {
	rng, err := r.pcg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	st := &state{
		stateHeader: stateHeader{
			Step: r.step, AdamT: r.adam.T, Params: len(r.m.Params),
			Config: json.RawMessage(r.m.Config.JSON()), Hyper: r.hyper, Data: r.dataHash,
			RNG: rng, Elapsed: r.elapsed.Seconds(), Samples: r.samples, Log: r.log, TrainWindow: r.window,
			Best: r.best, Cond: r.opts.Cond,
		},
		params: r.m.Params, m: r.adam.M, v: r.adam.V,
	}
	if r.best != nil {
		st.best = r.bestModel.Params
	}
	tj, err := r.training(clipBits)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Step: r.step, Final: final, Log: r.log, BestStep: st.bestStep(), BestValBits: st.bestValBits(),
		st: st, m: r.m, best: r.bestModel, training: tj, preEmphasis: r.hyper.EffectivePreEmphasis()}, nil
}

// training is the model file's `training` metadata now; clipBits, when not
// 0, is the whole-clip score.
func (r *run) training(clipBits float64) (json.RawMessage, error) {
	cond := r.opts.Cond
	meta := trainingMeta{Steps: r.step, Samples: r.samples, Hyper: r.hyper, TrainBits: round4(r.lastTrain),
		ClipBits: round4(clipBits), DataHash: r.dataHash, Version: r.opts.Version,
		Classes: cond.Classes, ClassesFrom: cond.ClassesFrom, Local: cond.Local}
	if r.lastVal >= 0 {
		meta.ValBits = round4(r.lastVal)
		for _, v := range r.lastClass {
			meta.ValClassBits = append(meta.ValClassBits, round4(v))
		}
	}
	for _, c := range r.data.Clips {
		dm := dataMeta{File: c.Name, Samples: len(c.Codes), HeldOut: c.HeldOut()}
		if len(cond.Classes) > 0 {
			dm.Class = cond.Classes[c.Class]
		}
		meta.Data = append(meta.Data, dm)
	}
	return json.Marshal(meta)
}

// round4 rounds to 4 decimals for the metadata, which people read.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// Snapshot is a run at a checkpoint, for Options.Save to keep, or at a new
// lowest validation loss, for Options.SaveBest: it encodes the files a run
// is kept in. It is valid only during the call.
type Snapshot struct {
	Step  int      // steps done
	Final bool     // the run's last checkpoint: at its end or on an interrupt
	Log   []LogRow // the whole log so far

	// BestStep is the step of the lowest validation loss so far (0 before
	// the first validation), BestValBits that loss in bits per sample (−1
	// before the first); EncodeBest writes the model of that step.
	BestStep    int
	BestValBits float64

	st          *state
	m, best     *wavenet.Model
	training    json.RawMessage
	preEmphasis float64 // the model files' (Hyper.EffectivePreEmphasis)
}

// EncodeCheckpoint writes the checkpoint file: parameters, Adam moments,
// RNG state, settings and log, all a resumed run needs, in a little-endian
// binary file (the magic "WNTRAIN1", a JSON header, the float32 arrays, a
// CRC-32C). [DecodeCheckpoint] reads it.
func (s *Snapshot) EncodeCheckpoint(w io.Writer) error {
	if err := encodeState(w, s.st); err != nil {
		return fmt.Errorf("train: encoding the checkpoint: %w", err)
	}
	return nil
}

// EncodeModel writes the model file (see [wavenet.Model.Encode]) with the
// run's `training` metadata: steps, losses, settings and data, nothing that
// depends on the clock, so the same run gives the same bytes.
func (s *Snapshot) EncodeModel(w io.Writer) error {
	return s.m.Encode(w, wavenet.Metadata{Training: s.training, PreEmphasis: s.preEmphasis})
}

// EncodeBest writes the model file of the lowest validation loss so far,
// the bytes EncodeModel wrote at step BestStep. It panics if there is none
// (BestStep 0): a caller's bug.
func (s *Snapshot) EncodeBest(w io.Writer) error {
	if s.st.Best == nil {
		panic("train: Snapshot.EncodeBest before any validation")
	}
	return s.best.Encode(w, wavenet.Metadata{Training: s.st.Best.Training, PreEmphasis: s.preEmphasis})
}

// Checkpoint is a decoded checkpoint file, for Options.Resume.
type Checkpoint struct {
	name string // for messages
	st   *state
}

// DecodeCheckpoint reads a checkpoint file's bytes, as EncodeCheckpoint
// wrote them; name is the file's, for messages. It checks sizes before
// allocating and the checksum before trusting anything.
func DecodeCheckpoint(data []byte, name string) (*Checkpoint, error) {
	st, err := decodeState(data)
	if err != nil {
		return nil, fmt.Errorf("train: %s: %w", name, err)
	}
	return &Checkpoint{name: name, st: st}, nil
}

// Step returns the steps done at the checkpoint.
func (c *Checkpoint) Step() int { return c.st.Step }

// Elapsed returns the training time done at the checkpoint.
func (c *Checkpoint) Elapsed() time.Duration {
	return time.Duration(c.st.Elapsed * float64(time.Second))
}

// Hyper returns the settings of the run.
func (c *Checkpoint) Hyper() Hyper { return c.st.Hyper }

// Best returns the step and the validation loss (bits per sample) of the
// lowest validation at the checkpoint, or 0 and −1 if there was none (or the
// file predates keeping it).
func (c *Checkpoint) Best() (step int, valBits float64) {
	return c.st.bestStep(), c.st.bestValBits()
}

// Conditioning returns the run's conditioning, as Options.Cond gave it.
func (c *Checkpoint) Conditioning() Conditioning { return c.st.Cond }

// Config returns the model config of the run.
func (c *Checkpoint) Config() (wavenet.Config, error) {
	cfg, err := wavenet.ParseConfig(c.st.Config)
	if err != nil {
		return wavenet.Config{}, fmt.Errorf("train: %s: %w", c.name, err)
	}
	return cfg, nil
}

// Matches reports whether m, with metadata md, is the model of the
// checkpoint: the same step and the same parameters. A model file beside its
// checkpoint that does not match is left from a crash between the two
// writes; resuming trusts the checkpoint, and the next checkpoint rewrites
// the model.
func (c *Checkpoint) Matches(m *wavenet.Model, md wavenet.Metadata) bool {
	var tm trainingMeta
	return json.Unmarshal(md.Training, &tm) == nil && tm.Steps == c.st.Step && slices.Equal(m.Params, c.st.params)
}

// MatchesBest reports whether m, with metadata md, is the best model of the
// checkpoint (see Best): the same step and the same parameters. It is false
// when the checkpoint has no best.
func (c *Checkpoint) MatchesBest(m *wavenet.Model, md wavenet.Metadata) bool {
	var tm trainingMeta
	return c.st.Best != nil && json.Unmarshal(md.Training, &tm) == nil && tm.Steps == c.st.Best.Step &&
		slices.Equal(m.Params, c.st.best)
}
