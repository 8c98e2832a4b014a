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

// expGo is the twin of expAVX512:
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

func exp32(x float32) float32 {
	x = min(max(x, expLo), expHi)
	n := float32(math.RoundToEven(float64(x * log2e)))
	r := x - n*ln2Hi
	r = r - n*ln2Lo
	p := float32(1.0 / 5040)
	p = p*r + 1.0/720
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r + 1
	p = p*r + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// tanh32 is tanh in float32 as the gate kernel computes it.
func tanh32(x float32) float32 {
	ax := float32(math.Abs(float64(x)))
	if ax < tanhKnee {
		u := x * x
		p := float32(tanhT5)
		p = p*u + tanhT4
		p = p*u + tanhT3
		p = p*u + tanhT2
		p = p*u + tanhT1
		p = p*u + 1
		return p * x
	}
	e := exp32(-2 * min(ax, tanhBig))
	t := (1 - e) / (1 + e)
	if x < 0 {
		return -t
	}
	return t
}

// sigmoid32 is σ(x) = 1/(1 + e^{−x}) in float32 as the gate kernel computes it.
func sigmoid32(x float32) float32 { return 1 / (1 + exp32(-x)) }

// gateGo is the twin of gateAVX512:
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
