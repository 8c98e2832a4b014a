package audio

import (
	"testing"
)

// TestTrimSilence: silence and quiet noise around a tone are cut at window
// granularity, the tone kept whole; the result shares x's memory.
func TestTrimSilence(t *testing.T) {
	x := make([]float32, 16000)
	noise := noise(len(x))
	for i := range x {
		x[i] = noise[i] * 1e-3 // about -62 dBFS RMS
	}
	copy(x[5000:9000], tone(440, 16000, 4000, 0.5)) // -9 dBFS RMS
	y := TrimSilence(x, -40)
	start := len(x) - cap(y) // offset of y in x
	if start > 5000 || start < 5000-trimWindow || start+len(y) < 9000 || start+len(y) > 9000+trimWindow {
		t.Errorf("kept [%d, %d), want about [5000, 9000)", start, start+len(y))
	}
	if len(TrimSilence(x, -70)) != len(x) {
		t.Error("at -70 dB the noise is loud enough: nothing should be cut")
	}
	if y := TrimSilence(x, -3); len(y) != 0 {
		t.Errorf("at -3 dB nothing is loud enough, kept %d", len(y))
	}
	if y := TrimSilence(nil, -40); len(y) != 0 {
		t.Error("nil in, something out")
	}
	short := tone(440, 16000, 100, 0.5)
	if y := TrimSilence(short, -40); len(y) != 100 {
		t.Errorf("a short loud clip was trimmed to %d", len(y))
	}
	// A loud burst at the very end is kept to the last sample.
	tail := make([]float32, 3000)
	copy(tail[2990:], tone(440, 16000, 10, 0.9))
	y = TrimSilence(tail, -40)
	if len(tail)-cap(y)+len(y) != len(tail) || len(y) == 0 || len(y) > trimWindow {
		t.Errorf("tail burst: kept %d samples ending at %d", len(y), len(tail)-cap(y)+len(y))
	}
}
