package wavenet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDecodeRefusesNonFinite: a model whose weights hold a NaN or an
// infinity is refused at load, naming the first bad tensor in layout order
// and where in it.
func TestDecodeRefusesNonFinite(t *testing.T) {
	m := filledModel(t, tinyConfig(), 5)
	tensors := m.Tensors()
	first, later := tensors[2], tensors[len(tensors)-1]
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		first.Data[1] = bad
		later.Data[0] = float32(math.NaN())
		_, _, err := Decode(encodeModel(t, m, nil))
		want := `tensor "` + first.Name + `" holds ` + fmt.Sprint(bad) + " at index 1: weights must be finite"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v in %s: error %v, want %q", bad, first.Name, err, want)
		}
	}
	first.Data[1], later.Data[0] = 1e38, -1e38 // large but finite: fine
	if _, _, err := Decode(encodeModel(t, m, nil)); err != nil {
		t.Errorf("finite weights: %v", err)
	}
}

// TestLoadNotRegular: a FIFO no one writes and a symbolic link to
// /dev/zero are refused at once, named for what they are.
func TestLoadNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	zero := filepath.Join(dir, "zero.safetensors")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, says string }{
		{fifo, "a FIFO (named pipe), not a regular file"},
		{zero, "a character device, not a regular file"},
	} {
		done := make(chan error, 1)
		go func() {
			_, _, err := Load(tc.path)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.HasPrefix(err.Error(), "wavenet: "+tc.path+": ") || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Load(%s): %v, want an error saying %q", tc.path, err, tc.says)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Load(%s) still reading after 10 s", tc.path)
		}
	}
}

// TestBitsPerSampleContext: a done context stops the evaluation with its
// error; a live one gives BitsPerSample's number.
func TestBitsPerSampleContext(t *testing.T) {
	m := filledModel(t, tinyConfig(), 3)
	codes := make([]int32, 3*evalChunk)
	for i := range codes {
		codes[i] = int32(i % m.Config.QuantizationChannels)
	}
	bits, err := m.BitsPerSampleContext(context.Background(), codes, Cond{})
	if want := m.BitsPerSample(codes, Cond{}); err != nil || bits != want {
		t.Errorf("live context: %v, %v; want %v", bits, err, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.BitsPerSampleContext(ctx, codes, Cond{}); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v", err)
	}
}
