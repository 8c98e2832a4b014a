package causal

// ring holds a conv's last h inputs for N streams, so that one new output
// costs O(1): a step reads its past taps in place and overwrites the oldest
// slot with the new input. Nothing is shifted, and nothing is allocated
// after newRing. It is the one history of both per-step forms: StepState
// keeps float32 inputs (C = In channels per stream), OneHotState the codes
// (C = 1).
//
// The storage is (h, N, C): the input at time τ sits in slot τ mod h, each
// slot an (N, C) matrix with one row per stream, so that the slots of B
// consecutive times are one (B·N, C) matrix unless they wrap around the end.
type ring[E float32 | int32] struct {
	buf []E // (h, N, C)
	sz  int // N·C, one slot
	h   int // slots: the history
	pos int // slot of the current time (0 when h == 0)
}

func newRing[E float32 | int32](h, n, c int) ring[E] {
	return ring[E]{buf: make([]E, h*n*c), sz: n * c, h: h}
}

// reset fills every slot with empty (the input before t = 0) and makes the
// next input t = 0's.
func (r *ring[E]) reset(empty E) {
	for i := range r.buf {
		r.buf[i] = empty
	}
	r.pos = 0
}

// slot is the slot of the input of lag steps ago, 1 ≤ lag ≤ h.
func (r *ring[E]) slot(lag int) int {
	s := r.pos - lag
	if s < 0 {
		s += r.h
	}
	return s
}

// slots returns the run slots from s on, s+run ≤ h: a (run·N, C) view.
func (r *ring[E]) slots(s, run int) []E {
	return r.buf[s*r.sz : (s+run)*r.sz]
}

// head returns the slot the new input goes into (the oldest one), to be
// filled before advance; nil when h == 0.
func (r *ring[E]) head() []E {
	if r.h == 0 {
		return nil
	}
	return r.buf[r.pos*r.sz : (r.pos+1)*r.sz]
}

// advance moves the time on by one step, after head was filled.
func (r *ring[E]) advance() {
	if r.h == 0 {
		return
	}
	r.pos++
	if r.pos == r.h {
		r.pos = 0
	}
}
