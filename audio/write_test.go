package audio

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// noise returns n seeded samples spread over [-1.2, 1.2], plus the edge
// values the writers must handle.
func noise(n int) []float32 {
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.Float64()*2.4 - 1.2)
	}
	return append(x, 0, 1, -1, 32767.0/32768, -32768.0/32768, 0.99999, -0.99999, 1e-9, float32(math.Inf(1)), float32(math.Inf(-1)))
}

// writeFile writes x in chunks of 1000 to a new file at path with
// NewWriter and Close.
func writeFile(t testing.TB, path string, rate int, format Format, x []float32) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, rate, format)
	if err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < len(x); lo += 1000 {
		if err := w.Write(x[lo:min(lo+1000, len(x))]); err != nil {
			t.Fatal(err)
		}
	}
	if w.Frames() != int64(len(x)) {
		t.Errorf("Frames() = %d, want %d", w.Frames(), len(x))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// want16 is what a PCM16 round trip must give back: x·32768 rounded and
// clipped, then scaled back.
func want16(x float32) float32 {
	v := math.Round(float64(x) * 32768)
	return float32(max(-32768, min(32767, v)) / 32768)
}

// TestWriteRoundTrip writes noise (with out-of-range values and infinities)
// in both formats and reads it back: PCM16 gives the clipped, rounded values
// exactly; Float32 gives the samples bit for bit.
func TestWriteRoundTrip(t *testing.T) {
	dir := t.TempDir()
	x := noise(4321)
	for _, format := range []Format{PCM16, Float32} {
		path := filepath.Join(dir, format.String()+".wav")
		writeFile(t, path, 22050, format, x)
		var warn strings.Builder
		y, info, err := ReadFile(path, 0, &warn)
		if err != nil || warn.Len() != 0 {
			t.Fatalf("%v: err %v, warning %q", format, err, warn.String())
		}
		if info.SampleRate != 22050 || info.Channels != 1 || info.Frames != len(x) || info.Float != (format == Float32) {
			t.Errorf("%v: info %+v", format, info)
		}
		for i := range x {
			want := x[i]
			if format == PCM16 {
				want = want16(x[i])
			}
			if math.IsInf(float64(want), 0) && format == Float32 {
				want = float32(math.Copysign(1, float64(want)))
			}
			if y[i] != want {
				t.Fatalf("%v: sample %d: wrote %v, read %v, want %v", format, i, x[i], y[i], want)
			}
		}
	}
}

// TestWriteClips checks the PCM16 values themselves: clipped at the rails,
// never wrapped (go-audio's encoder wraps 1.0 to -32768), NaN as 0.
func TestWriteClips(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, 16000, PCM16)
	if err != nil {
		t.Fatal(err)
	}
	in := []float32{1, 1.5, float32(math.Inf(1)), 0.99999, -1, -1.5, float32(math.Inf(-1)), float32(math.NaN()), 0.5, -0.5 / 32768, 0.5 / 32768}
	want := []int16{32767, 32767, 32767, 32767, -32768, -32768, -32768, 0, 16384, -1, 1}
	if err := w.Write(in); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()[pcmHeaderLen:]
	for i, v := range want {
		if got := int16(binary.LittleEndian.Uint16(data[2*i:])); got != v {
			t.Errorf("%v -> %d, want %d", in[i], got, v)
		}
	}
}

// TestWriteGoAudioReads: go-audio's decoder (an independent reader) sees the
// same 16-bit values in a file we wrote, and the header it reports.
func TestWriteGoAudioReads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.wav")
	x := noise(1001)
	writeFile(t, path, 16000, PCM16, x)
	d, data := goAudioDecode(t, path)
	if d.SampleRate != 16000 || d.NumChans != 1 || d.BitDepth != 16 || len(data) != len(x) {
		t.Fatalf("go-audio: %d Hz, %d ch, %d bits, %d samples", d.SampleRate, d.NumChans, d.BitDepth, len(data))
	}
	for i, v := range data {
		if float32(v)/32768 != want16(x[i]) {
			t.Fatalf("sample %d: go-audio %d, want %v", i, v, want16(x[i]))
		}
	}
}

// TestWriteSoxReads: sox reads our files back to the same samples (skipped
// where sox is not installed; the CI needs only Go).
func TestWriteSoxReads(t *testing.T) {
	sox, err := exec.LookPath("sox")
	if err != nil {
		t.Skip("sox not installed")
	}
	dir := t.TempDir()
	x := noise(999)
	for _, format := range []Format{PCM16, Float32} {
		path := filepath.Join(dir, format.String()+".wav")
		writeFile(t, path, 16000, format, x)
		out, err := exec.Command(sox, "-D", path, "-t", "f32", "-").Output()
		if err != nil {
			t.Fatalf("%v: sox: %v", format, err)
		}
		if len(out) != 4*len(x) {
			t.Fatalf("%v: sox read %d samples, want %d", format, len(out)/4, len(x))
		}
		for i := range x {
			got := math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:]))
			want := x[i]
			if format == PCM16 {
				want = want16(x[i])
			} else {
				want = max(-1, min(1, want)) // sox clips float to ±1 on its way through
			}
			if math.Abs(float64(got-want)) > 1e-7 {
				t.Fatalf("%v: sample %d: sox %v, want %v", format, i, got, want)
			}
		}
	}
}

// TestWriteErrors: bad arguments are errors naming the problem.
func TestWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		rate   int
		format Format
		frames int64
		says   string
	}{
		{0, PCM16, -1, "cannot write at 0 Hz"},
		{16000, Format(9), -1, "unknown format Format(9)"},
		{16000, PCM16, -2, "-2 samples declared"},
		{16000, Float32, 1 << 30, "do not fit a WAV file"},
	} {
		var err error
		if tc.frames == -1 {
			_, err = NewWriter(io.Discard, tc.rate, tc.format)
		} else {
			_, err = NewSizedWriter(io.Discard, tc.rate, tc.format, tc.frames)
		}
		if err == nil || !strings.HasPrefix(err.Error(), "audio: output: ") || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%d Hz, %v, %d samples: %v, want an error saying %q", tc.rate, tc.format, tc.frames, err, tc.says)
		}
	}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, 16000, PCM16)
	w.Close()
	if err := w.Write([]float32{0}); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// TestSizedWriter: with the length known, a stream that cannot seek (a
// pipe) gets the exact sizes from the first byte, the same bytes as a file
// whose header was patched at Close, and ReadFile reads it without a
// warning. More samples than declared are refused; fewer are an error where
// the header cannot be corrected, and corrected where it can.
func TestSizedWriter(t *testing.T) {
	x := noise(3001)
	for _, format := range []Format{PCM16, Float32} {
		var pipe bytes.Buffer
		w, err := NewSizedWriter(&pipe, 16000, format, int64(len(x)))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(x[:1000])
		w.Write(x[1000:])
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "x.wav")
		writeFile(t, path, 16000, format, x)
		file, _ := os.ReadFile(path)
		if !bytes.Equal(pipe.Bytes(), file) {
			t.Errorf("%v: the sized stream differs from the patched file", format)
		}
		var warn strings.Builder
		if _, _, err := Decode(bytes.NewReader(pipe.Bytes()), int64(pipe.Len()), "pipe.wav", 0, &warn); err != nil || warn.Len() != 0 {
			t.Errorf("%v: reading the sized stream: %v, warning %q", format, err, warn.String())
		}
	}

	w, _ := NewSizedWriter(io.Discard, 16000, PCM16, 10)
	if err := w.Write(make([]float32, 11)); err == nil || !strings.Contains(err.Error(), "more than the 10 samples declared") {
		t.Errorf("11 samples into 10 declared: %v", err)
	}
	w, _ = NewSizedWriter(io.Discard, 16000, PCM16, 10)
	w.Write(make([]float32, 9))
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "9 samples written, but the header declares 10") {
		t.Errorf("9 samples of 10 into a pipe: %v", err)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "short.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, _ = NewSizedWriter(f, 16000, PCM16, 10)
	w.Write(make([]float32, 9))
	if err := w.Close(); err != nil {
		t.Errorf("9 samples of 10 into a file: %v", err)
	}
	if _, info, err := ReadFile(f.Name(), 0, nil); err != nil || info.Frames != 9 {
		t.Errorf("the corrected file: %+v, %v", info, err)
	}
}

// TestSizedWriterSox: sox reads a sized stream from a pipe without the
// "Premature EOF" it reports for the placeholder sizes (skipped where sox is
// not installed).
func TestSizedWriterSox(t *testing.T) {
	sox, err := exec.LookPath("sox")
	if err != nil {
		t.Skip("sox not installed")
	}
	x := noise(16000)
	for _, sized := range []bool{true, false} {
		cmd := exec.Command(sox, "-t", "wav", "-", "-n", "stat")
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var w *Writer
		if sized {
			w, err = NewSizedWriter(in, 16000, PCM16, int64(len(x)))
		} else {
			w, err = NewWriter(in, 16000, PCM16)
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write(x)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("sox: %v: %s", err, stderr.String())
		}
		premature := strings.Contains(stderr.String(), "Premature EOF")
		if premature == sized || !regexp.MustCompile(`Samples read: +16010\n`).MatchString(stderr.String()) {
			t.Errorf("sized %v: sox says %q", sized, stderr.String())
		}
	}
}

// TestWriteStream: to a writer that cannot seek, the sizes stay placeholders
// and ReadFile warns but reads every sample; to one that can (a file opened
// by the caller, at an offset), Close fills them in.
func TestWriteStream(t *testing.T) {
	x := noise(777)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, 16000, Float32)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(x)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var warn strings.Builder
	y, _, err := Decode(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "pipe.wav", 0, &warn)
	if err != nil || len(y) != len(x) || !strings.Contains(warn.String(), "placeholder") {
		t.Errorf("stream: %d samples, err %v, warning %q", len(y), err, warn.String())
	}

	path := filepath.Join(t.TempDir(), "seek.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("junk")) // the header goes at the current offset
	w, err = NewWriter(f, 16000, PCM16)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(x)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, _ := os.ReadFile(path)
	warn.Reset()
	y, _, err = Decode(bytes.NewReader(b[4:]), int64(len(b)-4), "seek.wav", 0, &warn)
	if err != nil || len(y) != len(x) || warn.Len() != 0 {
		t.Errorf("seekable: %d samples, err %v, warning %q", len(y), err, warn.String())
	}
}

// BenchmarkWrite measures streaming 60 s at 16 kHz in 4096-sample writes.
func BenchmarkWrite(b *testing.B) {
	x := tone(440, 16000, 4096, 0.5)
	dir := b.TempDir()
	for _, format := range []Format{PCM16, Float32} {
		b.Run(format.String(), func(b *testing.B) {
			for b.Loop() {
				f, err := os.Create(filepath.Join(dir, "b.wav"))
				if err != nil {
					b.Fatal(err)
				}
				w, err := NewWriter(f, 16000, format)
				if err != nil {
					b.Fatal(err)
				}
				for range 60 * 16000 / 4096 {
					w.Write(x)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}

// WriteCodes writes what MuLawDecode makes of the codes, and refuses codes
// outside the classes without writing any of them.
func TestWriterWriteCodes(t *testing.T) {
	codes := []int32{0, 128, 255, 17, 200}
	var a, b bytes.Buffer
	wa, _ := NewWriter(&a, 16000, Float32)
	wb, _ := NewWriter(&b, 16000, Float32)
	if err := wa.WriteCodes(codes, 256); err != nil {
		t.Fatal(err)
	}
	if err := wa.WriteCodes(codes[:2], 256); err != nil { // a shorter call reuses the buffer
		t.Fatal(err)
	}
	wb.Write(MuLawDecode(nil, codes, 256))
	wb.Write(MuLawDecode(nil, codes[:2], 256))
	if err := wa.WriteCodes([]int32{1, 256}, 256); err == nil || !strings.Contains(err.Error(), "code 256 at 1 is outside [0, 256)") {
		t.Errorf("code 256: %v", err)
	}
	if err := wa.WriteCodes([]int32{0}, 1); err == nil {
		t.Error("one class was accepted")
	}
	wa.Close()
	wb.Close()
	if !bytes.Equal(a.Bytes(), b.Bytes()) || wa.Frames() != 7 {
		t.Errorf("WriteCodes wrote %d samples, other bytes than Write of MuLawDecode", wa.Frames())
	}
}
