package main

import (
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

func TestInspectJSONFields(t *testing.T) {
	// The example: K=3, W0=1, dilations 1, 2, 4 → 3, 7, 15.
	code, stdout, stderr := runCmd(t, "inspect", "--dilations", "1,2,4", "--filter-width", "3",
		"--input-width", "1", "--sample-rate", "16000", "--json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var got struct {
		ReceptiveField *int `json:"receptive_field"`
		Parameters     int  `json:"parameters"`
		Layers         []struct {
			Name           string `json:"name"`
			Dilation       *int   `json:"dilation"`
			ReceptiveField *int   `json:"receptive_field"`
		} `json:"layers"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, stdout)
	}
	if got.ReceptiveField == nil || *got.ReceptiveField != 15 {
		t.Errorf("receptive_field = %v, want 15", got.ReceptiveField)
	}
	wantNames := []string{"input", "layers.0", "layers.1", "layers.2", "output"}
	wantField := []int{1, 3, 7, 15, 15}
	wantDil := []int{1, 1, 2, 4, 1}
	if len(got.Layers) != len(wantNames) {
		t.Fatalf("%d layers, want %d", len(got.Layers), len(wantNames))
	}
	for i, l := range got.Layers {
		if l.Name != wantNames[i] || l.Dilation == nil || *l.Dilation != wantDil[i] ||
			l.ReceptiveField == nil || *l.ReceptiveField != wantField[i] {
			t.Errorf("layer %d = %s d=%v rf=%v, want %s d=%d rf=%d", i, l.Name, l.Dilation,
				l.ReceptiveField, wantNames[i], wantDil[i], wantField[i])
		}
	}
	cfg, _ := wavenet.Preset("small")
	cfg.FilterWidth, cfg.InputWidth, cfg.Dilations = 3, 1, []int{1, 2, 4}
	if want := wavenet.ParamCount(cfg); got.Parameters != want {
		t.Errorf("parameters = %d, want ParamCount %d", got.Parameters, want)
	}
}

func TestInspectPresets(t *testing.T) {
	for _, name := range wavenet.PresetNames() {
		cfg, _ := wavenet.Preset(name)
		st := computeStats(name, cfg)
		if st.Parameters != wavenet.ParamCount(cfg) {
			t.Errorf("%s: %d parameters, ParamCount says %d", name, st.Parameters, wavenet.ParamCount(cfg))
		}
		if st.ReceptiveField != cfg.ReceptiveField() {
			t.Errorf("%s: receptive field %d, config says %d", name, st.ReceptiveField, cfg.ReceptiveField())
		}
	}
	// Small: 1..512 once, K = W0 = 2 → 1025; ibab: five stacks → 5117.
	for name, want := range map[string]string{"small": "1025", "ibab": "5117"} {
		code, stdout, _ := runCmd(t, "inspect", "--preset", name)
		last := strings.Fields(lastLine(stdout))
		if code != exitOK || len(last) < 2 || last[0] != "total" || last[1] != want {
			t.Errorf("inspect --preset %s: exit %d, last line %q; want total %s", name, code, last, want)
		}
	}
}

// TestInspectCountsConditioning: a conditioned stack's parameters are its
// layout's, the conditioning tensors in rows of their own ("global": the
// embedding and the layers' global projections; "local": the local ones)
// with their cost, and the rows add up to the total; the table and the
// classes of a model file show.
func TestInspectCountsConditioning(t *testing.T) {
	plain, _ := wavenet.Preset("small")
	cfg := plain
	cfg.GlobalClasses, cfg.GlobalChannels, cfg.LocalChannels, cfg.LocalHop = 10, 16, 80, 256
	st, base := computeStats("conditioned", cfg), computeStats("plain", plain)
	if st.Parameters != wavenet.ParamCount(cfg) {
		t.Errorf("%d parameters, ParamCount says %d", st.Parameters, wavenet.ParamCount(cfg))
	}
	if len(st.Layers) != len(base.Layers)+2 {
		t.Fatalf("%d rows, want the %d of the plain stack and global and local", len(st.Layers), len(base.Layers))
	}
	sum := 0
	for i, l := range st.Layers {
		sum += l.Parameters
		if i < len(base.Layers) {
			if l.Parameters != base.Layers[i].Parameters || l.MACs != base.Layers[i].MACs {
				t.Errorf("%s: %d parameters, %d mult-adds; the plain stack's %+v", l.Name, l.Parameters, l.MACs, base.Layers[i])
			}
		}
	}
	if g := st.row("global"); g.Parameters != 10*16+10*2*32*16 || g.MACs != 0 || g.MACsPerStream != 10*2*32*16 {
		t.Errorf("global row %+v", g)
	}
	if l := st.row("local"); l.Parameters != 10*2*32*80 || l.MACsPerFrame != 10*2*32*80 || l.MACs != 200 {
		t.Errorf("local row %+v", l)
	}
	if sum != st.Parameters || st.MACs != base.MACs+200 {
		t.Errorf("rows add up to %d parameters, the total is %d; %d mult-adds a sample (plain %d)", sum, st.Parameters, st.MACs, base.MACs)
	}

	model := condModel(t, []string{"piano", "guitar"}, 6, 40)
	code, stdout, stderr := runCmd(t, "inspect", "--model", model)
	if code != exitOK || !strings.Contains(stdout, "2 classes (piano (0), guitar (1))") || !strings.Contains(stdout, "a frame every 40 samples") ||
		!strings.Contains(stdout, "0 (per stream)") {
		t.Errorf("inspect a conditioned model: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runCmd(t, "inspect", "--model", model, "--json")
	var got stackStats
	if code != exitOK || json.Unmarshal([]byte(stdout), &got) != nil || !slices.Equal(got.Classes, []string{"piano", "guitar"}) || got.row("local").MACsPerFrame != 3*2*5*6 {
		t.Errorf("--json: exit %d, %s", code, stdout)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestInspectModelShowsTraining(t *testing.T) {
	cfg := wavenet.Config{SampleRate: 8000, QuantizationChannels: 16, InputWidth: 2, FilterWidth: 2,
		Dilations: []int{1, 2}, ResidualChannels: 3, GateChannels: 4, SkipChannels: 5, EndChannels: 6}
	m, err := wavenet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wavenet.RandomInit(m, rand.New(rand.NewPCG(1, 2)))
	path := filepath.Join(t.TempDir(), "m.safetensors")
	saveModel(t, m, path, json.RawMessage(`{"steps":12,"loss_bits":3.5}`))
	code, stdout, stderr := runCmd(t, "inspect", "--model", path)
	if code != exitOK || !strings.Contains(stdout, `"steps":12`) || !strings.Contains(stdout, "8000 Hz") {
		t.Fatalf("exit %d, stdout %s, stderr %s", code, stdout, stderr)
	}
	code, stdout, _ = runCmd(t, "inspect", "--model", path, "--json")
	var got struct {
		Training       map[string]any `json:"training"`
		ReceptiveField int            `json:"receptive_field"`
	}
	if code != exitOK || json.Unmarshal([]byte(stdout), &got) != nil || got.Training["steps"] != 12.0 || got.ReceptiveField != 5 {
		t.Errorf("--json: exit %d, %s", code, stdout)
	}

	code, _, stderr = runCmd(t, "inspect", "--model", filepath.Join(t.TempDir(), "missing.safetensors"))
	if code != exitError || !strings.Contains(stderr, "missing.safetensors") {
		t.Errorf("missing model: exit %d, stderr %q", code, stderr)
	}
}

func TestInspectPNG(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--dilations", "1,2,4,8"}, // the paper's Figure 3
		{"--preset", "small"},      // deep: diagram and field plot
		{"--dilations", "1", "--filter-width", "1", "--input-width", "1"}, // degenerate
	} {
		path := filepath.Join(dir, "stack.png")
		code, _, stderr := runCmd(t, append([]string{"inspect", "--png", path}, args...)...)
		if code != exitOK {
			t.Fatalf("%q: exit %d, %s", args, code, stderr)
		}
		img, err := decodePNGFile(path)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 150 {
			t.Errorf("%q: image %v too small", args, b)
		}
	}
	code, _, stderr := runCmd(t, "inspect", "--preset", "small", "--png", filepath.Join(dir, "no", "such", "dir.png"))
	if code != exitError || !strings.Contains(stderr, "dir.png") {
		t.Errorf("unwritable png: exit %d, %q", code, stderr)
	}
}

func TestInspectUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--preset", "huge"},
		{"--preset", "small", "--dilations", "1,2"},
		{"--filter-width", "3"},
		{"--dilations", "1,0"},
		{"--dilations", "1,x"},
		{"--dilations", "1", "--filter-width", "0"},
		{"stray"},
	} {
		code, stdout, stderr := runCmd(t, append([]string{"inspect"}, args...)...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, "wavenet inspect") {
			t.Errorf("inspect %q: exit %d, stdout %q, stderr %q; want exit 2", args, code, stdout, stderr)
		}
	}
}

func TestHelpExplainsFlags(t *testing.T) {
	code, stdout, _ := runCmd(t, "inspect", "-h")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--dilations", "--filter-width int", "(default 2)", "--png", "Hz"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect -h lacks %q:\n%s", want, stdout)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, min float64
		want        string
	}{
		{0, 2, 0, "0.0 0.2 0.4 0.6 0.8 1.0 1.2 1.4 1.6 1.8 2.0"},
		{0, 30, 0, "0 5 10 15 20 25 30"},
		{0, 4, 1, "0 1 2 3 4"},
		{0, 50, 1, "0 5 10 15 20 25 30 35 40 45 50"},
	} {
		var got []string
		for _, tk := range (niceTicks{min: tc.min}).Ticks(tc.lo, tc.hi) {
			got = append(got, tk.Label)
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("ticks(%v, %v, min %v) = %q, want %q", tc.lo, tc.hi, tc.min, s, tc.want)
		}
	}
}
