package audio

import (
	"math"
	"testing"
)

// TestSpectrogramTone: every frame of a steady tone peaks at the tone's
// bin, on a bin centre (1 kHz) or between two (440 Hz: the nearer); the
// bin's frequency is the tone's within half a bin.
func TestSpectrogramTone(t *testing.T) {
	const rate, n, hop = 16000, 512, 128
	for _, hz := range []float64{1000, 440} {
		x := anTone(8000, rate, 0.5, hz)
		s := NewSpectrogram(x, rate, n, hop, 80)
		if want := (8000-n+hop-1)/hop + 1; s.Frames != want || len(s.DB) != want*(n/2+1) {
			t.Fatalf("%v Hz: %d frames, %d values; want %d frames of %d bins", hz, s.Frames, len(s.DB), want, n/2+1)
		}
		want := int(math.Round(hz * n / rate))
		for j := range s.Frames {
			k := 0
			for b := range s.Bins() {
				if s.At(j, b) > s.At(j, k) {
					k = b
				}
			}
			if k != want || math.Abs(s.Hz(k)-hz) > float64(rate)/n/2 {
				t.Fatalf("%v Hz: frame %d peaks at bin %d (%v Hz), want bin %d", hz, j, k, s.Hz(k), want)
			}
		}
		// The floor: nothing below Peak−RangeDB, and far bins at it.
		lo := math.Inf(1)
		for _, v := range s.DB {
			lo = min(lo, v)
		}
		if math.Abs(lo-(s.Peak-80)) > 1e-9 {
			t.Errorf("%v Hz: lowest %v dB, want the floor %v", hz, lo, s.Peak-80)
		}
	}
}

// TestSpectrogramTimes: a burst in the middle of silence is loudest in the
// frames that cover it; frame centres and the frame count follow N and Hop;
// a signal shorter than a frame is one zero-padded frame.
func TestSpectrogramTimes(t *testing.T) {
	const rate, n, hop = 8000, 256, 64
	x := make([]float32, 4000)
	copy(x[2000:2256], anTone(256, rate, 0.8, 1000))
	s := NewSpectrogram(x, rate, n, hop, 60)
	loud := 0
	for j := range s.Frames {
		if s.At(j, 32) > s.At(loud, 32) {
			loud = j
		}
	}
	if got := s.Seconds(loud); math.Abs(got-2128.0/rate) > float64(hop)/rate {
		t.Errorf("the burst centred at %v s is loudest in the frame centred at %v s", 2128.0/rate, got)
	}
	if s.Seconds(0) != float64(n/2)/rate || s.Seconds(1)-s.Seconds(0) != float64(hop)/rate {
		t.Errorf("frame centres %v, %v", s.Seconds(0), s.Seconds(1))
	}
	if one := NewSpectrogram(x[:100], rate, n, hop, 60); one.Frames != 1 {
		t.Errorf("100 samples: %d frames, want 1", one.Frames)
	}
	if (s.Frames-1)*hop+n < len(x) || (s.Frames-2)*hop+n >= len(x) {
		t.Errorf("%d frames of %d every %d for %d samples: the last should be the first to reach the end", s.Frames, n, hop, len(x))
	}
}
