package wavenet

import (
	"fmt"

	"github.com/wavenet-go/wavenet-go/causal"
	"github.com/wavenet-go/wavenet-go/causal/f32"
)

// Backward accumulates into grad (a model of m's config, see NewLike) the
// gradient of a loss L with respect to every parameter, given dlogits =
// ∂L/∂logits (N, t, Q) for the logits of the last Forward on ws. grad is
// not zeroed first: clear(grad.Params) when you want a fresh gradient. ws
// must come from NewWorkspace (not an evaluation workspace). After a
// ForwardFrom(from), dlogits must be zero at the positions before from of
// each sequence (CrossEntropy gives that for targets −1 there; the bias
// gradient of output2 sums every row), and only the positions that Forward
// computed take part, with the same bits as after Forward.
//
// The chain, from the top (⊙ is the elementwise product, 1[·] an indicator,
// o1 = relu(output1(relu(skip))) the hidden output layer, W1 and W2 the
// weights of output1 and output2):
//
//	do1 = dlogits·W2 ⊙ 1[o1 > 0]          dW2 += dlogitsᵀ·o1
//	dskip = do1·W1 ⊙ 1[skip > 0]          dW1 += do1ᵀ·relu(skip)
//	per layer, last to first, with dx the gradient of its output x_i+1:
//	  dz  = dskip·Wskip + dx·Wres         dWskip += dskipᵀ·z, dWres += dxᵀ·z
//	  df  = dz ⊙ s ⊙ (1 − a²)             (a = tanh(filter), s = sigmoid(gate))
//	  dg  = dz ⊙ a ⊙ s ⊙ (1 − s)
//	  dx += col2im(df·Wf + dg·Wg)         dWf += dfᵀ·col, dWg += dgᵀ·col
//	dWinput: scatter-add of dx into the columns of the codes read.
//
// With conditioning, each layer's df and dg also give the gradients of its
// projections and of the embedding rows of the classes the last Forward
// used; the other rows of Embedding get none. With dta[k] the sum of df
// over the positions of run k (positions of one sequence that see one
// frame u_k) and dga[n] the sum of df over sequence n:
//
//	dVfl += Σ_k dta[k]·u_kᵀ   dVfg += Σ_n dga[n]·e_nᵀ   dE[class_n] += Vfgᵀ·dga[n]
//
// and the same for the gate half with dg.
func (m *Model) Backward(ws *Workspace, dlogits []float32, grad *Model) {
	c := m.Config
	if !ws.train {
		panic("wavenet: Backward needs a workspace from NewWorkspace")
	}
	if len(grad.Params) != len(m.Params) || len(grad.Layers) != len(m.Layers) {
		panic("wavenet: gradient model has another shape")
	}
	n, t := ws.N, ws.t
	rows := n * t
	R, G, S, E, Q := c.ResidualChannels, c.GateChannels, c.SkipChannels, c.EndChannels, c.QuantizationChannels
	if t == 0 || len(dlogits) != rows*Q {
		panic(fmt.Sprintf("wavenet: Backward with %d dlogits after a Forward of %d×%d×%d", len(dlogits), n, t, Q))
	}
	ws.allocBackward(c)
	dx, dz, df, dg := ws.dx[:rows*R], ws.dz[:rows*G], ws.df[:rows*G], ws.dg[:rows*G]
	dskip, do1 := ws.dh[:rows*S], ws.do1[:rows*E]
	ws.gemm.Workers = ws.Threads
	gm := &ws.gemm
	// Only the positions the last Forward computed take part: rows from lo
	// on of each sequence. Every gradient buffer that a bias sum reads
	// (dlogits, do1, dskip, dx, df, dg) is zero before its lo, as it is in
	// the full computation (dz is only read from lo on), so the bias sums (f32.SumRows, whose
	// order depends on the row index) give the same bits over all rows, and
	// over all but the first sequence's leading zero rows (see sumRowsFrom);
	// the products skip those rows, which add exact zeros.
	from := ws.from
	span := func(q, lo int) (r0, r1 int) { return q*t + lo, (q + 1) * t }

	// Output head.
	o1, h := ws.o1[:rows*E], ws.h[:rows*S]
	for q := range n {
		r0, r1 := span(q, from)
		clear(do1[q*t*E : r0*E])
		clear(dskip[q*t*S : r0*S])
		m.Output2.WeightOnlyGrad(&grad.Output2, dlogits[r0*Q:r1*Q], o1[r0*E:r1*E], r1-r0, gm)
		m.Output2.SetInputGradCol(do1[r0*E:r1*E], dlogits[r0*Q:r1*Q], r1-r0, gm)
		maskPositive(do1[r0*E:r1*E], o1[r0*E:r1*E])
	}
	sumRowsFrom(grad.Output2.Bias, dlogits, rows, Q, from)
	for q := range n {
		r0, r1 := span(q, from)
		m.Output1.WeightOnlyGrad(&grad.Output1, do1[r0*E:r1*E], h[r0*S:r1*S], r1-r0, gm)
		m.Output1.SetInputGradCol(dskip[r0*S:r1*S], do1[r0*E:r1*E], r1-r0, gm)
		maskPositive(dskip[r0*S:r1*S], h[r0*S:r1*S]) // relu(skip) > 0 exactly where skip > 0
	}
	sumRowsFrom(grad.Output1.Bias, do1, rows, E, from)
	// Every layer's skip bias gets the same sum of dskip: taken once.
	dbskip := ws.dbskip[:S]
	clear(dbskip)
	sumRowsFrom(dbskip, dskip, rows, S, from)

	// Residual layers, last to first. dx is ∂L/∂x_{i+1}: zero above the
	// last layer, whose residual output is unused.
	clear(dx)
	if ws.cond != nil {
		clear(ws.cond.demb)
	}
	L := len(m.Layers)
	for i := L - 1; i >= 0; i-- {
		ly, gl := &m.Layers[i], &grad.Layers[i]
		a, s, z := ws.a[i][:rows*G], ws.s[i][:rows*G], ws.z[:rows*G]
		lo := ws.lo[i]
		for q := range n {
			r0, r1 := span(q, lo)
			k0 := q*t + from
			f32.Mul(z[r0*G:r1*G], a[r0*G:r1*G], s[r0*G:r1*G]) // Forward keeps one z for all layers; a·s is cheaper to redo than to store L times
			ly.Skip.WeightOnlyGrad(&gl.Skip, dskip[k0*S:r1*S], z[k0*G:r1*G], r1-k0, gm)
			// dz over the rows r0 … r1−1: zero before the scored ones, the
			// skip's gradient from there, then the residual's added.
			clear(dz[r0*G : k0*G])
			ly.Skip.SetInputGradCol(dz[k0*G:r1*G], dskip[k0*S:r1*S], r1-k0, gm)
			if i+1 < L {
				ly.Residual.WeightOnlyGrad(&gl.Residual, dx[r0*R:r1*R], z[r0*G:r1*G], r1-r0, gm)
				ly.Residual.InputGradCol(dz[r0*G:r1*G], dx[r0*R:r1*R], r1-r0, gm)
			}
			clear(df[q*t*G : r0*G])
			clear(dg[q*t*G : r0*G])
			f32.GateBackward(df[r0*G:r1*G], dg[r0*G:r1*G], dz[r0*G:r1*G], a[r0*G:r1*G], s[r0*G:r1*G])
		}
		// dbskip is the sum itself (a sum that starts at +0 is never −0, so
		// adding it to 0 changed nothing), added as SumRows adds its sums.
		for j, v := range dbskip {
			gl.Skip.Bias[j] = v + gl.Skip.Bias[j]
		}
		if i+1 < L {
			sumRowsFrom(gl.Residual.Bias, dx, rows, R, lo)
		}
		if ws.cond != nil {
			ws.cond.grad(ly, gl, df, dg, t)
		}
		// dx already holds ∂L/∂x_{i+1}, which flows unchanged to x_i
		// through the residual connection; add the conv path.
		x := ws.x[i][:rows*R]
		for q := range n {
			r0, r1 := span(q, lo)
			col := ws.colFrom(&ly.Filter, x, q, lo)
			ly.Filter.WeightOnlyGrad(&gl.Filter, df[r0*G:r1*G], col, r1-r0, gm)
			ly.Gate.WeightOnlyGrad(&gl.Gate, dg[r0*G:r1*G], col, r1-r0, gm)
			ly.addInputGradFrom(dx, df, dg, ws.col, q, t, lo, gm) // col is no longer needed
		}
		sumRowsFrom(gl.Filter.Bias, df, rows, G, lo)
		sumRowsFrom(gl.Gate.Bias, dg, rows, G, lo)
	}
	ws.dpacked = m.Input.BackwardOneHotPacked(&grad.Input, dx, ws.codes[:rows], n, t, ws.dpacked)
	if ws.cond != nil && grad.Embedding != nil {
		ws.cond.embeddingGrad(grad.Embedding)
	}
}

// sumRowsFrom is f32.SumRows(dst, x, rows, cols) for an x whose first lead
// rows are zero (of either sign), with the same bits: it skips those rows
// by whole fours, so that every other row keeps its partial sum (row r
// goes to partial r mod 4). A partial sum starts at +0 and so is never −0
// (a float32 sum is −0 only of two −0s), and adding a zero to it changes
// nothing.
func sumRowsFrom(dst, x []float32, rows, cols, lead int) {
	r0 := min(lead, rows) &^ 3
	f32.SumRows(dst, x[r0*cols:], rows-r0, cols)
}

// maskPositive zeroes d where the forward activation v is not positive.
func maskPositive(d, v []float32) { f32.ReluGrad(d, v) }

// allocBackward allocates the backward pass's buffers, once per workspace.
func (ws *Workspace) allocBackward(c Config) {
	if ws.dx != nil {
		return
	}
	nr := ws.N * ws.T
	ws.dx = make([]float32, nr*c.ResidualChannels)
	ws.dz = make([]float32, nr*c.GateChannels)
	ws.df = make([]float32, nr*c.GateChannels)
	ws.dg = make([]float32, nr*c.GateChannels)
	ws.dh = make([]float32, nr*c.SkipChannels)
	ws.do1 = make([]float32, nr*c.EndChannels)
	ws.dbskip = make([]float32, c.SkipChannels)
}

// addInputGrad adds to dx (n, t, R), the gradient of the layer's input, what
// flows back through its filter and gate convs from df and dg (n·t, G), the
// gradients of their pre-activations:
//
//	dx += col2im(df·Wf + dg·Wg)
//
// col is scratch of at least n·t·R·K values (unused when K = 1); its contents
// are overwritten.
func (ly *Layer) addInputGrad(dx, df, dg, col []float32, n, t int, gm *causal.Gemm) {
	rows := n * t
	if ly.Filter.Width == 1 {
		ly.Filter.InputGradCol(dx, df, rows, gm)
		ly.Gate.InputGradCol(dx, dg, rows, gm)
		return
	}
	dcol := col[:rows*ly.Filter.In*ly.Filter.Width]
	ly.Filter.SetInputGradCol(dcol, df, rows, gm)
	ly.Gate.InputGradCol(dcol, dg, rows, gm)
	ly.Filter.Col2Im(dx, dcol, n, t)
}

// addInputGradFrom is addInputGrad for the positions lo … t−1 of sequence q
// only, with dx, df and dg (N, t, ·): it adds to dx the gradient that flows
// back from those positions' df and dg, which reaches positions from
// max(0, lo − d·(K−1)) on. col is scratch as for addInputGrad.
func (ly *Layer) addInputGradFrom(dx, df, dg, col []float32, q, t, lo int, gm *causal.Gemm) {
	f, R, G := &ly.Filter, ly.Filter.In, ly.Filter.Out
	r0, r1 := q*t+lo, (q+1)*t
	if f.Width == 1 {
		f.InputGradCol(dx[r0*R:r1*R], df[r0*G:r1*G], r1-r0, gm)
		ly.Gate.InputGradCol(dx[r0*R:r1*R], dg[r0*G:r1*G], r1-r0, gm)
		return
	}
	b := max(0, lo-f.History()) // the first input position they reach
	iw := R * f.Width
	dcol := col[:(t-b)*iw]
	clear(dcol[:(lo-b)*iw]) // no gradient from the rows before lo−b
	f.SetInputGradCol(dcol[(lo-b)*iw:], df[r0*G:r1*G], r1-r0, gm)
	ly.Gate.InputGradCol(dcol[(lo-b)*iw:], dg[r0*G:r1*G], r1-r0, gm)
	f.Col2Im(dx[(q*t+b)*R:(q+1)*t*R], dcol, 1, t-b)
}
