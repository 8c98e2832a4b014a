package main

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/wavenet-go/wavenet-go/wavenet/train"
)

// lossRows is a log like a short clip's: the training loss falls from 8
// bits to 0.02, the validation loss (every 5th row) to its lowest, 0.5 bits,
// at step 300, and then climbs to 3.
func lossRows() []train.LogRow {
	var rows []train.LogRow
	for step := 10; step <= 1000; step += 10 {
		r := train.LogRow{Step: step, TrainBits: 8 * math.Pow(0.0025, float64(step)/1000), ValBits: -1}
		if step%50 == 0 {
			r.ValBits = 0.5 + 2.5*math.Abs(float64(step-300))/700
		}
		rows = append(rows, r)
	}
	return rows
}

// TestLossFigure: the loss curve has a log y axis spanning every loss, with
// ticks labelled through the 0.02–3 bits that matter; the lowest validation
// is marked by a line at its step across the axis and named in the key.
func TestLossFigure(t *testing.T) {
	rows := lossRows()
	f, err := newLossFigure(rows)
	if err != nil {
		t.Fatal(err)
	}
	p := f.plot
	if _, ok := p.Y.Scale.(plot.LogScale); !ok {
		t.Errorf("y scale %T, want plot.LogScale", p.Y.Scale)
	}
	if !(p.Y.Min > 0 && p.Y.Min <= 0.02 && p.Y.Max >= 8 && p.Y.Max < 20) {
		t.Errorf("y axis %v to %v; want it positive and spanning 0.02 to 8", p.Y.Min, p.Y.Max)
	}
	var labels []string
	for _, tk := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got, want := strings.Join(labels, " "), "0.02 0.05 0.1 0.2 0.5 1 2 5"; got != want {
		t.Errorf("y tick labels %q, want %q", got, want)
	}
	if len(f.train) != len(rows) || len(f.val) != 20 {
		t.Errorf("%d training and %d validation points, want %d and 20", len(f.train), len(f.val), len(rows))
	}
	if f.best < 0 || f.val[f.best].X != 300 || f.val[f.best].Y != 0.5 {
		t.Fatalf("best %d (%v); want the validation at step 300, 0.5 bits", f.best, f.val)
	}
	if len(f.bestMark) != 2 || f.bestMark[0].X != 300 || f.bestMark[1].X != 300 ||
		f.bestMark[0].Y != p.Y.Min || f.bestMark[1].Y != p.Y.Max {
		t.Errorf("best mark %v; want a line at step 300 from %v to %v", f.bestMark, p.Y.Min, p.Y.Max)
	}
	if len(f.key) != 3 || f.key[2].label != "lowest validation: 0.500 bits at step 300" {
		t.Errorf("key %v", f.key)
	}

	// A tie keeps the first (as the trainer keeps the first best model);
	// a zero loss is drawn at the axis's floor; a log without validations
	// has no mark.
	rows[9].ValBits = 0.5
	rows[0].TrainBits = 0
	if f, err = newLossFigure(rows); err != nil {
		t.Fatal(err)
	}
	if f.val[f.best].X != 100 || f.train[0].Y != lossFloor || !(f.plot.Y.Min > 0) {
		t.Errorf("tie: best at step %v; zero loss drawn at %v, axis from %v", f.val[f.best].X, f.train[0].Y, f.plot.Y.Min)
	}
	for i := range rows {
		rows[i].ValBits = -1
	}
	if f, err = newLossFigure(rows); err != nil || f.best != -1 || f.bestMark != nil || len(f.key) != 1 {
		t.Errorf("no validation: %v, best %d, mark %v, key %v", err, f.best, f.bestMark, f.key)
	}
}

// TestLossPNG: the PNG decodes, at the size it is drawn.
func TestLossPNG(t *testing.T) {
	var b bytes.Buffer
	if err := writeLossPNG(&b, lossRows()); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got.X != lossW*96/72 || got.Y != lossH*96/72 {
		t.Errorf("PNG of %v pixels, want %d × %d", got, lossW*96/72, lossH*96/72)
	}
}

// toneWave is n samples of a sine at hz, at rate Hz.
func toneWave(n, rate int, hz float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return x
}

// TestWaveFigureSpectrogram: the spectrogram panel of a tone is brightest,
// in every frame, in the row of the tone's frequency, and spans the
// waveform's time axis.
func TestWaveFigureSpectrogram(t *testing.T) {
	const rate = 16000
	f, err := newWaveFigure(toneWave(16000, rate, 1250), rate, 0, "a tone")
	if err != nil {
		t.Fatal(err)
	}
	s := f.spec
	if s.N != 512 || s.Hop != 128 {
		t.Errorf("frames of %d every %d at 16 kHz, want 512 every 128", s.N, s.Hop)
	}
	for j := range s.Frames {
		k := 0
		for b := range s.Bins() {
			if s.At(j, b) > s.At(j, k) {
				k = b
			}
		}
		if math.Abs(s.Hz(k)-1250) > s.Hz(1)/2 {
			t.Fatalf("frame %d is brightest at %v Hz, want the tone's 1250", j, s.Hz(k))
		}
	}
	w, sp := f.panels[0], f.panels[1]
	if sp.Y.Min != 0 || sp.Y.Max != rate/2 || sp.X.Min != w.X.Min || sp.X.Max != w.X.Max || w.X.Max < 1 {
		t.Errorf("spectrogram axes %v..%v s, %v..%v Hz; waveform %v..%v s", sp.X.Min, sp.X.Max, sp.Y.Min, sp.Y.Max, w.X.Min, w.X.Max)
	}
	if f.primeEnd != 0 || f.primeMarks[0] != nil || f.primeMarks[1] != nil || f.primeMarks[2] != nil || len(f.key) != 0 {
		t.Errorf("no prime, yet a prime mark: %v %v %v", f.primeEnd, f.primeMarks, f.key)
	}
}

// TestWaveFigurePrime: the prime's end is marked at its time on the
// waveform and the spectrogram, and on the close-up only when it falls in
// the last zoomMS milliseconds, at its place there.
func TestWaveFigurePrime(t *testing.T) {
	const rate = 8000
	zoom := rate * zoomMS / 1000 // 240 samples
	for _, tc := range []struct {
		prime, generated int
		zoomMS           float64 // where the close-up marks it; −1 for nowhere
	}{
		{4000, 4000, -1},
		{4000, 100, float64(zoom-100) / rate * 1000},
		{100, 50, 100.0 / rate * 1000}, // a clip shorter than the close-up: it is all shown
	} {
		x := append(toneWave(tc.prime, rate, 300), toneWave(tc.generated, rate, 500)...)
		f, err := newWaveFigure(x, rate, tc.prime, "primed")
		if err != nil {
			t.Fatal(err)
		}
		at := float64(tc.prime) / rate
		if f.primeEnd != at {
			t.Errorf("%+v: prime ends at %v s, want %v", tc, f.primeEnd, at)
		}
		for i := range 2 {
			if m := f.primeMarks[i]; len(m) != 2 || m[0].X != at || m[1].X != at || m[0].Y != f.panels[i].Y.Min || m[1].Y != f.panels[i].Y.Max {
				t.Errorf("%+v: panel %d marks the prime at %v; want a line at %v s across the axis", tc, i, m, at)
			}
		}
		m := f.primeMarks[2]
		switch {
		case tc.zoomMS < 0 && m != nil:
			t.Errorf("%+v: the close-up marks the prime at %v, but it ends before the close-up", tc, m)
		case tc.zoomMS >= 0 && (len(m) != 2 || math.Abs(m[0].X-tc.zoomMS) > 1e-9):
			t.Errorf("%+v: the close-up marks the prime at %v, want %v ms", tc, m, tc.zoomMS)
		}
		if len(f.key) != 1 || !strings.Contains(f.key[0].label, "prime ends") {
			t.Errorf("%+v: key %v", tc, f.key)
		}
	}
}

// decodePNGFile reads and decodes the PNG file at path.
func decodePNGFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// TestWavePNG: the picture decodes at the size it is drawn, for a clip of
// one sample too.
func TestWavePNG(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{1, 20000} {
		path := filepath.Join(dir, "w.png")
		if err := writeWavePNG(path, toneWave(n, 16000, 440), 16000, n/2, "test"); err != nil {
			t.Fatal(err)
		}
		img, err := decodePNGFile(path)
		if err != nil {
			t.Fatalf("%d samples: %v", n, err)
		}
		if got := img.Bounds().Size(); got.X != waveW*96/72 || got.Y != waveH*96/72 {
			t.Errorf("%d samples: PNG of %v pixels, want %d × %d", n, got, waveW*96/72, waveH*96/72)
		}
	}
}
