package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// maxConfigFile bounds what train --config reads: inspect --json with
// --effective holds every layer's sensitivity lag by lag (a few MB for the
// ibab preset).
const maxConfigFile = 64 << 20

// configHelp is train's help on --config.
const configHelp = `--config FILE takes the model's shape from a JSON file in any of three forms:
  - a config object with the keys of wavenet/FORMAT.md (sample_rate,
    quantization_channels, input_width, filter_width, dilations,
    residual_channels, gate_channels, skip_channels, end_channels); keys
    left out take their defaults, unknown keys are an error;
  - what "wavenet inspect --json" prints (its "config" member is used, the
    rest, derived from it, is not read);
  - ibab/tensorflow-wavenet's wavenet_params.json, with exactly its ten keys:
    dilation_channels becomes gate_channels, skip_channels is also
    end_channels (ibab's output layers are skip_channels wide), and
    input_width is filter_width, as in ibab, whose initial_filter_width
    serves only scalar_input. scalar_input true (a raw-waveform input) and
    use_biases false (convs without biases) describe models this engine
    cannot make, and are refused; no ibab key is ignored.`

// ibabKeys returns the keys of ibab/tensorflow-wavenet's
// wavenet_params.json, all of which its train.py reads.
func ibabKeys() []string {
	return []string{"filter_width", "sample_rate", "dilations", "residual_channels", "dilation_channels",
		"quantization_channels", "skip_channels", "use_biases", "scalar_input", "initial_filter_width"}
}

// ibabParams is wavenet_params.json; a nil field was not given.
type ibabParams struct {
	FilterWidth          *int  `json:"filter_width"`
	SampleRate           *int  `json:"sample_rate"`
	Dilations            []int `json:"dilations"`
	ResidualChannels     *int  `json:"residual_channels"`
	DilationChannels     *int  `json:"dilation_channels"`
	QuantizationChannels *int  `json:"quantization_channels"`
	SkipChannels         *int  `json:"skip_channels"`
	UseBiases            *bool `json:"use_biases"`
	ScalarInput          *bool `json:"scalar_input"`
	InitialFilterWidth   *int  `json:"initial_filter_width"`
}

// readConfigFile reads train --config's file (see configHelp). Besides the
// config it returns, for a file that is not a plain config, a line saying
// how it was read.
func readConfigFile(path string) (wavenet.Config, string, error) {
	fail := func(err error) (wavenet.Config, string, error) {
		return wavenet.Config{}, "", fmt.Errorf("%s: %w", path, err)
	}
	data, err := readInput(path, maxConfigFile, "config")
	if err != nil {
		return wavenet.Config{}, "", err
	}
	members, err := jsonMembers(data)
	if err != nil {
		return fail(err)
	}
	switch {
	case members["config"] != nil:
		known := jsonNames(reflect.TypeFor[stackStats]())
		for key := range members {
			if !known[key] {
				return fail(fmt.Errorf(`it has a "config" member, as inspect --json prints, but also %q, which inspect does not print`, key))
			}
		}
		cfg, err := wavenet.ParseConfig(members["config"])
		if err != nil {
			return fail(err)
		}
		return cfg, fmt.Sprintf("%s: the config of inspect --json output (source %s)", path, jsonString(members["source"])), nil
	case slices.ContainsFunc([]string{"dilation_channels", "use_biases", "scalar_input", "initial_filter_width"},
		func(k string) bool { return members[k] != nil }):
		cfg, note, err := ibabConfig(data, members)
		if err != nil {
			return fail(fmt.Errorf("ibab/tensorflow-wavenet parameters: %w", err))
		}
		return cfg, path + ": " + note, nil
	}
	cfg, err := wavenet.ParseConfig(data)
	if err != nil {
		return fail(err)
	}
	return cfg, "", nil
}

// ibabConfig maps ibab/tensorflow-wavenet's wavenet_params.json, whose
// members are given, onto a config; the note says how.
func ibabConfig(data []byte, members map[string]json.RawMessage) (wavenet.Config, string, error) {
	for key := range members {
		if !slices.Contains(ibabKeys(), key) {
			return wavenet.Config{}, "", fmt.Errorf("%q is not a key of wavenet_params.json (its keys: %s)", key, strings.Join(ibabKeys(), ", "))
		}
	}
	var missing []string
	for _, key := range ibabKeys() {
		if members[key] == nil || string(members[key]) == "null" {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return wavenet.Config{}, "", fmt.Errorf("no %s (ibab's train.py reads all ten keys)", strings.Join(missing, ", "))
	}
	var p ibabParams
	if err := json.Unmarshal(data, &p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return wavenet.Config{}, "", fmt.Errorf("%s is %s, want %s", te.Field, te.Value, te.Type)
		}
		return wavenet.Config{}, "", err
	}
	switch {
	case *p.ScalarInput:
		return wavenet.Config{}, "", errors.New("scalar_input true: that model hears the raw waveform through an input conv of initial_filter_width taps; this engine's input is the one-hot μ-law code (input.weight is [R, Q, W0]), so set scalar_input to false")
	case !*p.UseBiases:
		return wavenet.Config{}, "", errors.New("use_biases false: that model's convs have no biases; every conv of this engine has one (input.bias, layers.{i}.filter.bias, …), so set use_biases to true to train the same shape with biases")
	}
	cfg := wavenet.Config{
		SampleRate:           *p.SampleRate,
		QuantizationChannels: *p.QuantizationChannels,
		InputWidth:           *p.FilterWidth,
		FilterWidth:          *p.FilterWidth,
		Dilations:            p.Dilations,
		ResidualChannels:     *p.ResidualChannels,
		GateChannels:         *p.DilationChannels,
		SkipChannels:         *p.SkipChannels,
		EndChannels:          *p.SkipChannels,
	}
	if err := cfg.Validate(); err != nil {
		return wavenet.Config{}, "", err
	}
	note := fmt.Sprintf("ibab/tensorflow-wavenet's wavenet_params.json: gate_channels = dilation_channels = %d, end_channels = skip_channels = %d, input_width = filter_width = %d (initial_filter_width %d serves only scalar_input)",
		cfg.GateChannels, cfg.EndChannels, cfg.InputWidth, *p.InitialFilterWidth)
	return cfg, note, nil
}

// jsonMembers splits a JSON object into its members, refusing anything but
// one object and a key given twice (encoding/json would keep the last one
// silently). Keys are exact: no case folding.
func jsonMembers(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object (it starts with %v)", tok)
	}
	members := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		key := tok.(string) // inside an object, the decoder yields keys as strings
		if members[key] != nil {
			return nil, fmt.Errorf("the key %q is given twice", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		members[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	return members, nil
}

// jsonNames returns the JSON names of struct type t's fields.
func jsonNames(t reflect.Type) map[string]bool {
	names := make(map[string]bool)
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}

// jsonString returns a JSON string's value, or the raw text if it is not a string.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw)
	}
	return s
}
