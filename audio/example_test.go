package audio_test

import (
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/wavenet-go/wavenet-go/audio"
)

// Write a second of a 440 Hz tone at 48 kHz, then read it back at 16 kHz as
// a model would, and μ-law encode it.
func Example() {
	dir, err := os.MkdirTemp("", "audio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tone.wav")

	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	w, err := audio.NewWriter(f, 48000, audio.PCM16)
	if err != nil {
		log.Fatal(err)
	}
	buf := make([]float32, 4800)
	for block := range 10 {
		for i := range buf {
			t := float64(block*len(buf)+i) / 48000
			buf[i] = float32(0.5 * math.Sin(2*3.141592653589793*440*t))
		}
		if err := w.Write(buf); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}

	x, info, err := audio.ReadFile(path, 16000, os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	codes := audio.MuLawEncode(nil, x, 256)
	fmt.Println(info.SampleRate, info.Channels, info.BitDepth, info.Frames, info.Duration)
	fmt.Println(len(x), len(codes))
	// Output:
	// 48000 1 16 48000 1s
	// 16000 16000
}
