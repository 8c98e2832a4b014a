package audio

import (
	"errors"
	"fmt"
	"math"

	goaudio "github.com/go-audio/audio"
)

// ToFloat32Buffer returns a copy of the mono samples x at rate Hz as a
// go-audio buffer: one channel, SourceBitDepth 32.
func ToFloat32Buffer(x []float32, rate int) *goaudio.Float32Buffer {
	return &goaudio.Float32Buffer{
		Format:         &goaudio.Format{NumChannels: 1, SampleRate: rate},
		Data:           append([]float32(nil), x...),
		SourceBitDepth: 32,
	}
}

// ToIntBuffer returns the mono samples x at rate Hz as a go-audio buffer of
// bits-bit PCM (8, 16, 24 or 32), ready for go-audio/wav's Encoder of that
// bit depth: x·2^(bits−1) rounded to the nearest integer (halves away from
// zero) and clipped to the signed range, then offset by 128 for 8 bits; NaN
// gives silence. For 16 bits it holds exactly what a [Writer] in PCM16
// writes.
func ToIntBuffer(x []float32, rate, bits int) (*goaudio.IntBuffer, error) {
	if bits != 8 && bits != 16 && bits != 24 && bits != 32 {
		return nil, fmt.Errorf("audio: go-audio buffer of %d-bit PCM (supported: 8, 16, 24, 32)", bits)
	}
	scale := math.Ldexp(1, bits-1)
	lo, hi := -scale, scale-1
	offset := 0
	if bits == 8 {
		offset = 128
	}
	data := make([]int, len(x))
	for i, v := range x {
		s := math.Round(float64(v) * scale)
		switch {
		case s != s:
			s = 0
		case s > hi:
			s = hi
		case s < lo:
			s = lo
		}
		data[i] = int(s) + offset
	}
	return &goaudio.IntBuffer{Format: &goaudio.Format{NumChannels: 1, SampleRate: rate}, Data: data, SourceBitDepth: bits}, nil
}

// FromBuffer returns the audio of a go-audio *Float32Buffer or *IntBuffer
// as this package reads files: the channels averaged to mono and resampled
// to rate Hz (0 keeps the buffer's rate), samples nominally in [-1, 1).
// An IntBuffer is scaled by 2^(SourceBitDepth−1) (8 bits: 128 subtracted
// first, as go-audio/wav stores them). A buffer without a format, with a
// rate outside [MinRate, MaxRate], a partial last frame, an IntBuffer
// sample outside its bit depth or a float sample that is NaN or infinite is
// an error; so is any other buffer type (convert it with its
// AsFloat32Buffer or AsIntBuffer method first, knowing what its values
// mean).
func FromBuffer(b goaudio.Buffer, rate int) ([]float32, error) {
	if rate != 0 && (rate < MinRate || rate > MaxRate) {
		return nil, fmt.Errorf("audio: cannot resample to %d Hz (supported: %d to %d)", rate, MinRate, MaxRate)
	}
	if b == nil || isNilBuffer(b) {
		return nil, errors.New("audio: go-audio buffer: nil")
	}
	f := b.PCMFormat()
	if f == nil {
		return nil, fmt.Errorf("audio: go-audio buffer %T: no format", b)
	}
	ch, from := f.NumChannels, f.SampleRate
	if ch < 1 {
		return nil, fmt.Errorf("audio: go-audio buffer %T: %d channels", b, ch)
	}
	if from < MinRate || from > MaxRate {
		return nil, fmt.Errorf("audio: go-audio buffer %T: sample rate %d Hz (supported: %d to %d)", b, from, MinRate, MaxRate)
	}
	var x []float32
	switch b := b.(type) {
	case *goaudio.Float32Buffer:
		if len(b.Data)%ch != 0 {
			return nil, fmt.Errorf("audio: go-audio buffer: %d samples are not whole frames of %d channels", len(b.Data), ch)
		}
		x = make([]float32, len(b.Data)/ch)
		for i := range x {
			var s float64
			for _, v := range b.Data[i*ch : (i+1)*ch] {
				s += float64(v)
			}
			v := float32(s / float64(ch))
			if math.IsNaN(s) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("audio: go-audio buffer: frame %d holds a NaN or an infinity", i)
			}
			x[i] = v
		}
	case *goaudio.IntBuffer:
		bits := b.SourceBitDepth
		if bits != 8 && bits != 16 && bits != 24 && bits != 32 {
			return nil, fmt.Errorf("audio: go-audio IntBuffer of SourceBitDepth %d (supported: 8, 16, 24, 32)", bits)
		}
		if len(b.Data)%ch != 0 {
			return nil, fmt.Errorf("audio: go-audio buffer: %d samples are not whole frames of %d channels", len(b.Data), ch)
		}
		half := int64(1) << (bits - 1)
		lo, hi, offset := -half, half-1, int64(0)
		if bits == 8 {
			lo, hi, offset = 0, 255, 128
		}
		scale := 1 / (float64(half) * float64(ch))
		x = make([]float32, len(b.Data)/ch)
		for i := range x {
			var s int64
			for j, v := range b.Data[i*ch : (i+1)*ch] {
				if int64(v) < lo || int64(v) > hi {
					return nil, fmt.Errorf("audio: go-audio buffer: sample %d of frame %d is %d, outside %d-bit PCM's %d..%d", j, i, v, bits, lo, hi)
				}
				s += int64(v) - offset
			}
			x[i] = float32(float64(s) * scale)
		}
	default:
		return nil, fmt.Errorf("audio: go-audio buffer %T: want *audio.Float32Buffer or *audio.IntBuffer", b)
	}
	if rate != 0 && rate != from && len(x) > 0 {
		x = Resample(x, from, rate)
	}
	return x, nil
}

// isNilBuffer reports whether b is a typed nil pointer of the buffer types
// FromBuffer knows.
func isNilBuffer(b goaudio.Buffer) bool {
	switch b := b.(type) {
	case *goaudio.Float32Buffer:
		return b == nil
	case *goaudio.IntBuffer:
		return b == nil
	}
	return false
}

// WriteBuffer appends the audio of a go-audio *Float32Buffer or *IntBuffer
// (see [FromBuffer]), mixed to mono, to the stream. The buffer's rate must
// be the stream's: a stream is resampled as a whole, so resample with
// FromBuffer first. It allocates the mono samples of each call.
func (w *Writer) WriteBuffer(b goaudio.Buffer) error {
	if b != nil && !isNilBuffer(b) && b.PCMFormat() != nil && b.PCMFormat().SampleRate != w.rate {
		return fmt.Errorf("audio: %s: a go-audio buffer at %d Hz written to a stream at %d Hz", w.name, b.PCMFormat().SampleRate, w.rate)
	}
	x, err := FromBuffer(b, 0)
	if err != nil {
		return err
	}
	return w.Write(x)
}
