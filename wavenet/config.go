// Package wavenet is the WaveNet model: its configuration, its parameters in
// one float32 allocation with named views, the teacher-forced forward and
// backward passes, cached generation, and model files.
//
// FORMAT.md, beside this package's source, defines what a model computes and
// how its file is laid out: the config keys, μ-law, the forward pass and
// receptive field, incremental generation, global and local conditioning
// (with the frame alignment and the log-mel features), the safetensors file
// and its tensors, and this engine's limits. Code that disagrees with it has
// a bug.
//
// Shapes use these letters: N streams or batch items, T time steps, Q μ-law
// classes, R residual, G gate, S skip and E end channels, K filter width, W0
// input width; for conditioning Cg the width of a class's embedding, Cl the
// values of a frame, H the samples per frame and F the frames of a
// sequence.
package wavenet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/wavenet-go/wavenet-go/causal"
)

// Config is the model's hyper-parameters, with the JSON keys of FORMAT.md.
type Config struct {
	SampleRate           int   `json:"sample_rate"`           // Hz
	QuantizationChannels int   `json:"quantization_channels"` // Q, μ-law classes
	InputWidth           int   `json:"input_width"`           // W0, taps of the input conv
	FilterWidth          int   `json:"filter_width"`          // K, taps of each dilated conv
	Dilations            []int `json:"dilations"`             // one entry per layer
	ResidualChannels     int   `json:"residual_channels"`     // R
	GateChannels         int   `json:"gate_channels"`         // G, each half of the gated unit
	SkipChannels         int   `json:"skip_channels"`         // S
	EndChannels          int   `json:"end_channels"`          // E

	// Conditioning, optional; zero means none (FORMAT.md, "Conditioning";
	// a sequence's class and frames are a Cond).
	GlobalClasses  int `json:"global_classes,omitempty"`
	GlobalChannels int `json:"global_channels,omitempty"`
	LocalChannels  int `json:"local_channels,omitempty"`
	LocalHop       int `json:"local_hop,omitempty"`
}

// Limits that keep a config, and so the allocation it implies, sane. A file
// whose config exceeds them is refused before anything is allocated.
const (
	maxChannels = 4096
	maxLayers   = 1024
	maxDilation = 1 << 20
	maxWidth    = 1024
	// Sample rates the audio package reads and writes (its MinRate and
	// MaxRate), so that a model that loads can also be used on audio.
	minRate = 1000
	maxRate = 1000000

	maxQuantized = 1 << 16

	// The per-key limits above still allow configs far too big to run (10^13
	// parameters, a receptive field of 2^30 samples), so the totals are
	// bounded too. They are computed in int64, so that they cannot overflow
	// an int on 32-bit platforms.
	maxParams         = 1 << 30 // float32 parameters: 4 GiB, the largest file Load reads
	maxReceptiveField = 1 << 20 // samples: over a minute at 16 kHz (the ibab preset needs 5117)
	maxHistory        = 1 << 26 // float32s of generator history per stream, R·Σ d_i·(K−1): 256 MiB
	// maxFieldActivations bounds RF × evalWidth, the activations an
	// evaluation pass holds for one receptive field: 2 GiB of float32 (the
	// ibab preset needs 7.7 M).
	maxFieldActivations = 1 << 29
)

// defaultConfig holds the values that a key missing from a file takes.
func defaultConfig() Config {
	return Config{
		SampleRate:           16000,
		QuantizationChannels: 256,
		InputWidth:           2,
		FilterWidth:          2,
		ResidualChannels:     32,
		GateChannels:         32,
		SkipChannels:         128,
		EndChannels:          128,
	}
}

// Presets are the named configurations, all at 16 kHz with Q = 256, K = 2, W0 = 2.
var presetNames = []string{"small", "medium", "ibab"}

// PresetNames lists the names Preset accepts.
func PresetNames() []string { return slices.Clone(presetNames) }

// Preset returns a named configuration:
//
//	small:  dilations 1..512 once,       R = G = 32, S = E = 128
//	medium: dilations 1..512 twice,      R = G = 64, S = E = 256
//	ibab:   dilations 1..512 five times, R = G = 32, S = E = 512 (ibab/tensorflow-wavenet's default)
func Preset(name string) (Config, error) {
	c := defaultConfig()
	switch name {
	case "small":
		c.Dilations = powersOfTwo(10, 1)
	case "medium":
		c.Dilations = powersOfTwo(10, 2)
		c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels = 64, 64, 256, 256
	case "ibab":
		c.Dilations = powersOfTwo(10, 5)
		c.SkipChannels, c.EndChannels = 512, 512
	default:
		return Config{}, fmt.Errorf("wavenet: unknown preset %q (want one of %s)", name, strings.Join(presetNames, ", "))
	}
	return c, nil
}

// powersOfTwo returns 1, 2, …, 2^(n−1), repeated stacks times.
func powersOfTwo(n, stacks int) []int {
	d := make([]int, 0, n*stacks)
	for s := 0; s < stacks; s++ {
		for i := 0; i < n; i++ {
			d = append(d, 1<<i)
		}
	}
	return d
}

// ParseConfig decodes a config from JSON: unknown keys are an error, missing
// keys take the defaults of the small preset's shape (16 kHz, Q = 256, K = W0 = 2,
// R = G = 32, S = E = 128), and the result is validated. Keys match exactly:
// a key spelled in another case ("Sample_Rate") is unknown, and a key given
// twice is an error, where encoding/json alone would accept both.
func ParseConfig(data []byte) (Config, error) {
	c := defaultConfig()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("wavenet: config: %w", err)
	}
	if dec.More() {
		return Config{}, fmt.Errorf("wavenet: config: trailing data after the JSON object")
	}
	if err := checkConfigKeys(data); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// checkConfigKeys refuses what encoding/json lets through in a config object
// that data already decoded from: a key that names a field only
// case-insensitively (other readers, the PyTorch reference among them, match
// keys exactly, so they would read such a file differently) and a key given
// twice (encoding/json keeps the last one silently).
func checkConfigKeys(data []byte) error {
	known := make(map[string]bool)
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil // null: ParseConfig's Decode accepted it and Validate judges the defaults
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("wavenet: config: %w", err)
		}
		key := tok.(string) // inside an object, the decoder yields keys as strings
		switch {
		case !known[key]:
			return fmt.Errorf("wavenet: config: unknown field %q (the keys are those of wavenet/FORMAT.md, in lower case)", shortName(key))
		case seen[key]:
			return fmt.Errorf("wavenet: config: the key %q is given twice", key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("wavenet: config: %w", err)
		}
	}
	return nil
}

// Validate reports the first problem with c, or nil: a key out of its range,
// or totals beyond what this engine can run (2^30 parameters, a receptive
// field of 2^20 samples, 2^26 values of generator history per stream, 2^29
// activations for one receptive field of evaluation), as the limits of
// wavenet/FORMAT.md state them.
func (c Config) Validate() error {
	check := func(name string, v, lo, hi int) error {
		if v < lo || v > hi {
			return fmt.Errorf("wavenet: config: %s = %d, want %d..%d", name, v, lo, hi)
		}
		return nil
	}
	for _, e := range []error{
		check("sample_rate", c.SampleRate, minRate, maxRate),
		check("quantization_channels", c.QuantizationChannels, 2, maxQuantized),
		check("input_width", c.InputWidth, 1, maxWidth),
		check("filter_width", c.FilterWidth, 1, maxWidth),
		check("residual_channels", c.ResidualChannels, 1, maxChannels),
		check("gate_channels", c.GateChannels, 1, maxChannels),
		check("skip_channels", c.SkipChannels, 1, maxChannels),
		check("end_channels", c.EndChannels, 1, maxChannels),
		check("number of dilations", len(c.Dilations), 1, maxLayers),
		check("global_classes", c.GlobalClasses, 0, maxChannels*16),
		check("global_channels", c.GlobalChannels, 0, maxChannels),
		check("local_channels", c.LocalChannels, 0, maxChannels),
		check("local_hop", c.LocalHop, 0, maxReceptiveField),
	} {
		if e != nil {
			return e
		}
	}
	for i, d := range c.Dilations {
		if err := check(fmt.Sprintf("dilations[%d]", i), d, 1, maxDilation); err != nil {
			return err
		}
	}
	if (c.GlobalClasses == 0) != (c.GlobalChannels == 0) {
		return fmt.Errorf("wavenet: config: global_classes and global_channels must be set together")
	}
	if (c.LocalChannels == 0) != (c.LocalHop == 0) {
		return fmt.Errorf("wavenet: config: local_channels and local_hop must be set together")
	}
	if n := paramCount(c); n > maxParams {
		return fmt.Errorf("wavenet: config: %d parameters, more than the %d a model may have", n, int64(maxParams))
	}
	var past int64 // Σ d_i·(K−1): the history of the dilated layers
	for _, d := range c.Dilations {
		past += int64(d) * int64(c.FilterWidth-1)
	}
	if rf := int64(c.InputWidth) + past; rf > maxReceptiveField {
		return fmt.Errorf("wavenet: config: receptive field of %d samples, more than the %d allowed", rf, maxReceptiveField)
	}
	if h := past * int64(c.ResidualChannels); h > maxHistory {
		return fmt.Errorf("wavenet: config: generation would keep %d values of history per stream (residual_channels × Σ dilations·(filter_width − 1)), more than the %d allowed", h, maxHistory)
	}
	if a := (int64(c.InputWidth) + past) * c.evalWidth(); a > maxFieldActivations {
		return fmt.Errorf("wavenet: config: evaluating one receptive field would hold %d activations, more than the %d allowed", a, maxFieldActivations)
	}
	return nil
}

// evalWidth is the number of float32 activations an evaluation pass keeps
// per position: two residual buffers, tanh and sigmoid halves, im2col, skip,
// end and logits, 2R + 2G + R·K + S + E + Q.
func (c Config) evalWidth() int64 {
	R, G := int64(c.ResidualChannels), int64(c.GateChannels)
	return 2*R + 2*G + R*int64(c.FilterWidth) + int64(c.SkipChannels) + int64(c.EndChannels) + int64(c.QuantizationChannels)
}

// Conditioned reports whether c asks for global or local conditioning.
func (c Config) Conditioned() bool { return c.GlobalChannels > 0 || c.LocalChannels > 0 }

// ReceptiveField is the number of past codes, the current one included, that
// one output sees: (W0 − 1) + Σ d_i·(K − 1) + 1.
func (c Config) ReceptiveField() int {
	return causal.ReceptiveField(c.InputWidth, c.FilterWidth, c.Dilations)
}

// JSON returns c as the compact JSON object stored in a model file's
// metadata: the struct's own encoding, with FORMAT.md's keys and the
// conditioning keys left out when zero.
func (c Config) JSON() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a struct of ints cannot fail to marshal
	}
	return string(b)
}
