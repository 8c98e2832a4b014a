package train

import (
	"math"
	"math/rand/v2"

	"github.com/wavenet-go/wavenet-go/audio"
)

// MaxGainAugment bounds Hyper.GainAugment, in dB: at −60 dB a clip at full
// scale is as quiet as the quietest few codes of 256-code μ-law.
const MaxGainAugment = 60

// gainCoder attenuates training chunks (Hyper.GainAugment). Its buffers
// are reused from chunk to chunk; the zero value is ready to use.
type gainCoder struct {
	scaled []float32
	codes  []int32
}

// attenuate makes ch, drawn from the clip whose samples are sound, the same
// chunk of that clip coded at a gain drawn uniformly in dB from [−maxDB, 0]
// (one draw from rng): each input code and each target code (not the −1 of
// an unscored position) becomes the μ-law code of its sample times the gain,
// the product in float64 rounded once to float32, exactly what μ-law coding
// the attenuated clip would give. The filler past the clip's end stays.
func (g *gainCoder) attenuate(ch *Chunk, sound []float32, maxDB float64, q int, rng *rand.Rand) {
	gain := math.Pow(10, -maxDB*rng.Float64()/20)
	// Input p is the sample at o+p, target p the one at o+p+1.
	o := ch.Cond.Offset
	n := min(len(ch.Inputs)+1, len(sound)-o)
	if cap(g.scaled) < n {
		g.scaled = make([]float32, n)
	}
	g.scaled = g.scaled[:n]
	for i := range g.scaled {
		g.scaled[i] = float32(float64(sound[o+i]) * gain)
	}
	g.codes = audio.MuLawEncode(g.codes, g.scaled, q)
	copy(ch.Inputs, g.codes[:min(n, len(ch.Inputs))])
	for p, c := range ch.Targets {
		if c >= 0 {
			ch.Targets[p] = g.codes[p+1]
		}
	}
}
