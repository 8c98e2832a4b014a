package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Each shell's script calls back into the binary ("wavenet __complete …"),
// which answers with the preset names and the file kinds of each flag and
// argument; those answers are what the shells show.
func TestCompletion(t *testing.T) {
	for _, shell := range []struct{ name, want string }{
		{"bash", "__start_wavenet"},
		{"zsh", "#compdef wavenet"},
		{"fish", "complete -c wavenet"},
	} {
		code, stdout, stderr := runCmd(t, "completion", shell.name)
		if code != exitOK || !strings.Contains(stdout, shell.want) || !strings.Contains(stdout, "__complete") {
			t.Errorf("completion %s: exit %d, stderr %q, script of %d bytes without %q", shell.name, code, stderr, len(stdout), shell.want)
		}
	}

	const (
		noFiles = ":4" // cobra.ShellCompDirectiveNoFileComp
		byExt   = ":8" // cobra.ShellCompDirectiveFilterFileExt
	)
	for _, tc := range []struct {
		args []string
		want []string // the answer's lines: completions, then the directive
	}{
		{[]string{"train", "--preset", ""}, []string{
			"small\t10 layers, receptive field 1025 samples, 160352 parameters",
			"medium\t20 layers, receptive field 2048 samples, 910656 parameters",
			"ibab\t50 layers, receptive field 5117 samples, 1516000 parameters", noFiles}},
		{[]string{"inspect", "--preset", "i"}, []string{"ibab\t50 layers, receptive field 5117 samples, 1516000 parameters", noFiles}},
		{[]string{"bench", "--preset", ""}, []string{"small\t10 layers, receptive field 1025 samples, 160352 parameters",
			"medium\t20 layers, receptive field 2048 samples, 910656 parameters",
			"ibab\t50 layers, receptive field 5117 samples, 1516000 parameters", noFiles}},
		{[]string{"generate", "--model", ""}, []string{"safetensors", byExt}},
		{[]string{"eval", "--model", ""}, []string{"safetensors", byExt}},
		{[]string{"inspect", "--model", ""}, []string{"safetensors", byExt}},
		{[]string{"generate", "-o", ""}, []string{"wav", byExt}},
		{[]string{"generate", "--prime", ""}, []string{"wav", byExt}},
		{[]string{"generate", "--png", ""}, []string{"png", byExt}},
		{[]string{"inspect", "--effective", ""}, []string{"wav", byExt}},
		{[]string{"train", "-o", ""}, []string{"safetensors", byExt}},
		{[]string{"train", "--config", ""}, []string{"json", byExt}},
		{[]string{"train", "--classes", ""}, []string{"folder\ta clip's class is its folder's name", "file\teach clip is its own class", noFiles}},
		{[]string{"mel", "-o", ""}, []string{"npy", byExt}},
		{[]string{"vocode", "--mel", ""}, []string{"npy", byExt}},
		{[]string{"vocode", "-o", ""}, []string{"wav", byExt}},
		{[]string{"vocode", "--model", "m", ""}, []string{"wav", byExt}},
		{[]string{"generate", "--mel", ""}, []string{"npy", byExt}},
		{[]string{"mel", "a.wav", ""}, []string{noFiles}},
		{[]string{"train", "-o", "m.safetensors", ""}, []string{"wav", byExt}},
		{[]string{"eval", "a.wav", ""}, []string{"wav", byExt}},
		{[]string{"compare", "a.wav", ""}, []string{"wav", byExt}},
		{[]string{"compare", "a.wav", "b.wav", ""}, []string{noFiles}},
		{[]string{"generate", ""}, []string{noFiles}},
		{[]string{"gen"}, []string{"generate\tGenerate audio from a model, one sample at a time", noFiles}},
	} {
		code, stdout, _ := runCmd(t, append([]string{"__complete"}, tc.args...)...)
		want := strings.Join(tc.want, "\n") + "\n"
		if code != exitOK || stdout != want {
			t.Errorf("__complete %q: exit %d\n%s\nwant\n%s", tc.args, code, stdout, want)
		}
	}
}

// Every flag that names a file has a file-kind hint, so that a new flag
// cannot miss one: a string flag whose help speaks of a file, a WAV clip or
// a picture.
func TestCompletionHintsEveryFileFlag(t *testing.T) {
	root := newRootCmd()
	n := 0
	for _, c := range root.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			u := strings.ToLower(f.Usage)
			if f.Value.Type() != "string" || !(strings.Contains(u, "file") || strings.Contains(u, "wav") || strings.Contains(u, "png")) {
				return
			}
			if _, choices := c.GetFlagCompletionFunc(f.Name); choices {
				return // a flag of named choices (train --classes folder|file)
			}
			n++
			if exts := f.Annotations[cobra.BashCompFilenameExt]; len(exts) == 0 {
				t.Errorf("%s --%s (%q) has no file-kind hint", c.Name(), f.Name, f.Usage)
			}
		})
	}
	if n < 10 {
		t.Errorf("only %d file flags found", n)
	}
}
