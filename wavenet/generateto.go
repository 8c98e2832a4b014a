package wavenet

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
)

// CodeWriter takes the codes of one generated stream, a block at a time and
// in order: μ-law classes in [0, q) of a model with q = Q, which the
// writer turns into sound (the spec's μ-law decoding) and stores or plays.
// *audio.Writer of this module's audio package is one: its WriteCodes
// decodes the codes and appends them to a WAV stream. WriteCodes must not
// keep the slice.
type CodeWriter interface {
	WriteCodes(codes []int32, q int) error
}

// GenerateOptions say what [GenerateTo] makes.
type GenerateOptions struct {
	Samples     int     // codes to generate per stream, ≥ 0
	Temperature float64 // 0 takes the most likely code; 1 samples the model's distribution
	MinProb     float64 // at a temperature above 0, codes less likely than this are never drawn (see [Sampling])
	// Seed seeds the random draws (a PCG of Seed and 0x9e3779b97f4a7c15,
	// as cmd/wavenet's --seed): the same model, options and seed give the
	// same codes.
	Seed uint64
	// Prime is heard before generating (see [Generator.Prime]) and not
	// written; nil starts from silence. Only its last receptive field can
	// reach a generated code, so for an unconditioned model only that is
	// stepped through; a conditioned one steps through all of it, since
	// local frames say where in time each of its codes is.
	Prime []int32
	// Conds conditions stream i on Conds[i] (see [Generator.SetCond]):
	// one per writer for a conditioned model, nil for an unconditioned one.
	Conds []Cond
	// Weights is how the generator stores its weights (see [Weights]):
	// WeightsF16 reads half the bytes per sample, for slightly different
	// codes.
	Weights Weights
	// Threads is the goroutines the streams share (0: one per stream, at
	// most GOMAXPROCS); the codes do not depend on it.
	Threads int
	// Progress, if not nil, is called after each block has been written
	// to every stream, with the codes per stream written so far.
	Progress func(done int)
}

// GenerateBlock is the number of codes per stream that [GenerateTo] hands
// to each writer at a time (the last block may be shorter).
const GenerateBlock = 1024

// GenerateTo runs m for len(out) independent streams (at least one) and
// writes o.Samples codes of stream i to out[i], in blocks of GenerateBlock:
// from a model to sound in one call. Each block goes to out[0], out[1], …
// in turn. It stops at the first error of a writer, which it returns, and
// when ctx is done (checked after each block), returning ctx's error.
//
// It is [NewGeneratorWith], [Generator.SetThreads], [Generator.Prime] and
// [Generator.Generate] with the draws of o.Seed; the codes are those of a
// Generator used so, the same for any number of streams before or after.
func GenerateTo(ctx context.Context, m *Model, o GenerateOptions, out ...CodeWriter) error {
	if len(out) == 0 {
		return fmt.Errorf("wavenet: GenerateTo with no writer")
	}
	if o.Samples < 0 {
		return fmt.Errorf("wavenet: generate %d samples", o.Samples)
	}
	if o.Weights != WeightsF32 && o.Weights != WeightsF16 {
		return fmt.Errorf("wavenet: GenerateTo with weights %v", o.Weights)
	}
	Q := m.Config.QuantizationChannels
	for i, c := range o.Prime {
		if c < 0 || int(c) >= Q {
			return fmt.Errorf("wavenet: prime code %d at %d outside [0, %d)", c, i, Q)
		}
	}
	streams := len(out)
	g := NewGeneratorWith(m, streams, GeneratorOptions{Weights: o.Weights})
	threads := o.Threads
	if threads <= 0 {
		threads = min(streams, runtime.GOMAXPROCS(0))
	}
	g.SetThreads(threads)
	prime := o.Prime
	if m.Config.Conditioned() {
		if len(o.Conds) != streams {
			return fmt.Errorf("wavenet: GenerateTo of a conditioned model with %d conds for %d writers", len(o.Conds), streams)
		}
		for i, c := range o.Conds {
			if err := g.SetCond(i, c); err != nil {
				return err
			}
		}
	} else {
		prime = prime[max(0, len(prime)-m.Config.ReceptiveField()):]
	}
	if err := g.Prime(prime); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))

	block := make([][]int32, streams) // per stream, the codes not yet written
	for i := range block {
		block[i] = make([]int32, 0, min(o.Samples, GenerateBlock))
	}
	done := 0
	flush := func() error {
		for i, w := range out {
			if err := w.WriteCodes(block[i], Q); err != nil {
				return err
			}
			block[i] = block[i][:0]
		}
		if o.Progress != nil {
			o.Progress(done)
		}
		return ctx.Err()
	}
	err := g.GenerateWith(o.Samples, Sampling{Temperature: o.Temperature, MinProb: o.MinProb}, rng, func(c []int32) error {
		for i, v := range c {
			block[i] = append(block[i], v)
		}
		done++
		if len(block[0]) == GenerateBlock {
			return flush()
		}
		return nil
	})
	if err == nil && len(block[0]) > 0 {
		err = flush()
	}
	return err
}
