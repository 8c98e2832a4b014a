package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wavenet-go/wavenet-go/audio"
)

// writeString writes s to the output name through writeOutput.
func writeString(name, s string) error {
	return writeOutput(context.Background(), name, func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	})
}

// dirNames lists a directory's entries.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestOutputAtomic: nothing reaches the path before Commit; Abort, a failed
// write and a done context leave the old file whole, with no temporary
// file; an existing file's permissions are kept.
func TestOutputAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.wav")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o640) // whatever the umask

	o, err := createOutput(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(o, "new")
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("before Commit the file holds %q", b)
	}
	if names := dirNames(t, dir); len(names) != 2 || names[0] != ".out.wav"+tmpMarker+strconv.Itoa(os.Getpid()) {
		t.Errorf("while writing, the directory holds %v", names)
	}
	o.Abort()
	if err := o.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("after Abort the file holds %q", b)
	}

	full := errors.New("no space left on device")
	err = writeOutput(context.Background(), path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return full
	})
	if !errors.Is(err, full) {
		t.Errorf("a failed write: %v, want its error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("after a failed write the file holds %q", b)
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	o, err = createOutput(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(o, "interrupted")
	cancel(errors.New("SIGTERM"))
	// The temporary file goes when the context is done, before any Commit.
	deadline := time.Now().Add(5 * time.Second)
	for len(dirNames(t, dir)) != 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("after the context is done the directory holds %v", names)
	}
	if err := o.Commit(); err == nil || !strings.Contains(err.Error(), "SIGTERM") || !strings.Contains(err.Error(), path) {
		t.Errorf("Commit after the context is done: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("after an interrupt the file holds %q", b)
	}

	if err := writeString(path, "new"); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if b, _ := os.ReadFile(path); string(b) != "new" || fi.Mode().Perm() != 0o640 {
		t.Errorf("after Commit: %q, mode %v; want \"new\", 0640 as before", b, fi.Mode().Perm())
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("after Commit the directory holds %v", names)
	}
}

// TestOutputDevice: /dev/null is written straight, and stays a device (as
// root, a rename would have replaced it with a regular file).
func TestOutputDevice(t *testing.T) {
	if err := writeString(os.DevNull, "data"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(os.DevNull)
	if err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("%s after writing: %v, %v; want a character device", os.DevNull, fi.Mode(), err)
	}
	// As an output of generate, twice, and through a symbolic link.
	link := filepath.Join(t.TempDir(), "null")
	if err := os.Symlink(os.DevNull, link); err != nil {
		t.Fatal(err)
	}
	model := tinyModel(t)
	code, _, stderr := runCmd(t, "generate", "--model", model, "--samples", "300", "-o", os.DevNull, "--png", link)
	if code != exitOK {
		t.Errorf("generate -o /dev/null --png link-to-/dev/null: exit %d, %s", code, stderr)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("%s after generate: %v, %v", os.DevNull, fi.Mode(), err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link after generate: %v, %v", fi.Mode(), err)
	}
}

// TestOutputFIFO: a FIFO is written straight (a reader gets the bytes and
// the FIFO stays a FIFO); with no reader, the writer waits until its
// context is done.
func TestOutputFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan string)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if err := writeString(fifo, "through the pipe"); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Errorf("the reader got %q", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("after writing: %v, %v; want a FIFO", fi.Mode(), err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("the directory holds %v", names)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := createOutput(ctx, fifo); err == nil || !strings.Contains(err.Error(), "no reader") {
		t.Errorf("a FIFO without a reader: %v", err)
	}

	// generate into the FIFO: the reader gets a whole WAV.
	model := tinyModel(t)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if code, _, stderr := runCmd(t, "generate", "--model", model, "--samples", "300", "-o", fifo); code != exitOK {
		t.Errorf("generate -o FIFO: exit %d, %s", code, stderr)
	}
	if s := <-got; len(s) != 44+2*300 || !strings.HasPrefix(s, "RIFF") {
		t.Errorf("the reader got %d bytes, want a 644-byte WAV", len(s))
	}
}

// TestOutputSymlink: a symbolic link is followed (its target is replaced
// atomically, the link stays), a dangling one creates its target, and a
// loop is refused.
func TestOutputSymlink(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	target := filepath.Join(sub, "real.wav")
	os.WriteFile(target, []byte("old"), 0o600)
	link := filepath.Join(dir, "link.wav")
	if err := os.Symlink("sub/real.wav", link); err != nil {
		t.Fatal(err)
	}
	if err := writeString(link, "new"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link after writing: %v, %v", fi.Mode(), err)
	}
	tfi, _ := os.Stat(target)
	if b, _ := os.ReadFile(target); string(b) != "new" || tfi.Mode().Perm() != 0o600 {
		t.Errorf("the target holds %q, mode %v; want \"new\", 0600", b, tfi.Mode().Perm())
	}
	if names := dirNames(t, sub); len(names) != 1 {
		t.Errorf("the target's directory holds %v", names)
	}

	dangling := filepath.Join(dir, "dangling.wav")
	os.Symlink("sub/new.wav", dangling)
	if err := writeString(dangling, "made"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(sub, "new.wav")); string(b) != "made" {
		t.Errorf("a dangling link's target holds %q", b)
	}

	loop := filepath.Join(dir, "loop")
	os.Symlink("loop", loop)
	if err := writeString(loop, "x"); err == nil || !strings.Contains(err.Error(), "symbolic links") {
		t.Errorf("a link loop: %v", err)
	}
	if err := writeString(sub, "x"); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory: %v", err)
	}
}

// TestOutputStaleTemp: the temporary files of dead processes (and one of
// this process's id, left by an earlier holder of it) are removed when the
// same file is next written; a live process's is left alone.
func TestOutputStaleTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.wav")
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip(err)
	}
	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { live.Process.Kill(); live.Wait() }()
	stale := func(pid int) string { return tmpName(path, pid) }
	for _, pid := range []int{dead.Process.Pid, os.Getpid(), live.Process.Pid} {
		os.WriteFile(stale(pid), []byte("left"), 0o644)
	}
	other := filepath.Join(dir, ".other.wav"+tmpMarker+strconv.Itoa(dead.Process.Pid))
	os.WriteFile(other, nil, 0o644)
	if err := writeString(path, "new"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		kept bool
	}{{stale(dead.Process.Pid), false}, {stale(os.Getpid()), false}, {stale(live.Process.Pid), true}, {other, true}} {
		if _, err := os.Stat(tc.path); (err == nil) != tc.kept {
			t.Errorf("%s: kept %v, want %v", filepath.Base(tc.path), err == nil, tc.kept)
		}
	}
}

// TestCheckOutputs: outputs that are inputs or each other are refused (by
// inode for existing files, through hard and symbolic links; by path for
// new ones); /dev/null may be named twice; an output that cannot be
// created is refused before any work.
func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.wav")
	os.WriteFile(in, []byte("input"), 0o644)
	hard := filepath.Join(dir, "hard.wav")
	os.Link(in, hard)
	soft := filepath.Join(dir, "soft.wav")
	os.Symlink("in.wav", soft)
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		inputs, outputs []string
		want            string // "" for no error
	}{
		{[]string{in}, []string{filepath.Join(dir, "out.wav")}, ""},
		{[]string{in}, []string{in}, "is the input"},
		{[]string{in}, []string{hard}, "is the input"},
		{[]string{in}, []string{soft}, "is the input"},
		{[]string{soft}, []string{dir + "/./in.wav"}, "is the input"},
		{nil, []string{filepath.Join(dir, "new.wav"), dir + "/sub/../new.wav"}, "are the same file"},
		{nil, []string{os.DevNull, os.DevNull}, ""},
		{nil, []string{filepath.Join(dir, "missing", "out.wav")}, "cannot be written"},
		{nil, []string{filepath.Join(file, "out.wav")}, "not a directory"},
		{nil, []string{dir}, "is a directory"},
	} {
		err := checkOutputs(tc.inputs, tc.outputs)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("inputs %v, outputs %v: %v, want %q", tc.inputs, tc.outputs, err, tc.want)
		}
	}
	if names := dirNames(t, dir); len(names) != 4 {
		t.Errorf("the checks left %v", names)
	}
	if b, _ := os.ReadFile(in); string(b) != "input" {
		t.Errorf("the input holds %q", b)
	}
}

// TestOutputCollisions: generate and train refuse, before any work and
// with a usage error, an output that is one of their inputs or another of
// their outputs, and leave every file as it was.
func TestOutputCollisions(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t)
	clip := trainClip(t, dir, 2000, 330)
	prime := writeWAV(t, filepath.Join(dir, "prime.wav"), 8000, sine(300, 8000, 440))
	cfg := filepath.Join(dir, "cfg.json")
	os.WriteFile(cfg, []byte(`{"dilations":[1,2],"residual_channels":4,"gate_channels":4,"skip_channels":8,"end_channels":8}`), 0o644)
	hard := filepath.Join(dir, "hard.wav")
	os.Link(clip, hard)
	before := map[string][]byte{}
	for _, f := range []string{model, clip, prime, cfg} {
		before[f], _ = os.ReadFile(f)
	}
	m := filepath.Join(dir, "m.safetensors")
	for _, args := range [][]string{
		{"generate", "--model", model, "-o", model},
		{"generate", "--model", model, "-o", filepath.Join(dir, "x.wav"), "--png", model},
		{"generate", "--model", model, "--prime", prime, "-o", prime},
		{"generate", "--model", model, "-o", filepath.Join(dir, "x.wav"), "--png", filepath.Join(dir, "x.wav")},
		{"generate", "--model", model, "-n", "2", "-o", filepath.Join(dir, "t.wav"), "--png", filepath.Join(dir, "t-1.wav")},
		{"train", "-o", clip, "--steps", "1", clip},
		{"train", "-o", hard, "--steps", "1", clip},
		{"train", "-o", filepath.Join(dir, "clip.ckpt"), "--steps", "1", dir},
		{"train", "-o", filepath.Join(dir, "m.png"), "--steps", "1", clip},
		{"train", "-o", filepath.Join(dir, "m.csv"), "--steps", "1", clip},
		{"train", "-o", filepath.Join(dir, "m.ckpt"), "--steps", "1", clip},
		{"train", "-o", cfg, "--config", cfg, "--steps", "1", clip},
	} {
		code, _, stderr := runCmd(t, args...)
		if code != exitUsage || !(strings.Contains(stderr, "is the input") || strings.Contains(stderr, "are the same file")) {
			t.Errorf("%q: exit %d, %q; want a usage error naming the collision", args, code, stderr)
		}
	}
	for f, b := range before {
		if now, _ := os.ReadFile(f); string(now) != string(b) {
			t.Errorf("%s changed", f)
		}
	}
	if _, err := os.Stat(m); err == nil {
		t.Errorf("a refused run wrote %s", m)
	}
}

// TestTrainOutputsChecked: a new run does not replace an earlier run's
// model (with or without its checkpoint) unless --force is given, and an
// output that cannot be written is refused before the first step.
func TestTrainOutputsChecked(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 2000, 330)
	cfg := filepath.Join(dir, "cfg.json")
	os.WriteFile(cfg, []byte(`{"dilations":[1,2],"residual_channels":4,"gate_channels":4,"skip_channels":8,"end_channels":8}`), 0o644)
	out := filepath.Join(dir, "m.safetensors")
	os.WriteFile(out, []byte("a model the user has"), 0o644)
	args := []string{"train", "-o", out, "--config", cfg, "--steps", "2", "--chunk", "50", clip}
	code, stdout, stderr := runCmd(t, args...)
	if code != exitError || !strings.Contains(stderr, "--force") || stdout != "" {
		t.Errorf("a new run over a model without a checkpoint: exit %d, %q", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "a model the user has" {
		t.Errorf("the model was replaced")
	}
	if code, _, stderr := runCmd(t, append(args, "--force")...); code != exitOK {
		t.Fatalf("--force: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCmd(t, args...)
	if code != exitError || !strings.Contains(stderr, "--resume") || !strings.Contains(stderr, "--force") {
		t.Errorf("a new run over a model and checkpoint: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCmd(t, append(args, "--force", "--resume")...); code != exitUsage {
		t.Errorf("--force --resume: exit %d, %q", code, stderr)
	}

	missing := filepath.Join(dir, "no", "such", "dir", "m.safetensors")
	code, _, stderr = runCmd(t, "train", "-o", missing, "--config", cfg, "--steps", "2", "--chunk", "50", clip)
	if code != exitError || !strings.Contains(stderr, "cannot be written") || strings.Contains(stderr, "step") {
		t.Errorf("into a missing directory: exit %d, %q; want a refusal before any step", code, stderr)
	}
}

// TestSignalKeepsPartialTake sends the process a real SIGHUP while
// generate writes, through main's signal handling: generate stops, exits
// 129, says what it kept, and the output is a complete WAV of the samples
// made, with no temporary file left.
func TestSignalKeepsPartialTake(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "long.wav")
	ctx, stop := notifySignals(context.Background())
	defer stop()
	done := make(chan string)
	go func() {
		var stdout, stderr bytes.Buffer
		code := run(ctx, []string{"generate", "-o", out, "--seconds", "600"}, &stdout, &stderr)
		done <- strconv.Itoa(code) + " " + stderr.String()
	}()
	tmp := tmpName(out, os.Getpid())
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(tmp); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("generate never started writing")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // generating now
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	var res string
	select {
	case res = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("generate did not stop on SIGHUP")
	}
	var made, kept int
	if _, err := fmt.Sscanf(res[strings.Index(res, "stopped after"):], "stopped after %d of 9600000 samples; kept "+out+": %d samples", &made, &kept); err != nil ||
		!strings.HasPrefix(res, "129 ") || !strings.Contains(res, "stopped by hangup") {
		t.Fatalf("after SIGHUP: %q (%v)", res, err)
	}
	x, info, err := audio.ReadFile(out, 0, io.Discard)
	if err != nil || len(x) != kept || info.Frames != kept || kept != made || made == 0 {
		t.Errorf("kept %d samples of %d made, the file holds %d (%v)", kept, made, len(x), err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("left behind: %v", names)
	}
}

// TestGenerateStdoutPipeSox: generate --samples 16000 -o - into a pipe, as
// the help's example runs it, writes exact sizes: sox reads it without
// "Premature EOF" (skipped where sox is not installed).
func TestGenerateStdoutPipeSox(t *testing.T) {
	sox, err := exec.LookPath("sox")
	if err != nil {
		t.Skip("sox not installed")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sox, "-t", "wav", "-", "-n", "stat")
	cmd.Stdin = r
	var soxErr strings.Builder
	cmd.Stderr = &soxErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	var stderr strings.Builder
	code := run(context.Background(), []string{"generate", "--samples", "16000", "-o", "-"}, w, &stderr)
	w.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sox: %v: %s", err, soxErr.String())
	}
	if code != exitOK {
		t.Fatalf("generate: exit %d, %s", code, stderr.String())
	}
	if s := soxErr.String(); strings.Contains(s, "Premature EOF") || strings.Contains(s, "WARN") || !regexp.MustCompile(`Samples read: +16000\n`).MatchString(s) {
		t.Errorf("sox says %q", s)
	}
}
