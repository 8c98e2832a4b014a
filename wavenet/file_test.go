package wavenet

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// tinyConfig is a small config with every width different, so that a
// transposed shape cannot pass for the right one.
func tinyConfig() Config {
	return Config{
		SampleRate: 8000, QuantizationChannels: 5, InputWidth: 2, FilterWidth: 3,
		Dilations: []int{1, 2}, ResidualChannels: 2, GateChannels: 3, SkipChannels: 4, EndChannels: 6,
	}
}

// filledModel returns a model of cfg with every parameter drawn from a seeded RNG.
func filledModel(t testing.TB, cfg Config, seed uint64) *Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range m.Params {
		m.Params[i] = float32(rng.NormFloat64())
	}
	return m
}

func encodeModel(t testing.TB, m *Model, training json.RawMessage) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := m.Encode(&b, Metadata{Training: training}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// splitFile returns the header of a model file as a generic JSON object and its data section.
func splitFile(t *testing.T, file []byte) (map[string]any, []byte) {
	t.Helper()
	n := binary.LittleEndian.Uint64(file)
	var h map[string]any
	if err := json.Unmarshal(file[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	return h, slices.Clone(file[8+n:])
}

// joinFile assembles a model file from a raw header and a data section.
func joinFile(hdr, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	return append(append(out, hdr...), data...)
}

func joinJSON(t *testing.T, h map[string]any, data []byte) []byte {
	t.Helper()
	hdr, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return joinFile(hdr, data)
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      Config
		training json.RawMessage
	}{
		{"tiny", tinyConfig(), nil},
		{"tiny+training", tinyConfig(), json.RawMessage(`{"steps":12,"loss_bits":3.25,"data":"a \"quoted\" name.wav","seed":7}`)},
		{"small", mustPreset(t, "small"), json.RawMessage(`[1,2,3]`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := filledModel(t, tc.cfg, 3)
			file := encodeModel(t, m, tc.training)
			hdrLen := binary.LittleEndian.Uint64(file)
			if hdrLen%8 != 0 {
				t.Errorf("header length %d is not a multiple of 8", hdrLen)
			}
			if got, want := len(file), 8+int(hdrLen)+4*len(m.Params); got != want {
				t.Errorf("file is %d bytes, want %d", got, want)
			}
			got, md, err := Decode(file)
			if err != nil {
				t.Fatal(err)
			}
			if got.Config.JSON() != m.Config.JSON() {
				t.Errorf("config %s, want %s", got.Config.JSON(), m.Config.JSON())
			}
			if !sameBits(got.Params, m.Params) {
				t.Error("params differ after the round trip")
			}
			if !bytes.Equal(md.Training, tc.training) {
				t.Errorf("training %q, want %q", md.Training, tc.training)
			}
			if tc.training == nil && md.Training != nil {
				t.Errorf("training %q for a file without one, want nil", md.Training)
			}
			// Writing back what was read gives the same bytes.
			if again := encodeModel(t, got, md.Training); !bytes.Equal(again, file) {
				t.Error("re-encoding a decoded model changed the file")
			}
		})
	}
}

func mustPreset(t testing.TB, name string) Config {
	t.Helper()
	c, err := Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEncodeCompactsTraining(t *testing.T) {
	m := filledModel(t, tinyConfig(), 1)
	file := encodeModel(t, m, json.RawMessage("{\n  \"steps\": 3,\n  \"seed\": [1, 2]\n}\n"))
	_, md, err := Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(md.Training) != `{"steps":3,"seed":[1,2]}` {
		t.Errorf("training %s, want it compacted", md.Training)
	}
	if err := m.Encode(&bytes.Buffer{}, Metadata{Training: json.RawMessage(`{"steps":`)}); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("Encode with broken training JSON: %v, want an error saying so", err)
	}
}

func TestEncodeLayout(t *testing.T) {
	// The writer's promises: __metadata__ first, then the tensors in layout
	// order with contiguous offsets from 0, header padded with spaces.
	m := filledModel(t, tinyConfig(), 2)
	file := encodeModel(t, m, nil)
	n := binary.LittleEndian.Uint64(file)
	hdr := file[8 : 8+n]
	trimmed := bytes.TrimRight(hdr, " ")
	if len(hdr)-len(trimmed) >= 8 || trimmed[len(trimmed)-1] != '}' {
		t.Errorf("header padding is wrong: %q", hdr[len(trimmed)-1:])
	}
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.Token() // {
	var keys []string
	var offsets [][2]int64
	for dec.More() {
		k, _ := dec.Token()
		var v struct {
			DataOffsets [2]int64 `json:"data_offsets"`
		}
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		offsets = append(offsets, v.DataOffsets)
	}
	if keys[0] != "__metadata__" {
		t.Errorf("first key %q, want __metadata__", keys[0])
	}
	var at int64
	for i, tn := range m.Tensors() {
		if keys[i+1] != tn.Name {
			t.Fatalf("key %d is %q, want %q", i+1, keys[i+1], tn.Name)
		}
		if want := [2]int64{at, at + 4*int64(len(tn.Data))}; offsets[i+1] != want {
			t.Errorf("%s: offsets %v, want %v", tn.Name, offsets[i+1], want)
		}
		at += 4 * int64(len(tn.Data))
	}
	if len(keys) != len(m.Tensors())+1 {
		t.Errorf("%d keys, want %d", len(keys), len(m.Tensors())+1)
	}
}

// TestDecodeRejects checks that each kind of malformed file is refused with
// an error that names the problem.
func TestDecodeRejects(t *testing.T) {
	m := filledModel(t, tinyConfig(), 5)
	valid := encodeModel(t, m, json.RawMessage(`{"steps":1}`))

	// edit returns the valid file with its header changed by f (and its data by g).
	edit := func(f func(h map[string]any), g func(d []byte) []byte) []byte {
		h, d := splitFile(t, valid)
		if f != nil {
			f(h)
		}
		if g != nil {
			d = g(d)
		}
		return joinJSON(t, h, d)
	}
	tensor := func(h map[string]any, name string) map[string]any { return h[name].(map[string]any) }
	meta := func(h map[string]any) map[string]any { return h["__metadata__"].(map[string]any) }
	setConfig := func(js string) []byte {
		return edit(func(h map[string]any) { meta(h)["wavenet"] = js }, nil)
	}
	dataLen := int64(4 * len(m.Params))

	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"short", valid[:5], "too short"},
		{"header length beyond file", binary.LittleEndian.AppendUint64(nil, 1<<40), "runs past the end"},
		{"truncated header", valid[:40], "runs past the end"},
		{"bad JSON", joinFile([]byte(`{"a": tru`), nil), "not valid JSON"},
		{"not an object", joinFile([]byte(`[1, 2, 3]`), nil), "not a JSON object"},
		{"trailing header data", joinFile([]byte(`{} {}    `), nil), "data after its JSON object"},
		{"duplicate key", joinFile([]byte(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{}}`), nil), `key "a" twice`},
		{"no metadata", edit(func(h map[string]any) { delete(h, "__metadata__") }, nil), "no __metadata__"},
		{"metadata not strings", edit(func(h map[string]any) { meta(h)["wavenet"] = 3 }, nil), "__metadata__"},
		{"no config", edit(func(h map[string]any) { delete(meta(h), "wavenet") }, nil), `no "wavenet" config`},
		{"config not JSON", setConfig(`{"dilations": [1, 2`), `"wavenet"`},
		{"config unknown key", setConfig(`{"dilations": [1, 2], "colour": 3}`), `unknown field "colour"`},
		{"config invalid", setConfig(`{"dilations": [1, 0]}`), "dilations[1] = 0"},
		{"config conditioned, tensors not", setConfig(withGlobal(tinyConfig()).JSON()), `missing tensor "global.embedding"`},
		{"training not JSON", edit(func(h map[string]any) { meta(h)["training"] = "{steps" }, nil), `"training" is not valid JSON`},
		{"missing tensor", edit(func(h map[string]any) { delete(h, "layers.1.skip.bias") }, nil), `missing tensor "layers.1.skip.bias"`},
		{"extra tensor", edit(func(h map[string]any) {
			h["layers.2.skip.bias"] = map[string]any{"dtype": "F32", "shape": []int{1}, "data_offsets": []int64{dataLen, dataLen + 4}}
		}, func(d []byte) []byte { return append(d, 0, 0, 0, 0) }), `unexpected tensor "layers.2.skip.bias"`},
		{"wrong shape", edit(func(h map[string]any) {
			tensor(h, "layers.0.gate.weight")["shape"] = []int{3, 3, 2} // G, K, R: the right size, transposed
		}, nil), `tensor "layers.0.gate.weight": shape [3 3 2], want [3 2 3]`},
		{"wrong rank", edit(func(h map[string]any) { tensor(h, "output2.bias")["shape"] = []int{5, 1} }, nil), `"output2.bias": shape [5 1], want [5]`},
		{"negative dimension", edit(func(h map[string]any) { tensor(h, "output2.bias")["shape"] = []int{-5} }, nil), "negative"},
		{"fractional dimension", edit(func(h map[string]any) { tensor(h, "output2.bias")["shape"] = []float64{2.5} }, nil), "output2.bias"},
		{"long shape", edit(func(h map[string]any) { tensor(h, "output2.bias")["shape"] = make([]int, 200) }, nil), "bytes of JSON"},
		{"long name", edit(func(h map[string]any) {
			h[strings.Repeat("x", 1e5)] = map[string]any{"dtype": "F32", "shape": []int{1}, "data_offsets": []int64{dataLen, dataLen + 4}}
		}, func(d []byte) []byte { return append(d, 0, 0, 0, 0) }), `unexpected tensor "xxxxxxxx`},
		{"many metadata keys", edit(func(h map[string]any) {
			for i := range 100 {
				meta(h)[fmt.Sprint("k", i)] = ""
			}
		}, nil), "more than 64 keys"},
		{"dtype", edit(func(h map[string]any) { tensor(h, "input.bias")["dtype"] = "F16" }, nil), `"input.bias": dtype "F16", want "F32"`},
		{"no dtype", edit(func(h map[string]any) { delete(tensor(h, "input.bias"), "dtype") }, nil), `dtype ""`},
		{"unknown field", edit(func(h map[string]any) { tensor(h, "input.bias")["offsets"] = 1 }, nil), `unknown field "offsets"`},
		{"dtype in upper case", edit(func(h map[string]any) {
			e := tensor(h, "input.bias")
			e["DTYPE"], e["dtype"] = e["dtype"], nil
			delete(e, "dtype")
		}, nil), `unknown field "DTYPE"`},
		{"shape twice", joinFile([]byte(`{"a":{"dtype":"F32","shape":[1],"shape":[2],"data_offsets":[0,4]}}`), nil), `"a" has the key "shape" twice`},
		{"no shape", edit(func(h map[string]any) { delete(tensor(h, "input.bias"), "shape") }, nil), `"input.bias": no shape`},
		{"no offsets", edit(func(h map[string]any) { delete(tensor(h, "input.bias"), "data_offsets") }, nil), `"input.bias": no data_offsets`},
		{"entry not an object", edit(func(h map[string]any) { h["input.bias"] = nil }, nil), `"input.bias" is not a JSON object`},
		{"dtype not a string", edit(func(h map[string]any) { tensor(h, "input.bias")["dtype"] = 32 }, nil), `dtype is not a string`},
		{"three offsets", edit(func(h map[string]any) { tensor(h, "input.bias")["data_offsets"] = []int{0, 1, 2} }, nil), "3 values, want 2"},
		{"negative offset", edit(func(h map[string]any) { tensor(h, "input.bias")["data_offsets"] = []int{-8, 0} }, nil), "negative offset"},
		{"offsets past data", edit(func(h map[string]any) {
			tensor(h, "output2.bias")["data_offsets"] = []int64{dataLen, dataLen + 20}
		}, nil), `"output2.bias": data_offsets`},
		{"offsets reversed", edit(func(h map[string]any) { tensor(h, "input.bias")["data_offsets"] = []int{8, 0} }, nil), "end before they begin"},
		{"offsets not matching shape", edit(func(h map[string]any) {
			o := tensor(h, "output2.bias")["data_offsets"].([]any)
			tensor(h, "output2.bias")["data_offsets"] = []any{o[0], o[1].(float64) - 4}
		}, nil), "hold 16 bytes, shape [5] needs 20"},
		{"overlap", edit(func(h map[string]any) {
			tensor(h, "layers.1.gate.weight")["data_offsets"] = tensor(h, "layers.1.filter.weight")["data_offsets"]
		}, nil), "overlap"},
		{"gap", edit(func(h map[string]any) {
			o := tensor(h, "output2.bias")["data_offsets"].([]any)
			tensor(h, "output2.bias")["data_offsets"] = []any{o[0].(float64) + 4, o[1].(float64) + 4}
		}, func(d []byte) []byte { return append(d, 1, 2, 3, 4) }), "belong to no tensor"},
		{"trailing data", append(slices.Clone(valid), 0, 0, 0, 0), "4 bytes of data after the last tensor"},
		{"truncated data", valid[:len(valid)-4], "output2.bias"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := Decode(tc.file)
			if err == nil {
				t.Fatalf("Decode succeeded (%d params), want an error containing %q", len(got.Params), tc.want)
			}
			t.Log(err)
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "wavenet: model data: ") {
				t.Errorf("error %q, want it to start with \"wavenet: model data: \" and contain %q", err, tc.want)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error of %d bytes: messages must stay short whatever the file holds", len(err.Error()))
			}
			if strings.Count(err.Error(), "wavenet:") != 1 {
				t.Errorf("error %q repeats the package prefix", err)
			}
		})
	}
}

func TestDecodeRejectsTooManyTensors(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("{")
	for i := range maxTensors + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"t%d":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`, i)
	}
	b.WriteString("}")
	_, _, err := Decode(joinFile(b.Bytes(), nil))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d tensors", maxTensors)) {
		t.Errorf("Decode of a header with %d tensors: %v, want a limit error", maxTensors+1, err)
	}
}

func TestDecodeRejectsLongHeader(t *testing.T) {
	file := make([]byte, 8+maxHeaderLen+8)
	binary.LittleEndian.PutUint64(file, maxHeaderLen+1)
	_, _, err := Decode(file)
	if err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("Decode of a %d-byte header: %v, want a limit error", maxHeaderLen+1, err)
	}
}

// TestDecodeSmallFileHugeConfig: a header of a few hundred bytes naming a
// huge config must be refused without the allocation that config implies,
// whatever tensors it lists. Two configs: the largest Validate allows (about
// 8·10^8 parameters, 3 GiB), and one with every key at its own limit (over
// 10^13 parameters), which Validate refuses by its totals.
func TestDecodeSmallFileHugeConfig(t *testing.T) {
	largest := Config{SampleRate: 16000, QuantizationChannels: 1 << 16, InputWidth: 3, FilterWidth: 2,
		Dilations: []int{1}, ResidualChannels: 4096, GateChannels: 1, SkipChannels: 1, EndChannels: 1}
	if err := largest.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := ParamCount(largest); n < 3<<28 {
		t.Fatalf("the largest config has only %d parameters", n)
	}
	huge := Config{SampleRate: 16000, QuantizationChannels: 1 << 16, InputWidth: 1024, FilterWidth: 1024,
		ResidualChannels: 4096, GateChannels: 4096, SkipChannels: 4096, EndChannels: 4096}
	for range 1024 {
		huge.Dilations = append(huge.Dilations, 1<<20)
	}
	if err := huge.Validate(); err == nil || !strings.Contains(err.Error(), "parameters") {
		t.Fatalf("Validate of a config of %d parameters: %v, want a limit error", paramCount(huge), err)
	}
	for _, tc := range []struct {
		name  string
		cfg   Config
		shape string // of input.weight
		bytes int64  // what that shape needs
	}{
		{"largest", largest, "[4096,65536,3]", 4 * 4096 * 65536 * 3},
		{"huge", huge, "[4096,65536,1024]", 4 * 4096 * 65536 * 1024},
	} {
		hdr := func(tensors string) []byte {
			h, _ := json.Marshal(map[string]map[string]string{"__metadata__": {"wavenet": tc.cfg.JSON()}})
			h = append(h[:len(h)-1], tensors+"}"...)
			return h
		}
		entry := func(end int64) string {
			return fmt.Sprintf(`,"input.weight":{"dtype":"F32","shape":%s,"data_offsets":[0,%d]}`, tc.shape, end)
		}
		for name, file := range map[string][]byte{
			"no tensors":    joinFile(hdr(""), nil),
			"right shape":   joinFile(hdr(entry(tc.bytes)), make([]byte, 64)),
			"lying offsets": joinFile(hdr(entry(64)), make([]byte, 64)),
		} {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := Decode(file)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("%s, %s: Decode succeeded", tc.name, name)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
				t.Errorf("%s, %s: Decode of a %d-byte file allocated %d bytes before failing (%v)", tc.name, name, len(file), n, err)
			}
		}
	}
}

// TestEncodeLoad: Load reads back what Encode wrote, and Encode refuses
// training metadata that is not JSON.
func TestEncodeLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	m := filledModel(t, tinyConfig(), 9)
	training := json.RawMessage(`{"steps":100}`)
	if err := os.WriteFile(path, encodeModel(t, m, training), 0o644); err != nil {
		t.Fatal(err)
	}
	got, md, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(got.Params, m.Params) || string(md.Training) != string(training) {
		t.Error("Load does not give back what Encode wrote")
	}
	if err := m.Encode(io.Discard, Metadata{Training: json.RawMessage(`{broken`)}); err == nil || !strings.HasPrefix(err.Error(), "wavenet: ") || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("Encode with broken training: %v", err)
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.safetensors")
	m := filledModel(t, tinyConfig(), 4)
	file := encodeModel(t, m, nil)
	if err := os.WriteFile(bad, file[:len(file)-1], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{bad, filepath.Join(dir, "missing.safetensors"), dir} {
		_, _, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.HasPrefix(err.Error(), "wavenet: ") {
			t.Errorf("Load(%s): %v, want an error naming the file", p, err)
		}
	}
	_, _, err := Load(filepath.Join(dir, "missing.safetensors"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want it to wrap os.ErrNotExist", err)
	}
}

func TestLoadRefusesHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.safetensors")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: its size is what Load checks, before reading anything.
	if err := f.Truncate(maxFileSize + 1); err != nil {
		f.Close()
		t.Skipf("cannot make a sparse file here: %v", err)
	}
	f.Close()
	_, _, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), "more than the") || !strings.Contains(err.Error(), path) {
		t.Errorf("Load of a %d-byte file: %v, want a size error naming it", int64(maxFileSize+1), err)
	}
}

// TestPreEmphasisMetadata: Metadata.PreEmphasis goes into the "audio"
// entry of __metadata__ and back; a file without it reads as 0 (and is
// written without it), and an entry outside [0, 1), with unknown keys or
// not JSON is refused, naming it.
func TestPreEmphasisMetadata(t *testing.T) {
	m := filledModel(t, tinyConfig(), 5)
	var b bytes.Buffer
	if err := m.Encode(&b, Metadata{Training: json.RawMessage(`{"steps":1}`), PreEmphasis: 0.85}); err != nil {
		t.Fatal(err)
	}
	h, _ := splitFile(t, b.Bytes())
	if got := h[metadataKey].(map[string]any)["audio"]; got != `{"pre_emphasis":0.85}` {
		t.Errorf(`the "audio" entry is %q, want {"pre_emphasis":0.85}`, got)
	}
	_, md, err := Decode(b.Bytes())
	if err != nil || md.PreEmphasis != 0.85 || string(md.Training) != `{"steps":1}` {
		t.Fatalf("decoded pre-emphasis %v, training %s, %v", md.PreEmphasis, md.Training, err)
	}
	plain := encodeModel(t, m, nil)
	if h, _ := splitFile(t, plain); h[metadataKey].(map[string]any)["audio"] != nil {
		t.Errorf("a model without pre-emphasis was written with an audio entry")
	}
	if _, md, err := Decode(plain); err != nil || md.PreEmphasis != 0 {
		t.Errorf("a file without an audio entry: pre-emphasis %v, %v", md.PreEmphasis, err)
	}
	for _, bad := range []string{`{"pre_emphasis":1}`, `{"pre_emphasis":-0.5}`, `{"pre_emphasis":0.5,"gain":2}`, `{"pre_emphasis":"0.5"}`, `0.5`, `{"pre_emphasis":0.5}{}`} {
		h, data := splitFile(t, b.Bytes())
		h[metadataKey].(map[string]any)["audio"] = bad
		hj, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		file := binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))
		file = append(append(file, hj...), data...)
		if _, _, err := Decode(file); err == nil || !strings.Contains(err.Error(), `"audio"`) {
			t.Errorf("audio entry %s: %v, want an error naming it", bad, err)
		}
	}
	if err := m.Encode(io.Discard, Metadata{PreEmphasis: 1}); err == nil || !strings.Contains(err.Error(), "pre_emphasis 1") {
		t.Errorf("Encode with pre-emphasis 1: %v", err)
	}
}
