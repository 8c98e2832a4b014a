package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// The built-in model is the small preset, says how it was trained, and
// generates with no flags but -o.
func TestDefaultModel(t *testing.T) {
	m, meta, name, err := loadModel("")
	if err != nil {
		t.Fatal(err)
	}
	small, _ := wavenet.Preset("small")
	c := m.Config
	if name != builtinName || c.SampleRate != small.SampleRate || !slices.Equal(c.Dilations, small.Dilations) ||
		c.ResidualChannels != small.ResidualChannels || c.SkipChannels != small.SkipChannels {
		t.Errorf("built-in model %q has config %+v, want the small preset", name, c)
	}
	var training struct {
		Steps int `json:"steps"`
	}
	if err := json.Unmarshal(meta.Training, &training); err != nil || training.Steps < 1 {
		t.Errorf("built-in model's training metadata %s (%v) lacks its steps", meta.Training, err)
	}

	out := filepath.Join(t.TempDir(), "out.wav")
	code, stdout, stderr := runCmd(t, "generate", "-o", out, "--samples", "400", "-q")
	if code != exitOK || stdout != "" || stderr != "" {
		t.Fatalf("generate -o out.wav: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	x, info, err := audio.ReadFile(out, 16000, nil)
	if err != nil || len(x) != 400 || info.SampleRate != 16000 {
		t.Errorf("out.wav: %d samples at %d Hz (%v), want 400 at 16000", len(x), info.SampleRate, err)
	}
}
