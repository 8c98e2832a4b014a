package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
	"github.com/wavenet-go/wavenet-go/wavenet/train"
)

// trainFlags are train's flag values.
type trainFlags struct {
	out, preset, config string
	steps               int
	minutes             float64
	batch, chunk        int
	lr                  float64
	halfLife            int
	clipNorm, val       float64
	valParts            int // --val-parts
	noPad               bool
	inputNoise          float64 // --input-noise
	inputNoiseWidth     int     // --input-noise-width
	preEmphasis         float64 // --pre-emphasis
	gainAugment         float64 // --gain-augment, dB
	pitchAugment        float64 // --pitch-augment, cents
	seed                uint64
	resume, force       bool
	quiet               bool
	threads             int
	ckptMinutes         float64
	ckptSteps           int
	patience            int
	keep                string // keepLast or keepBest

	// Conditioning.
	classes        string // "folder", "file" or "" (none)
	globalChannels int
	local          string // "mel" or "" (none)
	hop, bands     int
}

// The models -o can hold (--keep): the final step's, or the one of the
// lowest validation loss. The other goes beside it (see keptPaths).
const (
	keepLast = "last"
	keepBest = "best"
)

func newTrainCmd() *cobra.Command {
	var o trainFlags
	cmd := &cobra.Command{
		Use:   "train -o MODEL.safetensors [--preset small|medium|ibab | --config cfg.json] [--steps N] [--minutes M] [--batch B] [--chunk N] [--lr X] [--seed N] [--classes folder|file [--global-channels Cg]] [--local mel [--hop H] [--bands B]] [--resume | --force] [-q] INPUT...",
		Short: "Train a model on WAV clips",
		Long: `train fits a model to the WAV files given (or every .wav under the folders
given), read as mono at the model's rate and μ-law encoded. A line for each
file says what it holds (duration, rate, channels, sample format) and what
reading did (resampled from 44.1 kHz, mixed from stereo). A file found in a
folder that cannot be read is named in a warning and skipped, and the run
refuses only if no file is left; a file named on the command line must be
read. Each step draws
--batch random chunks; a chunk is the receptive field of context followed by
--chunk samples whose next-sample cross-entropy is the loss. Chunks may
overhang a clip's start (the model then hears silence before it, exactly as
when generating or evaluating from the start) and the end of its training
part (scoring fewer samples), so that every sample is scored equally often,
the opening included; --no-pad-starts draws only chunks that lie wholly
inside the training part, context included, which seldom trains the opening.
A fraction --val of each clip is held out for the validation loss: its tail,
or with --val-parts N, the last --val of each of N equal sections of it, so
that the loss is of the whole clip and not only of its end, which in a
decaying note is its quietest part. With several clips, each is drawn from
in proportion to its length.

--classes trains one model on several classes of sound (voices, instruments),
chosen by name when generating: a file's class is the name of its folder
(--classes folder: clips/piano/a.wav is "piano") or its own name without the
extension (--classes file). Each class gets a learnt embedding of
--global-channels values that enters every layer (global conditioning); the
progress line and the CSV show the validation loss of each class, and the
class names go into the model file. --local mel conditions every layer on the
clip's own log-mel features, --bands values every --hop samples (see "wavenet
mel"): the model learns to turn log-mel frames into audio, a vocoder ("wavenet
vocode"). Both start with their projections at zero, so the first step is that
of the unconditioned model.

Optimisation is Adam with bias correction, the gradient clipped to a global
norm of --clip-norm, and the learning rate halved every --lr-half-life steps
if that is set. The batch items run in parallel on all cores; results do not
depend on the number of threads.

Training stops after --steps steps or --minutes minutes of training, whichever
comes first (counted from the start of the run, over resumes). Progress goes to
standard error: a status line on a terminal (never wider than it), plain lines
otherwise (one per validation, and at most one every 10 s between them); -q
silences it. The result is one line on standard output.

Beside MODEL.safetensors it writes MODEL.ckpt (the complete training state),
MODEL.csv (the log) and MODEL.png (the loss curve). All are written
atomically every --checkpoint-minutes, every --checkpoint-every steps if
that is given, at the end, and on Ctrl-C, SIGTERM or SIGHUP, after which
train prints its result line and exits with 128 + the signal's number (130
for Ctrl-C). The model of the lowest validation loss is kept too,
written whenever the validation loss reaches a new low: with --keep best
(the default) -o is the best and MODEL.last.safetensors the final step's
(until the first validation, -o holds the last step's model too); with
--keep last -o is the final step's model and MODEL.best.safetensors the
best; without validation (--val -1) -o is the last. On a short clip the
validation loss often climbs again long before the end while the
training loss still falls (piano-3 of sound-icons at 2 threads: lowest at
step 350, half a minute in, and 9 bits higher by step 2800); --patience N
then stops the run after N validations in a row without a new lowest, with
the same best model as a longer run. The result line names both.

--input-noise moves that fraction of each training chunk's input codes
(not its targets) by up to --input-noise-width codes, so that the model
learns to continue a waveform from a slightly wrong past, as it must when it
hears its own draws; on a clip of a second or two it memorises more slowly.
It is off by default: with pitch augmentation it only makes the takes
noisier (measured in the README's "What to expect").

--pitch-augment cents (default 35) plays each training chunk at a speed
drawn afresh for it, one that moves its pitch by up to ±cents, and codes it
again (band-limited resampling of the clip's sound): a clip of a second
holds each of its sounds once, and a model that sees them only at their own
speed learns its samples, where one that sees them at many learns to carry
on a waveform of any period near the clip's, as generating asks of it. On
sound-icons clips the lowest validation loss comes hundreds of steps or more
later and 0.7–0.8 bits lower, and the takes hold the clip's note (README,
"What to expect"). Validation is never stretched; --local turns it off
unless given, and refuses it given, since its frames describe the clip's
own timing. --pitch-augment 0 turns it off.

--pre-emphasis α (default 0.85, LPCNet's) codes each clip as the μ-law of
x[t] − α·x[t−1], which tilts its spectrum up, and records α in the model
file, so that generate, vocode and eval pre-emphasise what they hear and
de-emphasise what they make. The model's errors, spread evenly over the
spectrum of what it models, then lie under the instrument's loud low
partials instead of as hiss above its quiet upper ones (README, "What to
expect"). --pre-emphasis 0 trains on the plain μ-law of the sound, as the
model format's spec has it.

--gain-augment dB codes each training chunk afresh from the clip made
quieter by a gain drawn from 0 … −dB (off by default): an instrument's note
decays, and a clip of a second holds each level of it once, so the held-out
tail and the model's own takes are quieter than most of what it trained
on. With 12 dB the validation loss of a short clip goes on falling where it
climbed (piano-3, the README's ten-minute run: lowest 3.21 bits at step 1950
of 1964, where without it the lowest is 4.79, at step 650), but the takes
gain on some clips and lose on others (README, "What to expect").
Validation is never attenuated; --local refuses it, since its frames
describe the clip's own loudness.

--resume continues from MODEL.ckpt
exactly as if it had not stopped: the same data, settings and seed then give
the same losses and the same model bytes as an uninterrupted run. A new run
refuses to replace an earlier run's model or checkpoint unless --force is
given (which then also removes that run's MODEL.best and MODEL.last
files), and every run refuses outputs that are inputs or each other (-o
clip.wav clip.wav, -o m.png) and checks, before the first step, that it can
write them. A run holds a lock on its outputs (.MODEL.safetensors.wavenet-lock
beside them) while it lives: a second run to the same -o is refused. A clip
too short to give a chunk is named in a warning and not drawn from; a step
whose loss or gradient is not finite stops the run, its last checkpoint
intact. A run that would need more memory than the machine has available
(or than WAVENET_MAX_MEMORY) is refused before it starts.`,
		Example: `  wavenet train -o piano.safetensors --minutes 10 piano.wav
  wavenet train -o voice.safetensors --preset medium --steps 5000 clips/
  wavenet train -o band.safetensors --classes folder --minutes 10 clips/piano clips/guitar
  wavenet train -o vocoder.safetensors --local mel --minutes 10 speech/
  wavenet train -o piano.safetensors --minutes 20 --resume piano.wav`,
		Args: minArgs(1, "input WAV file or folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTrain(cmd, &o, args)
		},
	}
	cmd.Long += "\n\n" + configHelp
	f := cmd.Flags()
	f.StringVarP(&o.out, "output", "o", "", "model file to write (.safetensors); the checkpoint, CSV and PNG go beside it (required)")
	f.StringVar(&o.preset, "preset", "", "model shape: "+strings.Join(wavenet.PresetNames(), ", ")+" (default small)")
	f.StringVar(&o.config, "config", "", "model shape from a JSON file: a config (wavenet/FORMAT.md), inspect --json output, or ibab/tensorflow-wavenet's wavenet_params.json")
	f.IntVar(&o.steps, "steps", 0, "stop after this many steps (0 = no step limit)")
	f.Float64Var(&o.minutes, "minutes", 0, "stop after this many minutes of training (0 = no time limit; with neither limit, 10)")
	f.IntVar(&o.batch, "batch", train.DefaultBatch, "chunks per step")
	f.IntVar(&o.chunk, "chunk", train.DefaultChunk, "samples scored per chunk, after the receptive field of context")
	f.Float64Var(&o.lr, "lr", train.DefaultLR, "Adam learning rate")
	f.IntVar(&o.halfLife, "lr-half-life", 0, "halve the learning rate every this many steps (0 = constant)")
	f.Float64Var(&o.clipNorm, "clip-norm", train.DefaultClipNorm, "clip the gradient to this global norm")
	f.Float64Var(&o.val, "val", train.DefaultValFraction, "fraction of each clip held out for validation (negative = none)")
	f.IntVar(&o.valParts, "val-parts", train.DefaultValParts, "stretches the held-out fraction is spread over: the last --val of each of this many equal sections of a clip (1 = its tail)")
	f.Float64Var(&o.inputNoise, "input-noise", 0, "fraction of each training chunk's input codes moved by ±1 … ±--input-noise-width codes, the targets left clean: the model learns to recover from its own slips and memorises a short clip more slowly (0 = none)")
	f.IntVar(&o.inputNoiseWidth, "input-noise-width", train.DefaultInputNoiseWidth, "largest move of a noised input code, in codes")
	f.Float64Var(&o.preEmphasis, "pre-emphasis", train.DefaultPreEmphasis, "α of the pre-emphasis x[t] − α·x[t−1] the clips get before μ-law coding, recorded in the model so that generate de-emphasises what it makes: the model's errors then fall where the sound is loud, not as hiss above it (0 = none)")
	f.Float64Var(&o.gainAugment, "gain-augment", 0, "largest attenuation in dB of a training chunk: each is made quieter by a gain drawn from 0 … −this dB, so that the model learns the sound at the levels it decays through (0 = none; not with --local, whose frames describe the clip's loudness)")
	f.Float64Var(&o.pitchAugment, "pitch-augment", train.DefaultPitchAugment, "largest pitch change in cents of a training chunk: each is played at a speed that moves its pitch by an amount drawn from −this … this cents, so that the model learns to carry on a waveform of any period near the clip's rather than the clip's own samples (0 = none; with --local, none unless given, and refused)")
	f.BoolVar(&o.noPad, "no-pad-starts", false, "draw only chunks that lie wholly inside the training part, context included (the opening is then seldom trained)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of the initial weights and of the chunk draws")
	f.BoolVar(&o.resume, "resume", false, "continue the run whose checkpoint is beside -o (settings not given are the checkpoint's)")
	f.BoolVar(&o.force, "force", false, "start a new run even over an earlier run's model and checkpoint at -o, replacing them")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output (warnings and the result line still print)")
	f.IntVar(&o.threads, "threads", 0, "goroutines over batch items (0 = all cores); results do not depend on it")
	f.Float64Var(&o.ckptMinutes, "checkpoint-minutes", train.DefaultCheckpoint.Minutes(), "minutes between checkpoints")
	f.IntVar(&o.ckptSteps, "checkpoint-every", 0, "also checkpoint every this many steps (0 = by --checkpoint-minutes only)")
	f.IntVar(&o.patience, "patience", 0, "also stop after this many validations in a row without a new lowest validation loss (0 = never; validations come every 50 steps)")
	f.StringVar(&o.keep, "keep", keepBest, "the model -o gets: best (the lowest validation loss's; the last goes to MODEL.last.safetensors) or last (the final step's; the best goes to MODEL.best.safetensors); without validation (--val -1), last; on resume, the run's")
	f.StringVar(&o.classes, "classes", "", "condition on a class per file: folder (its folder's name) or file (its own name)")
	f.IntVar(&o.globalChannels, "global-channels", defaultGlobalChannels, "width Cg of each class's embedding, with --classes")
	f.StringVar(&o.local, "local", "", "condition on each clip's own features: mel (its log-mel frames)")
	f.IntVar(&o.hop, "hop", defaultHop, "samples per log-mel frame, with --local mel")
	f.IntVar(&o.bands, "bands", defaultBands, "log-mel bands per frame, with --local mel")
	return cmd
}

// validate checks the flag values, each as train.Run checks a run's
// settings (train.Hyper.Validate) and the rest here, as usage errors that
// name the flag; and it returns the settings the flags give: on a new run
// every one (the defaults where not given), on resume only those given,
// the others zero (the checkpoint's).
func (o *trainFlags) validate(f *pflag.FlagSet) (train.Hyper, error) {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case o.steps < 0:
		return train.Hyper{}, usagef("--steps %d: want 0 (no limit) or more", o.steps)
	case !(o.minutes >= 0) || !finite(o.minutes):
		return train.Hyper{}, usagef("--minutes %v: want 0 (no limit) or a finite number of minutes", o.minutes)
	case !(o.ckptMinutes > 0) || o.ckptMinutes > maxCheckpointMinutes:
		return train.Hyper{}, usagef("--checkpoint-minutes %v: want more than 0 and at most %d", o.ckptMinutes, maxCheckpointMinutes)
	case o.threads < 0:
		return train.Hyper{}, usagef("--threads %d: want 0 (all cores) or more", o.threads)
	case o.ckptSteps < 0:
		return train.Hyper{}, usagef("--checkpoint-every %d: want 0 (by --checkpoint-minutes only) or more steps", o.ckptSteps)
	case o.patience < 0:
		return train.Hyper{}, usagef("--patience %d: want 0 (never) or more validations", o.patience)
	case o.keep != keepLast && o.keep != keepBest:
		return train.Hyper{}, usagef("--keep %q: want %s or %s", o.keep, keepLast, keepBest)
	case o.valParts < 1:
		return train.Hyper{}, usagef("--val-parts %d: want 1 (the tail) … %d", o.valParts, train.MaxValParts)
	}
	val := o.val
	if val == 0 {
		val = -1 // none; zero means "the default" to train.Run
	}
	h := train.Hyper{Batch: o.batch, Chunk: o.chunk, LR: o.lr, LRHalfLife: o.halfLife, ClipNorm: o.clipNorm,
		ValFraction: val, ValParts: o.valParts, NoPadStarts: o.noPad, Seed: o.seed}
	h.InputNoise, h.InputNoiseWidth = o.inputNoise, o.inputNoiseWidth
	if o.inputNoise == 0 {
		h.InputNoise, h.InputNoiseWidth = -1, 0 // none; zero means "the default" to train.Run
	}
	if err := audio.CheckEmphasis(o.preEmphasis); err != nil {
		return train.Hyper{}, usagef("--%v (0: none)", err)
	}
	h.PreEmphasis = o.preEmphasis
	if o.preEmphasis == 0 {
		h.PreEmphasis = -1 // none; zero means "the default" to train.Run
	}
	switch {
	case !(o.gainAugment >= 0 && o.gainAugment <= train.MaxGainAugment):
		return train.Hyper{}, usagef("--gain-augment %v: want 0 (none) … %d dB", o.gainAugment, train.MaxGainAugment)
	case o.local != "" && o.gainAugment > 0:
		return train.Hyper{}, usagef("--gain-augment %v with --local %s: the frames describe the clip's own loudness, which an attenuated chunk would not have", o.gainAugment, o.local)
	}
	h.GainAugment = o.gainAugment
	if o.gainAugment == 0 && o.resume {
		h.GainAugment = -1 // none, said; zero means "the checkpoint's" on resume
	}
	switch {
	case !(o.pitchAugment >= 0 && o.pitchAugment <= train.MaxPitchAugment):
		return train.Hyper{}, usagef("--pitch-augment %v: want 0 (none) … %d cents", o.pitchAugment, train.MaxPitchAugment)
	case o.local != "" && o.pitchAugment > 0 && f.Changed("pitch-augment"):
		return train.Hyper{}, usagef("--pitch-augment %v with --local %s: the frames describe the clip's own timing and pitch, which a chunk played at another speed would not have", o.pitchAugment, o.local)
	}
	h.PitchAugment = o.pitchAugment
	switch {
	case o.pitchAugment == 0:
		h.PitchAugment = -1 // none, said; zero means "the default" or "the checkpoint's"
	case !f.Changed("pitch-augment"):
		h.PitchAugment = 0 // train.Run's default: none with local frames
	}
	var he *train.HyperError
	if err := h.Validate(); errors.As(err, &he) {
		flag := map[string]string{"batch": "batch", "chunk": "chunk", "lr": "lr", "lr_half_life": "lr-half-life",
			"clip_norm": "clip-norm", "val_fraction": "val", "val_parts": "val-parts", "input_noise": "input-noise", "input_noise_width": "input-noise-width", "pre_emphasis": "pre-emphasis",
			"gain_augment_db": "gain-augment", "pitch_augment_cents": "pitch-augment"}[he.Field]
		return train.Hyper{}, usagef("--%s %v: want %s", flag, he.Value, he.Want)
	} else if err != nil {
		return train.Hyper{}, usagef("%v", err)
	}
	if o.resume {
		// The checkpoint's, where not given.
		keep := func(name string, zero func()) {
			if !f.Changed(name) {
				zero()
			}
		}
		keep("batch", func() { h.Batch = 0 })
		keep("chunk", func() { h.Chunk = 0 })
		keep("lr", func() { h.LR = 0 })
		keep("lr-half-life", func() { h.LRHalfLife = 0 })
		keep("clip-norm", func() { h.ClipNorm = 0 })
		keep("val", func() { h.ValFraction = 0 })
		keep("val-parts", func() { h.ValParts = 0 })
		keep("no-pad-starts", func() { h.NoPadStarts = false })
		keep("seed", func() { h.Seed = 0 })
		keep("input-noise", func() { h.InputNoise = 0 })
		keep("input-noise-width", func() { h.InputNoiseWidth = 0 })
		keep("pre-emphasis", func() { h.PreEmphasis = 0 })
		keep("gain-augment", func() { h.GainAugment = 0 })
		keep("pitch-augment", func() { h.PitchAugment = 0 })
	}
	return h, nil
}

// maxCheckpointMinutes bounds --checkpoint-minutes (a year), so that it
// fits a time.Duration.
const maxCheckpointMinutes = 525600

// defaultTrainPreset is the model a new run trains without --preset or --config.
const defaultTrainPreset = "small"

// defaultGlobalChannels is the class embedding's width, Cg: the reference's.
const defaultGlobalChannels = 16

// trainPaths returns the checkpoint, CSV and PNG paths that go with a model path.
func trainPaths(model string) (ckpt, csv, png string) {
	base := strings.TrimSuffix(model, filepath.Ext(model))
	return base + ".ckpt", base + ".csv", base + ".png"
}

// keptPaths returns the files beside a model path that hold the best model
// (with --keep last) and the last one (with --keep best): BASE.best.EXT and
// BASE.last.EXT, EXT .safetensors if the path has none.
func keptPaths(model string) (best, last string) {
	ext := filepath.Ext(model)
	base := strings.TrimSuffix(model, ext)
	if ext == "" {
		ext = ".safetensors"
	}
	return base + ".best" + ext, base + ".last" + ext
}

// resumeKeep returns the --keep of a resumed run: the one given, or the
// one the run began with, told by the file beside the model (a run that
// keeps the best at -o has BASE.last beside it). A given one that
// contradicts the files is refused.
func resumeKeep(model, given string, changed bool) (string, error) {
	best, last := keptPaths(model)
	began := ""
	switch hasBest, hasLast := exists(best), exists(last); {
	case hasLast && !hasBest:
		began = keepBest
	case hasBest && !hasLast:
		began = keepLast
	}
	switch {
	case !changed && began != "":
		return began, nil
	case changed && began != "" && given != began:
		return "", usagef("--keep %s: the run keeps the %s model at %s (%s is beside it); resume with --keep %s",
			given, began, model, map[string]string{keepBest: last, keepLast: best}[began], began)
	}
	return given, nil
}

func runTrain(cmd *cobra.Command, o *trainFlags, inputs []string) error {
	f := cmd.Flags()
	if o.out == "" {
		return usagef("no output model given (-o MODEL.safetensors)")
	}
	if o.out == "-" {
		return usagef("-o -: train writes a model file and files beside it; give a path")
	}
	if o.preset != "" && o.config != "" {
		return usagef("--preset and --config both given; pick one")
	}
	if o.resume && o.force {
		return usagef("--resume and --force both given: --resume continues the run, --force replaces it")
	}
	hyper, err := o.validate(f)
	if err != nil {
		return err
	}
	if o.classes != "" && o.classes != classesFolder && o.classes != classesFile {
		return usagef("--classes %q: want %s (a file's class is its folder's name) or %s (each file its own class)", o.classes, classesFolder, classesFile)
	}
	if o.local != "" && o.local != localFlag {
		return usagef("--local %q: the only local features are %s (log-mel frames)", o.local, localFlag)
	}
	if f.Changed("global-channels") && o.classes == "" && !o.resume {
		return usagef("--global-channels sets the class embedding of --classes; give --classes too")
	}
	if (f.Changed("hop") || f.Changed("bands")) && o.local == "" && !o.resume {
		return usagef("--hop and --bands set the frames of --local mel; give --local mel too")
	}
	if o.globalChannels < 1 || o.hop < 1 || o.bands < 1 {
		return usagef("--global-channels, --hop and --bands must be at least 1")
	}
	opts := train.Options{
		Steps: o.steps, Minutes: o.minutes, Threads: o.threads, Version: "wavenet " + buildVersion(),
		CheckpointEvery: time.Duration(o.ckptMinutes * float64(time.Minute)),
		CheckpointSteps: o.ckptSteps, Patience: o.patience,
	}
	if o.steps == 0 && o.minutes == 0 {
		opts.Minutes = 10
	}
	switch {
	case o.preset != "":
		cfg, err := wavenet.Preset(o.preset)
		if err != nil {
			return usagef("%v", err)
		}
		opts.Config = &cfg
	case o.config != "":
		cfg, note, err := readConfigFile(o.config)
		if err != nil {
			return err
		}
		if note != "" && !o.quiet {
			fmt.Fprintf(cmd.ErrOrStderr(), "train: %s\n", note)
		}
		opts.Config = &cfg
	}
	opts.Hyper, opts.SeedSet = hyper, !o.resume || f.Changed("seed")
	h := &opts.Hyper
	if o.resume {
		var err error
		if o.keep, err = resumeKeep(o.out, o.keep, f.Changed("keep")); err != nil {
			return err
		}
	} else if o.keep == keepBest && h.ValFraction < 0 {
		if f.Changed("keep") {
			return usagef("--keep best needs a validation loss: hold out some of each clip (--val)")
		}
		o.keep = keepLast // nothing to choose the best by
	}

	// The files: none may be another, and all must be writable, before
	// anything is read or trained.
	files, walked, err := trainInputs(inputs)
	if err != nil {
		return err
	}
	out := newTrainOutputs(o.out, o.keep)
	read := files
	if o.config != "" {
		read = append(read[:len(read):len(read)], o.config)
	}
	// Both files beside the model are checked: the one this run does not
	// write may be an earlier run's, which --force removes.
	if err := checkOutputs(read, []string{out.model, out.ckpt, out.csv, out.png, out.bestPath, out.lastPath}); err != nil {
		return err
	}
	// One run at a time writes these files.
	lock, err := lockRun(out.model)
	if err != nil {
		return err
	}
	defer lock.release()
	if !o.resume && !o.force {
		if exists(out.ckpt) {
			return fmt.Errorf("%s exists from an earlier run: pass --resume to continue it, or --force to start afresh over it", out.ckpt)
		}
		for _, m := range []string{out.model, out.bestPath, out.lastPath} {
			if exists(m) {
				return fmt.Errorf("%s exists and has no checkpoint beside it to resume: pass --force to replace it, or give another -o", m)
			}
		}
	}

	stderr := cmd.ErrOrStderr()
	disp := newProgress(stderr, "train: ")
	cfg := wavenet.Config{}
	if o.resume {
		if opts.Resume, err = readCheckpoint(out.ckpt, out.model); err != nil {
			return err
		}
		out.kept = opts.Resume.Step()
		if cfg, err = opts.Resume.Config(); err != nil {
			return err
		}
		// The checkpoint is the truth; the model file should be the same
		// step. If it is not (a crash between the two writes), say so: the
		// model file is rewritten at the next checkpoint.
		switch m, md, err := wavenet.Load(out.last); {
		case err != nil:
			disp.Printf("train: warning: %v; resuming from %s (step %d)\n", err, out.ckpt, opts.Resume.Step())
		case !opts.Resume.Matches(m, md):
			disp.Printf("train: warning: %s is not the model of %s (step %d): resuming from the checkpoint\n", out.last, out.ckpt, opts.Resume.Step())
		}
		// So should the best model file be the checkpoint's best; if it is
		// not, the next checkpoint rewrites it.
		if err := out.resumeBest(opts.Resume); err != nil {
			disp.Printf("train: warning: %v\n", err)
		}
		if o.keep == keepBest && opts.Resume.Hyper().ValFraction < 0 {
			if f.Changed("keep") {
				return usagef("--keep best needs a validation loss, and %s holds none out", out.ckpt)
			}
			o.keep = keepLast // as the run began: nothing to choose the best by
		}
	} else {
		if opts.Config == nil {
			c, err := wavenet.Preset(defaultTrainPreset)
			if err != nil {
				return err
			}
			opts.Config = &c
		}
		cfg = *opts.Config
	}
	if err := trainConditioning(f, o, &cfg, &opts, files); err != nil {
		return err
	}
	if opts.Config != nil {
		// A new run trains cfg; a resumed one compares the shape given
		// (--preset, --config) with the checkpoint's, conditioning aside
		// (its flags were checked above).
		c := *opts.Config
		c.GlobalClasses, c.GlobalChannels, c.LocalChannels, c.LocalHop = cfg.GlobalClasses, cfg.GlobalChannels, cfg.LocalChannels, cfg.LocalHop
		if !o.resume {
			c = cfg
		}
		*opts.Config = c
	}
	lim, err := getMemoryLimit()
	if err != nil {
		return err
	}
	// The clips' codes are those of the sound pre-emphasised as the run's
	// settings say: the flag's (or the default) on a new run, the
	// checkpoint's on resume (none for one from before the setting).
	// Their sound is kept only for pitch and gain augmentation, which code
	// it afresh.
	run := opts.Hyper
	if o.resume {
		run = opts.Resume.Hyper()
	} else if run, err = train.Defaults(run, cfg); err != nil {
		return err
	}
	emphasis, sound := run.EffectivePreEmphasis(), run.NeedsSound()
	if opts.Clips, err = readClips(files, walked, cfg, opts.Cond, o.classes, emphasis, sound, stderr, o.quiet, lim); err != nil {
		return err
	}
	opts.MemoryLimit = lim.bytes

	// The hooks: the display, the CSV at every log row, the files at every
	// checkpoint. A signal (main's) stops the run after a checkpoint.
	ctx := cmd.Context()
	rep := &trainReport{disp: disp, quiet: o.quiet, steps: opts.Steps, minutes: opts.Minutes, csv: out.csv, classes: opts.Cond.Classes}
	out.classes = opts.Cond.Classes
	opts.OnStart, opts.OnStep, opts.OnLog, opts.OnWarn = rep.start, rep.step, rep.log, rep.warn
	opts.Save, opts.SaveBest = out.save, out.saveBest
	if o.force {
		// The earlier run's models beside -o are not this run's.
		for _, m := range []string{out.bestPath, out.lastPath} {
			if err := os.Remove(m); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("--force: %w", err)
			}
		}
	}

	res, err := train.Run(ctx, opts)
	if err != nil {
		disp.abandon()
		return out.explain(err, lim)
	}
	// One summary line on a terminal: the result on standard output, when
	// that is the terminal too; off a terminal (a log) the last progress
	// line as well.
	rep.finish(res, disp.tty() && isTerminal(cmd.OutOrStdout()))
	_, err = fmt.Fprintln(cmd.OutOrStdout(), out.summary(res))
	return err
}

// trainReport shows a run's progress on the display and keeps its CSV log.
type trainReport struct {
	disp    *progress
	quiet   bool     // no progress, only warnings
	steps   int      // the step limit, 0 for none
	minutes float64  // the time limit, 0 for none
	csv     string   // the CSV log, rewritten at every row
	classes []string // the global classes' names, for the per-class validation
}

// fraction is how far the run is towards its nearer limit, in [0, 1].
func (r *trainReport) fraction(step int, elapsed time.Duration) float64 {
	f := 0.0
	if r.steps > 0 {
		f = float64(step) / float64(r.steps)
	}
	if r.minutes > 0 {
		f = max(f, elapsed.Minutes()/r.minutes)
	}
	return min(f, 1)
}

// fields are the status line's, most important first: the step, the
// training loss, the ETA.
func (r *trainReport) fields(s train.Status) []field {
	lim := ""
	if r.steps > 0 {
		lim = "/" + strconv.Itoa(r.steps)
	}
	tb := -1.0 // no row yet
	if s.TrainBits != 0 {
		tb = s.TrainBits
	}
	return []field{
		{"step " + strconv.Itoa(s.Step) + lim, 0},
		{"train " + bitsString(tb), 1},
		{"val " + bitsString(s.ValBits) + " bits" + classBits(r.classes, s.ValClassBits, false), 3},
		{fmt.Sprintf("%.0f samples/s", s.SamplesPerSec), 4},
		{"elapsed " + s.Elapsed.Round(time.Second).String(), 5},
		{"ETA " + eta(s.Elapsed, r.fraction(s.Step, s.Elapsed)), 2},
	}
}

// classBits shows the validation bits of each class, " (a 3.120, b
// 2.871)", or nothing without classes or before the first validation;
// with bits, " bits" follows each value.
func classBits(classes []string, bits []float64, withUnit bool) string {
	if len(classes) == 0 || len(bits) != len(classes) {
		return ""
	}
	parts := make([]string, len(classes))
	unit := ""
	if withUnit {
		unit = " bits"
	}
	for i, name := range classes {
		parts[i] = name + " " + bitsString(bits[i]) + unit
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func (r *trainReport) start(p train.Plan) {
	if r.quiet {
		return
	}
	r.disp.Printf("train: %d clip(s), %d samples (%d held out); receptive field %d; %d parameters; batch %d × (%d context + %d scored); %d thread%s\n",
		p.Clips, p.Samples, p.HeldOut, p.ReceptiveField, p.Params, p.Hyper.Batch, p.ReceptiveField-1, p.Hyper.Chunk, p.Threads, plural(p.Threads))
	for i, name := range p.Cond.Classes {
		r.disp.Printf("train: class %d %q: %d clip(s), %d samples\n", i, name, p.ClassClips[i], p.ClassSamples[i])
	}
	if p.Cond.Local != "" {
		r.disp.Printf("train: each clip conditioned on its own %s frames\n", p.Cond.Local)
	}
	if p.Step > 0 {
		r.disp.Printf("train: resuming at step %d (%.1f min trained)\n", p.Step, p.Elapsed.Minutes())
	}
}

// step redraws the status line (on a terminal).
func (r *trainReport) step(s train.Status) {
	if !r.quiet {
		r.disp.update(r.fraction(s.Step, s.Elapsed), r.fields(s), false)
	}
}

// log rewrites the CSV and prints a plain line (off a terminal) for each
// validation, and between them at most one every plainEvery.
func (r *trainReport) log(rows []train.LogRow) {
	if err := writeOutput(context.Background(), r.csv, func(w io.Writer) error { return writeTrainCSV(w, rows, r.classes) }); err != nil {
		r.warn(err)
	}
	if row := rows[len(rows)-1]; !r.quiet {
		elapsed := time.Duration(row.Seconds * float64(time.Second))
		s := train.Status{Step: row.Step, Elapsed: elapsed, TrainBits: row.TrainBits, ValBits: row.ValBits,
			ValClassBits: row.ValClassBits, SamplesPerSec: row.SamplesPerSec}
		r.disp.line(r.fields(s), row.ValBits >= 0)
	}
}

func (r *trainReport) warn(err error) { r.disp.Printf("train: warning: %v\n", err) }

// finish ends the display with the last line, unless quiet or resultShown
// (the result line on standard output is on the same terminal).
func (r *trainReport) finish(res train.Result, resultShown bool) {
	final := ""
	switch {
	case r.quiet || resultShown:
	case res.Interrupted:
		final = fmt.Sprintf("train: interrupted at step %d; checkpoint written; continue with --resume", res.Steps)
	default:
		final = fmt.Sprintf("train: done: %d steps in %s, train %.3f, validation %s%s, whole clips %.3f bits/sample",
			res.Steps, res.Elapsed.Round(time.Second), res.TrainBits, bitsString(res.ValBits), classBits(r.classes, res.ValClassBits, false), res.ClipBits)
	}
	r.disp.finish(final)
}

// exists reports whether something is at path (a dangling symbolic link
// counts: writing would follow it).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// trainInputs returns the WAV files of inputs: files as given, and the .wav
// files under folders (recursively, in name order), which are also the
// keys of walked.
func trainInputs(inputs []string) (files []string, walked map[string]bool, err error) {
	walked = make(map[string]bool)
	for _, in := range inputs {
		fi, err := os.Stat(in)
		if err != nil {
			return nil, nil, err
		}
		if !fi.IsDir() {
			files = append(files, in)
			continue
		}
		n0 := len(files)
		err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".wav") {
				files = append(files, p)
				walked[p] = true
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		if len(files) == n0 {
			return nil, nil, fmt.Errorf("%s: no .wav files in the folder", in)
		}
	}
	return files, walked, nil
}

// trainConditioning sets the conditioning of the run: for a new run, the
// config's conditioning keys from the flags (--classes and the files give
// the class count) and opts.Cond; for a resumed one, opts.Cond from the
// flags given and the checkpoint's for those not given, refusing flags
// that contradict the checkpoint's model.
func trainConditioning(f changedFlags, o *trainFlags, cfg *wavenet.Config, opts *train.Options, files []string) error {
	if ck := opts.Resume; ck != nil {
		have := ck.Conditioning()
		var diffs []string
		diff := func(name string, give, want any) {
			if f.Changed(name) && give != want {
				diffs = append(diffs, fmt.Sprintf("--%s %v (the checkpoint's model has %v)", name, give, want))
			}
		}
		diff("global-channels", o.globalChannels, cfg.GlobalChannels)
		diff("hop", o.hop, cfg.LocalHop)
		diff("bands", o.bands, cfg.LocalChannels)
		if len(diffs) > 0 {
			return fmt.Errorf("resume: %s; resume with the same settings or start a new run", strings.Join(diffs, ", "))
		}
		if o.classes == "" {
			o.classes = have.ClassesFrom
		}
		if o.local == "" && have.Local == localName {
			o.local = localFlag
		}
	} else {
		if cfg.GlobalClasses > 0 && o.classes == "" {
			return usagef("the model config has %d global classes: give --classes %s|%s to say which file is which", cfg.GlobalClasses, classesFolder, classesFile)
		}
		if cfg.LocalChannels > 0 && o.local == "" {
			return usagef("the model config has local conditioning: give --local %s", localFlag)
		}
	}
	if o.classes != "" {
		names, _, err := fileClasses(files, o.classes)
		if err != nil {
			return err
		}
		opts.Cond.Classes, opts.Cond.ClassesFrom = names, o.classes
		if opts.Resume == nil {
			switch {
			case cfg.GlobalClasses > 0 && cfg.GlobalClasses != len(names):
				return fmt.Errorf("the model config has %d global classes, but --classes %s gives %d (%s)",
					cfg.GlobalClasses, o.classes, len(names), strings.Join(names, ", "))
			case cfg.GlobalClasses > 0 && f.Changed("global-channels") && cfg.GlobalChannels != o.globalChannels:
				return fmt.Errorf("the model config has class embeddings of %d channels, --global-channels says %d", cfg.GlobalChannels, o.globalChannels)
			}
			if cfg.GlobalClasses == 0 {
				cfg.GlobalChannels = o.globalChannels
			}
			cfg.GlobalClasses = len(names)
		}
	}
	if o.local != "" {
		opts.Cond.Local = localName
		if opts.Resume == nil {
			if cfg.LocalChannels > 0 && (f.Changed("hop") && cfg.LocalHop != o.hop || f.Changed("bands") && cfg.LocalChannels != o.bands) {
				return fmt.Errorf("the model config has %d-band frames every %d samples; --hop %d --bands %d disagree", cfg.LocalChannels, cfg.LocalHop, o.hop, o.bands)
			}
			if cfg.LocalChannels == 0 {
				cfg.LocalChannels, cfg.LocalHop = o.bands, o.hop
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{err}
	}
	return nil
}

// readClips reads the WAV files as mono at the model's rate and μ-law
// encodes them, pre-emphasised by emphasis (audio.PreEmphasize; 0: none),
// into its classes, with each file's class (by classesFrom,
// as cond's class names) and its log-mel frames (when cond has local
// features). Unless quiet, it prints a line on w for
// each file read: what the file holds and what was done to it. A file found
// in a folder (walked) that cannot be read is skipped with a warning on w;
// a file named on the command line must be read. It fails if no file is
// left, and refuses before a file is read if the clips would take more
// than lim. Each clip's codes are of its sound pre-emphasised by emphasis;
// with sound the clip keeps that sound too (train.Clip.Sound). The audio
// package's warnings about a file go to w too.
func readClips(files []string, walked map[string]bool, cfg wavenet.Config, cond train.Conditioning, classesFrom string, emphasis float64, sound bool, w io.Writer, quiet bool, lim memoryLimit) ([]train.Clip, error) {
	var ids []int
	if classesFrom != "" {
		var err error
		if _, ids, err = fileClasses(files, classesFrom); err != nil {
			return nil, err
		}
	}
	var mel *audio.Mel
	if cond.Local != "" {
		var err error
		if mel, err = modelMel(cfg, w); err != nil {
			return nil, err
		}
	}
	clips := make([]train.Clip, 0, len(files))
	var skipped []string
	var held int64 // the codes (and sound) of the clips read so far
	perSample := int64(4)
	if sound {
		perSample = 8
	}
	for i, f := range files {
		x, info, err := readAudio(f, cfg.SampleRate, w, lim, held, perSample, "train on fewer or shorter clips")
		if err != nil {
			var me *memoryError
			if errors.As(err, &me) {
				return nil, err // skipping would not make it fit
			}
			if !walked[f] {
				return nil, err
			}
			fmt.Fprintf(w, "train: warning: %v; skipping it\n", err)
			skipped = append(skipped, f)
			continue
		}
		if !quiet {
			fmt.Fprintf(w, "train: %s\n", describeRead(info, cfg.SampleRate, len(x)))
		}
		e := audio.PreEmphasize(nil, x, emphasis)
		c := train.Clip{Name: f, Codes: audio.MuLawEncode(nil, e, cfg.QuantizationChannels)}
		if sound {
			c.Sound = e
		}
		if ids != nil {
			c.Class = ids[i]
		}
		if mel != nil {
			if c.Frames, _, err = clipFrames(mel, x, f); err != nil {
				return nil, err
			}
		}
		clips = append(clips, c)
		held += perSample * int64(len(x))
	}
	if len(clips) == 0 {
		return nil, fmt.Errorf("no clip to train on: none of the %d .wav files found could be read (%s)", len(skipped), strings.Join(skipped, ", "))
	}
	if len(skipped) > 0 && !quiet {
		fmt.Fprintf(w, "train: %d of %d files read, %d skipped\n", len(clips), len(files), len(skipped))
	}
	return clips, nil
}

// describeRead says what the file of info held and what reading it at rate
// Hz did, e.g. "a.wav: 1.50 s, 44.1 kHz, stereo, 16-bit PCM: resampled from
// 44.1 kHz to 16 kHz, mixed from stereo; 24000 samples".
func describeRead(info audio.Info, rate, samples int) string {
	kHz := func(hz int) string { return strconv.FormatFloat(float64(hz)/1000, 'f', -1, 64) + " kHz" }
	channels := fmt.Sprintf("%d channels", info.Channels)
	switch info.Channels {
	case 1:
		channels = "mono"
	case 2:
		channels = "stereo"
	}
	format := fmt.Sprintf("%d-bit PCM", info.BitDepth)
	if info.Float {
		format = fmt.Sprintf("%d-bit float", info.BitDepth)
	}
	var done []string
	if info.SampleRate != rate {
		done = append(done, "resampled from "+kHz(info.SampleRate)+" to "+kHz(rate))
	}
	if info.Channels > 1 {
		done = append(done, "mixed from "+channels)
	}
	what := "as is"
	if len(done) > 0 {
		what = strings.Join(done, ", ")
	}
	return fmt.Sprintf("%s: %.2f s, %s, %s, %s: %s; %d samples",
		info.Path, info.Duration.Seconds(), kHz(info.SampleRate), channels, format, what, samples)
}

// Limits of the files train reads besides the clips.
const (
	// maxCheckpoint is the largest checkpoint of a model Validate allows
	// (2^30 parameters, three arrays of them) with its header.
	maxCheckpoint = 12<<30 + 64<<20
)

// readCheckpoint reads and decodes the checkpoint at path, beside model. It
// reads only a regular file, no more than its size, and no more than a
// checkpoint can be.
func readCheckpoint(path, model string) (*train.Checkpoint, error) {
	b, err := readInput(path, maxCheckpoint, "checkpoint")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("resume: no checkpoint %s beside %s", path, model)
	}
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	return train.DecodeCheckpoint(b, path)
}

// explain adds to an error of train.Run what the user can do about it and
// what the run has kept: for a run too large, which flag to lower; for a
// step that was not finite, the checkpoint left.
func (t *trainOutputs) explain(err error, lim memoryLimit) error {
	var me *train.MemoryError
	switch {
	case errors.As(err, &me):
		change := map[string]string{
			"params":     "lower --batch",
			"workspaces": "lower --chunk or --threads, or train a smaller model",
			"chunks":     "lower --batch, or --val (each held-out chunk has a receptive field of context)",
			"clips":      "train on fewer or shorter clips",
		}[me.Largest()]
		return fmt.Errorf("%w, %s; %s", err, lim, lim.advise(change))
	case errors.Is(err, train.ErrNotFinite) && t.kept >= 0:
		return fmt.Errorf("%w; %s of step %d is intact", err, t.ckpt, t.kept)
	case errors.Is(err, train.ErrNotFinite):
		return fmt.Errorf("%w; no checkpoint was written", err)
	}
	return err
}

// trainOutputs are the files a run keeps, and what it has kept.
type trainOutputs struct {
	model, ckpt, csv, png string
	bestPath, lastPath    string   // the files beside model (keptPaths); one of them is written
	best, last            string   // where the best and the last model go: model and the other
	kept                  int      // the step of the checkpoint in ckpt; −1 if there is none of this run
	bestKept              int      // the step of the model in best; −1 if not of this run's best
	classes               []string // the global classes' names, for the CSV and the summary
}

// newTrainOutputs returns the files of a run writing model, which holds
// the model keep says.
func newTrainOutputs(model, keep string) *trainOutputs {
	t := &trainOutputs{model: model, kept: -1, bestKept: -1}
	t.ckpt, t.csv, t.png = trainPaths(model)
	t.bestPath, t.lastPath = keptPaths(model)
	t.best, t.last = t.bestPath, model
	if keep == keepBest {
		t.best, t.last = model, t.lastPath
	}
	return t
}

// resumeBest notes whether the best model file is the best of ck; an error
// says it is not, and when it is rewritten.
func (t *trainOutputs) resumeBest(ck *train.Checkpoint) error {
	step, _ := ck.Best()
	m, md, err := wavenet.Load(t.best)
	switch {
	case step == 0 && err != nil:
		return nil // no best yet, and no file
	case step == 0:
		return fmt.Errorf("%s is not of %s, which has no validation before step %d: it is replaced at the first validation", t.best, t.ckpt, ck.Step())
	case err != nil:
		return fmt.Errorf("%v; the best model of %s (step %d) is rewritten at the next checkpoint", err, t.ckpt, step)
	case !ck.MatchesBest(m, md):
		return fmt.Errorf("%s is not the best model of %s (step %d): it is rewritten at the next checkpoint", t.best, t.ckpt, step)
	}
	t.bestKept = step
	return nil
}

// saveBest writes a new best model.
func (t *trainOutputs) saveBest(s *train.Snapshot) error {
	if err := writeOutput(context.Background(), t.best, s.EncodeBest); err != nil {
		return fmt.Errorf("%w (it is written at the next checkpoint)", err)
	}
	t.bestKept = s.BestStep
	return nil
}

// summary is the result line: the model at -o and the one beside it, each
// with its validation loss, and last how the run ended.
func (t *trainOutputs) summary(res train.Result) string {
	state := "trained"
	switch {
	case res.Interrupted:
		state = "interrupted; resume with --resume"
	case res.Patient:
		state = fmt.Sprintf("stopped by --patience: no new lowest validation in %d steps", res.Steps-res.BestStep)
	}
	last := fmt.Sprintf("train %s bits, validation %s bits%s, whole clips %s bits",
		bitsOrDash(res.TrainBits), bitsOrDash(res.ValBits), classBits(t.classes, res.ValClassBits, true), bitsOrDash(res.ClipBits))
	took := res.Elapsed.Round(time.Second)
	switch {
	case res.BestStep == 0 && t.best == t.model:
		return fmt.Sprintf("%s: %d steps, %s, %s; no validation yet to choose a best by: this is the last step's model, as is %s (%s)",
			t.model, res.Steps, took, last, t.last, state)
	case res.BestStep == 0:
		return fmt.Sprintf("%s: %d steps, %s, %s (%s)", t.last, res.Steps, took, last, state)
	case t.last == t.model:
		return fmt.Sprintf("%s: %d steps, %s, %s; best: %s, validation %s bits at step %d (%s)",
			t.model, res.Steps, took, last, t.best, bitsString(res.BestValBits), res.BestStep, state)
	}
	return fmt.Sprintf("%s: the best validation, %s bits at step %d of %d steps, %s; last: %s, %s (%s)",
		t.model, bitsString(res.BestValBits), res.BestStep, res.Steps, took, t.last, last, state)
}

// save writes a checkpoint's files: the checkpoint first (it alone is
// enough to resume), then the model, the CSV and the loss curve. Its errors
// say what was kept.
func (t *trainOutputs) save(s *train.Snapshot) error {
	// Not the run's context: the final checkpoint is written after a
	// signal has cancelled that.
	ctx := context.Background()
	if err := writeOutput(ctx, t.ckpt, s.EncodeCheckpoint); err != nil {
		if t.kept < 0 {
			return fmt.Errorf("%w (no checkpoint was written)", err)
		}
		return fmt.Errorf("%w (%s of step %d is intact)", err, t.ckpt, t.kept)
	}
	t.kept = s.Step
	kept := func(err error, what string) error {
		return fmt.Errorf("%w (%s of step %d written; --resume continues from the checkpoint)", err, what, s.Step)
	}
	if err := writeOutput(ctx, t.last, s.EncodeModel); err != nil {
		return kept(err, t.ckpt)
	}
	// The best model, if the file is not it yet: SaveBest failed, or a
	// resumed run found another.
	if s.BestStep > 0 && s.BestStep != t.bestKept {
		if err := writeOutput(ctx, t.best, s.EncodeBest); err != nil {
			return kept(err, t.ckpt+" and "+t.last)
		}
		t.bestKept = s.BestStep
	}
	// Keeping the best, before any validation: -o holds the last step's
	// model, until the first validation makes a best to put there.
	if s.BestStep == 0 && t.best == t.model {
		if err := writeOutput(ctx, t.model, s.EncodeModel); err != nil {
			return kept(err, t.ckpt+" and "+t.last)
		}
	}
	if err := writeOutput(ctx, t.csv, func(w io.Writer) error { return writeTrainCSV(w, s.Log, t.classes) }); err != nil {
		return kept(err, t.ckpt+" and "+t.last)
	}
	if len(s.Log) == 0 {
		return nil
	}
	if err := writeOutput(ctx, t.png, func(w io.Writer) error { return writeLossPNG(w, s.Log) }); err != nil {
		return kept(err, t.ckpt+" and "+t.last)
	}
	return nil
}

// trainCSVHeader names the columns of the CSV log, one per LogRow field;
// a run with classes has a val_bits_NAME column per class after them.
const trainCSVHeader = "step,seconds,samples,lr,train_bits,val_bits,grad_norm,samples_per_sec"

// writeTrainCSV writes the log as CSV; a row without a validation loss has
// an empty val_bits, and empty per-class columns. A class name is quoted
// as CSV needs it.
func writeTrainCSV(w io.Writer, rows []train.LogRow, classes []string) error {
	var b bytes.Buffer
	b.WriteString(trainCSVHeader)
	for _, name := range classes {
		b.WriteString("," + csvField("val_bits_"+name))
	}
	b.WriteByte('\n')
	f := func(x float64, prec int) string { return strconv.FormatFloat(x, 'f', prec, 64) }
	for _, r := range rows {
		val := ""
		if r.ValBits >= 0 {
			val = f(r.ValBits, 4)
		}
		fmt.Fprintf(&b, "%d,%s,%d,%s,%s,%s,%s,%s", r.Step, f(r.Seconds, 1), r.Samples,
			strconv.FormatFloat(r.LR, 'g', 6, 64), f(r.TrainBits, 4), val, f(r.GradNorm, 4), f(r.SamplesPerSec, 0))
		for i := range classes {
			b.WriteByte(',')
			if i < len(r.ValClassBits) && r.ValClassBits[i] >= 0 {
				b.WriteString(f(r.ValClassBits[i], 4))
			}
		}
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

// csvField quotes s for CSV if it holds a comma, a quote or a line break.
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// bitsString shows a loss in bits, or "-" for none (negative).
func bitsString(b float64) string {
	if b < 0 || math.IsNaN(b) {
		return "-"
	}
	return fmt.Sprintf("%.3f", b)
}

// bitsOrDash shows a loss, or "-" for none (negative) or not measured (0).
func bitsOrDash(b float64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", b)
}

// plural is "s" unless n is 1, for counts in messages.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
