package audio

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Decode (at 16 kHz): it must not panic,
// must allocate no more than allocBound(len(data)), and when it succeeds the
// result must agree with its Info. Seeded with every WAV in testdata/audio
// (cut to 512 bytes: the fuzzer minimizes each new input it keeps, in time
// quadratic in its length, and small seeds keep it fuzzing rather than
// minimizing; the cut files still reach every decoder, and the whole files
// are read by the other tests) and with hand-made headers of each format.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(testdata, "*.wav"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 512)])
	}
	two := []byte{0, 1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	f.Add(wavFile(fmtChunk(tagPCM, 1, 1000, 8), two))
	f.Add(wavFile(fmtChunk(tagFloat, 2, 44100, 32), two[:8]))
	f.Add(wavFile(extFmtChunk(tagFloat, 1, 96000, 64, 64), two[:8]))
	f.Add(wavFile(extFmtChunk(tagPCM, 4, 8000, 24, 20), two))
	f.Fuzz(func(t *testing.T, data []byte) {
		var x []float32
		var info Info
		var err error
		got := allocBytes(func() {
			x, info, err = Decode(bytes.NewReader(data), int64(len(data)), "fuzz.wav", 16000, io.Discard)
		})
		if bound := allocBound(len(data)); got > bound {
			t.Fatalf("%d bytes in, %d allocated > bound %d (info %+v, err %v)", len(data), got, bound, info, err)
		}
		if err != nil {
			return
		}
		want := (int64(info.Frames)*16000 + int64(info.SampleRate) - 1) / int64(info.SampleRate)
		if info.Frames <= 0 || int64(len(x)) != want || info.Channels <= 0 {
			t.Fatalf("%d samples from info %+v", len(x), info)
		}
	})
}

// TestReadManyBlocks reads data spanning several read blocks (stereo 24-bit,
// 100003 frames = 600018 bytes, blocks of 256 KiB) and checks every sample.
func TestReadManyBlocks(t *testing.T) {
	const frames = 100003
	data := make([]byte, 0, frames*6)
	want := make([]float32, frames)
	for i := range frames {
		l := int32(i*97%(1<<24)) - 1<<23
		r := int32(i*31%(1<<24)) - 1<<23
		for _, v := range []int32{l, r} {
			data = append(data, byte(v), byte(v>>8), byte(v>>16))
		}
		want[i] = float32(float64(int64(l)+int64(r)) / (2 << 23))
	}
	b := wavFile(fmtChunk(tagPCM, 2, 48000, 24), data)
	x, info, err := Decode(bytes.NewReader(b), int64(len(b)), "blocks.wav", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != frames || len(x) != frames {
		t.Fatalf("%d frames", len(x))
	}
	for i := range x {
		if x[i] != want[i] {
			t.Fatalf("sample %d = %v, want %v", i, x[i], want[i])
		}
	}
}

// writeLongWAV writes seconds of 48 kHz stereo 24-bit PCM (a tone left,
// noise-like right) to path, 1 s at a time.
func writeLongWAV(tb testing.TB, path string, seconds int) {
	const rate, ch, bytesPer = 48000, 2, 3
	dataLen := seconds * rate * ch * bytesPer
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	le := binary.LittleEndian
	hdr := []byte("RIFF")
	hdr = le.AppendUint32(hdr, uint32(36+dataLen))
	hdr = append(hdr, "WAVEfmt "...)
	hdr = le.AppendUint32(hdr, 16)
	hdr = append(hdr, fmtChunk(tagPCM, ch, rate, 8*bytesPer)...)
	hdr = append(hdr, "data"...)
	hdr = le.AppendUint32(hdr, uint32(dataLen))
	if _, err := f.Write(hdr); err != nil {
		tb.Fatal(err)
	}
	sec := make([]byte, rate*ch*bytesPer)
	t := tone(440, rate, rate, 0.5)
	for i := range rate {
		l := int32(t[i] * (1 << 23))
		r := int32((i*7919)%(1<<20)) - 1<<19
		copy(sec[6*i:], []byte{byte(l), byte(l >> 8), byte(l >> 16), byte(r), byte(r >> 8), byte(r >> 16)})
	}
	for range seconds {
		if _, err := f.Write(sec); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkReadFile10Min loads a 10-minute 48 kHz stereo 24-bit file
// (172.8 MB, generated in the benchmark's temporary directory) at its own
// rate and resampled to 16 kHz.
func BenchmarkReadFile10Min(b *testing.B) {
	path := filepath.Join(b.TempDir(), "10min.wav")
	writeLongWAV(b, path, 600)
	for _, rate := range []int{0, 16000} {
		name := map[int]string{0: "native", 16000: "to16k"}[rate]
		b.Run(name, func(b *testing.B) {
			b.SetBytes(600 * 48000 * 6)
			for b.Loop() {
				x, _, err := ReadFile(path, rate, nil)
				if err != nil {
					b.Fatal(err)
				}
				want := 600 * 48000
				if rate != 0 {
					want = 600 * rate
				}
				if len(x) != want {
					b.Fatalf("%d samples, want %d", len(x), want)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/load")
		})
	}
}
