package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
)

// TestMelCommand: the .npy that mel writes holds exactly what audio.Mel
// computes for the clip, [bands, frames], at the file's rate or at --rate.
func TestMelCommand(t *testing.T) {
	dir := t.TempDir()
	x := sine(3000, 16000, 440)
	in := writeWAV(t, filepath.Join(dir, "a.wav"), 16000, x)
	for _, tc := range []struct {
		args             []string
		rate, hop, bands int
	}{
		{nil, 16000, defaultHop, defaultBands},
		{[]string{"--hop", "125", "--bands", "20"}, 16000, 125, 20},
		{[]string{"--rate", "8000", "--hop", "64", "--bands", "16"}, 8000, 64, 16},
	} {
		out := filepath.Join(dir, "a.npy")
		code, stdout, stderr := runCmd(t, append([]string{"mel", in, "-o", out}, tc.args...)...)
		if code != exitOK {
			t.Fatalf("mel %q: exit %d, %q", tc.args, code, stderr)
		}
		got, rows, cols, err := audio.ReadNpy(out)
		if err != nil {
			t.Fatal(err)
		}
		clip, _, err := audio.ReadFile(in, tc.rate, nil)
		if err != nil {
			t.Fatal(err)
		}
		mel, err := audio.NewMel(tc.rate, tc.hop, tc.bands)
		if err != nil {
			t.Fatal(err)
		}
		want, nf := mel.Features(nil, clip)
		if rows != tc.bands || cols != nf || !slices.Equal(got, want) {
			t.Errorf("mel %q: [%d, %d], want [%d, %d] and audio.Mel's values", tc.args, rows, cols, tc.bands, nf)
		}
		if !strings.Contains(stdout, "frames") {
			t.Errorf("mel %q: stdout %q", tc.args, stdout)
		}
	}
}

// TestMelStdout: -o - writes the .npy to standard output, nothing else.
func TestMelStdout(t *testing.T) {
	dir := t.TempDir()
	in := writeWAV(t, filepath.Join(dir, "a.wav"), 16000, sine(1000, 16000, 440))
	code, stdout, stderr := runCmd(t, "mel", in, "-o", "-", "--bands", "10")
	if code != exitOK {
		t.Fatalf("mel -o -: exit %d, %q", code, stderr)
	}
	x, rows, cols, err := audio.DecodeNpy(strings.NewReader(stdout), int64(len(stdout)), "stdout")
	if err != nil || rows != 10 || cols != 4 || len(x) != 40 {
		t.Errorf("stdout: [%d, %d], %v", rows, cols, err)
	}
}

// TestMelErrors: usage errors, and the warning about empty bands.
func TestMelErrors(t *testing.T) {
	dir := t.TempDir()
	in := writeWAV(t, filepath.Join(dir, "a.wav"), 16000, sine(2000, 16000, 440))
	out := filepath.Join(dir, "a.npy")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"mel", in}, exitUsage, "no output given"},
		{[]string{"mel", "-o", out}, exitUsage, "want one input"},
		{[]string{"mel", in, "-o", out, "--hop", "0"}, exitUsage, "hop"},
		{[]string{"mel", in, "-o", out, "--bands", "0"}, exitUsage, "band"},
		{[]string{"mel", in, "-o", out, "--rate", "10"}, exitUsage, "--rate 10"},
		{[]string{"mel", in, "-o", in}, exitUsage, "is the input"},
		{[]string{"mel", in, "-o", out, "--model", tinyModel(t)}, exitError, "no local conditioning"},
		{[]string{"mel", in, "-o", out, "--model", "m", "--hop", "3"}, exitUsage, "--hop and --model"},
		{[]string{"mel", filepath.Join(dir, "none.wav"), "-o", out}, exitError, "none.wav"},
	} {
		code, _, stderr := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	code, _, stderr := runCmd(t, "mel", in, "-o", out, "--hop", "64")
	if code != exitOK || !strings.Contains(stderr, "warning:") || !strings.Contains(stderr, "band(s) 0, 3") {
		t.Errorf("hop 64, 80 bands at 16 kHz: exit %d, stderr %q; want a warning naming bands 0 and 3", code, stderr)
	}
}
