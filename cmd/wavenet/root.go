package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses of run.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line was wrong
)

// usageError marks an error in the command line itself (an unknown flag, a
// bad value, a missing argument): run reports it with a pointer to -h and
// exits with status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// run executes the command line args with the given output streams and
// returns the process exit status. It is main without the exit, so tests can
// run any command in-process with their own arguments and buffers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	out := &checkedWriter{w: stdout}
	root.SetOut(out)
	root.SetErr(stderr)
	if len(args) == 0 {
		root.SetOut(stderr)
		_ = root.Usage()
		fmt.Fprintf(stderr, "%s: no command given\n", root.CommandPath())
		return exitUsage
	}
	cmd, err := root.ExecuteContextC(ctx)
	if cmd == nil {
		cmd = root
	}
	if err == nil && out.err != nil {
		err = fmt.Errorf("writing standard output: %w", out.err)
	}
	if se, ok := stoppedBy(ctx); ok {
		// Stopped by a signal: the command has said what it kept, or
		// fails saying it was interrupted.
		if err != nil {
			fmt.Fprintf(stderr, "%s: %s\n", cmd.CommandPath(), message(err))
		}
		return se.exitCode()
	}
	if err == nil {
		return exitOK
	}
	var ue *usageError
	// The root runs nothing, so every error it reports (an unknown
	// command, a flag of its own) is about the command line.
	if errors.As(err, &ue) || cmd == root {
		msg := strings.TrimRight(message(err), "\n")
		fmt.Fprintf(stderr, "%s: %s\nRun '%s -h' for usage.\n", cmd.CommandPath(), msg, cmd.CommandPath())
		return exitUsage
	}
	fmt.Fprintf(stderr, "%s: %s\n", cmd.CommandPath(), message(err))
	return exitError
}

// message is err's text for a person, after the command's own name: without
// the prefix of the project's package it came from (the packages that
// return errors: wavenet, train, audio), which would say "wavenet train:
// train: …" what the command already says.
func message(err error) string {
	msg := err.Error()
	for _, pkg := range []string{"wavenet: ", "train: ", "audio: "} {
		if rest, ok := strings.CutPrefix(msg, pkg); ok {
			return rest
		}
	}
	return msg
}

// newRootCmd builds the wavenet command and its subcommands. Nothing is
// shared between two calls: each holds its own flag values.
//
// train and compare are defined in train.go and compare.go, which belong to
// the training package's owner; this file only registers them.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "wavenet",
		Short: "Train, run and inspect WaveNet models of raw audio",
		Long: `wavenet is a WaveNet audio engine in pure Go: a stack of causal dilated
convolutions predicting the next μ-law code of a waveform. It generates audio
with exact cached inference, evaluates clips in bits per sample, trains models
and shows how a stack's receptive field grows with depth.

The binary carries a small default model, so "wavenet generate -o out.wav"
works with nothing else. "wavenet completion bash" (or zsh, fish) prints a
script that makes the shell complete commands, flags, preset names and file
names by kind (.wav, .safetensors, .json, .png).`,
		Version:       buildVersion(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// Not runnable, so that cobra itself refuses a word that is no
		// command, with suggestions ("Did you mean this? generate"), before
		// it parses any flag: "wavenet gen -o x.wav" is an unknown command,
		// not an unknown flag of the root.
	}
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{err}
	})
	root.AddCommand(
		newGenerateCmd(),
		newEvalCmd(),
		newInspectCmd(),
		newBenchCmd(),
		newTrainCmd(),
		newCompareCmd(),
		newMelCmd(),
		newVocodeCmd(),
	)
	addCompletions(root)
	return root
}

// noArgs, exactArgs and minArgs are cobra's argument checks returning
// usage errors.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

func minArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("missing %s", what)
		}
		return nil
	}
}
