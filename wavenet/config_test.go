package wavenet

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestPresets: the three presets of issue 2, with their receptive fields
// (1..512 once: 1025; twice: 2048; five times: 5117), all valid.
func TestPresets(t *testing.T) {
	for _, tc := range []struct {
		name           string
		layers         int
		r, g, s, e     int
		receptiveField int
	}{
		{"small", 10, 32, 32, 128, 128, 1025},
		{"medium", 20, 64, 64, 256, 256, 2048},
		{"ibab", 50, 32, 32, 512, 512, 5117},
	} {
		c, err := Preset(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if len(c.Dilations) != tc.layers || c.ResidualChannels != tc.r || c.GateChannels != tc.g ||
			c.SkipChannels != tc.s || c.EndChannels != tc.e || c.QuantizationChannels != 256 ||
			c.FilterWidth != 2 || c.InputWidth != 2 || c.SampleRate != 16000 {
			t.Errorf("%s: %+v", tc.name, c)
		}
		if got := c.ReceptiveField(); got != tc.receptiveField {
			t.Errorf("%s: receptive field %d, want %d", tc.name, got, tc.receptiveField)
		}
	}
	if _, err := Preset("large"); err == nil || !strings.Contains(err.Error(), `"large"`) || !strings.Contains(err.Error(), "small, medium, ibab") {
		t.Errorf("Preset(large): %v, want an error naming it and the choices", err)
	}
}

// TestParseConfig: missing keys take the defaults, the result round-trips
// through JSON, and every kind of bad config is refused with an error that
// names the key.
func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`{"dilations": [1, 2, 4], "filter_width": 3}`))
	if err != nil {
		t.Fatal(err)
	}
	want := defaultConfig()
	want.Dilations, want.FilterWidth = []int{1, 2, 4}, 3
	if c.JSON() != want.JSON() {
		t.Errorf("parsed %s, want %s", c.JSON(), want.JSON())
	}
	if back, err := ParseConfig([]byte(c.JSON())); err != nil || back.JSON() != c.JSON() {
		t.Errorf("JSON round trip: %v, %s", err, back.JSON())
	}
	for _, tc := range []struct{ js, want string }{
		{`{"dilations": [1], "colour": 1}`, `unknown field "colour"`},
		{`{"dilations": [1], "Sample_Rate": 8000}`, `unknown field "Sample_Rate"`},
		{`{"DILATIONS": [1]}`, `unknown field "DILATIONS"`},
		{`{"dilations": [1], "sample_rate": 8000, "sample_rate": 9000}`, `"sample_rate" is given twice`},
		{`{"dilations": [1]} {}`, "trailing data"},
		{`{"dilations": [1], "sample_rate": 8000.5}`, "sample_rate"},
		{`{"dilations": []}`, "number of dilations = 0"},
		{`null`, "number of dilations = 0"},
		{`[1]`, "config"},
		{`{"dilations": [1, -2]}`, "dilations[1] = -2"},
		{`{"dilations": [1], "residual_channels": 0}`, "residual_channels = 0"},
		{`{"dilations": [1], "quantization_channels": 1}`, "quantization_channels = 1"},
		{`{"dilations": [1], "global_classes": 3}`, "global_classes and global_channels"},
		{`{"dilations": [1], "local_hop": 80}`, "local_channels and local_hop"},
	} {
		_, err := ParseConfig([]byte(tc.js))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "wavenet: config: ") {
			t.Errorf("ParseConfig(%s): %v, want an error containing %q", tc.js, err, tc.want)
		}
	}
}

// TestValidateTotals: configs within every per-key limit but too big to run
// are refused by their totals (parameters, receptive field, generator
// history), and a config just inside each total is accepted.
func TestValidateTotals(t *testing.T) {
	base := func() Config {
		c := defaultConfig()
		c.Dilations = []int{1}
		return c
	}
	repeat := func(d, n int) []int {
		ds := make([]int, n)
		for i := range ds {
			ds[i] = d
		}
		return ds
	}
	cases := []struct {
		name string
		edit func(c *Config)
		want string // "" for valid
	}{
		{"parameters just under the limit", func(c *Config) {
			// The input conv has R·Q·W0 = 16·2^16·1023 = 2^30 − 2^20 weights;
			// everything else adds 131,158.
			c.QuantizationChannels, c.InputWidth, c.ResidualChannels = 1<<16, 1023, 16
			c.GateChannels, c.SkipChannels, c.EndChannels, c.FilterWidth = 1, 1, 1, 1
		}, ""},
		{"parameters just over the limit", func(c *Config) {
			c.QuantizationChannels, c.InputWidth, c.ResidualChannels = 1<<16, 1024, 16 // 2^30 input weights
			c.GateChannels, c.SkipChannels, c.EndChannels, c.FilterWidth = 1, 1, 1, 1
		}, "1073872982 parameters"},
		{"too many parameters", func(c *Config) {
			c.ResidualChannels, c.GateChannels, c.FilterWidth = 4096, 4096, 64 // 2·G·R·K = 2^31 per layer
		}, "parameters"},
		{"receptive field at the limit", func(c *Config) {
			c.Dilations, c.InputWidth, c.ResidualChannels = repeat(1<<10, 1023), 1<<10, 1 // 1024 + 1023·1024 = 2^20
			c.GateChannels, c.SkipChannels, c.EndChannels = 1, 1, 1
		}, ""},
		{"evaluation activations over the limit", func(c *Config) {
			c.Dilations, c.InputWidth, c.ResidualChannels = repeat(1<<10, 1023), 1<<10, 1 // RF 2^20 × 580 per position
		}, "evaluating one receptive field"},
		{"receptive field over the limit", func(c *Config) {
			c.Dilations, c.InputWidth, c.ResidualChannels = append(repeat(1<<10, 1022), 1<<10+1), 1<<10, 1
		}, "receptive field of 1048577"},
		{"history over the limit", func(c *Config) {
			c.Dilations, c.ResidualChannels = repeat(1<<19, 1), 129 // 129·2^19 > 2^26
		}, "history"},
		{"history at the limit", func(c *Config) {
			c.Dilations, c.ResidualChannels = repeat(1<<19, 1), 128
			c.SkipChannels, c.EndChannels = 1, 1
		}, ""},
	}
	for _, tc := range cases {
		c := base()
		tc.edit(&c)
		err := c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// TestReceptiveFieldMatchesForward: ReceptiveField is exactly how far back
// the forward pass sees. Changing c[t0] changes the logits at t0 and at
// t0 + RF − 1 (the farthest output that reads it) and none at t0 + RF or
// later, on configs with K = 3, W0 = 4 or 3 and mixed dilations.
func TestReceptiveFieldMatchesForward(t *testing.T) {
	for _, cfg := range []Config{oddConfig(), gradConfig()} {
		m := randomModel(t, cfg, 7)
		Q, rf := cfg.QuantizationChannels, cfg.ReceptiveField()
		rng := rand.New(rand.NewPCG(8, 9))
		const t0 = 3
		T := t0 + rf + 5
		codes := randomCodes(rng, T, Q)
		ws := NewWorkspace(m, 1, T)
		base := slices.Clone(m.Forward(ws, codes, nil))
		codes[t0] = (codes[t0] + 1) % int32(Q)
		got := m.Forward(ws, codes, nil)
		changed := func(tt int) bool { return !slices.Equal(got[tt*Q:(tt+1)*Q], base[tt*Q:(tt+1)*Q]) }
		if !changed(t0) || !changed(t0+rf-1) {
			t.Errorf("RF %d: changing c[%d] left the logits at %d or %d unchanged", rf, t0, t0, t0+rf-1)
		}
		for tt := t0 + rf; tt < T; tt++ {
			if changed(tt) {
				t.Errorf("RF %d: changing c[%d] changed the logits at %d, beyond the receptive field", rf, t0, tt)
			}
		}
	}
}
