package train

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progressBar reports training progress: on a terminal, one line redrawn
// in place with a bar; otherwise plain lines, at most one per plainEvery
// plus one per validation.
type progressBar struct {
	w       io.Writer
	tty     bool
	width   int // terminal columns
	steps   int
	minutes float64

	drawn    bool // a bar is on the current line
	lastDraw time.Time
	lastLine time.Time

	step    int
	elapsed time.Duration
}

const (
	redrawEvery = 200 * time.Millisecond
	plainEvery  = 10 * time.Second
)

func newProgressBar(w io.Writer, steps int, minutes float64) *progressBar {
	b := &progressBar{w: w, steps: steps, minutes: minutes, width: 100}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b.tty = true
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			b.width = cols
		}
	}
	return b
}

// fraction is how far training is towards its nearer limit, in [0, 1].
func (b *progressBar) fraction() float64 {
	f := 0.0
	if b.steps > 0 {
		f = float64(b.step) / float64(b.steps)
	}
	if b.minutes > 0 {
		f = max(f, b.elapsed.Minutes()/b.minutes)
	}
	return min(f, 1)
}

// eta estimates the training time left from the progress so far.
func (b *progressBar) eta() string {
	f := b.fraction()
	if f <= 0 {
		return "?"
	}
	left := time.Duration(float64(b.elapsed) * (1 - f) / f)
	return left.Round(time.Second).String()
}

func (b *progressBar) status(train, val, rate float64) string {
	lim := ""
	if b.steps > 0 {
		lim = fmt.Sprintf("/%d", b.steps)
	}
	return fmt.Sprintf("step %d%s  train %s  val %s bits  %.0f samples/s  ETA %s",
		b.step, lim, bitsString(nonZero(train)), bitsString(val), rate, b.eta())
}

// nonZero maps "no value yet" (0) to −1, which bitsString shows as "-".
func nonZero(x float64) float64 {
	if x == 0 {
		return -1
	}
	return x
}

// update records the state after a step and, on a terminal, redraws the bar.
func (b *progressBar) update(step int, elapsed time.Duration, train, val, rate float64) {
	b.step, b.elapsed = step, elapsed
	if !b.tty || time.Since(b.lastDraw) < redrawEvery {
		return
	}
	b.lastDraw = time.Now()
	s := b.status(train, val, rate)
	barW := b.width - len([]rune(s)) - 4
	bar := ""
	if barW >= 10 {
		n := int(b.fraction() * float64(barW))
		bar = "[" + strings.Repeat("#", n) + strings.Repeat(".", barW-n) + "] "
	}
	fmt.Fprintf(b.w, "\r%s%s\x1b[K", bar, s)
	b.drawn = true
}

// line reports a log row: off a terminal, as a plain line when one is due.
func (b *progressBar) line(r LogRow) {
	if b.tty {
		return
	}
	if r.ValBits < 0 && time.Since(b.lastLine) < plainEvery {
		return
	}
	b.lastLine = time.Now()
	b.step = r.Step
	b.elapsed = time.Duration(r.Seconds * float64(time.Second))
	fmt.Fprintf(b.w, "train: %s\n", b.status(r.TrainBits, r.ValBits, r.SamplesPerSec))
}

// out returns the writer for a message, first ending a bar line.
func (b *progressBar) out() io.Writer {
	if b.drawn {
		fmt.Fprint(b.w, "\n")
		b.drawn = false
	}
	return b.w
}

// finish ends the bar line.
func (b *progressBar) finish() { b.out() }
