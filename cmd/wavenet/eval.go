package main

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// evalResult is eval's report on one input.
type evalResult struct {
	File          string  `json:"file"`
	BitsPerSample float64 `json:"bits_per_sample"` // mean −log2 p of each sample given the ones before it
	Samples       int     `json:"samples"`         // samples in the clip at the model's rate
	Seconds       float64 `json:"seconds"`
	Version       string  `json:"version"` // the build of wavenet that scored it (--version)
}

func newEvalCmd() *cobra.Command {
	var model string
	var asJSON bool
	var weights wavenet.Weights
	cmd := &cobra.Command{
		Use:   "eval [--model M] [--json] IN.wav...",
		Short: "Score audio under a model in bits per sample",
		Long: `eval reads each WAV (mixed to mono and resampled to the model's rate),
μ-law encodes it, and prints the mean negative log-likelihood, in bits, of
each sample after the first given all the ones before it (the context before
the clip being silence): lower means the model predicts the clip better. The
8-bit μ-law baseline of a model that knows nothing is log2(Q) = 8 bits.

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

Without --model it uses the built-in model. --json prints one JSON object per
input, one per line, with "file", "bits_per_sample", "samples", "seconds"
and "version" (the build of wavenet, as --version prints it).`,
		Example: `  wavenet eval --model tone.safetensors tone.wav
  wavenet eval --weights f16 models/tone.wav
  wavenet eval --json a.wav b.wav`,
		Args: minArgs(1, "input WAV file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, _, _, err := loadModel(model)
			if err != nil {
				return err
			}
			cfg := m.Config
			var g *wavenet.Generator // scores through the generator, with --weights
			if cmd.Flags().Changed("weights") {
				if cfg.Conditioned() {
					return usagef("--weights scores through the generator, which needs each stream's conditioning; eval has none for a conditioned model")
				}
				g = wavenet.NewGeneratorWith(m, 1, wavenet.GeneratorOptions{Weights: weights})
			}
			out := cmd.OutOrStdout()
			version := buildVersion()
			lim, err := getMemoryLimit()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			for _, path := range args {
				if err := checkContext(ctx); err != nil {
					return err
				}
				// The clip, its codes and the evaluation's workspace (of a
				// few receptive fields, however long the clip).
				x, _, err := readAudio(path, cfg.SampleRate, cmd.ErrOrStderr(), lim, wavenet.EvalBytes(cfg, math.MaxInt32), 4, "evaluate a shorter clip")
				if err != nil {
					return err
				}
				if len(x) < 2 {
					return fmt.Errorf("%s: %d samples at %d Hz, need at least 2 to predict one", path, len(x), cfg.SampleRate)
				}
				codes := audio.MuLawEncode(nil, x, cfg.QuantizationChannels)
				r := evalResult{File: path, Samples: len(codes), Seconds: float64(len(codes)) / float64(cfg.SampleRate), Version: version}
				if g != nil {
					r.BitsPerSample, err = g.BitsPerSampleContext(ctx, codes)
				} else {
					r.BitsPerSample, err = m.BitsPerSampleContext(ctx, codes, wavenet.Cond{})
				}
				if err != nil {
					if cerr := checkContext(ctx); cerr != nil {
						return cerr
					}
					return err
				}
				if asJSON {
					b, err := json.Marshal(r)
					if err != nil {
						return err
					}
					_, err = fmt.Fprintf(out, "%s\n", b)
				} else {
					_, err = fmt.Fprintf(out, "%s: %.4f bits/sample over %d samples (%.2f s at %d Hz)\n",
						path, r.BitsPerSample, r.Samples, r.Seconds, cfg.SampleRate)
				}
				if err != nil {
					return fmt.Errorf("writing standard output: %w", err)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "model file (.safetensors) (default: the built-in model)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per input instead of text")
	cmd.Flags().Var(weightsFlag{&weights}, "weights", "score through the generator with the weights stored as f32 or f16 (default: the batch forward pass)")
	return cmd
}
