package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// writeClip writes a short 16 kHz test clip: a decaying two-partial tone
// with a little noise, so that a model has something to learn.
func writeClip(t *testing.T, dir, name string, n int, seed uint64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 9))
	x := make([]float32, n)
	for i := range x {
		tt := float64(i) / 16000
		x[i] = float32(math.Exp(-3*tt)*(0.5*math.Sin(2*math.Pi*440*tt)+0.2*math.Sin(2*math.Pi*880*tt)) + 0.01*rng.NormFloat64())
	}
	path := filepath.Join(dir, name)
	w, err := audio.Create(path, 16000, audio.PCM16)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(x); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// testOptions is a small, quick run: a 4-layer model with narrow channels
// (Q stays 256, the spec's μ-law), short chunks, two goroutines.
func testOptions(dir string, inputs []string) Options {
	cfg := wavenet.Config{
		SampleRate: 16000, QuantizationChannels: 256, InputWidth: 2, FilterWidth: 2,
		Dilations: []int{1, 2, 4, 8}, ResidualChannels: 4, GateChannels: 4, SkipChannels: 8, EndChannels: 8,
	}
	return Options{
		Out: filepath.Join(dir, "m.safetensors"), Inputs: inputs, Config: &cfg,
		Hyper:    Hyper{Batch: 3, Chunk: 40, LR: 3e-3, LRHalfLife: 30, Seed: 5},
		SeedSet:  true,
		Steps:    24,
		Threads:  2,
		LogEvery: 4, ValEvery: 8,
	}
}

// TestResumeMatchesUninterrupted interrupts a run (as SIGINT would, through
// its context) after step 10 and resumes it: the final model file, log and
// losses must be those of a run that was never stopped.
func TestResumeMatchesUninterrupted(t *testing.T) {
	dir := t.TempDir()
	clip := writeClip(t, dir, "clip.wav", 3000, 1)

	dirA := filepath.Join(dir, "a")
	os.Mkdir(dirA, 0o755)
	optA := testOptions(dirA, []string{clip})
	resA, err := Run(context.Background(), optA, nil)
	if err != nil {
		t.Fatal(err)
	}

	dirB := filepath.Join(dir, "b")
	os.Mkdir(dirB, 0o755)
	optB := testOptions(dirB, []string{clip})
	ctx, cancel := context.WithCancel(context.Background())
	optB.OnLog = func(r LogRow) {
		if r.Step == 12 {
			cancel()
		}
	}
	resB, err := Run(ctx, optB, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !resB.Interrupted || resB.Steps != 12 {
		t.Fatalf("interrupted run: %+v, want interrupted at step 12", resB)
	}
	// Resume with no settings given: they come from the checkpoint.
	optB2 := Options{Out: optB.Out, Inputs: optB.Inputs, Steps: 24, Resume: true, Threads: 1, LogEvery: 4, ValEvery: 8}
	resB2, err := Run(context.Background(), optB2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resB2.Steps != resA.Steps || resB2.TrainBits != resA.TrainBits || resB2.ValBits != resA.ValBits || resB2.ClipBits != resA.ClipBits {
		t.Errorf("resumed run ends at step %d, train %v, val %v, clip %v bits; uninterrupted: step %d, %v, %v, %v",
			resB2.Steps, resB2.TrainBits, resB2.ValBits, resB2.ClipBits, resA.Steps, resA.TrainBits, resA.ValBits, resA.ClipBits)
	}
	if !sameFile(t, optA.Out, optB.Out) {
		t.Errorf("model files differ between the uninterrupted and the resumed run")
	}
	// The logs agree in everything but timing.
	la, lb := readLogLosses(t, resA.CSV), readLogLosses(t, resB2.CSV)
	if la != lb {
		t.Errorf("logs differ:\n%s\nvs\n%s", la, lb)
	}
	if !(resA.ClipBits > 0 && resA.ClipBits < 8) {
		t.Errorf("whole-clip bits %v, want in (0, 8)", resA.ClipBits)
	}
}

// TestDeterministic: the same data, settings and seed give the same model
// bytes, whatever the thread count; another seed gives other bytes.
func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	clip := writeClip(t, dir, "clip.wav", 2500, 2)
	var files []string
	for i, c := range []struct {
		threads int
		seed    uint64
	}{{1, 5}, {2, 5}, {2, 6}} {
		d := filepath.Join(dir, string(rune('a'+i)))
		os.Mkdir(d, 0o755)
		o := testOptions(d, []string{clip})
		o.Steps, o.Threads, o.Hyper.Seed = 8, c.threads, c.seed
		if _, err := Run(context.Background(), o, nil); err != nil {
			t.Fatal(err)
		}
		files = append(files, o.Out)
	}
	if !sameFile(t, files[0], files[1]) {
		t.Errorf("1 and 2 threads give different model files")
	}
	if sameFile(t, files[1], files[2]) {
		t.Errorf("seeds 5 and 6 give the same model file")
	}
}

// TestLearns: a short run lowers the loss well below the 8 bits of a
// uniform guess, on training and held-out data.
func TestLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	dir := t.TempDir()
	clip := writeClip(t, dir, "clip.wav", 4000, 3)
	o := testOptions(dir, []string{clip})
	o.Steps = 150
	o.Hyper.LRHalfLife = 0
	o.Hyper.LR = 1e-2
	var first float64
	o.OnLog = func(r LogRow) {
		if first == 0 {
			first = r.TrainBits
		}
	}
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !(res.TrainBits < first-1.5 && res.ValBits < 7 && res.ClipBits < 6.5) {
		t.Errorf("first train %.3f bits, last %.3f, validation %.3f, whole clip %.3f: did not learn", first, res.TrainBits, res.ValBits, res.ClipBits)
	}
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	da, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(da, db)
}

// readLogLosses returns the CSV's step, lr, loss and norm columns.
func readLogLosses(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Split(line, ",")
		b.WriteString(strings.Join([]string{f[0], f[2], f[3], f[4], f[5], f[6]}, ",") + "\n")
	}
	return b.String()
}

// TestResumeRefusals: resuming without a checkpoint, with other settings,
// other data or a damaged checkpoint is refused with a clear error, and a
// new run does not overwrite an existing checkpoint.
func TestResumeRefusals(t *testing.T) {
	dir := t.TempDir()
	clip := writeClip(t, dir, "clip.wav", 2500, 4)
	other := writeClip(t, dir, "other.wav", 2500, 5)
	o := testOptions(dir, []string{clip})
	o.Steps = 4

	r := o
	r.Resume = true
	if _, err := Run(context.Background(), r, nil); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Errorf("resume without a checkpoint: %v", err)
	}
	if _, err := Run(context.Background(), o, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), o, nil); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("a new run over a checkpoint: %v", err)
	}
	r.Steps = 8
	r.Hyper.LR = 0.5
	if _, err := Run(context.Background(), r, nil); err == nil || !strings.Contains(err.Error(), "lr 0.5") {
		t.Errorf("resume with another lr: %v", err)
	}
	r.Hyper.LR = 0
	r.Inputs = []string{other}
	if _, err := Run(context.Background(), r, nil); err == nil || !strings.Contains(err.Error(), "data differ") {
		t.Errorf("resume on other data: %v", err)
	}
	r.Inputs = []string{clip}
	ckpt, _, _ := Paths(o.Out)
	data, _ := os.ReadFile(ckpt)
	data[len(data)/2] ^= 1
	os.WriteFile(ckpt, data, 0o644)
	if _, err := Run(context.Background(), r, nil); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("resume from a damaged checkpoint: %v", err)
	}
}

// TestResumeAfterTornCheckpoint: a crash after the checkpoint was replaced
// but before the model file was leaves an old model beside a newer
// checkpoint; resuming trusts the checkpoint and says so.
func TestResumeAfterTornCheckpoint(t *testing.T) {
	dir := t.TempDir()
	clip := writeClip(t, dir, "clip.wav", 2500, 6)
	o := testOptions(dir, []string{clip})
	o.Steps = 4
	if _, err := Run(context.Background(), o, nil); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(o.Out)
	r := o
	r.Resume, r.Steps = true, 8
	if _, err := Run(context.Background(), r, nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(o.Out, old, 0o644) // the model file of step 4 beside the checkpoint of step 8
	r.Steps = 12
	var msg bytes.Buffer
	res, err := Run(context.Background(), r, &msg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 12 || !strings.Contains(msg.String(), "resuming from the checkpoint") {
		t.Errorf("steps %d, messages %q", res.Steps, msg.String())
	}
	_, md, err := wavenet.Load(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	var tm trainingMeta
	if err := json.Unmarshal(md.Training, &tm); err != nil || tm.Steps != 12 {
		t.Errorf("model metadata after resuming: %s (%v)", md.Training, err)
	}
}

// TestAtomicWriteFailure: a write that fails midway (as on a full disk)
// leaves the previous file whole and no temporary file behind.
func TestAtomicWriteFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := writeFileAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("good")); return err }); err != nil {
		t.Fatal(err)
	}
	full := errors.New("no space left on device")
	err := writeFileAtomic(path, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return full
	})
	if !errors.Is(err, full) {
		t.Errorf("error %v, want the write's", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "good" {
		t.Errorf("file holds %q after a failed write", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want 1 (temporary file left behind?)", len(ents))
	}
}

// TestStateRoundTrip: a state file decodes to what was encoded, and every
// truncation of it is refused.
func TestStateRoundTrip(t *testing.T) {
	s := &state{stateHeader: stateHeader{Step: 7, AdamT: 7, Params: 3, Config: json.RawMessage(`{}`), RNG: []byte{1, 2},
		Log: []LogRow{{Step: 5, TrainBits: 3.5, ValBits: -1}}, TrainWindow: []float64{1.25, 0.5}},
		params: []float32{1, 2, 3}, m: []float32{4, 5, 6}, v: []float32{7, 8, math.SmallestNonzeroFloat32}}
	var b bytes.Buffer
	if err := encodeState(&b, s); err != nil {
		t.Fatal(err)
	}
	got, err := decodeState(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got.Step != 7 || got.v[2] != math.SmallestNonzeroFloat32 || got.params[1] != 2 || got.m[0] != 4 ||
		got.Log[0].TrainBits != 3.5 || got.TrainWindow[0] != 1.25 {
		t.Errorf("round trip: %+v", got)
	}
	for n := 0; n < b.Len(); n += 7 {
		if _, err := decodeState(b.Bytes()[:n]); err == nil {
			t.Errorf("a state cut to %d of %d bytes decodes", n, b.Len())
		}
	}
	// A window of unpaired values (a file written by something else, with a
	// valid checksum) is refused, not left for the log to index past.
	s.TrainWindow = []float64{1.25}
	b.Reset()
	if err := encodeState(&b, s); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeState(b.Bytes()); err == nil || !strings.Contains(err.Error(), "train_window") {
		t.Errorf("odd train_window: err %v", err)
	}
}
