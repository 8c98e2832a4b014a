package train_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
	"github.com/wavenet-go/wavenet-go/wavenet/train"
)

// Train a tiny model on one clip of μ-law codes for 8 steps, keeping the
// checkpoint and the model in memory, then resume from the checkpoint to
// step 12. A program that trains on WAV files reads and μ-law encodes them
// first (package audio), and writes what Save and SaveBest get to files.
// The clip carries its sound as well as its codes: the default pitch
// augmentation plays it at other speeds and codes it afresh.
func Example() {
	sound := make([]float32, 2000)
	for i := range sound { // a slow sawtooth
		sound[i] = float32(i%200-100) / 200
	}
	codes := audio.MuLawEncode(nil, sound, 256)
	cfg := wavenet.Config{SampleRate: 16000, QuantizationChannels: 256, InputWidth: 2, FilterWidth: 2,
		Dilations: []int{1, 2, 4}, ResidualChannels: 4, GateChannels: 4, SkipChannels: 8, EndChannels: 8}
	var ckpt, model bytes.Buffer
	opts := train.Options{
		Clips:  []train.Clip{{Name: "sawtooth", Codes: codes, Sound: sound}},
		Config: &cfg,
		Hyper:  train.Hyper{Batch: 2, Chunk: 100, Seed: 1},
		Steps:  8,
		Save: func(s *train.Snapshot) error {
			ckpt.Reset()
			model.Reset()
			if err := s.EncodeCheckpoint(&ckpt); err != nil {
				return err
			}
			return s.EncodeModel(&model)
		},
		OnLog: func(rows []train.LogRow) {
			fmt.Printf("step %d logged\n", rows[len(rows)-1].Step)
		},
		// A program keeps this one too: on a short clip the lowest
		// validation loss often comes long before the end.
		SaveBest: func(s *train.Snapshot) error {
			fmt.Printf("step %d: the lowest validation loss yet\n", s.BestStep)
			return nil // s.EncodeBest(w) writes its model file
		},
		LogEvery: 4, ValEvery: 8,
	}
	res, err := train.Run(context.Background(), opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("trained", res.Steps, "steps")

	ck, err := train.DecodeCheckpoint(ckpt.Bytes(), "in memory")
	if err != nil {
		log.Fatal(err)
	}
	opts.Resume, opts.Config, opts.Steps = ck, nil, 12
	if res, err = train.Run(context.Background(), opts); err != nil {
		log.Fatal(err)
	}
	m, _, err := wavenet.Decode(model.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("resumed from step %d to %d; the model has %d parameters\n", ck.Step(), res.Steps, len(m.Params))
	// Output:
	// step 4 logged
	// step 8 logged
	// step 8: the lowest validation loss yet
	// trained 8 steps
	// step 12 logged
	// step 12: the lowest validation loss yet
	// resumed from step 8 to 12; the model has 4824 parameters
}
