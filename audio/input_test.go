package audio

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadFileNotRegular: a FIFO that no one writes, a symbolic link to
// /dev/zero and a directory are refused at once, each named for what it is;
// the FIFO does not make the reader wait for a writer.
func TestReadFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.wav")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	zero := filepath.Join(dir, "zero.wav")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, says string }{
		{fifo, "a FIFO (named pipe), not a regular file"},
		{zero, "a character device, not a regular file"},
		{dir, "a directory, not a regular file"},
	} {
		done := make(chan error, 2)
		go func() {
			_, _, err := ReadFile(tc.path, 16000, nil)
			done <- err
		}()
		go func() {
			_, _, _, err := ReadNpy(tc.path)
			done <- err
		}()
		for range 2 {
			select {
			case err := <-done:
				if err == nil || !strings.HasPrefix(err.Error(), "audio: "+tc.path+": ") || !strings.Contains(err.Error(), tc.says) {
					t.Errorf("%s: error %v, want one naming it and saying %q", tc.path, err, tc.says)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: still reading after 10 s", tc.path)
			}
		}
	}
}

// TestReadSecondDataChunk: a file with two data chunks is read from the
// first, with a warning that names the second.
func TestReadSecondDataChunk(t *testing.T) {
	pcm := fmtChunk(tagPCM, 1, 16000, 16)
	b := riff(chunk("fmt ", 16, pcm), chunk("data", 4, []byte{0, 64, 0, 192}), chunk("LIST", 4, []byte("INFO")), chunk("data", 2, []byte{1, 2}))
	var warn strings.Builder
	x, _, err := Decode(bytes.NewReader(b), int64(len(b)), "two.wav", 0, &warn)
	if err != nil || len(x) != 2 || x[0] != 0.5 || x[1] != -0.5 {
		t.Fatalf("read %v, %v; want the first chunk's two samples", x, err)
	}
	if w := warn.String(); !strings.Contains(w, "two.wav: a second data chunk, of 2 bytes at byte 60, is ignored") {
		t.Errorf("warning %q", w)
	}
	// One data chunk: no warning.
	b = wavFile(pcm, []byte{0, 64})
	warn.Reset()
	if _, _, err := Decode(bytes.NewReader(b), int64(len(b)), "one.wav", 0, &warn); err != nil || warn.Len() != 0 {
		t.Errorf("one data chunk: %v, warning %q", err, warn.String())
	}
}

// TestReadZeroValidBits: WAVE_FORMAT_EXTENSIBLE claiming 0 valid bits per
// sample is malformed.
func TestReadZeroValidBits(t *testing.T) {
	b := wavFile(extFmtChunk(tagPCM, 1, 16000, 16, 0), []byte{0, 64})
	_, _, err := Decode(bytes.NewReader(b), int64(len(b)), "zero-valid.wav", 0, nil)
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "0 valid bits in a 16-bit sample") {
		t.Errorf("error %v", err)
	}
}

// TestReadMissingPadByte: a chunk of odd size written without its pad
// byte is refused naming that chunk, not the garbage read one byte late.
func TestReadMissingPadByte(t *testing.T) {
	pcm := fmtChunk(tagPCM, 1, 16000, 16)
	list := append([]byte("LIST"), 3, 0, 0, 0, 'a', 'b', 'c') // no pad byte
	for _, data := range [][]byte{{0, 64, 0, 192}, bytes.Repeat([]byte{7}, 600)} {
		b := riff(chunk("fmt ", 16, pcm), list, chunk("data", uint32(len(data)), data))
		_, _, err := Decode(bytes.NewReader(b), int64(len(b)), "nopad.wav", 0, nil)
		want := `chunk "LIST" at byte 36 has an odd size, 3 bytes, but no pad byte after it (the next chunk, "data", starts at byte 47, not 48)`
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), want) {
			t.Errorf("%d data bytes: error %v\nwant %q", len(data), err, want)
		}
	}
	// With its pad byte the same file reads.
	b := riff(chunk("fmt ", 16, pcm), chunk("LIST", 3, []byte("abc")), chunk("data", 2, []byte{0, 64}))
	if x, _, err := Decode(bytes.NewReader(b), int64(len(b)), "pad.wav", 0, nil); err != nil || len(x) != 1 {
		t.Errorf("padded: %v, %v", x, err)
	}
}

// TestReadInfoBytes: ReadInfo describes a file without reading its samples,
// and ReadBytes bounds from above, within 2 MiB, what ReadFile then
// allocates, at the file's rate and resampled up six-fold.
func TestReadInfoBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "8k.wav")
	data := bytes.Repeat([]byte{1, 2, 3, 4}, 50000) // 100000 frames of 16-bit
	if err := os.WriteFile(path, wavFile(fmtChunk(tagPCM, 1, 8000, 16), data), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := ReadInfo(path)
	if err != nil || info.Frames != 100000 || info.SampleRate != 8000 || info.Channels != 1 || info.Duration != 12500*time.Millisecond {
		t.Fatalf("ReadInfo: %+v, %v", info, err)
	}
	for _, rate := range []int{0, 48000} {
		var x []float32
		got := allocBytes(func() { x, _, err = ReadFile(path, rate, nil) })
		if err != nil {
			t.Fatal(err)
		}
		est := info.ReadBytes(rate)
		if int64(got) > est || est > int64(got)+2<<20 {
			t.Errorf("at %d Hz (%d samples): ReadFile allocated %d bytes, ReadBytes says %d", rate, len(x), got, est)
		}
	}
	if _, err := ReadInfo(filepath.Dir(path)); err == nil || !strings.Contains(err.Error(), "a directory, not a regular file") {
		t.Errorf("ReadInfo of a directory: %v", err)
	}
}

// TestPeriodicityContext: a done context stops the pitch search with its
// error; a live one gives Periodicity's numbers.
func TestPeriodicityContext(t *testing.T) {
	x := make([]float32, 16000)
	for i := range x {
		x[i] = float32(math.Sin(2 * math.Pi * 220 * float64(i) / 16000))
	}
	p0, r0 := Periodicity(x, 16000, 50, 2000)
	p, r, err := PeriodicityContext(context.Background(), x, 16000, 50, 2000)
	if err != nil || p != p0 || r != r0 {
		t.Errorf("live context: %v %v %v, want %v %v", p, r, err, p0, r0)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := PeriodicityContext(ctx, x, 16000, 50, 2000); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v", err)
	}
}
