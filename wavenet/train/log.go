package train

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// csvHeader names the columns of the CSV log, one per LogRow field.
const csvHeader = "step,seconds,samples,lr,train_bits,val_bits,grad_norm,samples_per_sec\n"

// writeCSV writes the log rows to path atomically; a row without a
// validation loss has an empty val_bits.
func writeCSV(path string, rows []LogRow) error {
	var b bytes.Buffer
	b.WriteString(csvHeader)
	f := func(x float64, prec int) string { return strconv.FormatFloat(x, 'f', prec, 64) }
	for _, r := range rows {
		val := ""
		if r.ValBits >= 0 {
			val = f(r.ValBits, 4)
		}
		fmt.Fprintf(&b, "%d,%s,%d,%s,%s,%s,%s,%s\n", r.Step, f(r.Seconds, 1), r.Samples,
			strconv.FormatFloat(r.LR, 'g', 6, 64), f(r.TrainBits, 4), val, f(r.GradNorm, 4), f(r.SamplesPerSec, 0))
	}
	err := writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b.Bytes())
		return err
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// writePNG draws the training and validation bits/sample against the step
// and writes the picture to path atomically. With no rows it writes nothing.
func writePNG(path string, rows []LogRow) error {
	if len(rows) == 0 {
		return nil
	}
	p := plot.New()
	p.Title.Text = "WaveNet training loss"
	p.X.Label.Text = "step"
	p.Y.Label.Text = "bits per sample"
	p.Add(plotter.NewGrid())
	var tr, va plotter.XYs
	for _, r := range rows {
		tr = append(tr, plotter.XY{X: float64(r.Step), Y: r.TrainBits})
		if r.ValBits >= 0 {
			va = append(va, plotter.XY{X: float64(r.Step), Y: r.ValBits})
		}
	}
	addLine := func(name string, pts plotter.XYs, c color.RGBA) error {
		l, err := plotter.NewLine(pts)
		if err != nil {
			return fmt.Errorf("plotting %s: %w", path, err)
		}
		l.Color = c
		l.Width = vg.Points(1.2)
		p.Add(l)
		p.Legend.Add(name, l)
		return nil
	}
	if err := addLine("train", tr, color.RGBA{R: 31, G: 119, B: 180, A: 255}); err != nil {
		return err
	}
	if len(va) > 0 {
		if err := addLine("validation", va, color.RGBA{R: 214, G: 39, B: 40, A: 255}); err != nil {
			return err
		}
	}
	// Bits start near log2(Q) and fall, so the lower left stays empty.
	p.Y.Min, p.X.Min = 0, 0
	p.Legend.Left = true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(10), vg.Points(10)
	wt, err := p.WriterTo(7*vg.Inch, 4*vg.Inch, "png")
	if err != nil {
		return fmt.Errorf("plotting %s: %w", path, err)
	}
	if err := writeFileAtomic(path, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
