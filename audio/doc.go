// Package audio moves sound between WAV files and the float32 samples the
// engine works on.
//
// Reading ([ReadFile], [Decode]) accepts PCM at 8 (unsigned), 16, 24 and 32
// bits, IEEE float at 32 and 64 bits, and WAVE_FORMAT_EXTENSIBLE with a PCM or
// float sub-format; any number of channels is averaged to mono and any sample
// rate is resampled to the requested one by a band-limited (Kaiser-windowed
// sinc) resampler ([Resample]). Malformed files are refused with an error that
// names the file, and nothing in a file can make the reader allocate more than
// a small multiple of the file's own size.
//
// Writing ([NewWriter], [NewSizedWriter]) streams 16-bit PCM or 32-bit float
// to any io.Writer, with exact sizes in the header when the output can seek
// or the length is known in advance. [MuLawEncode] and [MuLawDecode]
// implement the μ-law companding of the model format spec.
//
// [Mel] computes the log-mel features of the model format spec (periodic
// Hann frames of four hops, magnitude spectrum, HTK mel triangles, the fixed
// log shift and scale) that a model conditions on locally; they agree with
// the spec's reference implementation to float32 rounding. [NewSpectrogram]
// computes a short-time power spectrum in dB, for pictures of a clip.
//
// Features for local conditioning travel as NumPy .npy files of float32
// [rows, cols] ([ReadNpy], [WriteNpy]), the format vocoder pipelines
// exchange: '<f4' in two dimensions only, in C or Fortran order, with every
// size checked against the file before anything is allocated.
//
// The go-audio packages (github.com/go-audio/audio and those built on it:
// wav, aiff, transforms, generators) pass sound around as
// *audio.Float32Buffer and *audio.IntBuffer. [ToFloat32Buffer] and
// [ToIntBuffer] put samples of this package into such buffers, [FromBuffer]
// and [Writer.WriteBuffer] take them back (mixed to mono, resampled if
// asked), so that a clip read here can go through go-audio tools and their
// output can be scored, trained on or written here. The buffers follow
// go-audio's conventions: a Float32Buffer holds values in [-1, 1], an
// IntBuffer PCM integers of SourceBitDepth bits, signed for 16, 24 and 32
// bits and unsigned (offset 128) for 8, as go-audio/wav reads and writes
// them.
//
// Samples are float32 in [-1, 1): PCM is scaled by 2^(bits-1) (8-bit PCM is
// unsigned, so 128 is subtracted first). Float files and the resampler's
// ringing can put values slightly outside that range; [MuLawEncode] clips.
package audio
