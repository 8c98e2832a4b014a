package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Output files. Every file a command writes goes through createOutput (or
// writeOutput), which decides how by what the path is:
//
//   - a regular file, or nothing yet: written atomically. The bytes go to a
//     temporary file in the same directory, which Commit syncs, renames over
//     the path and makes durable by syncing the directory; an existing
//     file's permissions are kept. Until Commit the path holds what it held.
//   - a character device or a FIFO (/dev/null, a named pipe): written
//     straight to it, since renaming over it would replace the device with
//     a regular file.
//   - a symbolic link: followed, and its target written as above.
//   - anything else (a directory, a block device, a socket): refused.
//
// A temporary file is named .NAME.wavenet-tmp-PID. It is removed when the
// output is aborted, when the context given to createOutput is done (a
// signal), and, if the process was killed before either, by the next run
// that writes NAME, which removes every such file whose process is gone.

// tmpMarker sits between a file's name and the writer's process id in the
// name of its temporary file.
const tmpMarker = ".wavenet-tmp-"

// output is one output file being written. It is an io.Writer, and an
// io.Seeker where the file can seek (so audio's WAV writer can patch its
// header); Commit keeps what was written, Abort drops it.
type output struct {
	name string // the path as given, for messages
	dst  string // where the bytes end up: name, symbolic links followed
	f    *os.File
	tmp  string // the temporary file Commit renames to dst; "" when writing straight to a device or FIFO

	stop func() bool // stops the context's cleanup

	mu      sync.Mutex // orders Commit and the context's cleanup
	done    bool       // committed or aborted
	dropped error      // why the context's cleanup dropped the output, if it did
}

// outputKind classifies what a path is, for writing.
type outputKind int

const (
	kindNew     outputKind = iota // nothing there yet
	kindRegular                   // a regular file
	kindStream                    // a character device or FIFO: written straight
)

// resolveOutput follows the symbolic links of name's last element (up to
// 40, as the kernel does) and says what the result is. Directories and other
// files that cannot be written as outputs are errors naming name.
func resolveOutput(name string) (dst string, kind outputKind, fi fs.FileInfo, err error) {
	dst = name
	for range 40 {
		fi, err = os.Lstat(dst)
		if errors.Is(err, fs.ErrNotExist) {
			return dst, kindNew, nil, nil
		}
		if err != nil {
			return "", 0, nil, outputError(name, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			break
		}
		link, err := os.Readlink(dst)
		if err != nil {
			return "", 0, nil, outputError(name, err)
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(dst), link)
		}
		dst = link
	}
	m := fi.Mode()
	switch {
	case m&fs.ModeSymlink != 0:
		return "", 0, nil, fmt.Errorf("%s: too many levels of symbolic links", name)
	case m.IsRegular():
		return dst, kindRegular, fi, nil
	case m&fs.ModeCharDevice != 0, m&fs.ModeNamedPipe != 0:
		return dst, kindStream, fi, nil
	case m.IsDir():
		return "", 0, nil, fmt.Errorf("%s: is a directory, not a file to write", name)
	}
	return "", 0, nil, fmt.Errorf("%s: is a %v, not a regular file, character device or FIFO; refusing to write it", name, m.Type())
}

// outputError names the output in err, dropping the path of the temporary
// file an *fs.PathError would name instead. A nil err stays nil.
func outputError(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", name, unwrapPath(err))
}

// tmpName returns the temporary file of dst written by process pid.
func tmpName(dst string, pid int) string {
	return filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+tmpMarker+strconv.Itoa(pid))
}

// removeStale removes the temporary files of dst left by runs that died
// before cleaning up: those whose process no longer exists, and one bearing
// this process's own id (a process that had this id before, as happens
// across container runs; this process has none yet).
func removeStale(dst string) {
	dir, prefix := filepath.Dir(dst), "."+filepath.Base(dst)+tmpMarker
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // creating the output will say what is wrong
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		pid, err := strconv.Atoi(rest)
		if err != nil || pid <= 0 {
			continue
		}
		if pid == os.Getpid() || !processAlive(pid) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// processAlive reports whether a process with id pid exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return !errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// createOutput starts writing the output name (see the comment at the top of
// this file for how). When ctx is done before Commit, the output is
// dropped: its temporary file is removed at once, and Commit fails. A FIFO
// with no reader yet is waited for, until ctx is done.
func createOutput(ctx context.Context, name string) (*output, error) {
	dst, kind, fi, err := resolveOutput(name)
	if err != nil {
		return nil, err
	}
	o := &output{name: name, dst: dst}
	if kind == kindStream {
		if o.f, err = openStream(ctx, dst, fi); err != nil {
			return nil, outputError(name, err)
		}
	} else {
		removeStale(dst)
		o.tmp = tmpName(dst, os.Getpid())
		if o.f, err = os.OpenFile(o.tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666); err != nil {
			return nil, outputError(name, err)
		}
		if kind == kindRegular {
			// Keep the file's permissions (a new file gets 0666 less the umask).
			if err := o.f.Chmod(fi.Mode().Perm()); err != nil {
				o.f.Close()
				os.Remove(o.tmp)
				return nil, outputError(name, err)
			}
		}
	}
	o.stop = context.AfterFunc(ctx, func() { o.drop(fmt.Errorf("%s: not written: %w", name, context.Cause(ctx))) })
	return o, nil
}

// openStream opens a character device or FIFO for writing. A FIFO is opened
// without blocking, retried until a reader opens its end or ctx is done.
func openStream(ctx context.Context, path string, fi fs.FileInfo) (*os.File, error) {
	if fi.Mode()&fs.ModeNamedPipe == 0 {
		return os.OpenFile(path, os.O_WRONLY, 0)
	}
	for {
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if !errors.Is(err, syscall.ENXIO) { // ENXIO: no reader yet
			return f, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no reader on the FIFO: %w", context.Cause(ctx))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Write writes to the output.
func (o *output) Write(p []byte) (int, error) {
	n, err := o.f.Write(p)
	if err != nil {
		err = outputError(o.name, err)
	}
	return n, err
}

// Seek seeks in the output, where it can (not in a FIFO).
func (o *output) Seek(offset int64, whence int) (int64, error) {
	return o.f.Seek(offset, whence)
}

// drop removes the temporary file (the context is done); Commit then fails
// with err.
func (o *output) drop(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return
	}
	o.done, o.dropped = true, err
	o.f.Close()
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

// Commit keeps what was written: a temporary file is synced, renamed over
// the destination and the directory synced. On failure the temporary file is
// removed and the destination left as it was. Commit after Commit or Abort
// returns an error.
func (o *output) Commit() error {
	o.stop()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		if o.dropped != nil {
			return o.dropped
		}
		return fmt.Errorf("%s: already closed", o.name)
	}
	o.done = true
	if o.tmp == "" {
		return outputError(o.name, o.f.Close())
	}
	err := o.f.Sync()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp, o.dst)
	}
	if err != nil {
		os.Remove(o.tmp)
		return outputError(o.name, err)
	}
	// Make the rename durable. A directory that cannot be synced (some
	// filesystems refuse) does not undo the write.
	if d, err := os.Open(filepath.Dir(o.dst)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Abort drops the output: a temporary file is removed and the destination
// left as it was (bytes already written to a device or FIFO stay written).
// Abort after Commit does nothing, so it can be deferred.
func (o *output) Abort() {
	o.stop()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return
	}
	o.done = true
	o.f.Close()
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

// writeOutput writes the output name whole through write, buffered, and
// commits it; if write fails, the output is aborted and name left as it was.
func writeOutput(ctx context.Context, name string, write func(io.Writer) error) error {
	o, err := createOutput(ctx, name)
	if err != nil {
		return err
	}
	defer o.Abort()
	bw := bufio.NewWriterSize(o, 1<<16)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return o.Commit()
}

// checkOutputs refuses, before any work, outputs that would destroy a file
// the user has or that the same run writes: an output that is one of the
// inputs or another output. Existing files are compared by device and inode
// (os.SameFile, so hard links and symbolic links are seen through), paths
// not yet created by their cleaned absolute path with symbolic links
// followed. Character devices (/dev/null) may be named any number of times.
// It then checks that each output can be written: its directory exists and
// accepts a new file.
func checkOutputs(inputs, outputs []string) error {
	type file struct {
		name string
		fi   fs.FileInfo // nil if it does not exist yet
		abs  string
	}
	realDirs := map[string]string{} // directory → the same with symbolic links followed
	identify := func(name string) (file, error) {
		dst, _, _, err := resolveOutput(name)
		if err != nil {
			dst = name // an input may be a directory, say; compare what there is
		}
		f := file{name: name}
		if fi, err := os.Stat(dst); err == nil {
			if fi.Mode()&fs.ModeCharDevice != 0 {
				return file{}, nil
			}
			f.fi = fi
		}
		abs, err := filepath.Abs(dst)
		if err != nil {
			return file{}, err
		}
		dir := filepath.Dir(abs)
		real, ok := realDirs[dir]
		if !ok {
			real, err = filepath.EvalSymlinks(dir)
			if err != nil {
				real = dir
			}
			realDirs[dir] = real
		}
		f.abs = filepath.Join(real, filepath.Base(abs))
		return f, nil
	}
	// Files are found by identity (device and inode) when they exist and
	// by path when not, in maps, so that thousands of outputs (-n) cost
	// little.
	type key struct {
		dev, ino uint64
		abs      string
	}
	keyOf := func(f file) (key, bool) {
		if f.fi != nil {
			if st, ok := f.fi.Sys().(*syscall.Stat_t); ok {
				return key{dev: uint64(st.Dev), ino: uint64(st.Ino)}, true
			}
		}
		return key{abs: f.abs}, f.abs != ""
	}
	ins, outs := map[key]string{}, map[key]string{}
	for _, n := range inputs {
		f, err := identify(n)
		if err != nil {
			return err
		}
		if k, ok := keyOf(f); ok {
			ins[k] = n
		}
	}
	for _, n := range outputs {
		f, err := identify(n)
		if err != nil {
			return err
		}
		if f.fi != nil && !f.fi.Mode().IsRegular() && !f.fi.IsDir() {
			// A device or FIFO is written straight, never replaced, so
			// naming it twice (-o /dev/null --png /dev/null) loses nothing.
			continue
		}
		k, ok := keyOf(f)
		if !ok {
			continue
		}
		if in, dup := ins[k]; dup {
			return usagef("output %s is the input %s: refusing to overwrite it", n, in)
		}
		if o, dup := outs[k]; dup {
			return usagef("outputs %s and %s are the same file", o, n)
		}
		outs[k] = n
	}
	probed := map[string]bool{} // directories known to accept a new file
	for _, n := range outputs {
		if err := checkWritable(n, probed); err != nil {
			return err
		}
	}
	return nil
}

// checkWritable checks that the output name can be written: for a regular
// file or a new one, by creating and removing the temporary file that
// createOutput would write, once per directory (probed holds those done):
// replacing a file by a rename needs only its directory's permission.
func checkWritable(name string, probed map[string]bool) error {
	dst, kind, _, err := resolveOutput(name)
	if err != nil || kind == kindStream {
		return err
	}
	if probed[filepath.Dir(dst)] {
		return nil
	}
	if fi, err := os.Stat(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("%s: cannot be written: %w", name, err)
	} else if !fi.IsDir() {
		return fmt.Errorf("%s: cannot be written: %s is not a directory", name, filepath.Dir(dst))
	}
	removeStale(dst)
	tmp := tmpName(dst, os.Getpid())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return fmt.Errorf("%s: cannot be written: %w", name, unwrapPath(err))
	}
	f.Close()
	os.Remove(tmp)
	probed[filepath.Dir(dst)] = true
	return nil
}

// unwrapPath returns the error inside an *fs.PathError, whose path would be
// that of a temporary file the user never asked for.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
