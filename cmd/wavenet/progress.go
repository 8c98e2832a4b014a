package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// progress is the one progress display of generate and train. On a terminal
// it is a status line redrawn in place, a bar and fields, that never reaches
// the terminal's last column, whatever its width (asked at every redraw, so
// a resized window is followed): fields that do not fit are dropped, least
// important first, and the bar takes only the room left. Anywhere else (a
// file, a pipe) there is no status line, only plain lines, at most one per
// plainEvery unless forced. Messages printed through it appear on lines of
// their own, above the status line.
type progress struct {
	w      io.Writer
	fd     int    // the terminal's file descriptor, or −1 when w is not a terminal
	prefix string // of plain lines, e.g. "train: "

	drawn    bool // a status line is on the terminal
	lastDraw time.Time
	lastLine time.Time
}

// field is one part of a status line. Fields are shown in order; when they
// do not all fit, those of the highest prio go first (0 is the most
// important and always shown, cut short if it has to be).
type field struct {
	text string
	prio int
}

const (
	redrawEvery = 200 * time.Millisecond // status line redraws, at most
	plainEvery  = 10 * time.Second       // plain lines, at most (unless forced)
	maxBar      = 40                     // bar cells, at most
	minBar      = 10                     // bar cells, at least, or no bar
)

// newProgress returns the display on w; prefix starts its plain lines.
func newProgress(w io.Writer, prefix string) *progress {
	p := &progress{w: w, fd: -1, prefix: prefix}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.fd = int(f.Fd())
	}
	return p
}

// tty reports whether the display is on a terminal.
func (p *progress) tty() bool { return p.fd >= 0 }

// width is the terminal's width in columns (80 if it cannot be asked).
func (p *progress) width() int {
	if cols, _, err := term.GetSize(p.fd); err == nil && cols > 0 {
		return cols
	}
	return 80
}

// update redraws the status line, on a terminal: a bar filled to frac (in
// [0, 1]) and the fields. It draws at most every redrawEvery unless force.
// Off a terminal it does nothing (see line).
func (p *progress) update(frac float64, fields []field, force bool) {
	if !p.tty() || (!force && time.Since(p.lastDraw) < redrawEvery) {
		return
	}
	p.lastDraw = time.Now()
	fmt.Fprintf(p.w, "\r%s\x1b[K", statusLine(p.width()-1, frac, fields))
	p.drawn = true
}

// line prints the fields as a plain line, off a terminal, if one is due
// (plainEvery since the last) or force.
func (p *progress) line(fields []field, force bool) {
	if p.tty() || (!force && time.Since(p.lastLine) < plainEvery) {
		return
	}
	p.lastLine = time.Now()
	fmt.Fprintf(p.w, "%s%s\n", p.prefix, joinFields(fields))
}

// Printf prints a message on a line of its own: on a terminal, the status
// line is cleared first and redrawn by the next update.
func (p *progress) Printf(format string, args ...any) {
	p.clear()
	fmt.Fprintf(p.w, format, args...)
}

// clear removes the status line from the terminal.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
		p.lastDraw = time.Time{} // redraw at the next update
	}
}

// finish ends the display: the status line is cleared and final, unless
// empty, printed as a line of its own in its place.
func (p *progress) finish(final string) {
	p.clear()
	if final != "" {
		fmt.Fprintln(p.w, final)
	}
}

// abandon ends the display leaving the last status line visible (a failed
// run), with the cursor on the next line.
func (p *progress) abandon() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// joinFields joins every field's text, two spaces apart.
func joinFields(fields []field) string {
	texts := make([]string, len(fields))
	for i, f := range fields {
		texts[i] = f.text
	}
	return strings.Join(texts, "  ")
}

// statusLine lays out a status line of at most width columns (one per rune:
// the texts are Latin, digits and a few one-column symbols): the fields
// that fit, the least important dropped first, then a bar in the room left
// if there are at least minBar cells of it, before the fields.
func statusLine(width int, frac float64, fields []field) string {
	if width < 1 {
		return ""
	}
	keep := append([]field(nil), fields...)
	for len(keep) > 1 && utf8.RuneCountInString(joinFields(keep)) > width {
		worst := 0
		for i, f := range keep {
			if f.prio >= keep[worst].prio {
				worst = i
			}
		}
		keep = append(keep[:worst], keep[worst+1:]...)
	}
	s := joinFields(keep)
	if n := utf8.RuneCountInString(s); n > width {
		r := []rune(s)
		s = string(r[:width-1]) + "…"
	}
	room := width - utf8.RuneCountInString(s) - 3 // "[", "] "
	if room < minBar {
		return s
	}
	cells := min(room, maxBar)
	filled := int(max(0, min(1, frac)) * float64(cells))
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", cells-filled) + "] " + s
}

// eta estimates the time left of a run that has done frac of its work in
// elapsed: "?" before any progress.
func eta(elapsed time.Duration, frac float64) string {
	if !(frac > 0) {
		return "?"
	}
	left := time.Duration(float64(elapsed) * (1 - min(frac, 1)) / frac)
	return left.Round(time.Second).String()
}
