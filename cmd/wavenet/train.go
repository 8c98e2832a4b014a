package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

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
	noPad               bool
	seed                uint64
	resume              bool
	threads             int
	ckptMinutes         float64
}

func newTrainCmd() *cobra.Command {
	var o trainFlags
	cmd := &cobra.Command{
		Use:   "train -o MODEL.safetensors [--preset small|medium|ibab | --config cfg.json] [--steps N] [--minutes M] [--batch B] [--chunk N] [--lr X] [--seed N] [--resume] INPUT...",
		Short: "Train a model on WAV clips",
		Long: `train fits a model to the WAV files given (or every .wav under the folders
given), read as mono at the model's rate and μ-law encoded. Each step draws
--batch random chunks; a chunk is the receptive field of context followed by
--chunk samples whose next-sample cross-entropy is the loss. Chunks may
overhang a clip's start (the model then hears silence before it, exactly as
when generating or evaluating from the start) and the end of its training
part (scoring fewer samples), so that every sample is scored equally often,
the opening included; --no-pad-starts draws only full chunks with full
context, as the PyTorch reference does, which seldom trains the opening.
The last --val of each clip is held out for the validation loss.

Optimisation is Adam with bias correction, the gradient clipped to a global
norm of --clip-norm, and the learning rate halved every --lr-half-life steps
if that is set. The batch items run in parallel on all cores; results do not
depend on the number of threads.

Training stops after --steps steps or --minutes minutes of training, whichever
comes first (counted from the start of the run, over resumes). Progress goes to
standard error: a bar on a terminal, plain lines otherwise.

Beside MODEL.safetensors it writes MODEL.ckpt (the complete training state),
MODEL.csv (the log) and MODEL.png (the loss curve). All are written
atomically every --checkpoint-minutes, at the end, and on Ctrl-C or SIGTERM,
after which train exits cleanly. --resume continues from MODEL.ckpt exactly as
if it had not stopped: the same data, settings and seed then give the same
losses and the same model bytes as an uninterrupted run.`,
		Example: `  wavenet train -o piano.safetensors --minutes 10 piano.wav
  wavenet train -o voice.safetensors --preset medium --steps 5000 clips/
  wavenet train -o piano.safetensors --minutes 20 --resume piano.wav`,
		Args: minArgs(1, "input WAV file or folder"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTrain(cmd, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "output", "o", "", "model file to write (.safetensors); the checkpoint, CSV and PNG go beside it (required)")
	f.StringVar(&o.preset, "preset", "", "model shape: "+strings.Join(wavenet.PresetNames(), ", ")+" (default small)")
	f.StringVar(&o.config, "config", "", "model shape from a JSON config file with the spec's keys")
	f.IntVar(&o.steps, "steps", 0, "stop after this many steps (0 = no step limit)")
	f.Float64Var(&o.minutes, "minutes", 0, "stop after this many minutes of training (0 = no time limit; with neither limit, 10)")
	f.IntVar(&o.batch, "batch", train.DefaultBatch, "chunks per step")
	f.IntVar(&o.chunk, "chunk", train.DefaultChunk, "samples scored per chunk, after the receptive field of context")
	f.Float64Var(&o.lr, "lr", train.DefaultLR, "Adam learning rate")
	f.IntVar(&o.halfLife, "lr-half-life", 0, "halve the learning rate every this many steps (0 = constant)")
	f.Float64Var(&o.clipNorm, "clip-norm", train.DefaultClipNorm, "clip the gradient to this global norm")
	f.Float64Var(&o.val, "val", train.DefaultValFraction, "fraction of each clip, at its end, held out for validation (negative = none)")
	f.BoolVar(&o.noPad, "no-pad-starts", false, "draw only full chunks with a receptive field of real context (the reference's sampling)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of the initial weights and of the chunk draws")
	f.BoolVar(&o.resume, "resume", false, "continue the run whose checkpoint is beside -o (settings not given are the checkpoint's)")
	f.IntVar(&o.threads, "threads", 0, "goroutines over batch items (0 = all cores); results do not depend on it")
	f.Float64Var(&o.ckptMinutes, "checkpoint-minutes", train.DefaultCheckpoint.Minutes(), "minutes between checkpoints")
	return cmd
}

func runTrain(cmd *cobra.Command, o *trainFlags, inputs []string) error {
	f := cmd.Flags()
	if o.out == "" {
		return usagef("no output model given (-o MODEL.safetensors)")
	}
	if o.preset != "" && o.config != "" {
		return usagef("--preset and --config both given; pick one")
	}
	if o.steps < 0 || o.minutes < 0 || o.ckptMinutes <= 0 || o.threads < 0 {
		return usagef("--steps, --minutes and --threads must not be negative, --checkpoint-minutes must be positive")
	}
	opts := train.Options{
		Out: o.out, Inputs: inputs, Steps: o.steps, Minutes: o.minutes, Resume: o.resume,
		Threads: o.threads, CheckpointEvery: time.Duration(o.ckptMinutes * float64(time.Minute)),
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
		data, err := os.ReadFile(o.config)
		if err != nil {
			return err
		}
		cfg, err := wavenet.ParseConfig(data)
		if err != nil {
			return fmt.Errorf("%s: %w", o.config, err)
		}
		opts.Config = &cfg
	}
	// A new run takes every value; a resumed one only those given, the
	// rest coming from the checkpoint.
	set := func(name string) bool { return !o.resume || f.Changed(name) }
	h := &opts.Hyper
	if set("batch") {
		h.Batch = o.batch
	}
	if set("chunk") {
		h.Chunk = o.chunk
	}
	if set("lr") {
		h.LR = o.lr
	}
	if set("lr-half-life") {
		h.LRHalfLife = o.halfLife
	}
	if set("clip-norm") {
		h.ClipNorm = o.clipNorm
	}
	if set("val") {
		h.ValFraction = o.val
		if o.val == 0 {
			h.ValFraction = -1 // zero means "default" to train.Run
		}
	}
	if set("no-pad-starts") {
		h.NoPadStarts = o.noPad
	}
	if set("seed") {
		h.Seed, opts.SeedSet = o.seed, true
	}
	if h.Batch < 0 || h.Chunk < 0 || h.LR < 0 || h.LRHalfLife < 0 || h.ClipNorm < 0 {
		return usagef("--batch, --chunk, --lr, --lr-half-life and --clip-norm must not be negative")
	}

	// SIGINT arrives through the root context; SIGTERM too, here.
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	res, err := train.Run(ctx, opts, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	state := "trained"
	if res.Interrupted {
		state = "interrupted; resume with --resume"
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %d steps, %s, train %s bits, validation %s bits, whole clips %s bits (%s)\n",
		res.Model, res.Steps, res.Elapsed.Round(time.Second), bitsOrDash(res.TrainBits), bitsOrDash(res.ValBits), bitsOrDash(res.ClipBits), state)
	return nil
}

// bitsOrDash shows a loss, or "-" for none (negative) or not measured (0).
func bitsOrDash(b float64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", b)
}
