package audio

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openRegular opens the file at path for reading and returns it with its
// size. It opens without blocking, since opening a FIFO that no one writes
// would wait forever (and ignore signals), then refuses anything but a
// regular file: a FIFO, a device (/dev/zero never ends), a directory, a
// socket. Symbolic links are followed. Errors are prefixed "audio: ".
func openRegular(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("audio: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("audio: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("audio: %s: %s, not a regular file", path, kindOf(fi.Mode()))
	}
	return f, fi.Size(), nil
}

// kindOf names what a file that is not regular is, for messages.
func kindOf(m fs.FileMode) string {
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
