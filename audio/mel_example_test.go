package audio_test

import (
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/wavenet-go/wavenet-go/audio"
)

// The log-mel features of a second of a 1 kHz tone at 16 kHz, with the
// defaults of local conditioning (hop 256, 80 bands), saved as a .npy file
// and read back.
func ExampleMel() {
	m, err := audio.NewMel(16000, 256, 80)
	if err != nil {
		log.Fatal(err)
	}
	x := make([]float32, 16000)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*1000*float64(i)/16000))
	}
	f, frames := m.Features(nil, x) // [80, frames]: f[b*frames+j] is band b of frame j
	j, loudest := frames/2, 0
	for b := range m.Bands() {
		if f[b*frames+j] > f[loudest*frames+j] {
			loudest = b
		}
	}
	nu := m.BandEdges()
	fmt.Printf("%d bands × %d frames; frame %d peaks in band %d (%.0f to %.0f Hz, centre %.0f Hz) at %.3f\n",
		m.Bands(), frames, j, loudest, nu[loudest], nu[loudest+2], nu[loudest+1], f[loudest*frames+j])

	dir, err := os.MkdirTemp("", "mel-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tone.npy")
	if err := audio.WriteNpy(path, f, m.Bands(), frames); err != nil {
		log.Fatal(err)
	}
	g, bands, n, err := audio.ReadNpy(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bands, n, g[loudest*n+j] == f[loudest*frames+j])
	// Output:
	// 80 bands × 63 frames; frame 31 peaks in band 28 (973 to 1080 Hz, centre 1026 Hz) at 2.221
	// 80 63 true
}
