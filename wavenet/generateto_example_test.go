package wavenet_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/models"
	"github.com/wavenet-go/wavenet-go/wavenet"
)

// A program that embeds the engine goes from a model to a WAV file in one
// call: GenerateTo hands each block of codes to an audio.Writer, which
// μ-law decodes them. Here half a second of the built-in model (it learnt
// a 220 Hz tone) goes into memory and is read back and measured.
func ExampleGenerateTo() {
	m, _, err := wavenet.Decode(models.Default()) // or wavenet.Load("model.safetensors")
	if err != nil {
		log.Fatal(err)
	}
	n := m.Config.SampleRate / 2
	var wav bytes.Buffer // or a file, or a pipe
	w, err := audio.NewSizedWriter(&wav, m.Config.SampleRate, audio.PCM16, int64(n))
	if err != nil {
		log.Fatal(err)
	}
	opts := wavenet.GenerateOptions{Samples: n, Temperature: 1, Seed: 7}
	if err := wavenet.GenerateTo(context.Background(), m, opts, w); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	x, info, err := audio.Decode(bytes.NewReader(wav.Bytes()), int64(wav.Len()), "generated", 0, nil)
	if err != nil {
		log.Fatal(err)
	}
	pitch, periodicity := audio.Periodicity(x, info.SampleRate, 50, 2000)
	fmt.Printf("%d bytes: %d samples at %d Hz\n", wav.Len(), len(x), info.SampleRate)
	fmt.Printf("pitch %.0f Hz, periodicity %.2f\n", pitch, periodicity)
	// Output:
	// 16044 bytes: 8000 samples at 16000 Hz
	// pitch 220 Hz, periodicity 1.00
}
