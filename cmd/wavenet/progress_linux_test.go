package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal of cols columns and returns its terminal
// end (what a program writes to) and a function that closes it and returns
// everything written to it.
func openPTY(t *testing.T, cols int) (*os.File, func() string) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Skipf("ptsname: %v", err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("opening the terminal end: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&out, master) // until the terminal end is closed (EIO)
		close(copied)
	}()
	return tty, func() string {
		tty.Close()
		<-copied
		master.Close()
		return out.String()
	}
}

// screenLines splits terminal output into the lines a user would see drawn,
// one per carriage return or line feed, without the erase-line sequences.
func screenLines(out string) []string {
	out = strings.ReplaceAll(out, "\x1b[K", "")
	return regexp.MustCompile("[\r\n]+").Split(out, -1)
}

// statusDraws returns the status lines drawn in place ("\r" LINE "\x1b[K",
// as progress.update draws them) and fails if any reaches cols columns.
// Lines printed once and ended by a newline (the header, the summary, a
// warning) may wrap like any text: they leave nothing stale behind.
func statusDraws(t *testing.T, cols int, out string) []string {
	t.Helper()
	var draws []string
	for _, m := range regexp.MustCompile("\r([^\r\n]*)\x1b\\[K").FindAllStringSubmatch(out, -1) {
		if m[1] == "" {
			continue // a clear
		}
		draws = append(draws, m[1])
		if n := utf8.RuneCountInString(m[1]); n >= cols {
			t.Errorf("%d columns: a status line of %d: %q", cols, n, m[1])
		}
	}
	return draws
}

// TestProgressOnTerminal runs generate and train with standard error on
// pseudo-terminals of 40, 80 and 200 columns: their status lines are drawn
// in place, none reaches the terminal's width, and the run ends with one
// summary line (train's on standard output, as that is a terminal too).
func TestProgressOnTerminal(t *testing.T) {
	dir := t.TempDir()
	clip := trainClip(t, dir, 3000, 330)
	cfg := filepath.Join(dir, "cfg.json")
	os.WriteFile(cfg, []byte(`{"dilations":[1,2,4,8],"residual_channels":4,"gate_channels":4,"skip_channels":8,"end_channels":8}`), 0o644)
	for _, cols := range []int{40, 80, 200} {
		t.Run(fmt.Sprint(cols), func(t *testing.T) {
			tty, output := openPTY(t, cols)
			out := filepath.Join(dir, fmt.Sprintf("gen%d.wav", cols))
			var stdout bytes.Buffer
			code := run(context.Background(), []string{"generate", "-o", out, "--samples", "6000"}, &stdout, tty)
			text := output()
			draws := statusDraws(t, cols, text)
			lines := screenLines(text)
			if code != exitOK {
				t.Fatalf("generate: exit %d: %q", code, text)
			}
			if len(draws) == 0 || !strings.Contains(draws[0], "/6000 samples") ||
				lines[len(lines)-1] != "" || !strings.HasPrefix(lines[len(lines)-2], out+": 6000 samples generated") {
				t.Errorf("generate drew %q", text)
			}
			if cols == 200 && !(strings.HasPrefix(draws[0], "[") && strings.Contains(draws[0], "ETA") && strings.Contains(draws[0], "elapsed")) {
				t.Errorf("at 200 columns generate's status line lacks the bar, elapsed time or ETA: %q", draws[0])
			}

			tty, output = openPTY(t, cols)
			model := filepath.Join(dir, fmt.Sprintf("m%d.safetensors", cols))
			code = run(context.Background(), []string{"train", "-o", model, "--config", cfg, "--steps", "30", "--chunk", "100", clip}, tty, tty)
			text = output()
			draws = statusDraws(t, cols, text)
			if code != exitOK {
				t.Fatalf("train: exit %d: %q", code, text)
			}
			if len(draws) == 0 || !strings.Contains(draws[0], "step ") || strings.Count(text, "30 steps") != 1 ||
				!strings.HasSuffix(text, "(trained)\r\n") || strings.Contains(text, "train: step") {
				t.Errorf("train drew %q", text)
			}
		})
	}
}

// TestProgressResize: the width is asked at every redraw, so a terminal
// narrowed mid-run gets lines that fit its new width.
func TestProgressResize(t *testing.T) {
	tty, output := openPTY(t, 200)
	p := newProgress(tty, "")
	fields := []field{{"step 1/100", 0}, {"train 7.000", 1}, {"val 7.100 bits", 2}, {"12345 samples/s", 3}, {"elapsed 1s", 4}, {"ETA 1m39s", 5}}
	p.update(0.01, fields, true)
	unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 30})
	time.Sleep(time.Millisecond)
	p.update(0.02, fields, true)
	p.finish("")
	lines := screenLines(output())
	if len(lines) < 3 || utf8.RuneCountInString(lines[1]) < 100 || utf8.RuneCountInString(lines[2]) >= 30 {
		t.Errorf("lines before and after narrowing to 30 columns: %q", lines)
	}
}
