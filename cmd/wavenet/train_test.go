package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// trainClip writes a decaying 16 kHz tone of n samples to dir/clip.wav and
// returns its path.
func trainClip(t *testing.T, dir string, n int, hz float64) string {
	t.Helper()
	x := make([]float32, n)
	for i := range x {
		tt := float64(i) / 16000
		x[i] = float32(0.6 * math.Exp(-2*tt) * math.Sin(2*math.Pi*hz*tt))
	}
	return writeWAV(t, filepath.Join(dir, "clip.wav"), 16000, x)
}

func TestTrainAndResume(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 4000, 330)
	cfg := filepath.Join(dir, "cfg.json")
	os.WriteFile(cfg, []byte(`{"dilations":[1,2,4,8],"residual_channels":4,"gate_channels":4,"skip_channels":8,"end_channels":8}`), 0o644)
	out := filepath.Join(dir, "m.safetensors")
	code, stdout, stderr := runCmd(t, "train", "-o", out, "--config", cfg, "--steps", "20", "--chunk", "100",
		"--batch", "2", "--lr", "0.01", "--seed", "3", dir)
	if code != exitOK || !strings.Contains(stdout, "20 steps") {
		t.Fatalf("train: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	// Plain progress lines off a terminal, no bar.
	if !strings.Contains(stderr, "train: step 10/20") || !strings.Contains(stderr, "train: done: 20 steps") || strings.Contains(stderr, "\r") {
		t.Errorf("progress: %q", stderr)
	}
	for _, ext := range []string{".ckpt", ".csv", ".png"} {
		if _, err := os.Stat(filepath.Join(dir, "m"+ext)); err != nil {
			t.Errorf("missing m%s: %v", ext, err)
		}
	}
	_, md, err := wavenet.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Steps int `json:"steps"`
		Hyper struct {
			Seed uint64  `json:"seed"`
			LR   float64 `json:"lr"`
		} `json:"hyper"`
		Data []struct{ File string } `json:"data"`
	}
	if err := json.Unmarshal(md.Training, &meta); err != nil || meta.Steps != 20 || meta.Hyper.Seed != 3 || meta.Hyper.LR != 0.01 ||
		len(meta.Data) != 1 || meta.Data[0].File != clip {
		t.Errorf("training metadata %s (%v)", md.Training, err)
	}
	// Running again without --resume would overwrite the checkpoint: refused.
	if code, _, stderr := runCmd(t, "train", "-o", out, "--steps", "30", clip); code != exitError || !strings.Contains(stderr, "--resume") {
		t.Errorf("second run without --resume: exit %d, %q", code, stderr)
	}
	// Resuming takes the checkpoint's settings.
	code, stdout, stderr = runCmd(t, "train", "-o", out, "--steps", "30", "--resume", clip)
	if code != exitOK || !strings.Contains(stdout, "30 steps") || !strings.Contains(stderr, "resuming at step 20") {
		t.Errorf("resume: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	if code, _, stderr := runCmd(t, "train", "-o", out, "--steps", "40", "--resume", "--lr", "0.5", clip); code != exitError || !strings.Contains(stderr, "lr 0.5") {
		t.Errorf("resume with another lr: exit %d, %q", code, stderr)
	}
}

func TestTrainUsage(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 2000, 330)
	out := filepath.Join(dir, "m.safetensors")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"train", clip}, exitUsage, "no output model"},
		{[]string{"train", "-o", out}, exitUsage, "missing input"},
		{[]string{"train", "-o", out, "--preset", "huge", clip}, exitUsage, "unknown preset"},
		{[]string{"train", "-o", out, "--preset", "small", "--config", "c.json", clip}, exitUsage, "pick one"},
		{[]string{"train", "-o", out, "--steps", "-1", clip}, exitUsage, "--steps -1: want 0"},
		{[]string{"train", "-o", out, "--val-parts", "0", clip}, exitUsage, "--val-parts 0: want 1 (the tail)"},
		{[]string{"train", "-o", out, "--pitch-augment", "-5", clip}, exitUsage, "--pitch-augment -5: want 0 (none) … 1200 cents"},
		{[]string{"train", "-o", out, "--pitch-augment", "50", "--local", "mel", clip}, exitUsage, "--pitch-augment 50 with --local mel"},
		{[]string{"train", "-o", out, "--val-parts", "65", clip}, exitUsage, "--val-parts 65: want 1 … 64"},
		{[]string{"train", "-o", out, "--steps", "1", filepath.Join(dir, "missing.wav")}, exitError, "missing.wav"},
		{[]string{"train", "-o", out, "--steps", "1", "--chunk", "5000", "--no-pad-starts", clip}, exitError, "--chunk"},
	} {
		code, _, stderr := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed run left %s", out)
	}
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	a := trainClip(t, dir, 16000, 220)
	b := filepath.Join(dir, "b.wav")
	os.Rename(a, b)
	a = trainClip(t, dir, 16000, 220)
	code, stdout, stderr := runCmd(t, "compare", "--json", a, b)
	if code != exitOK {
		t.Fatalf("compare: exit %d, %q", code, stderr)
	}
	var r compareResult
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v: %q", err, stdout)
	}
	if r.SpectralCorrelation < 0.999 || math.Abs(r.A.PitchHz-220) > 1 || r.B.PitchHz != r.A.PitchHz || r.A.Periodicity < 0.9 || r.SampleRate != 16000 {
		t.Errorf("a clip against itself: %+v", r)
	}
	code, stdout, _ = runCmd(t, "compare", a, b)
	if code != exitOK || !strings.Contains(stdout, "spectral correlation (50 Hz to 8000 Hz): 1.000") || !strings.Contains(stdout, "pitch 220.") {
		t.Errorf("text output: %q", stdout)
	}
	if code, _, _ := runCmd(t, "compare", a); code != exitUsage {
		t.Errorf("one file: exit %d, want %d", code, exitUsage)
	}
	if code, _, stderr := runCmd(t, "compare", a, filepath.Join(dir, "nope.wav")); code != exitError || !strings.Contains(stderr, "nope.wav") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}

// TestTrainGainAugmentResume: --gain-augment changes the model; a run of it
// interrupted and resumed without the flag (the checkpoint's setting, so
// the clip's sound is read again for it) writes the uninterrupted run's
// bytes.
func TestTrainGainAugmentResume(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 4000, 330)
	cfg := filepath.Join(dir, "cfg.json")
	os.WriteFile(cfg, []byte(`{"dilations":[1,2,4,8],"residual_channels":4,"gate_channels":4,"skip_channels":8,"end_channels":8}`), 0o644)
	train := func(name string, steps int, extra ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, name+".safetensors")
		args := append([]string{"train", "-q", "-o", out, "--config", cfg, "--steps", strconv.Itoa(steps), "--chunk", "100",
			"--batch", "2", "--seed", "3", "--keep", "last", clip}, extra...)
		if code, _, stderr := runCmd(t, args...); code != exitOK {
			t.Fatalf("%q: exit %d, %q", args, code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	plain := train("plain", 20)
	whole := train("whole", 20, "--gain-augment", "12")
	train("parts", 10, "--gain-augment", "12")
	parts := train("parts", 20, "--resume")
	if bytes.Equal(plain, whole) {
		t.Error("--gain-augment 12 left the model unchanged")
	}
	if !bytes.Equal(whole, parts) {
		t.Error("the resumed --gain-augment run's model differs from the uninterrupted one's")
	}
}
