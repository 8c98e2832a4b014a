package main

import (
	"bytes"
	"image/png"
	"math"
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
