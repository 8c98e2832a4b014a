package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
)

// A length that no WAV file holds is refused with the real bound, in
// samples and in seconds at the model's rate, before anything is written.
func TestGenerateLengthBound(t *testing.T) {
	model := tinyModel(t) // 8 kHz
	dir := t.TempDir()
	out := filepath.Join(dir, "out.wav")
	prime := writeWAV(t, filepath.Join(dir, "prime.wav"), 8000, sine(100, 8000, 200))
	pcm, float := audio.PCM16.MaxSamples(), audio.Float32.MaxSamples()
	if pcm != (1<<32-1-58)/2 || float != (1<<32-1-58)/4 {
		t.Fatalf("MaxSamples: PCM16 %d, Float32 %d", pcm, float)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--seconds", "1e7"}, fmt.Sprintf("--seconds 1e+07: 80000000000 samples at the model's 8000 Hz; a 16-bit WAV file holds at most %d samples, %.0f s at 8000 Hz", pcm, float64(pcm)/8000)},
		{[]string{"--seconds", "1e7", "--float"}, fmt.Sprintf("a 32-bit float WAV file holds at most %d samples, %.0f s at 8000 Hz", float, float64(float)/8000)},
		{[]string{"--seconds", "+Inf"}, "a 16-bit WAV file holds at most"},
		{[]string{"--samples", fmt.Sprint(pcm + 1)}, fmt.Sprintf("--samples %d: a 16-bit WAV file holds at most %d samples", pcm+1, pcm)},
		{[]string{"--samples", fmt.Sprint(pcm), "--prime", prime}, fmt.Sprintf("at most %d samples, %.0f s at 8000 Hz, the prime's 100 included", pcm, float64(pcm)/8000)},
		{[]string{"--seconds", "0"}, "--seconds 0: want more than 0"},
		{[]string{"--seconds", "NaN"}, "--seconds NaN: want more than 0"},
	} {
		args := append([]string{"generate", "--model", model, "-o", out, "-q"}, tc.args...)
		code, stdout, stderr := runCmd(t, args...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, stdout, stderr, exitUsage, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused run wrote %s", out)
	}
	// The bound itself is accepted: the largest length that fits, as
	// --seconds rounds it, is checked, not generated (-o /dev/null would
	// still take hours), so only the arithmetic is tested here.
	o := &generateOptions{seconds: float64(pcm-100) / 8000}
	if n, err := generateLength(false, o, 8000, audio.PCM16, 100); err != nil || int64(n) != pcm-100 {
		t.Errorf("--seconds at the bound: %d samples, %v; want %d", n, err, pcm-100)
	}
	o.seconds = float64(pcm-99) / 8000
	if _, err := generateLength(false, o, 8000, audio.PCM16, 100); err == nil {
		t.Error("one sample past the bound was accepted")
	}
}
