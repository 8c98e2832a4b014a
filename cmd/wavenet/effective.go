package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// massFractions are the shares of the sensitivity mass inspect --effective
// reports the window of.
var massFractions = [...]float64{0.5, 0.9, 0.99}

// effectiveStats is inspect --effective's report: the measured sensitivity of
// each layer's gated units, and of the prediction, to x_0 (the input conv's
// output) at each lag, on one clip (see wavenet.EffectiveField).
type effectiveStats struct {
	Clip      string         `json:"clip"`
	Samples   int            `json:"samples"` // the clip's length at the model's rate
	Weights   string         `json:"weights"` // where the weights came from
	Positions []int          `json:"positions"`
	Layers    []effectiveRow `json:"layers"`
	Logits    effectiveRow   `json:"logits"`

	rate int // Hz
}

// effectiveRow is one layer's (or the logits') sensitivity and the windows
// holding given shares of it.
type effectiveRow struct {
	Name        string      `json:"name"`     // "layers.0", …, "logits"
	Field       int         `json:"field"`    // F_i: lags 0 … F_i − 1 of x_0 can reach it
	FieldMS     float64     `json:"field_ms"` // the same in milliseconds
	Mass        []massShare `json:"mass"`
	Sensitivity []float32   `json:"sensitivity"` // s(τ), τ = 0 … F_i − 1, unnormalised
}

// massShare is the window of the most recent samples (lags 0 … Samples − 1)
// that holds Fraction of a row's sensitivity.
type massShare struct {
	Fraction float64 `json:"fraction"`
	Samples  int     `json:"samples"`
	MS       float64 `json:"ms"`
	OfField  float64 `json:"of_field"` // Samples / Field
}

// checkEffectiveFlags refuses --positions and --seed without --effective,
// and --seed for a model, which has weights of its own.
func checkEffectiveFlags(f *pflag.FlagSet, o *inspectOptions) error {
	for _, name := range []string{"positions", "seed"} {
		if f.Changed(name) && o.effective == "" {
			return usagef("--%s goes with --effective", name)
		}
	}
	if f.Changed("seed") && !f.Changed("preset") && !f.Changed("dilations") {
		return usagef("--seed sets the random weights of --preset or --dilations; a model has weights of its own")
	}
	if o.positions < 0 {
		return usagef("--positions %d: want a count of positions, or 0 for the default", o.positions)
	}
	return nil
}

// runEffective is inspect --effective: it measures m (nil: a model of st's
// config with random weights from --seed) on the clip and prints st with the
// measurement, as a table or JSON, and draws it with --png.
func runEffective(cmd *cobra.Command, o *inspectOptions, st stackStats, m *wavenet.Model) error {
	if st.Config.Conditioned() {
		return fmt.Errorf("%s: --effective measures unconditioned models only (this one is conditioned on classes or frames)", st.Source)
	}
	// What the measurement holds: the model, a workspace of a receptive
	// field or 256 MiB, whichever is more, and the clip.
	lim, err := getMemoryLimit()
	if err != nil {
		return err
	}
	cfg := st.Config
	need := max(256<<20, wavenet.WorkspaceBytes(cfg, 1, cfg.ReceptiveField()))
	if m == nil {
		need += 4 * int64(wavenet.ParamCount(cfg))
	}
	if err := lim.check(need, "measuring the effective field of "+st.Source, "measure a smaller stack"); err != nil {
		return err
	}
	weights := "the model's"
	if m == nil {
		if m, err = randomModel(cfg, o.seed); err != nil {
			return err
		}
		weights = fmt.Sprintf("random, seed %d", o.seed)
	}
	eff, err := measureEffective(cmd.Context(), m, st.PreEmphasis, weights, o.effective, o.positions, cmd.ErrOrStderr(), lim, need)
	if err != nil {
		return err
	}
	st.Effective = eff
	if o.png != "" {
		if err := writeEffectivePNG(o.png, st.Source, eff); err != nil {
			return err
		}
	}
	out := cmd.OutOrStdout()
	if o.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	if err := writeTable(out, st); err != nil {
		return err
	}
	return writeEffectiveTable(out, eff)
}

// measureEffective reads the clip at path at m's rate, pre-emphasised by
// emphasis (the model file's; 0: none), and measures m's effective
// receptive field on it at n positions (0: the default of
// wavenet.EffectivePositions).
func measureEffective(ctx context.Context, m *wavenet.Model, emphasis float64, weights, path string, n int, warn io.Writer, lim memoryLimit, held int64) (*effectiveStats, error) {
	cfg := m.Config
	x, _, err := readAudio(path, cfg.SampleRate, warn, lim, held, 4, "measure on a shorter clip")
	if err != nil {
		return nil, err
	}
	codes := audio.MuLawEncode(nil, audio.PreEmphasize(x, x, emphasis), cfg.QuantizationChannels)
	pos, err := wavenet.EffectivePositions(cfg, len(codes), n)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ef, err := m.EffectiveField(ctx, codes, pos)
	if err != nil {
		return nil, checkContext(ctx)
	}
	st := &effectiveStats{Clip: path, Samples: len(codes), Weights: weights, Positions: ef.Positions, rate: cfg.SampleRate}
	row := func(name string, s []float64) effectiveRow {
		r := effectiveRow{Name: name, Field: len(s), FieldMS: st.ms(len(s)), Sensitivity: make([]float32, len(s))}
		for j, v := range s {
			r.Sensitivity[j] = float32(v)
		}
		for _, q := range massFractions {
			lag := wavenet.MassLag(s, q)
			r.Mass = append(r.Mass, massShare{Fraction: q, Samples: lag, MS: st.ms(lag), OfField: float64(lag) / float64(len(s))})
		}
		return r
	}
	for i, s := range ef.Layers {
		st.Layers = append(st.Layers, row(fmt.Sprintf("layers.%d", i), s))
	}
	st.Logits = row("logits", ef.Logits)
	return st, nil
}

// ms converts samples to milliseconds at the model's rate.
func (st *effectiveStats) ms(samples int) float64 {
	return float64(samples) * 1000 / float64(st.rate)
}

// randomModel returns a model of cfg with the random weights that train
// starts from with the same --seed.
func randomModel(cfg wavenet.Config, seed uint64) (*wavenet.Model, error) {
	m, err := wavenet.New(cfg)
	if err != nil {
		return nil, err
	}
	wavenet.RandomInit(m, rand.New(rand.NewPCG(seed, 1)))
	return m, nil
}

// writeEffectiveTable prints st as a table, one row per layer and one for
// the logits, and a sentence on the last layer and the prediction.
func writeEffectiveTable(w io.Writer, st *effectiveStats) error {
	first, last := st.Positions[0], st.Positions[len(st.Positions)-1]
	fmt.Fprintf(w, "\neffective receptive field on %s (%d samples; weights: %s): mean over %d positions, t = %d … %d\n",
		st.Clip, st.Samples, st.Weights, len(st.Positions), first, last)
	fmt.Fprintln(w, "sensitivity to x0 (the input conv's output) by lag; the most recent samples that hold 50, 90 and 99 % of it:")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "layer\tfield (samples)\tfield (ms)\t")
	for _, q := range massFractions {
		fmt.Fprintf(tw, "%g %% (samples)\t(ms)\t(of field)\t", 100*q)
	}
	fmt.Fprintln(tw)
	for _, r := range append(st.Layers, st.Logits) {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t", r.Name, r.Field, r.FieldMS)
		for _, m := range r.Mass {
			fmt.Fprintf(tw, "%d\t%.2f\t%.3f\t", m.Samples, m.MS, m.OfField)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	top := st.Layers[len(st.Layers)-1]
	fmt.Fprintf(w, "\n90 %% of what the last layer hears lies within the last %d samples (%.2f ms) of its %d (%.2f ms); of what the prediction hears, within the last %d (%.2f ms).\n",
		top.Mass[1].Samples, top.Mass[1].MS, top.Field, top.FieldMS, st.Logits.Mass[1].Samples, st.Logits.Mass[1].MS)
	return nil
}

// Colours of the effective-field picture (see rgb): each share of the mass
// has its own, in both panels.
const (
	colBeyond = 0xeeeeee // lags a row cannot see
	colMass50 = 0x4ca06b // green
	colMass90 = 0xf28e2b // orange
	colMass99 = 0x9467bd // purple
	colRaw    = 0xaec7e8 // the logits' sensitivity lag by lag
)

// massColours are the marks of massFractions.
var massColours = [...]uint32{colMass50, colMass90, colMass99}

// colourDecades is the range of the heat map's log colour scale: a row's
// maximum is the darkest colour, 10^−colourDecades of it and below the
// lightest.
const colourDecades = 2

// writeEffectivePNG draws st to a PNG file at path, written atomically:
// above, layers as rows and lag on a log-scaled x axis, each row's
// sensitivity as colour (relative to the row's maximum, on a log scale), its
// theoretical field's edge and its 50 % and 90 % windows marked; below, the
// logits' sensitivity against the same lags.
func writeEffectivePNG(path, source string, st *effectiveStats) error {
	L := len(st.Layers)
	rowH := vg.Length(math.Max(7, math.Min(24, 300/float64(L))))
	const width, headH, curveH = 760, 52, 250
	heatH := rowH*vg.Length(L) + 70
	img, dc := whiteCanvas(width, headH+heatH+curveH)
	blues, err := brewer.GetPalette(brewer.TypeSequential, "Blues", 9)
	if err != nil {
		return err
	}
	palette := blues.Colors()

	maxLag := float64(st.Logits.Field) + 0.5
	xAxis := func(p *plot.Plot) {
		p.X.Scale = plot.LogScale{}
		p.X.Min, p.X.Max = 0.5, maxLag
		p.X.Tick.Marker = lagTicks{rate: st.rate}
		p.X.Label.Text = "samples back, the current one counted (log scale)"
	}

	heat := plot.New()
	xAxis(heat)
	heat.Y.Min, heat.Y.Max = 0, float64(L)
	heat.Y.Label.Text = "layer"
	heat.Y.Tick.Marker = layerTicks{layers: L, every: int(math.Ceil(12 / float64(rowH)))}
	heat.Add(sensitivityRows{rows: st.Layers, colors: palette})

	curve := plot.New()
	xAxis(curve)
	curve.Y.Scale = plot.LogScale{}
	curve.Y.Tick.Marker = inRange{plot.LogTicks{Prec: -1}}
	// No label on the log y axis: gonum centres it at the axis's arithmetic
	// mean, near the top, and pads the plot for it; the title says it.
	curve.Add(plotter.NewGrid())
	s := st.Logits.Sensitivity
	var top float64
	for _, v := range s {
		top = max(top, float64(v))
	}
	floor := 1e-4 // of the maximum: a log axis has no 0
	raw := make(plotter.XYs, len(s))
	for j, v := range s {
		raw[j] = plotter.XY{X: float64(j + 1), Y: math.Max(float64(v)/top, floor)}
	}
	rawLine, err := plotter.NewLine(raw)
	if err != nil {
		return err
	}
	rawLine.Color = rgb(colRaw)
	rawLine.Width = vg.Points(0.8)
	meanLine, err := plotter.NewLine(logBinned(raw, 20))
	if err != nil {
		return err
	}
	meanLine.Color = rgb(colInput)
	meanLine.Width = vg.Points(1.8)
	curve.Add(rawLine, meanLine)
	curve.Y.Min, curve.Y.Max = floor, 1.5
	curveKey := []keyMark{{colRaw, "lag by lag"}, {colInput, "mean over 1/20 of a decade"}}
	for k, m := range st.Logits.Mass {
		x := float64(m.Samples) + 0.5
		mark, err := plotter.NewLine(plotter.XYs{{X: x, Y: floor}, {X: x, Y: 1.5}})
		if err != nil {
			return err
		}
		mark.Color = rgb(massColours[k])
		mark.Width = vg.Points(1.5)
		mark.Dashes = []vg.Length{vg.Points(5), vg.Points(2.5)}
		curve.Add(mark)
		curveKey = append(curveKey, keyMark{massColours[k], fmt.Sprintf("%g %% within %d samples (%.2f ms)", 100*m.Fraction, m.Samples, m.MS)})
	}

	// From the top: the heat map's title and key, the heat map, the
	// curve's title and key, the curve.
	band := func(y0, y1 vg.Length) draw.Canvas { // the horizontal band y0 ≤ y < y1
		c := dc
		c.Min.Y, c.Max.Y = y0, y1
		return c
	}
	titled := func(c draw.Canvas, title string) { // title, then a key line under it
		c.FillText(textStyle(12, text.XCenter, text.YTop), vg.Point{X: width / 2, Y: c.Max.Y - 6}, title)
	}
	keyLine := func(c draw.Canvas) draw.Canvas { return draw.Crop(c, 40, -16, 0, -26) }
	y := vg.Length(headH + heatH + curveH)
	heatHead := band(y-headH, y)
	titled(heatHead, fmt.Sprintf("effective receptive field of %s on %s (weights: %s; mean of %d positions)",
		source, st.Clip, st.Weights, len(st.Positions)))
	drawHeatKey(keyLine(heatHead), palette)
	heatC := draw.Crop(band(curveH, y-headH), 8, -16, 6, 0)
	curveC := draw.Crop(band(0, curveH-headH), 8, -16, 6, 0)
	// The lag axes line up: the panel with the narrower y axis moves right.
	if d := heat.DataCanvas(heatC).Min.X - curve.DataCanvas(curveC).Min.X; d > 0 {
		curveC.Min.X += d
	} else {
		heatC.Min.X -= d
	}
	heat.Draw(heatC)
	curveHead := band(curveH-headH, curveH)
	titled(curveHead, "the prediction: sensitivity of log p(the clip's next code), relative to its maximum (log scale)")
	kl := keyLine(curveHead)
	drawKey(kl, kl.Min.X, curveKey)
	curve.Draw(curveC)
	return writeCanvasPNG(context.Background(), path, img)
}

// logBinned returns the mean of xy's y over bins of 1/perDecade of a decade
// of x, one point per non-empty bin at the bin's mean x, for a curve that
// stays readable where a log axis crowds many points.
func logBinned(xy plotter.XYs, perDecade float64) plotter.XYs {
	var out plotter.XYs
	for a := 0; a < len(xy); {
		bin := math.Floor(math.Log10(xy[a].X) * perDecade)
		b := a
		var sx, sy float64
		for b < len(xy) && math.Floor(math.Log10(xy[b].X)*perDecade) == bin {
			sx += xy[b].X
			sy += xy[b].Y
			b++
		}
		out = append(out, plotter.XY{X: sx / float64(b-a), Y: sy / float64(b-a)})
		a = b
	}
	return out
}

// drawHeatKey explains the heat map's colours and marks in one line across c.
func drawHeatKey(c draw.Canvas, palette []color.Color) {
	sty := textStyle(9, text.XLeft, text.YCenter)
	y := c.Min.Y + (c.Max.Y-c.Min.Y)/2
	x := c.Min.X
	label := func(s string) {
		c.FillText(sty, vg.Point{X: x, Y: y}, s)
		x += sty.Width(s) + 6
	}
	label("colour: sensitivity relative to the row's maximum, " + strconv.FormatFloat(math.Pow(10, -colourDecades), 'f', -1, 64))
	const barW, barH = 90, 10
	for k := range barW {
		c.SetColor(shade(palette, float64(k)/barW))
		c.Fill(vg.Rectangle{Min: vg.Point{X: x + vg.Length(k), Y: y - barH/2}, Max: vg.Point{X: x + vg.Length(k) + 1.2, Y: y + barH/2}}.Path())
	}
	x += barW + 4
	label("1")
	x += 14
	c.SetColor(rgb(colBeyond))
	c.Fill(vg.Rectangle{Min: vg.Point{X: x, Y: y - barH/2}, Max: vg.Point{X: x + 14, Y: y + barH/2}}.Path())
	x += 18
	label("beyond the field")
	drawKey(c, x+8, []keyMark{{colInk, "the field's edge"}, {colMass50, "50 %"}, {colMass90, "90 % of the row's sensitivity"}})
}

// keyMark is one entry of a picture's key: a coloured bar and what it means.
type keyMark struct {
	col   uint32
	label string
}

// drawKey draws marks in a line across the middle of c from x on.
func drawKey(c draw.Canvas, x vg.Length, marks []keyMark) {
	sty := textStyle(9, text.XLeft, text.YCenter)
	y := c.Min.Y + (c.Max.Y-c.Min.Y)/2
	for _, mk := range marks {
		c.StrokeLines(draw.LineStyle{Color: rgb(mk.col), Width: vg.Points(2.5)},
			[]vg.Point{{X: x, Y: y - 6}, {X: x, Y: y + 6}})
		c.FillText(sty, vg.Point{X: x + 5, Y: y}, mk.label)
		x += 5 + sty.Width(mk.label) + 14
	}
}

// sensitivityRows draws each layer's sensitivity as a row of colour: row i
// spans y ∈ [i, i+1], lag τ the x interval [τ + 0.5, τ + 1.5) (centred on
// τ + 1 samples back), binned to the canvas's pixels by the mean over the
// lags a pixel covers; the colour is log10 of a bin over the row's largest,
// from −colourDecades (lightest) to 0 (darkest).
type sensitivityRows struct {
	rows   []effectiveRow
	colors []color.Color // light to dark
}

func (h sensitivityRows) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	trX := func(x float64) vg.Length { return c.X(p.X.Norm(x)) }
	lo, hi := math.Log(p.X.Min), math.Log(p.X.Max)
	const px = 0.75 // one pixel at 96 dpi, in points
	w := float64(c.Max.X - c.Min.X)
	cols := int(math.Ceil(w / px))
	xAt := func(k int) float64 { return math.Exp(lo + (hi-lo)*float64(k)*px/w) } // data x at the left of column k
	bins := make([]float64, cols)
	for i, r := range h.rows {
		y0, y1 := trY(float64(i)), trY(float64(i+1))
		var top float64
		for k := range bins {
			bins[k] = -1 // beyond the field
			a := max(int(math.Floor(xAt(k)-0.5)), 0)
			b := min(int(math.Floor(xAt(k+1)-0.5)), r.Field-1)
			if a > r.Field-1 {
				continue
			}
			var sum float64
			for tau := a; tau <= b; tau++ {
				sum += float64(r.Sensitivity[tau])
			}
			bins[k] = sum / float64(b-a+1)
			top = max(top, bins[k])
		}
		for k, v := range bins {
			col := rgb(colBeyond)
			if v >= 0 {
				col = shade(h.colors, 1+math.Log10(v/top)/colourDecades)
			}
			x0 := c.Min.X + vg.Length(k)*px
			rect := vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: min(x0+px+0.3, c.Max.X), Y: y1}}
			c.SetColor(col)
			c.Fill(rect.Path())
		}
		mark := func(x float64, col uint32) {
			xe := trX(x)
			c.StrokeLines(draw.LineStyle{Color: rgb(col), Width: vg.Points(2)},
				[]vg.Point{{X: xe, Y: y0 + 0.5}, {X: xe, Y: y1 - 0.5}})
		}
		mark(float64(r.Field)+0.5, colInk)
		mark(float64(r.Mass[0].Samples)+0.5, colMass50)
		mark(float64(r.Mass[1].Samples)+0.5, colMass90)
	}
}

// shade interpolates the palette cols at v ∈ [0, 1] (clamped).
func shade(cols []color.Color, v float64) color.RGBA {
	if !(v > 0) {
		v = 0 // and NaN, of a row that is zero throughout
	}
	v = math.Min(v, 1) * float64(len(cols)-1)
	k := min(int(v), len(cols)-2)
	f := v - float64(k)
	a, b := color.RGBAModel.Convert(cols[k]).(color.RGBA), color.RGBAModel.Convert(cols[k+1]).(color.RGBA)
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-f) + float64(y)*f)) }
	return color.RGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 0xff}
}

// lagTicks marks a log-scaled lag axis at 1, 10, 100, … samples (with the
// same in milliseconds) and at 2 and 5 times those, unlabelled unless the
// axis spans less than two decades.
type lagTicks struct{ rate int }

func (lt lagTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for p := 1.0; p <= hi; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			v := m * p
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || hi/lo < 100 { // fewer than two decades: label 2 and 5 too
				t.Label = strconv.FormatFloat(v, 'f', -1, 64)
				if ms := v * 1000 / float64(lt.rate); ms >= 0.1 {
					t.Label += "\n" + strconv.FormatFloat(ms, 'g', 3, 64) + " ms"
				}
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// inRange drops the ticks of its Ticker that lie outside the axis (LogTicks
// adds one beyond each end, which would pad the plot for its label).
type inRange struct{ plot.Ticker }

func (r inRange) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, t := range r.Ticker.Ticks(lo, hi) {
		if t.Value >= lo && t.Value <= hi {
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// layerTicks labels every `every`-th row of the heat map with its layer
// number, at the row's middle.
type layerTicks struct{ layers, every int }

func (lt layerTicks) Ticks(_, _ float64) []plot.Tick {
	var ticks []plot.Tick
	for i := 0; i < lt.layers; i++ {
		t := plot.Tick{Value: float64(i) + 0.5}
		if i%lt.every == 0 {
			t.Label = strconv.Itoa(i)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
