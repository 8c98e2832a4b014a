package train

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestProgressBar draws the terminal form into a buffer: a bar redrawn in
// place with the step, losses, speed and an ETA from the progress so far.
func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := newProgressBar(&b, 100, 0)
	p.tty, p.width = true, 100
	p.update(25, 30*time.Second, 5.5, 6.25, 12345)
	got := b.String()
	for _, want := range []string{"\r[", "#", ".", "step 25/100", "train 5.500", "val 6.250 bits", "12345 samples/s", "ETA 1m30s", "\x1b[K"} {
		if !strings.Contains(got, want) {
			t.Errorf("bar %q lacks %q", got, want)
		}
	}
	bar := got[strings.Index(got, "[")+1 : strings.Index(got, "]")]
	filled, empty := strings.Count(bar, "#"), strings.Count(bar, ".")
	if filled+empty != len(bar) || filled != len(bar)/4 {
		t.Errorf("bar has %d of %d cells filled at 25%%: %q", filled, filled+empty, got)
	}
	b.Reset()
	p.update(26, 31*time.Second, 5.5, 6.25, 12345) // too soon: not redrawn
	if b.Len() != 0 {
		t.Errorf("redrawn after %v: %q", time.Duration(0), b.String())
	}
	fmtOut := p.out()
	if b.String() != "\n" || fmtOut != &b {
		t.Errorf("out() after a bar wrote %q", b.String())
	}

	// Off a terminal: a plain line per validation row, others rate-limited;
	// with a time limit the ETA comes from the minutes.
	b.Reset()
	p = newProgressBar(&b, 0, 2)
	p.line(LogRow{Step: 10, Seconds: 30, TrainBits: 7, ValBits: -1, SamplesPerSec: 100})
	p.line(LogRow{Step: 20, Seconds: 60, TrainBits: 6.5, ValBits: -1, SamplesPerSec: 100})
	p.line(LogRow{Step: 30, Seconds: 90, TrainBits: 6, ValBits: 6.75, SamplesPerSec: 100})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "step 10  train 7.000  val - bits") ||
		!strings.Contains(lines[1], "val 6.750 bits") || !strings.Contains(lines[1], "ETA 30s") || strings.Contains(b.String(), "\r") {
		t.Errorf("plain lines: %q", b.String())
	}
}
