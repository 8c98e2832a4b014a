package train

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
)

// Clip is one training clip as μ-law codes. Codes[:Split] is the training
// part; the codes from Split on are held out, and the validation loss is the
// loss of predicting each of them from everything before it.
type Clip struct {
	Name  string  // where it came from, for messages and metadata
	Codes []int32 // μ-law classes in [0, Q)
	Split int     // first held-out position; len(Codes) when nothing is held out
}

// Data draws training chunks from clips and cuts their held-out parts into
// validation chunks. A chunk is the receptive field RF of context plus the T
// samples the loss covers: RF−1+T input codes, whose logits at positions
// RF−1 … RF+T−2 predict the next T codes. Nothing in Data is random itself;
// the caller passes the RNG, so its state is the caller's to save.
type Data struct {
	Clips []Clip
	RF    int  // receptive field, samples
	T     int  // targets per chunk
	Pad   bool // also draw chunks that start before the clip (see Sample)
	Pad0  int32

	weights []int // number of chunk starts per clip, for drawing a clip
	total   int
}

// Chunk is one batch item: RF−1+T input codes, and for each input position
// the code its logits are scored against, or −1 where the position is only
// context (wavenet.CrossEntropy skips negative targets).
type Chunk struct {
	Inputs  []int32 // RF−1+T codes; positions past the clip hold a filler code no scored logit sees
	Targets []int32 // RF−1+T: Targets[p] is the code after Inputs[p], or −1
	Count   int     // scored positions, ≤ T
}

// NewData checks that the clips can give chunks of rf context and t targets
// and returns a sampler over them. filler is the code placed after a clip's
// end (Q/2, μ-law zero); it never reaches a scored logit, by causality.
func NewData(clips []Clip, rf, t int, pad bool, filler int32) (*Data, error) {
	if rf < 1 || t < 1 {
		return nil, fmt.Errorf("train: receptive field %d and chunk %d must be positive", rf, t)
	}
	d := &Data{Clips: clips, RF: rf, T: t, Pad: pad, Pad0: filler}
	for _, c := range clips {
		if c.Split < 0 || c.Split > len(c.Codes) {
			return nil, fmt.Errorf("train: %s: split %d outside the clip's %d samples", c.Name, c.Split, len(c.Codes))
		}
		n := d.starts(c)
		d.weights = append(d.weights, n)
		d.total += n
	}
	if d.total == 0 {
		return nil, fmt.Errorf("train: no clip is long enough for chunks of %d samples (longest training part: %d samples; %s)",
			d.need(), d.longest(), "use a smaller --chunk or longer clips")
	}
	return d, nil
}

// need is the shortest training part that gives a chunk.
func (d *Data) need() int {
	if d.Pad {
		return d.T + 1
	}
	return d.RF + d.T
}

func (d *Data) longest() int {
	m := 0
	for _, c := range d.Clips {
		m = max(m, c.Split)
	}
	return m
}

// starts counts the chunk starts s in a clip's training part. Chunk s scores
// the codes at s+RF … s+RF+T−1, each seen after its RF−1 predecessors (or
// after the clip's start, with the zeros before it, when s < 0). Without Pad,
// s runs over 0 … Split−RF−T, as in the PyTorch reference; with Pad, over
// −(RF−1) … Split−RF−T, so the opening of the clip is learnt as it is heard
// at generation time: after nothing.
func (d *Data) starts(c Clip) int {
	lo := 0
	if d.Pad {
		lo = -(d.RF - 1)
	}
	return max(0, c.Split-d.RF-d.T-lo+1)
}

// Sample fills ch (allocating its slices on first use) with a random training
// chunk drawn uniformly over all chunk starts of all clips.
func (d *Data) Sample(ch *Chunk, rng *rand.Rand) {
	k := rng.IntN(d.total)
	ci := 0
	for k >= d.weights[ci] {
		k -= d.weights[ci]
		ci++
	}
	s := k
	if d.Pad {
		s -= d.RF - 1
	}
	d.fill(ch, d.Clips[ci].Codes, s, d.T)
}

// fill makes ch the chunk of codes that starts at s (possibly negative) and
// scores count ≤ T targets: the codes at s+RF … s+RF+count−1.
func (d *Data) fill(ch *Chunk, codes []int32, s, count int) {
	n := d.RF - 1 + d.T
	if cap(ch.Inputs) < n {
		ch.Inputs = make([]int32, n)
		ch.Targets = make([]int32, n)
	}
	ch.Inputs, ch.Targets = ch.Inputs[:n], ch.Targets[:n]
	o := max(s, 0)
	c := copy(ch.Inputs, codes[o:min(len(codes), o+n)])
	for i := c; i < n; i++ {
		ch.Inputs[i] = d.Pad0
	}
	lo := s - o + d.RF - 1 // first scored position
	for p := range ch.Targets {
		ch.Targets[p] = -1
	}
	copy(ch.Targets[lo:lo+count], codes[o+lo+1:o+lo+1+count])
	ch.Count = count
}

// Validation returns the held-out part of every clip as chunks that together
// score each held-out code exactly once, with its full context.
func (d *Data) Validation() []Chunk {
	var out []Chunk
	for _, c := range d.Clips {
		first := max(c.Split, 1) // code 0 has nothing to be predicted from
		for p := first; p < len(c.Codes); p += d.T {
			var ch Chunk
			d.fill(&ch, c.Codes, p-d.RF, min(d.T, len(c.Codes)-p))
			out = append(out, ch)
		}
	}
	return out
}

// Fingerprint is a hash of the clips' codes and splits, recorded in a
// checkpoint so that resuming on other data is refused.
func Fingerprint(clips []Clip) string {
	h := sha256.New()
	var b [8]byte
	for _, c := range clips {
		binary.LittleEndian.PutUint64(b[:], uint64(len(c.Codes)))
		h.Write(b[:])
		binary.LittleEndian.PutUint64(b[:], uint64(c.Split))
		h.Write(b[:])
		buf := make([]byte, 4*len(c.Codes))
		for i, x := range c.Codes {
			binary.LittleEndian.PutUint32(buf[4*i:], uint32(x))
		}
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}
