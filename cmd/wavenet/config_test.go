package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// ibabParamsJSON is ibab/tensorflow-wavenet's wavenet_params.json as its
// repository ships it (the default model: five stacks of 1 … 512).
const ibabParamsJSON = `{
    "filter_width": 2,
    "sample_rate": 16000,
    "dilations": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
                  1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
                  1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
                  1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
                  1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    "residual_channels": 32,
    "dilation_channels": 32,
    "quantization_channels": 256,
    "skip_channels": 512,
    "use_biases": true,
    "scalar_input": false,
    "initial_filter_width": 32
}
`

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ibab's own default parameters are the ibab preset, receptive field 5117
// as ibab computes it for scalar_input false.
func TestConfigIbabDefault(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "wavenet_params.json"), ibabParamsJSON)
	cfg, note, err := readConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := wavenet.Preset("ibab")
	if !reflect.DeepEqual(cfg, want) || cfg.ReceptiveField() != 5117 {
		t.Errorf("ibab's wavenet_params.json read as %+v (field %d), want the ibab preset %+v", cfg, cfg.ReceptiveField(), want)
	}
	for _, s := range []string{"wavenet_params.json", "gate_channels = dilation_channels = 32", "end_channels = skip_channels = 512", "input_width = filter_width = 2"} {
		if !strings.Contains(note, s) {
			t.Errorf("note %q lacks %q", note, s)
		}
	}
}

// ibab parameters of another shape map key by key; what this engine cannot
// make, and keys ibab does not have, are refused with the reason.
func TestConfigIbabMapping(t *testing.T) {
	dir := t.TempDir()
	params := func(edit func(map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(ibabParamsJSON), &m); err != nil {
			t.Fatal(err)
		}
		m["dilations"] = []int{1, 2, 4, 1, 2}
		m["filter_width"] = 3
		m["residual_channels"] = 6
		m["dilation_channels"] = 7
		m["skip_channels"] = 9
		m["quantization_channels"] = 64
		m["sample_rate"] = 8000
		edit(m)
		b, _ := json.Marshal(m)
		return writeFile(t, filepath.Join(dir, "params.json"), string(b))
	}
	cfg, _, err := readConfigFile(params(func(map[string]any) {}))
	want := wavenet.Config{SampleRate: 8000, QuantizationChannels: 64, InputWidth: 3, FilterWidth: 3, Dilations: []int{1, 2, 4, 1, 2},
		ResidualChannels: 6, GateChannels: 7, SkipChannels: 9, EndChannels: 9}
	if err != nil || !reflect.DeepEqual(cfg, want) {
		t.Errorf("got %+v (%v), want %+v", cfg, err, want)
	}
	// train says how it read the file, and trains that shape.
	clip := writeWAV(t, filepath.Join(dir, "clip.wav"), 8000, sine(3000, 8000, 300))
	out := filepath.Join(dir, "m.safetensors")
	code, _, stderr := runCmd(t, "train", "-o", out, "--config", params(func(map[string]any) {}), "--steps", "2", "--chunk", "50", "--batch", "1", clip)
	if m, _, err := wavenet.Load(out); code != exitOK || err != nil || !reflect.DeepEqual(m.Config, want) ||
		!strings.Contains(stderr, "train: "+filepath.Join(dir, "params.json")+": ibab/tensorflow-wavenet's wavenet_params.json: gate_channels = dilation_channels = 7") {
		t.Errorf("train --config params.json: exit %d, %v\n%s", code, err, stderr)
	}
	for _, tc := range []struct {
		edit func(map[string]any)
		want string
	}{
		{func(m map[string]any) { m["scalar_input"] = true }, "scalar_input true: that model hears the raw waveform"},
		{func(m map[string]any) { m["use_biases"] = false }, "use_biases false: that model's convs have no biases"},
		{func(m map[string]any) { m["l2_regularization_strength"] = 0.0 }, `"l2_regularization_strength" is not a key of wavenet_params.json`},
		{func(m map[string]any) { delete(m, "skip_channels"); delete(m, "sample_rate") }, "no sample_rate, skip_channels (ibab's train.py reads all ten keys)"},
		{func(m map[string]any) { m["sample_rate"] = nil }, "no sample_rate"},
		{func(m map[string]any) { m["dilation_channels"] = "32" }, "dilation_channels is string, want int"},
		{func(m map[string]any) { m["dilations"] = []int{} }, "number of dilations = 0"},
	} {
		path := params(tc.edit)
		_, _, err := readConfigFile(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), path+": ibab/tensorflow-wavenet parameters: ") {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

// What inspect --json prints, for a stack, a preset or a trained model
// (training metadata and all), trains a model of that config; so does its
// "config" member alone.
func TestConfigFromInspectJSON(t *testing.T) {
	dir := t.TempDir()
	clip := writeWAV(t, filepath.Join(dir, "clip.wav"), 8000, sine(3000, 8000, 300))
	train := func(cfgFile, out string) wavenet.Config {
		t.Helper()
		code, _, stderr := runCmd(t, "train", "-o", out, "--config", cfgFile, "--steps", "2", "--chunk", "50", "--batch", "1", "--force", clip)
		if code != exitOK {
			t.Fatalf("train --config %s: exit %d, %s", cfgFile, code, stderr)
		}
		m, _, err := wavenet.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		return m.Config
	}
	code, stdout, _ := runCmd(t, "inspect", "--dilations", "1,2,4", "--filter-width", "3", "--input-width", "1", "--sample-rate", "8000",
		"--residual-channels", "3", "--gate-channels", "4", "--skip-channels", "5", "--end-channels", "6", "--quantization-channels", "32", "--json")
	if code != exitOK {
		t.Fatal("inspect failed")
	}
	want := wavenet.Config{SampleRate: 8000, QuantizationChannels: 32, InputWidth: 1, FilterWidth: 3, Dilations: []int{1, 2, 4},
		ResidualChannels: 3, GateChannels: 4, SkipChannels: 5, EndChannels: 6}
	stack := writeFile(t, filepath.Join(dir, "stack.json"), stdout)
	m1 := filepath.Join(dir, "m1.safetensors")
	if got := train(stack, m1); !reflect.DeepEqual(got, want) {
		t.Errorf("from inspect --json of a stack: %+v, want %+v", got, want)
	}

	// The trained model's inspect --json, with its training metadata.
	_, stdout, _ = runCmd(t, "inspect", "--model", m1, "--json")
	if !strings.Contains(stdout, `"training"`) {
		t.Fatalf("inspect --model --json has no training member:\n%s", stdout)
	}
	whole := writeFile(t, filepath.Join(dir, "whole.json"), stdout)
	if got := train(whole, filepath.Join(dir, "m2.safetensors")); !reflect.DeepEqual(got, want) {
		t.Errorf("from inspect --json of a model: %+v, want %+v", got, want)
	}
	var obj struct{ Config json.RawMessage }
	json.Unmarshal([]byte(stdout), &obj)
	member := writeFile(t, filepath.Join(dir, "member.json"), string(obj.Config))
	if got := train(member, filepath.Join(dir, "m3.safetensors")); !reflect.DeepEqual(got, want) {
		t.Errorf("from the config member: %+v, want %+v", got, want)
	}

	_, stdout, _ = runCmd(t, "inspect", "--preset", "medium", "--json")
	cfg, note, err := readConfigFile(writeFile(t, filepath.Join(dir, "medium.json"), stdout))
	medium, _ := wavenet.Preset("medium")
	if err != nil || !reflect.DeepEqual(cfg, medium) || !strings.Contains(note, "inspect --json output (source preset medium)") {
		t.Errorf("inspect --preset medium --json: %+v, %q, %v", cfg, note, err)
	}
}

func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ text, want string }{
		{`{"config": {"dilations": [1, 2]}, "layers": [], "colour": "red"}`, `also "colour", which inspect does not print`},
		{`{"config": {"dilations": [1, 2], "Sample_Rate": 8000}}`, `unknown field "Sample_Rate"`},
		{`{"dilations": [1, 2], "dilations": [1]}`, `the key "dilations" is given twice`},
		{`{"dilations": [1, 2]} {}`, "trailing data"},
		{`[1, 2]`, "not a JSON object"},
		{`{"dilations": [1, 2]`, "not JSON"},
		{`{"dilations": [1, 2], "colour": 1}`, `unknown field "colour"`},
	} {
		path := writeFile(t, filepath.Join(dir, "c.json"), tc.text)
		_, _, err := readConfigFile(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), path+": ") {
			t.Errorf("%s: got %v, want %q", tc.text, err, tc.want)
		}
	}
	if _, _, err := readConfigFile(filepath.Join(dir, "none.json")); err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("missing file: %v", err)
	}
	// train says so, with exit status 1, and writes nothing.
	clip := writeWAV(t, filepath.Join(dir, "clip.wav"), 16000, sine(3000, 16000, 300))
	params := writeFile(t, filepath.Join(dir, "params.json"), strings.Replace(ibabParamsJSON, `"scalar_input": false`, `"scalar_input": true`, 1))
	out := filepath.Join(dir, "m.safetensors")
	code, _, stderr := runCmd(t, "train", "-o", out, "--config", params, "--steps", "1", clip)
	if code != exitError || !strings.Contains(stderr, "params.json: ibab/tensorflow-wavenet parameters: scalar_input true") {
		t.Errorf("train with scalar_input: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused config left a model")
	}
}
