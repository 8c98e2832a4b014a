package train

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// Clip is one training clip as μ-law codes, with what it is conditioned
// on. The codes in Held are held out, and the validation loss is the loss
// of predicting each of them from everything before it; the rest is the
// training part. A training chunk scores training codes only, though its
// context may reach back into a held-out stretch before them. Each chunk
// drawn from a clip carries the clip's class and frames (see Chunk.Cond).
type Clip struct {
	Name  string  // where it came from, for messages and the model's metadata
	Codes []int32 // μ-law classes in [0, Q)
	// Held are the held-out stretches of Codes, in order, apart and
	// non-empty; none when nothing is held out (Run sets them from
	// Hyper.ValFraction and Hyper.ValParts).
	Held []Span
	// Sound is what Codes code, a sample per code in [−1, 1] (after any
	// pre-emphasis): Hyper.PitchAugment and Hyper.GainAugment code it
	// afresh at another speed and a lower level and need it; without them
	// it may be nil (Hyper.NeedsSound).
	Sound []float32

	// Class is the clip's global class id in [0, N); 0 for a model without
	// global conditioning.
	Class int
	// Frames are the clip's local conditioning frames (Cl, F), band-major
	// ([b·F + j] is band b of frame j), F = ⌈len(Codes)/H⌉ so that frame j
	// describes samples [j·H, (j+1)·H); nil for a model without local
	// conditioning.
	Frames []float32
}

// Span is the clip positions From … To−1.
type Span struct{ From, To int }

// Tail is the held-out part of a clip of n codes whose last held codes are
// held out: one span, none when held ≤ 0.
func Tail(n, held int) []Span {
	if held <= 0 {
		return nil
	}
	return []Span{{n - held, n}}
}

// HeldOut is the number of held-out codes.
func (c *Clip) HeldOut() int {
	n := 0
	for _, h := range c.Held {
		n += h.To - h.From
	}
	return n
}

// training is the training part: the stretches between the held-out ones,
// in order, empty ones left out.
func (c *Clip) training() []Span {
	var out []Span
	from := 0
	for _, h := range c.Held {
		if h.From > from {
			out = append(out, Span{from, h.From})
		}
		from = h.To
	}
	if len(c.Codes) > from {
		out = append(out, Span{from, len(c.Codes)})
	}
	return out
}

// checkHeld refuses held-out stretches that are out of order, empty,
// overlapping or outside the clip.
func (c *Clip) checkHeld() error {
	from := 0
	for _, h := range c.Held {
		if h.From < from || h.To <= h.From || h.To > len(c.Codes) {
			return fmt.Errorf("train: %s: held-out stretches %v do not lie in order, apart and non-empty, in the clip's %d samples", c.Name, c.Held, len(c.Codes))
		}
		from = h.To
	}
	return nil
}

// cond is the conditioning of the clip's sequence that starts at clip
// position offset.
func (c *Clip) cond(offset int) wavenet.Cond {
	return wavenet.Cond{Class: c.Class, Frames: c.Frames, Offset: offset}
}

// Data draws training chunks from clips and cuts their held-out parts into
// validation chunks. A chunk is the receptive field RF of context plus the T
// samples the loss covers: RF−1+T input codes, whose logits at positions
// RF−1 … RF+T−2 predict the next T codes. Nothing in Data is random itself;
// the caller passes the RNG, so its state is the caller's to save.
//
// Every clip is drawn from in proportion to its length: the expected
// number of samples a draw scores from a clip is proportional to the
// samples of its training part that can be scored (all but the clip's
// first, which has nothing before it), so that a short clip (say, the only
// one of its class) is trained on as much per sample as a long one. With
// Pad this holds by drawing uniformly over all chunk starts of all clips,
// since every position is then scored by exactly T starts. Without it, the
// full chunks of a training stretch of n samples number n − RF − T + 1 or
// so, fewer in proportion for a short clip, so a clip is picked first, with
// probability proportional to its scorable samples, and a start within it
// uniformly; a stretch too short for a full chunk gets none.
type Data struct {
	Clips  []Clip
	RF     int   // receptive field, samples
	T      int   // targets per chunk
	Pad    bool  // also draw chunks that overhang the clip's start or its training part's end, so that every position is scored equally often
	Filler int32 // code placed after a clip's end (Q/2, μ-law zero); no scored logit sees it

	// Short lists the clips whose training part is too short to give a
	// single chunk (fewer than MinTrain samples); no chunk is drawn from
	// them, though their held-out part still counts for validation.
	Short []int

	starts []int       // number of chunk starts per clip
	parts  [][]stretch // per clip, its training stretches that have a start
	total  int         // Σ starts
	// Without Pad: per clip, the weight of picking it (its scorable
	// samples if it has a start, else 0), and their sum.
	weights []int
	weight  int
}

// stretch is a training stretch whose chunks score positions a … b−1,
// with its n chunk starts lo … lo+n−1.
type stretch struct{ a, b, lo, n int }

// Chunk is one batch item: RF−1+T input codes, and for each input position
// the code its logits are scored against, or −1 where the position is only
// context (wavenet.CrossEntropy skips negative targets), with the
// conditioning of its clip.
type Chunk struct {
	Inputs  []int32 // RF−1+T codes; positions past the clip hold a filler code no scored logit sees
	Targets []int32 // RF−1+T: Targets[p] is the code after Inputs[p], or −1
	Count   int     // scored positions, ≤ T
	clip    int     // the index in Data.Clips of the clip it was drawn from
	// Cond is the clip's class and frames, with Offset the clip position
	// of Inputs[0], so that input position p sees the frame of clip sample
	// Offset+p+1, as it would in the whole clip.
	Cond wavenet.Cond
}

// NewData checks that the clips can give chunks of rf context and t targets
// and returns a sampler over them. filler is the code placed after a clip's
// end (Q/2, μ-law zero); it never reaches a scored logit, by causality.
func NewData(clips []Clip, rf, t int, pad bool, filler int32) (*Data, error) {
	if rf < 1 || t < 1 {
		return nil, fmt.Errorf("train: receptive field %d and chunk %d must be positive", rf, t)
	}
	d := &Data{Clips: clips, RF: rf, T: t, Pad: pad, Filler: filler}
	for i := range clips {
		c := &clips[i]
		if err := c.checkHeld(); err != nil {
			return nil, err
		}
		var parts []stretch
		n, w := 0, 0
		for _, sp := range c.training() {
			st := stretch{a: max(sp.From, 1), b: sp.To}
			if st.a >= st.b {
				continue
			}
			lo, hi := d.startRange(st.a, st.b)
			st.lo, st.n = lo, hi-lo+1
			if st.n < 1 {
				continue
			}
			parts = append(parts, st)
			n += st.n
			w += st.b - st.a
		}
		if n == 0 {
			d.Short = append(d.Short, i)
		}
		d.starts = append(d.starts, n)
		d.parts = append(d.parts, parts)
		d.total += n
		d.weights = append(d.weights, w)
		d.weight += w
	}
	if d.total == 0 {
		return nil, fmt.Errorf("train: no clip is long enough for chunks of %d context + %d samples (longest training part: %d samples, need %d); use a smaller --chunk or longer clips",
			rf-1, t, d.longest(), d.MinTrain())
	}
	return d, nil
}

// MinTrain is the fewest samples a training stretch that opens a clip
// needs to give a chunk: 2 (one to predict from, one to score) with Pad,
// else a receptive field and a chunk, RF + T. (A later stretch has the
// held-out codes before it as context, and needs T without Pad.)
func (d *Data) MinTrain() int {
	if d.Pad {
		return 2
	}
	return d.RF + d.T
}

// Starts returns the number of chunk starts of clip i (0: no chunk is ever
// drawn from it).
func (d *Data) Starts(i int) int { return d.starts[i] }

// longest is the longest training stretch of any clip, in samples.
func (d *Data) longest() int {
	m := 0
	for i := range d.Clips {
		for _, sp := range d.Clips[i].training() {
			m = max(m, sp.To-sp.From)
		}
	}
	return m
}

// startRange returns the first and last chunk start s of a training
// stretch whose positions a … b−1 are scored (a ≥ 1). Chunk s scores the
// codes at positions s+RF … s+RF+T−1 that lie in a … b−1, each seen after
// the RF−1 codes before it, or after the clip's start (and the silence
// before it) when the chunk starts before the clip.
//
// Without Pad, s runs over max(0, a−RF) … b−RF−T: full chunks with full
// context, as in the PyTorch reference. There, in the stretch that opens
// the clip (a = 1), position p ≥ RF is scored by min(p−RF+1, T) of the
// starts, so the clip's opening, the very part that generation primed with
// the clip's first receptive field continues, is seldom trained. With Pad,
// s runs over a+1−RF−T … b−1−RF: chunks may start before the clip (zero
// context there, exactly as at generation and evaluation time) or run past
// the stretch, scoring fewer than T positions, so that every position
// a … b−1 is scored by exactly T starts: the opening is learnt as often as
// the rest.
func (d *Data) startRange(a, b int) (lo, hi int) {
	if d.Pad {
		return a + 1 - d.RF - d.T, b - 1 - d.RF
	}
	return max(0, a-d.RF), b - d.RF - d.T
}

// Sample fills ch (allocating its slices on first use) with a random
// training chunk: with Pad, uniformly over all chunk starts of all clips (one
// draw from rng); without, a clip in proportion to its training length and
// a start within it (two draws).
func (d *Data) Sample(ch *Chunk, rng *rand.Rand) {
	if d.Pad {
		d.chunkAt(ch, rng.IntN(d.total))
		return
	}
	k := rng.IntN(d.weight)
	ci := 0
	for k >= d.weights[ci] {
		k -= d.weights[ci]
		ci++
	}
	d.startAt(ch, ci, rng.IntN(d.starts[ci]))
}

// chunkAt fills ch with the k-th chunk start, counting over all clips.
func (d *Data) chunkAt(ch *Chunk, k int) {
	ci := 0
	for k >= d.starts[ci] {
		k -= d.starts[ci]
		ci++
	}
	d.startAt(ch, ci, k)
}

// startAt fills ch with the k-th chunk start of clip ci.
func (d *Data) startAt(ch *Chunk, ci, k int) {
	parts := d.parts[ci]
	j := 0
	for k >= parts[j].n {
		k -= parts[j].n
		j++
	}
	st := parts[j]
	s := st.lo + k
	d.fill(ch, &d.Clips[ci], s, max(st.a, s+d.RF), min(st.b-1, s+d.RF+d.T-1))
	ch.clip = ci
}

// fill makes ch the chunk of clip c that starts at s (possibly negative)
// and scores the codes at positions a … b, which lie within s+RF …
// s+RF+T−1 and ≥ 1.
func (d *Data) fill(ch *Chunk, c *Clip, s, a, b int) {
	codes := c.Codes
	if a < max(1, s+d.RF) || b > s+d.RF+d.T-1 || b >= len(codes) || a > b {
		panic(fmt.Sprintf("train: chunk at %d scoring %d…%d of %d codes", s, a, b, len(codes)))
	}
	n := d.RF - 1 + d.T
	if cap(ch.Inputs) < n {
		ch.Inputs = make([]int32, n)
		ch.Targets = make([]int32, n)
	}
	ch.Inputs, ch.Targets = ch.Inputs[:n], ch.Targets[:n]
	o := max(s, 0) // clip position of Inputs[0]
	k := copy(ch.Inputs, codes[o:min(len(codes), o+n)])
	for i := k; i < n; i++ {
		ch.Inputs[i] = d.Filler
	}
	for p := range ch.Targets {
		ch.Targets[p] = -1
	}
	// Input position p predicts the code at clip position o+p+1.
	copy(ch.Targets[a-1-o:b-o], codes[a:b+1])
	ch.Count = b - a + 1
	ch.Cond = c.cond(o)
}

// Validation returns the held-out part of every clip as chunks that together
// score each held-out code exactly once, with its full context; each chunk
// carries its clip's conditioning (so a class's validation loss is that of
// the chunks of its class).
func (d *Data) Validation() []Chunk {
	var out []Chunk
	for i := range d.Clips {
		c := &d.Clips[i]
		for _, h := range c.Held {
			for p := max(h.From, 1); p < h.To; p += d.T {
				var ch Chunk
				d.fill(&ch, c, p-d.RF, p, min(p+d.T, h.To)-1)
				out = append(out, ch)
			}
		}
	}
	return out
}

// Fingerprint is a hash of the clips' codes and held-out stretches, and of
// their classes and frames where they have them, recorded in a checkpoint
// so that resuming on other data is refused. (A clip of class 0 without
// frames whose held-out part is a tail hashes as before conditioning and
// Hyper.ValParts existed.)
func Fingerprint(clips []Clip) string {
	h := sha256.New()
	var b [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	for _, c := range clips {
		put(uint64(len(c.Codes)))
		switch n := len(c.Codes); {
		case len(c.Held) == 0:
			put(uint64(n))
		case len(c.Held) == 1 && c.Held[0].To == n:
			put(uint64(c.Held[0].From))
		default:
			put(uint64(n))
			h.Write([]byte("held"))
			put(uint64(len(c.Held)))
			for _, s := range c.Held {
				put(uint64(s.From))
				put(uint64(s.To))
			}
		}
		buf := make([]byte, 4*len(c.Codes))
		for i, x := range c.Codes {
			binary.LittleEndian.PutUint32(buf[4*i:], uint32(x))
		}
		h.Write(buf)
		if c.Class != 0 || c.Frames != nil {
			h.Write([]byte("cond"))
			put(uint64(c.Class))
			put(uint64(len(c.Frames)))
			buf = make([]byte, 4*len(c.Frames))
			for i, x := range c.Frames {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(x))
			}
			h.Write(buf)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MaxInputNoiseWidth bounds Hyper.InputNoiseWidth, in codes.
const MaxInputNoiseWidth = 64

// jitter moves each code of inputs, with probability p, by a uniform
// ±1 … ±w, clamped to [0, q): Hyper.InputNoise. Each code takes one draw
// from rng, and a moved one one more, in order, so a run's draws, and so
// its chunks, are the same on every machine and after a resume.
func jitter(inputs []int32, p float64, w, q int, rng *rand.Rand) {
	for i, c := range inputs {
		if rng.Float64() >= p {
			continue
		}
		d := int32(rng.IntN(2*w)) - int32(w) // −w … w−1
		if d >= 0 {
			d++ // −w … −1, 1 … w
		}
		inputs[i] = min(max(c+d, 0), int32(q-1))
	}
}
