package f32

import "math"

// Constants of the exponential and of the gate, shared by the assembly
// kernels (as bit patterns in act_amd64.s) and their twins.
const (
	expHi    = 88.0  // exp clamps its argument to [expLo, expHi]
	expLo    = -87.0 // so that 2^n stays a normal float32
	log2e    = 1.4426950408889634
	ln2Hi    = 0.693359375 // ln 2 = ln2Hi + ln2Lo; n·ln2Hi is exact for |n| < 2^15
	ln2Lo    = -2.12194440e-4
	tanhBig  = 9.0   // tanh(±9) rounds to ±1 in float32
	tanhKnee = 0.625 // below it tanh is the odd polynomial, above it 1 − 2/(1 + e^{2|x|})
	// tanh(x)/x ≈ 1 + t1·u + … + t5·u⁵ with u = x² on |x| < tanhKnee: a
	// least-squares fit at Chebyshev nodes (numpy, float64), relative error
	// 4e-9 before float32 rounding.
	tanhT1 = -0.3333326280117035
	tanhT2 = 0.13331149518489838
	tanhT3 = -0.05372267961502075
	tanhT4 = 0.020595679059624672
	tanhT5 = -0.005664775148034096
)

// expGo is the twin of expAVX512 and expAVX2:
//
//	dst[i] = e^x[i], with x[i] clamped to [-87, 88]
//
// computed as 2^n·p(r) with n = round(x·log2 e), r = x − n·ln 2 (|r| ≤ ln2/2)
// and p the degree-7 Taylor polynomial of e^r (truncation error 5e-9).
func expGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = exp32(v)
	}
}

// expSumGo is the twin of expSumAVX2, from element from on (the elements
// before it done, their sums in lanes):
//
//	dst[i] = exp32((x[i] − shift)·scale)                 (a float32 subtraction, then product)
//	lanes[i mod 16] += dst[i]                             (in order of i, lanes from 0)
//	lanes[l] += lanes[l+8] for l < 8, then lanes[l] += lanes[l+4] for l < 4,
//	then lanes[l] += lanes[l+2] for l < 2;  sum = lanes[0] + lanes[1]
//
// The order of the sum is fixed by the element's index, not by a vector
// width, so that every path adds alike.
func expSumGo(dst, x []float32, shift, scale float32, lanes *[16]float32, from int) float32 {
	x = x[:len(dst)]
	for i := from; i < len(dst); i++ {
		v := exp32((x[i] - shift) * scale)
		dst[i] = v
		lanes[i%16] += v
	}
	for w := 8; w >= 2; w /= 2 {
		for l := range w {
			lanes[l] += lanes[l+w]
		}
	}
	return lanes[0] + lanes[1]
}

// exp32 is e^x as the kernels compute it: x clamped (vmin, then vmax, as
// MINPS and MAXPS do: a NaN becomes expHi), then expCore.
func exp32(x float32) float32 {
	return expCore(vmax(vmin(x, expHi), expLo))
}

// expCore is e^x for x in [expLo, expHi], operation by operation as the
// EXP macros of act_amd64.s: a float32 product and a round to even for n,
// fused multiply-adds for r and for every Horner step, then p·2^n (2^n a
// normal float32, so the product rounds once, as VSCALEFPS does).
func expCore(x float32) float32 {
	n := float32(math.RoundToEven(float64(x * log2e)))
	r := fma32(-n, ln2Hi, x)
	r = fma32(-n, ln2Lo, r)
	p := float32(1.0 / 5040)
	p = fma32(p, r, 1.0/720)
	p = fma32(p, r, 1.0/120)
	p = fma32(p, r, 1.0/24)
	p = fma32(p, r, 1.0/6)
	p = fma32(p, r, 0.5)
	p = fma32(p, r, 1)
	p = fma32(p, r, 1)
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// tanh32 is tanh in float32 as the gate kernels compute it: below the knee
// the odd polynomial by fused Horner steps, above it (1 − e)/(1 + e) with
// e = e^{−2·min(|x|, tanhBig)} and x's sign bit (a NaN takes this branch).
func tanh32(x float32) float32 {
	const sign = 1 << 31
	ax := math.Float32frombits(math.Float32bits(x) &^ sign)
	if ax < tanhKnee {
		u := x * x
		p := float32(tanhT5)
		p = fma32(p, u, tanhT4)
		p = fma32(p, u, tanhT3)
		p = fma32(p, u, tanhT2)
		p = fma32(p, u, tanhT1)
		p = fma32(p, u, 1)
		return p * x
	}
	e := expCore(vmin(ax, tanhBig) * -2)
	t := (1 - e) / (1 + e)
	return math.Float32frombits(math.Float32bits(t) | math.Float32bits(x)&sign)
}

// sigmoid32 is σ(x) = 1/(1 + e^{−x}) in float32 as the gate kernels compute it.
func sigmoid32(x float32) float32 { return 1 / (1 + exp32(-x)) }

// gateGo is the twin of gateAVX512 and gateAVX2:
//
//	z[i] = tanh(a[i])·σ(b[i]);  th[i] = tanh(a[i]) and sg[i] = σ(b[i]) unless th, sg are nil
func gateGo(z, th, sg, a, b []float32) {
	a, b = a[:len(z)], b[:len(z)]
	for i := range z {
		t, s := tanh32(a[i]), sigmoid32(b[i])
		z[i] = t * s
		if th != nil {
			th[i] = t
		}
		if sg != nil {
			sg[i] = s
		}
	}
}

// gateRowsGo is the twin of gateRowsAVX512, the gate of each row of an
// (rows, 2g) matrix of filter|gate pre-activations with row stride ldab:
//
//	z[r·ldz + j] = tanh(ab[r·ldab + j])·σ(ab[r·ldab + g + j])   for r < rows, j < g
func gateRowsGo(z []float32, ldz int, ab []float32, ldab, rows, g int) {
	for r := 0; r < rows; r++ {
		a := ab[r*ldab : r*ldab+2*g]
		gateGo(z[r*ldz:r*ldz+g], nil, nil, a[:g], a[g:])
	}
}
