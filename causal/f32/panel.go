package f32

import "fmt"

// Panel is a weight matrix W (In, Out) packed for streaming products with a
// few rows, y += x·W: the per-sample products of generation. The columns are
// cut into chunks of 64, then at most one of 32, then of 16 (the last one
// zero-padded), and each chunk is stored as its own (In, width) row-major
// block, so that a product reads the weights once, front to back.
//
// The weights are float32 (NewPanel, NewPanelIn) or, at half the bytes,
// IEEE float16 (NewPanelF16, NewPanelF16In): each weight rounded to the
// nearest float16 once when packed, and widened exactly to float32 in the
// product, which sums in float32 as for float32 weights.
type Panel struct {
	In, Out int
	widths  []int     // of the chunks, in order
	w       []float32 // the chunks, one after another; nil for a float16 panel
	h       []uint16  // the chunks of a float16 panel (Float16Bits), or nil

	// The whole chunks (all but a partial last one) by width, for the
	// one-row kernels that run a whole panel in one call.
	n64, n32, n16 int
	whole         int // their columns
}

// NewPanel packs the in×out matrix whose element (i, o) is at(i, o).
func NewPanel(in, out int, at func(i, o int) float32) *Panel {
	return NewPanelIn(make([]float32, PanelSize(in, out)), in, out, at)
}

// PanelSize is the number of weights an in×out panel stores (float32s, or
// float16s for a float16 panel).
func PanelSize(in, out int) int {
	if in < 1 || out < 1 {
		panic(fmt.Sprintf("f32: panel of %d×%d", in, out))
	}
	return in * ((out + 15) &^ 15)
}

// NewPanelIn is NewPanel storing the panel in buf[:PanelSize(in, out)], so
// that panels used one after another can lie one after another in memory,
// a single stream for the prefetchers.
func NewPanelIn(buf []float32, in, out int, at func(i, o int) float32) *Panel {
	size := PanelSize(in, out)
	if len(buf) < size {
		panic(fmt.Sprintf("f32: NewPanelIn: %d values for a %d×%d panel of %d", len(buf), in, out, size))
	}
	p := newPanel(in, out)
	p.w = buf[:size:size]
	p.pack(func(k int, v float32) { p.w[k] = v }, at)
	return p
}

// NewPanelF16 is NewPanel with the weights stored as float16.
func NewPanelF16(in, out int, at func(i, o int) float32) *Panel {
	return NewPanelF16In(make([]uint16, PanelSize(in, out)), in, out, at)
}

// NewPanelF16In is NewPanelIn with the weights stored as float16 in
// buf[:PanelSize(in, out)].
func NewPanelF16In(buf []uint16, in, out int, at func(i, o int) float32) *Panel {
	size := PanelSize(in, out)
	if len(buf) < size {
		panic(fmt.Sprintf("f32: NewPanelF16In: %d values for a %d×%d panel of %d", len(buf), in, out, size))
	}
	p := newPanel(in, out)
	p.h = buf[:size:size]
	p.pack(func(k int, v float32) { p.h[k] = Float16Bits(v) }, at)
	return p
}

// newPanel is a panel's layout: its chunks, without the weights.
func newPanel(in, out int) *Panel {
	p := &Panel{In: in, Out: out}
	rest := out
	for ; rest >= 64; rest -= 64 {
		p.widths = append(p.widths, 64)
	}
	if rest >= 32 {
		p.widths = append(p.widths, 32)
		rest -= 32
	}
	for ; rest > 0; rest -= 16 {
		p.widths = append(p.widths, 16)
	}
	for _, wd := range p.widths {
		if p.whole+wd > out {
			break
		}
		switch wd {
		case 64:
			p.n64++
		case 32:
			p.n32++
		default:
			p.n16++
		}
		p.whole += wd
	}
	return p
}

// pack stores at(i, o) (0 in the padding) through set(k, v) for each
// position k of the packed chunks.
func (p *Panel) pack(set func(k int, v float32), at func(i, o int) float32) {
	off, o0 := 0, 0
	for _, wd := range p.widths {
		for i := 0; i < p.In; i++ {
			for j := 0; j < wd; j++ {
				v := float32(0)
				if o := o0 + j; o < p.Out {
					v = at(i, o)
				}
				set(off+i*wd+j, v)
			}
		}
		off += p.In * wd
		o0 += wd
	}
}

// F16 reports whether the panel stores its weights as float16.
func (p *Panel) F16() bool { return p.h != nil }

// At returns W(i, o) (for a float16 panel, the stored float16 widened).
func (p *Panel) At(i, o int) float32 {
	if i < 0 || i >= p.In || o < 0 || o >= p.Out {
		panic(fmt.Sprintf("f32: Panel.At(%d, %d) of a %d×%d panel", i, o, p.In, p.Out))
	}
	off := 0
	for _, wd := range p.widths {
		if o < wd {
			if p.h != nil {
				return Float16frombits(p.h[off+i*wd+o])
			}
			return p.w[off+i*wd+o]
		}
		o -= wd
		off += p.In * wd
	}
	panic("f32: Panel.At: unreachable")
}

// MulAdd adds x·W to y for n rows:
//
//	y[r·ldy + o] += Σ_i x[r·ldx + i]·W(i, o)   for r < n, o < Out
//
// each output by fused multiply-adds in the order of i, starting from y, so
// that every CPU gives the same bits, for float32 and float16 weights
// alike. It allocates nothing. It panics if x or y is too short.
func (p *Panel) MulAdd(y []float32, ldy int, x []float32, ldx int, n int) {
	if n <= 0 {
		return
	}
	if ldx < p.In || ldy < p.Out || len(x) < (n-1)*ldx+p.In || len(y) < (n-1)*ldy+p.Out {
		panic(fmt.Sprintf("f32: Panel.MulAdd of a %d×%d panel with x of %d (stride %d), y of %d (stride %d), %d rows",
			p.In, p.Out, len(x), ldx, len(y), ldy, n))
	}
	p.mulAdd(cpuISA, y, ldy, x, ldx, n)
}

// mulAddGo is MulAdd on the twin, chunk by chunk.
func (p *Panel) mulAddGo(y []float32, ldy int, x []float32, ldx int, n int) {
	off, o := 0, 0
	for _, wd := range p.widths {
		// The last chunk may be partial: only Out−o of its 16 columns.
		p.chunkGo(n, min(wd, p.Out-o), off, wd, x, ldx, y[o:], ldy)
		off += p.In * wd
		o += wd
	}
}

// chunkGo runs the chunk at offset off (width wd) on the twin for cols of
// its columns.
func (p *Panel) chunkGo(rows, cols, off, wd int, x []float32, ldx int, y []float32, ldy int) {
	if p.h != nil {
		kern16Go(rows, cols, p.In, x, ldx, 1, p.h[off:], wd, y, ldy)
		return
	}
	kernGo(rows, cols, p.In, x, ldx, 1, p.w[off:], wd, y, ldy)
}

// has32 reports whether the panel has a chunk 32 columns wide.
func (p *Panel) has32() bool {
	for _, wd := range p.widths {
		if wd == 32 {
			return true
		}
	}
	return false
}
