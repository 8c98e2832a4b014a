package train

import (
	"math"
	"math/rand/v2"

	"github.com/wavenet-go/wavenet-go/audio"
)

// MaxGainAugment bounds Hyper.GainAugment, in dB: below about −48 dB every
// code of a 256-code μ-law clip but the loudest few falls to the two codes
// of silence.
const MaxGainAugment = 60

// gainTable attenuates training chunks (Hyper.GainAugment). Its buffers are
// reused from chunk to chunk; the zero value is ready to use.
type gainTable struct {
	sound  []float32 // sound[c]: the sample of code c, as audio.MuLawDecode gives it
	scaled []float32 // sound scaled by the drawn gain
	code   []int32   // code[c]: the code c becomes at that gain
}

// attenuate makes ch the same chunk made quieter by a gain drawn uniformly
// in dB from [−maxDB, 0] with one draw from rng: each input code and each
// target code c (not the −1 of an unscored position) becomes the μ-law
// code of the sound of c times the gain (the spec's decoding and encoding,
// float64 products rounded once to float32), so that a chunk at −6 dB is
// what coding the clip at half its amplitude would give, up to the one
// rounding of its codes. Codes only ever move towards silence: the two
// codes next to zero stay where they are, and so does the filler past a
// clip's end.
func (g *gainTable) attenuate(ch *Chunk, maxDB float64, q int, rng *rand.Rand) {
	if len(g.sound) != q {
		codes := make([]int32, q)
		for c := range codes {
			codes[c] = int32(c)
		}
		g.sound = audio.MuLawDecode(nil, codes, q)
		g.scaled = make([]float32, q)
		g.code = make([]int32, q)
	}
	gain := math.Pow(10, -maxDB*rng.Float64()/20)
	for c, x := range g.sound {
		g.scaled[c] = float32(float64(x) * gain)
	}
	audio.MuLawEncode(g.code, g.scaled, q)
	for i, c := range ch.Inputs {
		ch.Inputs[i] = g.code[c]
	}
	for i, c := range ch.Targets {
		if c >= 0 {
			ch.Targets[i] = g.code[c]
		}
	}
}
