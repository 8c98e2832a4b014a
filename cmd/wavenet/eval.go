package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/spf13/cobra"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// evalResult is eval's report on one input (under one class).
type evalResult struct {
	File          string  `json:"file"`
	BitsPerSample float64 `json:"bits_per_sample"` // mean −log2 p of each sample given the ones before it
	Samples       int     `json:"samples"`         // samples in the clip at the model's rate
	Seconds       float64 `json:"seconds"`
	Version       string  `json:"version"` // the build of wavenet that scored it (--version)
	// The class the clip was scored under, for a globally conditioned model.
	ClassID *int   `json:"class_id,omitempty"`
	Class   string `json:"class,omitempty"` // its name, if the model has names
	// Frames is the number of local conditioning frames, for a locally
	// conditioned model.
	Frames int `json:"frames,omitempty"`
}

// evalOptions are eval's flag values.
type evalOptions struct {
	model, class, mel string
	asJSON            bool
	weights           wavenet.Weights
}

func newEvalCmd() *cobra.Command {
	var o evalOptions
	cmd := &cobra.Command{
		Use:   "eval [--model M] [--class NAME|ID] [--mel FRAMES.npy] [--weights f32|f16] [--json] IN.wav...",
		Short: "Score audio under a model in bits per sample",
		Long: `eval reads each WAV (mixed to mono and resampled to the model's rate),
μ-law encodes it, and prints the mean negative log-likelihood, in bits, of
each sample after the first given all the ones before it (the context before
the clip being silence): lower means the model predicts the clip better. The
8-bit μ-law baseline of a model that knows nothing is log2(Q) = 8 bits.
A model trained on pre-emphasised sound (train --pre-emphasis, the default;
inspect shows it) scores the clip pre-emphasised, as it learnt it.

A score above 8 bits is not a bug: it means the model is worse than knowing
nothing. The uniform guess pays log2(Q) bits for every sample; a model that
is confident and wrong (nearly all its probability on codes the clip does
not take) pays −log2 of the little it left for the right code, which can be
far more. Models trained long on a short clip are like this on other sounds:
the built-in model scores 0.02 bits on the 220 Hz tone it learnt
(models/tone.wav), but about 40 on a 330 Hz sine and 48 on white noise.

With --weights f32 or f16, each clip is scored through the generator, as
generate runs the model: one sample at a time, the clip fed back as the
input (teacher-forced), with the weights stored as float32 or float16 (f16
shows what half-size weights cost in bits per sample). Without it, the
whole clip goes through the batch forward pass, which gives f32's score to
float32 rounding, faster.

A model conditioned on classes scores each clip under --class (a name the
model lists, see "wavenet inspect", or an id); without --class, under every
class, one line each, the lowest marked: which class is this clip most like?
A model conditioned on log-mel frames hears the clip's own frames, computed
at the model's hop and band count, unless --mel gives frames (one input
only), which must then number ⌈samples/hop⌉.

Without --model it uses the built-in model. --json prints one JSON object per
input (and class), one per line, with "file", "bits_per_sample", "samples",
"seconds" and "version" (the build of wavenet, as --version prints it), and
"class_id", "class" and "frames" where they apply.`,
		Example: `  wavenet eval --model tone.safetensors tone.wav
  wavenet eval --weights f16 models/tone.wav
  wavenet eval --json a.wav b.wav
  wavenet eval --model band.safetensors --class piano piano.wav
  wavenet eval --model band.safetensors mystery.wav     # every class's bits`,
		Args: minArgs(1, "input WAV file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEval(cmd, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", "model file (.safetensors) (default: the built-in model)")
	f.StringVar(&o.class, "class", "", "class to score under, by name or id, for a model conditioned on classes (default: every class)")
	f.StringVar(&o.mel, "mel", "", "log-mel frames (.npy, [bands, frames]) for a locally conditioned model (default: the clip's own)")
	f.BoolVar(&o.asJSON, "json", false, "print one JSON object per input instead of text")
	f.Var(weightsFlag{&o.weights}, "weights", "score through the generator with the weights stored as f32 or f16 (default: the batch forward pass)")
	return cmd
}

func runEval(cmd *cobra.Command, o *evalOptions, inputs []string) error {
	if o.mel != "" && len(inputs) > 1 {
		return usagef("--mel gives the frames of one clip; give one input with it")
	}
	m, md, name, err := loadModel(o.model)
	if err != nil {
		return err
	}
	cfg := m.Config
	names := modelClasses(cfg, md)
	// The classes to score under: --class, or all of them.
	var classes []int
	switch {
	case cfg.GlobalClasses == 0 && o.class != "":
		return fmt.Errorf("--class %s: %s has no global conditioning (no classes); drop --class", o.class, name)
	case o.class != "":
		k, err := resolveClass(cfg, names, o.class)
		if err != nil {
			return err
		}
		classes = []int{k}
	case cfg.GlobalClasses > 0:
		for k := range cfg.GlobalClasses {
			classes = append(classes, k)
		}
	default:
		classes = []int{0}
	}
	if o.mel != "" && cfg.LocalChannels == 0 {
		return fmt.Errorf("--mel %s: %s has no local conditioning", o.mel, name)
	}
	var given []float32
	givenF := 0
	if o.mel != "" {
		if given, givenF, err = readFrames(cfg, o.mel); err != nil {
			return err
		}
	}
	var mel *audio.Mel
	if cfg.LocalChannels > 0 && o.mel == "" {
		if mel, err = modelMel(cfg, cmd.ErrOrStderr()); err != nil {
			return err
		}
	}
	var g *wavenet.Generator // scores through the generator, with --weights
	if cmd.Flags().Changed("weights") {
		g = wavenet.NewGeneratorWith(m, 1, wavenet.GeneratorOptions{Weights: o.weights})
	}
	out := cmd.OutOrStdout()
	version := buildVersion()
	lim, err := getMemoryLimit()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	for _, path := range inputs {
		if err := checkContext(ctx); err != nil {
			return err
		}
		// The clip, its codes and the evaluation's workspace (of a few
		// receptive fields, however long the clip).
		x, _, err := readAudio(path, cfg.SampleRate, cmd.ErrOrStderr(), lim, wavenet.EvalBytes(cfg, math.MaxInt32), 4, "evaluate a shorter clip")
		if err != nil {
			return err
		}
		if len(x) < 2 {
			return fmt.Errorf("%s: %d samples at %d Hz, need at least 2 to predict one", path, len(x), cfg.SampleRate)
		}
		codes := audio.MuLawEncode(nil, audio.PreEmphasize(nil, x, md.PreEmphasis), cfg.QuantizationChannels)
		var frames []float32
		nf := 0
		switch {
		case given != nil:
			if want := (len(x) + cfg.LocalHop - 1) / cfg.LocalHop; givenF != want {
				return fmt.Errorf("%s: %d frames for %s, whose %d samples at hop %d need %d: frames of another clip, or made at another hop (the model's is %d)",
					o.mel, givenF, path, len(x), cfg.LocalHop, want, cfg.LocalHop)
			}
			frames, nf = given, givenF
		case mel != nil:
			if frames, nf, err = clipFrames(mel, x, path); err != nil {
				return err
			}
		}
		results := make([]evalResult, 0, len(classes))
		for _, k := range classes {
			cond := wavenet.Cond{Class: k, Frames: frames}
			if err := cond.Check(cfg); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			var bits float64
			switch {
			case g == nil:
				bits, err = m.BitsPerSampleContext(ctx, codes, cond)
			case cfg.Conditioned():
				if err = g.SetCond(0, cond); err == nil {
					bits, err = g.BitsPerSampleContext(ctx, codes)
				}
			default:
				bits, err = g.BitsPerSampleContext(ctx, codes)
			}
			if err != nil {
				if cerr := checkContext(ctx); cerr != nil {
					return cerr
				}
				return err
			}
			r := evalResult{File: path, BitsPerSample: bits, Samples: len(codes),
				Seconds: float64(len(codes)) / float64(cfg.SampleRate), Frames: nf, Version: version}
			if cfg.GlobalClasses > 0 {
				r.ClassID = &classes[len(results)]
				if names != nil {
					r.Class = names[k]
				}
			}
			results = append(results, r)
		}
		if err := writeEval(out, results, o.asJSON, cfg.SampleRate); err != nil {
			return fmt.Errorf("writing standard output: %w", err)
		}
	}
	return nil
}

// writeEval prints one clip's results, one per class scored: JSON lines,
// or text lines, the lowest of several classes marked.
func writeEval(out io.Writer, results []evalResult, asJSON bool, rate int) error {
	best := 0
	for i, r := range results {
		if r.BitsPerSample < results[best].BitsPerSample {
			best = i
		}
	}
	for i, r := range results {
		if asJSON {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(out, "%s\n", b); err != nil {
				return err
			}
			continue
		}
		class, mark := "", ""
		if r.ClassID != nil {
			class = fmt.Sprintf(" class %d", *r.ClassID)
			if r.Class != "" {
				class = fmt.Sprintf(" class %s (%d)", r.Class, *r.ClassID)
			}
			if len(results) > 1 && i == best {
				mark = "  ← lowest"
			}
		}
		if _, err := fmt.Fprintf(out, "%s:%s %.4f bits/sample over %d samples (%.2f s at %d Hz)%s\n",
			r.File, class, r.BitsPerSample, r.Samples, r.Seconds, rate, mark); err != nil {
			return err
		}
	}
	return nil
}
