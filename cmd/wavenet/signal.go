package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// Signals. main cancels the context of every command at the first SIGINT,
// SIGTERM or SIGHUP, with the signal as the cause (a signalError); each
// command stops at its next look at the context (see the README for what
// each leaves behind) and run exits with 128 + the signal's number, as
// shells expect (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP). After the
// first, the signals take their default action again: a second Ctrl-C
// stops a command that is taking too long to stop at once.

// caughtSignals are the signals that stop a command cleanly.
var caughtSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string {
	switch e.sig {
	case syscall.SIGINT:
		return "interrupted (SIGINT)"
	case syscall.SIGTERM:
		return "terminated (SIGTERM)"
	}
	return "stopped by " + e.sig.String()
}

// exitCode is the status of a command stopped by the signal.
func (e signalError) exitCode() int { return 128 + int(e.sig) }

// notifySignals returns a copy of parent that is cancelled, with a
// signalError as its cause, at the first of caughtSignals; stop releases
// the signals.
func notifySignals(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, caughtSignals...)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Reset(caughtSignals...) // a second one takes its default action
			sig, _ := s.(syscall.Signal)
			cancel(signalError{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(context.Canceled)
	}
}

// stoppedBy returns the signal that cancelled ctx, if one did.
func stoppedBy(ctx context.Context) (signalError, bool) {
	var se signalError
	ok := errors.As(context.Cause(ctx), &se)
	return se, ok
}

// interrupted reports whether err is ctx's being done.
func interrupted(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.Cause(ctx)))
}

// checkContext returns ctx's error, if any, wrapped for the user with its
// cause (the signal).
func checkContext(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	if se, ok := stoppedBy(ctx); ok {
		return &stopError{se, ctx.Err()}
	}
	return &stopError{fmt.Errorf("interrupted (%w)", ctx.Err()), ctx.Err()}
}

// stopError is a command's error when its context is done: it says why,
// and wraps both the cause and context.Canceled.
type stopError struct{ cause, err error }

func (e *stopError) Error() string   { return e.cause.Error() }
func (e *stopError) Unwrap() []error { return []error{e.cause, e.err} }

// isTerminal reports whether w is a terminal, for progress output that must
// stay silent in pipes, files and tests.
func isTerminal(w io.Writer) bool {
	if cw, ok := w.(*checkedWriter); ok {
		w = cw.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// checkedWriter is standard output as the commands see it: it keeps the
// first write error, so that run reports it and exits with status 1 even
// where a command did not look (a full disk under "eval > out.txt"), and
// fails every write after it.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err != nil {
		c.err = err
	}
	return n, err
}
