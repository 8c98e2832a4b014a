package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestStatusLine: at every width the line fits, the most important field
// is always there, fields go least important first, and the bar appears
// only where there is room for it.
func TestStatusLine(t *testing.T) {
	fields := []field{
		{"step 250/1500", 0},
		{"train 0.048", 1},
		{"val 0.051 bits", 3},
		{"39736 samples/s", 4},
		{"elapsed 10s", 5},
		{"ETA 1m10s", 2},
	}
	for width := 1; width <= 220; width++ {
		s := statusLine(width, 0.25, fields)
		if n := utf8.RuneCountInString(s); n > width {
			t.Fatalf("width %d: %d columns: %q", width, n, s)
		}
		if width >= len("step 250/1500") && !strings.Contains(s, "step 250/1500") {
			t.Errorf("width %d: the step is missing: %q", width, s)
		}
		if strings.Contains(s, "elapsed") && !strings.Contains(s, "ETA") {
			t.Errorf("width %d: a less important field kept over a more important one: %q", width, s)
		}
	}
	full := statusLine(200, 0.25, fields)
	if !strings.HasPrefix(full, "["+strings.Repeat("#", 10)+strings.Repeat(".", 30)+"] step 250/1500  train 0.048  val 0.051 bits") ||
		!strings.HasSuffix(full, "elapsed 10s  ETA 1m10s") {
		t.Errorf("at 200 columns: %q", full)
	}
	if s := statusLine(40, 0.5, fields); s != "step 250/1500  train 0.048  ETA 1m10s" {
		t.Errorf("at 40 columns: %q", s)
	}
	if s := statusLine(8, 0.5, fields); s != "step 25…" {
		t.Errorf("at 8 columns: %q", s)
	}
}

// TestProgressPlain: off a terminal there is no status line, only plain
// lines, forced or at most one per plainEvery; messages and the final line
// print as they are.
func TestProgressPlain(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "train: ")
	f := []field{{"step 10", 0}, {"ETA 5s", 1}}
	p.update(0.5, f, true)
	p.line(f, false)                       // the first: due
	p.line([]field{{"step 20", 0}}, false) // too soon
	p.line([]field{{"step 30", 0}}, true)  // forced
	p.Printf("train: warning: %s\n", "x")
	p.finish("train: done")
	if got := b.String(); got != "train: step 10  ETA 5s\ntrain: step 30\ntrain: warning: x\ntrain: done\n" {
		t.Errorf("plain output %q", got)
	}
}

func TestETA(t *testing.T) {
	for _, tc := range []struct {
		elapsed time.Duration
		frac    float64
		want    string
	}{{30 * time.Second, 0.25, "1m30s"}, {time.Second, 0, "?"}, {time.Minute, 1, "0s"}, {time.Minute, 2, "0s"}} {
		if got := eta(tc.elapsed, tc.frac); got != tc.want {
			t.Errorf("eta(%v, %v) = %q, want %q", tc.elapsed, tc.frac, got, tc.want)
		}
	}
}
