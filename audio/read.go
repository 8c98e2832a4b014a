package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/go-audio/wav"
)

// Errors returned (wrapped, with the file name and details) by [ReadFile] and
// [Decode]; test them with errors.Is.
var (
	ErrNotWAVE     = errors.New("not a RIFF/WAVE file")
	ErrMalformed   = errors.New("malformed WAV")
	ErrUnsupported = errors.New("unsupported WAV")
	ErrEmpty       = errors.New("no audio")
)

// Info describes the audio as stored in the file, before mixdown and
// resampling.
type Info struct {
	Path       string        // the name given to ReadFile or Decode
	SampleRate int           // Hz, as stored
	Channels   int           // as stored; the samples returned are mono
	BitDepth   int           // bits per sample as stored (container size)
	Float      bool          // IEEE float samples rather than integer PCM
	Frames     int           // whole frames read (one sample per channel each)
	Duration   time.Duration // Frames / SampleRate
}

// Limits on what the reader accepts.
const (
	MinRate = 1000    // Hz; lowest sample rate read, resampled to or from
	MaxRate = 1000000 // Hz; highest

	maxFmtSize = 256     // bytes; a fmt chunk is 16, 18 or 40 in practice
	readBlock  = 1 << 18 // bytes read from the file at a time
)

// ReadFile reads the WAV file at path and returns its audio mixed down to mono
// and resampled to rate Hz (rate 0 keeps the file's rate), with samples
// nominally in [-1, 1) (see the package comment).
//
// Problems the file survives are reported on warn (nil discards them), each
// line naming the file: a data chunk that claims more bytes than the file has
// (streaming writers such as `espeak-ng --stdout` leave a placeholder there)
// and a file cut in the middle of its data. In both cases the whole frames
// present are kept. Anything else wrong is an error wrapping one of
// [ErrNotWAVE], [ErrMalformed], [ErrUnsupported] or [ErrEmpty].
func ReadFile(path string, rate int, warn io.Writer) ([]float32, Info, error) {
	f, size, err := openRegular(path)
	if err != nil {
		return nil, Info{Path: path}, err
	}
	defer f.Close()
	return Decode(f, size, path, rate, warn)
}

// ReadInfo reads the header of the WAV file at path, and not its samples:
// it returns the Info that ReadFile would, with Frames the whole frames the
// file holds, so that a caller can see what reading it will take
// ([Info.ReadBytes]) before doing it. Errors are ReadFile's for a bad header.
func ReadInfo(path string) (Info, error) {
	f, size, err := openRegular(path)
	if err != nil {
		return Info{Path: path}, err
	}
	defer f.Close()
	h, err := readHeader(f, size, path, io.Discard)
	if err != nil {
		return Info{Path: path}, err
	}
	frames := h.dataLen / int64(h.blockAlign)
	return Info{Path: path, SampleRate: h.rate, Channels: h.channels, BitDepth: h.bits, Float: h.float,
		Frames: int(frames), Duration: time.Duration(float64(frames) / float64(h.rate) * float64(time.Second))}, nil
}

// ReadBytes is about what [ReadFile] allocates to read the file that i
// describes at rate Hz (0: the file's own rate): 4 bytes per frame for the
// mono samples, 4 per sample for the resampled ones, and up to 2 MiB of read
// buffer and resampling table.
func (i Info) ReadBytes(rate int) int64 {
	n := int64(i.Frames)
	out := int64(0)
	if rate != 0 && rate != i.SampleRate {
		out = i.Samples(rate)
	}
	return 4*(n+out) + 2<<20
}

// Samples is the number of samples [ReadFile] returns for the file that i
// describes at rate Hz (0: the file's own rate): Frames, resampled.
func (i Info) Samples(rate int) int64 {
	n := int64(i.Frames)
	if rate == 0 || rate == i.SampleRate || i.SampleRate <= 0 {
		return n
	}
	return (n*int64(rate) + int64(i.SampleRate) - 1) / int64(i.SampleRate) // Resample's length
}

// Decode is [ReadFile] for a WAV held in r, which must hold size bytes; name
// is used in errors, warnings and Info.Path. Every allocation is bounded
// before anything is read into it: by size (times the resampling ratio, at
// most MaxRate/MinRate) plus at most 1 MiB of resampler table.
func Decode(r io.ReaderAt, size int64, name string, rate int, warn io.Writer) ([]float32, Info, error) {
	info := Info{Path: name}
	if rate != 0 && (rate < MinRate || rate > MaxRate) {
		return nil, info, fmt.Errorf("audio: %s: cannot resample to %d Hz (supported: %d to %d)", name, rate, MinRate, MaxRate)
	}
	if warn == nil {
		warn = io.Discard
	}
	h, err := readHeader(r, size, name, warn)
	if err != nil {
		return nil, info, err
	}
	info.SampleRate, info.Channels, info.BitDepth, info.Float = h.rate, h.channels, h.bits, h.float
	frames := h.dataLen / int64(h.blockAlign)
	if frames == 0 {
		return nil, info, fmt.Errorf("audio: %s: %w: the data chunk holds no whole frame", name, ErrEmpty)
	}
	// frames <= size, so the slices below are bounded by the file; but on a
	// 32-bit platform a file of a few GB holds more samples than a slice
	// can (4 bytes each, at most 4 GiB), and make would panic.
	out := frames
	if rate != 0 && rate != h.rate {
		out = (frames*int64(rate) + int64(h.rate) - 1) / int64(h.rate) // Resample's length
	}
	if n := max(frames, out); n > math.MaxInt/2 {
		return nil, info, fmt.Errorf("audio: %s: %w: %d samples, more than this %d-bit platform can hold", name, ErrUnsupported, n, strconv.IntSize)
	}
	x := make([]float32, frames)
	blockFrames := max(readBlock/h.blockAlign, 1)
	buf := make([]byte, min(int64(blockFrames), frames)*int64(h.blockAlign))
	dec := h.decoder()
	for done := int64(0); done < frames; {
		n := min(int64(blockFrames), frames-done)
		b := buf[:n*int64(h.blockAlign)]
		off := h.dataOff + done*int64(h.blockAlign)
		if err := readFull(r, b, off); err != nil {
			return nil, info, fmt.Errorf("audio: %s: reading %d bytes at byte %d: %w", name, len(b), off, err)
		}
		if bad := dec(x[done:done+n], b, h.channels); bad >= 0 {
			return nil, info, fmt.Errorf("audio: %s: %w: frame %d holds a NaN, an infinity or a value beyond float32 range", name, ErrMalformed, done+int64(bad))
		}
		done += n
	}
	info.Frames = int(frames)
	info.Duration = time.Duration(float64(frames) / float64(h.rate) * float64(time.Second))
	if rate != 0 && rate != h.rate {
		x = Resample(x, h.rate, rate)
	}
	return x, info, nil
}

// header is what readHeader learns about a file.
type header struct {
	channels   int
	rate       int   // Hz
	bits       int   // container bits per sample
	float      bool  // IEEE float rather than integer PCM
	blockAlign int   // bytes per frame
	dataOff    int64 // byte offset of the first sample
	dataLen    int64 // bytes of sample data present in the file (<= declared)
}

// readHeader walks the RIFF chunks of a WAV file by hand, checking each chunk
// size against the real file size before reading anything, and hands only the
// bounded fmt chunk to go-audio/wav for decoding.
//
// The walk is hand-written because go-audio/riff trusts chunk sizes: it
// allocates whatever a fmt chunk claims (a claim of 0x7FFFFFF0 bytes ends the
// process), ignores errors reading a chunk size, and rounds odd data sizes up
// so the pad byte becomes a sample. The WAVE_FORMAT_EXTENSIBLE fields and the
// block alignment are read here too, since go-audio drops them.
func readHeader(r io.ReaderAt, size int64, name string, warn io.Writer) (header, error) {
	var h header
	var b [12]byte
	if size < 12 {
		return h, fmt.Errorf("audio: %s: %w: %d bytes is too short for a WAV header", name, ErrNotWAVE, size)
	}
	if err := readFull(r, b[:12], 0); err != nil {
		return h, fmt.Errorf("audio: %s: %w", name, err)
	}
	if id := string(b[0:4]); (id == "RIFX" || id == "RF64") && string(b[8:12]) == "WAVE" {
		what := map[string]string{"RIFX": "big-endian (RIFX) WAV", "RF64": "RF64 (WAV over 4 GiB)"}[id]
		return h, fmt.Errorf("audio: %s: %w: %s; convert it to a RIFF WAV (e.g. with sox)", name, ErrUnsupported, what)
	}
	if string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return h, fmt.Errorf("audio: %s: %w: it starts with %q, not \"RIFF....WAVE\"", name, ErrNotWAVE, printable(b[:]))
	}
	var fmtBody [maxFmtSize]byte
	haveFmt := false
	var prev chunkHeader // the chunk before the one at off, if any
	for off := int64(12); ; {
		if off+8 > size {
			if !haveFmt {
				return h, fmt.Errorf("audio: %s: %w: no fmt chunk", name, ErrMalformed)
			}
			return h, fmt.Errorf("audio: %s: %w: no data chunk", name, ErrEmpty)
		}
		c, err := readChunkHeader(r, off, size)
		if err != nil {
			return h, fmt.Errorf("audio: %s: %w", name, err)
		}
		if err := checkPadded(r, prev, c, size); err != nil {
			return h, fmt.Errorf("audio: %s: %w", name, err)
		}
		id, csize := c.id, c.size
		body := off + 8
		left := size - body
		switch id {
		case "fmt ":
			if haveFmt {
				return h, fmt.Errorf("audio: %s: %w: a second fmt chunk at byte %d", name, ErrMalformed, off)
			}
			if csize < 16 || csize > maxFmtSize {
				return h, fmt.Errorf("audio: %s: %w: fmt chunk claims %d bytes (a fmt chunk is 16 to %d)", name, ErrMalformed, csize, maxFmtSize)
			}
			if csize > left {
				return h, fmt.Errorf("audio: %s: %w: fmt chunk claims %d bytes but the file ends after %d", name, ErrMalformed, csize, left)
			}
			fb := fmtBody[:csize]
			if err := readFull(r, fb, body); err != nil {
				return h, fmt.Errorf("audio: %s: reading fmt chunk: %w", name, err)
			}
			if err := h.parseFmt(fb, name); err != nil {
				return h, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return h, fmt.Errorf("audio: %s: %w: the data chunk comes before the fmt chunk", name, ErrMalformed)
			}
			h.dataOff = body
			h.dataLen = min(csize, left)
			frames := h.dataLen / int64(h.blockAlign)
			partial := h.dataLen - frames*int64(h.blockAlign)
			switch {
			case csize > left && csize >= placeholderSize:
				fmt.Fprintf(warn, "audio: warning: %s: the data chunk claims %d bytes but the file holds %d (a streaming writer such as espeak-ng --stdout leaves a placeholder there); reading the %d whole frames present\n",
					name, csize, left, frames)
			case csize > left:
				fmt.Fprintf(warn, "audio: warning: %s: the file is cut %d bytes into a %d-byte data chunk (truncated?); reading the %d whole frames present\n",
					name, left, csize, frames)
			case partial != 0:
				fmt.Fprintf(warn, "audio: warning: %s: the data chunk's %d bytes are not a whole number of %d-byte frames; dropping the last %d bytes\n",
					name, csize, h.blockAlign, partial)
			}
			if csize <= left {
				if at, n, ok := secondData(r, body+csize+csize&1, size); ok {
					fmt.Fprintf(warn, "audio: warning: %s: a second data chunk, of %d bytes at byte %d, is ignored; only the first, at byte %d, is read\n",
						name, n, at, off)
				}
			}
			return h, nil
		default:
			if csize > left {
				return h, fmt.Errorf("audio: %s: %w: chunk %q at byte %d claims %d bytes but the file ends after %d", name, ErrMalformed, printable([]byte(id)), off, csize, left)
			}
		}
		prev = c
		off = body + csize + csize&1
	}
}

// chunkHeader is a RIFF chunk's id and size, and where it starts.
type chunkHeader struct {
	off  int64 // byte offset of the id; 0 for no chunk
	id   string
	size int64 // as declared
}

// readChunkHeader reads the chunk header at off, which has 8 bytes of the
// file's size bytes from it on.
func readChunkHeader(r io.ReaderAt, off, size int64) (chunkHeader, error) {
	var b [8]byte
	if err := readFull(r, b[:], off); err != nil {
		return chunkHeader{}, fmt.Errorf("reading chunk header at byte %d: %w", off, err)
	}
	return chunkHeader{off: off, id: string(b[0:4]), size: int64(binary.LittleEndian.Uint32(b[4:8]))}, nil
}

// fourCC reports whether id looks like a chunk id: four printable ASCII
// characters.
func fourCC(id string) bool {
	for i := range len(id) {
		if id[i] < 0x20 || id[i] > 0x7e {
			return false
		}
	}
	return len(id) == 4
}

// checkPadded catches a chunk of odd size written without the pad byte
// RIFF requires after it (prev), which makes the header read after it, c,
// one byte late: garbage as an id, or a size past the end. If a plausible
// header starts one byte earlier, the file is refused naming the chunk at
// fault rather than the garbage.
func checkPadded(r io.ReaderAt, prev, c chunkHeader, size int64) error {
	if prev.off == 0 || prev.size%2 == 0 || (fourCC(c.id) && c.size <= size-c.off-8) {
		return nil
	}
	early, err := readChunkHeader(r, c.off-1, size)
	if err != nil || !fourCC(early.id) || early.size > size-early.off-8 {
		return nil
	}
	return fmt.Errorf("%w: chunk %q at byte %d has an odd size, %d bytes, but no pad byte after it (the next chunk, %q, starts at byte %d, not %d)",
		ErrMalformed, printable([]byte(prev.id)), prev.off, prev.size, printable([]byte(early.id)), early.off, c.off)
}

// maxChunksAfterData bounds the chunks secondData looks at after the first
// data chunk, so that a file of many tiny chunks reads quickly.
const maxChunksAfterData = 1024

// secondData looks for a data chunk among the chunks from off on, and
// returns where it is and its declared size.
func secondData(r io.ReaderAt, off, size int64) (at, n int64, ok bool) {
	for range maxChunksAfterData {
		if off+8 > size {
			return 0, 0, false
		}
		c, err := readChunkHeader(r, off, size)
		if err != nil || !fourCC(c.id) {
			return 0, 0, false
		}
		if c.id == "data" {
			return c.off, c.size, true
		}
		off += 8 + c.size + c.size&1
	}
	return 0, 0, false
}

// readFull reads len(b) bytes of r at off. An io.ReaderAt may return io.EOF
// together with a full read that ends at the end of its data; that is
// success here, and a short read is always an error.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// placeholderSize is the smallest data chunk size taken for a streaming
// writer's placeholder rather than a real size (espeak-ng writes 0x7FFFF000,
// sox on a pipe 0x7FFFF0xx, ffmpeg 0xFFFFFFFF).
const placeholderSize = 0x7FFF0000

// Format tags (wFormatTag) of the fmt chunk.
const (
	tagPCM        = 0x0001
	tagFloat      = 0x0003
	tagExtensible = 0xFFFE
)

// extensibleGUIDTail is bytes 2..15 of the KSDATAFORMAT_SUBTYPE GUIDs for PCM
// and IEEE float; bytes 0..1 hold the format tag.
const extensibleGUIDTail = "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"

// parseFmt fills h from a fmt chunk body of 16 to maxFmtSize bytes. The basic
// fields are decoded by go-audio/wav from an in-memory copy whose size is
// already checked, so go-audio never sees the file itself.
func (h *header) parseFmt(body []byte, name string) error {
	hdr := make([]byte, 0, 20+len(body))
	hdr = append(hdr, "RIFF"...)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(12+len(body)))
	hdr = append(hdr, "WAVEfmt "...)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(len(body)))
	hdr = append(hdr, body...)
	d := wav.NewDecoder(bytes.NewReader(hdr))
	d.ReadInfo()
	if err := d.Err(); err != nil {
		return fmt.Errorf("audio: %s: %w: fmt chunk: %v", name, ErrMalformed, err)
	}
	tag := int(d.WavAudioFormat)
	h.channels = int(d.NumChans)
	h.rate = int(d.SampleRate)
	h.bits = int(d.BitDepth)
	h.blockAlign = int(binary.LittleEndian.Uint16(body[12:14])) // not kept by go-audio

	if tag == tagExtensible {
		// cbSize (2 bytes), valid bits (2), channel mask (4), sub-format GUID (16).
		if len(body) < 40 || binary.LittleEndian.Uint16(body[16:18]) < 22 {
			return fmt.Errorf("audio: %s: %w: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes lacks its extension", name, ErrMalformed, len(body))
		}
		if string(body[26:40]) != extensibleGUIDTail {
			return fmt.Errorf("audio: %s: %w: WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID", name, ErrUnsupported)
		}
		tag = int(binary.LittleEndian.Uint16(body[24:26]))
		if valid := int(binary.LittleEndian.Uint16(body[18:20])); valid == 0 || valid > h.bits {
			return fmt.Errorf("audio: %s: %w: %d valid bits in a %d-bit sample", name, ErrMalformed, valid, h.bits)
		}
		// Fewer valid bits than the container (20 in 24) are left-justified,
		// so scaling by the container size is still right.
	}
	switch {
	case h.channels == 0:
		return fmt.Errorf("audio: %s: %w: zero channels", name, ErrMalformed)
	case h.rate == 0:
		return fmt.Errorf("audio: %s: %w: sample rate 0", name, ErrMalformed)
	case h.rate < MinRate || h.rate > MaxRate:
		return fmt.Errorf("audio: %s: %w: sample rate %d Hz (supported: %d to %d)", name, ErrUnsupported, h.rate, MinRate, MaxRate)
	}
	switch tag {
	case tagPCM:
		if h.bits != 8 && h.bits != 16 && h.bits != 24 && h.bits != 32 {
			return fmt.Errorf("audio: %s: %w: %d-bit PCM (supported: 8, 16, 24, 32)", name, ErrUnsupported, h.bits)
		}
	case tagFloat:
		if h.bits != 32 && h.bits != 64 {
			return fmt.Errorf("audio: %s: %w: %d-bit float (supported: 32, 64)", name, ErrUnsupported, h.bits)
		}
		h.float = true
	default:
		return fmt.Errorf("audio: %s: %w: codec %s (supported: PCM and IEEE float)", name, ErrUnsupported, codecName(tag))
	}
	if want := h.channels * h.bits / 8; h.blockAlign != want {
		return fmt.Errorf("audio: %s: %w: block align %d, but %d channels of %d bits make %d", name, ErrMalformed, h.blockAlign, h.channels, h.bits, want)
	}
	return nil
}

func codecName(tag int) string {
	names := map[int]string{
		0x0002: "Microsoft ADPCM", 0x0006: "A-law", 0x0007: "μ-law", 0x0011: "IMA ADPCM",
		0x0031: "GSM 6.10", 0x0050: "MPEG", 0x0055: "MPEG layer 3",
	}
	if n, ok := names[tag]; ok {
		return fmt.Sprintf("0x%04x (%s)", tag, n)
	}
	return fmt.Sprintf("0x%04x", tag)
}

// printable returns b with bytes outside printable ASCII replaced by '.'.
func printable(b []byte) string {
	s := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		s[i] = c
	}
	return string(s)
}

// decodeFunc writes one mono sample per frame of src into dst (len(dst)
// frames of ch channels each, the channel average) and returns the index of
// the first frame holding a NaN, an infinity or (float64) a value beyond
// float32 range, or -1.
type decodeFunc func(dst []float32, src []byte, ch int) int

// decoder returns the sample decoder for h's format. Samples are decoded here
// rather than with go-audio's PCMBuffer, which returns float samples as raw
// bit patterns (go-audio/wav#8) and decodes one sample per function call.
func (h *header) decoder() decodeFunc {
	switch {
	case h.float && h.bits == 32:
		return decodeF32
	case h.float:
		return decodeF64
	case h.bits == 8:
		return decodeU8
	case h.bits == 16:
		return decodeS16
	case h.bits == 24:
		return decodeS24
	default:
		return decodeS32
	}
}

// The integer decoders sum the channels exactly in int64 and scale once:
// mono = Σ_c s_c / (ch · 2^(bits-1)).

func decodeU8(dst []float32, src []byte, ch int) int {
	scale := 1 / (128 * float64(ch))
	for i := range dst {
		var s int64
		for _, v := range src[i*ch : (i+1)*ch] {
			s += int64(v) - 128
		}
		dst[i] = float32(float64(s) * scale)
	}
	return -1
}

func decodeS16(dst []float32, src []byte, ch int) int {
	scale := 1 / (32768 * float64(ch))
	for i := range dst {
		var s int64
		f := src[i*2*ch : (i+1)*2*ch]
		for j := 0; j+1 < len(f); j += 2 {
			s += int64(int16(uint16(f[j]) | uint16(f[j+1])<<8))
		}
		dst[i] = float32(float64(s) * scale)
	}
	return -1
}

func decodeS24(dst []float32, src []byte, ch int) int {
	scale := 1 / (8388608 * float64(ch))
	for i := range dst {
		var s int64
		f := src[i*3*ch : (i+1)*3*ch]
		for j := 0; j+2 < len(f); j += 3 {
			s += int64(int32(uint32(f[j])<<8|uint32(f[j+1])<<16|uint32(f[j+2])<<24) >> 8)
		}
		dst[i] = float32(float64(s) * scale)
	}
	return -1
}

func decodeS32(dst []float32, src []byte, ch int) int {
	scale := 1 / (2147483648 * float64(ch))
	for i := range dst {
		var s int64
		f := src[i*4*ch : (i+1)*4*ch]
		for j := 0; j+3 < len(f); j += 4 {
			s += int64(int32(binary.LittleEndian.Uint32(f[j:])))
		}
		dst[i] = float32(float64(s) * scale)
	}
	return -1
}

func decodeF32(dst []float32, src []byte, ch int) int {
	for i := range dst {
		var s float64
		f := src[i*4*ch : (i+1)*4*ch]
		for j := 0; j+3 < len(f); j += 4 {
			s += float64(math.Float32frombits(binary.LittleEndian.Uint32(f[j:])))
		}
		v := float32(s / float64(ch))
		if math.IsNaN(s) || math.IsInf(float64(v), 0) {
			return i
		}
		dst[i] = v
	}
	return -1
}

func decodeF64(dst []float32, src []byte, ch int) int {
	for i := range dst {
		var s float64
		f := src[i*8*ch : (i+1)*8*ch]
		for j := 0; j+7 < len(f); j += 8 {
			s += math.Float64frombits(binary.LittleEndian.Uint64(f[j:]))
		}
		v := float32(s / float64(ch))
		if math.IsNaN(s) || math.IsInf(float64(v), 0) {
			return i
		}
		dst[i] = v
	}
	return -1
}
