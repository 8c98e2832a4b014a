package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-audio/wav"
)

const testdata = "../testdata/audio"

// readTest reads a file from testdata at its own rate, failing the test on an
// error, and returns the samples, info and warnings.
func readTest(t testing.TB, name string) ([]float32, Info, string) {
	t.Helper()
	var warn strings.Builder
	x, info, err := ReadFile(filepath.Join(testdata, name), 0, &warn)
	if err != nil {
		t.Fatal(err)
	}
	return x, info, warn.String()
}

// goAudioDecode decodes a WAV file with go-audio/wav, an independent reader,
// and returns the decoder (for the header it read) and the samples.
func goAudioDecode(t *testing.T, path string) (*wav.Decoder, []int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := wav.NewDecoder(f)
	buf, err := d.FullPCMBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return d, buf.Data
}

// goAudioMono decodes a 16-bit PCM file with go-audio/wav (an independent
// implementation, right for even-length 16-bit data) and averages the
// channels.
func goAudioMono(t *testing.T, path string) []float64 {
	t.Helper()
	d, data := goAudioDecode(t, path)
	if d.BitDepth != 16 || (d.WavAudioFormat != tagPCM && d.WavAudioFormat != tagExtensible) {
		t.Fatalf("%s: want 16-bit PCM for the reference", path)
	}
	ch := int(d.NumChans)
	y := make([]float64, len(data)/ch)
	for i := range y {
		for c := range ch {
			y[i] += float64(data[i*ch+c])
		}
		y[i] /= 32768 * float64(ch)
	}
	return y
}

// TestReadFormats reads every format sox wrote from the same 16-bit samples
// (testdata/audio/make.sh) and checks each against go-audio's decoding of the
// 16-bit master, mixed to mono: exact for every format that holds 16-bit
// values exactly, within half an 8-bit step for unsigned 8-bit.
func TestReadFormats(t *testing.T) {
	stereo := goAudioMono(t, filepath.Join(testdata, "stereo_s16.wav"))
	multi3 := goAudioMono(t, filepath.Join(testdata, "multi3_s16_ext.wav"))
	mono := goAudioMono(t, filepath.Join(testdata, "mono_s16.wav"))
	for _, tc := range []struct {
		file     string
		ref      []float64
		channels int
		bits     int
		float    bool
		tol      float64
	}{
		{"stereo_s16.wav", stereo, 2, 16, false, 0},
		{"stereo_u8.wav", stereo, 2, 8, false, 1.0/256 + 1e-9},
		{"stereo_s24.wav", stereo, 2, 24, false, 0},
		{"stereo_s24_ext.wav", stereo, 2, 24, false, 0},
		{"stereo_s32_ext.wav", stereo, 2, 32, false, 0},
		{"stereo_f32.wav", stereo, 2, 32, true, 0},
		{"stereo_f64.wav", stereo, 2, 64, true, 0},
		{"multi3_s16_ext.wav", multi3, 3, 16, false, 0},
		{"multi3_f32.wav", multi3, 3, 32, true, 1e-7},
		{"multi3_f32_ext.wav", multi3, 3, 32, true, 1e-7},
		{"mono_s16.wav", mono, 1, 16, false, 0},
		{"mono_s24_odd.wav", mono, 1, 24, false, 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			x, info, warn := readTest(t, tc.file)
			if warn != "" {
				t.Errorf("unexpected warning: %s", warn)
			}
			if info.Channels != tc.channels || info.BitDepth != tc.bits || info.Float != tc.float || info.SampleRate != 16000 || info.Frames != 331 {
				t.Errorf("info = %+v", info)
			}
			if len(x) != len(tc.ref) {
				t.Fatalf("read %d samples, want %d", len(x), len(tc.ref))
			}
			for i := range x {
				// The reference rounded to float32 is what an exact reader returns.
				if d := math.Abs(float64(x[i]) - float64(float32(tc.ref[i]))); d > tc.tol {
					t.Fatalf("sample %d = %v, want %v (diff %g > %g)", i, x[i], tc.ref[i], d, tc.tol)
				}
			}
		})
	}
}

// TestReadOddLength24 reads 993 bytes of 24-bit mono data followed by a pad
// byte: 331 samples, where go-audio's FullPCMBuffer returns 332 (the pad byte
// decoded as a garbage sample, one of the bugs the reader guards against).
func TestReadOddLength24(t *testing.T) {
	path := filepath.Join(testdata, "mono_s24_odd.wav")
	x, _, _ := readTest(t, "mono_s24_odd.wav")
	if len(x) != 331 {
		t.Errorf("read %d samples, want 331", len(x))
	}
	_, data := goAudioDecode(t, path)
	t.Logf("go-audio FullPCMBuffer: %d samples (ours: %d)", len(data), len(x))
}

// TestReadMixdownMatchesSox compares the stereo mixdown with sox's own
// (`remix 1,2` to 32-bit float, committed as stereo_sox_mono_f32.wav).
func TestReadMixdownMatchesSox(t *testing.T) {
	x, _, _ := readTest(t, "stereo_s16.wav")
	ref, _, _ := readTest(t, "stereo_sox_mono_f32.wav")
	if len(x) != len(ref) {
		t.Fatalf("lengths %d, %d", len(x), len(ref))
	}
	// sox's remix sums at gain 0.5 per channel in its 32-bit integer pipeline.
	for i := range x {
		if d := math.Abs(float64(x[i] - ref[i])); d > 1e-7 {
			t.Fatalf("sample %d: ours %v, sox %v", i, x[i], ref[i])
		}
	}
}

// TestReadEspeakStdout reads the committed output of `espeak-ng --stdout`,
// whose data chunk claims 0x7FFFF000 bytes: a warning naming the file, and
// every whole frame present.
func TestReadEspeakStdout(t *testing.T) {
	path := filepath.Join(testdata, "espeak_stdout.wav")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	x, info, warn := readTest(t, "espeak_stdout.wav")
	if !strings.Contains(warn, path) || !strings.Contains(warn, "placeholder") || strings.Count(warn, "\n") != 1 {
		t.Errorf("warning = %q", warn)
	}
	if want := int(st.Size()-44) / 2; len(x) != want || info.Frames != want || info.SampleRate != 22050 {
		t.Errorf("read %d samples, info %+v; want %d at 22050 Hz", len(x), info, want)
	}
	var peak float32
	for _, v := range x {
		peak = max(peak, v, -v)
	}
	if peak < 0.05 {
		t.Errorf("peak %v: the speech is missing", peak)
	}
}

// TestReadTruncated cuts a 24-bit stereo file inside a frame: a warning
// naming the file, and the whole frames before the cut, equal to the intact
// file's.
func TestReadTruncated(t *testing.T) {
	full, err := os.ReadFile(filepath.Join(testdata, "stereo_s24.wav"))
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := readTest(t, "stereo_s24.wav")
	cut := full[:44+100*6+4] // 100 frames and 4 bytes of the next
	var warn strings.Builder
	x, info, err := Decode(bytes.NewReader(cut), int64(len(cut)), "cut.wav", 0, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warn.String(), "cut.wav") || !strings.Contains(warn.String(), "truncated") {
		t.Errorf("warning = %q", warn.String())
	}
	if len(x) != 100 || info.Frames != 100 {
		t.Fatalf("read %d frames, want 100", len(x))
	}
	for i := range x {
		if x[i] != want[i] {
			t.Fatalf("sample %d = %v, want %v", i, x[i], want[i])
		}
	}
}

// TestReadPartialFrame: a data chunk whose declared size is present but not a
// whole number of frames is read with a warning.
func TestReadPartialFrame(t *testing.T) {
	data := []byte{1, 0, 2, 0, 3, 0, 4, 0, 5, 0} // 2 stereo 16-bit frames and a half
	b := wavFile(fmtChunk(tagPCM, 2, 16000, 16), data)
	var warn strings.Builder
	x, _, err := Decode(bytes.NewReader(b), int64(len(b)), "partial.wav", 0, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != 2 || x[0] != 1.5/32768 || x[1] != 3.5/32768 {
		t.Errorf("got %v", x)
	}
	if !strings.Contains(warn.String(), "partial.wav") || !strings.Contains(warn.String(), "dropping the last 2 bytes") {
		t.Errorf("warning = %q", warn.String())
	}
}

// fmtChunk returns a plain 16-byte fmt chunk body.
func fmtChunk(tag, channels, rate, bits int) []byte {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, uint16(tag))
	b = le.AppendUint16(b, uint16(channels))
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(rate*channels*bits/8))
	b = le.AppendUint16(b, uint16(channels*bits/8))
	return le.AppendUint16(b, uint16(bits))
}

// extFmtChunk returns a 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk body.
func extFmtChunk(sub, channels, rate, bits, valid int) []byte {
	le := binary.LittleEndian
	b := fmtChunk(tagExtensible, channels, rate, bits)
	b = le.AppendUint16(b, 22)
	b = le.AppendUint16(b, uint16(valid))
	b = le.AppendUint32(b, 0)
	b = le.AppendUint16(b, uint16(sub))
	return append(b, extensibleGUIDTail...)
}

// chunk returns id, the little-endian size and body, padded to even length.
func chunk(id string, size uint32, body []byte) []byte {
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, size)...)
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// wavFile returns a RIFF/WAVE file with the given fmt body and data.
func wavFile(fmtBody, data []byte) []byte {
	return riff(chunk("fmt ", uint32(len(fmtBody)), fmtBody), chunk("data", uint32(len(data)), data))
}

func riff(chunks ...[]byte) []byte {
	body := []byte("WAVE")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// TestReadRefuses feeds one malformed file per failure case and checks the
// error: its kind, that it names the file, and that it says what is wrong.
func TestReadRefuses(t *testing.T) {
	pcm := fmtChunk(tagPCM, 1, 16000, 16)
	two := []byte{0, 1, 0, 2}
	nanData := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 0), math.Float32bits(float32(math.NaN())))
	badGUID := extFmtChunk(tagPCM, 1, 16000, 16, 16)
	badGUID[30] ^= 0xff
	oddAlign := fmtChunk(tagPCM, 2, 16000, 16)
	oddAlign[12] = 3
	hugeFmt := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt \xf0\xff\xff\x7f"), pcm...)
	for _, tc := range []struct {
		name string
		data []byte
		kind error
		says string
	}{
		{"empty file", nil, ErrNotWAVE, "too short"},
		{"text", []byte("hello, this is not a wav file"), ErrNotWAVE, `starts with "hello, this "`},
		{"RIFX", append([]byte("RIFX"), wavFile(pcm, two)[4:]...), ErrUnsupported, "big-endian (RIFX) WAV"},
		{"RF64", append([]byte("RF64"), wavFile(pcm, two)[4:]...), ErrUnsupported, "RF64 (WAV over 4 GiB)"},
		{"AVI", append(append([]byte("RIFF\x04\x00\x00\x00"), "AVI "...), make([]byte, 8)...), ErrNotWAVE, "AVI"},
		{"huge fmt chunk", hugeFmt, ErrMalformed, "fmt chunk claims 2147483632 bytes"},
		{"short fmt chunk", riff(chunk("fmt ", 14, pcm[:14]), chunk("data", 4, two)), ErrMalformed, "fmt chunk claims 14 bytes"},
		{"fmt past the end", riff(chunk("fmt ", 40, pcm)), ErrMalformed, "file ends after 16"},
		{"huge chunk before data", riff(chunk("fmt ", 16, pcm), chunk("LIST", 0xfffffff0, nil), chunk("data", 4, two)), ErrMalformed, `"LIST" at byte 36 claims 4294967280 bytes`},
		{"zero channels", wavFile(fmtChunk(tagPCM, 0, 16000, 16), two), ErrMalformed, "zero channels"},
		{"sample rate 0", wavFile(fmtChunk(tagPCM, 1, 0, 16), two), ErrMalformed, "sample rate 0"},
		{"sample rate 10 Hz", wavFile(fmtChunk(tagPCM, 1, 10, 16), two), ErrUnsupported, "sample rate 10 Hz"},
		{"12-bit PCM", wavFile(fmtChunk(tagPCM, 1, 16000, 12), two), ErrUnsupported, "12-bit PCM"},
		{"16-bit float", wavFile(fmtChunk(tagFloat, 1, 16000, 16), two), ErrUnsupported, "16-bit float"},
		{"μ-law codec", wavFile(fmtChunk(7, 1, 8000*2, 8), two), ErrUnsupported, "0x0007 (μ-law)"},
		{"MP3 codec", wavFile(fmtChunk(0x55, 1, 16000, 16), two), ErrUnsupported, "MPEG layer 3"},
		{"extensible without extension", wavFile(fmtChunk(tagExtensible, 1, 16000, 16), two), ErrMalformed, "lacks its extension"},
		{"extensible unknown GUID", wavFile(badGUID, two), ErrUnsupported, "sub-format GUID"},
		{"extensible ADPCM", wavFile(extFmtChunk(2, 1, 16000, 16, 16), two), ErrUnsupported, "ADPCM"},
		{"extensible valid bits", wavFile(extFmtChunk(tagPCM, 1, 16000, 16, 24), two), ErrMalformed, "24 valid bits in a 16-bit sample"},
		{"block align", wavFile(oddAlign, two), ErrMalformed, "block align 3"},
		{"no fmt chunk", riff(chunk("LIST", 4, []byte("INFO"))), ErrMalformed, "no fmt chunk"},
		{"data before fmt", riff(chunk("data", 4, two), chunk("fmt ", 16, pcm)), ErrMalformed, "before the fmt chunk"},
		{"no data chunk", riff(chunk("fmt ", 16, pcm)), ErrEmpty, "no data chunk"},
		{"empty data", wavFile(pcm, nil), ErrEmpty, "no whole frame"},
		{"less than a frame", wavFile(fmtChunk(tagPCM, 2, 16000, 24), []byte{1, 2, 3, 4, 5}), ErrEmpty, "no whole frame"},
		{"NaN sample", wavFile(fmtChunk(tagFloat, 1, 16000, 32), nanData), ErrMalformed, "frame 1 holds a NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "bad-" + strings.ReplaceAll(tc.name, " ", "_") + ".wav"
			var warn strings.Builder
			x, _, err := Decode(bytes.NewReader(tc.data), int64(len(tc.data)), name, 16000, &warn)
			if err == nil {
				t.Fatalf("read %d samples, want an error", len(x))
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q is not %q", err, tc.kind)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "audio: "+name+": ") || !strings.Contains(msg, tc.says) {
				t.Errorf("error %q should start with the file name and say %q", msg, tc.says)
			}
			t.Log(msg)
		})
	}
}

// TestReadFileErrors: a missing file, a directory, and a bad requested rate.
func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		path string
		rate int
		says string
	}{
		{filepath.Join(dir, "missing.wav"), 16000, "missing.wav: no such file"},
		{dir, 16000, "not a regular file"},
		{filepath.Join(testdata, "mono_s16.wav"), 5, "cannot resample to 5 Hz"},
	} {
		_, _, err := ReadFile(tc.path, tc.rate, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "audio: ") || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("ReadFile(%s, %d): error %v, want one saying %q", tc.path, tc.rate, err, tc.says)
		}
	}
}

// TestReadResamples reads a 16 kHz file at 8 and 22.05 kHz: the lengths
// follow Resample's rule and the info still describes the file.
func TestReadResamples(t *testing.T) {
	for _, rate := range []int{8000, 22050} {
		x, info, err := ReadFile(filepath.Join(testdata, "stereo_s24.wav"), rate, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := (331*rate + 15999) / 16000; len(x) != want || info.SampleRate != 16000 || info.Frames != 331 {
			t.Errorf("at %d Hz: %d samples (want %d), info %+v", rate, len(x), want, info)
		}
	}
}

// allocBytes returns the heap bytes allocated while f runs (nothing else
// allocates meanwhile in a non-parallel test). It reads runtime/metrics,
// which unlike runtime.ReadMemStats does not stop the world, so the fuzz
// test stays fast.
func allocBytes(f func()) uint64 {
	// The counter is process-wide: other goroutines (the runtime's, a
	// parallel test's) may allocate meanwhile and only ever add to it, so
	// the least of three runs is the closest to f's own.
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	least := uint64(math.MaxUint64)
	for range 3 {
		metrics.Read(s)
		a := s[0].Value.Uint64()
		f()
		metrics.Read(s)
		least = min(least, s[0].Value.Uint64()-a)
	}
	return least
}

// allocBound is what Decode may allocate for an input of n bytes read at
// 16 kHz: a fixed 1.5 MiB (read block, resampler table) plus 4
// bytes per frame stored and up to 16 output samples per input frame (the
// lowest accepted rate is 1 kHz), with a frame at least one byte.
func allocBound(n int) uint64 { return 3<<19 + uint64(n)*(4+4*16+8) }

// TestReadAllocationBounded checks allocBound on the committed files and on
// lying headers; the fuzz test checks it on anything.
func TestReadAllocationBounded(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdata, "*.wav"))
	inputs := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = b
	}
	// A 1 kHz file read at 16 kHz is the largest expansion allowed.
	inputs["1kHz u8"] = wavFile(fmtChunk(tagPCM, 1, 1000, 8), bytes.Repeat([]byte{7, 200}, 500))
	// Claims of gigabytes in every size field.
	lie := wavFile(fmtChunk(tagPCM, 1, 16000, 16), make([]byte, 64))
	binary.LittleEndian.PutUint32(lie[4:], 0xffffffff)
	binary.LittleEndian.PutUint32(lie[40:], 0xfffffff0)
	inputs["lying sizes"] = lie
	for name, b := range inputs {
		got := allocBytes(func() { Decode(bytes.NewReader(b), int64(len(b)), name, 16000, nil) })
		if bound := allocBound(len(b)); got > bound {
			t.Errorf("%s: %d bytes in, %d allocated > bound %d", name, len(b), got, bound)
		}
	}
}

// TestReadValidBits: WAVE_FORMAT_EXTENSIBLE with 20 valid bits in 24-bit and
// 24 in 32-bit containers. The samples are left-justified, so scaling by the
// container size gives the right values.
func TestReadValidBits(t *testing.T) {
	for _, tc := range []struct{ bits, valid int }{{24, 20}, {32, 24}} {
		var data []byte
		for _, v := range []int64{1 << 30, -1 << 29, 1 << 12} { // in 32-bit units
			v >>= 32 - tc.bits
			for k := 0; k < tc.bits/8; k++ {
				data = append(data, byte(v>>(8*k)))
			}
		}
		b := wavFile(extFmtChunk(tagPCM, 1, 16000, tc.bits, tc.valid), data)
		x, info, err := Decode(bytes.NewReader(b), int64(len(b)), "valid.wav", 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []float32{0.5, -0.25, 1.0 / (1 << 19)}
		if info.BitDepth != tc.bits || len(x) != 3 || x[0] != want[0] || x[1] != want[1] || x[2] != want[2] {
			t.Errorf("%d valid in %d: %v (info %+v), want %v", tc.valid, tc.bits, x, info, want)
		}
	}
}

// eofReaderAt is a bytes.Reader whose ReadAt returns io.EOF with a full read
// that ends at the end of the data, as io.ReaderAt allows.
type eofReaderAt struct{ b []byte }

func (r eofReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := bytes.NewReader(r.b).ReadAt(p, off)
	if err == nil && off+int64(n) == int64(len(r.b)) {
		err = io.EOF
	}
	return n, err
}

// TestReadEOFWithFullRead: a reader that reports io.EOF along with a full
// read at the end of its data reads the same as bytes.Reader, and files that
// end right after their fmt chunk or an empty data chunk get the same
// errors either way.
func TestReadEOFWithFullRead(t *testing.T) {
	pcm := fmtChunk(tagPCM, 1, 16000, 16)
	for _, tc := range []struct {
		name string
		data []byte
		kind error
	}{
		{"whole file", wavFile(pcm, []byte{0, 1, 0, 2}), nil},
		{"ends after fmt", riff(chunk("fmt ", 16, pcm)), ErrEmpty},
		{"ends after an empty data header", wavFile(pcm, nil), ErrEmpty},
	} {
		x, _, err := Decode(eofReaderAt{tc.data}, int64(len(tc.data)), "eof.wav", 0, nil)
		want, _, wantErr := Decode(bytes.NewReader(tc.data), int64(len(tc.data)), "eof.wav", 0, nil)
		if !errors.Is(err, tc.kind) || !errors.Is(wantErr, tc.kind) || (err == nil) != (tc.kind == nil) || !slices.Equal(x, want) {
			t.Errorf("%s: %v and %d samples, want %v and %d samples (bytes.Reader: %v)", tc.name, err, len(x), tc.kind, len(want), wantErr)
		}
	}
	// A reader that comes up short is an error, not a short read.
	b := wavFile(pcm, make([]byte, 100))
	if _, _, err := Decode(bytes.NewReader(b[:60]), int64(len(b)), "short.wav", 0, nil); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "short.wav") {
		t.Errorf("reader shorter than its size: %v, want io.ErrUnexpectedEOF naming the file", err)
	}
}

// TestReadPCMScaling pins the spec's scaling on hand-made frames: PCM is
// divided by 2^(bits-1), 8-bit PCM is unsigned (128 is zero), so the
// extremes are exactly -1 and 1 - 2^(1-bits); channels are averaged exactly.
func TestReadPCMScaling(t *testing.T) {
	le := binary.LittleEndian
	s24 := func(v int32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16)} }
	for _, tc := range []struct {
		name string
		bits int
		ch   int
		data []byte
		want []float32
	}{
		{"u8", 8, 1, []byte{0, 128, 255, 64, 192}, []float32{-1, 0, 127.0 / 128, -0.5, 0.5}},
		{"u8 stereo", 8, 2, []byte{0, 255, 128, 129}, []float32{-1.0 / 256, 1.0 / 256}},
		{"s16", 16, 1, le.AppendUint16(le.AppendUint16(le.AppendUint16(nil, 0x8000), 0x7fff), 0xc000), []float32{-1, 32767.0 / 32768, -0.5}},
		{"s16 stereo", 16, 2, le.AppendUint16(le.AppendUint16(nil, 0x7fff), 0x7fff), []float32{32767.0 / 32768}},
		{"s24", 24, 1, slices.Concat(s24(-1<<23), s24(1<<23-1), s24(1<<22), s24(-1)), []float32{-1, 8388607.0 / 8388608, 0.5, -1.0 / 8388608}},
		{"s32", 32, 1, le.AppendUint32(le.AppendUint32(le.AppendUint32(nil, 0x80000000), 0x7fffffff), 0xffffffff), []float32{-1, float32(2147483647.0 / 2147483648), float32(-1.0 / 2147483648)}},
		{"s32 stereo", 32, 2, le.AppendUint32(le.AppendUint32(nil, 0x80000000), 0x80000000), []float32{-1}},
	} {
		b := wavFile(fmtChunk(tagPCM, tc.ch, 16000, tc.bits), tc.data)
		x, _, err := Decode(bytes.NewReader(b), int64(len(b)), tc.name+".wav", 0, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(x, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, x, tc.want)
		}
	}
}

// zeroTail is a ReaderAt of head followed by zeros, as long as asked.
type zeroTail struct{ head []byte }

func (z zeroTail) ReadAt(p []byte, off int64) (int, error) {
	for i := range p {
		p[i] = 0
		if o := off + int64(i); o < int64(len(z.head)) {
			p[i] = z.head[o]
		}
	}
	return len(p), nil
}

// TestReadTooLongFor32Bit: on a 32-bit platform a 3 GiB 8-bit file holds more
// samples than a slice can; Decode refuses it instead of panicking in make
// (it did). Run with GOARCH=386; a 64-bit platform would read it.
func TestReadTooLongFor32Bit(t *testing.T) {
	if strconv.IntSize != 32 {
		t.Skip("needs a 32-bit platform (GOARCH=386)")
	}
	const data = 0xC0000000
	h := wavFile(fmtChunk(tagPCM, 1, 16000, 8), nil)
	binary.LittleEndian.PutUint32(h[len(h)-4:], data)
	_, _, err := Decode(zeroTail{h}, int64(len(h))+data, "big.wav", 0, nil)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "big.wav") || !strings.Contains(err.Error(), "32-bit") {
		t.Errorf("Decode of 3 GiB of 8-bit samples on a 32-bit platform: %v, want ErrUnsupported naming the file", err)
	}
}
