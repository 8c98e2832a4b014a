package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/wavenet-go/wavenet-go/audio"
	"github.com/wavenet-go/wavenet-go/wavenet"
	"github.com/wavenet-go/wavenet-go/wavenet/train"
)

// Inputs. Every file a command reads is opened without blocking and must be
// a regular file: a FIFO with no writer would otherwise hang the command
// (and its signals), and a device such as /dev/zero would be read until the
// memory runs out. The audio and wavenet packages do the same for the WAV
// and model files they open; the files cmd opens itself (a config, a
// checkpoint) go through openInput.

// openInput opens the file at path for reading and returns it with its
// size, refusing anything that is not a regular file, named for what it is.
func openInput(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s: %s, not a regular file", path, fileKind(fi.Mode()))
	}
	return f, fi.Size(), nil
}

// fileKind names what a file that is not regular is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a " + m.Type().String() + " file"
}

// readInput reads the whole regular file at path, refusing one larger than
// max bytes (what is the kind of file, for the message).
func readInput(path string, max int64, what string) ([]byte, error) {
	f, size, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size > max {
		return nil, fmt.Errorf("%s: %d bytes, more than a %s can be (%s)", path, size, what, byteSize(max))
	}
	var b bytes.Buffer
	b.Grow(int(size))
	if _, err := b.ReadFrom(io.LimitReader(f, size)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b.Bytes(), nil
}

// readAudio reads the WAV file at path as audio.ReadFile does, after
// checking from its header that reading it at rate Hz fits within lim,
// with held bytes in use besides and perSample bytes more to come for each
// sample read (4 for its μ-law code); change says what the user can do
// otherwise.
func readAudio(path string, rate int, warn io.Writer, lim memoryLimit, held, perSample int64, change string) ([]float32, audio.Info, error) {
	info, err := audio.ReadInfo(path)
	if err != nil {
		return nil, info, err
	}
	what := "reading " + path
	if rate != 0 && rate != info.SampleRate {
		what = fmt.Sprintf("reading %s (%d samples at %d Hz) resampled to %d Hz", path, info.Frames, info.SampleRate, rate)
	}
	if err := lim.check(held+info.ReadBytes(rate)+perSample*info.Samples(rate), what, change); err != nil {
		return nil, info, err
	}
	return audio.ReadFile(path, rate, warn)
}

// notAModel says what the file at path is when it is a kind of file the
// commands know but not a model file (a WAV, a checkpoint, a PNG, a .npy, a
// JSON config), or "" for anything else, safetensors included.
func notAModel(path string) string {
	f, _, err := openInput(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var head [16]byte
	n, _ := io.ReadFull(f, head[:])
	b := head[:n]
	switch {
	case len(b) >= 9 && b[8] == '{':
		return "" // a safetensors header: the model reader says what is wrong
	case train.IsCheckpoint(b):
		// train writes MODEL.ckpt beside -o MODEL.safetensors.
		if model := strings.TrimSuffix(path, filepath.Ext(path)) + ".safetensors"; model != path {
			return "this is a training checkpoint, not a model file; use " + model
		}
		return "this is a training checkpoint, not a model file"
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "this is a WAV file, not a model file (.safetensors)"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "this is a PNG picture, not a model file (.safetensors)"
	case bytes.HasPrefix(b, []byte("\x93NUMPY")):
		return "this is a NumPy .npy array, not a model file (.safetensors)"
	case len(bytes.TrimLeft(b, " \t\r\n")) > 0 && bytes.TrimLeft(b, " \t\r\n")[0] == '{':
		return "this is a JSON file, not a model file (.safetensors); a config goes to train --config"
	}
	return ""
}

// loadModel reads the model file at path, or the built-in default model if
// path is empty. It returns the model, its metadata and a name for messages.
// A file that is some other kind the commands know is named for what it is.
func loadModel(path string) (*wavenet.Model, wavenet.Metadata, string, error) {
	if path == "" {
		return loadBuiltin()
	}
	m, meta, err := wavenet.Load(path)
	if err != nil {
		if what := notAModel(path); what != "" && !errors.Is(err, fs.ErrNotExist) {
			return nil, wavenet.Metadata{}, "", fmt.Errorf("wavenet: %s: %s", path, what)
		}
		return nil, wavenet.Metadata{}, "", err
	}
	return m, meta, path, nil
}
