package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
	"github.com/wavenet-go/wavenet-go/wavenet/train"
)

// Tests of what a careless or hostile user can do: outputs onto inputs,
// FIFOs and devices as inputs, settings that would exhaust the memory,
// signals, a full standard output, two runs at once, odd flag values and
// files of the wrong kind.

// runIn runs the command line in-process with ctx and returns its exit
// status and output; it fails the test if the command has not returned
// within limit (a hang).
func runIn(t *testing.T, ctx context.Context, limit time.Duration, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		c := run(ctx, args, &out, &errb)
		done <- result{c, out.String(), errb.String()}
	}()
	select {
	case r := <-done:
		return r.code, r.out, r.err
	case <-time.After(limit):
		t.Fatalf("%q still running after %v", args, limit)
	}
	return
}

// mkfifo makes a FIFO at path, or skips the test where there are none.
func mkfifo(t *testing.T, path string) string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	return path
}

// smallTrainConfig writes a small model config for train --config.
func smallTrainConfig(t *testing.T, dir string) string {
	t.Helper()
	cfg := filepath.Join(dir, "cfg.json")
	if err := os.WriteFile(cfg, []byte(`{"dilations":[1,2,4,8],"residual_channels":4,"gate_channels":4,"skip_channels":8,"end_channels":8}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestInspectPNGCollisions: inspect --png onto the model it describes, or
// onto the clip --effective reads, is refused before any work, and the
// input is left as it was.
func TestInspectPNGCollisions(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t)
	clip := writeWAV(t, filepath.Join(dir, "clip.wav"), 8000, sine(4000, 8000, 300))
	link := filepath.Join(dir, "link.png")
	if err := os.Symlink(model, link); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, f := range []string{model, clip} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		before[f] = b
	}
	for _, args := range [][]string{
		{"inspect", "--model", model, "--png", model},
		{"inspect", "--model", model, "--png", link},
		{"inspect", "--effective", clip, "--png", clip},
		{"inspect", "--model", model, "--effective", clip, "--png", clip},
	} {
		code, _, stderr := runCmd(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "is the input") {
			t.Errorf("%q: exit %d, %q; want a usage error", args, code, stderr)
		}
	}
	for f, b := range before {
		if got, _ := os.ReadFile(f); !bytes.Equal(got, b) {
			t.Errorf("%s was changed", f)
		}
	}
}

// TestTrainShortClips: a folder holding a 1-sample clip beside a normal
// one trains, warning about the short clip (name, length, minimum) before
// the first step, and resumes; so does a 10-sample clip with --val 0.9.
// Both used to panic at a random step, and again on every resume (with
// chunks of 2000, a short clip has a third of all chunk starts: at once).
func TestTrainShortClips(t *testing.T) {
	dir := t.TempDir()
	clips := filepath.Join(dir, "clips")
	os.Mkdir(clips, 0o755)
	trainClip(t, clips, 3000, 330)
	writeWAV(t, filepath.Join(clips, "one.wav"), 16000, []float32{0.1})
	writeWAV(t, filepath.Join(clips, "ten.wav"), 16000, sine(10, 16000, 440))
	cfg := smallTrainConfig(t, dir)
	for _, tc := range []struct {
		val  string
		want []string
	}{
		{"0.1", []string{"one.wav: 1 samples to train on (of 1; 0 held out), fewer than the 2 a chunk needs"}},
		{"0.9", []string{"one.wav: 0 samples to train on (of 1; 1 held out)", "ten.wav: 1 samples to train on (of 10; 9 held out), fewer than the 2"}},
	} {
		out := filepath.Join(dir, "m"+tc.val+".safetensors")
		code, _, stderr := runCmd(t, "train", "-o", out, "--config", cfg, "--steps", "8", "--chunk", "2000", "--batch", "4", "--val", tc.val, "-q", clips)
		if code != exitOK {
			t.Fatalf("--val %s: exit %d, %q", tc.val, code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, "train: warning: "+filepath.Join(clips, w)) {
				t.Errorf("--val %s: stderr %q lacks %q", tc.val, stderr, w)
			}
		}
		if code, _, stderr := runCmd(t, "train", "-o", out, "--steps", "16", "--resume", "-q", clips); code != exitOK {
			t.Errorf("--val %s: resume: exit %d, %q", tc.val, code, stderr)
		}
	}
}

// TestTrainWriteFailureSaysWhatWasKept: a model file that cannot be written
// (a symbolic link to /dev/full: a full disk) is a warning at each
// checkpoint and the run's error at the end, and both say, truly, that the
// checkpoint of that step was written: --resume then continues from it. A
// checkpoint that cannot be written says that none was.
func TestTrainWriteFailureSaysWhatWasKept(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	dir := t.TempDir()
	clip := trainClip(t, dir, 3000, 330)
	cfg := smallTrainConfig(t, dir)
	out := filepath.Join(dir, "m.safetensors")
	os.Symlink("/dev/full", out)
	code, _, stderr := runCmd(t, "train", "-o", out, "--force", "--config", cfg, "--steps", "6", "--chunk", "50", "--checkpoint-minutes", "1e-9", "--keep", "last", "-q", clip)
	want := "(" + filepath.Join(dir, "m.ckpt") + " of step 6 written; --resume continues from the checkpoint)"
	if code != exitError || !strings.Contains(stderr, "final checkpoint at step 6 failed") || !strings.Contains(stderr, want) ||
		!strings.Contains(stderr, "no space left on device") || !strings.Contains(stderr, "train: warning: checkpoint at step 1 failed") {
		t.Fatalf("exit %d, %q; want %q", code, stderr, want)
	}
	os.Remove(out)
	code, stdout, stderr := runCmd(t, "train", "-o", out, "--steps", "8", "--resume", clip)
	if code != exitOK || !strings.Contains(stderr, "resuming at step 6") || !strings.Contains(stdout, "8 steps") {
		t.Errorf("resume: exit %d, %q %q", code, stdout, stderr)
	}

	dir = t.TempDir()
	out = filepath.Join(dir, "m.safetensors")
	os.Symlink("/dev/full", filepath.Join(dir, "m.ckpt"))
	code, _, stderr = runCmd(t, "train", "-o", out, "--force", "--config", cfg, "--steps", "2", "--chunk", "50", "-q", clip)
	if code != exitError || !strings.Contains(stderr, "(no checkpoint was written)") {
		t.Errorf("checkpoint onto /dev/full: exit %d, %q", code, stderr)
	}
}

// TestMemoryRefusals: settings that the flags accept but that would need
// more memory than the machine has are refused before anything large is
// allocated, with the number and the flag to change. The limit is set to
// 8 GiB by WAVENET_MAX_MEMORY, so that the test does not depend on the
// machine; every case needs far more.
func TestMemoryRefusals(t *testing.T) {
	t.Setenv(maxMemoryEnv, "8GiB")
	dir := t.TempDir()
	clip := trainClip(t, dir, 3000, 330)
	deep := filepath.Join(dir, "deep.json")
	dil := strings.TrimSuffix(strings.Repeat("512,", 1023), ",")
	os.WriteFile(deep, []byte(`{"dilations":[`+dil+`]}`), 0o644)
	// B at 1 kHz is resampled a thousandfold to A's 1 MHz.
	hi := writeWAV(t, filepath.Join(dir, "1MHz.wav"), 1000000, sine(1000, 1000000, 440))
	lo := writeWAV(t, filepath.Join(dir, "1kHz.wav"), 1000, sine(3000000, 1000, 110))
	for _, tc := range []struct {
		args []string
		says []string
	}{
		{[]string{"train", "-o", filepath.Join(dir, "a.safetensors"), "--chunk", "4194304", clip},
			[]string{"for the activations of a chunk (4194304 samples)", "lower --chunk or --threads"}},
		{[]string{"train", "-o", filepath.Join(dir, "b.safetensors"), "--preset", "ibab", "--batch", "4096", clip},
			[]string{"for 4100 copies of the parameters (batch 4096 + 4)", "lower --batch"}},
		{[]string{"train", "-o", filepath.Join(dir, "c.safetensors"), "--config", deep, clip},
			[]string{"for the activations of a chunk (2000 samples)", "lower --chunk or --threads, or train a smaller model"}},
		{[]string{"bench", "-n", "100000"}, []string{"generating 100000 streams of small", "use a smaller -n"}},
		{[]string{"generate", "-n", "100000", "-o", filepath.Join(dir, "g.wav")}, []string{"generating 100000 streams", "use a smaller -n"}},
		{[]string{"compare", hi, lo}, []string{"resampled to 1000000 Hz would take about 11.2 GiB", "give the one of lower rate first"}},
	} {
		code, _, stderr := runIn(t, context.Background(), time.Minute, tc.args...)
		ok := code == exitError && strings.Contains(stderr, "the 8.0 GiB of "+maxMemoryEnv) && strings.Contains(stderr, "or raise "+maxMemoryEnv)
		for _, s := range tc.says {
			ok = ok && strings.Contains(stderr, s)
		}
		if !ok || strings.Contains(stderr, "step") {
			t.Errorf("%q: exit %d, %q; want a refusal saying %q", tc.args[:2], code, stderr, tc.says)
		}
	}
	if names := dirNames(t, dir); len(names) != 4 {
		t.Errorf("files left: %v", names)
	}
	// A malformed limit is an error; a generous one lets a run through.
	t.Setenv(maxMemoryEnv, "lots")
	if code, _, stderr := runCmd(t, "bench", "--samples", "10", "--naive-samples", "2"); code != exitError || !strings.Contains(stderr, `WAVENET_MAX_MEMORY="lots": want a size`) {
		t.Errorf("a malformed limit: exit %d, %q", code, stderr)
	}
	t.Setenv(maxMemoryEnv, "2G")
	if code, _, stderr := runCmd(t, "bench", "--samples", "10", "--naive-samples", "2", "-n", "2"); code != exitOK {
		t.Errorf("within the limit: exit %d, %q", code, stderr)
	}
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{"1000": 1000, "8GiB": 8 << 30, "8G": 8 << 30, "512MiB": 512 << 20, "1.5k": 1536, "2 TB": 2 << 40, "64kb": 64 << 10} {
		if got, err := parseSize(s); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "G", "-1G", "0", "NaN", "1e30", "8X", "lots"} {
		if got, err := parseSize(s); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", s, got)
		}
	}
}

// TestNonRegularInputs: a FIFO that no one writes, and a symbolic link to
// /dev/zero, given as each kind of input (a model, a WAV clip, a prime, a
// config, a checkpoint), are refused at once, naming the file and what it
// is, where they used to hang (ignoring signals) or read until out of
// memory.
func TestNonRegularInputs(t *testing.T) {
	dir := t.TempDir()
	fifo := mkfifo(t, filepath.Join(dir, "fifo"))
	zero := filepath.Join(dir, "zero")
	os.Symlink("/dev/zero", zero)
	clip := trainClip(t, dir, 3000, 330)
	cfg := smallTrainConfig(t, dir)
	// A run to resume, whose checkpoint then becomes the FIFO or /dev/zero.
	out := filepath.Join(dir, "m.safetensors")
	if code, _, stderr := runCmd(t, "train", "-o", out, "--config", cfg, "--steps", "1", "--chunk", "50", "-q", clip); code != exitOK {
		t.Fatalf("train: %d %q", code, stderr)
	}
	ckpt := filepath.Join(dir, "m.ckpt")
	for _, bad := range []string{fifo, zero} {
		kind := map[string]string{fifo: "a FIFO (named pipe), not a regular file", zero: "a character device, not a regular file"}[bad]
		os.Remove(ckpt)
		os.Symlink(bad, ckpt)
		for _, args := range [][]string{
			{"generate", "--model", bad, "-o", filepath.Join(dir, "g.wav")},
			{"generate", "--prime", bad, "-o", filepath.Join(dir, "g.wav")},
			{"eval", bad},
			{"eval", "--model", bad, clip},
			{"compare", clip, bad},
			{"compare", bad, clip},
			{"inspect", "--model", bad},
			{"inspect", "--effective", bad},
			{"bench", "--model", bad},
			{"train", "-o", filepath.Join(dir, "n.safetensors"), "--steps", "1", bad},
			{"train", "-o", filepath.Join(dir, "n.safetensors"), "--steps", "1", "--config", bad, clip},
			{"train", "-o", out, "--steps", "2", "--resume", clip},
		} {
			code, _, stderr := runIn(t, context.Background(), 20*time.Second, args...)
			if code != exitError || !strings.Contains(stderr, kind) {
				t.Errorf("%q: exit %d, %q; want %q", args, code, stderr, kind)
			}
		}
	}
}

// TestSignalExitCodes: every command stopped by a signal (its context
// cancelled with the signal as the cause, as main does) exits with 128 +
// the signal's number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
func TestSignalExitCodes(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 3000, 330)
	model := tinyModel(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		for _, args := range [][]string{
			{"generate", "-o", filepath.Join(dir, "g.wav")},
			{"eval", clip},
			{"compare", clip, clip},
			{"inspect", "--model", model, "--effective", clip},
			{"bench"},
		} {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(signalError{sig})
			code, stdout, stderr := runIn(t, ctx, 20*time.Second, args...)
			if code != 128+int(sig) || stdout != "" || !strings.Contains(stderr, signalError{sig}.Error()) {
				t.Errorf("%q after %v: exit %d, stdout %q, stderr %q; want %d", args, sig, code, stdout, stderr, 128+int(sig))
			}
		}
	}
}

// TestSignalStopsLongRuns sends the process a real SIGINT while eval scores
// a minute of audio, and SIGTERM while compare measures one: both stop at
// once, exiting 130 and 143 with nothing on standard output, where they used
// to finish (a quarter of a minute each) and exit 0.
func TestSignalStopsLongRuns(t *testing.T) {
	dir := t.TempDir()
	long := writeWAV(t, filepath.Join(dir, "long.wav"), 16000, sine(16000*60, 16000, 440))
	for _, tc := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGINT, []string{"eval", long}},
		{syscall.SIGTERM, []string{"compare", long, long}},
	} {
		ctx, stop := notifySignals(context.Background())
		sent := make(chan struct{})
		go func() {
			time.Sleep(300 * time.Millisecond)
			syscall.Kill(os.Getpid(), tc.sig)
			close(sent)
		}()
		code, stdout, stderr := runIn(t, ctx, time.Minute, tc.args...)
		// Release the handler only once it has the signal, whenever the
		// command ended: a signal unhandled would end the test binary.
		<-sent
		<-ctx.Done()
		stop()
		if code != 128+int(tc.sig) || stdout != "" {
			t.Errorf("%q after %v: exit %d, stdout %q, stderr %q", tc.args, tc.sig, code, stdout, stderr)
		}
	}
}

// TestTrainSignal: SIGTERM stops train after a checkpoint of the step it
// reached: it exits 143, says so, and --resume continues from there.
func TestTrainSignal(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 3000, 330)
	cfg := smallTrainConfig(t, dir)
	out := filepath.Join(dir, "m.safetensors")
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		for {
			if _, err := os.Stat(filepath.Join(dir, "m.csv")); err == nil { // a log row: training
				cancel(signalError{syscall.SIGTERM})
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	code, stdout, stderr := runIn(t, ctx, time.Minute, "train", "-o", out, "--config", cfg, "--minutes", "10", "--chunk", "50", clip)
	if code != 143 || !strings.Contains(stdout, "(interrupted; resume with --resume)") || !strings.Contains(stderr, "checkpoint written") {
		t.Fatalf("exit %d, %q, %q", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "m.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	ck, err := train.DecodeCheckpoint(b, "m.ckpt")
	if err != nil || ck.Step() < 10 {
		t.Fatalf("checkpoint: %v, step %d", err, ck.Step())
	}
	// Stopped before the first validation (step 50), -o keeps the best by
	// default and so holds the last step's model, and says so.
	if ck.Step() < train.DefaultValEvery {
		if _, err := os.Stat(out); err != nil || !strings.Contains(stdout, "no validation yet") {
			t.Errorf("stopped at step %d, before any validation: %v, result %q", ck.Step(), err, stdout)
		}
	}
	code, _, stderr = runCmd(t, "train", "-o", out, "--steps", strconv.Itoa(ck.Step()+2), "--resume", clip)
	if code != exitOK || !strings.Contains(stderr, fmt.Sprintf("resuming at step %d", ck.Step())) {
		t.Errorf("resume: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(lockPath(out)); err == nil {
		t.Error("the lock file is left")
	}
}

// TestTrainLock: a second training to the same -o while the first runs is
// refused, naming the first one's process; after the first ends, its lock
// is gone.
func TestTrainLock(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 3000, 330)
	cfg := smallTrainConfig(t, dir)
	out := filepath.Join(dir, "m.safetensors")
	ctx, cancel := context.WithCancelCause(context.Background())
	first := make(chan int, 1)
	go func() {
		var o, e bytes.Buffer
		first <- run(ctx, []string{"train", "-o", out, "--config", cfg, "--minutes", "10", "--chunk", "50", "-q", clip}, &o, &e)
	}()
	for {
		if _, err := os.Stat(filepath.Join(dir, "m.csv")); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, extra := range [][]string{{"--force"}, {"--resume"}} {
		args := append([]string{"train", "-o", out, "--steps", "5", "-q", clip}, extra...)
		code, _, stderr := runCmd(t, args...)
		want := fmt.Sprintf("%s is being trained by process %d", out, os.Getpid())
		if code != exitError || !strings.Contains(stderr, want) {
			t.Errorf("%q: exit %d, %q; want %q", extra, code, stderr, want)
		}
	}
	cancel(signalError{syscall.SIGINT})
	if code := <-first; code != 130 {
		t.Errorf("the first run: exit %d", code)
	}
	if _, err := os.Stat(lockPath(out)); err == nil {
		t.Error("the lock file is left")
	}
}

// TestStdoutWriteErrors: a full standard output (/dev/full) fails every
// command that prints a result, with status 1 and the error.
func TestStdoutWriteErrors(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	dir := t.TempDir()
	clip := trainClip(t, dir, 3000, 330)
	cfg := smallTrainConfig(t, dir)
	for _, args := range [][]string{
		{"eval", clip},
		{"eval", "--json", clip, clip},
		{"compare", clip, clip},
		{"compare", "--json", clip, clip},
		{"bench", "--samples", "10", "--naive-samples", "2", "-n", "1"},
		{"bench", "--json", "--samples", "10", "--naive-samples", "2", "-n", "1"},
		{"inspect"},
		{"inspect", "--json"},
		{"train", "-o", filepath.Join(dir, "m.safetensors"), "--config", cfg, "--steps", "2", "--chunk", "50", "-q", clip},
		{"generate", "--samples", "100", "-o", "-"},
	} {
		var stderr bytes.Buffer
		code := run(context.Background(), args, full, &stderr)
		if code != exitError || !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("%q > /dev/full: exit %d, %q", args, code, stderr.String())
		}
	}
}

// TestOddFlagValues: values that used to be quietly reinterpreted (0 taken
// for the default, NaN for no limit) or refused as failures are usage
// errors, exit 2, naming the flag, before any work.
func TestOddFlagValues(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 2000, 330)
	out := filepath.Join(dir, "m.safetensors")
	for _, tc := range []struct{ flag, value, says string }{
		{"--lr", "0", "--lr 0: want a finite rate above 0"},
		{"--lr", "NaN", "--lr NaN"},
		{"--lr", "-1", "--lr -1"},
		{"--lr", "Inf", "--lr +Inf"},
		{"--batch", "0", "--batch 0: want 1 … 4096"},
		{"--batch", "4097", "--batch 4097"},
		{"--chunk", "0", "--chunk 0: want 1 … 4194304"},
		{"--clip-norm", "0", "--clip-norm 0: want a finite norm above 0"},
		{"--lr-half-life", "-1", "--lr-half-life -1"},
		{"--val", "1", "--val 1: want below 1"},
		{"--val", "NaN", "--val NaN"},
		{"--minutes", "NaN", "--minutes NaN"},
		{"--minutes", "Inf", "--minutes +Inf"},
		{"--checkpoint-minutes", "NaN", "--checkpoint-minutes NaN"},
		{"--checkpoint-minutes", "0", "--checkpoint-minutes 0"},
		{"--checkpoint-minutes", "1e300", "--checkpoint-minutes 1e+300"},
		{"--threads", "-1", "--threads -1"},
		{"--pre-emphasis", "1", "--pre-emphasis 1: want a coefficient in [0, 1) (0: none)"},
		{"--pre-emphasis", "-0.5", "--pre-emphasis -0.5: want"},
		{"--pre-emphasis", "NaN", "--pre-emphasis NaN: want"},
		{"--gain-augment", "-3", "--gain-augment -3: want 0 (none) … 60 dB"},
		{"--gain-augment", "61", "--gain-augment 61"},
		{"--gain-augment", "NaN", "--gain-augment NaN"},
	} {
		for _, resume := range []bool{false, true} {
			args := []string{"train", "-o", out, tc.flag, tc.value, clip}
			if resume {
				args = append(args, "--resume")
			}
			code, _, stderr := runCmd(t, args...)
			if code != exitUsage || !strings.Contains(stderr, tc.says) {
				t.Errorf("%q: exit %d, %q; want 2 and %q", args, code, stderr, tc.says)
			}
		}
	}
	// A vocoder's chunks keep the clip's loudness: its frames describe it.
	if code, _, stderr := runCmd(t, "train", "-o", out, "--local", "mel", "--gain-augment", "6", clip); code != exitUsage ||
		!strings.Contains(stderr, "--gain-augment 6 with --local mel") {
		t.Errorf("--gain-augment 6 --local mel: exit %d, %q; want 2, refused", code, stderr)
	}
	for _, args := range [][]string{
		{"generate", "-o", filepath.Join(dir, "g.wav"), "--temperature", "Inf"},
		{"generate", "-o", filepath.Join(dir, "g.wav"), "--temperature", "NaN"},
		{"bench", "--naive-seconds", "Inf"},
	} {
		if code, _, stderr := runCmd(t, args...); code != exitUsage || !strings.Contains(stderr, args[len(args)-2]) {
			t.Errorf("%q: exit %d, %q; want 2", args, code, stderr)
		}
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("files left: %v", names)
	}
}

// TestModelFlagWrongKind: --model given a WAV, a checkpoint, a PNG, a .npy
// or a JSON config says what the file is (and for a checkpoint, which file
// to give), where it used to report a header length running past the end.
func TestModelFlagWrongKind(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 3000, 330)
	cfg := smallTrainConfig(t, dir)
	out := filepath.Join(dir, "m.safetensors")
	if code, _, stderr := runCmd(t, "train", "-o", out, "--config", cfg, "--steps", "10", "--chunk", "50", "-q", clip); code != exitOK {
		t.Fatalf("train: %d %q", code, stderr)
	}
	npy := filepath.Join(dir, "f.npy")
	if err := audio.WriteNpy(npy, make([]float32, 6), 2, 3); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, says string }{
		{clip, "this is a WAV file, not a model file"},
		{filepath.Join(dir, "m.ckpt"), "this is a training checkpoint, not a model file; use " + out},
		{filepath.Join(dir, "m.png"), "this is a PNG picture, not a model file"},
		{npy, "this is a NumPy .npy array, not a model file"},
		{cfg, "this is a JSON file, not a model file (.safetensors); a config goes to train --config"},
	} {
		for _, cmd := range [][]string{{"generate", "-o", filepath.Join(dir, "g.wav")}, {"eval", clip}, {"inspect"}, {"bench"}} {
			args := append([]string{cmd[0], "--model", tc.file}, cmd[1:]...)
			code, _, stderr := runCmd(t, args...)
			if code != exitError || !strings.Contains(stderr, tc.file+": "+tc.says) {
				t.Errorf("%q: exit %d, %q; want %q", args, code, stderr, tc.says)
			}
		}
	}
	// A damaged model file still gets the model reader's own message.
	b, _ := os.ReadFile(out)
	bad := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(bad, b[:len(b)-3], 0o644)
	if code, _, stderr := runCmd(t, "inspect", "--model", bad); code != exitError || strings.Contains(stderr, "this is") || !strings.Contains(stderr, bad) {
		t.Errorf("a cut model file: exit %d, %q", code, stderr)
	}
}

// TestNonFiniteModelAndTraining: a model file with a NaN weight is refused
// by every command, naming the tensor; a training step whose loss or
// gradient is not finite stops the run, saying which checkpoint is intact,
// and that checkpoint is of the last good step, with finite weights.
func TestNonFiniteModelAndTraining(t *testing.T) {
	dir := t.TempDir()
	cfg := wavenet.Config{SampleRate: 8000, QuantizationChannels: 32, InputWidth: 2, FilterWidth: 2,
		Dilations: []int{1, 2}, ResidualChannels: 4, GateChannels: 4, SkipChannels: 4, EndChannels: 4}
	m, err := wavenet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.Tensors()[3].Data[0] = float32(math.NaN())
	nan := filepath.Join(dir, "nan.safetensors")
	saveModel(t, m, nan, nil)
	clip := trainClip(t, dir, 3000, 330)
	for _, args := range [][]string{{"generate", "--model", nan, "-o", filepath.Join(dir, "g.wav")}, {"eval", "--model", nan, clip}, {"inspect", "--model", nan}} {
		code, _, stderr := runCmd(t, args...)
		if code != exitError || !strings.Contains(stderr, `tensor "`+m.Tensors()[3].Name+`" holds NaN at index 0`) {
			t.Errorf("%q: exit %d, %q", args, code, stderr)
		}
	}

	out := filepath.Join(dir, "m.safetensors")
	code, _, stderr := runCmd(t, "train", "-o", out, "--config", smallTrainConfig(t, dir), "--steps", "100", "--chunk", "50",
		"--lr", "1e30", "--checkpoint-minutes", "1e-9", "-q", clip)
	if code != exitError || !strings.Contains(stderr, "the loss or gradient is not finite") {
		t.Fatalf("exit %d, %q", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "m.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	ck, err := train.DecodeCheckpoint(b, "m.ckpt")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s of step %d is intact", filepath.Join(dir, "m.ckpt"), ck.Step()); !strings.Contains(stderr, want) ||
		!strings.Contains(stderr, fmt.Sprintf("step %d: the loss", ck.Step()+1)) {
		t.Errorf("stderr %q; want %q", stderr, want)
	}
	if _, _, err := wavenet.Load(out); err != nil {
		t.Errorf("the model of the last good step: %v", err)
	}
}

// TestGenerateInterruptKeepsTake: generate stopped by a signal mid-run
// keeps, in every stream's file, a complete WAV of the prime and the
// samples made, and says how many; standard output ends early. It exits
// 130.
func TestGenerateInterruptKeepsTake(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t)
	prime := writeWAV(t, filepath.Join(dir, "prime.wav"), 8000, sine(500, 8000, 300))
	out := filepath.Join(dir, "take.wav")
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		for {
			if b, err := os.ReadFile(tmpName(filepath.Join(dir, "take-1.wav"), os.Getpid())); err == nil && len(b) > 44+2*(500+3000) {
				cancel(signalError{syscall.SIGINT})
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	code, stdout, stderr := runIn(t, ctx, time.Minute, "generate", "--model", model, "--prime", prime, "-n", "2", "--samples", "100000000", "-o", out, "-q")
	var made int
	if i := strings.Index(stderr, "stopped after"); code != 130 || stdout != "" || i < 0 {
		t.Fatalf("exit %d, %q", code, stderr)
	} else if _, err := fmt.Sscanf(stderr[i:], "stopped after %d of 100000000 samples", &made); err != nil {
		t.Fatalf("%q: %v", stderr, err)
	}
	for _, f := range []string{"take-0.wav", "take-1.wav"} {
		x, _, err := audio.ReadFile(filepath.Join(dir, f), 0, nil)
		if err != nil || len(x) != 500+made {
			t.Errorf("%s: %d samples (%v), want %d", f, len(x), err, 500+made)
		}
	}
	if !strings.Contains(stderr, fmt.Sprintf("kept %s … %s: %d samples", filepath.Join(dir, "take-0.wav"), filepath.Join(dir, "take-1.wav"), 500+made)) {
		t.Errorf("stderr %q", stderr)
	}
	if names := dirNames(t, dir); len(names) != 3 {
		t.Errorf("files: %v", names)
	}

	// Standard output: the header declares what was asked for; the samples
	// made follow, and the stream ends.
	ctx, cancel = context.WithCancelCause(context.Background())
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		var b bytes.Buffer
		buf := make([]byte, 1<<16)
		for {
			n, err := pr.Read(buf)
			b.Write(buf[:n])
			if b.Len() > 44+20000 {
				cancel(signalError{syscall.SIGINT})
			}
			if err != nil {
				got <- b.Bytes()
				return
			}
		}
	}()
	var errb bytes.Buffer
	code = run(ctx, []string{"generate", "--model", model, "--samples", "100000000", "-o", "-", "-q"}, pw, &errb)
	pw.Close()
	b := <-got
	if code != 130 || !strings.Contains(errb.String(), "kept standard output") || len(b) < 44 || binary.LittleEndian.Uint32(b[40:]) != 200000000 || (len(b)-44)%2 != 0 {
		t.Errorf("-o -: exit %d, %q, %d bytes", code, errb.String(), len(b))
	}
}

// TestCheckpointBounded: a checkpoint larger than any can be (a sparse
// file) is refused by its size before a byte is read.
func TestCheckpointBounded(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 3000, 330)
	ckpt := filepath.Join(dir, "m.ckpt")
	f, err := os.Create(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxCheckpoint + 1); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	code, _, stderr := runIn(t, context.Background(), 20*time.Second, "train", "-o", filepath.Join(dir, "m.safetensors"), "--resume", "--steps", "2", clip)
	if code != exitError || !strings.Contains(stderr, "more than a checkpoint can be") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}
