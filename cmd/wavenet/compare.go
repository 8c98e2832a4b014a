package main

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/wavenet-go/wavenet-go/audio"
)

// compareSide is what compare reports about one input.
type compareSide struct {
	File        string  `json:"file"`
	Seconds     float64 `json:"seconds"`
	PitchHz     float64 `json:"pitch_hz"`    // 0 when no steady pitch is found
	Periodicity float64 `json:"periodicity"` // normalized autocorrelation peak, 0 … 1
}

// compareResult is compare's report.
type compareResult struct {
	A                    compareSide `json:"a"`
	B                    compareSide `json:"b"`
	SpectralCorrelation  float64     `json:"spectral_correlation"`
	PitchDifferenceCents float64     `json:"pitch_difference_cents"` // B relative to A; 0 when either has no pitch
	SampleRate           int         `json:"sample_rate"`
}

func newCompareCmd() *cobra.Command {
	var asJSON bool
	var loHz, hiHz, minPitch, maxPitch float64
	cmd := &cobra.Command{
		Use:   "compare [--json] A.wav B.wav",
		Short: "Measure how alike two sounds are: spectrum, pitch, periodicity",
		Long: `compare reads two WAV files as mono (B resampled to A's rate) and reports
how alike they sound, for judging generated audio against the clip a model
learnt:

  spectral correlation  the Pearson correlation, over the frequencies from --lo
                        to --hi Hz, of the two long-term log power spectra
                        (Hann frames of 2048 samples, hop 1024; bins more than
                        80 dB below the strongest are floored there): 1 for the
                        same spectral shape at any loudness, about 0 for
                        unrelated ones (white noise against an instrument
                        scores about 0.1)
  pitch                 the median over periodic frames of the lag of the
                        normalized autocorrelation peak, between --min-pitch
                        and --max-pitch Hz (0 when no frame is periodic)
  periodicity           the mean normalized autocorrelation peak of frames of
                        2048 samples (hop 512) within 40 dB of the loudest:
                        near 1 for a steady tone, near 0 for noise

--json prints the same as one JSON object.`,
		Example: `  wavenet compare clip.wav generated.wav
  wavenet compare --json clip.wav generated.wav`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("want two WAV files, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !(loHz >= 0 && hiHz > loHz) || !(minPitch > 0 && maxPitch > minPitch) {
				return usagef("want 0 ≤ --lo < --hi and 0 < --min-pitch < --max-pitch")
			}
			a, ia, err := audio.ReadFile(args[0], 0, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			rate := ia.SampleRate
			b, _, err := audio.ReadFile(args[1], rate, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			r := compareResult{SampleRate: rate,
				SpectralCorrelation: audio.SpectralCorrelation(a, b, rate, loHz, hiHz)}
			side := func(path string, x []float32) compareSide {
				p, per := audio.Periodicity(x, rate, minPitch, maxPitch)
				return compareSide{File: path, Seconds: float64(len(x)) / float64(rate), PitchHz: p, Periodicity: per}
			}
			r.A, r.B = side(args[0], a), side(args[1], b)
			if r.A.PitchHz > 0 && r.B.PitchHz > 0 {
				r.PitchDifferenceCents = 1200 * math.Log2(r.B.PitchHz/r.A.PitchHz)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				j, err := json.Marshal(r)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(out, "%s\n", j)
				return err
			}
			pitch := func(hz float64) string {
				if hz == 0 {
					return "none"
				}
				return fmt.Sprintf("%.1f Hz", hz)
			}
			for _, s := range []struct {
				tag string
				s   compareSide
			}{{"A", r.A}, {"B", r.B}} {
				fmt.Fprintf(out, "%s: %s (%.2f s): pitch %s, periodicity %.3f\n", s.tag, s.s.File, s.s.Seconds, pitch(s.s.PitchHz), s.s.Periodicity)
			}
			fmt.Fprintf(out, "spectral correlation (%g Hz to %g Hz): %.3f\n", loHz, hiHz, r.SpectralCorrelation)
			if r.A.PitchHz > 0 && r.B.PitchHz > 0 {
				fmt.Fprintf(out, "pitch difference: %+.0f cents (B against A)\n", r.PitchDifferenceCents)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	f.Float64Var(&loHz, "lo", 50, "lowest frequency of the spectral correlation, Hz")
	f.Float64Var(&hiHz, "hi", 8000, "highest frequency of the spectral correlation, Hz")
	f.Float64Var(&minPitch, "min-pitch", 50, "lowest pitch searched, Hz")
	f.Float64Var(&maxPitch, "max-pitch", 2000, "highest pitch searched, Hz")
	return cmd
}
