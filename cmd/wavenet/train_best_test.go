package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
	"github.com/wavenet-go/wavenet-go/wavenet/train"
)

// overfitClip writes to dir/name a 16 kHz clip on which a small model's
// validation loss falls and then climbs: 3600 samples of a 330 Hz tone, then
// the 400 held out (--val 0.1) at 495 Hz, with a little noise throughout.
func overfitClip(t *testing.T, dir, name string) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(2, 2))
	x := make([]float32, 4000)
	for i := range x {
		hz := 330.0
		if i >= 3600 {
			hz = 495
		}
		x[i] = float32(0.5*math.Sin(2*math.Pi*hz*float64(i)/16000) + 0.02*rng.NormFloat64())
	}
	return writeWAV(t, filepath.Join(dir, name), 16000, x)
}

// tinyConfig writes a 4-layer config to dir/cfg.json and returns its path.
func tinyConfig(t *testing.T, dir string) string {
	t.Helper()
	cfg := filepath.Join(dir, "cfg.json")
	if err := os.WriteFile(cfg, []byte(`{"dilations":[1,2,4,8],"residual_channels":4,"gate_channels":4,"skip_channels":8,"end_channels":8}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// csvValidations returns the steps and validation bits of a training CSV.
func csvValidations(t *testing.T, path string) (steps []int, bits []float64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		f := strings.Split(line, ",")
		if f[5] == "" {
			continue
		}
		s, err1 := strconv.Atoi(f[0])
		b, err2 := strconv.ParseFloat(f[5], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: row %q", path, line)
		}
		steps, bits = append(steps, s), append(bits, b)
	}
	return steps, bits
}

// mustRead returns a file's bytes.
func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// trainingSteps returns a model file's parameters and the steps and
// validation bits of its training metadata.
func trainingSteps(t *testing.T, path string) ([]float32, int, float64) {
	t.Helper()
	m, md, err := wavenet.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var tm struct {
		Steps   int     `json:"steps"`
		ValBits float64 `json:"val_bits"`
	}
	if err := json.Unmarshal(md.Training, &tm); err != nil {
		t.Fatal(err)
	}
	return m.Params, tm.Steps, tm.ValBits
}

// TestTrainKeepsBest: the model of the lowest validation loss is kept
// beside the last; it is the model of that step (what a run stopped there
// has), the result line names both, a run interrupted after the best and
// resumed keeps the same best (though every later validation is higher),
// and --keep best swaps the two files, also across a resume that does not
// repeat it.
func TestTrainKeepsBest(t *testing.T) {
	dir := t.TempDir()
	clip := overfitClip(t, dir, "clip.wav")
	cfg := tinyConfig(t, dir)
	trainTo := func(out string, steps int, extra ...string) string {
		t.Helper()
		// Without pre-emphasis or gain augmentation: overfitClip is made
		// to overfit on plain codes at its own level.
		args := append([]string{"train", "-q", "-o", out, "--config", cfg, "--chunk", "100", "--batch", "2",
			"--lr", "0.005", "--seed", "2", "--steps", strconv.Itoa(steps), "--pre-emphasis", "0", "--gain-augment", "0"}, extra...)
		if !slices.Contains(extra, "--keep") && !slices.Contains(extra, "--resume") {
			args = append(args, "--keep", "last") // this test's runs keep the last unless they say
		}
		code, stdout, stderr := runCmd(t, append(args, clip)...)
		if code != exitOK {
			t.Fatalf("%q: exit %d, %q", args, code, stderr)
		}
		return stdout
	}
	a := filepath.Join(dir, "a.safetensors")
	stdout := trainTo(a, 200)
	steps, bits := csvValidations(t, filepath.Join(dir, "a.csv"))
	k := slices.Index(bits, slices.Min(bits))
	best := steps[k]
	if k == 0 || k == len(bits)-2 || k == len(bits)-1 {
		t.Fatalf("validations at steps %v: %v bits; the test needs the lowest between the first and the second-last", steps, bits)
	}
	aBest := filepath.Join(dir, "a.best.safetensors")
	if want := fmt.Sprintf("; best: %s, validation %.3f bits at step %d (trained)\n", aBest, bits[k], best); !strings.HasPrefix(stdout, a+": 200 steps") || !strings.HasSuffix(stdout, want) {
		t.Errorf("result line %q, want it to end with %q", stdout, want)
	}
	bestParams, bestSteps, bestVal := trainingSteps(t, aBest)
	lastParams, lastSteps, _ := trainingSteps(t, a)
	if bestSteps != best || math.Abs(bestVal-bits[k]) > 1e-4 || lastSteps != 200 || slices.Equal(bestParams, lastParams) {
		t.Errorf("best file of step %d (%v bits), last of step %d; want %d (%v bits) and 200, and other weights", bestSteps, bestVal, lastSteps, best, bits[k])
	}

	// A run that stops at the best step ends with the same weights. (Its
	// model file also has the whole-clip score of a run's end, which the
	// best, written mid-run, has not; the trainer's tests compare bytes.)
	b := filepath.Join(dir, "b.safetensors")
	trainTo(b, best)
	if p, s, v := trainingSteps(t, b); !slices.Equal(p, bestParams) || s != best || v != bestVal {
		t.Errorf("the model of a run stopped at step %d differs from the best kept at that step", best)
	}

	// Interrupted after the best (the next validation is higher) and
	// resumed: the same files, byte for byte.
	c := filepath.Join(dir, "c.safetensors")
	trainTo(c, steps[k+1])
	trainTo(c, 200, "--resume")
	if !bytes.Equal(mustRead(t, c), mustRead(t, a)) || !bytes.Equal(mustRead(t, filepath.Join(dir, "c.best.safetensors")), mustRead(t, aBest)) {
		t.Errorf("after --resume the last or the best model differs from the uninterrupted run's")
	}

	// --keep best: -o is the best, the last beside it; a resume without
	// --keep goes on keeping the best, and one with --keep last is refused.
	d := filepath.Join(dir, "d.safetensors")
	dLast := filepath.Join(dir, "d.last.safetensors")
	trainTo(d, steps[k+1], "--keep", "best")
	stdout = trainTo(d, 200, "--resume")
	if !bytes.Equal(mustRead(t, d), mustRead(t, aBest)) || !bytes.Equal(mustRead(t, dLast), mustRead(t, a)) || exists(filepath.Join(dir, "d.best.safetensors")) {
		t.Errorf("--keep best: -o is not the best model, or %s not the last, or a .best file was written", dLast)
	}
	if want := fmt.Sprintf("%s: the best validation, %.3f bits at step %d of 200 steps, ", d, bits[k], best); !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, "; last: "+dLast+", train ") {
		t.Errorf("--keep best result line %q, want it to start %q and name %s", stdout, want, dLast)
	}
	code, _, stderr := runCmd(t, "train", "-o", d, "--steps", "250", "--resume", "--keep", "last", clip)
	if code != exitUsage || !strings.Contains(stderr, "--keep best") {
		t.Errorf("resuming a --keep best run with --keep last: exit %d, %q", code, stderr)
	}
}

// TestTrainCheckpointEvery: --checkpoint-every N writes the checkpoint at
// every N steps and at the end. The checkpoint file is a FIFO here, which
// train writes straight, so the test reads every checkpoint made.
func TestTrainCheckpointEvery(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 3000, 330)
	cfg := tinyConfig(t, dir)
	fifo := filepath.Join(dir, "m.ckpt")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	got := make(chan []byte)
	go func() {
		// Each checkpoint is one open, write and close by train; a slow
		// reader may see two back to back, so the stream is split after.
		var all []byte
		for {
			f, err := os.Open(fifo) // waits for a writer
			if err != nil {
				break
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil || len(data) == 0 { // the test's own empty write: the end
				break
			}
			all = append(all, data...)
		}
		got <- all
	}()
	code, _, stderr := runCmd(t, "train", "-q", "--force", "-o", filepath.Join(dir, "m.safetensors"), "--config", cfg,
		"--steps", "25", "--chunk", "50", "--checkpoint-every", "10", clip)
	// End the reader with an empty write.
	if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
		f.Close()
	}
	stream := <-got
	if code != exitOK {
		t.Fatalf("train: exit %d, %q", code, stderr)
	}
	var steps []int
	for len(stream) > 0 {
		n := checkpointLen(t, stream)
		ck, err := train.DecodeCheckpoint(stream[:n], fifo)
		if err != nil {
			t.Fatal(err)
		}
		steps, stream = append(steps, ck.Step()), stream[n:]
	}
	if !slices.Equal(steps, []int{10, 20, 25}) {
		t.Errorf("checkpoints at steps %v, want 10, 20 and the final 25", steps)
	}
}

// checkpointLen returns the length of the checkpoint file at the start of
// data, from its layout (wavenet/train/state.go): the magic, the header's
// length and the header, 3 or 4 arrays of the header's params float32
// values (4 with a "best"), the CRC.
func checkpointLen(t *testing.T, data []byte) int {
	t.Helper()
	if len(data) < 16 || string(data[:8]) != "WNTRAIN1" {
		t.Fatalf("not a checkpoint: % x", data[:min(len(data), 16)])
	}
	n := int(binary.LittleEndian.Uint64(data[8:]))
	var h struct {
		Params int             `json:"params"`
		Best   json.RawMessage `json:"best"`
	}
	if 16+n > len(data) || json.Unmarshal(data[16:16+n], &h) != nil {
		t.Fatalf("a checkpoint header of %d bytes in %d", n, len(data))
	}
	arrays := 3
	if h.Best != nil {
		arrays = 4
	}
	size := 16 + n + 4*arrays*h.Params + 4
	if size > len(data) {
		t.Fatalf("a checkpoint of %d bytes in %d", size, len(data))
	}
	return size
}

// TestTrainBestCollisions: the model file kept beside -o (.best, or .last
// with --keep best) is checked as every output is: it may not be an input,
// an earlier run's is not replaced without --force (which removes it), and
// --keep best without a validation part is refused.
func TestTrainBestCollisions(t *testing.T) {
	dir := t.TempDir()
	cfg := tinyConfig(t, dir)
	out := filepath.Join(dir, "m.safetensors")
	run := func(args ...string) (int, string) {
		if !slices.Contains(args, "--keep") {
			args = append([]string{"--keep", "last"}, args...) // as this test's runs keep the last unless they say
		}
		code, _, stderr := runCmd(t, append([]string{"train", "-q", "-o", out, "--config", cfg, "--steps", "2", "--chunk", "50"}, args...)...)
		return code, stderr
	}
	for _, tc := range []struct {
		input string
		flags []string
	}{
		{"m.best.safetensors", []string{"--keep", "last"}},
		{"m.last.safetensors", []string{"--keep", "best"}},
	} {
		in := trainClip(t, dir, 2000, 330)
		named := filepath.Join(dir, tc.input)
		if err := os.Rename(in, named); err != nil {
			t.Fatal(err)
		}
		code, stderr := run(append(tc.flags, named)...)
		if code != exitUsage || !strings.Contains(stderr, "is the input "+named) {
			t.Errorf("input %s with %q: exit %d, %q", tc.input, tc.flags, code, stderr)
		}
		os.Remove(named)
	}
	// Through a symbolic link.
	clip := trainClip(t, dir, 2000, 330)
	if err := os.Symlink(clip, filepath.Join(dir, "m.best.safetensors")); err != nil {
		t.Fatal(err)
	}
	if code, stderr := run(clip); code != exitUsage || !strings.Contains(stderr, "is the input") {
		t.Errorf("m.best.safetensors a link to the input: exit %d, %q", code, stderr)
	}
	os.Remove(filepath.Join(dir, "m.best.safetensors"))

	// An earlier run's .last (it kept the best at -o) is not replaced
	// without --force; --force removes it, as this run keeps the last.
	stale := filepath.Join(dir, "m.last.safetensors")
	os.WriteFile(stale, []byte("an earlier run's"), 0o644)
	if code, stderr := run(clip); code != exitError || !strings.Contains(stderr, stale) || !strings.Contains(stderr, "--force") {
		t.Errorf("over an earlier run's %s: exit %d, %q", stale, code, stderr)
	}
	if code, stderr := run("--force", clip); code != exitOK || exists(stale) || !exists(filepath.Join(dir, "m.best.safetensors")) {
		t.Errorf("--force: exit %d, %q; %s left: %v", code, stderr, stale, !errors.Is(statErr(stale), os.ErrNotExist))
	}
	if code, stderr := run("--force", "--keep", "best", "--val", "-1", clip); code != exitUsage || !strings.Contains(stderr, "--keep best needs a validation") {
		t.Errorf("--keep best without validation: exit %d, %q", code, stderr)
	}
}

func statErr(path string) error {
	_, err := os.Lstat(path)
	return err
}

// TestTrainDefaultKeepsBest: without --keep a run puts the best model at
// -o and the last beside it; without validation (--val -1) it keeps the
// last, as there is no best to keep. (A run stopped before its first
// validation: TestTrainSignal.)
func TestTrainDefaultKeepsBest(t *testing.T) {
	dir := t.TempDir()
	clip := overfitClip(t, dir, "clip.wav")
	cfg := tinyConfig(t, dir)
	train := func(out string, extra ...string) string {
		t.Helper()
		args := append([]string{"train", "-q", "-o", out, "--config", cfg, "--chunk", "100", "--batch", "2",
			"--lr", "0.005", "--seed", "2"}, extra...)
		code, stdout, stderr := runCmd(t, append(args, clip)...)
		if code != exitOK {
			t.Fatalf("%q: exit %d, %q", args, code, stderr)
		}
		return stdout
	}
	a := filepath.Join(dir, "a.safetensors")
	stdout := train(a, "--steps", "200")
	steps, bits := csvValidations(t, filepath.Join(dir, "a.csv"))
	k := slices.Index(bits, slices.Min(bits))
	_, aSteps, aVal := trainingSteps(t, a)
	_, lastSteps, _ := trainingSteps(t, filepath.Join(dir, "a.last.safetensors"))
	if aSteps != steps[k] || math.Abs(aVal-bits[k]) > 1e-4 || lastSteps != 200 || exists(filepath.Join(dir, "a.best.safetensors")) {
		t.Errorf("-o of step %d (%v bits), last of step %d; want the best, step %d (%v bits), and 200", aSteps, aVal, lastSteps, steps[k], bits[k])
	}
	if !strings.HasPrefix(stdout, a+": the best validation") {
		t.Errorf("result line %q", stdout)
	}

	c := filepath.Join(dir, "c.safetensors")
	stdout = train(c, "--steps", "5", "--val", "-1")
	_, cSteps, _ := trainingSteps(t, c)
	if cSteps != 5 || exists(filepath.Join(dir, "c.last.safetensors")) || exists(filepath.Join(dir, "c.best.safetensors")) {
		t.Errorf("--val -1: -o of step %d, result %q", cSteps, stdout)
	}
}

// TestTrainPatience: --patience N stops a run N validations after its
// lowest, says so, and writes the same best model at -o as a run that went
// on to its step limit; a negative value is a usage error.
func TestTrainPatience(t *testing.T) {
	dir := t.TempDir()
	clip := overfitClip(t, dir, "clip.wav")
	cfg := tinyConfig(t, dir)
	run := func(out string, extra ...string) string {
		t.Helper()
		args := append([]string{"train", "-q", "-o", out, "--config", cfg, "--chunk", "100", "--batch", "2",
			"--lr", "0.005", "--seed", "2", "--steps", "300", "--pre-emphasis", "0", "--gain-augment", "0"}, extra...)
		code, stdout, stderr := runCmd(t, append(args, clip)...)
		if code != exitOK {
			t.Fatalf("%q: exit %d, %q", args, code, stderr)
		}
		return stdout
	}
	a := filepath.Join(dir, "a.safetensors")
	run(a)
	steps, bits := csvValidations(t, filepath.Join(dir, "a.csv"))
	k := slices.Index(bits, slices.Min(bits))
	best := steps[k]
	if best+100 >= 300 {
		t.Fatalf("validations at steps %v: %v bits; the test needs the lowest two validations before the end", steps, bits)
	}
	b := filepath.Join(dir, "b.safetensors")
	stdout := run(b, "--patience", "2")
	if want := fmt.Sprintf("(stopped by --patience: no new lowest validation in 100 steps)\n"); !strings.HasSuffix(stdout, want) ||
		!strings.Contains(stdout, fmt.Sprintf("at step %d of %d steps", best, best+100)) {
		t.Errorf("result line %q, want step %d of %d and to end %q", stdout, best, best+100, want)
	}
	if !bytes.Equal(mustRead(t, b), mustRead(t, a)) {
		t.Errorf("-o with --patience 2 differs from -o of the run to step 300 (both the best, of step %d)", best)
	}
	if _, s, _ := trainingSteps(t, filepath.Join(dir, "b.last.safetensors")); s != best+100 {
		t.Errorf("the last model of the patient run is of step %d, want %d", s, best+100)
	}
	code, _, stderr := runCmd(t, "train", "-o", filepath.Join(dir, "c.safetensors"), "--patience", "-1", clip)
	if code != exitUsage || !strings.Contains(stderr, "--patience -1") {
		t.Errorf("--patience -1: exit %d, %q", code, stderr)
	}
}
