package main

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// writeStereo writes a 32-bit float stereo WAV of n frames at rate by hand
// (audio's writer is mono) and returns its path.
func writeStereoFloat(t *testing.T, path string, rate, n int) string {
	t.Helper()
	le := func(b []byte, v uint32) []byte { return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }
	h := []byte("RIFF")
	h = le(h, uint32(36+8*n))
	h = append(h, "WAVEfmt "...)
	h = le(h, 16)
	h = append(h, 3, 0, 2, 0) // IEEE float, 2 channels
	h = le(h, uint32(rate))
	h = le(h, uint32(rate*8))
	h = append(h, 8, 0, 32, 0)
	h = append(h, "data"...)
	h = le(h, uint32(8*n))
	for i := range n {
		v := math.Float32bits(float32(0.4 * math.Sin(2*math.Pi*300*float64(i)/float64(rate))))
		h = le(h, v)
		h = le(h, v)
	}
	if err := os.WriteFile(path, h, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// train on a folder says what it read of each file and what it did to it;
// a file there that cannot be read is named in a warning and skipped, and
// only an empty result is refused. A file named on the command line must be
// read.
func TestTrainFolder(t *testing.T) {
	dir := t.TempDir()
	clips := filepath.Join(dir, "clips")
	os.MkdirAll(filepath.Join(clips, "sub"), 0o755)
	writeStereoFloat(t, filepath.Join(clips, "a.wav"), 44100, 44100)
	writeWAV(t, filepath.Join(clips, "sub", "b.wav"), 16000, sine(8000, 16000, 220))
	writeFile(t, filepath.Join(clips, "bad.wav"), "not a wav file")
	writeFile(t, filepath.Join(clips, "notes.txt"), "not read: not .wav")
	// A WAV cut inside its fmt chunk.
	err := writeOutput(context.Background(), filepath.Join(clips, "sub", "cut.wav"), func(w io.Writer) error {
		aw, err := audio.NewSizedWriter(w, 16000, audio.PCM16, 0)
		if err != nil {
			return err
		}
		return aw.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	os.Truncate(filepath.Join(clips, "sub", "cut.wav"), 30)

	out := filepath.Join(dir, "m.safetensors")
	cfg := writeFile(t, filepath.Join(dir, "cfg.json"), `{"dilations":[1,2],"residual_channels":2,"gate_channels":2,"skip_channels":2,"end_channels":2}`)
	args := []string{"train", "-o", out, "--config", cfg, "--steps", "2", "--chunk", "100", "--batch", "1", clips}
	code, stdout, stderr := runCmd(t, args...)
	if code != exitOK || !strings.Contains(stdout, "2 steps") {
		t.Fatalf("train: exit %d\n%s\n%s", code, stdout, stderr)
	}
	lines := strings.Split(stderr, "\n")
	want := []string{
		"train: " + filepath.Join(clips, "a.wav") + ": 1.00 s, 44.1 kHz, stereo, 32-bit float: resampled from 44.1 kHz to 16 kHz, mixed from stereo; 16000 samples",
		"train: warning: audio: " + filepath.Join(clips, "bad.wav") + ": not a RIFF/WAVE file: it starts with \"not a wav fi\", not \"RIFF....WAVE\"; skipping it",
		"train: " + filepath.Join(clips, "sub", "b.wav") + ": 0.50 s, 16 kHz, mono, 16-bit PCM: as is; 8000 samples",
		"train: warning: audio: " + filepath.Join(clips, "sub", "cut.wav") + ": malformed WAV: fmt chunk claims 16 bytes but the file ends after 10; skipping it",
		"train: 2 of 4 files read, 2 skipped",
	}
	if len(lines) < len(want) {
		t.Fatalf("stderr:\n%s", stderr)
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d:\n%s\nwant\n%s", i, lines[i], w)
		}
	}
	if !strings.HasPrefix(lines[len(want)], "train: 2 clip(s), 24000 samples") {
		t.Errorf("after the files: %q", lines[len(want)])
	}
	_, md, err := wavenet.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	var meta struct{ Data []struct{ File string } }
	json.Unmarshal(md.Training, &meta)
	if len(meta.Data) != 2 || meta.Data[0].File != filepath.Join(clips, "a.wav") || meta.Data[1].File != filepath.Join(clips, "sub", "b.wav") {
		t.Errorf("trained on %+v, want a.wav and sub/b.wav", meta.Data)
	}

	// -q: the warnings only.
	code, _, stderr = runCmd(t, append([]string{"train", "-q", "--force"}, args[1:]...)...)
	if code != exitOK || strings.Count(stderr, "\n") != 2 || strings.Count(stderr, "train: warning: ") != 2 {
		t.Errorf("train -q: exit %d, stderr:\n%s", code, stderr)
	}

	// A file named on the command line must be read.
	code, _, stderr = runCmd(t, "train", "-o", filepath.Join(dir, "n.safetensors"), "--steps", "1", filepath.Join(clips, "sub", "b.wav"), filepath.Join(clips, "bad.wav"))
	if code != exitError || !strings.Contains(stderr, "bad.wav: not a RIFF/WAVE file") || strings.Contains(stderr, "skipping") {
		t.Errorf("a named unreadable file: exit %d, %q", code, stderr)
	}
	// A folder of nothing readable is refused, naming the files.
	junk := filepath.Join(dir, "junk")
	os.Mkdir(junk, 0o755)
	writeFile(t, filepath.Join(junk, "x.wav"), "RIFF")
	writeFile(t, filepath.Join(junk, "y.WAV"), "")
	code, _, stderr = runCmd(t, "train", "-o", filepath.Join(dir, "j.safetensors"), "--steps", "1", junk)
	if code != exitError || !strings.Contains(stderr, "no clip to train on: none of the 2 .wav files found could be read ("+filepath.Join(junk, "x.wav")+", "+filepath.Join(junk, "y.WAV")+")") {
		t.Errorf("a folder of junk: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "j.safetensors")); err == nil {
		t.Error("a refused run wrote a model")
	}
}
