package wavenet

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// withGlobal and withLocal return cfg with global conditioning of 4 classes
// of 7 channels, or local conditioning of 9 channels per frame of 10
// samples: widths unlike every other, so a swapped shape shows.
func withGlobal(cfg Config) Config {
	cfg.GlobalClasses, cfg.GlobalChannels = 4, 7
	return cfg
}

func withLocal(cfg Config) Config {
	cfg.LocalChannels, cfg.LocalHop = 9, 10
	return cfg
}

// conditionedConfigs are tinyConfig plain, with global, with local and with
// both kinds of conditioning.
func conditionedConfigs() []struct {
	name string
	cfg  Config
} {
	return []struct {
		name string
		cfg  Config
	}{
		{"plain", tinyConfig()},
		{"global", withGlobal(tinyConfig())},
		{"local", withLocal(tinyConfig())},
		{"both", withLocal(withGlobal(tinyConfig()))},
	}
}

// TestLayout: the tensors of tinyConfig (Q 5, R 2, G 3, S 4, E 6, K 3, W0 2,
// two layers) with and without conditioning, written out from the table of
// FORMAT.md by hand, in the writer's order.
func TestLayout(t *testing.T) {
	type spec struct {
		name  string
		shape []int
	}
	plain := []spec{
		{"input.weight", []int{2, 5, 2}}, {"input.bias", []int{2}},
		{"layers.0.filter.weight", []int{3, 2, 3}}, {"layers.0.filter.bias", []int{3}},
		{"layers.0.gate.weight", []int{3, 2, 3}}, {"layers.0.gate.bias", []int{3}},
		{"layers.0.residual.weight", []int{2, 3, 1}}, {"layers.0.residual.bias", []int{2}},
		{"layers.0.skip.weight", []int{4, 3, 1}}, {"layers.0.skip.bias", []int{4}},
		{"layers.1.filter.weight", []int{3, 2, 3}}, {"layers.1.filter.bias", []int{3}},
		{"layers.1.gate.weight", []int{3, 2, 3}}, {"layers.1.gate.bias", []int{3}},
		{"layers.1.residual.weight", []int{2, 3, 1}}, {"layers.1.residual.bias", []int{2}},
		{"layers.1.skip.weight", []int{4, 3, 1}}, {"layers.1.skip.bias", []int{4}},
		{"output1.weight", []int{6, 4, 1}}, {"output1.bias", []int{6}},
		{"output2.weight", []int{5, 6, 1}}, {"output2.bias", []int{5}},
	}
	global := []spec{
		{"global.embedding", []int{4, 7}},
		{"layers.0.filter_global.weight", []int{3, 7, 1}}, {"layers.0.gate_global.weight", []int{3, 7, 1}},
		{"layers.1.filter_global.weight", []int{3, 7, 1}}, {"layers.1.gate_global.weight", []int{3, 7, 1}},
	}
	local := []spec{
		{"layers.0.filter_local.weight", []int{3, 9, 1}}, {"layers.0.gate_local.weight", []int{3, 9, 1}},
		{"layers.1.filter_local.weight", []int{3, 9, 1}}, {"layers.1.gate_local.weight", []int{3, 9, 1}},
	}
	want := map[string][]spec{
		"plain":  plain,
		"global": slices.Concat(plain, global),
		"local":  slices.Concat(plain, local),
		"both":   slices.Concat(plain, global, local),
	}
	for _, tc := range conditionedConfigs() {
		var got []spec
		for s := range tc.cfg.Layout() {
			got = append(got, spec{s.Name, s.Shape})
		}
		w := want[tc.name]
		if len(got) != len(w) {
			t.Errorf("%s: %d tensors, want %d", tc.name, len(got), len(w))
			continue
		}
		for i := range w {
			if got[i].name != w[i].name || !slices.Equal(got[i].shape, w[i].shape) {
				t.Errorf("%s: tensor %d is %s %v, want %s %v", tc.name, i, got[i].name, got[i].shape, w[i].name, w[i].shape)
			}
		}
	}
	// A consumer may stop the sequence anywhere.
	n := 0
	for range withLocal(withGlobal(tinyConfig())).Layout() {
		if n++; n == 23 {
			break
		}
	}
}

// TestLayoutRoles: Role, Bias and Layer say what each name says, the same
// for every config.
func TestLayoutRoles(t *testing.T) {
	names := map[Role]string{
		RoleInput: "input", RoleFilter: "filter", RoleGate: "gate", RoleResidual: "residual", RoleSkip: "skip",
		RoleOutput1: "output1", RoleOutput2: "output2", RoleEmbedding: "global.embedding",
		RoleFilterGlobal: "filter_global", RoleGateGlobal: "gate_global", RoleFilterLocal: "filter_local", RoleGateLocal: "gate_local",
	}
	seen := map[Role]bool{}
	for s := range withLocal(withGlobal(tinyConfig())).Layout() {
		seen[s.Role] = true
		prefix := ""
		if s.Layer >= 0 {
			prefix = fmt.Sprintf("layers.%d.", s.Layer)
		}
		want := prefix + names[s.Role]
		switch {
		case s.Role == RoleEmbedding:
		case s.Bias:
			want += ".bias"
		default:
			want += ".weight"
		}
		if s.Name != want {
			t.Errorf("%s has role %d, bias %v, layer %d: that is %s", s.Name, s.Role, s.Bias, s.Layer, want)
		}
	}
	if len(seen) != len(names) {
		t.Errorf("the layout has %d roles, want %d", len(seen), len(names))
	}
}

// TestModelViews: New's model is its layout over one allocation. The tensors
// tile Params in layout order, and each named view (convs with their
// shapes and dilations, the conditioning projections, the embedding) is the
// tensor of its name.
func TestModelViews(t *testing.T) {
	for _, tc := range conditionedConfigs() {
		cfg := tc.cfg
		cfg.Dilations = []int{1, 4} // distinct dilations, to check each conv's
		m := newModel(cfg)
		ts := m.Tensors()
		specs := slices.Collect(cfg.Layout())
		if len(ts) != len(specs) {
			t.Fatalf("%s: %d tensors, layout %d", tc.name, len(ts), len(specs))
		}
		off := 0
		for i, tn := range ts {
			if tn.Name != specs[i].Name || !slices.Equal(tn.Shape, specs[i].Shape) || len(tn.Data) != tn.Size() {
				t.Errorf("%s: tensor %d is %s %v with %d values, layout %s %v", tc.name, i, tn.Name, tn.Shape, len(tn.Data), specs[i].Name, specs[i].Shape)
			}
			if &tn.Data[0] != &m.Params[off] {
				t.Errorf("%s: %s does not start at Params[%d]", tc.name, tn.Name, off)
			}
			off += len(tn.Data)
		}
		if off != len(m.Params) || off != ParamCount(cfg) {
			t.Errorf("%s: tensors cover %d values, Params has %d, ParamCount %d", tc.name, off, len(m.Params), ParamCount(cfg))
		}

		views := map[string][]float32{}
		type conv struct {
			name                      string
			w, b                      []float32
			in, out, width, dilation  int
			gotIn, gotOut, gotW, gotD int
		}
		Q, R, G, S, E, K := cfg.QuantizationChannels, cfg.ResidualChannels, cfg.GateChannels, cfg.SkipChannels, cfg.EndChannels, cfg.FilterWidth
		all := []conv{
			{"input", m.Input.Weight, m.Input.Bias, Q, R, cfg.InputWidth, 1, m.Input.In, m.Input.Out, m.Input.Width, m.Input.Dilation},
			{"output1", m.Output1.Weight, m.Output1.Bias, S, E, 1, 1, m.Output1.In, m.Output1.Out, m.Output1.Width, m.Output1.Dilation},
			{"output2", m.Output2.Weight, m.Output2.Bias, E, Q, 1, 1, m.Output2.In, m.Output2.Out, m.Output2.Width, m.Output2.Dilation},
		}
		for i, ly := range m.Layers {
			p, d := fmt.Sprintf("layers.%d.", i), cfg.Dilations[i]
			all = append(all,
				conv{p + "filter", ly.Filter.Weight, ly.Filter.Bias, R, G, K, d, ly.Filter.In, ly.Filter.Out, ly.Filter.Width, ly.Filter.Dilation},
				conv{p + "gate", ly.Gate.Weight, ly.Gate.Bias, R, G, K, d, ly.Gate.In, ly.Gate.Out, ly.Gate.Width, ly.Gate.Dilation},
				conv{p + "residual", ly.Residual.Weight, ly.Residual.Bias, G, R, 1, 1, ly.Residual.In, ly.Residual.Out, ly.Residual.Width, ly.Residual.Dilation},
				conv{p + "skip", ly.Skip.Weight, ly.Skip.Bias, G, S, 1, 1, ly.Skip.In, ly.Skip.Out, ly.Skip.Width, ly.Skip.Dilation})
			for name, v := range map[string][]float32{
				"filter_global": ly.FilterGlobal, "gate_global": ly.GateGlobal,
				"filter_local": ly.FilterLocal, "gate_local": ly.GateLocal,
			} {
				if v != nil {
					views[p+name+".weight"] = v
				}
			}
		}
		for _, c := range all {
			views[c.name+".weight"], views[c.name+".bias"] = c.w, c.b
			if c.gotIn != c.in || c.gotOut != c.out || c.gotW != c.width || c.gotD != c.dilation {
				t.Errorf("%s: %s is in %d out %d width %d dilation %d, want %d %d %d %d", tc.name, c.name,
					c.gotIn, c.gotOut, c.gotW, c.gotD, c.in, c.out, c.width, c.dilation)
			}
		}
		if m.Embedding != nil {
			views["global.embedding"] = m.Embedding
		}
		if len(views) != len(ts) {
			t.Errorf("%s: %d views are set, the layout has %d tensors", tc.name, len(views), len(ts))
		}
		for _, tn := range ts {
			v := views[tn.Name]
			if len(v) != len(tn.Data) || &v[0] != &tn.Data[0] || cap(v) != len(v) {
				t.Errorf("%s: the view of %s is not its tensor (or may grow into the next)", tc.name, tn.Name)
			}
		}
	}
}

// TestParamCountConditioned: ParamCount is the sum of the shapes of
// FORMAT.md's table, written out here as formulas, conditioning included.
func TestParamCountConditioned(t *testing.T) {
	small := mustPreset(t, "small")
	mel := small
	mel.LocalChannels, mel.LocalHop = 80, 256
	speakers := small
	speakers.GlobalClasses, speakers.GlobalChannels = 10, 16
	both := mel
	both.GlobalClasses, both.GlobalChannels = 10, 16
	for _, cfg := range []Config{small, mel, speakers, both, tinyConfig(), withGlobal(tinyConfig()), withLocal(withGlobal(tinyConfig()))} {
		Q, R, G, S, E, K, W0 := cfg.QuantizationChannels, cfg.ResidualChannels, cfg.GateChannels, cfg.SkipChannels, cfg.EndChannels, cfg.FilterWidth, cfg.InputWidth
		L, N, Cg, Cl := len(cfg.Dilations), cfg.GlobalClasses, cfg.GlobalChannels, cfg.LocalChannels
		want := R*Q*W0 + R +
			L*(2*(G*R*K+G)+R*G+R+S*G+S) +
			E*S + E + Q*E + Q +
			N*Cg + L*2*G*Cg + L*2*G*Cl
		if got := ParamCount(cfg); got != want {
			t.Errorf("%s: ParamCount %d, want %d", cfg.JSON(), got, want)
		}
	}
	if got := ParamCount(both) - ParamCount(small); got != 10*16+10*2*32*16+10*2*32*80 {
		t.Errorf("conditioning adds %d parameters to small", got)
	}
}

// TestValidateCountsConditioning: the parameter bound counts the
// conditioning tensors. The config below has 2^30 − 2^20 input weights and
// 144,163 other parameters, under the limit of 2^30; 2^20 embedding weights,
// or 2^21 local projection weights, take it over.
func TestValidateCountsConditioning(t *testing.T) {
	c := defaultConfig()
	c.Dilations = []int{1}
	c.QuantizationChannels, c.InputWidth, c.ResidualChannels = 1<<16, 1023, 16 // 2^30 − 2^20 input weights
	c.GateChannels, c.SkipChannels, c.EndChannels, c.FilterWidth = 256, 1, 1, 1
	if err := c.Validate(); err != nil {
		t.Fatalf("unconditioned: %v", err)
	}
	if n := ParamCount(c); n != 1<<30-1<<20+144163 {
		t.Fatalf("unconditioned: %d parameters", n)
	}
	global := c
	global.GlobalClasses, global.GlobalChannels = 256, 4096 // 2^20 embedding weights, 2^21 projection weights
	err := global.Validate()
	if want := fmt.Sprintf("%d parameters", ParamCount(global)); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("global conditioning past the limit: %v, want an error containing %q", err, want)
	}
	global.GlobalClasses, global.GlobalChannels = 1, 1 // 513 more: still under
	if err := global.Validate(); err != nil {
		t.Errorf("global conditioning under the limit: %v", err)
	}
	local := c
	local.LocalChannels, local.LocalHop = 4096, 256 // 2·G·Cl = 2^21 projection weights
	if err := local.Validate(); err == nil || !strings.Contains(err.Error(), "parameters") {
		t.Errorf("local conditioning past the limit: %v, want a parameter error", err)
	}
	local.LocalChannels = 1 // 512 more: still under
	if err := local.Validate(); err != nil {
		t.Errorf("local conditioning under the limit: %v", err)
	}
}

// TestConditionedRoundTrip: a conditioned model written by Encode passes
// the reader's layout checks and reads back bit for bit, through the
// public reader too, and New accepts its config.
func TestConditionedRoundTrip(t *testing.T) {
	for _, tc := range conditionedConfigs() {
		m := newModel(tc.cfg)
		RandomInit(m, rand.New(rand.NewPCG(5, 6)))
		file := encodeModel(t, m, []byte(`{"classes":["a","b","c","d"]}`))
		got, md, err := Decode(file)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.Config.JSON() != tc.cfg.JSON() || !sameBits(got.Params, m.Params) || string(md.Training) != `{"classes":["a","b","c","d"]}` {
			t.Errorf("%s: the round trip changed the model", tc.name)
		}
		if again := encodeModel(t, got, md.Training); !bytes.Equal(again, file) {
			t.Errorf("%s: re-encoding changed the file", tc.name)
		}
		if _, err := New(tc.cfg); err != nil {
			t.Errorf("%s: New: %v", tc.name, err)
		}
	}
}

// TestDecodeMostTensors: a model of the most layers a config may have,
// with both kinds of conditioning, has the most tensors a file may list,
// and reads back.
func TestDecodeMostTensors(t *testing.T) {
	cfg := Config{SampleRate: 8000, QuantizationChannels: 2, InputWidth: 1, FilterWidth: 1,
		ResidualChannels: 1, GateChannels: 1, SkipChannels: 1, EndChannels: 1,
		GlobalClasses: 1, GlobalChannels: 1, LocalChannels: 1, LocalHop: 1}
	for range maxLayers {
		cfg.Dilations = append(cfg.Dilations, 1)
	}
	if n := len(slices.Collect(cfg.Layout())); n != maxTensors {
		t.Fatalf("the largest layout has %d tensors, maxTensors is %d", n, maxTensors)
	}
	m := newModel(cfg)
	RandomInit(m, rand.New(rand.NewPCG(1, 1)))
	file := encodeModel(t, m, nil)
	got, _, err := decode(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(got.Params, m.Params) {
		t.Error("params differ after the round trip")
	}
	// Unconditioned, through the public reader.
	cfg.GlobalClasses, cfg.GlobalChannels, cfg.LocalChannels, cfg.LocalHop = 0, 0, 0, 0
	file = encodeModel(t, filledModel(t, cfg, 2), nil)
	if _, _, err := Decode(file); err != nil {
		t.Errorf("a model of %d layers: %v", maxLayers, err)
	}
}

// TestRandomInit: every tensor is drawn (none left zero), biases small,
// weights at unit fan-in scale, and a conditioned model's unconditioned
// part is the unconditioned model of the same seed.
func TestRandomInit(t *testing.T) {
	plain := mustPreset(t, "small")
	cond := plain
	cond.GlobalClasses, cond.GlobalChannels, cond.LocalChannels, cond.LocalHop = 10, 16, 80, 256
	a, b := newModel(plain), newModel(cond)
	RandomInit(a, rand.New(rand.NewPCG(3, 3)))
	RandomInit(b, rand.New(rand.NewPCG(3, 3)))
	if !sameBits(a.Params, b.Params[:len(a.Params)]) {
		t.Error("the conditioned model's unconditioned part differs from the unconditioned model")
	}
	for _, tn := range b.Tensors() {
		var ss float64
		for _, v := range tn.Data {
			ss += float64(v) * float64(v)
		}
		sd := math.Sqrt(ss / float64(len(tn.Data)))
		want := 0.05
		switch {
		case tn.Role == RoleEmbedding:
			want = 1
		case !tn.Bias:
			want = 1 / math.Sqrt(float64(tn.Shape[1]*tn.Shape[2]))
		}
		// Within 5 standard errors of the sample sd, plus a floor for the
		// smallest tensors.
		if tol := 5*want/math.Sqrt(2*float64(len(tn.Data))) + 1e-9; math.Abs(sd-want) > tol {
			t.Errorf("%s: sd %.4f, want %.4f ± %.4f", tn.Name, sd, want, tol)
		}
	}
}
