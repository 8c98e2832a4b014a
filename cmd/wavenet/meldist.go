package main

import (
	"math"
)

// melDistance is how far apart two log-mel features are, in the units the
// reference's vocode reports (its mel_distance), frames paired 1:1 up to
// the shorter count.
type melDistance struct {
	LogMelL1 float64 `json:"logmel_l1"` // mean |La − Lb| over bands and frames, nats of mel magnitude
	MCD      float64 `json:"mcd_db"`    // mean mel-cepstral distortion over frames, dB
	Frames   int     `json:"frames"`    // frames compared
}

// melCepstra is the number of cepstral coefficients the distortion sums,
// c[1] … c[24] (c[0], the loudness, is left out), as the reference does.
const melCepstra = 24

// measureMel compares log-mel features a [bands, fa] and b [bands, fb]
// (band-major, as audio.Mel gives them) over their first n = min(fa, fb)
// frames. Features are first turned back into natural logs of the mel
// magnitudes, L = 4·feature − 4 (FORMAT.md's shift and scale undone). Then
//
//	LogMelL1 = mean over b, j of |La[b, j] − Lb[b, j]|
//	c[m, j]  = 1/C · Σ_b (La − Lb)[b, j] · cos(π·m·(b + ½)/C),  m = 1 … 24
//	MCD      = mean over j of 10/ln 10 · √(2 · Σ_m c[m, j]²)
//
// c is the cepstrum of the log-mel as a cosine series over the C bands
// (L[b] = c[0] + 2·Σ_m c[m]·cos(π·m·(b + ½)/C)), so MCD is the usual
// mel-cepstral distortion in dB. With no frame to compare, both are 0.
func measureMel(a []float32, fa int, b []float32, fb int, bands int) melDistance {
	n := min(fa, fb)
	d := melDistance{Frames: n}
	if n == 0 || bands == 0 {
		return d
	}
	cos := make([]float64, melCepstra*bands) // [m−1, b]
	for m := 1; m <= melCepstra; m++ {
		for k := range bands {
			cos[(m-1)*bands+k] = math.Cos(math.Pi*float64(m)*(float64(k)+0.5)/float64(bands)) / float64(bands)
		}
	}
	diff := make([]float64, bands)
	var l1, mcd float64
	for j := range n {
		for k := range bands {
			la := melScaleBack * float64(a[k*fa+j])
			lb := melScaleBack * float64(b[k*fb+j])
			diff[k] = la - lb // the shift cancels
			l1 += math.Abs(diff[k])
		}
		var s float64
		for m := range melCepstra {
			var c float64
			for k, v := range diff {
				c += cos[m*bands+k] * v
			}
			s += c * c
		}
		mcd += 10 / math.Ln10 * math.Sqrt(2*s)
	}
	d.LogMelL1 = l1 / float64(n*bands)
	d.MCD = mcd / float64(n)
	return d
}

// melScaleBack undoes FORMAT.md's scaling of the log-mel features: a
// feature f is (ln mel + 4)/4, so ln mel = 4·f − 4.
const melScaleBack = 4
