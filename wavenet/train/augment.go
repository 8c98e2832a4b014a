package train

import (
	"math"
	"math/rand/v2"

	"github.com/wavenet-go/wavenet-go/audio"
)

// MaxGainAugment bounds Hyper.GainAugment, in dB: at −60 dB a clip at full
// scale is as quiet as the quietest few codes of 256-code μ-law.
const MaxGainAugment = 60

// MaxPitchAugment bounds Hyper.PitchAugment, in cents: an octave.
const MaxPitchAugment = 1200

// recoder codes training chunks afresh from their clip's sound, played at
// another speed (Hyper.PitchAugment) and at a lower level
// (Hyper.GainAugment). Its buffers are reused from chunk to chunk.
type recoder struct {
	q      int   // the model's μ-law classes
	filler int32 // the code past a clip's end (Data.Filler)
	sound  []float32
	codes  []int32
}

// recode makes ch, drawn from clip c (whose Sound is what its Codes code),
// the same chunk coded afresh from c.Sound: at a gain drawn uniformly in dB
// from [−maxDB, 0] (one draw from rng, when maxDB > 0), and played at a
// speed 2^(x/1200) for x drawn uniformly from [−cents, cents] (one draw
// after it, when cents > 0), so that the chunk's pitch moves by x cents and
// its sounds last 2^(−x/1200) as long.
//
// Input p becomes the sound at clip position o + p·speed, target p the one
// at o + (p+1)·speed (o = ch.Cond.Offset, the chunk's first input), read by
// audio.Stretch; a target is scored only where the original was and its
// position, rounded either way, is a training position of the clip (not
// held out, not past its end), and an input past the clip's end is the
// filler. Without a speed change each sample is the clip's times the gain,
// the product in float64 rounded once to float32: exactly what μ-law coding
// the attenuated clip would give. A chunk that a speed change would leave
// with no target to score keeps the clip's speed.
func (g *recoder) recode(ch *Chunk, c *Clip, cents, maxDB float64, rng *rand.Rand) {
	gain := 1.0
	if maxDB > 0 {
		gain = math.Pow(10, -maxDB*rng.Float64()/20)
	}
	if cents > 0 && g.stretch(ch, c, math.Exp2(cents*(2*rng.Float64()-1)/1200), gain) {
		return
	}
	o := ch.Cond.Offset
	n := min(len(ch.Inputs)+1, len(c.Sound)-o)
	g.sound = grow(g.sound, n)
	copy(g.sound, c.Sound[o:o+n])
	g.place(ch, gain, func(p int) bool { return ch.Targets[p] >= 0 })
}

// stretch is recode at a speed: it recodes ch and returns true, or, when no
// target of ch would be left to score, leaves ch as it is and returns false
// (recode then keeps the speed of the clip).
func (g *recoder) stretch(ch *Chunk, c *Clip, speed, gain float64) bool {
	o := ch.Cond.Offset
	// The positions read, o + i·speed for i = 0 … n−1, that lie in the clip.
	n := min(len(ch.Inputs)+1, int(math.Floor(float64(len(c.Sound)-1-o)/speed))+1)
	keep := func(p int) bool {
		pos := float64(o) + float64(p+1)*speed
		return ch.Targets[p] >= 0 && p+1 < n && c.trains(int(math.Floor(pos))) && c.trains(int(math.Ceil(pos)))
	}
	kept := false
	for p := range ch.Targets {
		if kept = keep(p); kept {
			break
		}
	}
	if !kept {
		return false
	}
	g.sound = grow(g.sound, n)
	audio.Stretch(g.sound, c.Sound, float64(o), speed)
	g.place(ch, gain, keep)
	return true
}

// place makes ch the chunk whose sound is g.sound times gain (g.sound[i]
// the sound of input i, and of target i−1; past its end the filler):
// each input the μ-law code of its sample, each target kept by keep the
// code of the sample after it, the others −1, Count theirs.
func (g *recoder) place(ch *Chunk, gain float64, keep func(p int) bool) {
	if gain != 1 {
		for i := range g.sound {
			g.sound[i] = float32(float64(g.sound[i]) * gain)
		}
	}
	g.codes = audio.MuLawEncode(g.codes, g.sound, g.q)
	k := copy(ch.Inputs, g.codes)
	for i := k; i < len(ch.Inputs); i++ {
		ch.Inputs[i] = g.filler // as past the clip's end
	}
	ch.Count = 0
	for p := range ch.Targets {
		if keep(p) {
			ch.Targets[p] = g.codes[p+1]
			ch.Count++
		} else {
			ch.Targets[p] = -1
		}
	}
}

// trains says whether clip position p is one a training chunk may score:
// in 1 … len(Codes)−1 and not held out.
func (c *Clip) trains(p int) bool {
	if p < 1 || p >= len(c.Codes) {
		return false
	}
	for _, h := range c.Held {
		if p >= h.From && p < h.To {
			return false
		}
	}
	return true
}

// grow returns s with length n, reallocated only when its capacity is short.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
