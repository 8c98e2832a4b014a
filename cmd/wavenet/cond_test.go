package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// condModel saves a small random 8 kHz model with the given conditioning
// (classes named as given; local frames of bands every hop samples) and
// returns its path.
func condModel(t *testing.T, classes []string, bands, hop int) string {
	t.Helper()
	cfg := wavenet.Config{SampleRate: 8000, QuantizationChannels: 32, InputWidth: 2, FilterWidth: 2,
		Dilations: []int{1, 2, 4}, ResidualChannels: 4, GateChannels: 5, SkipChannels: 6, EndChannels: 7}
	if len(classes) > 0 {
		cfg.GlobalClasses, cfg.GlobalChannels = len(classes), 3
	}
	cfg.LocalChannels, cfg.LocalHop = bands, hop
	m, err := wavenet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wavenet.RandomInit(m, rand.New(rand.NewPCG(3, 4)))
	training, err := json.Marshal(map[string]any{"classes": classes})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cond.safetensors")
	saveModel(t, m, path, training)
	return path
}

// writeFrames writes frames [bands, n] of a slow sine as a .npy file.
func writeFrames(t *testing.T, path string, bands, n int) string {
	t.Helper()
	x := make([]float32, bands*n)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) / 9))
	}
	if err := audio.WriteNpy(path, x, bands, n); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFileClasses(t *testing.T) {
	files := []string{"clips/piano/a.wav", "clips/guitar/b.wav", "clips/piano/c.WAV", "d.wav"}
	names, ids, err := fileClasses(files, classesFolder)
	wd, _ := os.Getwd()
	want := []string{filepath.Base(wd), "guitar", "piano"}
	slices.Sort(want)
	wantIDs := []int{slices.Index(want, "piano"), slices.Index(want, "guitar"), slices.Index(want, "piano"), slices.Index(want, filepath.Base(wd))}
	if err != nil || !slices.Equal(names, want) || !slices.Equal(ids, wantIDs) {
		t.Errorf("folder: %q %v %v", names, ids, err)
	}
	names, ids, err = fileClasses(files, classesFile)
	if err != nil || !slices.Equal(names, []string{"a", "b", "c", "d"}) || !slices.Equal(ids, []int{0, 1, 2, 3}) {
		t.Errorf("file: %q %v %v", names, ids, err)
	}
	if _, _, err := fileClasses(files, "folders"); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("an unknown way: %v", err)
	}
}

func TestResolveClass(t *testing.T) {
	cfg := wavenet.Config{GlobalClasses: 3}
	names := []string{"piano", "guitar", "2"}
	for _, tc := range []struct {
		value string
		want  int
		err   string
	}{
		{"piano", 0, ""}, {"guitar", 1, ""}, {"1", 1, ""}, {"2", 2, ""}, {"0", 0, ""},
		{"cello", 0, `--class "cello": not a class of the model; its 3 classes are piano (0), guitar (1), 2 (2)`},
		{"3", 0, "not a class"}, {"-1", 0, "not a class"},
	} {
		k, err := resolveClass(cfg, names, tc.value)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %d, %v; want an error %q", tc.value, k, err, tc.err)
			}
		} else if err != nil || k != tc.want {
			t.Errorf("%q: %d, %v; want %d", tc.value, k, err, tc.want)
		}
	}
	if _, err := resolveClass(cfg, nil, "piano"); err == nil || !strings.Contains(err.Error(), "ids 0 to 2") {
		t.Errorf("a model without names: %v", err)
	}
	if ids, err := resolveClasses(cfg, names, "guitar", 3, "m"); err != nil || !slices.Equal(ids, []int{1, 1, 1}) {
		t.Errorf("one class for three streams: %v %v", ids, err)
	}
	if ids, err := resolveClasses(cfg, names, "guitar,piano, 2", 3, "m"); err != nil || !slices.Equal(ids, []int{1, 0, 2}) {
		t.Errorf("a class per stream: %v %v", ids, err)
	}
	if _, err := resolveClasses(cfg, names, "guitar,piano", 3, "m"); err == nil || !strings.Contains(err.Error(), "2 classes for 3 streams") {
		t.Errorf("two classes for three streams: %v", err)
	}
	if _, err := resolveClasses(cfg, names, "", 1, "m"); err == nil || !strings.Contains(err.Error(), "give --class") || !strings.Contains(err.Error(), "piano (0)") {
		t.Errorf("no class: %v", err)
	}
	if _, err := resolveClasses(wavenet.Config{}, nil, "piano", 1, "m"); err == nil || !strings.Contains(err.Error(), "no global conditioning") {
		t.Errorf("a class for an unconditioned model: %v", err)
	}
}

// TestTrainClasses trains on two folders of clips, one class each, and
// checks the classes in the model file, the per-class validation in the
// CSV and the result line, and that a resume assigning classes otherwise
// is refused.
func TestTrainClasses(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		class string
		hz    float64
	}{{"low", 220}, {"high", 880}} {
		os.Mkdir(filepath.Join(dir, c.class), 0o755)
		trainClip(t, filepath.Join(dir, c.class), 3000, c.hz)
	}
	cfg := filepath.Join(dir, "cfg.json")
	os.WriteFile(cfg, []byte(`{"dilations":[1,2,4,8],"residual_channels":4,"gate_channels":4,"skip_channels":8,"end_channels":8}`), 0o644)
	out := filepath.Join(dir, "m.safetensors")
	args := []string{"train", "-o", out, "--config", cfg, "--steps", "20", "--chunk", "100", "--batch", "2", "--seed", "3"}
	code, stdout, stderr := runCmd(t, append(args, "--classes", "folder", "--global-channels", "5", dir)...)
	if code != exitOK || !strings.Contains(stdout, "(high ") || !strings.Contains(stdout, ", low ") {
		t.Fatalf("train: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, `class 0 "high": 1 clip(s), 3000 samples`) || !strings.Contains(stderr, "val ") {
		t.Errorf("progress: %q", stderr)
	}
	m, md, err := wavenet.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.GlobalClasses != 2 || m.Config.GlobalChannels != 5 || !slices.Equal(modelClasses(m.Config, md), []string{"high", "low"}) {
		t.Errorf("config %+v, classes %q", m.Config, modelClasses(m.Config, md))
	}
	csv, err := os.ReadFile(filepath.Join(dir, "m.csv"))
	if err != nil || !strings.HasPrefix(string(csv), trainCSVHeader+",val_bits_high,val_bits_low\n") {
		t.Errorf("CSV %q (%v)", csv, err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if last := strings.Split(lines[len(lines)-1], ","); len(last) != 10 || last[8] == "" || last[9] == "" {
		t.Errorf("last CSV row %q: want both classes' validation", last)
	}
	// Resuming takes --classes from the checkpoint, and refuses another.
	if code, _, stderr := runCmd(t, "train", "-o", out, "--steps", "30", "--resume", "--classes", "file", dir); code != exitError || !strings.Contains(stderr, "classes") {
		t.Errorf("resume with --classes file: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, "train", "-o", out, "--steps", "30", "--resume", "--global-channels", "4", dir); code != exitError || !strings.Contains(stderr, "--global-channels 4 (the checkpoint's model has 5)") {
		t.Errorf("resume with --global-channels 4: exit %d, %q", code, stderr)
	}
	if code, stdout, stderr := runCmd(t, "train", "-o", out, "--steps", "30", "--resume", dir); code != exitOK || !strings.Contains(stdout, "30 steps") {
		t.Errorf("resume: exit %d, %q, %q", code, stdout, stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--classes", "folders", dir}, exitUsage, `--classes "folders"`},
		{[]string{"--global-channels", "4", dir}, exitUsage, "give --classes too"},
		{[]string{"--local", "mfcc", dir}, exitUsage, `--local "mfcc"`},
		{[]string{"--hop", "64", dir}, exitUsage, "give --local mel too"},
	} {
		code, _, stderr := runCmd(t, append([]string{"train", "-o", filepath.Join(dir, "n.safetensors"), "--steps", "1"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// TestTrainLocal trains with --local mel and checks the model's frames
// and that a resume at another hop is refused.
func TestTrainLocal(t *testing.T) {
	dir := t.TempDir()
	trainClip(t, dir, 3000, 330)
	cfg := filepath.Join(dir, "cfg.json")
	os.WriteFile(cfg, []byte(`{"dilations":[1,2,4,8],"residual_channels":4,"gate_channels":4,"skip_channels":8,"end_channels":8}`), 0o644)
	out := filepath.Join(dir, "m.safetensors")
	code, stdout, stderr := runCmd(t, "train", "-o", out, "--config", cfg, "--steps", "10", "--chunk", "100", "--batch", "2",
		"--local", "mel", "--hop", "64", "--bands", "12", dir)
	if code != exitOK || !strings.Contains(stderr, "log-mel frames") {
		t.Fatalf("train: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	m, md, err := wavenet.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	var tm struct{ Local string }
	if m.Config.LocalChannels != 12 || m.Config.LocalHop != 64 || json.Unmarshal(md.Training, &tm) != nil || tm.Local != localName {
		t.Errorf("config %+v, training %s", m.Config, md.Training)
	}
	if code, _, stderr := runCmd(t, "train", "-o", out, "--steps", "20", "--resume", "--hop", "128", dir); code != exitError || !strings.Contains(stderr, "--hop 128 (the checkpoint's model has 64)") {
		t.Errorf("resume at hop 128: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, "train", "-o", out, "--steps", "20", "--resume", dir); code != exitOK {
		t.Errorf("resume: exit %d, %q", code, stderr)
	}
}

// TestEvalConditioned: a model with classes scores a clip under each
// class, or under the one asked for; a locally conditioned one under the
// clip's own frames or those given, refusing frames of another clip.
func TestEvalConditioned(t *testing.T) {
	dir := t.TempDir()
	clip := writeWAV(t, filepath.Join(dir, "a.wav"), 8000, sine(1000, 8000, 300))
	model := condModel(t, []string{"piano", "guitar"}, 6, 40)
	code, stdout, stderr := runCmd(t, "eval", "--model", model, clip)
	if code != exitOK || strings.Count(stdout, "\n") != 2 || !strings.Contains(stdout, "class piano (0) ") ||
		!strings.Contains(stdout, "class guitar (1) ") || strings.Count(stdout, "← lowest") != 1 {
		t.Fatalf("eval: exit %d, %q, %q", code, stdout, stderr)
	}
	code, stdout, _ = runCmd(t, "eval", "--model", model, "--class", "guitar", "--json", clip)
	var r evalResult
	if code != exitOK || json.Unmarshal([]byte(stdout), &r) != nil || r.Class != "guitar" || r.ClassID == nil || *r.ClassID != 1 || r.Frames != 25 {
		t.Errorf("eval --class guitar: exit %d, %q", code, stdout)
	}
	// Through the generator (--weights f32): the same bits to float32
	// rounding, under the class and the frames.
	_, viaGen, _ := runCmd(t, "eval", "--model", model, "--class", "guitar", "--json", "--weights", "f32", clip)
	var rg evalResult
	if json.Unmarshal([]byte(viaGen), &rg) != nil || math.Abs(rg.BitsPerSample-r.BitsPerSample) > 1e-4 {
		t.Errorf("eval --weights f32: %q, the batch pass gave %v", viaGen, r.BitsPerSample)
	}
	// The frames given: the clip's own, written by mel, give the same bits.
	npy := filepath.Join(dir, "a.npy")
	if code, _, stderr := runCmd(t, "mel", "--model", model, clip, "-o", npy); code != exitOK {
		t.Fatalf("mel: %q", stderr)
	}
	_, own, _ := runCmd(t, "eval", "--model", model, "--class", "1", clip)
	_, given, _ := runCmd(t, "eval", "--model", model, "--class", "1", "--mel", npy, clip)
	if own == "" || own != given {
		t.Errorf("the clip's own frames: %q; given by mel: %q", own, given)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--class", "cello", clip}, exitError, "its 2 classes are piano (0), guitar (1)"},
		{[]string{"--class", "0", "--mel", writeFrames(t, filepath.Join(dir, "b8.npy"), 8, 25), clip}, exitError, "frames of 8 bands"},
		{[]string{"--class", "0", "--mel", writeFrames(t, filepath.Join(dir, "f30.npy"), 6, 30), clip}, exitError, "30 frames for"},
		{[]string{"--class", "0", "--mel", npy, clip, clip}, exitUsage, "one input"},
	} {
		code, _, stderr := runCmd(t, append([]string{"eval", "--model", model}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	if code, _, stderr := runCmd(t, "eval", "--model", tinyModel(t), "--class", "0", clip); code != exitError || !strings.Contains(stderr, "no global conditioning") {
		t.Errorf("--class with an unconditioned model: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, "eval", "--model", tinyModel(t), "--mel", npy, clip); code != exitError || !strings.Contains(stderr, "no local conditioning") {
		t.Errorf("--mel with an unconditioned model: exit %d, %q", code, stderr)
	}
}

// TestGenerateConditioned: -n 3 with a class per stream; --class required
// (listing the classes) and refused as it should be; --mel gives the
// frames, and the output then covers them, F·H samples, prime included.
func TestGenerateConditioned(t *testing.T) {
	dir := t.TempDir()
	classes := condModel(t, []string{"a", "b", "c"}, 0, 0)
	out := filepath.Join(dir, "take.wav")
	if code, _, stderr := runCmd(t, "generate", "--model", classes, "-n", "3", "--class", "a,b,c", "--samples", "300", "-o", out); code != exitOK {
		t.Fatalf("generate -n 3 --class a,b,c: exit %d, %q", code, stderr)
	}
	for i := range 3 {
		if x, _, err := audio.ReadFile(filepath.Join(dir, "take-"+string(rune('0'+i))+".wav"), 8000, nil); err != nil || len(x) != 300 {
			t.Errorf("stream %d: %d samples, %v", i, len(x), err)
		}
	}
	local := condModel(t, nil, 6, 40)
	npy := writeFrames(t, filepath.Join(dir, "f.npy"), 6, 12)
	prime := writeWAV(t, filepath.Join(dir, "p.wav"), 8000, sine(100, 8000, 300))
	for _, tc := range []struct {
		args []string
		n    int
	}{
		{[]string{"--mel", npy}, 12 * 40},
		{[]string{"--mel", npy, "--prime", prime}, 12 * 40},
		{[]string{"--mel", npy, "--samples", "50"}, 51},
		{[]string{"--mel", npy, "--samples", "50", "--prime", prime}, 150},
	} {
		code, _, stderr := runCmd(t, append([]string{"generate", "--model", local, "-o", out}, tc.args...)...)
		x, _, err := audio.ReadFile(out, 8000, nil)
		if code != exitOK || err != nil || len(x) != tc.n {
			t.Errorf("%q: exit %d (%q), %d samples, want %d", tc.args, code, stderr, len(x), tc.n)
		}
	}
	long := writeWAV(t, filepath.Join(dir, "long.wav"), 8000, sine(500, 8000, 300))
	for _, tc := range []struct {
		model string
		args  []string
		code  int
		want  string
	}{
		{classes, nil, exitError, "give --class NAME or ID (one of a (0), b (1), c (2))"},
		{classes, []string{"--class", "d"}, exitError, `--class "d": not a class`},
		{classes, []string{"-n", "3", "--class", "a,b"}, exitUsage, "2 classes for 3 streams"},
		{tinyModel(t), []string{"--class", "a"}, exitError, "no global conditioning"},
		{local, nil, exitError, "give --mel FRAMES.npy"},
		{local, []string{"--mel", writeFrames(t, filepath.Join(dir, "b5.npy"), 5, 12)}, exitError, "frames of 5 bands"},
		{local, []string{"--mel", npy, "--prime", long}, exitError, "reach past the 480"},
		{tinyModel(t), []string{"--mel", npy}, exitError, "no local conditioning"},
	} {
		code, _, stderr := runCmd(t, append([]string{"generate", "--model", tc.model, "--samples", "20", "-o", out}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// nanNpy writes a [bands, n] .npy whose value [1, 2] is NaN, byte by byte
// (audio.WriteNpy refuses to write one).
func nanNpy(t *testing.T, path string, bands, n int) string {
	t.Helper()
	var b bytes.Buffer
	if err := audio.EncodeNpy(&b, make([]float32, bands*n), bands, n); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	off := len(data) - 4*(bands*n) + 4*(1*n+2)
	binary.LittleEndian.PutUint32(data[off:], math.Float32bits(float32(math.NaN())))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestVocode: F frames make F·H samples, from a WAV (with the distances and
// their μ-law floor) and from .npy frames, several inputs at once as
// streams into one file each; and the errors a user meets.
func TestVocode(t *testing.T) {
	dir := t.TempDir()
	model := condModel(t, nil, 6, 40)
	clip := writeWAV(t, filepath.Join(dir, "a.wav"), 8000, sine(1010, 8000, 300)) // 26 frames
	npy := writeFrames(t, filepath.Join(dir, "f.npy"), 6, 12)
	out := filepath.Join(dir, "out.wav")
	code, stdout, stderr := runCmd(t, "vocode", "--model", model, clip, "--mel", npy, "-o", out, "--seed", "2")
	if code != exitOK || strings.Count(stdout, "\n") != 2 || !strings.Contains(stdout, "26 frames → 1040 samples") ||
		!strings.Contains(stdout, "12 frames → 480 samples") || !strings.Contains(stdout, "μ-law round trip of the input") {
		t.Fatalf("vocode: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "× real time") {
		t.Errorf("no summary with the real-time factor: %q", stderr)
	}
	for i, n := range []int{26 * 40, 12 * 40} {
		x, _, err := audio.ReadFile(filepath.Join(dir, "out-"+string(rune('0'+i))+".wav"), 8000, nil)
		if err != nil || len(x) != n {
			t.Errorf("output %d: %d samples (%v), want %d", i, len(x), err, n)
		}
	}
	// f16 weights: other codes, the same length.
	if code, _, stderr := runCmd(t, "vocode", "--model", model, "--mel", npy, "--weights", "f16", "-o", out, "-q"); code != exitOK {
		t.Fatalf("vocode --weights f16: exit %d, %q", code, stderr)
	}
	// Two takes of one input: two streams, other draws.
	if code, _, stderr := runCmd(t, "vocode", "--model", model, "--mel", npy, "-n", "2", "-o", out, "-q"); code != exitOK {
		t.Fatalf("vocode -n 2: exit %d, %q", code, stderr)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "out-0.wav"))
	b, _ := os.ReadFile(filepath.Join(dir, "out-1.wav"))
	if len(a) != len(b) || bytes.Equal(a, b) {
		t.Errorf("two takes: %d and %d bytes, equal %v; want the same length, other samples", len(a), len(b), bytes.Equal(a, b))
	}
	// --png: a picture of the two spectrograms.
	pic := filepath.Join(dir, "mel.png")
	if code, _, stderr := runCmd(t, "vocode", "--model", model, clip, "-o", out, "-q", "--png", pic); code != exitOK {
		t.Fatalf("vocode --png: exit %d, %q", code, stderr)
	}
	if img, err := decodePNGFile(pic); err != nil || img.Bounds().Dx() < 500 {
		t.Errorf("the picture: %v", err)
	}
	// One input, JSON: the distances against a recomputation.
	code, stdout, _ = runCmd(t, "vocode", "--model", model, clip, "-o", out, "--seed", "2", "--json", "-q")
	var r vocodeResult
	if code != exitOK || json.Unmarshal([]byte(stdout), &r) != nil || r.Samples != 1040 || r.Frames != 26 || r.Floor == nil || r.Loudness == nil {
		t.Fatalf("vocode --json: exit %d, %q", code, stdout)
	}
	x, _, _ := audio.ReadFile(clip, 8000, nil)
	y, _, _ := audio.ReadFile(out, 8000, nil)
	mel, _ := audio.NewMel(8000, 40, 6)
	fx, nx := mel.Features(nil, x)
	fy, ny := mel.Features(nil, y)
	if d := measureMel(fx, nx, fy, ny, 6); math.Abs(d.LogMelL1-r.Distance.LogMelL1) > 1e-9 || math.Abs(d.MCD-r.Distance.MCD) > 1e-9 || !(d.LogMelL1 > 0) {
		t.Errorf("distance %+v, recomputed from the files %+v", r.Distance, d)
	}
	// The same seed, the same bytes; the output begins with the start
	// code, μ-law's 0.0 (Q/2, which decodes to 0.0038 for Q = 32).
	first, _ := os.ReadFile(out)
	runCmd(t, "vocode", "--model", model, clip, "-o", out, "--seed", "2", "-q")
	c0 := audio.MuLawDecode(nil, audio.MuLawEncode(nil, []float32{0}, 32), 32)[0]
	if again, _ := os.ReadFile(out); !bytes.Equal(first, again) || math.Abs(float64(y[0]-c0)) > 1e-4 {
		t.Errorf("a second run differs, or the first sample %v is not μ-law's 0.0 (%v)", y[0], c0)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--model", model, clip}, exitUsage, "no output given"},
		{[]string{"--model", model, "-o", out}, exitUsage, "nothing to vocode"},
		{[]string{clip, "-o", out}, exitUsage, "no model given"},
		{[]string{"--model", tinyModel(t), clip, "-o", out}, exitError, "no local conditioning"},
		{[]string{"--model", model, "--mel", writeFrames(t, filepath.Join(dir, "b7.npy"), 7, 12), "-o", out}, exitError, "frames of 7 bands"},
		{[]string{"--model", model, "--mel", nanNpy(t, filepath.Join(dir, "nan.npy"), 6, 12), "-o", out}, exitError, "NaN"},
		{[]string{"--model", model, clip, "-o", clip}, exitUsage, "is the input"},
		{[]string{"--model", model, clip, "--class", "a", "-o", out}, exitError, "no global conditioning"},
		{[]string{"--model", model, clip, "--temperature", "-1", "-o", out}, exitUsage, "--temperature"},
	} {
		code, _, stderr := runCmd(t, append([]string{"vocode"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	// A model with classes too: --class is required, one per input.
	both := condModel(t, []string{"x", "y"}, 6, 40)
	if code, _, stderr := runCmd(t, "vocode", "--model", both, clip, "--mel", npy, "-o", out, "-q"); code != exitError || !strings.Contains(stderr, "x (0), y (1)") {
		t.Errorf("no --class: exit %d, %q", code, stderr)
	}
	if code, stdout, stderr := runCmd(t, "vocode", "--model", both, clip, "--mel", npy, "--class", "y,x", "-o", out, "-q", "--json"); code != exitOK || !strings.Contains(stdout, `"class_id":1`) || !strings.Contains(stdout, `"class_id":0`) {
		t.Errorf("--class y,x: exit %d, %q, %q", code, stdout, stderr)
	}
}

// TestBenchConditioned: bench measures a conditioned model file and a
// conditioned preset, cached and naive giving the same greedy codes.
func TestBenchConditioned(t *testing.T) {
	model := condModel(t, []string{"a", "b"}, 6, 4)
	for _, args := range [][]string{
		{"--model", model},
		{"--preset", "small", "--global-classes", "3", "--local-channels", "8", "--hop", "16", "--naive-samples", "3"},
	} {
		code, stdout, stderr := runCmd(t, append([]string{"bench", "-n", "3", "--samples", "200", "--json"}, args...)...)
		if code != exitOK {
			t.Fatalf("bench %q: exit %d, %q", args, code, stderr)
		}
		var r benchRow
		if err := json.Unmarshal([]byte(strings.Split(stdout, "\n")[0]), &r); err != nil || r.SameCodes == nil || !*r.SameCodes || !(r.SamplesPerSecond > 0) {
			t.Errorf("bench %q: %q (%v)", args, stdout, err)
		}
	}
	if code, _, stderr := runCmd(t, "bench", "--model", model, "--hop", "3"); code != exitUsage || !strings.Contains(stderr, "conditions a preset") {
		t.Errorf("--hop with --model: exit %d, %q", code, stderr)
	}
}

// TestTrainConfigConditioning: a --config with conditioning keys needs the
// flags that say what the clips are conditioned on, and must agree with
// them.
func TestTrainConfigConditioning(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []string{"a", "b"} {
		os.Mkdir(filepath.Join(dir, c), 0o755)
		trainClip(t, filepath.Join(dir, c), 2000, 330)
	}
	cfg := filepath.Join(dir, "cfg.json")
	os.WriteFile(cfg, []byte(`{"dilations":[1,2],"residual_channels":4,"gate_channels":4,"skip_channels":8,"end_channels":8,"global_classes":3,"global_channels":4}`), 0o644)
	out := filepath.Join(dir, "m.safetensors")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "give --classes folder|file"},
		{[]string{"--classes", "folder"}, exitError, "3 global classes, but --classes folder gives 2 (a, b)"},
		{[]string{"--local", "mel"}, exitUsage, "give --classes"},
	} {
		code, _, stderr := runCmd(t, append([]string{"train", "-o", out, "--config", cfg, "--steps", "1", dir}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// TestVocodeMelMemory: vocode and mel refuse a clip whose samples would
// not fit the memory allowed, before reading it.
func TestVocodeMelMemory(t *testing.T) {
	dir := t.TempDir()
	model := condModel(t, nil, 6, 40)
	clip := writeWAV(t, filepath.Join(dir, "a.wav"), 8000, sine(40000, 8000, 300))
	t.Setenv(maxMemoryEnv, "100KiB")
	for _, args := range [][]string{
		{"vocode", "--model", model, clip, "-o", filepath.Join(dir, "out.wav")},
		{"mel", clip, "-o", filepath.Join(dir, "a.npy")},
	} {
		if code, _, stderr := runCmd(t, args...); code != exitError || !strings.Contains(stderr, "of "+maxMemoryEnv) {
			t.Errorf("%q under 100 KiB: exit %d, %q", args, code, stderr)
		}
	}
}
