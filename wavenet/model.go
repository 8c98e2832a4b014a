package wavenet

import (
	"fmt"
	"iter"
	"strconv"

	"github.com/wavenet-go/wavenet-go/causal"
)

// Layer is one residual block: a gated dilated conv, its two 1×1 outputs and,
// when the config asks for them, the bias-free 1×1 projections of the
// conditioning into the filter and gate halves (FORMAT.md, "Conditioning").
type Layer struct {
	Filter, Gate causal.Conv // (G, R, K), dilation d_i
	Residual     causal.Conv // (R, G, 1)
	Skip         causal.Conv // (S, G, 1)

	// The conditioning projections, nil when the config has no such
	// conditioning. Row-major (G, Cg) and (G, Cl): the file's [G, Cg, 1] and
	// [G, Cl, 1] without the width of one, e.g. FilterGlobal[o·Cg + c].
	FilterGlobal, GateGlobal []float32 // (G, Cg) layers.{i}.filter_global, gate_global
	FilterLocal, GateLocal   []float32 // (G, Cl) layers.{i}.filter_local, gate_local
}

// Model holds a config and all its parameters in one float32 allocation,
// Params, with the convs below as named views into it. A Model of the same
// config also serves as the gradient of one (see NewLike).
type Model struct {
	Config  Config
	Params  []float32   // every weight and bias, in the order of Config.Layout
	Input   causal.Conv // (R, Q, W0), dilation 1, applied to one-hot codes
	Layers  []Layer
	Output1 causal.Conv // (E, S, 1)
	Output2 causal.Conv // (Q, E, 1)

	// Embedding is global.embedding, (N, Cg) row-major: row g is the
	// conditioning vector of class g. Nil without global conditioning.
	Embedding []float32

	tensors []Tensor
}

// Role says which part of the model a tensor belongs to. The per-layer
// roles (RoleFilter … RoleGateLocal) come once per layer.
type Role uint8

const (
	RoleInput        Role = iota // input: causal conv of the one-hot codes, weight [R, Q, W0] and bias [R]
	RoleFilter                   // layers.{i}.filter: dilated conv, [G, R, K] and [G]
	RoleGate                     // layers.{i}.gate: dilated conv, [G, R, K] and [G]
	RoleResidual                 // layers.{i}.residual: 1×1 conv, [R, G, 1] and [R]
	RoleSkip                     // layers.{i}.skip: 1×1 conv, [S, G, 1] and [S]
	RoleOutput1                  // output1: 1×1 conv, [E, S, 1] and [E]
	RoleOutput2                  // output2: 1×1 conv, [Q, E, 1] and [Q]
	RoleEmbedding                // global.embedding: one row per class, [N, Cg]
	RoleFilterGlobal             // layers.{i}.filter_global: bias-free 1×1 conv, [G, Cg, 1]
	RoleGateGlobal               // layers.{i}.gate_global: bias-free 1×1 conv, [G, Cg, 1]
	RoleFilterLocal              // layers.{i}.filter_local: bias-free 1×1 conv, [G, Cl, 1]
	RoleGateLocal                // layers.{i}.gate_local: bias-free 1×1 conv, [G, Cl, 1]
)

// TensorSpec is one entry of a model's layout: a tensor's name in a model
// file, its shape and what it is.
type TensorSpec struct {
	Name  string // e.g. "input.weight", "layers.3.gate.bias", "global.embedding"
	Shape []int  // PyTorch layout: [out, in, width] for a conv weight, [out] for a bias, [N, Cg] for the embedding
	Role  Role
	Bias  bool // the bias of its conv, not its weight
	Layer int  // the layer of a per-layer role, −1 for the others
}

// Size is the number of float32 values of the tensor: the product of its
// shape.
func (s TensorSpec) Size() int {
	n := 1
	for _, d := range s.Shape {
		n *= d
	}
	return n
}

// size64 is Size in int64, which no config within Validate's per-key
// limits overflows (a tensor has at most 2^38 values).
func (s TensorSpec) size64() int64 {
	n := int64(1)
	for _, d := range s.Shape {
		n *= int64(d)
	}
	return n
}

// Layout is the model's table of tensors, the one place that says which
// tensors a model of c has, with which shapes, in which order: New carves
// Params along it, model files are checked against it and written in its
// order, and ParamCount, RandomInit and `wavenet inspect` count and fill it.
// The order is
//
//	input.weight, input.bias
//	layers.{i}.filter, gate, residual, skip (weight, then bias), for i = 0 … L−1
//	output1.weight, output1.bias, output2.weight, output2.bias
//	global.embedding                                        (global conditioning only)
//	layers.{i}.filter_global.weight, gate_global.weight     (global only), for each i
//	layers.{i}.filter_local.weight, gate_local.weight       (local only), for each i
//
// so a conditioned model's parameters begin with those of the same config
// unconditioned. It is a sequence rather than a slice so that a reader can
// check a file against the config it claims, stopping at the first
// mismatch, without first storing the layout of a config that may be huge.
func (c Config) Layout() iter.Seq[TensorSpec] {
	return func(yield func(TensorSpec) bool) {
		Q, R, G, S, E, K := c.QuantizationChannels, c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.FilterWidth
		conv := func(prefix string, role Role, layer, out, in, width int) bool {
			return yield(TensorSpec{Name: prefix + ".weight", Shape: []int{out, in, width}, Role: role, Layer: layer}) &&
				yield(TensorSpec{Name: prefix + ".bias", Shape: []int{out}, Role: role, Bias: true, Layer: layer})
		}
		layer := func(i int) string { return "layers." + strconv.Itoa(i) }
		if !conv("input", RoleInput, -1, R, Q, c.InputWidth) {
			return
		}
		for i := range c.Dilations {
			p := layer(i)
			if !conv(p+".filter", RoleFilter, i, G, R, K) || !conv(p+".gate", RoleGate, i, G, R, K) ||
				!conv(p+".residual", RoleResidual, i, R, G, 1) || !conv(p+".skip", RoleSkip, i, S, G, 1) {
				return
			}
		}
		if !conv("output1", RoleOutput1, -1, E, S, 1) || !conv("output2", RoleOutput2, -1, Q, E, 1) {
			return
		}
		// The conditioning projections: bias-free 1×1 convs from Cg or Cl
		// channels into each half of every layer's gated unit.
		project := func(ch int, filter, gate Role, suffix string) bool {
			for i := range c.Dilations {
				p := layer(i)
				if !yield(TensorSpec{Name: p + ".filter_" + suffix + ".weight", Shape: []int{G, ch, 1}, Role: filter, Layer: i}) ||
					!yield(TensorSpec{Name: p + ".gate_" + suffix + ".weight", Shape: []int{G, ch, 1}, Role: gate, Layer: i}) {
					return false
				}
			}
			return true
		}
		if c.GlobalChannels > 0 {
			if !yield(TensorSpec{Name: "global.embedding", Shape: []int{c.GlobalClasses, c.GlobalChannels}, Role: RoleEmbedding, Layer: -1}) ||
				!project(c.GlobalChannels, RoleFilterGlobal, RoleGateGlobal, "global") {
				return
			}
		}
		if c.LocalChannels > 0 {
			project(c.LocalChannels, RoleFilterLocal, RoleGateLocal, "local")
		}
	}
}

// Tensor is one named parameter of a model: its entry of the layout and its
// values.
type Tensor struct {
	TensorSpec
	Data []float32 // a view into Model.Params, Size() values
}

// New returns a model of cfg, conditioned or not, with all parameters zero.
// It refuses an invalid config.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newModel(cfg), nil
}

// newModel returns a zero model of cfg, which must be valid: New without
// the check, for the reader (which validated the config already).
func newModel(cfg Config) *Model {
	m := &Model{Config: cfg, Layers: make([]Layer, len(cfg.Dilations))}
	m.Params = make([]float32, ParamCount(cfg))
	off := 0
	for s := range cfg.Layout() {
		n := s.Size()
		data := m.Params[off : off+n : off+n]
		off += n
		m.bind(s, data)
		m.tensors = append(m.tensors, Tensor{TensorSpec: s, Data: data})
	}
	if off != len(m.Params) {
		panic("wavenet: the layout disagrees with ParamCount")
	}
	return m
}

// bind makes the view of m that s names hold data.
func (m *Model) bind(s TensorSpec, data []float32) {
	var ly *Layer
	if s.Layer >= 0 {
		ly = &m.Layers[s.Layer]
	}
	var c *causal.Conv
	dilation := 1
	switch s.Role {
	case RoleInput:
		c = &m.Input
	case RoleFilter:
		c, dilation = &ly.Filter, m.Config.Dilations[s.Layer]
	case RoleGate:
		c, dilation = &ly.Gate, m.Config.Dilations[s.Layer]
	case RoleResidual:
		c = &ly.Residual
	case RoleSkip:
		c = &ly.Skip
	case RoleOutput1:
		c = &m.Output1
	case RoleOutput2:
		c = &m.Output2
	case RoleEmbedding:
		m.Embedding = data
		return
	case RoleFilterGlobal:
		ly.FilterGlobal = data
		return
	case RoleGateGlobal:
		ly.GateGlobal = data
		return
	case RoleFilterLocal:
		ly.FilterLocal = data
		return
	case RoleGateLocal:
		ly.GateLocal = data
		return
	default:
		panic(fmt.Sprintf("wavenet: tensor %s has no place in the model (role %d)", s.Name, s.Role))
	}
	if s.Bias {
		c.Bias = data
		return
	}
	c.Out, c.In, c.Width, c.Dilation = s.Shape[0], s.Shape[1], s.Shape[2], dilation
	c.Weight = data
}

// NewLike returns a zeroed model with m's config: the shape of m's gradient.
func (m *Model) NewLike() *Model { return newModel(m.Config) }

// Tensors lists the model's parameters in the order of its config's Layout,
// which is the order they sit in Params.
func (m *Model) Tensors() []Tensor { return m.tensors }

// ParamCount is the number of float32 parameters a model of cfg has, the
// conditioning tensors included: the sum of the sizes of its Layout. For a
// config that passes Validate it is at most 2^30, so it fits an int on every
// platform.
func ParamCount(cfg Config) int { return int(paramCount(cfg)) }

// paramCount is ParamCount in int64: for any config within Validate's
// per-key limits it does not overflow (at most about 2^46).
func paramCount(cfg Config) int64 {
	var n int64
	for s := range cfg.Layout() {
		n += s.size64()
	}
	return n
}
