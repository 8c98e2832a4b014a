package f32

import "fmt"

// Gate sets z[i] = tanh(a[i])·σ(b[i]) for i < len(z): the gated unit of
// WaveNet, σ the logistic sigmoid. Relative error ≤ 1e-6 against float64.
// It panics if a or b is shorter than z.
func Gate(z, a, b []float32) {
	if len(a) < len(z) || len(b) < len(z) {
		panic(fmt.Sprintf("f32: Gate with z of %d but a of %d and b of %d", len(z), len(a), len(b)))
	}
	cpuISA.gate(z, nil, nil, a, b)
}

// GateRows applies Gate to each row of ab, an (rows, 2g) matrix of
// filter|gate pre-activations with row stride ldab, into z (rows, g) with
// row stride ldz:
//
//	z[r·ldz + j] = tanh(ab[r·ldab + j])·σ(ab[r·ldab + g + j])
func GateRows(z []float32, ldz int, ab []float32, ldab, rows, g int) {
	if rows <= 0 || g <= 0 {
		return
	}
	if ldz < g || ldab < 2*g || len(z) < (rows-1)*ldz+g || len(ab) < (rows-1)*ldab+2*g {
		panic(fmt.Sprintf("f32: GateRows(%d, %d) with z of %d (stride %d) and ab of %d (stride %d)", rows, g, len(z), ldz, len(ab), ldab))
	}
	cpuISA.gateRows(z, ldz, ab, ldab, rows, g)
}

// GateParts is Gate that also stores th[i] = tanh(a[i]) and sg[i] = σ(b[i]),
// which the backward pass needs. th or sg may be nil.
func GateParts(z, th, sg, a, b []float32) {
	n := len(z)
	if len(a) < n || len(b) < n || (th != nil && len(th) < n) || (sg != nil && len(sg) < n) {
		panic(fmt.Sprintf("f32: GateParts with z of %d but th, sg, a, b of %d, %d, %d, %d", n, len(th), len(sg), len(a), len(b)))
	}
	cpuISA.gate(z, th, sg, a, b)
}

// GateBackward turns dz = ∂L/∂z into da and db for z = th·sg with
// th = tanh(a) and sg = σ(b), the values GateParts stored:
//
//	da[i] = dz[i]·sg[i]·(1 − th[i]²),  db[i] = dz[i]·th[i]·sg[i]·(1 − sg[i])
func GateBackward(da, db, dz, th, sg []float32) {
	n := len(dz)
	if len(da) < n || len(db) < n || len(th) < n || len(sg) < n {
		panic("f32: GateBackward with short slices")
	}
	cpuISA.gateBackward(da, db, dz, th, sg)
}

// Exp sets dst[i] = e^x[i] for i < len(dst), with x clamped to [-87, 88]
// (so the result is a normal float32); relative error ≤ 2e-7.
func Exp(dst, x []float32) {
	if len(x) < len(dst) {
		panic(fmt.Sprintf("f32: Exp with dst of %d but x of %d", len(dst), len(x)))
	}
	cpuISA.exp(dst, x)
}

// ExpSum sets dst[i] = e^{(x[i] − shift)·scale} for i < len(dst) and
// returns the sum of the dst[i]: the unnormalized softmax of x at
// temperature T for shift = max x (see Argmax) and scale = 1/T, so that
// sampling draws class i with probability dst[i]/sum.
//
// Each value is as Exp computes it, of the float32 (x[i] − shift)·scale
// (clamped to [-87, 88], so no class gets probability exactly 0). The sum
// is float32 in a fixed order: sixteen partial sums, element i into
// partial i mod 16 in order of i, then added pairwise as a tree (8+8, 4+4,
// 2+2, 1+1). The same bits on every CPU, for the same sampled codes
// everywhere. dst may be x. It panics if x is shorter than dst.
func ExpSum(dst, x []float32, shift, scale float32) float32 {
	if len(x) < len(dst) {
		panic(fmt.Sprintf("f32: ExpSum with dst of %d but x of %d", len(dst), len(x)))
	}
	return cpuISA.expSum(dst, x, shift, scale)
}

// Relu sets dst[i] = max(x[i], 0) for i < len(dst); dst may be x.
func Relu(dst, x []float32) {
	if len(x) < len(dst) {
		panic(fmt.Sprintf("f32: Relu with dst of %d but x of %d", len(dst), len(x)))
	}
	cpuISA.relu(dst, x)
}

// Argmax returns the index of the first largest value of x, never that of
// a NaN unless every value is NaN (then 0). It panics if x is empty.
func Argmax(x []float32) int {
	if len(x) == 0 {
		panic("f32: Argmax of nothing")
	}
	return cpuISA.argmax(x)
}

// SumRows adds the column sums of x (rows, cols) to dst (cols): the bias
// gradient of a layer from its output gradient.
//
//	dst[j] += Σ_r x[r·cols + j]
func SumRows(dst, x []float32, rows, cols int) {
	if rows < 0 || cols < 0 || len(dst) < cols || len(x) < rows*cols {
		panic(fmt.Sprintf("f32: SumRows(%d, %d) with dst of %d and x of %d", rows, cols, len(dst), len(x)))
	}
	if rows == 0 || cols == 0 {
		return
	}
	cpuISA.sumRows(dst, x, rows, cols)
}

// AddRow adds b (cols) to every row of y (rows, cols): a bias.
//
//	y[r·cols + j] += b[j]
func AddRow(y, b []float32, rows, cols int) {
	if rows < 0 || cols < 0 || len(b) < cols || len(y) < rows*cols {
		panic(fmt.Sprintf("f32: AddRow(%d, %d) with y of %d and b of %d", rows, cols, len(y), len(b)))
	}
	if rows == 0 || cols == 0 {
		return
	}
	cpuISA.addRow(y, b, rows, cols)
}

// ReluGrad zeroes d[i] where v[i] ≤ 0, for i < len(d): the gradient through
// a relu whose output (or input) was v.
func ReluGrad(d, v []float32) {
	if len(v) < len(d) {
		panic(fmt.Sprintf("f32: ReluGrad with d of %d but v of %d", len(d), len(v)))
	}
	cpuISA.reluGrad(d, v)
}

// Mul sets dst[i] = a[i]·b[i] for i < len(dst).
func Mul(dst, a, b []float32) {
	if len(a) < len(dst) || len(b) < len(dst) {
		panic(fmt.Sprintf("f32: Mul with dst of %d but a of %d and b of %d", len(dst), len(a), len(b)))
	}
	cpuISA.mul(dst, a, b)
}
