package main

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wavenet-go/wavenet-go/audio"
)

// Defaults of the log-mel features: 80 bands every 256 samples, the spec's
// and the usual vocoder's.
const (
	defaultHop   = 256
	defaultBands = 80
)

// melOptions are mel's flag values.
type melOptions struct {
	output, model string
	hop, bands    int
	rate          int
}

func newMelCmd() *cobra.Command {
	var o melOptions
	cmd := &cobra.Command{
		Use:   "mel IN.wav -o OUT.npy [--hop H] [--bands B] [--rate HZ | --model M]",
		Short: "Compute a clip's log-mel features, as a locally conditioned model takes them",
		Long: `mel computes the log-mel features of a WAV file (mixed to mono) as
wavenet/FORMAT.md defines them ("Log-mel features"): one frame of --bands
values every --hop samples, F = ⌈samples/hop⌉ frames, each from a periodic
Hann window of 4·hop samples centred on the samples it describes, HTK mel
triangles from 0 Hz to half the sample rate, ln of the mel magnitude shifted
and scaled to about −1.9 … 2.5. It writes them as a NumPy .npy file of
float32 [bands, frames], the layout vocoder pipelines exchange (numpy.load
reads it); "-o -" writes to standard output.

The features are computed at the file's own sample rate unless --rate says
another (the clip is resampled first); --model takes the rate, hop and band
count from a locally conditioned model, so the frames are those it expects
("wavenet vocode --mel" and "generate --mel" read them).

A band whose triangle falls between two FFT bins (many bands for a short
hop) holds the floor value in every frame; mel warns about such bands.`,
		Example: `  wavenet mel speech.wav -o speech.npy
  wavenet mel --model voice.safetensors speech.wav -o speech.npy
  wavenet mel --hop 200 --bands 64 --rate 16000 speech.wav -o speech.npy`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("want one input WAV file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMel(cmd, &o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", `output .npy file, or "-" for standard output (required)`)
	f.IntVar(&o.hop, "hop", defaultHop, "samples per frame")
	f.IntVar(&o.bands, "bands", defaultBands, "mel bands per frame")
	f.IntVar(&o.rate, "rate", 0, "sample rate in Hz to compute the features at (default: the file's)")
	f.StringVar(&o.model, "model", "", "take the rate, hop and bands from this locally conditioned model file")
	return cmd
}

func runMel(cmd *cobra.Command, o *melOptions, in string) error {
	f := cmd.Flags()
	if o.output == "" {
		return usagef("no output given (-o OUT.npy, or -o - for standard output)")
	}
	if o.output == "-" && isTerminal(cmd.OutOrStdout()) {
		return usagef("-o - would write binary .npy data to the terminal; redirect it or give a file")
	}
	if o.model != "" {
		for _, name := range []string{"hop", "bands", "rate"} {
			if f.Changed(name) {
				return usagef("--%s and --model both given: the model says its %s", name, name)
			}
		}
	}
	if f.Changed("rate") && (o.rate < audio.MinRate || o.rate > audio.MaxRate) {
		return usagef("--rate %d: want %d to %d Hz", o.rate, audio.MinRate, audio.MaxRate)
	}
	inputs := []string{in}
	if o.model != "" {
		inputs = append(inputs, o.model)
	}
	var outputs []string
	if o.output != "-" {
		outputs = append(outputs, o.output)
	}
	if err := checkOutputs(inputs, outputs); err != nil {
		return err
	}
	rate, hop, bands := o.rate, o.hop, o.bands
	if o.model != "" {
		m, _, name, err := loadModel(o.model)
		if err != nil {
			return err
		}
		c := m.Config
		if c.LocalChannels == 0 {
			return fmt.Errorf("%s: the model has no local conditioning, so no hop and bands to take", name)
		}
		rate, hop, bands = c.SampleRate, c.LocalHop, c.LocalChannels
	}
	// The clip and its frames (at most 4·bands/hop bytes a sample, far
	// less than the clip's 4 for usual settings).
	lim, err := getMemoryLimit()
	if err != nil {
		return err
	}
	x, info, err := readAudio(in, rate, cmd.ErrOrStderr(), lim, 0, 4+4*int64(bands)/int64(max(hop, 1))+4, "compute the features of a shorter clip")
	if err != nil {
		return err
	}
	if rate == 0 {
		rate = info.SampleRate
	}
	mel, err := newMel(rate, hop, bands, cmd.ErrOrStderr())
	if err != nil {
		return &usageError{err}
	}
	frames, nf := mel.Features(nil, x)
	write := func(w io.Writer) error { return audio.EncodeNpy(w, frames, bands, nf) }
	if o.output == "-" {
		if err := write(cmd.OutOrStdout()); err != nil {
			return fmt.Errorf("writing standard output: %w", err)
		}
	} else if err := writeOutput(cmd.Context(), o.output, write); err != nil {
		return err
	}
	if o.output != "-" {
		fmt.Fprintf(cmd.OutOrStdout(), "%s: %d bands × %d frames (hop %d at %d Hz) from %d samples of %s\n",
			o.output, bands, nf, hop, rate, len(x), in)
	}
	return nil
}

// newMel returns the log-mel features at rate, hop and bands on every core,
// and warns on warn about bands that hold the floor for every clip.
func newMel(rate, hop, bands int, warn io.Writer) (*audio.Mel, error) {
	mel, err := audio.NewMel(rate, hop, bands)
	if err != nil {
		return nil, err
	}
	mel.SetThreads(runtime.NumCPU())
	if empty := mel.EmptyBands(); len(empty) > 0 && warn != nil {
		ids := make([]string, len(empty))
		for i, b := range empty {
			ids[i] = strconv.Itoa(b)
		}
		fmt.Fprintf(warn, "warning: log-mel at %d Hz, hop %d, %d bands: band(s) %s fall between FFT bins (%.1f Hz apart) and hold %.3f in every frame; fewer bands or a longer hop avoid it\n",
			rate, hop, bands, strings.Join(ids, ", "), float64(rate)/float64(4*hop), audio.MelFloor)
	}
	return mel, nil
}
