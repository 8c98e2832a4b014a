package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// tinyModel saves a small random model at 8 kHz (receptive field 8) in a
// temporary directory and returns its path.
func tinyModel(t *testing.T) string {
	t.Helper()
	cfg := wavenet.Config{SampleRate: 8000, QuantizationChannels: 32, InputWidth: 2, FilterWidth: 2,
		Dilations: []int{1, 2, 4}, ResidualChannels: 4, GateChannels: 5, SkipChannels: 6, EndChannels: 7}
	m, err := wavenet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wavenet.RandomInit(m, rand.New(rand.NewPCG(3, 4)))
	path := filepath.Join(t.TempDir(), "tiny.safetensors")
	saveModel(t, m, path, json.RawMessage(`{"note":"test"}`))
	return path
}

// saveModel writes m to path as a model file with training metadata.
func saveModel(t *testing.T, m *wavenet.Model, path string, training json.RawMessage) {
	t.Helper()
	if err := writeOutput(context.Background(), path, func(w io.Writer) error { return m.Encode(w, wavenet.Metadata{Training: training}) }); err != nil {
		t.Fatal(err)
	}
}

// writeWAV writes samples as a 16-bit WAV at rate and returns the path.
func writeWAV(t *testing.T, path string, rate int, x []float32) string {
	t.Helper()
	return writeWAVAs(t, path, rate, audio.PCM16, x)
}

// writeWAVAs writes samples as a WAV of the format at rate and returns the
// path.
func writeWAVAs(t *testing.T, path string, rate int, format audio.Format, x []float32) string {
	t.Helper()
	err := writeOutput(context.Background(), path, func(out io.Writer) error {
		w, err := audio.NewSizedWriter(out, rate, format, int64(len(x)))
		if err != nil {
			return err
		}
		if err := w.Write(x); err != nil {
			return err
		}
		return w.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func sine(n, rate int, hz float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return x
}

func TestGenerateSeeds(t *testing.T) {
	model := tinyModel(t)
	dir := t.TempDir()
	gen := func(name string, args ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, name)
		code, stdout, stderr := runCmd(t, append([]string{"generate", "--model", model, "-o", out}, args...)...)
		// Off a terminal: no status line, one summary line at the end.
		if code != exitOK || stdout != "" || !strings.HasPrefix(stderr, out+": ") || strings.Count(stderr, "\n") != 1 ||
			!strings.Contains(stderr, " samples generated (") || !strings.Contains(stderr, "× real time\n") || strings.Contains(stderr, "\r") {
			t.Fatalf("generate %q: exit %d, stdout %q, stderr %q (off a terminal: one summary line)", args, code, stdout, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := gen("a.wav", "--samples", "3000", "--seed", "5")
	b := gen("b.wav", "--samples", "3000", "--seed", "5")
	c := gen("c.wav", "--samples", "3000", "--seed", "6")
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave different files")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave the same file")
	}
	x, info, err := audio.ReadFile(filepath.Join(dir, "a.wav"), 8000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != 3000 || info.SampleRate != 8000 || info.BitDepth != 16 || info.Channels != 1 {
		t.Errorf("a.wav: %d samples, info %+v; want 3000 mono 16-bit at 8000 Hz", len(x), info)
	}
	// --seconds counts at the model's rate; greedy output is seed-free.
	d := gen("d.wav", "--seconds", "0.25", "--temperature", "0", "--seed", "1")
	e := gen("e.wav", "--seconds", "0.25", "--temperature", "0", "--seed", "2")
	if !bytes.Equal(d, e) {
		t.Error("temperature 0 depends on the seed")
	}
	if x, _, _ := audio.ReadFile(filepath.Join(dir, "d.wav"), 8000, nil); len(x) != 2000 {
		t.Errorf("--seconds 0.25 at 8 kHz gave %d samples, want 2000", len(x))
	}
	// --weights f16 makes a file of the same length, reproducibly (its
	// codes may equal f32's on a model this small); --weights f32 is the
	// default.
	f := gen("f.wav", "--samples", "3000", "--seed", "5", "--weights", "f16")
	if g := gen("g.wav", "--samples", "3000", "--seed", "5", "--weights", "f16"); !bytes.Equal(f, g) {
		t.Error("--weights f16: the same seed gave different files")
	}
	if h := gen("h.wav", "--samples", "3000", "--seed", "5", "--weights", "f32"); !bytes.Equal(a, h) {
		t.Error("--weights f32 differs from the default")
	}
	if len(f) != len(a) {
		t.Errorf("--weights f16: %d bytes, want %d", len(f), len(a))
	}
	if code, _, stderr := runCmd(t, "generate", "--model", model, "-o", filepath.Join(dir, "x.wav"), "--weights", "f8"); code != exitUsage || !strings.Contains(stderr, "f8") {
		t.Errorf("--weights f8: exit %d, %q; want a usage error naming it", code, stderr)
	}
}

func TestGenerateStdoutStreamsPrime(t *testing.T) {
	model := tinyModel(t)
	dir := t.TempDir()

	code, stdout, stderr := runCmd(t, "generate", "--model", model, "-o", "-", "--samples", "500", "--float")
	if code != exitOK || !strings.HasPrefix(stderr, "standard output: 500 samples generated (0.06 s at 8000 Hz) in ") {
		t.Fatalf("-o -: exit %d, stderr %q", code, stderr)
	}
	wav := filepath.Join(dir, "stdout.wav")
	if err := os.WriteFile(wav, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	if x, info, err := audio.ReadFile(wav, 8000, nil); err != nil || len(x) != 500 || !info.Float {
		t.Errorf("-o - --float: %d samples, %+v, %v; want 500 float samples", len(x), info, err)
	}

	prime := writeWAV(t, filepath.Join(dir, "prime.wav"), 8000, sine(300, 8000, 440))
	out := filepath.Join(dir, "take.wav")
	pic := filepath.Join(dir, "take.png")
	code, _, stderr = runCmd(t, "generate", "--model", model, "-n", "3", "-o", out, "--samples", "200", "--prime", prime, "--png", pic)
	if code != exitOK || !strings.HasPrefix(stderr, filepath.Join(dir, "take-0.wav")+" … "+filepath.Join(dir, "take-2.wav")+": 3 × 200 samples generated") {
		t.Fatalf("-n 3: exit %d, %s", code, stderr)
	}
	if code, stdout, stderr := runCmd(t, "generate", "--model", model, "-o", filepath.Join(dir, "quiet.wav"), "--samples", "200", "-q"); code != exitOK || stdout != "" || stderr != "" {
		t.Errorf("-q: exit %d, stdout %q, stderr %q; want silence", code, stdout, stderr)
	}
	if _, err := decodePNGFile(pic); err != nil {
		t.Errorf("--png: %v", err)
	}
	var first []float32
	for i, name := range []string{"take-0.wav", "take-1.wav", "take-2.wav"} {
		x, _, err := audio.ReadFile(filepath.Join(dir, name), 8000, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(x) != 500 {
			t.Errorf("%s: %d samples, want the prime's 300 + 200", name, len(x))
		}
		if i == 0 {
			first = x
		} else if slicesEqual(first[300:], x[300:]) {
			t.Errorf("%s generated the same samples as take-0.wav", name)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("-n 3 also wrote take.wav itself")
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGenerateErrors(t *testing.T) {
	model := tinyModel(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.wav")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--model", model}, exitUsage, "no output"},
		{[]string{"--model", model, "-o", out, "--samples", "10", "--seconds", "1"}, exitUsage, "not both"},
		{[]string{"--model", model, "-o", out, "-n", "0"}, exitUsage, "-n 0"},
		{[]string{"--model", model, "-o", "-", "-n", "2"}, exitUsage, "-o -"},
		{[]string{"--model", model, "-o", out, "--temperature", "-1"}, exitUsage, "--temperature"},
		{[]string{"--model", model, "-o", out, "--samples", "0"}, exitUsage, "--samples 0"},
		{[]string{"--model", model, "-o", out, "--seconds", "x"}, exitUsage, "invalid argument"},
		{[]string{"--model", filepath.Join(dir, "none.safetensors"), "-o", out}, exitError, "none.safetensors"},
		{[]string{"--model", model, "-o", out, "--prime", filepath.Join(dir, "none.wav")}, exitError, "none.wav"},
		{[]string{"--model", model, "-o", filepath.Join(dir, "no", "dir", "x.wav")}, exitError, "x.wav"},
	} {
		code, stdout, stderr := runCmd(t, append([]string{"generate"}, tc.args...)...)
		if code != tc.code || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("generate %q: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, stdout, stderr, tc.code, tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed runs left files behind: %v", entries)
	}
}

func TestEval(t *testing.T) {
	model := tinyModel(t)
	dir := t.TempDir()
	a := writeWAV(t, filepath.Join(dir, "a.wav"), 8000, sine(4000, 8000, 440))
	b := writeWAV(t, filepath.Join(dir, "b.wav"), 16000, sine(4000, 16000, 440)) // resampled to 8 kHz

	code, stdout, stderr := runCmd(t, "eval", "--model", model, "--json", a)
	if code != exitOK {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("one input must give one JSON object: %v\n%s", err, stdout)
	}
	bits, ok := r["bits_per_sample"].(float64)
	if !ok || r["samples"] != 4000.0 || !(bits > 0 && bits < 2*5) { // log2(32) = 5 bits is a uniform guess
		t.Errorf("eval --json = %v", r)
	}
	// The same number as the model's own BitsPerSample of the μ-law codes.
	m, _, err := wavenet.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	x, _, _ := audio.ReadFile(a, 8000, nil)
	if want := m.BitsPerSample(audio.MuLawEncode(nil, x, 32), wavenet.Cond{}); math.Abs(bits-want) > 1e-9 {
		t.Errorf("bits_per_sample %v, BitsPerSample %v", bits, want)
	}

	code, stdout, _ = runCmd(t, "eval", "--model", model, "--json", a, b)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != exitOK || len(lines) != 2 {
		t.Fatalf("two inputs: exit %d, %q", code, stdout)
	}
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil || r["samples"] != 2000.0 || r["file"] != b {
		t.Errorf("second line %s (%v); want 2000 samples of %s", lines[1], err, b)
	}

	code, stdout, _ = runCmd(t, "eval", "--model", model, a)
	if code != exitOK || !strings.Contains(stdout, "bits/sample over 4000 samples") {
		t.Errorf("text: exit %d, %q", code, stdout)
	}
	code, _, stderr = runCmd(t, "eval", "--model", model)
	if code != exitUsage || !strings.Contains(stderr, "missing input") {
		t.Errorf("no input: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "eval", "--model", model, filepath.Join(dir, "none.wav"))
	if code != exitError || !strings.Contains(stderr, "none.wav") {
		t.Errorf("missing input: exit %d, %q", code, stderr)
	}
}

// TestEvalWeights: eval --weights scores through the generator: f32 gives
// the forward pass's score within 1e-4 bits, f16 one within 0.01 bits of it;
// a bad value is a usage error.
func TestEvalWeights(t *testing.T) {
	model := tinyModel(t)
	clip := writeWAV(t, filepath.Join(t.TempDir(), "a.wav"), 8000, sine(3000, 8000, 440))
	score := func(args ...string) float64 {
		t.Helper()
		code, stdout, stderr := runCmd(t, append([]string{"eval", "--model", model, "--json", clip}, args...)...)
		if code != exitOK {
			t.Fatalf("eval %q: exit %d, %s", args, code, stderr)
		}
		var r struct {
			Bits float64 `json:"bits_per_sample"`
		}
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		return r.Bits
	}
	fwd, f32, f16 := score(), score("--weights", "f32"), score("--weights", "f16")
	t.Logf("forward %.6f, generator f32 %.6f, f16 %.6f bits/sample", fwd, f32, f16)
	if math.Abs(f32-fwd) > 1e-4 || math.Abs(f16-fwd) > 0.01 {
		t.Errorf("forward %.6f, generator f32 %.6f, f16 %.6f bits/sample", fwd, f32, f16)
	}
	if code, _, _ := runCmd(t, "eval", "--model", model, "--weights", "bf16", clip); code != exitUsage {
		t.Errorf("--weights bf16: exit %d, want %d", code, exitUsage)
	}
}

func TestBench(t *testing.T) {
	model := tinyModel(t)
	code, stdout, stderr := runCmd(t, "bench", "--model", model, "-n", "3", "--samples", "300", "--naive-samples", "20", "--json")
	if code != exitOK {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 8 {
		t.Fatalf("want rows for 1 and 3 streams × f32, f16 × temperature 0, 1, got %q", stdout)
	}
	for i, line := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"preset", "streams", "weights", "temperature", "samples_per_second", "realtime_factor"} {
			if _, ok := r[key]; !ok {
				t.Errorf("row %d lacks %q: %s", i, key, line)
			}
		}
		if want := []float64{1, 3}[i/4]; r["streams"] != want {
			t.Errorf("row %d: streams %v, want %v", i, r["streams"], want)
		}
		if want := []string{"f32", "f16"}[i/2%2]; r["weights"] != want {
			t.Errorf("row %d: weights %v, want %v", i, r["weights"], want)
		}
		if want := float64(i % 2); r["temperature"] != want {
			t.Errorf("row %d: temperature %v, want %v", i, r["temperature"], want)
		}
		if i == 0 && (r["naive_samples_per_second"] == nil || r["same_codes"] != true) {
			t.Errorf("one-stream row needs naive_samples_per_second and same_codes true: %s", line)
		}
	}
	code, stdout, _ = runCmd(t, "bench", "--preset", "small", "-n", "1", "--samples", "10", "--naive-samples", "2")
	if code != exitOK || !strings.Contains(stdout, "greedy codes identical") || !strings.Contains(stdout, "small") {
		t.Errorf("bench --preset small: exit %d\n%s", code, stdout)
	}
	for _, args := range [][]string{{"--preset", "nope"}, {"--model", model, "--preset", "small"}, {"-n", "0"}} {
		if code, _, _ := runCmd(t, append([]string{"bench"}, args...)...); code != exitUsage {
			t.Errorf("bench %q: exit %d, want 2", args, code)
		}
	}
}

// A generate interrupted before its first sample (the context is done
// already) fails and leaves no file behind.
func TestGenerateInterrupted(t *testing.T) {
	model := tinyModel(t)
	out := filepath.Join(t.TempDir(), "out.wav")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"generate", "--model", model, "-o", out, "--samples", "3000"}, &stdout, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q; want 1 and interrupted", code, stderr.String())
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an interrupted run left its output")
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// TestGeneratePreEmphasis: a model file whose "audio" entry says its codes
// are of pre-emphasised sound hears its prime pre-emphasised and writes its
// draws de-emphasised, continuing from the prime's last sample: exactly
// what the same weights without the entry give on the pre-emphasised prime,
// de-emphasised. eval scores the clip pre-emphasised, as that plain model
// scores the pre-emphasised clip.
func TestGeneratePreEmphasis(t *testing.T) {
	const rate, alpha = 16000, 0.85
	dir := t.TempDir()
	cfg := wavenet.Config{SampleRate: rate, QuantizationChannels: 256, FilterWidth: 2, InputWidth: 2,
		Dilations: []int{1, 2, 4}, ResidualChannels: 4, GateChannels: 5, SkipChannels: 6, EndChannels: 7}
	m, err := wavenet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wavenet.RandomInit(m, rand.New(rand.NewPCG(3, 4)))
	emph, plain := filepath.Join(dir, "emph.safetensors"), filepath.Join(dir, "plain.safetensors")
	for path, md := range map[string]wavenet.Metadata{emph: {PreEmphasis: alpha}, plain: {}} {
		if err := writeOutput(context.Background(), path, func(w io.Writer) error { return m.Encode(w, md) }); err != nil {
			t.Fatal(err)
		}
	}
	prime := writeWAV(t, filepath.Join(dir, "prime.wav"), rate, sine(200, rate, 440))
	x, _, err := audio.ReadFile(prime, rate, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := audio.PreEmphasize(nil, x, alpha)
	primeE := writeWAVAs(t, filepath.Join(dir, "prime-e.wav"), rate, audio.Float32, e)
	take := func(model, prime, out string) []float32 {
		t.Helper()
		if code, _, stderr := runCmd(t, "generate", "-q", "--model", model, "--prime", prime, "--samples", "300", "--seed", "3", "--float", "-o", out); code != exitOK {
			t.Fatalf("generate %s: exit %d, %s", model, code, stderr)
		}
		y, _, err := audio.ReadFile(out, rate, nil)
		if err != nil || len(y) != 500 {
			t.Fatalf("%s: %d samples, %v", out, len(y), err)
		}
		return y
	}
	a := take(emph, prime, filepath.Join(dir, "a.wav"))
	b := take(plain, primeE, filepath.Join(dir, "b.wav"))
	want := append([]float32(nil), b[200:]...)
	audio.NewDeemphasis(alpha, x[199]).Apply(want)
	for i := range 200 {
		if a[i] != x[i] {
			t.Fatalf("prime sample %d written as %v, want the prime's %v", i, a[i], x[i])
		}
	}
	for i, v := range want {
		if a[200+i] != v {
			t.Fatalf("generated sample %d = %v, want %v: the plain model's draw on the pre-emphasised prime, de-emphasised", i, a[200+i], v)
		}
	}
	_, outE, _ := runCmd(t, "eval", "--model", emph, prime)
	_, outP, _ := runCmd(t, "eval", "--model", plain, primeE)
	bits := func(s string) string { return strings.Fields(s)[1] }
	if outE == "" || outP == "" || bits(outE) != bits(outP) {
		t.Errorf("eval of the clip with the pre-emphasised model: %q; of the pre-emphasised clip with the plain one: %q", outE, outP)
	}
}
