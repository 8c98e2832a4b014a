package main

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/wavenet-go/wavenet-go/audio"
)

// The compare figure's size, in points.
const compareW, compareH = 720, 600

// compareFigure is compare's picture of a generated clip against its
// reference: above, each clip's pitch over time (every frame that gives
// one, and its notes as bars); below, their long-term spectra over the
// spectral correlation's band. The reference is blue, the generated clip
// red.
type compareFigure struct {
	title                string
	pitchHead, specsHead string // the panels' headings
	pitch, specs         *plot.Plot
	key                  []keyMark
}

// newCompareFigure builds the figure of r, whose clips' long-term spectra
// (audio.LongTermSpectrum of audio.SpectrumFrame samples a frame, dB per
// bin at r.SampleRate) are refSpec and genSpec.
func newCompareFigure(r compareResult, refSpec, genSpec []float64) (*compareFigure, error) {
	f := &compareFigure{
		title:     fmt.Sprintf("%s against %s", filepath.Base(r.B.File), filepath.Base(r.A.File)),
		pitchHead: fmt.Sprintf("pitch of each frame; bars: notes (pitch ratio %s)", shortRelation(r.PitchRatio, r.PitchRelation)),
		specsHead: fmt.Sprintf("long-term spectra (spectral correlation %.3f over %g–%g Hz)", r.SpectralCorrelation, r.SpectralLoHz, r.SpectralHiHz),
	}
	sides := []struct {
		s        compareSide
		spectrum []float64
		col      uint32
	}{{r.A, refSpec, colInput}, {r.B, genSpec, colOutput}}

	p := plot.New()
	p.X.Label.Text = "time (s)"
	p.X.Tick.Marker = niceTicks{}
	p.X.Min, p.X.Max = 0, max(r.A.Seconds, r.B.Seconds)
	p.Y.Label.Text = "pitch (Hz, log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	lo, hi := math.Inf(1), 0.0
	for _, s := range sides {
		for _, pt := range s.s.track {
			lo, hi = min(lo, pt.Hz), max(hi, pt.Hz)
		}
	}
	if hi == 0 {
		lo, hi = 100, 1000 // neither has a pitch: an empty panel of a useful range
	}
	p.Y.Min, p.Y.Max = lo/1.25, hi*1.25
	p.Add(plotter.NewGrid())
	for _, s := range sides {
		for _, n := range s.s.Notes {
			bar, err := plotter.NewLine(plotter.XYs{{X: n.Start, Y: n.PitchHz}, {X: n.End, Y: n.PitchHz}})
			if err != nil {
				return nil, fmt.Errorf("plotting the notes: %w", err)
			}
			c := rgb(s.col)
			bar.Color, bar.Width = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 80}, vg.Points(7)
			p.Add(bar)
		}
		if len(s.s.track) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(s.s.track))
		for i, pt := range s.s.track {
			xy[i] = plotter.XY{X: pt.Seconds, Y: pt.Hz}
		}
		dots, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, fmt.Errorf("plotting the pitch: %w", err)
		}
		dots.Shape, dots.Color, dots.Radius = draw.CircleGlyph{}, rgb(s.col), vg.Points(1.8)
		p.Add(dots)
	}
	f.pitch = p

	q := plot.New()
	q.X.Label.Text = "frequency (Hz, log scale)"
	q.X.Scale = plot.LogScale{}
	q.X.Tick.Marker = logTicks{}
	q.Y.Label.Text = "power (dB)"
	q.Y.Tick.Marker = niceTicks{}
	q.Add(plotter.NewGrid())
	binHz := float64(r.SampleRate) / audio.SpectrumFrame
	q.X.Min, q.X.Max = max(r.SpectralLoHz, binHz), min(r.SpectralHiHz, float64(r.SampleRate)/2)
	for _, s := range sides {
		var xy plotter.XYs
		for k, db := range s.spectrum {
			if hz := float64(k) * binHz; hz >= q.X.Min && hz <= q.X.Max {
				xy = append(xy, plotter.XY{X: hz, Y: db})
			}
		}
		if len(xy) < 2 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("plotting the spectra: %w", err)
		}
		l.Color, l.Width = rgb(s.col), vg.Points(1)
		q.Add(l)
	}
	f.specs = q

	label := func(s compareSide) string {
		if s.PitchHz == 0 {
			return "no pitch"
		}
		return fmt.Sprintf("%.1f Hz", s.PitchHz)
	}
	f.key = []keyMark{
		{colInput, fmt.Sprintf("reference %s (%s)", filepath.Base(r.A.File), label(r.A))},
		{colOutput, fmt.Sprintf("generated %s (%s)", filepath.Base(r.B.File), label(r.B))},
	}
	return f, nil
}

// draw draws the figure on c: the title and the key along the top, the
// pitch panel and the spectrum panel under them, each with its own heading.
func (f *compareFigure) draw(c draw.Canvas) {
	const titleH, keyH, headH = 22, 20, 16
	mid := (c.Min.X + c.Max.X) / 2
	c.FillText(textStyle(12, text.XCenter, text.YTop), vg.Point{X: mid, Y: c.Max.Y - 6}, f.title)
	key := c
	key.Max.Y = c.Max.Y - titleH
	key.Min.Y = key.Max.Y - keyH
	drawKey(key, key.Min.X+50, f.key)
	body := draw.Crop(c, 4, -14, 4, -(titleH + keyH))
	half := (body.Max.Y - body.Min.Y) / 2
	top, bottom := body, body
	top.Min.Y = body.Max.Y - half
	bottom.Max.Y = body.Min.Y + half
	head := textStyle(10, text.XCenter, text.YTop)
	top.FillText(head, vg.Point{X: mid, Y: top.Max.Y}, f.pitchHead)
	f.pitch.Draw(draw.Crop(top, 0, 0, 0, -headH))
	bottom.FillText(head, vg.Point{X: mid, Y: bottom.Max.Y}, f.specsHead)
	f.specs.Draw(draw.Crop(bottom, 0, 0, 0, -headH))
}

// shortRelation is a pitch ratio and its verdict in a few words.
func shortRelation(ratio float64, relation string) string {
	if relation == audio.NoPitch.String() {
		return "none"
	}
	return fmt.Sprintf("%.3f, %s", ratio, relation)
}

// writeComparePNG draws the figure of r and of the clips ref and gen it
// measured (see compareFigure) to a PNG file at path, written atomically.
func writeComparePNG(ctx context.Context, path string, r compareResult, ref, gen []float32) error {
	f, err := newCompareFigure(r, audio.LongTermSpectrum(ref, audio.SpectrumFrame), audio.LongTermSpectrum(gen, audio.SpectrumFrame))
	if err != nil {
		return err
	}
	img, dc := whiteCanvas(compareW, compareH)
	f.draw(dc)
	return writeCanvasPNG(ctx, path, img)
}
