package audio

import "math"

// Silence trimming works on short-time RMS over trimWindow samples, stepped by
// trimHop: at 16 kHz a 32 ms window every 8 ms.
const (
	trimWindow = 512
	trimHop    = 128
)

// TrimSilence returns the part of x from the first to the last window of
// trimWindow samples (stepped by trimHop) whose RMS reaches thresholdDB
// relative to full scale (a full-scale sine is -3 dB; -40 is a usual
// threshold for speech). The result shares x's memory; it is x[:0] when no
// window is loud enough. A clip shorter than a window is one window.
func TrimSilence(x []float32, thresholdDB float64) []float32 {
	if len(x) == 0 {
		return x
	}
	thr := math.Pow(10, thresholdDB/20)
	thr2 := thr * thr * float64(min(trimWindow, len(x))) // threshold on the sum of squares
	loud := func(lo int) bool {
		var s float64
		for _, v := range x[lo:min(lo+trimWindow, len(x))] {
			s += float64(v) * float64(v)
		}
		return s >= thr2
	}
	// Window starts are 0, trimHop, ... up to the last full window, plus one
	// that ends exactly at len(x) so the tail is covered.
	last := max(0, len(x)-trimWindow)
	starts := func(yield func(int) bool) {
		for lo := 0; lo < last; lo += trimHop {
			if !yield(lo) {
				return
			}
		}
		yield(last)
	}
	first := -1
	end := 0
	for lo := range starts {
		if loud(lo) {
			if first < 0 {
				first = lo
			}
			end = min(lo+trimWindow, len(x))
		}
	}
	if first < 0 {
		return x[:0]
	}
	return x[first:end]
}
