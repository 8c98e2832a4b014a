package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// runLock is an exclusive lock on the outputs of a training run, held for
// the run's lifetime, so that two runs writing the same -o cannot take
// turns overwriting each other's checkpoint: the second is refused, naming
// the first one's process. It is an flock(2) on a file beside the model,
// .MODEL.wavenet-lock, which holds the process id; the kernel drops the
// lock when the process ends, however it ends, so a lock file left by a
// killed run locks nothing.
type runLock struct {
	f    *os.File
	path string
}

// lockSuffix ends the name of a lock file, after "." and the model's name.
const lockSuffix = ".wavenet-lock"

// lockPath is the lock file of the run writing model.
func lockPath(model string) string {
	return filepath.Join(filepath.Dir(model), "."+filepath.Base(model)+lockSuffix)
}

// lockRun takes the lock of the run writing model, or fails saying which
// process holds it.
func lockRun(model string) (*runLock, error) {
	path := lockPath(model)
	for range 10 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot take the lock %s: %w", model, path, unwrapPath(err))
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			b := make([]byte, 32)
			n, _ := f.ReadAt(b, 0)
			f.Close()
			if !errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, fmt.Errorf("%s: cannot take the lock %s: %w", model, path, err)
			}
			holder := "another process"
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n]))); err == nil {
				holder = "process " + strconv.Itoa(pid)
			}
			return nil, fmt.Errorf("%s is being trained by %s (it holds %s): wait for it to finish or stop it, or give another -o", model, holder, path)
		}
		// The holder before us may have removed the file between our open
		// and our lock: then we hold a lock on a file no one else sees.
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(held, named) {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		return &runLock{f: f, path: path}, nil
	}
	return nil, fmt.Errorf("%s: cannot take the lock %s: it keeps being replaced", model, path)
}

// release removes the lock file and drops the lock.
func (l *runLock) release() {
	os.Remove(l.path) // while still holding it, so no one else's lock file goes
	l.f.Close()
}
