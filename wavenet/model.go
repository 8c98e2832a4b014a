package wavenet

import (
	"fmt"

	"github.com/wavenet-go/wavenet-go/causal"
)

// Layer is one residual block: a gated dilated conv and its two 1×1 outputs.
type Layer struct {
	Filter, Gate causal.Conv // (G, R, K), dilation d_i
	Residual     causal.Conv // (R, G, 1)
	Skip         causal.Conv // (S, G, 1)
}

// Model holds a config and all its parameters in one float32 allocation,
// Params, with the convs below as named views into it. A Model of the same
// config also serves as the gradient of one (see NewLike).
type Model struct {
	Config  Config
	Params  []float32   // every weight and bias, in the order of Tensors
	Input   causal.Conv // (R, Q, W0), dilation 1, applied to one-hot codes
	Layers  []Layer
	Output1 causal.Conv // (E, S, 1)
	Output2 causal.Conv // (Q, E, 1)

	tensors []Tensor
}

// Tensor is one named parameter of a model, as stored in a model file.
type Tensor struct {
	Name  string
	Shape []int     // PyTorch layout, e.g. [out, in, width] for a conv weight
	Data  []float32 // a view into Model.Params
}

// New returns a model of cfg with all parameters zero. It refuses an invalid
// config and, for now, a conditioned one.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Conditioned() {
		return nil, fmt.Errorf("wavenet: global and local conditioning are not supported by this engine")
	}
	m := &Model{Config: cfg}
	m.Params = make([]float32, ParamCount(cfg))
	off := 0
	conv := func(name string, out, in, width, dilation int) causal.Conv {
		c := causal.Conv{In: in, Out: out, Width: width, Dilation: dilation}
		c.Weight = m.Params[off : off+out*in*width : off+out*in*width]
		off += out * in * width
		c.Bias = m.Params[off : off+out : off+out]
		off += out
		m.tensors = append(m.tensors,
			Tensor{Name: name + ".weight", Shape: []int{out, in, width}, Data: c.Weight},
			Tensor{Name: name + ".bias", Shape: []int{out}, Data: c.Bias})
		return c
	}
	Q, R, G, S, E, K := cfg.QuantizationChannels, cfg.ResidualChannels, cfg.GateChannels, cfg.SkipChannels, cfg.EndChannels, cfg.FilterWidth
	m.Input = conv("input", R, Q, cfg.InputWidth, 1)
	m.Layers = make([]Layer, len(cfg.Dilations))
	for i, d := range cfg.Dilations {
		p := fmt.Sprintf("layers.%d.", i)
		m.Layers[i] = Layer{
			Filter:   conv(p+"filter", G, R, K, d),
			Gate:     conv(p+"gate", G, R, K, d),
			Residual: conv(p+"residual", R, G, 1, 1),
			Skip:     conv(p+"skip", S, G, 1, 1),
		}
	}
	m.Output1 = conv("output1", E, S, 1, 1)
	m.Output2 = conv("output2", Q, E, 1, 1)
	if off != len(m.Params) {
		panic("wavenet: parameter layout disagrees with ParamCount")
	}
	return m, nil
}

// NewLike returns a zeroed model with m's config: the shape of m's gradient.
func (m *Model) NewLike() *Model {
	g, err := New(m.Config)
	if err != nil {
		panic(err) // m's config was valid when m was made
	}
	return g
}

// Tensors lists the model's parameters in the order they sit in Params:
// input, then layers.0 … layers.{L−1} (filter, gate, residual, skip), then
// output1 and output2; each weight before its bias.
func (m *Model) Tensors() []Tensor { return m.tensors }

// ParamCount is the number of float32 parameters a model of cfg has. For a
// config that passes Validate it is at most 2^30, so it fits an int on every
// platform.
func ParamCount(cfg Config) int { return int(paramCount(cfg)) }

// paramCount is ParamCount in int64: for any config within Validate's
// per-key limits it does not overflow (at most about 2^46).
func paramCount(cfg Config) int64 {
	Q, R, G, S, E, K := int64(cfg.QuantizationChannels), int64(cfg.ResidualChannels), int64(cfg.GateChannels),
		int64(cfg.SkipChannels), int64(cfg.EndChannels), int64(cfg.FilterWidth)
	n := R*Q*int64(cfg.InputWidth) + R
	n += int64(len(cfg.Dilations)) * (2*(G*R*K+G) + (R*G + R) + (S*G + S))
	n += E*S + E + Q*E + Q
	return n
}
