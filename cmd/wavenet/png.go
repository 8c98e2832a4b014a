package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/causal"
	"github.com/wavenet-go/wavenet-go/wavenet"
	"github.com/wavenet-go/wavenet-go/wavenet/train"
)

// Drawing limits: a stack of more than maxDiagramLayers layers gets the
// receptive-field plot beside its diagram, and the diagram shows only the
// first layers whose field fits in about maxDiagramField columns.
const (
	maxDiagramLayers = 6
	maxDiagramField  = 48
)

// Colours of the pictures, as 0xRRGGBB (see rgb).
const (
	colInk    = 0x333333
	colFaint  = 0xbbbbbb
	colInput  = 0x1f77b4 // blue: inputs the output sees
	colHidden = 0x4ca06b // green: hidden units on the path
	colOutput = 0xd64b2c // red: the output
	colEdge   = 0x557799
)

// rgb is the opaque colour 0xRRGGBB.
func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// writeStackPNG draws cfg's stack to a PNG file at path, written atomically.
func writeStackPNG(path string, cfg wavenet.Config) error {
	deep := len(cfg.Dilations) > maxDiagramLayers
	shown := len(cfg.Dilations)
	if deep {
		fields := causal.LayerFields(cfg.InputWidth, cfg.FilterWidth, cfg.Dilations)
		shown = 1
		for shown < maxDiagramLayers && fields[shown] <= maxDiagramField {
			shown++
		}
	}
	rf := causal.ReceptiveField(cfg.InputWidth, cfg.FilterWidth, cfg.Dilations[:shown])
	cols := max(rf+(rf+3)/4, 8) // some nodes outside the field, greyed
	spacing := vg.Length(math.Max(11, math.Min(28, 640/float64(cols))))
	rows := shown + 2 // codes, input conv, layers
	diagramH := vg.Length(rows)*52 + 70

	title := fmt.Sprintf("dilations %s, K=%d, W0=%d: receptive field %d samples (%.2f ms at %d Hz)",
		joinInts(cfg.Dilations[:shown]), cfg.FilterWidth, cfg.InputWidth, rf,
		float64(rf)*1000/float64(cfg.SampleRate), cfg.SampleRate)
	if shown < len(cfg.Dilations) {
		title = fmt.Sprintf("first %d of %d layers, %s", shown, len(cfg.Dilations), title)
	}
	diagramW := max(150+spacing*vg.Length(cols)+20, textStyle(11, 0, 0).Width(title)+40)

	w, h := diagramW, diagramH
	if deep {
		w += 480
		h = vg.Length(math.Max(float64(h), 380))
	}
	img, dc := whiteCanvas(w, h)

	left := draw.Crop(dc, 0, -(w - diagramW), 0, 0)
	drawDiagram(left, cfg, shown, cols, spacing, title)
	if deep {
		right := draw.Crop(dc, diagramW, -20, 10, -10)
		p, err := fieldPlot(cfg)
		if err != nil {
			return err
		}
		p.Draw(right)
	}
	return writeCanvasPNG(context.Background(), path, img)
}

// drawDiagram draws the first `shown` layers of cfg as rows of nodes, in the
// manner of Figure 3 of the WaveNet paper: the bottom row is the input codes,
// then the input conv and each dilated layer; the edges are those by which
// the rightmost output depends on its receptive field.
func drawDiagram(c draw.Canvas, cfg wavenet.Config, shown, cols int, spacing vg.Length, title string) {
	label := textStyle(10, text.XLeft, text.YCenter)
	heading := textStyle(11, text.XLeft, text.YTop)
	c.FillText(heading, vg.Point{X: c.Min.X + 12, Y: c.Max.Y - 12}, title)

	// Stage s (1..shown+1) maps row s−1 to row s with width[s], dilation[s].
	width := []int{0, cfg.InputWidth}
	dil := []int{0, 1}
	names := []string{"input codes", fmt.Sprintf("input conv, W0=%d", cfg.InputWidth)}
	for i := 0; i < shown; i++ {
		width = append(width, cfg.FilterWidth)
		dil = append(dil, cfg.Dilations[i])
		names = append(names, fmt.Sprintf("layer %d, dilation %d", i, cfg.Dilations[i]))
	}
	rows := len(names)
	top := rows - 1

	// on[r][t]: node t of row r is on the rightmost output's path.
	on := make([][]bool, rows)
	for r := range on {
		on[r] = make([]bool, cols)
	}
	on[top][cols-1] = true
	type edge struct{ r, from, to int }
	var edges []edge
	for r := top; r >= 1; r-- {
		for t := 0; t < cols; t++ {
			if !on[r][t] {
				continue
			}
			for k := 0; k < width[r]; k++ {
				src := t - dil[r]*(width[r]-1-k)
				if src >= 0 {
					on[r-1][src] = true
					edges = append(edges, edge{r, src, t})
				}
			}
		}
	}

	x0 := c.Min.X + 150
	y0 := c.Min.Y + 28
	rowH := (c.Max.Y - 50 - y0) / vg.Length(max(rows-1, 1))
	at := func(r, t int) vg.Point {
		return vg.Point{X: x0 + spacing*(vg.Length(t)+0.5), Y: y0 + rowH*vg.Length(r)}
	}
	edgeStyle := draw.LineStyle{Color: rgb(colEdge), Width: vg.Points(1.1)}
	for _, e := range edges {
		c.StrokeLines(edgeStyle, []vg.Point{at(e.r-1, e.from), at(e.r, e.to)})
	}
	radius := vg.Length(math.Min(float64(spacing)*0.3, 6))
	for r := 0; r < rows; r++ {
		c.FillText(label, vg.Point{X: c.Min.X + 12, Y: at(r, 0).Y}, names[r])
		fill := rgb(colHidden)
		switch r {
		case 0:
			fill = rgb(colInput)
		case top:
			fill = rgb(colOutput)
		}
		for t := 0; t < cols; t++ {
			if on[r][t] {
				disc(c, at(r, t), radius, fill, fill)
			} else {
				disc(c, at(r, t), radius, color.White, rgb(colFaint))
			}
		}
	}
	// A bracket under the input row marks the receptive field.
	first := 0
	for !on[0][first] {
		first++
	}
	a, b := at(0, first), at(0, cols-1)
	yb := a.Y - radius - 6
	c.StrokeLines(draw.LineStyle{Color: rgb(colInk), Width: vg.Points(0.8)},
		[]vg.Point{{X: a.X, Y: yb + 3}, {X: a.X, Y: yb}, {X: b.X, Y: yb}, {X: b.X, Y: yb + 3}})
	note := fmt.Sprintf("receptive field: %d samples", cols-first)
	sty := textStyle(9, text.XCenter, text.YTop)
	at0 := vg.Point{X: (a.X + b.X) / 2, Y: yb - 2}
	if sty.Width(note) > b.X-a.X {
		sty.XAlign, at0.X = text.XRight, b.X+radius
	}
	c.FillText(sty, at0, note)
}

// disc draws a filled circle with an outline.
func disc(c draw.Canvas, pt vg.Point, r vg.Length, fill, line color.Color) {
	var p vg.Path
	p.Move(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Arc(pt, r, 0, 2*math.Pi)
	p.Close()
	c.SetColor(fill)
	c.Fill(p)
	c.SetLineWidth(vg.Points(1))
	c.SetColor(line)
	c.Stroke(p)
}

// fieldPlot plots the receptive field after each layer of cfg against depth,
// beside the same stack with every dilation 1.
func fieldPlot(cfg wavenet.Config) (*plot.Plot, error) {
	flat := make([]int, len(cfg.Dilations))
	for i := range flat {
		flat[i] = 1
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("receptive field against depth (K=%d, W0=%d)", cfg.FilterWidth, cfg.InputWidth)
	p.X.Label.Text = "layers"
	p.Y.Label.Text = "receptive field (samples, log scale)"
	p.X.Tick.Marker = niceTicks{min: 1}
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
	for _, s := range []struct {
		name string
		d    []int
		col  color.Color
	}{
		{"dilated: " + shortDilations(cfg.Dilations), cfg.Dilations, rgb(colOutput)},
		{"undilated: every dilation 1", flat, rgb(colInput)},
	} {
		fields := causal.LayerFields(cfg.InputWidth, cfg.FilterWidth, s.d)
		xy := make(plotter.XYs, len(fields)+1)
		xy[0] = plotter.XY{X: 0, Y: float64(cfg.InputWidth)}
		for i, f := range fields {
			xy[i+1] = plotter.XY{X: float64(i + 1), Y: float64(f)}
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, err
		}
		l.Color, pts.Color = s.col, s.col
		l.Width = vg.Points(1.5)
		pts.Radius = vg.Points(2)
		pts.Shape = draw.CircleGlyph{}
		p.Add(l, pts)
		p.Legend.Add(fmt.Sprintf("%s (%d)", s.name, fields[len(fields)-1]), l, pts)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.Padding = vg.Points(4) // the default (none) lets the two entries touch
	p.Legend.XOffs = vg.Points(12)
	p.Legend.YOffs = -vg.Points(46)
	return p, nil
}

// textStyle is the default font at size points with the given alignment.
func textStyle(size vg.Length, x text.XAlignment, y text.YAlignment) draw.TextStyle {
	return draw.TextStyle{Color: rgb(colInk), Font: font.From(plot.DefaultFont, size),
		XAlign: x, YAlign: y, Handler: plot.DefaultTextHandler}
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

// shortDilations abbreviates a repeated 1,2,…,2^k stack as "1..512 ×5".
func shortDilations(d []int) string {
	n := 0
	for n < len(d) && d[n] == 1<<n {
		n++
	}
	if n > 2 && len(d)%n == 0 {
		ok := true
		for i, x := range d {
			if x != d[i%n] {
				ok = false
				break
			}
		}
		if ok && len(d) == n {
			return fmt.Sprintf("%d..%d", d[0], d[n-1])
		}
		if ok {
			return fmt.Sprintf("%d..%d ×%d", d[0], d[n-1], len(d)/n)
		}
	}
	if len(d) > 8 {
		return joinInts(d[:8]) + ",…"
	}
	return joinInts(d)
}

// niceTicks marks an axis at a step of 1, 2 or 5 times a power of ten, at
// least min, so that there are at most ten steps.
type niceTicks struct{ min float64 }

func (nt niceTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if !(span > 0) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	step := math.Pow(10, math.Floor(math.Log10(span))-1)
	for i := 0; span/step > 10 || step < nt.min; i++ {
		step *= []float64{2, 2.5, 2}[i%3]
	}
	dec := 0 // decimals that the step needs
	for p := 1.0; dec < 6 && math.Abs(step*p-math.Round(step*p)) > 1e-9; p *= 10 {
		dec++
	}
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi+step*1e-9; k++ {
		v := k * step
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', dec, 64)})
	}
	return ticks
}

// The waveform picture: its size in points (960 × 800 pixels at 96 dpi),
// the close-up's length, and the spectrogram's dynamic range.
const (
	waveW, waveH = 720, 600
	zoomMS       = 30
	specRangeDB  = 80
)

// colPrime marks where the prime ends: cyan, seen on the white waveform
// panels and on the spectrogram's dark floor alike.
const colPrime = 0x17becf

// waveFigure is generate's picture of a clip: the whole waveform; under it
// its spectrogram on the same time axis (power in dB as colour, from
// specRangeDB below the loudest bin, against Hz); at the bottom a close-up
// of the last zoomMS milliseconds, where single periods show. A line marks
// where the prime ends, in each panel it falls in.
type waveFigure struct {
	title     string
	key       []keyMark
	spec      *audio.Spectrogram
	specColor []color.Color // the spectrogram's colours, quiet to loud
	// panels are the waveform, the spectrogram and the close-up.
	panels [3]*plot.Plot
	// primeEnd is where the prime ends, in seconds, 0 without one;
	// primeMarks are its line in each panel's data coordinates, nil in a
	// panel it is not in.
	primeEnd   float64
	primeMarks [3]plotter.XYs
}

// spectrogramFrame returns the spectrogram frame for a clip at rate Hz: the
// power of two nearest to 32 ms (512 samples at 16 kHz, 31 Hz a bin).
func spectrogramFrame(rate int) int {
	return 1 << max(3, int(math.Round(math.Log2(float64(rate)*0.032))))
}

// newWaveFigure builds the figure of x at rate Hz, whose first prime
// samples are the prime (0 for none).
func newWaveFigure(x []float32, rate, prime int, title string) (*waveFigure, error) {
	f := &waveFigure{title: title}
	// A frame every quarter of its length, or farther apart for a long
	// clip (at most about 800 columns), with frames at least as long as the
	// hop, so that a column, drawn a hop wide about its frame's centre,
	// begins after 0.
	n := spectrogramFrame(rate)
	hop := max(n/4, (len(x)+799)/800)
	for n < hop {
		n *= 2
	}
	f.spec = audio.NewSpectrogram(x, rate, n, hop, specRangeDB)
	// The time axis of the waveform and the spectrogram: to the end of the
	// clip, or of the last column if that is later.
	secs := max(float64(len(x)), float64((f.spec.Frames-1)*hop+n/2+hop/2)) / float64(rate)
	f.specColor = moreland.ExtendedBlackBody().Palette(256).Colors()
	if prime > 0 && prime < len(x) {
		f.primeEnd = float64(prime) / float64(rate)
	}

	zoom := min(len(x), max(1, rate*zoomMS/1000))
	wave := func(from int, unit float64, label string, col uint32) (*plot.Plot, error) {
		p := plot.New()
		p.X.Label.Text = label
		p.X.Tick.Marker = niceTicks{}
		p.Y.Label.Text = "amplitude"
		p.Y.Min, p.Y.Max = -1, 1
		p.Add(plotter.NewGrid())
		xy := make(plotter.XYs, len(x)-from)
		for i := range xy {
			xy[i] = plotter.XY{X: float64(i) / float64(rate) / unit, Y: float64(x[from+i])}
		}
		if from == 0 {
			p.X.Min, p.X.Max = 0, secs // the spectrogram's
		}
		if env := envelope(xy, 1500); env != nil {
			// Too many samples to draw one by one: fill between the
			// minimum and maximum of each bucket.
			poly, err := plotter.NewPolygon(env)
			if err != nil {
				return nil, err
			}
			poly.Color, poly.LineStyle.Color = rgb(col), rgb(col)
			p.Add(poly)
		} else if len(xy) > 0 {
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, err
			}
			l.Color = rgb(col)
			l.Width = vg.Points(1.2)
			p.Add(l)
		}
		return p, nil
	}
	var err error
	if f.panels[0], err = wave(0, 1, "time (s)", colInput); err != nil {
		return nil, err
	}
	if f.panels[2], err = wave(len(x)-zoom, 0.001, fmt.Sprintf("time (ms), the last %d ms", zoomMS), colOutput); err != nil {
		return nil, err
	}
	f.panels[1] = f.spectrogramPlot(secs)

	if f.primeEnd > 0 {
		f.primeMarks[0] = plotter.XYs{{X: f.primeEnd, Y: -1}, {X: f.primeEnd, Y: 1}}
		f.primeMarks[1] = plotter.XYs{{X: f.primeEnd, Y: f.panels[1].Y.Min}, {X: f.primeEnd, Y: f.panels[1].Y.Max}}
		if prime > len(x)-zoom {
			ms := float64(prime-(len(x)-zoom)) / float64(rate) * 1000
			f.primeMarks[2] = plotter.XYs{{X: ms, Y: -1}, {X: ms, Y: 1}}
		}
		for i, m := range f.primeMarks {
			if m == nil {
				continue
			}
			l, err := plotter.NewLine(m)
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = rgb(colPrime), vg.Points(1.6)
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			f.panels[i].Add(l)
		}
		f.key = append(f.key, keyMark{colPrime, fmt.Sprintf("the prime ends (%.3f s)", f.primeEnd)})
	}
	return f, nil
}

// spectrogramPlot is the spectrogram panel, secs long: each frame a column
// one hop wide about its centre, over a floor-coloured ground (at the ends,
// where no frame is centred), and the bins as rows from 0 Hz to the Nyquist
// frequency (each row 1/(N/2+1) of it, a bin's frequency within a row of
// its middle).
func (f *waveFigure) spectrogramPlot(secs float64) *plot.Plot {
	s := f.spec
	bins := s.Bins()
	img := image.NewRGBA(image.Rect(0, 0, s.Frames, bins))
	for j := range s.Frames {
		for k := range bins {
			v := (s.At(j, k) - (s.Peak - s.RangeDB)) / s.RangeDB
			img.Set(j, bins-1-k, shade(f.specColor, v))
		}
	}
	half := float64(s.Hop) / 2 / float64(s.Rate)
	p := plot.New()
	p.X.Label.Text = "time (s)"
	p.X.Tick.Marker = niceTicks{}
	p.Y.Label.Text = "frequency (Hz)"
	p.Y.Tick.Marker = niceTicks{}
	p.X.Min, p.X.Max = 0, secs
	p.Y.Min, p.Y.Max = 0, float64(s.Rate)/2
	ground, err := plotter.NewPolygon(plotter.XYs{{X: 0, Y: 0}, {X: secs, Y: 0}, {X: secs, Y: p.Y.Max}, {X: 0, Y: p.Y.Max}})
	if err == nil {
		ground.Color, ground.LineStyle.Width = f.specColor[0], 0
		p.Add(ground)
	}
	p.Add(plotter.NewImage(img, s.Seconds(0)-half, 0, s.Seconds(s.Frames-1)+half, p.Y.Max))
	return p
}

// draw draws the figure on c: the title and the key along the top, then
// the panels, their time axes lined up.
func (f *waveFigure) draw(c draw.Canvas) {
	const titleH, keyH = 22, 20
	c.FillText(textStyle(11, text.XCenter, text.YTop), vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - 6}, f.title)
	key := c
	key.Max.Y = c.Max.Y - titleH
	key.Min.Y = key.Max.Y - keyH
	f.drawKey(key)
	body := draw.Crop(c, 6, -14, 6, -(titleH + keyH))
	h := body.Max.Y - body.Min.Y
	// From the top: the waveform (30 %), the spectrogram (40 %), the
	// close-up (30 %).
	cuts := []vg.Length{1, 0.7, 0.3, 0}
	var cs [3]draw.Canvas
	for i := range cs {
		cs[i] = body
		cs[i].Max.Y = body.Min.Y + h*cuts[i] - 5
		cs[i].Min.Y = body.Min.Y + h*cuts[i+1] + 5
	}
	// The data areas begin and end at the same x: each panel narrows to
	// the one whose y axis is widest and to the one whose last tick label
	// reaches farthest.
	left, right := body.Min.X, body.Max.X
	for i, p := range f.panels {
		d := p.DataCanvas(cs[i])
		left, right = max(left, d.Min.X), min(right, d.Max.X)
	}
	for i, p := range f.panels {
		d := p.DataCanvas(cs[i])
		cs[i].Min.X += left - d.Min.X
		cs[i].Max.X -= d.Max.X - right
		p.Draw(cs[i])
	}
}

// drawKey draws the spectrogram's colour scale and the prime's mark in a
// line across c.
func (f *waveFigure) drawKey(c draw.Canvas) {
	sty := textStyle(9, text.XLeft, text.YCenter)
	y := c.Min.Y + (c.Max.Y-c.Min.Y)/2
	x := c.Min.X + 50
	label := func(s string) {
		c.FillText(sty, vg.Point{X: x, Y: y}, s)
		x += sty.Width(s) + 6
	}
	label(fmt.Sprintf("spectrogram (%d-sample frames every %d): −%d dB", f.spec.N, f.spec.Hop, specRangeDB))
	const barW, barH = 90, 10
	for k := range barW {
		c.SetColor(shade(f.specColor, float64(k)/barW))
		c.Fill(vg.Rectangle{Min: vg.Point{X: x + vg.Length(k), Y: y - barH/2}, Max: vg.Point{X: x + vg.Length(k) + 1.2, Y: y + barH/2}}.Path())
	}
	x += barW + 4
	label("0 dB, the loudest")
	drawKey(c, x+10, f.key)
}

// writeWavePNG draws x at rate Hz, its first prime samples a prime (0 for
// none), to a PNG file at path, written atomically (see waveFigure).
func writeWavePNG(path string, x []float32, rate, prime int, title string) error {
	f, err := newWaveFigure(x, rate, prime, title)
	if err != nil {
		return err
	}
	img, dc := whiteCanvas(waveW, waveH)
	f.draw(dc)
	return writeCanvasPNG(context.Background(), path, img)
}

// envelope returns the outline of xy's minimum and maximum over buckets of
// about equal size, the maxima left to right then the minima back, or nil if
// xy has no more than buckets points.
func envelope(xy plotter.XYs, buckets int) plotter.XYs {
	if len(xy) <= buckets {
		return nil
	}
	size := (len(xy) + buckets - 1) / buckets
	var hi, lo plotter.XYs
	for i := 0; i < len(xy); i += size {
		part := xy[i:min(i+size, len(xy))]
		top, bot := part[0].Y, part[0].Y
		for _, p := range part {
			top, bot = max(top, p.Y), min(bot, p.Y)
		}
		hi = append(hi, plotter.XY{X: part[0].X, Y: top})
		lo = append(lo, plotter.XY{X: part[0].X, Y: bot})
	}
	for i := len(lo) - 1; i >= 0; i-- {
		hi = append(hi, lo[i])
	}
	return hi
}

// The loss curve: its size in points (960 × 480 pixels at 96 dpi), and
// the floor of its log axis, below which a loss is drawn at the floor.
const (
	lossW, lossH = 720, 360
	lossFloor    = 1e-3
)

// Colours of the loss curve.
const (
	colTrain = 0x1f77b4 // blue
	colVal   = 0xd62728 // red
	colBest  = 0x2ca02c // green: the lowest validation
)

// lossFigure is the picture of a training log: the training and validation
// bits per sample against the step, on a log axis so that the part that
// matters (a few bits down to a few hundredths, where the two part) is as
// tall as the first fall from log2(Q); the lowest validation marked; the
// key on a line of its own above the plot, off the curves.
type lossFigure struct {
	train, val plotter.XYs // (step, bits), floored at lossFloor
	best       int         // index in val of the lowest validation (the first if tied), −1 if none
	bestMark   plotter.XYs // the vertical line at the best step, across the axis
	title      string
	plot       *plot.Plot
	key        []keyMark
}

// newLossFigure builds the figure of rows, which must not be empty.
func newLossFigure(rows []train.LogRow) (*lossFigure, error) {
	f := &lossFigure{best: -1}
	lo, hi := math.Inf(1), 0.0
	for _, r := range rows {
		tb := max(r.TrainBits, lossFloor)
		f.train = append(f.train, plotter.XY{X: float64(r.Step), Y: tb})
		lo, hi = min(lo, tb), max(hi, tb)
		if r.ValBits >= 0 {
			vb := max(r.ValBits, lossFloor)
			if f.best < 0 || vb < f.val[f.best].Y {
				f.best = len(f.val)
			}
			f.val = append(f.val, plotter.XY{X: float64(r.Step), Y: vb})
			lo, hi = min(lo, vb), max(hi, vb)
		}
	}
	f.title = "WaveNet training loss: bits per sample against the step (log scale)"
	p := plot.New()
	p.X.Label.Text = "step"
	p.X.Tick.Marker = niceTicks{min: 1}
	p.X.Min = 0
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicks{}
	// A little room above and below the curves, a fraction of a decade.
	p.Y.Min, p.Y.Max = lo/1.3, hi*1.3
	p.Add(plotter.NewGrid())
	line := func(pts plotter.XYs, col uint32, width float64) (*plotter.Line, error) {
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("plotting the loss: %w", err)
		}
		l.Color, l.Width = rgb(col), vg.Points(width)
		return l, nil
	}
	tl, err := line(f.train, colTrain, 1.2)
	if err != nil {
		return nil, err
	}
	p.Add(tl)
	f.key = []keyMark{{colTrain, "train (mean over each log row's steps)"}}
	if len(f.val) > 0 {
		vl, err := line(f.val, colVal, 1.4)
		if err != nil {
			return nil, err
		}
		b := f.val[f.best]
		f.bestMark = plotter.XYs{{X: b.X, Y: p.Y.Min}, {X: b.X, Y: p.Y.Max}}
		bl, err := line(f.bestMark, colBest, 1.2)
		if err != nil {
			return nil, err
		}
		bl.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		dot, err := plotter.NewScatter(plotter.XYs{b})
		if err != nil {
			return nil, fmt.Errorf("plotting the loss: %w", err)
		}
		dot.Shape, dot.Color, dot.Radius = draw.CircleGlyph{}, rgb(colBest), vg.Points(3.5)
		p.Add(bl, vl, dot)
		f.key = append(f.key, keyMark{colVal, "validation (held-out part)"},
			keyMark{colBest, fmt.Sprintf("lowest validation: %.3f bits at step %d", b.Y, int(b.X))})
	}
	f.plot = p
	return f, nil
}

// draw draws the figure on c: the title and the key along the top, the
// plot under them.
func (f *lossFigure) draw(c draw.Canvas) {
	const titleH, keyH = 22, 20
	c.FillText(textStyle(12, text.XCenter, text.YTop), vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - 6}, f.title)
	key := c
	key.Max.Y = c.Max.Y - titleH
	key.Min.Y = key.Max.Y - keyH
	drawKey(key, key.Min.X+50, f.key)
	f.plot.Draw(draw.Crop(c, 4, -14, 4, -(titleH + keyH)))
}

// writeLossPNG draws a training log, the training and validation bits per
// sample against the step (see lossFigure), as a PNG to w. rows must not be
// empty.
func writeLossPNG(w io.Writer, rows []train.LogRow) error {
	f, err := newLossFigure(rows)
	if err != nil {
		return err
	}
	img, dc := whiteCanvas(lossW, lossH)
	f.draw(dc)
	return encodePNG(w, img)
}

// whiteCanvas returns a w×h image (in points, vgimg's 96 dpi) filled with
// white, and the canvas that draws on it.
func whiteCanvas(w, h vg.Length) (*vgimg.Canvas, draw.Canvas) {
	img := vgimg.New(w, h)
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	return img, dc
}

// writeCanvasPNG writes img as a PNG file at path, atomically (writeOutput).
func writeCanvasPNG(ctx context.Context, path string, img *vgimg.Canvas) error {
	return writeOutput(ctx, path, func(w io.Writer) error { return encodePNG(w, img) })
}

// encodePNG writes img to w as a PNG.
func encodePNG(w io.Writer, img *vgimg.Canvas) error {
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// logTicks marks a log axis (bits per sample, Hz): at 1 to 9 times each
// power of ten when the axis spans less than a decade, else at 1, 2 and 5
// times, all labelled when it spans under three decades and only the powers
// otherwise.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	all := hi/lo < 1000
	steps := []float64{1, 2, 5}
	if hi/lo < 10 {
		steps = []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	}
	for p := math.Pow(10, math.Floor(math.Log10(lo))); p <= hi; p *= 10 {
		for _, m := range steps {
			v := m * p
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || all {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
				if v >= 1e-3 && v < 1e6 {
					t.Label = strconv.FormatFloat(v, 'f', -1, 64) // 2000, not 2e+03
				}
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
