package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wavenet-go/wavenet-go/causal"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// layerStats describes one stage of a stack as inspect reports it. All counts
// are per stream.
type layerStats struct {
	Name           string  `json:"name"`               // "input", "layers.0", …, "output"
	Dilation       int     `json:"dilation"`           // d
	Width          int     `json:"width"`              // taps: W0, K, or 1 for the 1×1 output head
	ReceptiveField int     `json:"receptive_field"`    // samples one output of this stage sees
	FieldMS        float64 `json:"receptive_field_ms"` // the same in milliseconds
	Parameters     int     `json:"parameters"`         // weights and biases
	MACs           int     `json:"macs_per_sample"`    // multiply-adds per generated sample, biases not counted
	CacheValues    int     `json:"cache_values"`       // past inputs kept for cached generation: codes (input) or floats
	CacheBytes     int     `json:"cache_bytes"`        // the same in bytes (4 per code or float)

	// The conditioning rows' work outside the per-sample step: the class
	// term, folded into each layer's biases once per stream (global), and
	// the projection of each frame, once per H samples (local, whose
	// macs_per_sample is this spread over the hop, rounded up).
	MACsPerStream int `json:"macs_per_stream,omitempty"`
	MACsPerFrame  int `json:"macs_per_frame,omitempty"`
}

// stackStats is what inspect prints: the config, one row per stage and the
// totals.
type stackStats struct {
	Source         string          `json:"source"` // where the config came from
	Config         wavenet.Config  `json:"config"`
	Layers         []layerStats    `json:"layers"`
	ReceptiveField int             `json:"receptive_field"` // samples
	FieldMS        float64         `json:"receptive_field_ms"`
	Parameters     int             `json:"parameters"`
	MACs           int             `json:"macs_per_sample"`
	CacheValues    int             `json:"cache_values"`
	CacheBytes     int             `json:"cache_bytes"`
	Training       json.RawMessage `json:"training,omitempty"`     // a model file's training metadata
	Classes        []string        `json:"classes,omitempty"`      // a model file's class names (training metadata), id order
	PreEmphasis    float64         `json:"pre_emphasis,omitempty"` // a model file's: its codes are of the sound pre-emphasised by this α

	Effective *effectiveStats `json:"effective,omitempty"` // --effective: the measured field

	Version string `json:"version"` // the build of wavenet that made the report (--version)
}

// computeStats fills a stackStats for cfg.
//
// Parameters are counted from the model's layout (wavenet.Config.Layout):
// the conditioning tensors in rows of their own, "global" (the class
// embedding and every layer's filter_global and gate_global) and "local"
// (filter_local and gate_local), after the output head.
//
// The input conv sees one-hot codes, so its product is a gather: W0·R adds
// per sample, and its cache holds W0−1 codes. Each dilated layer multiplies
// R inputs at K taps into the filter and gate halves (2·G·R·K), then G into
// the residual (R·G) and skip (S·G) 1×1 convs, and caches d·(K−1) past
// R-channel inputs. The output head is two 1×1 convs, S→E→Q. The
// conditioning is projected off the per-sample path: the class embedding
// once per stream (L·2·G·Cg, folded into the layers' biases, so a step
// costs what an unconditioned one does) and each frame once per H samples
// (L·2·G·Cl per frame; adding it is 2·G adds per layer and sample, not
// counted).
func computeStats(source string, cfg wavenet.Config) stackStats {
	Q, R, G, S, E, K, W0 := cfg.QuantizationChannels, cfg.ResidualChannels, cfg.GateChannels, cfg.SkipChannels, cfg.EndChannels, cfg.FilterWidth, cfg.InputWidth
	var inParams, outParams, globalParams, localParams int
	layerParams := make([]int, len(cfg.Dilations))
	for t := range cfg.Layout() {
		switch t.Role {
		case wavenet.RoleEmbedding, wavenet.RoleFilterGlobal, wavenet.RoleGateGlobal:
			globalParams += t.Size()
		case wavenet.RoleFilterLocal, wavenet.RoleGateLocal:
			localParams += t.Size()
		case wavenet.RoleInput:
			inParams += t.Size()
		case wavenet.RoleOutput1, wavenet.RoleOutput2:
			outParams += t.Size()
		default:
			layerParams[t.Layer] += t.Size()
		}
	}
	ms := func(samples int) float64 { return float64(samples) * 1000 / float64(cfg.SampleRate) }
	st := stackStats{Source: source, Config: cfg, Version: buildVersion()}
	add := func(l layerStats) {
		l.FieldMS = ms(l.ReceptiveField)
		l.CacheBytes = 4 * l.CacheValues
		st.Layers = append(st.Layers, l)
		st.Parameters += l.Parameters
		st.MACs += l.MACs
		st.CacheValues += l.CacheValues
		st.CacheBytes += l.CacheBytes
	}
	add(layerStats{Name: "input", Dilation: 1, Width: W0, ReceptiveField: W0,
		Parameters: inParams, MACs: W0 * R, CacheValues: W0 - 1})
	fields := causal.LayerFields(W0, K, cfg.Dilations)
	for i, d := range cfg.Dilations {
		add(layerStats{Name: fmt.Sprintf("layers.%d", i), Dilation: d, Width: K, ReceptiveField: fields[i],
			Parameters: layerParams[i],
			MACs:       2*G*R*K + R*G + S*G, CacheValues: d * (K - 1) * R})
	}
	st.ReceptiveField = cfg.ReceptiveField()
	add(layerStats{Name: "output", Dilation: 1, Width: 1, ReceptiveField: st.ReceptiveField,
		Parameters: outParams, MACs: E*S + Q*E})
	L := len(cfg.Dilations)
	if cfg.GlobalClasses > 0 {
		add(layerStats{Name: "global", Dilation: 1, Width: 1, Parameters: globalParams,
			MACsPerStream: L * 2 * G * cfg.GlobalChannels})
	}
	if cfg.LocalChannels > 0 {
		perFrame := L * 2 * G * cfg.LocalChannels
		add(layerStats{Name: "local", Dilation: 1, Width: 1, Parameters: localParams,
			MACs: (perFrame + cfg.LocalHop - 1) / cfg.LocalHop, MACsPerFrame: perFrame})
	}
	st.FieldMS = ms(st.ReceptiveField)
	return st
}

// row returns the row of st named name (zero if there is none).
func (st stackStats) row(name string) layerStats {
	for _, l := range st.Layers {
		if l.Name == name {
			return l
		}
	}
	return layerStats{}
}

// writeTable prints st as an aligned table with totals.
func writeTable(w io.Writer, st stackStats) error {
	c := st.Config
	fmt.Fprintf(w, "%s: %d layers, Q=%d R=%d G=%d S=%d E=%d K=%d W0=%d, %d Hz\n",
		st.Source, len(c.Dilations), c.QuantizationChannels, c.ResidualChannels, c.GateChannels,
		c.SkipChannels, c.EndChannels, c.FilterWidth, c.InputWidth, c.SampleRate)
	if len(st.Training) > 0 {
		fmt.Fprintf(w, "training: %s\n", st.Training)
	}
	if st.PreEmphasis > 0 {
		fmt.Fprintf(w, "sound: pre-emphasised by x[t] − %g·x[t−1] before μ-law coding, de-emphasised after (generate, vocode, eval and --effective do both)\n", st.PreEmphasis)
	}
	if c.GlobalClasses > 0 {
		fmt.Fprintf(w, "global conditioning: %d classes (%s), embeddings of %d channels, projected into every layer once per stream (%d mult-adds), so a step costs what an unconditioned one does\n",
			c.GlobalClasses, knownClasses(c, st.Classes), c.GlobalChannels, st.row("global").MACsPerStream)
	}
	if c.LocalChannels > 0 {
		l := st.row("local")
		fmt.Fprintf(w, "local conditioning: %d channels per frame, a frame every %d samples (%.2f ms), projected into every layer once per frame (%d mult-adds, %d per sample)\n",
			c.LocalChannels, c.LocalHop, float64(c.LocalHop)*1000/float64(c.SampleRate), l.MACsPerFrame, l.MACs)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\tdilation\twidth\tfield (samples)\tfield (ms)\tparameters\tmult-adds/sample\tcache (values)\tcache (bytes)\t")
	for _, l := range st.Layers {
		if l.Name == "global" || l.Name == "local" {
			// Conditioning: no field, no cache; global work is per stream.
			macs := strconv.Itoa(l.MACs)
			if l.Name == "global" {
				macs = "0 (per stream)"
			}
			fmt.Fprintf(tw, "%s\t\t\t\t\t%d\t%s\t\t\t\n", l.Name, l.Parameters, macs)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.2f\t%d\t%d\t%d\t%d\t\n", l.Name, l.Dilation, l.Width,
			l.ReceptiveField, l.FieldMS, l.Parameters, l.MACs, l.CacheValues, l.CacheBytes)
	}
	fmt.Fprintf(tw, "total\t\t\t%d\t%.2f\t%d\t%d\t%d\t%d\t\n", st.ReceptiveField, st.FieldMS,
		st.Parameters, st.MACs, st.CacheValues, st.CacheBytes)
	return tw.Flush()
}

// inspectOptions are inspect's flag values.
type inspectOptions struct {
	model, preset, png string
	asJSON             bool
	dilations          []int
	cfg                wavenet.Config // filled with the flags' values

	effective string // --effective: the clip to measure on
	positions int    // --positions
	seed      uint64 // --seed: random weights of a preset or stack, for --effective
}

func newInspectCmd() *cobra.Command {
	var o inspectOptions
	def, err := wavenet.Preset("small")
	if err != nil {
		panic(err) // the small preset always exists
	}
	cmd := &cobra.Command{
		Use:   "inspect [--model M | --preset P | --dilations 1,2,4 ...] [--effective CLIP.wav [--positions N] [--seed N]] [--json] [--png FILE]",
		Short: "Show a stack's receptive field, parameters, cost and cache, layer by layer",
		Long: `inspect describes a WaveNet stack layer by layer: dilation, width, the
receptive field after the layer in samples and milliseconds, parameters,
multiply-adds per generated sample and the size of the generation cache
(per stream), with totals.

The stack comes from a model file (--model, whose training metadata and
pre-emphasis, if any, are shown too), a preset (--preset), or the shape
flags (--dilations and the rest). With none of these it describes the
built-in default model.

--png draws the stack in the manner of Figure 3 of the WaveNet paper: which
inputs one output depends on, layer by layer. For stacks deeper than 6 layers
it draws the first layers and, beside them, the receptive field against depth
for the stack and for the same stack undilated.

--effective CLIP.wav measures how far back the model really listens on a
clip (the effective receptive field of Luo et al., 2016): for each layer, the
mean over positions t of how strongly its gated units at t depend on x0, the
input conv's output, at t−τ (Σ over x0's channels of |∂(Σ of the units)/∂x0|,
by the model's own backward pass), and the same for the log-probability of
the clip's actual next code. The table gives, per layer, the windows of the
most recent samples that hold 50, 90 and 99 % of that sensitivity, beside the
field the layer could see (measured from x0: (K−1)·Σd + 1 samples). The
positions lie at least one receptive field into the clip; --positions N sets
how many (default: as many as fit one field apart, at most 64). A preset or
--dilations stack is measured with random weights, those train starts from
with the same --seed. --json adds the object "effective" with the positions
and every row's unnormalised sensitivity, lag by lag; --png then draws it
instead of the stack: layers as rows and lag on a log axis, sensitivity as
colour, and the prediction's sensitivity below.`,
		Example: `  wavenet inspect --preset small
  wavenet inspect --dilations 1,2,4 --filter-width 3 --input-width 1 --json
  wavenet inspect --dilations 1,2,4,8 --png stack.png
  wavenet inspect --effective models/tone.wav --png field.png
  wavenet inspect --preset small --seed 1 --effective models/tone.wav`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInspect(cmd, &o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", "model file (.safetensors) to describe")
	f.StringVar(&o.preset, "preset", "", "named stack to describe: "+strings.Join(wavenet.PresetNames(), ", "))
	f.IntSliceVar(&o.dilations, "dilations", nil, "dilation of each layer, comma-separated, e.g. 1,2,4,8")
	f.IntVar(&o.cfg.FilterWidth, "filter-width", def.FilterWidth, "taps K of each dilated conv")
	f.IntVar(&o.cfg.InputWidth, "input-width", def.InputWidth, "taps W0 of the input conv")
	f.IntVar(&o.cfg.SampleRate, "sample-rate", def.SampleRate, "sample rate in Hz (for the field in ms)")
	f.IntVar(&o.cfg.QuantizationChannels, "quantization-channels", def.QuantizationChannels, "μ-law classes Q")
	f.IntVar(&o.cfg.ResidualChannels, "residual-channels", def.ResidualChannels, "residual channels R")
	f.IntVar(&o.cfg.GateChannels, "gate-channels", def.GateChannels, "channels G of each half of the gated unit")
	f.IntVar(&o.cfg.SkipChannels, "skip-channels", def.SkipChannels, "skip channels S")
	f.IntVar(&o.cfg.EndChannels, "end-channels", def.EndChannels, "channels E of the hidden output layer")
	f.BoolVar(&o.asJSON, "json", false, `print one JSON object instead of the table (with "version", the build of wavenet)`)
	f.StringVar(&o.png, "png", "", "also draw the stack (with --effective: the measured field) to this PNG file")
	f.StringVar(&o.effective, "effective", "", "measure the effective receptive field on this WAV clip")
	f.IntVar(&o.positions, "positions", 0, "positions t to average --effective over (default: as many as fit one receptive field apart, at most 64)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of the random weights that --effective measures a preset or --dilations stack with")
	return cmd
}

func runInspect(cmd *cobra.Command, o *inspectOptions) error {
	f := cmd.Flags()
	sources := 0
	for _, name := range []string{"model", "preset", "dilations"} {
		if f.Changed(name) {
			sources++
		}
	}
	if sources > 1 {
		return usagef("give only one of --model, --preset and --dilations")
	}
	if !f.Changed("dilations") {
		// The flags that describe a stack without a model or preset.
		for _, name := range []string{"filter-width", "input-width", "sample-rate", "quantization-channels",
			"residual-channels", "gate-channels", "skip-channels", "end-channels"} {
			if f.Changed(name) {
				return usagef("--%s describes a stack given by --dilations", name)
			}
		}
	}
	if err := checkEffectiveFlags(f, o); err != nil {
		return err
	}
	// The picture must not replace an input.
	var inputs []string
	for _, in := range []string{o.model, o.effective} {
		if in != "" {
			inputs = append(inputs, in)
		}
	}
	if o.png != "" {
		if err := checkOutputs(inputs, []string{o.png}); err != nil {
			return err
		}
	}
	var st stackStats
	var m *wavenet.Model // a model file's, or the built-in one
	switch {
	case f.Changed("preset"):
		cfg, err := wavenet.Preset(o.preset)
		if err != nil {
			return &usageError{err}
		}
		st = computeStats("preset "+o.preset, cfg)
	case f.Changed("dilations"):
		cfg := o.cfg
		cfg.Dilations = o.dilations
		if err := cfg.Validate(); err != nil {
			return &usageError{err}
		}
		st = computeStats("stack", cfg)
	default:
		lm, meta, name, err := loadModel(o.model)
		if err != nil {
			return err
		}
		m = lm
		st = computeStats(name, m.Config)
		st.Training = meta.Training
		st.Classes = modelClasses(m.Config, meta)
		st.PreEmphasis = meta.PreEmphasis
	}
	if o.effective != "" {
		return runEffective(cmd, o, st, m)
	}
	if o.png != "" {
		if err := writeStackPNG(o.png, st.Config); err != nil {
			return err
		}
	}
	out := cmd.OutOrStdout()
	if o.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return writeTable(out, st)
}
