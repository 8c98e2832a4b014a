package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wavenet-go/wavenet-go/audio"
)

// compareSide is what compare reports about one input, measured at the
// analysis rate (the reference's).
type compareSide struct {
	File        string        `json:"file"`
	Seconds     float64       `json:"seconds"`     // duration
	SampleRate  int           `json:"sample_rate"` // Hz, as stored in the file
	PitchHz     float64       `json:"pitch_hz"`    // 0 when no steady pitch is found
	Periodicity float64       `json:"periodicity"` // mean normalized autocorrelation peak, 0 … 1
	Notes       []compareNote `json:"notes"`       // audio.PitchAnalysis.Notes, in order of time; empty for none

	track []audio.PitchPoint // every frame's pitch, for --png
}

// compareNote is a note a clip holds (audio.Note).
type compareNote struct {
	PitchHz float64 `json:"pitch_hz"`
	Start   float64 `json:"start_s"` // seconds
	End     float64 `json:"end_s"`
}

// compareResult is compare's report on a generated clip (B, the second
// file) against its reference (A, the first). Every number is finite: a
// ratio whose denominator is missing is 0, and PitchRelation says why.
// The JSON keys are documented in compare -h and kept stable.
type compareResult struct {
	SampleRate int         `json:"sample_rate"` // Hz: the reference's, at which both are measured
	A          compareSide `json:"reference"`
	B          compareSide `json:"generated"`

	PitchRatio           float64 `json:"pitch_ratio"`            // B's pitch / A's; 0 when either has none
	PitchDifferenceCents float64 `json:"pitch_difference_cents"` // 1200·log2(PitchRatio); 0 when either has none
	PitchRelation        string  `json:"pitch_relation"`         // audio.PitchRelation: note, harmonic, subharmonic, unrelated, none
	PitchHarmonic        int     `json:"pitch_harmonic"`         // n of harmonic ×n or subharmonic ×1/n; 1 for the note; else 0

	// The note of A's nearest (in cents) to B's pitch, for a reference
	// whose note changes: a take primed with its opening may follow the
	// note the opening plays, not the clip's median. Zeros and "none"
	// when B has no pitch or A no note.
	NearestNoteHz       float64 `json:"nearest_note_hz"`
	NearestNoteStart    float64 `json:"nearest_note_start_s"`
	NearestNoteEnd      float64 `json:"nearest_note_end_s"`
	NearestNoteRatio    float64 `json:"nearest_note_ratio"`    // B's pitch / that note's
	NearestNoteRelation string  `json:"nearest_note_relation"` // audio.PitchRelation, as pitch_relation
	NearestNoteHarmonic int     `json:"nearest_note_harmonic"`

	PeriodicityRatio float64 `json:"periodicity_ratio"` // B's / A's; 0 when A's is 0

	SpectralCorrelation float64 `json:"spectral_correlation"` // −1 … 1, see audio.SpectralCorrelation
	SpectralLoHz        float64 `json:"spectral_lo_hz"`       // the band it covers, Hz
	SpectralHiHz        float64 `json:"spectral_hi_hz"`

	ImpulseThreshold  float64 `json:"impulse_threshold"`   // A's largest |second difference|, full scale 1
	Impulses          int     `json:"impulses"`            // samples of B whose |second difference| exceeds it
	ImpulsesPerSecond float64 `json:"impulses_per_second"` // Impulses / B's seconds

	// The same rate for A's own μ-law round trip with MuLawCodes codes:
	// what a model of that many classes scores by reproducing A code for
	// code, since on a smooth, loud reference the quantization steps alone
	// are sharper than anything in it. Both 0 with --mulaw 0.
	MuLawCodes                  int     `json:"mulaw_codes"`
	MuLawFloorImpulsesPerSecond float64 `json:"mulaw_floor_impulses_per_second"`

	Version string `json:"version"` // the build of wavenet (--version)
}

// compareBand is a frequency range, Hz: of the spectral correlation or of
// the pitch search.
type compareBand struct{ lo, hi float64 }

// compareClips measures gen against ref, both mono at rate Hz, with the
// spectral correlation over spec, pitches searched over pitch and the μ-law
// floor of the impulse rate for mulaw codes (none for 0). It fills every
// field but the files' names and stored rates. It stops with ctx's error
// when ctx is done during the pitch search, the slow part.
func compareClips(ctx context.Context, ref, gen []float32, rate int, spec, pitch compareBand, mulaw int) (compareResult, error) {
	r := compareResult{SampleRate: rate, SpectralLoHz: spec.lo, SpectralHiHz: spec.hi}
	r.SpectralCorrelation = audio.SpectralCorrelation(ref, gen, rate, spec.lo, spec.hi)
	side := func(x []float32) (compareSide, error) {
		a, err := audio.AnalyzePitch(ctx, x, rate, pitch.lo, pitch.hi)
		cs := compareSide{Seconds: float64(len(x)) / float64(rate), PitchHz: a.Pitch, Periodicity: a.Periodicity, Notes: []compareNote{}, track: a.Track}
		for _, n := range a.Notes {
			cs.Notes = append(cs.Notes, compareNote{PitchHz: n.Hz, Start: n.Start, End: n.End})
		}
		return cs, err
	}
	var err error
	if r.A, err = side(ref); err != nil {
		return r, err
	}
	if r.B, err = side(gen); err != nil {
		return r, err
	}
	rel, n := audio.RelatePitch(r.A.PitchHz, r.B.PitchHz)
	r.PitchRelation, r.PitchHarmonic = rel.String(), n
	if rel != audio.NoPitch {
		r.PitchRatio = r.B.PitchHz / r.A.PitchHz
		r.PitchDifferenceCents = 1200 * math.Log2(r.PitchRatio)
	}
	r.NearestNoteRelation = audio.NoPitch.String()
	if r.B.PitchHz > 0 {
		best := math.Inf(1)
		for _, n := range r.A.Notes {
			if d := math.Abs(math.Log(r.B.PitchHz / n.PitchHz)); d < best {
				best = d
				r.NearestNoteHz, r.NearestNoteStart, r.NearestNoteEnd = n.PitchHz, n.Start, n.End
			}
		}
		if r.NearestNoteHz > 0 {
			r.NearestNoteRatio = r.B.PitchHz / r.NearestNoteHz
			rel, n := audio.RelatePitch(r.NearestNoteHz, r.B.PitchHz)
			r.NearestNoteRelation, r.NearestNoteHarmonic = rel.String(), n
		}
	}
	if r.A.Periodicity > 0 {
		r.PeriodicityRatio = r.B.Periodicity / r.A.Periodicity
	}
	r.ImpulseThreshold = audio.MaxSecondDifference(ref)
	r.Impulses = audio.CountSharperThan(gen, r.ImpulseThreshold)
	if r.B.Seconds > 0 {
		r.ImpulsesPerSecond = float64(r.Impulses) / r.B.Seconds
	}
	if mulaw >= 2 && len(ref) > 0 {
		q := audio.MuLawDecode(nil, audio.MuLawEncode(nil, ref, mulaw), mulaw)
		r.MuLawCodes = mulaw
		r.MuLawFloorImpulsesPerSecond = float64(audio.CountSharperThan(q, r.ImpulseThreshold)) / r.A.Seconds
	}
	return r, nil
}

func newCompareCmd() *cobra.Command {
	var asJSON bool
	var pngPath string
	var spec, pitch compareBand
	var mulaw int
	cmd := &cobra.Command{
		Use:   "compare REFERENCE.wav GENERATED.wav [--json]",
		Short: "Measure a generated clip against its reference: pitch, periodicity, spectrum, clicks",
		Long: `compare reads two WAV files as mono, a reference (the clip a model learnt) and
a generated clip, and measures how far the second follows the first. The
generated clip is resampled to the reference's rate (with a note on standard
error) and everything is measured there:

  pitch                 of each clip: rate/τ for the lag τ of the peak of the
                        normalized autocorrelation
                          r(τ) = Σ x[t]·x[t+τ] / √(Σ x[t]² · Σ x[t+τ]²)
                        in frames of 2048 samples (hop 512), τ between
                        rate/--max-pitch and rate/--min-pitch and at most half
                        a frame; the first local maximum within 0.9 of the
                        frame's best, refined by a parabola; the median over
                        frames within 40 dB of the loudest whose peak is at
                        least 0.5. "none" (0 in JSON) when no frame qualifies:
                        silence, noise, or a clip too short for the range (a
                        clip shorter than two periods of --min-pitch is
                        searched from a higher pitch, with a note on standard
                        error)
  pitch ratio           generated pitch / reference pitch, and in cents; the
                        verdict: "the note" within ±3 % of 1, "harmonic n"
                        within ±3 % of n, "subharmonic n" within ±3 % of 1/n
                        (n = 2 … 8), otherwise unrelated
  notes                 of each clip: runs of at least 3 frames that give a
                        pitch (about 0.1 s) within ±3 % of the run's median
                        (one frame unvoiced or off it does not end a run),
                        with their times; a clip whose note changes
                        (an opening note, then another) has several. The
                        nearest note: the reference's note closest to the
                        generated pitch, its ratio and verdict as above. A
                        take primed with the reference's opening continues
                        the opening's note, which may not be the clip's
                        median: the nearest note says so
  periodicity           of each clip: the mean autocorrelation peak over the
                        same frames, 0 … 1: near 1 for a steady tone, near 0
                        for noise; and the ratio generated / reference
  spectral correlation  the Pearson correlation, over the frequencies from --lo
                        to --hi Hz, of the two long-term log power spectra
                        (Hann frames of 2048 samples, hop 1024, averaged;
                        a clip shorter than a frame is one zero-padded frame;
                        bins more than 80 dB below the strongest are floored
                        there): 1 for the same spectral shape at any loudness,
                        about 0 for unrelated ones (white noise against an
                        instrument scores about 0.1)
  impulses              the threshold is the largest |second difference|
                          |x[t+1] − 2·x[t] + x[t−1]|
                        anywhere in the reference (samples at full scale 1);
                        the rate is the number of samples of the generated clip
                        whose |second difference| exceeds it, per second of the
                        generated clip: clicks and hiss sharper than anything
                        in the reference (0 for the reference itself; a
                        one-sample click of height h on a smooth background
                        counts 1 sample when h < threshold < 2h, 3 when
                        h > threshold)
  μ-law floor           the same rate for the reference's own μ-law round
                        trip with --mulaw codes (encode, decode): what a model
                        of that many classes scores by reproducing the
                        reference code for code, since on a smooth, loud
                        reference the quantization steps alone are sharper
                        than anything in it

--png also draws the two clips, the reference blue and the generated clip
red: above, the pitch of every frame that gives one against time, each note
a bar; below, the long-term spectra over the band of the correlation. The
PNG is written whole or not at all, never over either input.

--json prints one JSON object instead, every number finite, with the keys
  sample_rate                  Hz, the reference's: both are measured at it
  reference, generated         objects with
    file                       the path given
    seconds                    duration
    sample_rate                Hz, as stored in the file
    pitch_hz                   pitch, 0 for none
    periodicity                0 … 1
    notes                      [{pitch_hz, start_s, end_s}], in order of time
  pitch_ratio                  generated / reference pitch, 0 if either has none
  pitch_difference_cents       1200·log2(pitch_ratio), 0 if either has none
  pitch_relation               "note", "harmonic", "subharmonic", "unrelated",
                               or "none" (a pitch is missing)
  pitch_harmonic               n of harmonic or subharmonic n, 1 for the note,
                               0 otherwise
  nearest_note_hz, nearest_note_start_s, nearest_note_end_s
                               the reference's note nearest the generated
                               pitch (0 if either has none)
  nearest_note_ratio           generated pitch / that note, 0 if none
  nearest_note_relation        as pitch_relation, against that note
  nearest_note_harmonic        as pitch_harmonic, against that note
  periodicity_ratio            generated / reference, 0 if the reference's is 0
  spectral_correlation         −1 … 1 (0 when either spectrum is flat: silence)
  spectral_lo_hz, spectral_hi_hz  its band (--lo, --hi)
  impulse_threshold            the reference's largest |second difference|
  impulses                     generated samples above it
  impulses_per_second          impulses / generated seconds
  mulaw_codes                  --mulaw (0: no floor measured)
  mulaw_floor_impulses_per_second  the μ-law floor, per second of the
                               reference (0 with --mulaw 0)
  version                      the build of wavenet, as --version prints it`,
		Example: `  wavenet compare clip.wav generated.wav
  wavenet compare clip.wav generated.wav --json
  wavenet compare clip.wav generated.wav --png compare.png`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("want two WAV files (REFERENCE.wav GENERATED.wav), got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !(spec.lo >= 0 && spec.hi > spec.lo) || !(pitch.lo > 0 && pitch.hi > pitch.lo) {
				return usagef("want 0 ≤ --lo < --hi and 0 < --min-pitch < --max-pitch")
			}
			if mulaw == 1 || mulaw < 0 || mulaw > 1<<16 {
				return usagef("--mulaw %d: want 0 (none) or 2 to 65536 codes", mulaw)
			}
			if pngPath != "" {
				if err := checkOutputs(args, []string{pngPath}); err != nil {
					return err
				}
			}
			stderr := cmd.ErrOrStderr()
			lim, err := getMemoryLimit()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ref, ri, err := readAudio(args[0], 0, stderr, lim, 0, 0, "compare shorter clips")
			if err != nil {
				return err
			}
			rate := ri.SampleRate
			gen, gi, err := readAudio(args[1], rate, stderr, lim, 4*int64(len(ref)), 0,
				"compare shorter clips, or give the one of lower rate first (the second is resampled to the first's rate)")
			if err != nil {
				return err
			}
			if gi.SampleRate != rate {
				fmt.Fprintf(stderr, "wavenet compare: note: %s: resampled from %d Hz to %d Hz, the reference's rate\n", args[1], gi.SampleRate, rate)
			}
			for _, c := range []struct {
				path string
				n    int
			}{{args[0], len(ref)}, {args[1], len(gen)}} {
				warnShortPitch(stderr, c.path, c.n, rate, pitch)
			}
			if err := checkContext(ctx); err != nil {
				return err
			}
			r, err := compareClips(ctx, ref, gen, rate, spec, pitch, mulaw)
			if err != nil {
				return checkContext(ctx)
			}
			r.A.File, r.A.SampleRate = args[0], ri.SampleRate
			r.B.File, r.B.SampleRate = args[1], gi.SampleRate
			r.Version = buildVersion()
			if pngPath != "" {
				if err := writeComparePNG(ctx, pngPath, r, ref, gen); err != nil {
					return err
				}
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
			return printCompare(out, r)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print one JSON object (keys above)")
	f.StringVar(&pngPath, "png", "", "also draw both clips' pitch over time (with their notes) and long-term spectra to this PNG file")
	f.Float64Var(&spec.lo, "lo", 50, "lowest frequency of the spectral correlation, Hz")
	f.Float64Var(&spec.hi, "hi", 8000, "highest frequency of the spectral correlation, Hz")
	f.Float64Var(&pitch.lo, "min-pitch", 50, "lowest pitch searched, Hz")
	f.Float64Var(&pitch.hi, "max-pitch", 2000, "highest pitch searched, Hz")
	f.IntVar(&mulaw, "mulaw", 256, "μ-law codes of the impulse rate's floor (0: none)")
	return cmd
}

// warnShortPitch notes on w when a clip of n samples at rate Hz is too
// short to search the whole pitch range.
func warnShortPitch(w io.Writer, path string, n, rate int, pitch compareBand) {
	lo, _ := audio.PitchRange(n, rate, pitch.lo, pitch.hi)
	switch {
	case lo == 0:
		fmt.Fprintf(w, "wavenet compare: note: %s: %d samples are too few to search a pitch from %g to %g Hz; reporting none\n", path, n, pitch.lo, pitch.hi)
	case lo > pitch.lo:
		fmt.Fprintf(w, "wavenet compare: note: %s: %d samples: pitch searched from %.1f Hz up only (lags stop at half of a %d-sample frame)\n", path, n, lo, min(n, audio.PitchFrame))
	}
}

// printCompare writes r as text, one measure a line.
func printCompare(w io.Writer, r compareResult) error {
	pitch := func(hz float64) string {
		if hz == 0 {
			return "none"
		}
		return fmt.Sprintf("%.1f Hz", hz)
	}
	for _, s := range []struct {
		tag string
		s   compareSide
	}{{"reference", r.A}, {"generated", r.B}} {
		at := fmt.Sprintf("%d Hz", r.SampleRate)
		if s.s.SampleRate != r.SampleRate {
			at += fmt.Sprintf(", resampled from %d Hz", s.s.SampleRate)
		}
		fmt.Fprintf(w, "%s: %s (%.2f s at %s): pitch %s, periodicity %.3f\n", s.tag, s.s.File, s.s.Seconds, at, pitch(s.s.PitchHz), s.s.Periodicity)
		fmt.Fprintf(w, "%s notes: %s\n", s.tag, notesText(s.s.Notes))
	}
	fmt.Fprintf(w, "pitch ratio: %s\n", pitchVerdict(r))
	if r.NearestNoteHz > 0 && len(r.A.Notes) > 1 {
		fmt.Fprintf(w, "nearest note of the reference: %.1f Hz (%.2f–%.2f s): %s\n", r.NearestNoteHz, r.NearestNoteStart, r.NearestNoteEnd,
			relationText(r.NearestNoteRatio, r.NearestNoteRelation, r.NearestNoteHarmonic))
	}
	if r.A.Periodicity > 0 {
		fmt.Fprintf(w, "periodicity ratio: %.3f (generated / reference)\n", r.PeriodicityRatio)
	} else {
		fmt.Fprintf(w, "periodicity ratio: none (the reference's periodicity is 0)\n")
	}
	fmt.Fprintf(w, "spectral correlation (%g Hz to %g Hz): %.3f\n", r.SpectralLoHz, r.SpectralHiHz, r.SpectralCorrelation)
	_, err := fmt.Fprintf(w, "impulses sharper than the reference: %.1f per second (%d samples of %.2f s with |second difference| above %.4g, the reference's largest)\n",
		r.ImpulsesPerSecond, r.Impulses, r.B.Seconds, r.ImpulseThreshold)
	if err == nil && r.MuLawCodes > 0 {
		_, err = fmt.Fprintf(w, "μ-law floor of that rate: %.1f per second (the reference's own round trip through %d μ-law codes)\n",
			r.MuLawFloorImpulsesPerSecond, r.MuLawCodes)
	}
	return err
}

// pitchVerdict is the pitch ratio line's text: the ratio, in cents, and
// whether the generated pitch is the reference's note.
func pitchVerdict(r compareResult) string {
	switch {
	case r.A.PitchHz == 0 && r.B.PitchHz == 0:
		return "none (no pitch in either clip)"
	case r.A.PitchHz == 0:
		return "none (no pitch in the reference)"
	case r.B.PitchHz == 0:
		return "none (no pitch in the generated clip)"
	}
	return relationText(r.PitchRatio, r.PitchRelation, r.PitchHarmonic)
}

// relationText is a pitch ratio (generated / reference) and its verdict in
// words: the ratio, in cents, and whether it is the note.
func relationText(ratio float64, relation string, harmonic int) string {
	head := fmt.Sprintf("%.3f (%+.0f cents, generated / reference): ", ratio, 1200*math.Log2(ratio))
	switch relation {
	case audio.SameNote.String():
		return head + "the note"
	case audio.Harmonic.String():
		return head + fmt.Sprintf("harmonic %d (the note ×%d), not the note", harmonic, harmonic)
	case audio.Subharmonic.String():
		return head + fmt.Sprintf("subharmonic %d (the note ×1/%d), not the note", harmonic, harmonic)
	}
	return head + fmt.Sprintf("not the note, nor a harmonic or subharmonic up to %d (±%g %%)", audio.MaxHarmonic, 100*audio.PitchTolerance)
}

// notesText lists notes as "419.0 Hz (0.05–0.14 s), …", or "none".
func notesText(notes []compareNote) string {
	if len(notes) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, n := range notes {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%.1f Hz (%.2f–%.2f s)", n.PitchHz, n.Start, n.End)
	}
	return b.String()
}
