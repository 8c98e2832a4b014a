package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// smallCheckpoint returns the state file of a real, small training run:
// tinyConfig's model, two Adam updates on its actual gradient of a random
// clip, the RNG state, a log row and an open train window, as checkpoint
// writes them.
func smallCheckpoint(t testing.TB) []byte {
	t.Helper()
	cfg := tinyConfig()
	m, err := wavenet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pcg := rand.NewPCG(4, 2)
	rng := rand.New(pcg)
	wavenet.RandomInit(m, rng)
	codes := randomClip(rng, 24, cfg.QuantizationChannels, "clip").Codes
	ws := wavenet.NewWorkspace(m, 1, len(codes)-1)
	grad := m.NewLike()
	dlogits := make([]float32, (len(codes)-1)*cfg.QuantizationChannels)
	adam := NewAdam(len(m.Params))
	var window []float64
	for range 2 {
		clear(grad.Params)
		logits := m.Forward(ws, codes[:len(codes)-1], nil)
		nats := wavenet.CrossEntropy(dlogits, logits, codes[1:], cfg.QuantizationChannels)
		m.Backward(ws, dlogits, grad)
		norm := ClipGlobalNorm(grad.Params, 1)
		adam.Update(m.Params, grad.Params, 1e-3)
		window = append(window, nats, norm)
	}
	rngState := pcgState(t, pcg)
	s := &state{
		stateHeader: stateHeader{
			Step: 2, AdamT: adam.T, Params: len(m.Params), Config: json.RawMessage(cfg.JSON()),
			Hyper: Hyper{Batch: 1, Chunk: len(codes) - 1, LR: 1e-3, ClipNorm: 1, ValFraction: 0.1, Seed: 4},
			Data:  "fingerprint", RNG: rngState, Elapsed: 0.25, Samples: 46,
			Log:         []LogRow{{Step: 1, Seconds: 0.1, Samples: 23, LR: 1e-3, TrainBits: 3.1, ValBits: -1, GradNorm: 0.9, SamplesPerSec: 230}},
			TrainWindow: window[2:],
		},
		params: m.Params, m: adam.M, v: adam.V,
	}
	var b bytes.Buffer
	if err := encodeState(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pcgState(t testing.TB, p *rand.PCG) []byte {
	t.Helper()
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seal appends the CRC-32C of body, making it a file the checksum accepts.
func seal(body []byte) []byte {
	return binary.LittleEndian.AppendUint32(bytes.Clone(body), crc32.Checksum(body, castagnoli))
}

// stateFile assembles a sealed state file from a header and a data section.
func stateFile(header string, data []byte) []byte {
	b := []byte(stateMagic)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(header)))
	b = append(b, header...)
	return seal(append(b, data...))
}

// allocBytes reports the bytes f allocates on the heap.
func allocBytes(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	a := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - a
}

// stateAllocBound is what decodeState may allocate for a file of n bytes:
// the three parameter arrays are the data section itself, and encoding/json
// turns the header into up to about 150 times its size, a fixed 64 KiB
// aside: a log of empty rows, 3 bytes ("{},") for an 88-byte LogRow (its
// per-class validation a slice header), in a slice that json grows by
// copying (measured: 146 bytes per header byte;
// TestDecodeStateAllocationBounded).
func stateAllocBound(n int) uint64 { return 64<<10 + uint64(n)*176 }

// FuzzDecodeState feeds arbitrary bytes to decodeState. The checksum would
// stop almost every mutation at once, so when sealed is set the fuzzer's
// bytes are the file without its checksum and the test appends the right
// one; unsealed inputs exercise the checksum itself. decodeState must not
// panic, must allocate no more than stateAllocBound, and a state it
// accepts must have the parameter count its arrays have and survive
// encodeState and decodeState unchanged. Seeded with a real small
// checkpoint and hand-made headers.
//
//	go test -run '^$' -fuzz FuzzDecodeState -fuzztime 60s -fuzzminimizetime 2s ./wavenet/train
func FuzzDecodeState(f *testing.F) {
	file := smallCheckpoint(f)
	f.Add(file[:len(file)-4], true)
	f.Add(file, false)
	f.Add(file[:len(file)-5], false)
	hdr := func(h string) []byte { return stateFile(h, nil)[:len(stateFile(h, nil))-4] }
	f.Add(hdr(`{"params":0,"train_window":[1,2],"log":[{"step":1}],"rng":"AQI="}`), true)
	f.Add(hdr(`{"params":4611686018427387904}`), true) // 12·2^62 wraps to 0 bytes
	f.Add(hdr(`{"params":-1}`), true)
	f.Add(hdr(`{"step":-3,"adam_t":-1,"samples":-5,"elapsed":-1}`), true)
	f.Add(hdr(`null`), true)
	// encoding/json compacts and HTML-escapes a RawMessage and omits an
	// empty omitempty slice: the same state, other bytes (CI found these).
	f.Add(hdr(`{"params":0,"config":{ "a" : [1, 2] },"best":null}`), true)
	f.Add(hdr(`{"params":0,"config":"<&>"}`), true)
	f.Add(hdr(`{"params":0,"log":[{"step":1,"val_class_bits":[]}],"cond":{"classes":[]}}`), true)
	f.Add([]byte(stateMagic), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, sealed bool) {
		if sealed {
			data = seal(data)
		}
		var s *state
		var err error
		got := allocBytes(func() { s, err = decodeState(data) })
		// The count is the process's, and the fuzzing engine's own
		// goroutines allocate now and then: a real excess repeats.
		bound := stateAllocBound(len(data))
		for try := 0; try < 3 && got > bound; try++ {
			got = min(got, allocBytes(func() { decodeState(data) }))
		}
		if got > bound {
			t.Fatalf("%d bytes in, %d allocated > bound %d (err %v)", len(data), got, bound, err)
		}
		if err != nil {
			if s != nil {
				t.Fatal("decodeState returned a state with an error")
			}
			return
		}
		if len(s.params) != s.Params || len(s.m) != s.Params || len(s.v) != s.Params {
			t.Fatalf("header says %d parameters, arrays hold %d, %d, %d", s.Params, len(s.params), len(s.m), len(s.v))
		}
		var b bytes.Buffer
		if err := encodeState(&b, s); err != nil {
			t.Fatalf("encodeState of a decoded state: %v", err)
		}
		s2, err := decodeState(b.Bytes())
		if err != nil {
			t.Fatalf("decodeState of a re-encoded state: %v", err)
		}
		if !reflect.DeepEqual(canonicalHeader(t, s.stateHeader), canonicalHeader(t, s2.stateHeader)) || !sameBits(s.params, s2.params) ||
			!sameBits(s.m, s2.m) || !sameBits(s.v, s2.v) || !sameBits(s.best, s2.best) {
			t.Fatal("re-encoding changed the state")
		}
	})
}

// canonicalHeader is h as encoding/json writes it back: its raw JSON
// compacted and HTML-escaped (a missing one is null), and the empty
// slices that omitempty drops made nil. Two headers that are the same
// state are equal after it.
func canonicalHeader(t *testing.T, h stateHeader) stateHeader {
	raw := func(m json.RawMessage) json.RawMessage {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("a decoded header's raw JSON %q does not marshal: %v", m, err)
		}
		return b
	}
	h.Config = raw(h.Config)
	if h.Best != nil {
		b := *h.Best
		b.Training = raw(b.Training)
		h.Best = &b
	}
	log := make([]LogRow, len(h.Log))
	for i, r := range h.Log {
		if len(r.ValClassBits) == 0 {
			r.ValClassBits = nil
		}
		log[i] = r
	}
	if h.Log != nil {
		h.Log = log
	}
	if len(h.Cond.Classes) == 0 {
		h.Cond.Classes = nil
	}
	return h
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestDecodeStateRefusals: sealed files (the checksum is right) whose header
// lies are refused with an error naming the problem, without the
// allocation the lie implies.
func TestDecodeStateRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		data         []byte
		want         string
	}{
		// 12·2^62 is 0 modulo 2^64: an unchecked product would match the
		// empty data section and ask make for 2^62 floats.
		{"params wrapping to no data", `{"params":4611686018427387904}`, nil, "4611686018427387904 parameters"},
		{"params wrapping to some data", `{"params":6148914691236517206}`, make([]byte, 8), "parameters"},
		{"negative params", `{"params":-1}`, nil, "-1 parameters"},
		{"more params than data", `{"params":2}`, make([]byte, 12), "2 parameters but 12 bytes"},
		{"negative step", `{"step":-1}`, nil, "step -1"},
		{"negative adam_t", `{"adam_t":-2}`, nil, "adam_t -2"},
		{"negative samples", `{"samples":-3}`, nil, "samples -3"},
		{"negative elapsed", `{"elapsed":-0.5}`, nil, "elapsed -0.5"},
		{"odd train window", `{"train_window":[1]}`, nil, "train_window"},
		{"header not JSON", `{"params":`, nil, "header"},
	} {
		file := stateFile(tc.header, tc.data)
		var err error
		got := allocBytes(func() { _, err = decodeState(file) })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
		if bound := stateAllocBound(len(file)); got > bound {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", tc.name, got, len(file))
		}
	}
	if _, err := decodeState(smallCheckpoint(t)); err != nil {
		t.Errorf("the small checkpoint: %v", err)
	}
}

// TestDecodeStateAllocationBounded: the headers that expand the most under
// encoding/json (a long log of empty rows, a long window of zeros) stay
// within stateAllocBound.
func TestDecodeStateAllocationBounded(t *testing.T) {
	const n = 100000
	for name, header := range map[string]string{
		"empty log rows": `{"log":[` + strings.Repeat("{},", n) + `{}]}`,
		"zero window":    `{"train_window":[` + strings.Repeat("0,", n) + `0,0]}`,
	} {
		file := stateFile(header, nil)
		var err error
		got := allocBytes(func() { _, err = decodeState(file) })
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %d bytes, %d allocated (%.1f per byte)", name, len(file), got, float64(got)/float64(len(file)))
		if bound := stateAllocBound(len(file)); got > bound {
			t.Errorf("%s: %d bytes allocated for a %d-byte file, more than the bound %d", name, got, len(file), bound)
		}
	}
}
