package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// eval's help says why a score can pass 8 bits, and the built-in model
// really does so on a sound it did not learn.
func TestEvalExplainsScoresAbove8Bits(t *testing.T) {
	_, help, _ := runCmd(t, "eval", "-h")
	for _, want := range []string{"above 8 bits", "confident and wrong", "log2(Q)"} {
		if !strings.Contains(help, want) {
			t.Errorf("eval -h lacks %q", want)
		}
	}
	noise := make([]float32, 4000)
	for i := range noise {
		noise[i] = float32((i*7919)%2001-1000) / 2000 // a deterministic, noise-like sawtooth of period 2001
	}
	clip := writeWAV(t, filepath.Join(t.TempDir(), "noise.wav"), 16000, noise)
	code, stdout, stderr := runCmd(t, "eval", "--json", clip)
	var r evalResult
	if err := json.Unmarshal([]byte(stdout), &r); code != exitOK || err != nil {
		t.Fatalf("eval: exit %d, %v, %q, %q", code, err, stdout, stderr)
	}
	if r.BitsPerSample <= 8 {
		t.Errorf("the built-in model scores %.2f bits on noise, not above 8 as its help says", r.BitsPerSample)
	}
}
