package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

// Memory. Before a command allocates what its flags and inputs ask for (a
// generator of -n streams, a training run's batch and chunks, a clip
// resampled a thousandfold), it works out how much that is and refuses, with
// the number and the flag to change, when it exceeds what the machine has:
// MemAvailable in /proc/meminfo, or the environment variable
// WAVENET_MAX_MEMORY when that is set and lower. Such a run would otherwise
// be killed by the kernel, or end in "fatal error: out of memory", after
// using up the machine.

// maxMemoryEnv names the environment variable that caps what a command may
// allocate: a size in bytes, or with a unit (K, M, G, T: powers of 1024,
// with or without "iB" or "B", e.g. 512MiB, 8G).
const maxMemoryEnv = "WAVENET_MAX_MEMORY"

// memoryLimit is what a command may allocate, in bytes, and where the
// number came from (for messages); 0 if nothing says (no /proc/meminfo and
// no WAVENET_MAX_MEMORY), when nothing is refused.
type memoryLimit struct {
	bytes int64
	from  string
}

// getMemoryLimit reads the limit: WAVENET_MAX_MEMORY, if set and lower than
// MemAvailable. A malformed WAVENET_MAX_MEMORY is an error.
func getMemoryLimit() (memoryLimit, error) {
	var lim memoryLimit
	if avail, ok := memAvailable(); ok {
		lim = memoryLimit{avail, "available memory (MemAvailable)"}
	}
	if v, ok := os.LookupEnv(maxMemoryEnv); ok && v != "" {
		n, err := parseSize(v)
		if err != nil {
			return memoryLimit{}, fmt.Errorf("%s=%q: %v", maxMemoryEnv, v, err)
		}
		if lim.bytes == 0 || n < lim.bytes {
			lim = memoryLimit{n, maxMemoryEnv}
		}
	}
	return lim, nil
}

// memAvailable returns MemAvailable from /proc/meminfo in bytes.
func memAvailable() (int64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err != nil || kb <= 0 {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}

// parseSize parses a positive size: digits, optionally with a fraction,
// and an optional unit K, M, G or T (powers of 1024; "KiB", "KB" and "k"
// are the same).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	for _, suffix := range []string{"iB", "ib", "B", "b"} {
		if u, ok := strings.CutSuffix(t, suffix); ok && u != "" {
			t = u
			break
		}
	}
	mult := 1.0
	if n := len(t); n > 0 {
		if i := strings.IndexByte("kmgt", toLower(t[n-1])); i >= 0 {
			mult = float64(int64(1) << (10 * (i + 1)))
			t = t[:n-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || !(v > 0) || v*mult >= 1<<62 {
		return 0, fmt.Errorf("want a size such as 8GiB, 512M or 1000000 (bytes)")
	}
	return int64(v * mult), nil
}

func toLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// check refuses need bytes for what when they exceed the limit, saying what
// to change.
func (l memoryLimit) check(need int64, what, change string) error {
	if l.bytes <= 0 || need <= l.bytes {
		return nil
	}
	return &memoryError{fmt.Sprintf("%s would take about %s, more than %s; %s", what, byteSize(need), l, l.advise(change))}
}

// String says what the limit is and where it comes from, e.g. "the 8.0 GiB
// of WAVENET_MAX_MEMORY".
func (l memoryLimit) String() string { return "the " + byteSize(l.bytes) + " of " + l.from }

// advise is change, and where the limit is WAVENET_MAX_MEMORY's, the other
// way out.
func (l memoryLimit) advise(change string) string {
	if l.from == maxMemoryEnv {
		return change + ", or raise " + maxMemoryEnv
	}
	return change
}

// memoryError is check's refusal.
type memoryError struct{ msg string }

func (e *memoryError) Error() string { return e.msg }

// byteSize shows a byte count for people, in binary units: "512 B",
// "3.4 MiB", "29.1 GiB".
func byteSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	for v >= 1024 && i < 5 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[i])
}

// generatorBytes is what making a Generator of m for streams streams on
// threads goroutines takes at its peak: NewGenerator's run state for one
// part is still there, uncollected, when SetThreads makes the new one.
func generatorBytes(cfg wavenet.Config, streams, threads int) int64 {
	state1 := wavenet.GeneratorBytes(cfg, streams, 1)
	if threads <= 1 {
		return state1
	}
	return state1 + wavenet.GeneratorBytes(cfg, streams, threads) - 4*int64(wavenet.ParamCount(cfg))
}
