package main

import (
	"bytes"
	"context"
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
	} {
		code, _, stderr := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("wavenet %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

func TestRootHelp(t *testing.T) {
	code, stdout, _ := runCmd(t, "-h")
	if code != exitOK || !strings.Contains(stdout, "Usage:") {
		t.Fatalf("wavenet -h: exit %d, stdout %q", code, stdout)
	}
}

func TestEveryCommandHelp(t *testing.T) {
	for _, name := range []string{"generate", "eval", "inspect", "bench"} {
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
