package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Format is the sample format a [Writer] writes.
type Format int

const (
	PCM16   Format = iota + 1 // 16-bit signed PCM, clipped to [-1, 1)
	Float32                   // 32-bit IEEE float (format tag 3)
)

func (f Format) String() string {
	switch f {
	case PCM16:
		return "PCM16"
	case Float32:
		return "Float32"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// MaxSamples is the most samples a mono WAV file in format f holds: the
// sizes in its header are 32-bit, so its samples take at most 4 GiB less the
// header (PCM16: 2147483618 samples, 37 hours at 16 kHz; Float32: half
// that). A [Writer] refuses to write more. It is 0 for an unknown format.
func (f Format) MaxSamples() int64 {
	switch f {
	case PCM16:
		return maxDataBytes / 2
	case Float32:
		return maxDataBytes / 4
	}
	return 0
}

// ErrShortStream is wrapped by the error of Close on a sized Writer that
// got fewer samples than declared and whose output cannot seek back to
// correct the header (a pipe): the samples written are all flushed, and a
// reader at the other end sees a file cut short.
var ErrShortStream = errors.New("fewer samples than declared")

// Writer streams mono samples as a WAV file to an io.Writer, so a long
// generation need not sit in memory. Make one with [NewWriter] or
// [NewSizedWriter]; end it with Close. Where the bytes go (a file written
// atomically, a pipe, a device) is the caller's business.
//
// The header is written by hand rather than by go-audio/wav's Encoder: that
// Encoder needs an io.WriteSeeker (stdout is often a pipe), wraps int16 on
// overflow instead of clipping, has no float32 path (only raw bit patterns
// passed as ints) and encodes each sample with a binary.Write call.
type Writer struct {
	name   string
	format Format
	rate   int

	bw       *bufio.Writer
	seeker   io.WriteSeeker // where sizes are patched at Close; nil if not seekable
	start    int64          // offset of the header in seeker
	declared int64          // samples the header declares; −1 for the streaming placeholder

	frames int64
	buf    []byte
	codes  []float32 // WriteCodes's decoded samples
	err    error     // first error; sticky
	done   bool
}

// Header sizes and the offsets of the fields patched at Close.
const (
	pcmHeaderLen   = 44 // RIFF(12) fmt(8+16) data(8)
	floatHeaderLen = 58 // RIFF(12) fmt(8+18) fact(8+4) data(8)
	maxDataBytes   = math.MaxUint32 - floatHeaderLen
)

// NewWriter starts a WAV stream of mono samples at rate Hz in format on out,
// when the number of samples is not known in advance. If out is an
// io.WriteSeeker that can seek (a regular file), Close goes back and fills in
// the sizes; otherwise (a pipe) the sizes stay 0xFFFFFFFF, the placeholder
// streaming writers use, which readers such as sox, ffmpeg and [ReadFile]
// accept with a warning. Close does not close out.
func NewWriter(out io.Writer, rate int, format Format) (*Writer, error) {
	return newWriter(out, rate, format, -1)
}

// NewSizedWriter is [NewWriter] for a stream of exactly frames samples: the
// header carries the exact sizes from the first byte, so that a reader at the
// other end of a pipe sees a complete, ordinary file. Writing more samples
// than frames is an error, and so is closing after fewer where out cannot
// seek back to correct the header.
func NewSizedWriter(out io.Writer, rate int, format Format, frames int64) (*Writer, error) {
	if frames < 0 {
		return nil, fmt.Errorf("audio: output: %d samples declared", frames)
	}
	return newWriter(out, rate, format, frames)
}

func newWriter(out io.Writer, rate int, format Format, declared int64) (*Writer, error) {
	const name = "output"
	if rate < MinRate || rate > MaxRate {
		return nil, fmt.Errorf("audio: %s: cannot write at %d Hz (supported: %d to %d)", name, rate, MinRate, MaxRate)
	}
	if format != PCM16 && format != Float32 {
		return nil, fmt.Errorf("audio: %s: unknown format %v", name, format)
	}
	w := &Writer{name: name, format: format, rate: rate, declared: declared, bw: bufio.NewWriterSize(out, 1<<16)}
	if declared*w.bytesPerSample() > maxDataBytes {
		return nil, fmt.Errorf("audio: %s: %d samples do not fit a WAV file (at most %d bytes of samples)", name, declared, int64(maxDataBytes))
	}
	if s, ok := out.(io.WriteSeeker); ok {
		if pos, err := s.Seek(0, io.SeekCurrent); err == nil {
			w.seeker, w.start = s, pos
		}
	}
	size := uint32(math.MaxUint32)
	if declared >= 0 {
		size = uint32(declared * w.bytesPerSample())
	}
	w.bw.Write(w.header(size))
	return w, nil
}

// header returns the WAV header for dataBytes of samples (math.MaxUint32:
// unknown, the streaming placeholder).
func (w *Writer) header(dataBytes uint32) []byte {
	le := binary.LittleEndian
	tag, bits, hlen := uint16(tagPCM), uint16(16), uint32(pcmHeaderLen)
	if w.format == Float32 {
		tag, bits, hlen = tagFloat, 32, floatHeaderLen
	}
	riff := uint32(math.MaxUint32)
	if dataBytes != math.MaxUint32 {
		riff = hlen - 8 + dataBytes
	}
	align := bits / 8
	h := make([]byte, 0, hlen)
	h = append(h, "RIFF"...)
	h = le.AppendUint32(h, riff)
	h = append(h, "WAVEfmt "...)
	if w.format == Float32 {
		h = le.AppendUint32(h, 18)
	} else {
		h = le.AppendUint32(h, 16)
	}
	h = le.AppendUint16(h, tag)
	h = le.AppendUint16(h, 1) // channels
	h = le.AppendUint32(h, uint32(w.rate))
	h = le.AppendUint32(h, uint32(w.rate)*uint32(align))
	h = le.AppendUint16(h, align)
	h = le.AppendUint16(h, bits)
	if w.format == Float32 {
		h = le.AppendUint16(h, 0) // cbSize
		h = append(h, "fact"...)
		h = le.AppendUint32(h, 4)
		frames := dataBytes / 4
		if dataBytes == math.MaxUint32 {
			frames = math.MaxUint32
		}
		h = le.AppendUint32(h, frames)
	}
	h = append(h, "data"...)
	h = le.AppendUint32(h, dataBytes)
	return h
}

func (w *Writer) bytesPerSample() int64 {
	if w.format == Float32 {
		return 4
	}
	return 2
}

// Frames returns the number of samples written so far.
func (w *Writer) Frames() int64 { return w.frames }

// Write appends samples. PCM16 rounds x·32768 to the nearest integer and
// clips it to [-32768, 32767] (never wraps); Float32 stores x as is, except
// that ±Inf becomes ±1 (so [ReadFile] accepts the file). NaN is written as 0
// in both. After an error, every call returns that error.
func (w *Writer) Write(samples []float32) error {
	if w.done {
		return fmt.Errorf("audio: %s: write after Close", w.name)
	}
	if w.err != nil {
		return w.err
	}
	bps := w.bytesPerSample()
	if w.declared >= 0 && w.frames+int64(len(samples)) > w.declared {
		w.err = fmt.Errorf("audio: %s: more than the %d samples declared", w.name, w.declared)
		return w.err
	}
	if (w.frames+int64(len(samples)))*bps > maxDataBytes {
		w.err = fmt.Errorf("audio: %s: more than %d bytes of samples do not fit a WAV file", w.name, int64(maxDataBytes))
		return w.err
	}
	n := len(samples) * int(bps)
	if cap(w.buf) < n {
		w.buf = make([]byte, n)
	}
	b := w.buf[:n]
	if w.format == Float32 {
		for i, x := range samples {
			switch {
			case x != x:
				x = 0
			case x > math.MaxFloat32:
				x = 1
			case x < -math.MaxFloat32:
				x = -1
			}
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
	} else {
		for i, x := range samples {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(clip16(x)))
		}
	}
	if _, err := w.bw.Write(b); err != nil {
		w.err = fmt.Errorf("audio: %s: %w", w.name, err)
		return w.err
	}
	w.frames += int64(len(samples))
	return nil
}

// WriteCodes appends μ-law codes of q classes (see [MuLawDecode]) as their
// samples: what a model generates, written as sound. A code outside
// [0, q) is an error, and nothing of that call is written. With a Writer's
// own buffers reused, it allocates only when a call is longer than any
// before.
func (w *Writer) WriteCodes(codes []int32, q int) error {
	if q < 2 {
		return fmt.Errorf("audio: %s: μ-law codes of %d classes", w.name, q)
	}
	for i, c := range codes {
		if c < 0 || int(c) >= q {
			return fmt.Errorf("audio: %s: code %d at %d is outside [0, %d)", w.name, c, i, q)
		}
	}
	w.codes = MuLawDecode(w.codes, codes, q)
	return w.Write(w.codes)
}

// clip16 is x·32768 rounded to the nearest integer (halves away from zero)
// and clipped to the int16 range; NaN gives 0.
func clip16(x float32) int16 {
	v := float64(x) * 32768
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	case v != v:
		return 0
	}
	return int16(math.Round(v))
}

// Close finishes the output: it flushes the samples and, where the output
// can seek, fills in the header's sizes. Calling Close again returns the
// first result.
func (w *Writer) Close() error {
	if w.done {
		return w.err
	}
	w.done = true
	if w.err == nil {
		w.err = w.finish()
	}
	return w.err
}

func (w *Writer) finish() error {
	wrap := func(err error) error { return fmt.Errorf("audio: %s: %w", w.name, err) }
	if err := w.bw.Flush(); err != nil {
		return wrap(err)
	}
	if w.seeker == nil {
		if w.declared >= 0 && w.frames != w.declared {
			return fmt.Errorf("audio: %s: %w: %d samples written, but the header declares %d and the output cannot seek back to correct it", w.name, ErrShortStream, w.frames, w.declared)
		}
		return nil
	}
	if _, err := w.seeker.Seek(w.start, io.SeekStart); err != nil {
		return wrap(err)
	}
	if _, err := w.seeker.Write(w.header(uint32(w.frames * w.bytesPerSample()))); err != nil {
		return wrap(err)
	}
	if _, err := w.seeker.Seek(0, io.SeekEnd); err != nil {
		return wrap(err)
	}
	return nil
}
