package wavenet

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// codeRecorder is a CodeWriter that keeps what it is given, and the order
// of the calls in a shared log.
type codeRecorder struct {
	id    int
	codes []int32
	calls *[]int // ids of the writers called, in order
	fail  error  // returned from the call that reaches failAt codes
	at    int
}

func (r *codeRecorder) WriteCodes(codes []int32, q int) error {
	*r.calls = append(*r.calls, r.id)
	r.codes = append(r.codes, codes...)
	if r.fail != nil && len(r.codes) >= r.at {
		return r.fail
	}
	return nil
}

func recorders(n int) ([]*codeRecorder, []CodeWriter, *[]int) {
	calls := new([]int)
	rs := make([]*codeRecorder, n)
	ws := make([]CodeWriter, n)
	for i := range rs {
		rs[i] = &codeRecorder{id: i, calls: calls}
		ws[i] = rs[i]
	}
	return rs, ws, calls
}

// GenerateTo gives each writer the codes a Generator draws for its stream
// with the options' seed, block after block and stream after stream, for
// any number of threads; a prime longer than the receptive field gives the
// codes of the whole prime.
func TestGenerateToMatchesGenerator(t *testing.T) {
	cfg := oddConfig()
	m := randomModel(t, cfg, 5)
	rf := cfg.ReceptiveField()
	prime := randomCodes(rand.New(rand.NewPCG(1, 1)), 3*rf+5, cfg.QuantizationChannels)
	const n, streams = 2*GenerateBlock + 300, 3

	g := NewGenerator(m, streams)
	g.Prime(prime) // all of it
	want := make([][]int32, streams)
	rng := rand.New(rand.NewPCG(42, 0x9e3779b97f4a7c15))
	if err := g.Generate(n, 0.8, rng, func(c []int32) error {
		for i, v := range c {
			want[i] = append(want[i], v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	for _, threads := range []int{0, 1, 2, 3} {
		rs, ws, calls := recorders(streams)
		var progress []int
		o := GenerateOptions{Samples: n, Temperature: 0.8, Seed: 42, Prime: prime, Threads: threads,
			Progress: func(done int) { progress = append(progress, done) }}
		if err := GenerateTo(context.Background(), m, o, ws...); err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			if !slices.Equal(r.codes, want[i]) {
				t.Errorf("threads %d, stream %d: other codes than the Generator's", threads, i)
			}
		}
		if !slices.Equal(*calls, []int{0, 1, 2, 0, 1, 2, 0, 1, 2}) {
			t.Errorf("threads %d: writers called in the order %v", threads, *calls)
		}
		if !slices.Equal(progress, []int{GenerateBlock, 2 * GenerateBlock, n}) {
			t.Errorf("threads %d: progress %v", threads, progress)
		}
	}

	// One stream of the same seed draws what stream 0 of one generator
	// alone draws: greedy, the codes do not depend on the streams beside.
	rs, ws, _ := recorders(1)
	if err := GenerateTo(context.Background(), m, GenerateOptions{Samples: 500, Prime: prime}, ws...); err != nil {
		t.Fatal(err)
	}
	rs3, ws3, _ := recorders(3)
	GenerateTo(context.Background(), m, GenerateOptions{Samples: 500, Prime: prime}, ws3...)
	if !slices.Equal(rs[0].codes, rs3[2].codes) || len(rs[0].codes) != 500 {
		t.Error("greedy codes differ between one stream and three")
	}
}

// A writer's error stops GenerateTo at that block, and so does a done
// context; bad arguments are errors, not panics.
func TestGenerateToStops(t *testing.T) {
	m := randomModel(t, oddConfig(), 6)
	rs, ws, calls := recorders(2)
	boom := errors.New("disk full")
	rs[1].fail, rs[1].at = boom, GenerateBlock+1
	err := GenerateTo(context.Background(), m, GenerateOptions{Samples: 5 * GenerateBlock, Temperature: 1}, ws...)
	if !errors.Is(err, boom) || len(rs[1].codes) != 2*GenerateBlock || !slices.Equal(*calls, []int{0, 1, 0, 1}) {
		t.Errorf("writer error: %v after %d codes, calls %v", err, len(rs[1].codes), *calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	rs, ws, _ = recorders(1)
	n := 0
	err = GenerateTo(ctx, m, GenerateOptions{Samples: 5 * GenerateBlock, Progress: func(done int) { n = done; cancel() }}, ws...)
	if !errors.Is(err, context.Canceled) || n != GenerateBlock || len(rs[0].codes) != GenerateBlock {
		t.Errorf("cancelled: %v after %d codes", err, len(rs[0].codes))
	}

	rs, ws, calls = recorders(1)
	if err := GenerateTo(context.Background(), m, GenerateOptions{}, ws...); err != nil || len(*calls) != 0 {
		t.Errorf("no samples: %v, %d calls", err, len(*calls))
	}
	for _, tc := range []struct {
		o    GenerateOptions
		ws   []CodeWriter
		want string
	}{
		{GenerateOptions{Samples: 1}, nil, "no writer"},
		{GenerateOptions{Samples: -1}, ws, "generate -1 samples"},
		{GenerateOptions{Samples: 1, Prime: []int32{3, 37}}, ws, "prime code 37 at 1 outside [0, 37)"},
		{GenerateOptions{Samples: 1, Temperature: -1}, ws, "temperature -1"},
	} {
		if err := GenerateTo(context.Background(), m, tc.o, tc.ws...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
}
