package train

import (
	"sync"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// trainer computes batch losses and gradients of one model on several
// goroutines. Each batch item gets its own gradient, and the item gradients
// are summed in item order, so the result does not depend on how many
// goroutines ran or which item each took: the same batch gives the same
// bits on any thread count.
type trainer struct {
	m       *wavenet.Model
	grad    *wavenet.Model   // the batch gradient, ∂(mean nats)/∂params
	items   []*wavenet.Model // per batch item
	workers []*worker
}

// worker is the per-goroutine scratch: a workspace, a dlogits buffer and
// the conditioning of the chunk in hand.
type worker struct {
	ws      *wavenet.Workspace
	dlogits []float32
	conds   []wavenet.Cond // (1) for a conditioned model, nil otherwise
}

// condsOf returns the conditioning Forward takes for ch alone: nil for an
// unconditioned model, else ch's, in w's own one-element slice.
func (w *worker) condsOf(ch *Chunk) []wavenet.Cond {
	if w.conds == nil {
		return nil
	}
	w.conds[0] = ch.Cond
	return w.conds
}

// newTrainer prepares for batches of b chunks of t input codes on up to
// threads goroutines.
func newTrainer(m *wavenet.Model, b, t, threads int) *trainer {
	tr := &trainer{m: m, grad: m.NewLike()}
	for range b {
		tr.items = append(tr.items, m.NewLike())
	}
	for range max(1, min(threads, b)) {
		w := &worker{
			ws:      wavenet.NewWorkspace(m, 1, t),
			dlogits: make([]float32, t*m.Config.QuantizationChannels),
		}
		if m.Config.Conditioned() {
			w.conds = make([]wavenet.Cond, 1)
		}
		tr.workers = append(tr.workers, w)
	}
	return tr
}

// parallel runs f(w, i) for i in [0, n) on the workers, worker w taking
// i = w, w+W, w+2W, …
func (tr *trainer) parallel(n int, f func(w *worker, i int)) {
	W := min(len(tr.workers), n)
	if W <= 1 {
		for i := range n {
			f(tr.workers[0], i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range W {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += W {
				f(tr.workers[w], i)
			}
		}()
	}
	wg.Wait()
}

// lossAndGrad returns the mean cross-entropy, in nats, over every scored
// position of the batch, and leaves its gradient in tr.grad. Item i weighs
// Count_i / Σ Count, so every scored position counts the same.
func (tr *trainer) lossAndGrad(batch []Chunk) float64 {
	if len(batch) != len(tr.items) {
		panic("train: batch size differs from the trainer's")
	}
	total := 0
	for i := range batch {
		total += batch[i].Count
	}
	q := tr.m.Config.QuantizationChannels
	nats := make([]float64, len(batch))
	tr.parallel(len(batch), func(w *worker, i int) {
		ch := &batch[i]
		g := tr.items[i]
		clear(g.Params)
		logits := tr.m.ForwardFrom(w.ws, ch.Inputs, w.condsOf(ch), ch.firstScored())
		dl := w.dlogits[:len(logits)]
		nats[i] = wavenet.CrossEntropy(dl, logits, ch.Targets, q)
		scale := float32(float64(ch.Count) / float64(total))
		for j := range dl {
			dl[j] *= scale
		}
		tr.m.Backward(w.ws, dl, g)
	})
	// Sum the item gradients in item order, in parallel over parameter ranges.
	P := len(tr.grad.Params)
	parts := len(tr.workers)
	var wg sync.WaitGroup
	for k := range parts {
		lo, hi := k*P/parts, (k+1)*P/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := tr.grad.Params[lo:hi]
			copy(dst, tr.items[0].Params[lo:hi])
			for _, it := range tr.items[1:] {
				src := it.Params[lo:hi]
				for j := range dst {
					dst[j] += src[j]
				}
			}
		}()
	}
	wg.Wait()
	var sum float64
	for i := range batch {
		sum += nats[i] * float64(batch[i].Count)
	}
	return sum / float64(total)
}

// loss returns the mean cross-entropy, in nats, over every scored position
// of chunks (forward passes only), and the number of positions.
func (tr *trainer) loss(chunks []Chunk) (float64, int) {
	nats, n, _ := tr.lossByClass(chunks, 0)
	return nats, n
}

// lossByClass is loss, and also, for classes > 0, the mean cross-entropy
// in nats over the chunks of each class c < classes in perClass[c] (−1 for
// a class without a chunk).
func (tr *trainer) lossByClass(chunks []Chunk, classes int) (nats float64, total int, perClass []float64) {
	q := tr.m.Config.QuantizationChannels
	each := make([]float64, len(chunks))
	tr.parallel(len(chunks), func(w *worker, i int) {
		logits := tr.m.ForwardFrom(w.ws, chunks[i].Inputs, w.condsOf(&chunks[i]), chunks[i].firstScored())
		each[i] = wavenet.CrossEntropy(nil, logits, chunks[i].Targets, q)
	})
	sum := make([]float64, classes)
	count := make([]int, classes)
	var all float64
	for i := range chunks {
		n := chunks[i].Count
		all += each[i] * float64(n)
		total += n
		if c := chunks[i].Cond.Class; c < classes {
			sum[c] += each[i] * float64(n)
			count[c] += n
		}
	}
	for c := range classes {
		v := -1.0
		if count[c] > 0 {
			v = sum[c] / float64(count[c])
		}
		perClass = append(perClass, v)
	}
	if total == 0 {
		return 0, 0, perClass
	}
	return all / float64(total), total, perClass
}

// firstScored is the first position of the chunk whose logits are scored
// (Targets ≥ 0), len(Targets) when none is: the positions before it are only
// context, so the forward pass needs its layers only as far back as the
// scored ones reach (wavenet's ForwardFrom), with the same bits.
func (ch *Chunk) firstScored() int {
	for p, c := range ch.Targets {
		if c >= 0 {
			return p
		}
	}
	return len(ch.Targets)
}
