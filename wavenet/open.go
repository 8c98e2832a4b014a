package wavenet

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
// socket. Symbolic links are followed. Errors are prefixed "wavenet: ".
func openRegular(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("wavenet: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("wavenet: %w", err)
	}
	if m := fi.Mode(); !m.IsRegular() {
		f.Close()
		what := "a " + m.Type().String() + " file"
		switch {
		case m.IsDir():
			what = "a directory"
		case m&fs.ModeNamedPipe != 0:
			what = "a FIFO (named pipe)"
		case m&fs.ModeCharDevice != 0:
			what = "a character device"
		}
		return nil, 0, fmt.Errorf("wavenet: %s: %s, not a regular file", path, what)
	}
	return f, fi.Size(), nil
}
