package audio

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goaudio "github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// goaudioTone is a test signal with full-scale peaks (clipped at +1).
func goaudioTone(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(1.1 * math.Sin(2*math.Pi*float64(i)/37))
	}
	x[0] = float32(math.NaN())
	return x
}

// encodeGoAudio writes buf to a WAV file with go-audio/wav's Encoder.
func encodeGoAudio(t *testing.T, path string, buf *goaudio.IntBuffer) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := wav.NewEncoder(f, buf.Format.SampleRate, buf.SourceBitDepth, buf.Format.NumChannels, 1)
	if err := e.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}

// decodeGoAudio reads a WAV file with go-audio/wav's Decoder.
func decodeGoAudio(t *testing.T, path string) *goaudio.IntBuffer {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf, err := wav.NewDecoder(f).FullPCMBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

func sameSamples(a, b []float32) bool {
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

// Samples put into an IntBuffer and written by go-audio/wav read back here
// as ReadFile reads the same samples written by this package, at every bit
// depth; and what go-audio/wav decodes from a file FromBuffer turns into
// exactly what ReadFile returns for it.
func TestGoAudioIntBufferThroughGoAudioWAV(t *testing.T) {
	dir := t.TempDir()
	x := goaudioTone(1000)
	for _, bits := range []int{8, 16, 24, 32} {
		buf, err := ToIntBuffer(x, 22050, bits)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "go-audio.wav")
		encodeGoAudio(t, path, buf)
		read, info, err := ReadFile(path, 0, nil)
		if err != nil || info.BitDepth != bits || info.SampleRate != 22050 {
			t.Fatalf("%d bits: %v, %+v", bits, err, info)
		}
		back, err := FromBuffer(buf, 0)
		if err != nil || !sameSamples(read, back) {
			t.Errorf("%d bits: FromBuffer(ToIntBuffer(x)) differs from ReadFile of go-audio/wav's file (%v)", bits, err)
		}
		// Each sample within half a step of x, clipped to the range, NaN silent.
		step := math.Ldexp(1, 1-bits)
		for i, v := range read {
			want := math.Max(-1, math.Min(float64(x[i]), 1-step))
			if i == 0 {
				want = 0
			}
			if math.Abs(float64(v)-want) > step/2+1e-9 {
				t.Fatalf("%d bits: sample %d is %v, want %v", bits, i, v, want)
			}
		}
		dec := decodeGoAudio(t, path)
		fromDec, err := FromBuffer(dec, 0)
		if err != nil || !sameSamples(fromDec, read) {
			t.Errorf("%d bits: FromBuffer of go-audio/wav's decoding differs from ReadFile (%v)", bits, err)
		}
	}

	// 16 bits: the same integers as this package's PCM16 writer.
	var ours bytes.Buffer
	w, _ := NewSizedWriter(&ours, 22050, PCM16, int64(len(x)))
	w.Write(x)
	w.Close()
	path := filepath.Join(dir, "ours.wav")
	os.WriteFile(path, ours.Bytes(), 0o644)
	buf, _ := ToIntBuffer(x, 22050, 16)
	if dec := decodeGoAudio(t, path); dec.SourceBitDepth != 16 || len(dec.Data) != len(buf.Data) {
		t.Fatalf("go-audio/wav decoded %d samples of %d bits", len(dec.Data), dec.SourceBitDepth)
	} else {
		for i := range dec.Data {
			if dec.Data[i] != buf.Data[i] {
				t.Fatalf("sample %d: the writer stored %d, ToIntBuffer gives %d", i, dec.Data[i], buf.Data[i])
			}
		}
	}
}

// Channels are averaged as ReadFile averages them, and rates converted as
// Resample converts them.
func TestGoAudioFromBufferStereoAndRate(t *testing.T) {
	n := 900
	data := make([]int, 2*n)
	for i := range n {
		data[2*i] = int(20000 * math.Sin(float64(i)/9))
		data[2*i+1] = int(-7000 * math.Cos(float64(i)/5))
	}
	buf := &goaudio.IntBuffer{Format: &goaudio.Format{NumChannels: 2, SampleRate: 48000}, Data: data, SourceBitDepth: 16}
	path := filepath.Join(t.TempDir(), "stereo.wav")
	encodeGoAudio(t, path, buf)
	for _, rate := range []int{0, 16000} {
		want, _, err := ReadFile(path, rate, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromBuffer(buf, rate)
		if err != nil || !sameSamples(got, want) {
			t.Errorf("rate %d: FromBuffer differs from ReadFile (%v)", rate, err)
		}
	}
	f := &goaudio.Float32Buffer{Format: &goaudio.Format{NumChannels: 2, SampleRate: 8000}, Data: []float32{0.5, -0.25, 1, 0}}
	if got, err := FromBuffer(f, 0); err != nil || !sameSamples(got, []float32{0.125, 0.5}) {
		t.Errorf("stereo Float32Buffer: %v, %v", got, err)
	}
}

// ToFloat32Buffer copies; FromBuffer gives the samples back bit for bit.
func TestGoAudioFloat32RoundTrip(t *testing.T) {
	x := goaudioTone(500)[1:] // no NaN
	buf := ToFloat32Buffer(x, 16000)
	if buf.NumFrames() != len(x) || buf.Format.NumChannels != 1 || buf.Format.SampleRate != 16000 || buf.SourceBitDepth != 32 {
		t.Fatalf("buffer %+v of %d frames", buf.Format, buf.NumFrames())
	}
	buf.Data[0] = 7
	if x[0] == 7 {
		t.Error("ToFloat32Buffer shares its input")
	}
	buf.Data[0] = x[0]
	if got, err := FromBuffer(buf, 0); err != nil || !sameSamples(got, x) {
		t.Errorf("round trip: %v", err)
	}
}

// A Writer takes go-audio buffers at its own rate, mixed to mono.
func TestWriterWriteBuffer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.wav")
	x := goaudioTone(700)
	ib, _ := ToIntBuffer(x, 16000, 24)
	encodeGoAudio(t, path, ib)
	dec := decodeGoAudio(t, path)
	var out bytes.Buffer
	w, _ := NewWriter(&out, 16000, Float32)
	if err := w.WriteBuffer(dec); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteBuffer(ToFloat32Buffer([]float32{0.5, -0.5}, 16000)); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteBuffer(ToFloat32Buffer([]float32{0.5}, 8000)); err == nil || !strings.Contains(err.Error(), "at 8000 Hz written to a stream at 16000 Hz") {
		t.Errorf("another rate: %v", err)
	}
	w.Close()
	got, _, err := Decode(bytes.NewReader(out.Bytes()), int64(out.Len()), "out", 0, nil)
	want, _, _ := ReadFile(path, 0, nil)
	want = append(want, 0.5, -0.5)
	if err != nil || !sameSamples(got, want) {
		t.Errorf("WriteBuffer wrote other samples (%v)", err)
	}
}

func TestGoAudioErrors(t *testing.T) {
	mono := &goaudio.Format{NumChannels: 1, SampleRate: 16000}
	for _, tc := range []struct {
		name string
		b    goaudio.Buffer
		rate int
		want string
	}{
		{"nil", nil, 0, "nil"},
		{"typed nil", (*goaudio.IntBuffer)(nil), 0, "nil"},
		{"no format", &goaudio.Float32Buffer{Data: []float32{0}}, 0, "no format"},
		{"no channels", &goaudio.Float32Buffer{Format: &goaudio.Format{SampleRate: 16000}}, 0, "0 channels"},
		{"rate", &goaudio.Float32Buffer{Format: &goaudio.Format{NumChannels: 1, SampleRate: 10}}, 0, "sample rate 10 Hz"},
		{"resample to", &goaudio.Float32Buffer{Format: mono}, 5, "cannot resample to 5 Hz"},
		{"partial frame", &goaudio.Float32Buffer{Format: &goaudio.Format{NumChannels: 2, SampleRate: 16000}, Data: []float32{1, 2, 3}}, 0, "not whole frames"},
		{"NaN", &goaudio.Float32Buffer{Format: mono, Data: []float32{0, float32(math.NaN())}}, 0, "frame 1 holds a NaN"},
		{"Inf", &goaudio.Float32Buffer{Format: mono, Data: []float32{float32(math.Inf(1))}}, 0, "frame 0 holds a NaN or an infinity"},
		{"bit depth", &goaudio.IntBuffer{Format: mono, Data: []int{0}}, 0, "SourceBitDepth 0"},
		{"16-bit range", &goaudio.IntBuffer{Format: mono, Data: []int{0, 40000}, SourceBitDepth: 16}, 0, "sample 0 of frame 1 is 40000, outside 16-bit PCM's -32768..32767"},
		{"8-bit is unsigned", &goaudio.IntBuffer{Format: mono, Data: []int{-1}, SourceBitDepth: 8}, 0, "outside 8-bit PCM's 0..255"},
		{"float64", &goaudio.FloatBuffer{Format: mono, Data: []float64{0}}, 0, "want *audio.Float32Buffer or *audio.IntBuffer"},
	} {
		if _, err := FromBuffer(tc.b, tc.rate); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "audio: ") {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := ToIntBuffer(nil, 16000, 12); err == nil || !strings.Contains(err.Error(), "12-bit") {
		t.Errorf("12 bits: %v", err)
	}
}
