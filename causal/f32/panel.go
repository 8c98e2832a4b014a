package f32

import "fmt"

// Panel is a weight matrix W (In, Out) packed for streaming products with a
// few rows, y += x·W: the per-sample products of generation. The columns are
// cut into chunks of 64 (then of 16 for the rest, the last one zero-padded),
// and each chunk is stored as its own (In, width) row-major block, so that a
// product reads the weights once, front to back.
type Panel struct {
	In, Out int
	n64     int       // chunks of 64 columns
	n16     int       // chunks of 16 after them, the last one possibly partial
	w       []float32 // the chunks, one after another
}

// NewPanel packs the in×out matrix whose element (i, o) is at(i, o).
func NewPanel(in, out int, at func(i, o int) float32) *Panel {
	if in < 1 || out < 1 {
		panic(fmt.Sprintf("f32: NewPanel(%d, %d)", in, out))
	}
	p := &Panel{In: in, Out: out, n64: out / 64}
	p.n16 = (out - 64*p.n64 + 15) / 16
	p.w = make([]float32, in*(64*p.n64+16*p.n16))
	off := 0
	chunk := func(o0, width int) {
		for i := 0; i < in; i++ {
			for j := 0; j < width; j++ {
				if o := o0 + j; o < out {
					p.w[off+i*width+j] = at(i, o)
				}
			}
		}
		off += in * width
	}
	for c := 0; c < p.n64; c++ {
		chunk(64*c, 64)
	}
	for c := 0; c < p.n16; c++ {
		chunk(64*p.n64+16*c, 16)
	}
	return p
}

// At returns W(i, o).
func (p *Panel) At(i, o int) float32 {
	if i < 0 || i >= p.In || o < 0 || o >= p.Out {
		panic(fmt.Sprintf("f32: Panel.At(%d, %d) of a %d×%d panel", i, o, p.In, p.Out))
	}
	if c := o / 64; c < p.n64 {
		return p.w[c*p.In*64+i*64+o%64]
	}
	o -= 64 * p.n64
	return p.w[p.n64*p.In*64+(o/16)*p.In*16+i*16+o%16]
}

// MulAdd adds x·W to y for n rows:
//
//	y[r·ldy + o] += Σ_i x[r·ldx + i]·W(i, o)   for r < n, o < Out
//
// It allocates nothing. It panics if x or y is too short.
func (p *Panel) MulAdd(y []float32, ldy int, x []float32, ldx int, n int) {
	if n <= 0 {
		return
	}
	if ldx < p.In || ldy < p.Out || len(x) < (n-1)*ldx+p.In || len(y) < (n-1)*ldy+p.Out {
		panic(fmt.Sprintf("f32: Panel.MulAdd of a %d×%d panel with x of %d (stride %d), y of %d (stride %d), %d rows",
			p.In, p.Out, len(x), ldx, len(y), ldy, n))
	}
	in := p.In
	r := 0
	for ; r+4 <= n; r += 4 {
		xr, yr := x[r*ldx:], y[r*ldy:]
		off, o := 0, 0
		for c := 0; c < p.n64; c++ {
			kern4x64(in, xr, ldx, 1, p.w[off:], 64, yr[o:], ldy)
			off += in * 64
			o += 64
		}
		for c := 0; c < p.n16; c++ {
			if p.Out-o >= 16 {
				kern4x16(in, xr, ldx, 1, p.w[off:], 16, yr[o:], ldy)
			} else {
				kernGo(4, p.Out-o, in, xr, ldx, 1, p.w[off:], 16, yr[o:], ldy)
			}
			off += in * 16
			o += 16
		}
	}
	for ; r < n; r++ {
		xr, yr := x[r*ldx:], y[r*ldy:]
		off, o := 0, 0
		for c := 0; c < p.n64; c++ {
			kern1x64(in, xr, 1, p.w[off:], 64, yr[o:])
			off += in * 64
			o += 64
		}
		for c := 0; c < p.n16; c++ {
			if p.Out-o >= 16 {
				kern1x16(in, xr, 1, p.w[off:], 16, yr[o:])
			} else {
				kernGo(1, p.Out-o, in, xr, ldx, 1, p.w[off:], 16, yr[o:], ldy)
			}
			off += in * 16
			o += 16
		}
	}
}
