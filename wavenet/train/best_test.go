package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// overfitOptions is testOptions validating at every log row, with a rate
// high enough that the validation loss falls to a lowest point within the
// run and then climbs (asserted by bestOf's callers), as a short clip's
// does. Every checkpoint is also kept by step in models.
func overfitOptions(st *memStore, models map[int][]byte) Options {
	o := testOptions(st, toneClip("clip", 3000, 1))
	o.Steps, o.LogEvery, o.ValEvery = 48, 4, 4
	o.Hyper.LR, o.Hyper.LRHalfLife = 3e-2, 0
	o.CheckpointEvery, o.CheckpointSteps = time.Hour, 4
	o.Save = func(s *Snapshot) error {
		if err := st.save(s); err != nil {
			return err
		}
		models[s.Step] = st.model
		return nil
	}
	return o
}

// bestOf returns the step of the lowest validation loss in log (the first
// if tied) and the steps at which the validation loss was lower than every
// one before it.
func bestOf(log []LogRow) (best int, improved []int) {
	low := -1.0
	for _, r := range log {
		if r.ValBits >= 0 && (low < 0 || r.ValBits < low) {
			low, best = r.ValBits, r.Step
			improved = append(improved, r.Step)
		}
	}
	return best, improved
}

// bestStore keeps what SaveBest is given.
type bestStore struct {
	steps []int
	model []byte // the last model given
}

func (b *bestStore) save(s *Snapshot) error {
	if s.Step != s.BestStep {
		panic("SaveBest called off the best step")
	}
	var m, e bytes.Buffer
	if err := s.EncodeBest(&m); err != nil {
		return err
	}
	if err := s.EncodeModel(&e); err != nil {
		return err
	}
	if !bytes.Equal(m.Bytes(), e.Bytes()) {
		panic("SaveBest's EncodeBest and EncodeModel differ")
	}
	b.steps = append(b.steps, s.Step)
	b.model = m.Bytes()
	return nil
}

// TestCheckpointSteps: CheckpointSteps checkpoints at its multiples, the
// last step's being the final checkpoint, with the clock's interval long.
func TestCheckpointSteps(t *testing.T) {
	var st memStore
	o := testOptions(&st, toneClip("clip", 2500, 8))
	o.CheckpointEvery, o.CheckpointSteps = time.Hour, 6
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.steps, []int{6, 12, 18, 24}) || st.finals != 1 {
		t.Errorf("saves at %v, %d final; want 6, 12, 18, 24, the last final", st.steps, st.finals)
	}
	st = memStore{}
	o.CheckpointSteps = 0
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.steps, []int{24}) {
		t.Errorf("without CheckpointSteps, saves at %v; want only the final at 24", st.steps)
	}
}

// TestBestModel: SaveBest is called at each new lowest validation loss,
// and what it is given, like every Save's EncodeBest, is the model file
// that Save wrote at the lowest's step, byte for byte.
func TestBestModel(t *testing.T) {
	var st memStore
	var bs bestStore
	models := map[int][]byte{}
	o := overfitOptions(&st, models)
	o.SaveBest = bs.save
	var bests []int // Snapshot.BestStep at each Save
	save := o.Save
	o.Save = func(s *Snapshot) error {
		bests = append(bests, s.BestStep)
		if err := save(s); err != nil {
			return err
		}
		var b bytes.Buffer
		if s.BestStep > 0 {
			if err := s.EncodeBest(&b); err != nil {
				return err
			}
			if !bytes.Equal(b.Bytes(), models[s.BestStep]) {
				t.Errorf("Save at step %d: EncodeBest is not the model of step %d", s.Step, s.BestStep)
			}
		}
		return nil
	}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	best, improved := bestOf(st.log)
	if best == 0 || best == o.Steps || best > o.Steps-8 {
		t.Fatalf("the validation loss is lowest at step %d of %d: the test needs it lowest well before the end", best, o.Steps)
	}
	if res.BestStep != best || res.BestValBits != st.log[best/4-1].ValBits {
		t.Errorf("result: best step %d, %v bits; the log's lowest is at step %d, %v bits", res.BestStep, res.BestValBits, best, st.log[best/4-1].ValBits)
	}
	if !slices.Equal(bs.steps, improved) {
		t.Errorf("SaveBest at steps %v; the validation loss fell to a new low at %v", bs.steps, improved)
	}
	if !bytes.Equal(bs.model, models[best]) {
		t.Errorf("the best model is not the model of step %d", best)
	}
	if bests[len(bests)-1] != best || bests[0] != 4 {
		t.Errorf("Snapshot.BestStep at the saves: %v; want 4 first and %d last", bests, best)
	}
	ck := st.checkpoint(t)
	if s, v := ck.Best(); s != best || v != res.BestValBits {
		t.Errorf("checkpoint's best: step %d, %v bits; want %d, %v", s, v, best, res.BestValBits)
	}
	for _, tc := range []struct {
		step int
		want bool
	}{{best, true}, {best - 4, false}, {o.Steps, false}} {
		m, md, err := wavenet.Decode(models[tc.step])
		if err != nil {
			t.Fatal(err)
		}
		if got := ck.MatchesBest(m, md); got != tc.want {
			t.Errorf("MatchesBest(the model of step %d) = %v, want %v", tc.step, got, tc.want)
		}
	}
}

// TestBestModelLastStep: when the last validation is the lowest, the best
// model is the final model file, its whole-clip score included.
func TestBestModelLastStep(t *testing.T) {
	var st memStore
	var bs bestStore
	o := testOptions(&st, toneClip("clip", 3000, 1))
	o.Steps, o.LogEvery, o.ValEvery = 12, 4, 4
	o.Hyper.LR, o.Hyper.LRHalfLife = 1e-2, 0
	o.SaveBest = bs.save
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.BestStep != 12 || !slices.Equal(bs.steps, []int{4, 8, 12}) {
		t.Fatalf("best at step %d, SaveBest at %v; the test needs the loss falling at every validation", res.BestStep, bs.steps)
	}
	if !bytes.Equal(bs.model, st.model) {
		t.Errorf("the best model, of the last step, differs from the final model file")
	}
}

// TestBestSurvivesResume: a run interrupted after its lowest validation
// and resumed keeps that model as the best, though every validation after
// the resume is higher; the best's bytes and the final model are those of
// the uninterrupted run.
func TestBestSurvivesResume(t *testing.T) {
	var a memStore
	var ab bestStore
	o := overfitOptions(&a, map[int][]byte{})
	o.SaveBest = ab.save
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	best, _ := bestOf(a.log)
	stop := best + 4 // a validation higher than the best, then stop
	if best == 0 || stop >= o.Steps || a.log[stop/4-1].ValBits <= a.log[best/4-1].ValBits {
		t.Fatalf("lowest validation at step %d of %d: the test needs a higher one after it before the end", best, o.Steps)
	}
	_, laterLows := bestOf(a.log[stop/4:])
	if len(laterLows) == 0 {
		t.Fatal("no validation after the stop")
	}

	var b memStore
	var bb bestStore
	ob := overfitOptions(&b, map[int][]byte{})
	ob.SaveBest = bb.save
	ctx, cancel := context.WithCancel(context.Background())
	ob.OnLog = func(log []LogRow) {
		if log[len(log)-1].Step == stop {
			cancel()
		}
	}
	if res, err := Run(ctx, ob); err != nil || !res.Interrupted || res.Steps != stop {
		t.Fatalf("interrupted run: %+v, %v; want stopped at step %d", res, err, stop)
	}
	ob.OnLog, ob.Resume, ob.Config = nil, b.checkpoint(t), nil
	ob.SaveBest = func(s *Snapshot) error {
		t.Errorf("the resumed run called SaveBest at step %d (validation %v bits; the best before the stop was %v)",
			s.Step, s.BestValBits, a.log[best/4-1].ValBits)
		return nil
	}
	res, err := Run(context.Background(), ob)
	if err != nil {
		t.Fatal(err)
	}
	if res.BestStep != best {
		t.Errorf("resumed run's best step %d, want %d", res.BestStep, best)
	}
	var m bytes.Buffer
	snapBest := b.checkpoint(t)
	if s, _ := snapBest.Best(); s != best {
		t.Errorf("final checkpoint's best step %d, want %d", s, best)
	}
	// The final Save's EncodeBest, as a caller rewriting the best file
	// from the checkpoint would get it.
	ob.Resume, ob.SaveBest = snapBest, nil
	ob.Save = func(s *Snapshot) error {
		if s.BestStep == 0 {
			return errors.New("no best model in the resumed checkpoint")
		}
		m.Reset()
		return s.EncodeBest(&m)
	}
	if _, err := Run(context.Background(), ob); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Bytes(), ab.model) || !bytes.Equal(bb.model, ab.model) {
		t.Errorf("the best model after resuming differs from the uninterrupted run's")
	}
	if !bytes.Equal(a.model, b.model) {
		t.Errorf("the final model after resuming differs from the uninterrupted run's")
	}
}

// TestStateBestRoundTrip: a state with a best model decodes to it, a
// state without one still decodes (files from before the best was kept),
// and a best outside the run or missing its parameters is refused.
func TestStateBestRoundTrip(t *testing.T) {
	mk := func(best *bestHeader, params []float32) []byte {
		s := &state{stateHeader: stateHeader{Step: 7, Params: 2, Config: json.RawMessage(`{}`), Best: best},
			params: []float32{1, 2}, m: []float32{3, 4}, v: []float32{5, 6}, best: params}
		var b bytes.Buffer
		if err := encodeState(&b, s); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	data := mk(&bestHeader{Step: 4, ValBits: 2.5, Training: json.RawMessage(`{"steps":4}`)}, []float32{7, 8})
	got, err := decodeState(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Best == nil || got.Best.Step != 4 || got.Best.ValBits != 2.5 || string(got.Best.Training) != `{"steps":4}` || !slices.Equal(got.best, []float32{7, 8}) {
		t.Errorf("best after the round trip: %+v, %v", got.Best, got.best)
	}
	if got, err := decodeState(mk(nil, nil)); err != nil || got.Best != nil || got.best != nil {
		t.Errorf("a state without a best: %+v, %v", got, err)
	}
	if _, err := decodeState(mk(&bestHeader{Step: 8, ValBits: 1, Training: json.RawMessage(`{}`)}, []float32{7, 8})); err == nil {
		t.Errorf("a best after the state's step decodes")
	}
	// The header says there is a best, but its parameters are missing:
	// the data is 3·P values long, not 4·P.
	s := &state{stateHeader: stateHeader{Step: 7, Params: 2, Config: json.RawMessage(`{}`),
		Best: &bestHeader{Step: 4, ValBits: 1, Training: json.RawMessage(`{}`)}},
		params: []float32{1, 2}, m: []float32{3, 4}, v: []float32{5, 6}, best: []float32{7, 8}}
	var b bytes.Buffer
	if err := encodeState(&b, s); err != nil {
		t.Fatal(err)
	}
	cut := slices.Concat(b.Bytes()[:b.Len()-4-8], nil)
	cut = binary.LittleEndian.AppendUint32(cut, crc32.Checksum(cut, castagnoli))
	if _, err := decodeState(cut); err == nil || !strings.Contains(err.Error(), "want 4 arrays") {
		t.Errorf("a best without its parameters: %v", err)
	}
}

// TestPatience: with Patience P, a run stops at the validation P·ValEvery
// steps after its lowest, with the same lowest and best model as the run
// without it (the steps up to there are the same), and says so; a lowest
// reached again in time resets the count, and a run whose limit comes
// first is not patient.
func TestPatience(t *testing.T) {
	var full memStore
	var fullBest bestStore
	o := overfitOptions(&full, map[int][]byte{})
	o.SaveBest = fullBest.save
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	best, improved := bestOf(full.log)
	const P = 2
	want := best + P*o.ValEvery
	if want >= o.Steps {
		t.Fatalf("lowest validation at step %d of %d: the test needs %d validations after it before the end", best, o.Steps, P)
	}
	// Patience counts from the latest new low, so no earlier low may have
	// run out of it.
	for i := 1; i < len(improved); i++ {
		if improved[i]-improved[i-1] >= P*o.ValEvery {
			t.Fatalf("new lows at %v: patience %d would stop between two of them", improved, P)
		}
	}

	var st memStore
	var bs bestStore
	o2 := overfitOptions(&st, map[int][]byte{})
	o2.SaveBest, o2.Patience = bs.save, P
	res, err := Run(context.Background(), o2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != want || !res.Patient {
		t.Errorf("patience %d: stopped at step %d (patient %v); want step %d, %d validations after the lowest at %d",
			P, res.Steps, res.Patient, want, P, best)
	}
	if res.BestStep != best || !bytes.Equal(bs.model, fullBest.model) {
		t.Errorf("patience %d: best at step %d; want %d, the same model as without patience", P, res.BestStep, best)
	}
	for i, r := range st.log {
		f := full.log[i]
		if r.Step != f.Step || r.TrainBits != f.TrainBits || r.ValBits != f.ValBits {
			t.Errorf("log row %d with patience: step %d, train %v, val %v; without: %d, %v, %v", i, r.Step, r.TrainBits, r.ValBits, f.Step, f.TrainBits, f.ValBits)
		}
	}

	// A step limit that comes first ends the run as before.
	st = memStore{}
	o2 = overfitOptions(&st, map[int][]byte{})
	o2.Steps, o2.Patience = best+o.ValEvery, P
	if res, err := Run(context.Background(), o2); err != nil || res.Steps != best+o.ValEvery || res.Patient {
		t.Errorf("step limit %d before the patience runs out: %d steps, patient %v, %v", o2.Steps, res.Steps, res.Patient, err)
	}
	if _, err := Run(context.Background(), Options{Steps: 1, Patience: -1}); err == nil || !strings.Contains(err.Error(), "patience -1") {
		t.Errorf("negative patience: %v", err)
	}
}
