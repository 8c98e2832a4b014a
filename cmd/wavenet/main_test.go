package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs the wavenet command line args in-process and returns its exit
// status, standard output and standard error.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRootUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stderr
	}{
		{nil, exitUsage, "no command given"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"--no-such-flag"}, exitUsage, "unknown flag: --no-such-flag"},
		// A typo is an unknown command with cobra's suggestion, before
		// any of the flags meant for the command are parsed.
		{[]string{"genrate"}, exitUsage, "unknown command \"genrate\" for \"wavenet\"\n\nDid you mean this?\n\tgenerate\nRun 'wavenet -h' for usage."},
		{[]string{"gen", "-o", "x.wav"}, exitUsage, "unknown command \"gen\" for \"wavenet\"\n\nDid you mean this?\n\tgenerate\n"},
		{[]string{"insepct", "--json"}, exitUsage, "Did you mean this?\n\tinspect\n"},
	} {
		code, stdout, stderr := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("wavenet %q: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, stdout, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat("x.wav"); err == nil {
		t.Error(`"wavenet gen -o x.wav" wrote x.wav`)
	}
}

func TestRootHelp(t *testing.T) {
	code, stdout, _ := runCmd(t, "-h")
	if code != exitOK || !strings.Contains(stdout, "Usage:") {
		t.Fatalf("wavenet -h: exit %d, stdout %q", code, stdout)
	}
}

func TestEveryCommandHelp(t *testing.T) {
	for _, name := range []string{"generate", "eval", "inspect", "bench", "mel", "vocode"} {
		code, stdout, _ := runCmd(t, name, "-h")
		if code != exitOK || !strings.Contains(stdout, "Usage:") || !strings.Contains(stdout, "-h, --help") {
			t.Errorf("%s -h: exit %d\n%s", name, code, stdout)
		}
	}
	_, stdout, _ := runCmd(t, "generate", "-h")
	for _, want := range []string{"-o, --output", "-n, --streams", "-q, --quiet", "(default 2)", "seconds", "--seed", "--prime", "--temperature"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("generate -h lacks %q", want)
		}
	}
}

// TestErrorNamesCommandOnce: an error from one of the project's packages is
// printed after the command's name without the package's own prefix
// ("wavenet eval: wavenet: …", "wavenet train: train: …").
func TestErrorNamesCommandOnce(t *testing.T) {
	dir := t.TempDir()
	notModel := filepath.Join(dir, "notes.safetensors")
	if err := os.WriteFile(notModel, []byte("not a model, but long enough to hold a header length"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, "eval", "--model", notModel, filepath.Join("..", "..", "models", "tone.wav"))
	want := "wavenet eval: " + notModel + ": "
	if code != exitError || !strings.HasPrefix(stderr, want) {
		t.Errorf("eval of a file that is not a model: exit %d, stderr %q; want exit %d and a line starting %q", code, stderr, exitError, want)
	}
	if got := message(fmt.Errorf("train: resume: lr 0.01 (the checkpoint has 0.001)")); got != "resume: lr 0.01 (the checkpoint has 0.001)" {
		t.Errorf("message of a train error = %q", got)
	}
	if got := message(fmt.Errorf("clip.wav: not a WAV file")); got != "clip.wav: not a WAV file" {
		t.Errorf("message of an error without a package prefix = %q", got)
	}
}
