package train

import (
	"fmt"
	"strings"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// Footprint is about what a run allocates, in bytes, by part, so that a run
// too large for the machine is refused before it starts (Options.
// MemoryLimit) rather than killed when it runs out of memory.
type Footprint struct {
	// Params is Batch+4 copies of the model's parameters: the model, the
	// batch gradient, Adam's two moments and one gradient per batch item
	// (and the checkpoint's three arrays on resume).
	Params int64
	// Workspaces is the activations of one chunk, forward and backward,
	// on each of min(Threads, Batch) goroutines.
	Workspaces int64
	// Chunks is the codes of the batch's chunks and of the validation
	// chunks, which cover the held-out samples Chunk at a time, each with
	// a receptive field of context.
	Chunks int64
	// Clips is the clips' codes (and sound, with gain augmentation; and
	// local conditioning frames), and the whole-clip evaluation at the end.
	Clips int64

	batch, chunk, threads, valChunks int // for the message
}

// Total is the sum of the parts.
func (f Footprint) Total() int64 { return f.Params + f.Workspaces + f.Chunks + f.Clips }

// NewFootprint estimates what Run allocates for a model of cfg trained with
// h on threads goroutines over clips, whose Held is set (resume: the
// checkpoint's arrays are held too).
func NewFootprint(cfg wavenet.Config, h Hyper, threads int, clips []Clip, resume bool) Footprint {
	P := int64(wavenet.ParamCount(cfg))
	t := cfg.ReceptiveField() - 1 + h.Chunk // input codes per chunk
	workers := max(1, min(threads, h.Batch))
	f := Footprint{batch: h.Batch, chunk: h.Chunk, threads: workers}
	f.Params = 4 * P * int64(h.Batch+4)
	if resume {
		f.Params += 12 * P
	}
	f.Workspaces = int64(workers) * (wavenet.WorkspaceBytes(cfg, 1, t) + 4*int64(t)*int64(cfg.QuantizationChannels))
	longest := 0
	for _, c := range clips {
		for _, s := range c.Held {
			if held := s.To - max(s.From, 1); held > 0 {
				f.valChunks += (held + h.Chunk - 1) / h.Chunk
			}
		}
		f.Clips += 4 * int64(len(c.Codes)+len(c.Sound)+len(c.Frames)) // Sound only with pitch or gain augmentation (splitClips)
		longest = max(longest, len(c.Codes))
	}
	f.Chunks = 8 * int64(t) * int64(h.Batch+f.valChunks)
	f.Clips += wavenet.EvalBytes(cfg, longest)
	return f
}

// MemoryError is Run's error for a run whose Footprint exceeds
// Options.MemoryLimit.
type MemoryError struct {
	Footprint
	Limit int64
}

func (e *MemoryError) Error() string {
	f := e.Footprint
	parts := []string{
		fmt.Sprintf("%s for %d copies of the parameters (batch %d + 4)", byteSize(f.Params), f.batch+4, f.batch),
		fmt.Sprintf("%s for the activations of a chunk (%d samples) on each of %d threads", byteSize(f.Workspaces), f.chunk, f.threads),
		fmt.Sprintf("%s for the codes of the batch and of %d validation chunks", byteSize(f.Chunks), f.valChunks),
		fmt.Sprintf("%s for the clips", byteSize(f.Clips)),
	}
	return fmt.Sprintf("train: the run would take about %s (%s), more than the limit of %s",
		byteSize(f.Total()), strings.Join(parts, ", "), byteSize(e.Limit))
}

// Largest names the largest part: "params", "workspaces", "chunks" or
// "clips".
func (f Footprint) Largest() string {
	name, most := "params", f.Params
	for _, p := range []struct {
		name string
		n    int64
	}{{"workspaces", f.Workspaces}, {"chunks", f.Chunks}, {"clips", f.Clips}} {
		if p.n > most {
			name, most = p.name, p.n
		}
	}
	return name
}

// byteSize shows a byte count for people, in binary units: "512 B",
// "3.4 MiB", "29.1 GiB".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[i])
}
