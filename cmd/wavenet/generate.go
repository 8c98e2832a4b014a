package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// generateOptions are generate's flag values.
type generateOptions struct {
	model, output, prime string
	png                  string
	class, mel           string // --class a,b,c and --mel FRAMES.npy
	samples              int
	seconds, temperature float64
	minProb              float64 // --min-prob
	seed                 uint64
	streams              int
	quiet, float         bool
	weights              wavenet.Weights
}

// weightsFlag is a --weights flag: "f32" or "f16" (wavenet.ParseWeights).
type weightsFlag struct{ w *wavenet.Weights }

func (f weightsFlag) String() string { return f.w.String() }
func (f weightsFlag) Type() string   { return "f32|f16" }
func (f weightsFlag) Set(s string) error {
	w, err := wavenet.ParseWeights(s)
	if err != nil {
		return err
	}
	*f.w = w
	return nil
}

// defaultSeconds is how much generate makes without --samples or --seconds.
const defaultSeconds = 2.0

func newGenerateCmd() *cobra.Command {
	var o generateOptions
	cmd := &cobra.Command{
		Use:   "generate -o OUT.wav [--model M] [--seconds S | --samples N] [--temperature T] [--seed N] [--prime IN.wav] [-n K] [--class C[,C...]] [--mel FRAMES.npy]",
		Short: "Generate audio from a model, one sample at a time",
		Long: `generate runs a model one sample at a time, with each layer's past inputs
cached so that every sample costs the same, feeding each drawn μ-law code back
in. It writes mono WAV at the model's sample rate (16-bit PCM unless --float).

Without --model it uses the small model built into the binary. With --prime,
the model first hears the prime (read as mono at the model's rate; only its
last receptive field matters), and the output holds the prime followed by the
generated samples. A model trained on pre-emphasised sound (train
--pre-emphasis, the default; inspect shows it) hears the prime pre-emphasised
and its draws are de-emphasised on the way out, continuing from the prime.

The same model, flags and --seed give a byte-identical file. With -n K, K
independent streams are generated at once (one draw per stream per step) into
OUT-0.wav … OUT-(K-1).wav, named from OUT.wav.

Progress goes to standard error: on a terminal a status line (never wider
than it) with samples per second, the real-time factor (seconds of audio made
per second, all streams together), the time elapsed and an estimate of the
time left; off a terminal a plain line every 10 s. At the end, one line says
what was written and how fast. -q silences both.

Outputs are written atomically (a file appears whole or not at all; a run
that fails leaves the old file, if any), except devices and FIFOs, which are
written straight (-o /dev/null). An output that is an input or another output
(-o on --model or --prime, --png on -o) is refused before any work. With -o -
the WAV goes to standard output with its exact sizes in the header, so a pipe
reader sees an ordinary file.

Ctrl-C, SIGTERM or SIGHUP stops the generation and keeps what it made: each
file becomes a complete WAV of the prime and the samples made so far (on
standard output, whose header cannot be rewritten, the stream just ends), a
line says how many, no --png is drawn, and generate exits with 128 + the
signal's number (130 for Ctrl-C).

--png draws the first stream's output (prime included): the whole waveform,
under it its spectrogram (power in dB as colour against Hz and s, from 80 dB
below the loudest), and a close-up of its last 30 ms; a line marks where the
prime ends.

A model conditioned on classes needs --class: a name the model lists ("wavenet
inspect" shows them) or an id, one for every stream or, with -n K, K of them
comma-separated, one per stream (-n 3 --class piano,guitar,cembalo makes a take
of each in one pass). A model conditioned on log-mel frames needs --mel
FRAMES.npy ("wavenet mel" makes them; "wavenet vocode" does both at once): the
output then starts with the start code's sample, or the prime, so that output
sample t is described by frame ⌊t/hop⌋, and runs to the end of the frames
unless --samples or --seconds say otherwise (past the last frame, the last
one holds).`,
		Example: `  wavenet generate -o out.wav
  wavenet generate --seconds 5 --temperature 0.9 --seed 7 -o tone.wav
  wavenet generate -n 4 -o take.wav        # take-0.wav … take-3.wav
  wavenet generate --samples 16000 -o - | sox -t wav - -n stat
  wavenet generate --model band.safetensors -n 3 --class piano,guitar,cembalo -o take.wav
  wavenet generate --model vocoder.safetensors --mel speech.npy -o speech-out.wav`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGenerate(cmd, &o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", "model file (.safetensors) (default: the built-in model)")
	f.StringVarP(&o.output, "output", "o", "", `output WAV file, or "-" for standard output (required)`)
	f.IntVar(&o.samples, "samples", 0, "samples to generate per stream (default: --seconds)")
	f.Float64Var(&o.seconds, "seconds", defaultSeconds, "seconds of audio to generate per stream, at the model's rate (a WAV file holds at most 2^31 16-bit samples: 37 h at 16 kHz)")
	f.Float64Var(&o.temperature, "temperature", 1, "sampling temperature: 0 takes the most likely code, 1 samples the model's distribution")
	f.Float64Var(&o.minProb, "min-prob", 0, "never draw a code whose probability is below this (0 draws from every code; the most likely is always kept)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the random draws; the same seed gives the same output")
	f.StringVar(&o.prime, "prime", "", "WAV file the model hears before generating (default: silence)")
	f.IntVarP(&o.streams, "streams", "n", 1, "independent streams generated at once, one file each")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output (errors and warnings still print)")
	f.BoolVar(&o.float, "float", false, "write 32-bit float WAV instead of 16-bit PCM")
	f.StringVar(&o.png, "png", "", "also draw the first stream's waveform and spectrogram to this PNG file")
	f.Var(weightsFlag{&o.weights}, "weights", "how the generator stores the weights: f32, or f16 (half the bytes per sample, float32 sums; slightly different codes)")
	f.StringVar(&o.class, "class", "", "class of a model conditioned on classes, by name or id; with -n K, one or K comma-separated")
	f.StringVar(&o.mel, "mel", "", "log-mel frames (.npy, [bands, frames]) for a locally conditioned model")
	return cmd
}

// outputNames returns the file of each stream: out itself for one stream,
// else out with "-i" before its extension.
func outputNames(out string, streams int) []string {
	if streams == 1 {
		return []string{out}
	}
	ext := filepath.Ext(out)
	base := strings.TrimSuffix(out, ext)
	if ext == "" {
		ext = ".wav"
	}
	names := make([]string, streams)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%d%s", base, i, ext)
	}
	return names
}

func runGenerate(cmd *cobra.Command, o *generateOptions) error {
	f := cmd.Flags()
	if o.output == "" {
		return usagef("no output given (-o FILE, or -o - for standard output)")
	}
	if f.Changed("samples") && f.Changed("seconds") {
		return usagef("give --samples or --seconds, not both")
	}
	if o.streams < 1 {
		return usagef("-n %d: want at least 1 stream", o.streams)
	}
	if o.output == "-" && isTerminal(cmd.OutOrStdout()) {
		return usagef("-o - would write binary WAV data to the terminal; redirect it or give a file")
	}
	if o.streams > 1 && o.output == "-" {
		return usagef("-n %d writes one file per stream; -o - is a single stream", o.streams)
	}
	if !(o.temperature >= 0) || math.IsInf(o.temperature, 0) {
		return usagef("--temperature %v: want 0 or a finite temperature above it", o.temperature)
	}
	if !(o.minProb >= 0 && o.minProb < 1) {
		return usagef("--min-prob %v: want a probability in [0, 1)", o.minProb)
	}
	if f.Changed("samples") && o.samples < 1 {
		return usagef("--samples %d: want at least 1", o.samples)
	}
	if !f.Changed("samples") && !(o.seconds > 0) {
		return usagef("--seconds %v: want more than 0", o.seconds)
	}

	// No output may be an input or another output; all must be writable.
	names := outputNames(o.output, o.streams)
	var inputs, outputs []string
	for _, in := range []string{o.model, o.prime, o.mel} {
		if in != "" {
			inputs = append(inputs, in)
		}
	}
	for _, out := range append(names[:len(names):len(names)], o.png) {
		if out != "" && out != "-" {
			outputs = append(outputs, out)
		}
	}
	if err := checkOutputs(inputs, outputs); err != nil {
		return err
	}

	m, md, name, err := loadModel(o.model)
	if err != nil {
		return err
	}
	cfg := m.Config
	classes, err := resolveClasses(cfg, modelClasses(cfg, md), o.class, o.streams, name)
	if err != nil {
		return err
	}
	var frames []float32
	nf := 0
	switch {
	case o.mel != "":
		if frames, nf, err = readFrames(cfg, o.mel); err != nil {
			return err
		}
	case cfg.LocalChannels > 0:
		return fmt.Errorf("%s is conditioned on %d-band log-mel frames: give --mel FRAMES.npy (wavenet mel --model %s IN.wav -o FRAMES.npy makes them), or use wavenet vocode",
			name, cfg.LocalChannels, o.model)
	}
	format := audio.PCM16
	if o.float {
		format = audio.Float32
	}

	// What the run will hold: the generator's state for every stream and,
	// for --png, the first stream's samples.
	lim, err := getMemoryLimit()
	if err != nil {
		return err
	}
	need := generatorBytes(cfg, o.streams, min(o.streams, runtime.GOMAXPROCS(0)))
	if o.png != "" {
		need += 4 * int64(maxPNGSamples)
	}
	if err := lim.check(need, fmt.Sprintf("generating %d streams of %s", o.streams, name), "use a smaller -n"); err != nil {
		return err
	}
	var prime []float32
	var primeCodes []int32
	if o.prime != "" {
		prime, _, err = readAudio(o.prime, cfg.SampleRate, cmd.ErrOrStderr(), lim, need, 0, "use a shorter --prime")
		if err != nil {
			return err
		}
		// Only the last receptive field of the prime reaches the first
		// generated sample; the rest need not be stepped through, unless
		// the frames say where in time the prime is.
		from := max(0, len(prime)-cfg.ReceptiveField())
		if frames != nil {
			from = 0
		}
		// A model of pre-emphasised sound hears its prime so too (the
		// filter run over the whole prime, so that the first code kept
		// follows the sample before it).
		primeCodes = audio.MuLawEncode(nil, audio.PreEmphasize(nil, prime, md.PreEmphasis)[from:], cfg.QuantizationChannels)
	}
	if frames != nil && prime == nil {
		// The output starts with the start code, so that its sample t is
		// described by frame ⌊t/H⌋.
		prime = audio.MuLawDecode(nil, []int32{int32(cfg.QuantizationChannels / 2)}, cfg.QuantizationChannels)
	}
	n, err := generateLength(f.Changed("samples"), o, cfg.SampleRate, format, len(prime))
	if err != nil {
		return err
	}
	if frames != nil {
		span := nf * cfg.LocalHop
		if len(prime) >= span {
			return fmt.Errorf("--prime %s: its %d samples reach past the %d that the %d frames of %s describe at hop %d: give more frames or a shorter prime",
				o.prime, len(prime), span, nf, o.mel, cfg.LocalHop)
		}
		if !f.Changed("samples") && !f.Changed("seconds") {
			n = span - len(prime)
		}
	}
	conds := make([]wavenet.Cond, o.streams)
	for i := range conds {
		conds[i] = wavenet.Cond{Class: classes[i], Frames: frames}
		if err := conds[i].Check(cfg); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}

	// A signal (main's) stops the generation; what was made is kept, so
	// the outputs outlive the signal's context.
	ctx := cmd.Context()
	files := make([]*output, 0, len(names))
	defer func() {
		for _, f := range files {
			f.Abort() // after Commit, nothing
		}
	}()
	writers := make([]*audio.Writer, len(names))
	size := int64(len(prime) + n) // known before the first byte: exact sizes, pipes included
	for i, name := range names {
		var w io.Writer = cmd.OutOrStdout()
		if name != "-" {
			f, err := createOutput(context.WithoutCancel(ctx), name)
			if err != nil {
				return err
			}
			files = append(files, f)
			w = f
		}
		if writers[i], err = audio.NewSizedWriter(w, cfg.SampleRate, format, size); err != nil {
			return err
		}
		if err := writers[i].Write(prime); err != nil {
			return err
		}
	}

	disp := newProgress(cmd.ErrOrStderr(), "generate: ")
	if o.quiet {
		disp = nil
	}
	var first []float32 // stream 0's output, for --png
	if o.png != "" {
		first = append(make([]float32, 0, len(prime)+min(n, maxPNGSamples)), prime...)
	}
	if err := checkContext(ctx); err != nil {
		return err // nothing made: nothing kept
	}
	start := time.Now()
	var last float32 // the sample the generated ones follow, for de-emphasis
	if len(prime) > 0 {
		last = prime[len(prime)-1]
	}
	first, err = generate(ctx, m, primeCodes, conds, n, o, writers, md.PreEmphasis, last, disp, first)
	if interrupted(ctx, err) && writers[0].Frames() > int64(len(prime)) {
		return keepPartial(cmd, names, files, writers, n, len(prime), cfg.SampleRate, err)
	}
	if err != nil {
		return err
	}
	took := time.Since(start)
	if o.png != "" {
		title := fmt.Sprintf("%s: %d samples at %d Hz, temperature %g, seed %d", name, len(first), cfg.SampleRate, o.temperature, o.seed)
		if err := writeWavePNG(o.png, first, cfg.SampleRate, len(prime), title); err != nil {
			return err
		}
	}
	for _, w := range writers {
		if err := w.Close(); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := f.Commit(); err != nil {
			return err
		}
	}
	if disp != nil {
		disp.finish(generateSummary(names, n, cfg.SampleRate, took))
	}
	return nil
}

// generateLength returns the samples per stream that --samples (if given)
// or --seconds at rate Hz ask for, at least 1, or a usage error if they do
// not fit one WAV file of format after the prime's samples.
func generateLength(samplesGiven bool, o *generateOptions, rate int, format audio.Format, prime int) (int, error) {
	limit := format.MaxSamples() - int64(prime)
	what := "16-bit"
	if format == audio.Float32 {
		what = "32-bit float"
	}
	bound := fmt.Sprintf("a %s WAV file holds at most %d samples, %.0f s at %d Hz", what, format.MaxSamples(), float64(format.MaxSamples())/float64(rate), rate)
	if prime > 0 {
		bound += fmt.Sprintf(", the prime's %d included", prime)
	}
	if samplesGiven {
		if int64(o.samples) > limit {
			return 0, usagef("--samples %d: %s", o.samples, bound)
		}
		return o.samples, nil
	}
	want := math.Round(o.seconds * float64(rate))
	if want > float64(limit) {
		return 0, usagef("--seconds %v: %.0f samples at the model's %d Hz; %s", o.seconds, want, rate, bound)
	}
	return max(1, int(want)), nil
}

// maxPNGSamples bounds the samples generate keeps for --png.
const maxPNGSamples = 1 << 22

// keepPartial ends an interrupted generate: each output keeps the prime and
// the made samples of its stream, as a complete WAV file whose header
// counts them (a file or device is finished and committed; standard
// output, which cannot seek back to its header, just ends), and it says so.
// It returns the interruption, so that the command still fails.
func keepPartial(cmd *cobra.Command, names []string, files []*output, writers []*audio.Writer, n, prime, rate int, stop error) error {
	made := int(writers[0].Frames()) - prime
	for _, w := range writers {
		if err := w.Close(); err != nil && !errors.Is(err, audio.ErrShortStream) {
			return err
		}
	}
	for _, f := range files {
		if err := f.Commit(); err != nil {
			return err
		}
	}
	where := names[0]
	switch {
	case where == "-":
		where = "standard output (its header counts all the samples asked for; the stream ends early)"
	case len(names) > 1:
		where = names[0] + " … " + names[len(names)-1]
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "generate: stopped after %d of %d samples; kept %s: %d samples (%.2f s) each, the prime included; no --png drawn\n",
		made, n, where, prime+made, float64(prime+made)/float64(rate))
	return stop
}

// generateSummary is generate's last line: the files, how much was made and
// how fast (samples per second and the real-time factor, all streams
// together).
func generateSummary(names []string, n, rate int, took time.Duration) string {
	files := names[0]
	if names[0] == "-" {
		files = "standard output"
	}
	made := fmt.Sprintf("%d samples", n)
	if len(names) > 1 {
		files = names[0] + " … " + names[len(names)-1]
		made = fmt.Sprintf("%d × %d samples", len(names), n)
	}
	perSec := float64(n*len(names)) / max(took.Seconds(), 1e-9)
	return fmt.Sprintf("%s: %s generated (%.2f s at %d Hz) in %s, %.0f samples/s, %.2f× real time",
		files, made, float64(n)/float64(rate), rate, roundDuration(took), perSec, perSec/float64(rate))
}

// roundDuration rounds d for people: to 1 ms under a second, to 0.1 s
// under a minute, else to 1 s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond)
	case d < time.Minute:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// generate draws n codes per stream after priming with primeCodes, stream
// i conditioned on conds[i] (for a conditioned model), and writes them as
// sound to writers[i] for stream i (decoded and, for emphasis > 0,
// de-emphasised from the sample last on), showing progress on disp (nil:
// none). If keep is not nil, stream 0's samples are appended to it, and it
// is returned.
func generate(ctx context.Context, m *wavenet.Model, primeCodes []int32, conds []wavenet.Cond, n int, o *generateOptions,
	writers []*audio.Writer, emphasis float64, last float32, disp *progress, keep []float32) ([]float32, error) {
	streams := len(writers)
	out := make([]wavenet.CodeWriter, streams)
	sinks := make([]*soundWriter, streams)
	for i, w := range writers {
		sinks[i] = newSoundWriter(w, emphasis, last)
		out[i] = sinks[i]
	}
	sinks[0].keep = keep
	meter := newGenMeter(disp, n, streams, m.Config.SampleRate)
	meter.show(0, true)
	// Streams share the cores (Threads 0); the codes drawn do not depend
	// on how many.
	opts := wavenet.GenerateOptions{
		Samples: n, Temperature: o.temperature, MinProb: o.minProb, Seed: o.seed, Prime: primeCodes, Weights: o.weights,
		Progress: func(done int) { meter.show(done, false) },
	}
	if m.Config.Conditioned() {
		opts.Conds = conds
	}
	if err := wavenet.GenerateTo(ctx, m, opts, out...); err != nil {
		if disp != nil {
			disp.abandon()
		}
		if ctx.Err() != nil {
			return nil, checkContext(ctx)
		}
		return nil, err
	}
	return sinks[0].keep, nil
}

// newGenerator returns a generator of m for streams streams, its weights
// stored as weights, on as many cores as there are streams (the codes drawn
// do not depend on how many), stream i conditioned on conds[i] when the
// model is conditioned.
func newGenerator(m *wavenet.Model, streams int, weights wavenet.Weights, conds []wavenet.Cond) (*wavenet.Generator, error) {
	g := wavenet.NewGeneratorWith(m, streams, wavenet.GeneratorOptions{Weights: weights})
	g.SetThreads(min(streams, runtime.GOMAXPROCS(0)))
	if m.Config.Conditioned() {
		for i, c := range conds {
			if err := g.SetCond(i, c); err != nil {
				return nil, err
			}
		}
	}
	return g, nil
}

// genMeter shows on a progress display how far the generation of n
// samples per stream has come: samples, samples per second and the
// real-time factor (all streams together), elapsed time and ETA.
type genMeter struct {
	disp             *progress // nil: nothing shown
	start            time.Time
	n, streams, rate int
}

// newGenMeter starts the clock of a meter on disp (nil for none).
func newGenMeter(disp *progress, n, streams, rate int) *genMeter {
	g := &genMeter{disp: disp, start: time.Now(), n: n, streams: streams, rate: rate}
	if disp != nil {
		disp.lastLine = g.start // the first plain line after plainEvery
	}
	return g
}

// show redraws the status line (at most every redrawEvery unless force)
// or, off a terminal, prints a plain line when one is due.
func (g *genMeter) show(done int, force bool) {
	if g.disp == nil {
		return
	}
	elapsed := time.Since(g.start)
	perSec := float64(done*g.streams) / max(elapsed.Seconds(), 1e-9)
	frac := float64(done) / float64(max(g.n, 1))
	fields := []field{
		{fmt.Sprintf("%d/%d samples", done, g.n), 0},
		{fmt.Sprintf("%.0f samples/s", perSec), 3},
		{fmt.Sprintf("%.2f× real time", perSec/float64(g.rate)), 2},
		{"elapsed " + elapsed.Round(time.Second).String(), 4},
		{"ETA " + eta(elapsed, frac), 1},
	}
	g.disp.update(frac, fields, force)
	g.disp.line(fields, false)
}

// soundWriter writes a stream's codes to w as sound: μ-law decoded and,
// for a model of pre-emphasised sound, de-emphasised (audio.Deemphasis);
// keep, if not nil, gets the samples too (for --png).
type soundWriter struct {
	w    interface{ Write([]float32) error }
	de   *audio.Deemphasis // nil: none
	keep []float32
	buf  []float32
}

// newSoundWriter returns the soundWriter of w for a model of sound
// pre-emphasised by emphasis (0: none) whose first sample follows last.
func newSoundWriter(w interface{ Write([]float32) error }, emphasis float64, last float32) *soundWriter {
	s := &soundWriter{w: w}
	if emphasis > 0 {
		s.de = audio.NewDeemphasis(emphasis, last)
	}
	return s
}

func (s *soundWriter) WriteCodes(codes []int32, q int) error {
	s.buf = audio.MuLawDecode(s.buf, codes, q)
	if s.de != nil {
		s.de.Apply(s.buf)
	}
	if s.keep != nil {
		s.keep = append(s.keep, s.buf...)
	}
	return s.w.Write(s.buf)
}
