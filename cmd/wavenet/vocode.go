package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	draw2 "image/draw"
	"math"
	"runtime"
	"time"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// vocodeOptions are vocode's flag values.
type vocodeOptions struct {
	model, output, class string
	png                  string
	mels                 []string
	temperature          float64
	seed                 uint64
	takes                int // -n: streams per input
	weights              wavenet.Weights
	quiet, asJSON, float bool
}

// vocodeInput is one stream of a vocode run: frames, and the clip they
// came from if any.
type vocodeInput struct {
	name   string    // the WAV or .npy file
	frames []float32 // [Cl, F]
	nf     int       // F
	clip   []float32 // the input clip at the model's rate; nil for --mel
	out    string
	w      *audio.Writer
	f      *output
	got    []float32 // the output samples, for the distances
}

// vocodeResult is what vocode reports of one input.
type vocodeResult struct {
	Input   string  `json:"input"`
	Output  string  `json:"output"`
	Frames  int     `json:"frames"`
	Samples int     `json:"samples"` // F·H
	Seconds float64 `json:"seconds"`
	ClassID *int    `json:"class_id,omitempty"`
	// Distance is between the input's log-mel frames and those of the
	// output as written; Floor (a WAV input only) between the input's and
	// those of its own μ-law round trip, the best a model of Q codes can do.
	Distance melDistance  `json:"distance"`
	Floor    *melDistance `json:"mulaw_floor,omitempty"`
	// Loudness (a WAV input only) is the correlation of the input's and the
	// output's loudness envelopes (see loudness), frame by frame.
	Loudness *float64 `json:"loudness_correlation,omitempty"`
}

func newVocodeCmd() *cobra.Command {
	var o vocodeOptions
	cmd := &cobra.Command{
		Use:   "vocode --model M (IN.wav... | --mel FRAMES.npy...) -o OUT.wav [-n K] [--temperature T] [--seed N] [--class C]",
		Short: "Turn log-mel frames into audio with a locally conditioned model",
		Long: `vocode runs a model trained with "train --local mel" as a vocoder: from F
log-mel frames it makes F·hop samples, sample t described by frame ⌊t/hop⌋
(FORMAT.md: the first sample is μ-law's 0.0, then F·hop − 1 generated, each
drawn with --temperature and fed back in). The frames come from WAV files
(their own log-mel at the model's rate, hop and band count: copy synthesis)
or from .npy files of [bands, F] float32 frames (--mel, repeatable; "wavenet
mel" writes them). A model trained on pre-emphasised sound (train
--pre-emphasis, the default) has its draws de-emphasised; the frames are
always of the sound itself.

Several inputs run at once as streams on every core, into OUT-0.wav …
OUT-(K−1).wav; one input goes to OUT.wav. -n K makes K takes of each input
(streams of their own, each drawing its own codes), input by input. A model
conditioned on classes too needs --class (one, or one per stream,
comma-separated).

Progress goes to standard error as generate's does: samples, samples per
second, the real-time factor, elapsed time and ETA. For each input, one line
on standard output says what was made and how close its log-mel is to the
input's: the mean |difference| of the log mel magnitudes in nats, and the
mel-cepstral distortion in dB (cepstral coefficients 1 to 24 of the log-mel
over bands, frames paired one to one), as the PyTorch reference's vocode
reports them; for a WAV input also the same between the input and its own
μ-law round trip, the floor a model of Q codes can reach, and how well the
output's loudness follows the input's (the correlation of their RMS in dB,
hop by hop, floored at −80 dB). --json prints one
JSON object per input instead. --png draws the first input's log-mel and that
of its output, one above the other.`,
		Example: `  wavenet vocode --model vocoder.safetensors speech.wav -o speech-out.wav
  wavenet vocode --model vocoder.safetensors --mel a.npy --mel b.npy -o out.wav   # out-0.wav, out-1.wav
  wavenet vocode --model vocoder.safetensors --temperature 0.9 --seed 3 a.wav b.wav c.wav -o take.wav`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVocode(cmd, &o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", "locally conditioned model file (.safetensors) (required)")
	f.StringVarP(&o.output, "output", "o", "", "output WAV file; with several inputs, OUT-0.wav … (required)")
	f.StringArrayVar(&o.mels, "mel", nil, "log-mel frames (.npy, [bands, frames]) to vocode; repeat for several")
	f.Float64Var(&o.temperature, "temperature", 1, "sampling temperature: 0 takes the most likely code, 1 samples the model's distribution")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the random draws; the same seed gives the same output")
	f.IntVarP(&o.takes, "streams", "n", 1, "takes of each input, each a stream of its own")
	f.Var(weightsFlag{&o.weights}, "weights", "how the generator stores the weights: f32, or f16 (half the bytes per sample, float32 sums; slightly different codes)")
	f.StringVar(&o.class, "class", "", "class of a model conditioned on classes too, by name or id; one, or one per input")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output (the result lines still print)")
	f.BoolVar(&o.asJSON, "json", false, "print one JSON object per input instead of text")
	f.BoolVar(&o.float, "float", false, "write 32-bit float WAV instead of 16-bit PCM")
	f.StringVar(&o.png, "png", "", "also draw the first input's log-mel and its output's, one above the other, to this PNG file")
	return cmd
}

func runVocode(cmd *cobra.Command, o *vocodeOptions, wavs []string) error {
	switch {
	case o.model == "":
		return usagef("no model given (--model M, trained with train --local mel)")
	case o.output == "":
		return usagef("no output given (-o OUT.wav)")
	case o.output == "-":
		return usagef("-o -: vocode writes files; give a path")
	case len(wavs)+len(o.mels) == 0:
		return usagef("nothing to vocode: give input WAV files or --mel FRAMES.npy")
	case o.temperature < 0 || o.temperature != o.temperature:
		return usagef("--temperature %v: want 0 or more", o.temperature)
	case o.takes < 1:
		return usagef("-n %d: want at least 1 take", o.takes)
	}
	k := (len(wavs) + len(o.mels)) * o.takes
	names := outputNames(o.output, k)
	inputs := append(append([]string{o.model}, wavs...), o.mels...)
	outs := names
	if o.png != "" {
		outs = append(names[:len(names):len(names)], o.png)
	}
	if err := checkOutputs(inputs, outs); err != nil {
		return err
	}
	m, md, name, err := loadModel(o.model)
	if err != nil {
		return err
	}
	cfg := m.Config
	if cfg.LocalChannels == 0 {
		return fmt.Errorf("%s has no local conditioning: vocode needs a model trained with train --local mel", name)
	}
	classes, err := resolveClasses(cfg, modelClasses(cfg, md), o.class, k, name)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	mel, err := modelMel(cfg, stderr)
	if err != nil {
		return err
	}

	// The frames of every input. What a WAV input takes: the clip, and per
	// take its output and that output's round trip (4 bytes a sample
	// each), beside the generator of every stream.
	lim, err := getMemoryLimit()
	if err != nil {
		return err
	}
	held := generatorBytes(cfg, k, min(k, runtime.GOMAXPROCS(0)))
	perSample := 4 * int64(1+2*o.takes)
	ins := make([]*vocodeInput, 0, k)
	for _, path := range wavs {
		x, _, err := readAudio(path, cfg.SampleRate, stderr, lim, held, perSample, "vocode fewer or shorter clips")
		if err != nil {
			return err
		}
		held += perSample * int64(len(x))
		frames, nf, err := clipFrames(mel, x, path)
		if err != nil {
			return err
		}
		for range o.takes {
			ins = append(ins, &vocodeInput{name: path, frames: frames, nf: nf, clip: x})
		}
	}
	for _, path := range o.mels {
		frames, nf, err := readFrames(cfg, path)
		if err != nil {
			return err
		}
		for range o.takes {
			ins = append(ins, &vocodeInput{name: path, frames: frames, nf: nf})
		}
	}
	H := cfg.LocalHop
	conds := make([]wavenet.Cond, k)
	longest := 0
	for i, in := range ins {
		in.out = names[i]
		conds[i] = wavenet.Cond{Class: classes[i], Frames: in.frames}
		if err := conds[i].Check(cfg); err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		longest = max(longest, in.nf*H)
	}

	// The outputs, each F·H samples, its first the start code's. A signal
	// (main's) stops the run and drops them.
	ctx := cmd.Context()
	defer func() {
		for _, in := range ins {
			if in.f != nil {
				in.f.Abort() // after Commit, nothing
			}
		}
	}()
	format := audio.PCM16
	if o.float {
		format = audio.Float32
	}
	q := cfg.QuantizationChannels
	c0 := []int32{int32(q / 2)}
	for _, in := range ins {
		if in.f, err = createOutput(ctx, in.out); err != nil {
			return err
		}
		if in.w, err = audio.NewSizedWriter(in.f, cfg.SampleRate, format, int64(in.nf*H)); err != nil {
			return err
		}
		in.got = append(make([]float32, 0, in.nf*H), audio.MuLawDecode(nil, c0, q)...)
	}

	disp := newProgress(stderr, "vocode: ")
	if o.quiet {
		disp = nil
	}
	start := time.Now()
	if err := vocodeStreams(ctx, m, conds, ins, longest-1, md.PreEmphasis, o, disp); err != nil {
		if disp != nil {
			disp.abandon()
		}
		return err
	}
	took := time.Since(start)
	for _, in := range ins {
		if err := in.w.Write(in.got); err != nil {
			return err
		}
		if err := in.w.Close(); err != nil {
			return err
		}
		if err := in.f.Commit(); err != nil {
			return err
		}
	}
	if disp != nil {
		total := 0
		for _, in := range ins {
			total += len(in.got)
		}
		perSec := float64(longest*k) / max(took.Seconds(), 1e-9)
		disp.finish(fmt.Sprintf("vocode: %d stream(s), %d samples (%.2f s of audio) in %s, %.0f samples/s, %.2f× real time",
			k, total, float64(total)/float64(cfg.SampleRate), roundDuration(took), perSec, perSec/float64(cfg.SampleRate)))
	}

	// How close each output is to its input, in log-mel.
	out := cmd.OutOrStdout()
	for i, in := range ins {
		stored := in.got
		if format == audio.PCM16 {
			stored = pcm16RoundTrip(in.got)
		}
		outFrames, nf := mel.Features(nil, stored)
		if i == 0 && o.png != "" {
			hopSec := float64(H) / float64(cfg.SampleRate)
			if err := writeMelPNG(o.png, "log-mel of "+in.name, "log-mel of "+in.out+" (vocoded by "+name+")",
				in.frames, in.nf, outFrames, nf, cfg.LocalChannels, hopSec); err != nil {
				return err
			}
		}
		r := vocodeResult{Input: in.name, Output: in.out, Frames: in.nf, Samples: len(in.got),
			Seconds:  float64(len(in.got)) / float64(cfg.SampleRate),
			Distance: measureMel(in.frames, in.nf, outFrames, nf, cfg.LocalChannels)}
		if cfg.GlobalClasses > 0 {
			r.ClassID = &classes[i]
		}
		if in.clip != nil {
			rt := audio.MuLawDecode(nil, audio.MuLawEncode(nil, in.clip, q), q)
			rtFrames, rtF := mel.Features(nil, rt)
			d := measureMel(in.frames, in.nf, rtFrames, rtF, cfg.LocalChannels)
			r.Floor = &d
			c := correlation(loudness(in.clip, H), loudness(stored, H))
			r.Loudness = &c
		}
		if o.asJSON {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(out, "%s\n", b); err != nil {
				return fmt.Errorf("writing standard output: %w", err)
			}
			continue
		}
		floor := ""
		if r.Floor != nil {
			floor = fmt.Sprintf(" (μ-law round trip of the input: %.3f nats, %.2f dB); loudness envelope correlation %.3f",
				r.Floor.LogMelL1, r.Floor.MCD, *r.Loudness)
		}
		if _, err := fmt.Fprintf(out, "%s: %d frames → %d samples (%.2f s at %d Hz) from %s; log-mel distance to the input %.3f nats, mel-cepstral distortion %.2f dB%s\n",
			r.Output, r.Frames, r.Samples, r.Seconds, cfg.SampleRate, r.Input, r.Distance.LogMelL1, r.Distance.MCD, floor); err != nil {
			return fmt.Errorf("writing standard output: %w", err)
		}
	}
	return nil
}

// vocodeStreams generates n codes for every stream after the start code,
// stream i conditioned on conds[i], and appends each stream's decoded
// samples (de-emphasised for emphasis > 0) to its input's got, up to F·H
// samples in all; streams with fewer frames run on (their last frame
// holding) and their extra samples are dropped.
func vocodeStreams(ctx context.Context, m *wavenet.Model, conds []wavenet.Cond, ins []*vocodeInput, n int, emphasis float64, o *vocodeOptions, disp *progress) error {
	meter := newGenMeter(disp, n, len(ins), m.Config.SampleRate)
	meter.show(0, true)
	out := make([]wavenet.CodeWriter, len(ins))
	for i, in := range ins {
		out[i] = newSoundWriter(gotSink{in: in, limit: in.nf * m.Config.LocalHop}, emphasis, in.got[len(in.got)-1])
	}
	err := wavenet.GenerateTo(ctx, m, wavenet.GenerateOptions{Samples: n, Temperature: o.temperature, Seed: o.seed, Weights: o.weights,
		Conds: conds, Progress: func(done int) { meter.show(done, false) }}, out...)
	if err != nil && ctx.Err() != nil {
		return checkContext(ctx)
	}
	return err
}

// gotSink keeps a stream's samples in its input's got, up to limit
// samples in all: where vocode's soundWriter writes.
type gotSink struct {
	in    *vocodeInput
	limit int
}

func (g gotSink) Write(x []float32) error {
	g.in.got = append(g.in.got, x[:max(0, min(len(x), g.limit-len(g.in.got)))]...)
	return nil
}

// loudness is the loudness envelope of x: per hop of samples, their RMS in
// dB, floored at −80 dB (so that digital silence does not dominate).
func loudness(x []float32, hop int) []float64 {
	env := make([]float64, 0, (len(x)+hop-1)/hop)
	for j := 0; j < len(x); j += hop {
		var e float64
		part := x[j:min(j+hop, len(x))]
		for _, v := range part {
			e += float64(v) * float64(v)
		}
		env = append(env, 10*math.Log10(max(e/float64(len(part)), 1e-8)))
	}
	return env
}

// correlation is the Pearson correlation of a and b over their first
// min(len(a), len(b)) values; 0 when either is constant there.
func correlation(a, b []float64) float64 {
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	var ma, mb float64
	for i := range n {
		ma += a[i]
		mb += b[i]
	}
	ma, mb = ma/float64(n), mb/float64(n)
	var sab, saa, sbb float64
	for i := range n {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

// pcm16RoundTrip returns x as a 16-bit PCM WAV stores it and a reader
// reads it back: x·32768 rounded, halves away from zero, clipped to
// [−32768, 32767], divided by 32768 (audio's writer and reader).
func pcm16RoundTrip(x []float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		s := math.Round(float64(v) * 32768)
		out[i] = float32(max(-32768, min(32767, s)) / 32768)
	}
	return out
}

// melImage is log-mel frames [bands, F] as a plotter: one block of
// pixels per frame and band, its colour the feature's on a fixed scale
// from MelFloor (silence) to melTop, frame j over the time it describes,
// [j·H, (j+1)·H).
type melImage struct {
	x         []float32
	bands, nf int
	hopSec    float64
	colours   []color.Color
}

// melTop is the top of the pictures' colour scale, about the loudest a
// log-mel feature gets (FORMAT.md: within about −1.9 … 2.5).
const melTop = 2.5

// Plot draws the frames as an image of whole blocks of pixels, each about
// as big as the cell it fills, so that scaling it into place neither blurs
// nor seams it.
func (m melImage) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	x0, x1 := trX(0), trX(float64(m.nf)*m.hopSec)
	y0, y1 := trY(0), trY(float64(m.bands))
	const dpi = 96 // vgimg's default
	px := func(l vg.Length) int { return max(1, int(math.Ceil(float64(l)/vg.Inch.Points()*dpi))) }
	sx := max(1, px(x1-x0)/m.nf+1)
	sy := max(1, px(y1-y0)/m.bands+1)
	img := image.NewRGBA(image.Rect(0, 0, m.nf*sx, m.bands*sy))
	top := len(m.colours) - 1
	for b := range m.bands {
		for j := range m.nf {
			v := (float64(m.x[b*m.nf+j]) - audio.MelFloor) / (melTop - audio.MelFloor)
			col := m.colours[int(math.Round(max(0, min(1, v))*float64(top)))]
			y := (m.bands - 1 - b) * sy // band 0 at the bottom
			draw2.Draw(img, image.Rect(j*sx, y, (j+1)*sx, y+sy), image.NewUniform(col), image.Point{}, draw2.Src)
		}
	}
	c.DrawImage(vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}}, img)
}

// writeMelPNG draws two log-mel spectrograms [bands, F] one above the
// other, a (the input) and b (the output), on the same time axis and
// colour scale, to a PNG file at path, written atomically.
func writeMelPNG(path, titleA, titleB string, a []float32, fa int, b []float32, fb int, bands int, hopSec float64) error {
	const width, panelH = 760, 300
	img, dc := whiteCanvas(width, 2*panelH)
	colours := moreland.ExtendedBlackBody().Palette(32).Colors()
	span := float64(max(fa, fb)) * hopSec
	for i, p := range []struct {
		title string
		x     []float32
		nf    int
	}{{titleA, a, fa}, {titleB, b, fb}} {
		pl := plot.New()
		pl.Title.Text = p.title
		pl.X.Label.Text = "time (s)"
		pl.Y.Label.Text = "mel band"
		pl.X.Min, pl.X.Max = 0, span
		pl.Y.Min, pl.Y.Max = 0, float64(bands)
		pl.Y.Tick.Marker = niceTicks{min: 1}
		pl.Add(melImage{x: p.x, bands: bands, nf: p.nf, hopSec: hopSec, colours: colours})
		c := dc
		c.Min.Y, c.Max.Y = vg.Length(1-i)*panelH, vg.Length(2-i)*panelH
		pl.Draw(draw.Crop(c, 4, -12, 4, -4))
	}
	return writeCanvasPNG(context.Background(), path, img)
}
