// Package train fits a WaveNet model to audio clips: random chunks of the
// clips in batches, the cross-entropy of the next μ-law code, its gradient
// through the whole model, Adam with bias correction, gradient clipping by
// global norm and optional learning-rate decay, on every core. It keeps a
// validation loss on a held-out slice of each clip, a CSV log and a
// loss-curve PNG, and checkpoints that survive crashes and resume exactly.
//
// Files, for a model path BASE.safetensors:
//
//	BASE.safetensors  the model, with `training` metadata (steps, losses, data, seed)
//	BASE.ckpt         the training state: parameters, Adam moments, RNG, log (see state.go)
//	BASE.csv          one row per log interval
//	BASE.png          the loss curve
//
// Every file is written atomically (temporary file, fsync, rename). The
// checkpoint is written before the model and is complete on its own, so a
// crash or a full disk at any moment leaves a consistent checkpoint to
// resume from.
package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/wavenet-go/wavenet-go/audio"
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
	ValFraction float64 `json:"val_fraction"` // held-out tail of each clip (default 0.1; negative = none)
	NoPadStarts bool    `json:"no_pad_starts"`
	Seed        uint64  `json:"seed"`
}

// Defaults: the PyTorch reference's recipe.
const (
	DefaultBatch       = 4
	DefaultChunk       = 2000
	DefaultLR          = 1e-3
	DefaultClipNorm    = 1
	DefaultValFraction = 0.1
	DefaultCheckpoint  = 3 * time.Minute
	DefaultLogEvery    = 10
	DefaultValEvery    = 50
)

// Options configure Run.
type Options struct {
	Out    string          // model path; the checkpoint, CSV and PNG go beside it
	Inputs []string        // WAV files, or folders searched for *.wav
	Config *wavenet.Config // a new run's model (nil = the small preset); on resume nil or the checkpoint's
	Hyper  Hyper
	// SeedSet says Hyper.Seed was given (0 is a valid seed).
	SeedSet bool

	Steps   int     // stop after this many steps in total (0 = no limit)
	Minutes float64 // stop after this much training time in total (0 = no limit)
	Resume  bool    // continue from BASE.ckpt
	Threads int     // goroutines over batch items (0 = GOMAXPROCS); results do not depend on it

	CheckpointEvery time.Duration // 0 = DefaultCheckpoint
	LogEvery        int           // steps per log row (0 = DefaultLogEvery)
	ValEvery        int           // steps per validation (0 = DefaultValEvery), a multiple of LogEvery

	// OnLog, if set, is called with each log row as it is made (tests use
	// it to interrupt a run at a known step).
	OnLog func(LogRow)
}

// LogRow is one row of the training log.
type LogRow struct {
	Step          int     `json:"step"`
	Seconds       float64 `json:"seconds"` // training time so far
	Samples       int64   `json:"samples"` // scored samples so far
	LR            float64 `json:"lr"`
	TrainBits     float64 `json:"train_bits"` // mean over the steps since the previous row
	ValBits       float64 `json:"val_bits"`   // −1 when not measured at this row
	GradNorm      float64 `json:"grad_norm"`  // mean norm before clipping, since the previous row
	SamplesPerSec float64 `json:"samples_per_sec"`
}

// Result is what Run did.
type Result struct {
	Steps       int
	Samples     int64         // scored samples seen in total
	Elapsed     time.Duration // training time in total
	TrainBits   float64       // the last log row's
	ValBits     float64       // the last validation, −1 if none
	ClipBits    float64       // whole-clip bits/sample over all clips (as `wavenet eval`), at the end; 0 if interrupted
	Interrupted bool          // stopped by ctx; a checkpoint was written
	Model       string        // paths written
	Checkpoint  string
	CSV, PNG    string
}

// Paths returns the checkpoint, CSV and PNG paths that go with a model path.
func Paths(out string) (ckpt, csv, png string) {
	base := strings.TrimSuffix(out, filepath.Ext(out))
	return base + ".ckpt", base + ".csv", base + ".png"
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
}

type dataMeta struct {
	File    string `json:"file"`
	Samples int    `json:"samples"`
	HeldOut int    `json:"held_out"`
}

// run is the state of one Run.
type run struct {
	opts     Options
	progress io.Writer
	bar      *progressBar
	m        *wavenet.Model
	adam     *Adam
	pcg      *rand.PCG
	rng      *rand.Rand
	data     *Data
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

	ckpt, csv, png string
}

// Run trains as opts say, writing progress to progress (a bar if it is a
// terminal, plain lines otherwise; nil for none). It returns when the step
// or time limit is reached or ctx is done; in both cases it writes a final
// checkpoint. An interruption is not an error: Result.Interrupted is set.
func Run(ctx context.Context, opts Options, progress io.Writer) (Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	if opts.Out == "" {
		return Result{}, errors.New("train: no output model path")
	}
	if opts.Steps <= 0 && opts.Minutes <= 0 {
		return Result{}, errors.New("train: give a step limit or a time limit")
	}
	r := &run{opts: opts, progress: progress, lastVal: -1}
	r.ckpt, r.csv, r.png = Paths(opts.Out)
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

	var st *state
	if opts.Resume {
		var err error
		if st, err = r.loadCheckpoint(); err != nil {
			return Result{}, err
		}
	} else if _, err := os.Stat(r.ckpt); err == nil {
		return Result{}, fmt.Errorf("train: %s exists from an earlier run: pass --resume to continue it, or delete it to start afresh", r.ckpt)
	}

	// The model and the hyper-parameters: from the checkpoint or new.
	cfg, err := r.config(st)
	if err != nil {
		return Result{}, err
	}
	if r.hyper, err = mergeHyper(opts.Hyper, opts.SeedSet, st); err != nil {
		return Result{}, err
	}
	if r.m, err = wavenet.New(cfg); err != nil {
		return Result{}, fmt.Errorf("train: %w", err)
	}

	clips, err := loadClips(opts.Inputs, cfg, r.hyper.ValFraction, progress)
	if err != nil {
		return Result{}, err
	}
	r.dataHash = Fingerprint(clips)
	rf := cfg.ReceptiveField()
	T := r.hyper.Chunk
	if r.data, err = NewData(clips, rf, T, !r.hyper.NoPadStarts, int32(cfg.QuantizationChannels/2)); err != nil {
		return Result{}, err
	}
	r.val = r.data.Validation()

	if st != nil {
		if st.Data != r.dataHash {
			return Result{}, fmt.Errorf("train: resume: the training data differ from those of %s (same files, in the same order, are needed)", r.ckpt)
		}
		if err := r.restore(st); err != nil {
			return Result{}, err
		}
	} else {
		wavenet.RandomInit(r.m, rand.New(rand.NewPCG(r.hyper.Seed, 1)))
		r.adam = NewAdam(len(r.m.Params))
		r.pcg = rand.NewPCG(r.hyper.Seed, 2)
	}
	r.rng = rand.New(r.pcg)
	r.tr = newTrainer(r.m, r.hyper.Batch, rf-1+T, threads)
	r.bar = newProgressBar(progress, opts.Steps, opts.Minutes)

	fmt.Fprintf(progress, "train: %d clip(s), %d samples (%d held out); receptive field %d; %d parameters; batch %d × (%d context + %d scored); %d threads\n",
		len(clips), totalSamples(clips), heldOut(clips), rf, len(r.m.Params), r.hyper.Batch, rf-1, T, len(r.tr.workers))
	if st != nil {
		fmt.Fprintf(progress, "train: resuming at step %d (%.1f min trained)\n", r.step, r.elapsed.Minutes())
	}
	return r.loop(ctx, clips)
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
		n += len(c.Codes) - c.Split
	}
	return n
}

// config picks the model config: the checkpoint's on resume (a conflicting
// Options.Config is refused), else Options.Config or the small preset.
func (r *run) config(st *state) (wavenet.Config, error) {
	if st != nil {
		cfg, err := wavenet.ParseConfig(st.Config)
		if err != nil {
			return wavenet.Config{}, fmt.Errorf("train: %s: %w", r.ckpt, err)
		}
		if r.opts.Config != nil && r.opts.Config.JSON() != cfg.JSON() {
			return wavenet.Config{}, fmt.Errorf("train: resume: the model config differs from that of %s", r.ckpt)
		}
		return cfg, nil
	}
	if r.opts.Config != nil {
		return *r.opts.Config, nil
	}
	return wavenet.Preset("small")
}

// mergeHyper fills the zero fields of h with the checkpoint's (on resume)
// or the defaults, and refuses a set field that contradicts the checkpoint.
func mergeHyper(h Hyper, seedSet bool, st *state) (Hyper, error) {
	if st != nil {
		c := st.Hyper
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
		diff("no-pad-starts", h.NoPadStarts, h.NoPadStarts, c.NoPadStarts)
		diff("seed", seedSet, h.Seed, c.Seed)
		if len(diffs) > 0 {
			return Hyper{}, fmt.Errorf("train: resume: %s; resume with the same settings or start a new run", strings.Join(diffs, ", "))
		}
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
	switch {
	case h.Batch < 1 || h.Batch > 4096:
		return Hyper{}, fmt.Errorf("train: batch %d, want 1..4096", h.Batch)
	case h.Chunk < 1 || h.Chunk > 1<<22:
		return Hyper{}, fmt.Errorf("train: chunk %d, want 1..%d", h.Chunk, 1<<22)
	case !(h.LR > 0) || math.IsInf(h.LR, 0):
		return Hyper{}, fmt.Errorf("train: learning rate %v, want > 0", h.LR)
	case h.LRHalfLife < 0:
		return Hyper{}, fmt.Errorf("train: lr half-life %d, want ≥ 0", h.LRHalfLife)
	case !(h.ClipNorm > 0) || math.IsInf(h.ClipNorm, 0):
		return Hyper{}, fmt.Errorf("train: clip norm %v, want > 0", h.ClipNorm)
	case !(h.ValFraction < 1):
		return Hyper{}, fmt.Errorf("train: validation fraction %v, want below 1 (a negative value holds nothing out)", h.ValFraction)
	}
	return h, nil
}

// loadClips reads the inputs (files, or folders searched recursively for
// .wav files in name order) at the model's rate, μ-law encodes them and
// marks each one's held-out tail. valFraction < 0 means no held-out part.
func loadClips(inputs []string, cfg wavenet.Config, valFraction float64, warn io.Writer) ([]Clip, error) {
	if len(inputs) == 0 {
		return nil, errors.New("train: no input WAV files or folders")
	}
	var files []string
	for _, in := range inputs {
		fi, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
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
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		if len(files) == n0 {
			return nil, fmt.Errorf("train: %s: no .wav files in the folder", in)
		}
	}
	var clips []Clip
	for _, f := range files {
		x, _, err := audio.ReadFile(f, cfg.SampleRate, warn)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		codes := audio.MuLawEncode(nil, x, cfg.QuantizationChannels)
		held := 0
		if valFraction > 0 {
			held = int(math.Round(float64(len(codes)) * valFraction))
		}
		clips = append(clips, Clip{Name: f, Codes: codes, Split: len(codes) - held})
	}
	return clips, nil
}

// loadCheckpoint reads BASE.ckpt and compares it with the model file.
func (r *run) loadCheckpoint() (*state, error) {
	st, err := readState(r.ckpt)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("train: resume: no checkpoint %s beside %s", r.ckpt, r.opts.Out)
	}
	if err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	// The checkpoint is the truth; the model file should be the same step.
	// If it is not (a crash between the two writes), say so: the model file
	// is rewritten at the next checkpoint.
	m, md, err := wavenet.Load(r.opts.Out)
	switch {
	case err != nil:
		fmt.Fprintf(r.progress, "train: warning: %v; resuming from %s (step %d)\n", err, r.ckpt, st.Step)
	default:
		var tm trainingMeta
		if json.Unmarshal(md.Training, &tm) != nil || tm.Steps != st.Step || !slices.Equal(m.Params, st.params) {
			fmt.Fprintf(r.progress, "train: warning: %s is not the model of %s (step %d): resuming from the checkpoint\n", r.opts.Out, r.ckpt, st.Step)
		}
	}
	return st, nil
}

// restore loads the checkpoint's parameters, moments, RNG and log.
func (r *run) restore(st *state) error {
	if st.Params != len(r.m.Params) {
		return fmt.Errorf("train: %s: %d parameters, the config has %d", r.ckpt, st.Params, len(r.m.Params))
	}
	copy(r.m.Params, st.params)
	r.adam = NewAdam(len(r.m.Params))
	copy(r.adam.M, st.m)
	copy(r.adam.V, st.v)
	r.adam.T = st.AdamT
	r.pcg = &rand.PCG{}
	if err := r.pcg.UnmarshalBinary(st.RNG); err != nil {
		return fmt.Errorf("train: %s: RNG state: %w", r.ckpt, err)
	}
	r.step = st.Step
	r.elapsed = time.Duration(st.Elapsed * float64(time.Second))
	r.samples = st.Samples
	r.log = st.Log
	r.window = st.TrainWindow
	for _, row := range r.log {
		r.lastTrain = row.TrainBits
		if row.ValBits >= 0 {
			r.lastVal = row.ValBits
		}
	}
	return nil
}

// done reports whether a limit is reached.
func (r *run) done() bool {
	return (r.opts.Steps > 0 && r.step >= r.opts.Steps) ||
		(r.opts.Minutes > 0 && r.elapsed.Minutes() >= r.opts.Minutes)
}

// loop runs the steps and the checkpoints.
func (r *run) loop(ctx context.Context, clips []Clip) (Result, error) {
	batch := make([]Chunk, r.hyper.Batch)
	lastCkpt := time.Now()
	rowElapsed, rowSamples := r.elapsed, r.samples
	interrupted := false
	for !r.done() {
		if ctx.Err() != nil {
			interrupted = true
			break
		}
		t0 := time.Now()
		for i := range batch {
			r.data.Sample(&batch[i], r.rng)
		}
		nats := r.tr.lossAndGrad(batch)
		norm := ClipGlobalNorm(r.tr.grad.Params, r.hyper.ClipNorm)
		if math.IsNaN(nats) || math.IsInf(norm, 0) || math.IsNaN(norm) {
			r.bar.finish()
			return Result{}, fmt.Errorf("train: step %d: the loss or gradient is not finite (loss %v nats, gradient norm %v); lower --lr", r.step+1, nats, norm)
		}
		r.adam.Update(r.m.Params, r.tr.grad.Params, LearningRate(r.hyper.LR, r.step, r.hyper.LRHalfLife))
		r.step++
		for i := range batch {
			r.samples += int64(batch[i].Count)
		}
		r.elapsed += time.Since(t0)
		r.window = append(r.window, nats, norm)

		if r.step%r.opts.LogEvery == 0 {
			r.addRow(r.step%r.opts.ValEvery == 0, r.elapsed-rowElapsed, r.samples-rowSamples)
			rowElapsed, rowSamples = r.elapsed, r.samples
		}
		r.bar.update(r.step, r.elapsed, r.lastTrain, r.lastVal, r.rate())
		if time.Since(lastCkpt) >= r.opts.CheckpointEvery {
			if err := r.checkpoint(0); err != nil {
				fmt.Fprintf(r.bar.out(), "train: warning: checkpoint at step %d failed, the previous one stands: %v\n", r.step, err)
			}
			lastCkpt = time.Now()
		}
	}
	clipBits := 0.0
	if !interrupted {
		// End with a row at the final step that has a validation loss.
		if n := len(r.log); len(r.window) == 0 && n > 0 && r.log[n-1].Step == r.step {
			if r.log[n-1].ValBits < 0 && len(r.val) > 0 {
				nats, _ := r.tr.loss(r.val)
				r.log[n-1].ValBits = nats / math.Ln2
				r.lastVal = r.log[n-1].ValBits
			}
		} else {
			r.addRow(true, r.elapsed-rowElapsed, r.samples-rowSamples)
		}
		clipBits = r.clipBits(clips)
	}
	r.bar.finish()
	if err := r.checkpoint(clipBits); err != nil {
		return Result{}, fmt.Errorf("train: final checkpoint at step %d failed (the previous checkpoint is intact): %w", r.step, err)
	}
	res := Result{
		Steps: r.step, Samples: r.samples, Elapsed: r.elapsed, TrainBits: r.lastTrain, ValBits: r.lastVal,
		ClipBits: clipBits, Interrupted: interrupted,
		Model: r.opts.Out, Checkpoint: r.ckpt, CSV: r.csv, PNG: r.png,
	}
	if interrupted {
		fmt.Fprintf(r.progress, "train: interrupted at step %d; checkpoint written; continue with --resume\n", r.step)
	} else {
		fmt.Fprintf(r.progress, "train: done: %d steps in %s, train %.3f, validation %s, whole clips %.3f bits/sample\n",
			r.step, r.elapsed.Round(time.Second), r.lastTrain, bitsString(r.lastVal), clipBits)
	}
	return res, nil
}

func bitsString(b float64) string {
	if b < 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", b)
}

// rate is the training throughput of the last log row, scored samples per second.
func (r *run) rate() float64 {
	if len(r.log) == 0 {
		return 0
	}
	return r.log[len(r.log)-1].SamplesPerSec
}

// addRow closes the current log window into a row, with a validation pass
// if withVal, and rewrites the CSV.
func (r *run) addRow(withVal bool, trained time.Duration, samples int64) {
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
		nats, _ := r.tr.loss(r.val)
		row.ValBits = nats / math.Ln2
		r.lastVal = row.ValBits
	}
	r.lastTrain = row.TrainBits
	r.log = append(r.log, row)
	if err := writeCSV(r.csv, r.log); err != nil {
		fmt.Fprintf(r.bar.out(), "train: warning: %v\n", err)
	}
	if r.opts.OnLog != nil {
		r.opts.OnLog(row)
	}
	r.bar.line(row)
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
		sum += r.m.BitsPerSample(c.Codes) * float64(len(c.Codes)-1)
		n += len(c.Codes) - 1
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// checkpoint writes BASE.ckpt, then the model, then the CSV and PNG.
// clipBits, when not 0, goes into the model's metadata.
func (r *run) checkpoint(clipBits float64) error {
	rng, err := r.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	st := &state{
		stateHeader: stateHeader{
			Step: r.step, AdamT: r.adam.T, Params: len(r.m.Params),
			Config: json.RawMessage(r.m.Config.JSON()), Hyper: r.hyper, Data: r.dataHash,
			RNG: rng, Elapsed: r.elapsed.Seconds(), Samples: r.samples, Log: r.log, TrainWindow: r.window,
		},
		params: r.m.Params, m: r.adam.M, v: r.adam.V,
	}
	if err := writeState(r.ckpt, st); err != nil {
		return fmt.Errorf("writing %s: %w", r.ckpt, err)
	}
	meta := trainingMeta{Steps: r.step, Samples: r.samples, Hyper: r.hyper, TrainBits: round4(r.lastTrain),
		ClipBits: round4(clipBits), DataHash: r.dataHash}
	if r.lastVal >= 0 {
		meta.ValBits = round4(r.lastVal)
	}
	for _, c := range r.data.Clips {
		meta.Data = append(meta.Data, dataMeta{File: c.Name, Samples: len(c.Codes), HeldOut: len(c.Codes) - c.Split})
	}
	tj, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	if err := r.m.Save(r.opts.Out, tj); err != nil {
		return err
	}
	if err := writeCSV(r.csv, r.log); err != nil {
		return err
	}
	return writePNG(r.png, r.log)
}

// round4 rounds to 4 decimals for the metadata, which people read.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
