package main

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// effectiveJSON is the part of inspect --json that --effective adds.
type effectiveJSON struct {
	Effective *struct {
		Clip      string `json:"clip"`
		Samples   int    `json:"samples"`
		Positions []int  `json:"positions"`
		Layers    []struct {
			Name        string      `json:"name"`
			Field       int         `json:"field"`
			Mass        []massShare `json:"mass"`
			Sensitivity []float64   `json:"sensitivity"`
		} `json:"layers"`
		Logits struct {
			Field       int         `json:"field"`
			Mass        []massShare `json:"mass"`
			Sensitivity []float64   `json:"sensitivity"`
		} `json:"logits"`
	} `json:"effective"`
}

// TestInspectEffectiveJSON: the JSON holds the positions, every layer's
// sensitivity over its whole field (from x0: (K−1)·Σd + 1) and the logits',
// equal to wavenet.EffectiveField on the clip's codes, and 50/90/99 % lags
// that another tool recomputes from those.
func TestInspectEffectiveJSON(t *testing.T) {
	model := tinyModel(t) // dilations 1, 2, 4, K = 2: fields 2, 4, 8; 8000 Hz
	clip := writeWAV(t, filepath.Join(t.TempDir(), "clip.wav"), 8000, sine(300, 8000, 440))
	code, stdout, stderr := runCmd(t, "inspect", "--model", model, "--effective", clip, "--json")
	if code != exitOK {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	var got effectiveJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || got.Effective == nil {
		t.Fatalf("no effective object: %v\n%s", err, stdout)
	}
	e := got.Effective
	m, _, err := wavenet.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := audio.ReadFile(clip, 8000, nil)
	if err != nil {
		t.Fatal(err)
	}
	codes := audio.MuLawEncode(nil, x, m.Config.QuantizationChannels)
	pos, err := wavenet.EffectivePositions(m.Config, len(codes), 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.EffectiveField(context.Background(), codes, pos)
	if err != nil {
		t.Fatal(err)
	}
	if e.Clip != clip || e.Samples != 300 || len(e.Positions) != len(pos) || e.Positions[0] != pos[0] {
		t.Errorf("clip %q, %d samples, positions %v; want %q, 300, %v", e.Clip, e.Samples, e.Positions, clip, pos)
	}
	checkRow := func(name string, field int, mass []massShare, s, ref []float64) {
		t.Helper()
		if len(s) != field || len(ref) != field {
			t.Fatalf("%s: %d lags, field %d, want %d", name, len(s), field, len(ref))
		}
		for j := range s {
			if math.Abs(s[j]-ref[j]) > 1e-6*math.Abs(ref[j]) {
				t.Errorf("%s: s(%d) = %g, EffectiveField says %g", name, j, s[j], ref[j])
			}
		}
		if len(mass) != 3 {
			t.Fatalf("%s: %d mass shares", name, len(mass))
		}
		for k, q := range []float64{0.5, 0.9, 0.99} {
			n := wavenet.MassLag(s, q)
			if mass[k].Fraction != q || mass[k].Samples != n || mass[k].MS != float64(n)/8 ||
				mass[k].OfField != float64(n)/float64(field) {
				t.Errorf("%s: mass %+v, want %g in %d samples", name, mass[k], q, n)
			}
		}
	}
	if len(e.Layers) != 3 {
		t.Fatalf("%d layers", len(e.Layers))
	}
	for i, l := range e.Layers {
		if wantF := []int{2, 4, 8}[i]; l.Field != wantF {
			t.Errorf("%s: field %d, want %d", l.Name, l.Field, wantF)
		}
		checkRow(l.Name, l.Field, l.Mass, l.Sensitivity, want.Layers[i])
	}
	checkRow("logits", e.Logits.Field, e.Logits.Mass, e.Logits.Sensitivity, want.Logits)
}

// TestInspectEffectiveRandom: a stack without a model is measured with the
// weights train starts from with the same --seed, and the seed matters.
func TestInspectEffectiveRandom(t *testing.T) {
	clip := writeWAV(t, filepath.Join(t.TempDir(), "clip.wav"), 16000, sine(400, 16000, 220))
	stack := []string{"inspect", "--dilations", "1,2", "--residual-channels", "3", "--gate-channels", "4",
		"--skip-channels", "5", "--end-channels", "6", "--effective", clip, "--json"}
	logits := func(seed string) []float64 {
		t.Helper()
		code, stdout, stderr := runCmd(t, append(stack, "--seed", seed)...)
		var got effectiveJSON
		if code != exitOK || json.Unmarshal([]byte(stdout), &got) != nil || got.Effective == nil {
			t.Fatalf("--seed %s: exit %d, %s", seed, code, stderr)
		}
		return got.Effective.Logits.Sensitivity
	}
	a, b := logits("3"), logits("4")
	cfg, _ := wavenet.Preset("small")
	cfg.Dilations, cfg.ResidualChannels, cfg.GateChannels, cfg.SkipChannels, cfg.EndChannels = []int{1, 2}, 3, 4, 5, 6
	m, err := randomModel(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	x, _, _ := audio.ReadFile(clip, 16000, nil)
	codes := audio.MuLawEncode(nil, x, 256)
	pos, _ := wavenet.EffectivePositions(cfg, len(codes), 0)
	want, err := m.EffectiveField(context.Background(), codes, pos)
	if err != nil {
		t.Fatal(err)
	}
	same := len(a) == len(b)
	for j := range a {
		if math.Abs(a[j]-want.Logits[j]) > 1e-6*want.Logits[j] {
			t.Fatalf("--seed 3: s_out(%d) = %g, the model train starts from with seed 3 gives %g", j, a[j], want.Logits[j])
		}
		same = same && a[j] == b[j]
	}
	if same {
		t.Error("--seed 3 and --seed 4 give the same sensitivity")
	}
}

// TestInspectEffectiveTableAndPNG: the table has a row per layer and the
// logits beside their fields, and the sentence on the last layer; --png
// draws the measurement.
func TestInspectEffectiveTableAndPNG(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t)
	clip := writeWAV(t, filepath.Join(dir, "clip.wav"), 8000, sine(300, 8000, 440))
	pic := filepath.Join(dir, "field.png")
	code, stdout, stderr := runCmd(t, "inspect", "--model", model, "--effective", clip, "--positions", "5", "--png", pic)
	if code != exitOK {
		t.Fatalf("exit %d, %s", code, stderr)
	}
	for _, want := range []string{"mean over 5 positions", "50 % (samples)", "99 % (samples)", "(of field)",
		"90 % of what the last layer hears lies within the last"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	rows := map[string]string{"layers.0": "2", "layers.1": "4", "layers.2": "8", "logits": "8"}
	for _, line := range strings.Split(stdout, "\n") {
		f := strings.Fields(line)
		if len(f) == 12 {
			if field, ok := rows[f[0]]; ok {
				if f[1] != field {
					t.Errorf("%s: field %s, want %s", f[0], f[1], field)
				}
				delete(rows, f[0])
			}
		}
	}
	if len(rows) > 0 {
		t.Errorf("table lacks rows %v:\n%s", rows, stdout)
	}
	img, err := decodePNGFile(pic)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 900 || b.Dy() < 500 {
		t.Errorf("picture %v too small", b)
	}
}

func TestInspectEffectiveErrors(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t) // receptive field 9
	clip := writeWAV(t, filepath.Join(dir, "clip.wav"), 8000, sine(300, 8000, 440))
	short := writeWAV(t, filepath.Join(dir, "short.wav"), 8000, sine(9, 8000, 440))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--model", model, "--positions", "3"}, exitUsage, "--positions goes with --effective"},
		{[]string{"--preset", "small", "--seed", "3"}, exitUsage, "--seed goes with --effective"},
		{[]string{"--model", model, "--effective", clip, "--seed", "3"}, exitUsage, "a model has weights of its own"},
		{[]string{"--model", model, "--effective", clip, "--positions", "-1"}, exitUsage, "--positions -1"},
		{[]string{"--model", model, "--effective", short}, exitError, "short.wav"},
		{[]string{"--model", model, "--effective", clip, "--positions", "1000"}, exitError, "clip.wav"},
		{[]string{"--model", model, "--effective", filepath.Join(dir, "missing.wav")}, exitError, "missing.wav"},
	} {
		code, stdout, stderr := runCmd(t, append([]string{"inspect"}, tc.args...)...)
		if code != tc.code || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("inspect %q: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, stdout, stderr, tc.code, tc.want)
		}
	}
}
