package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/wavenet"
)

func TestFormatVersion(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"go install …@v1.2.0", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/wavenet-go/wavenet-go", Version: "v1.2.0"}},
			"v1.2.0 go1.26.0"},
		{"go build in a git checkout", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "-compiler", Value: "gc"}, {Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
				{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}},
			"(devel) git 0123456789abcdef0123456789abcdef01234567 2026-01-02T03:04:05Z modified go1.26.0"},
		{"a clean checkout", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}},
			"(devel) git abc go1.26.0"},
		{"-buildvcs=false", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "GOARCH", Value: "amd64"}}},
			"(devel) go1.26.0"},
		{"no module version", &debug.BuildInfo{GoVersion: "go1.26.0"}, "unknown go1.26.0"},
		{"no build information", nil, "unknown " + runtime.Version()},
	} {
		if got := formatVersion(tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// --version prints the build: a test binary is a build of this checkout,
// "(devel)", with the Go release that built it.
func TestVersionFlag(t *testing.T) {
	for _, flag := range []string{"--version", "-v"} {
		code, stdout, stderr := runCmd(t, flag)
		if code != exitOK || stderr != "" || stdout != "wavenet "+buildVersion()+"\n" {
			t.Errorf("wavenet %s: exit %d, stdout %q, stderr %q", flag, code, stdout, stderr)
		}
		if !strings.HasPrefix(stdout, "wavenet (devel) ") || !strings.HasSuffix(stdout, " "+runtime.Version()+"\n") {
			t.Errorf("wavenet %s: %q, want the module's (devel) and %s", flag, stdout, runtime.Version())
		}
	}
}

// Every --json output carries the build as "version", and so does the
// training metadata of a model train writes.
func TestVersionInJSONAndModels(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t)
	clip := writeWAV(t, filepath.Join(dir, "clip.wav"), 8000, sine(3000, 8000, 300))
	want := buildVersion()
	for _, args := range [][]string{
		{"eval", "--model", model, "--json", clip, clip},
		{"compare", "--json", clip, clip},
		{"inspect", "--json"},
		{"inspect", "--model", model, "--json"},
		{"inspect", "--model", model, "--effective", clip, "--positions", "2", "--json"},
		{"bench", "--model", model, "-n", "2", "--samples", "50", "--naive-samples", "5", "--json"},
	} {
		code, stdout, stderr := runCmd(t, args...)
		if code != exitOK {
			t.Errorf("%q: exit %d, %s", args, code, stderr)
			continue
		}
		dec := json.NewDecoder(strings.NewReader(stdout))
		n := 0
		for dec.More() {
			var obj struct {
				Version *string `json:"version"`
			}
			if err := dec.Decode(&obj); err != nil {
				t.Fatalf("%q: %v in %q", args, err, stdout)
			}
			if obj.Version == nil || *obj.Version != want {
				t.Errorf("%q: object %d has version %v, want %q", args, n, obj.Version, want)
			}
			n++
		}
		if n == 0 {
			t.Errorf("%q printed no JSON: %q", args, stdout)
		}
	}

	cfg := filepath.Join(dir, "cfg.json")
	os.WriteFile(cfg, []byte(`{"dilations":[1,2],"residual_channels":2,"gate_channels":2,"skip_channels":2,"end_channels":2,"sample_rate":8000}`), 0o644)
	out := filepath.Join(dir, "m.safetensors")
	if code, _, stderr := runCmd(t, "train", "-o", out, "--config", cfg, "--steps", "2", "--chunk", "50", "--batch", "1", "-q", clip); code != exitOK {
		t.Fatalf("train: exit %d, %s", code, stderr)
	}
	_, md, err := wavenet.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(md.Training, &meta); err != nil || meta.Version != "wavenet "+want {
		t.Errorf("training metadata %s: version %q (%v), want %q", md.Training, meta.Version, err, "wavenet "+want)
	}
	// inspect shows it with the rest of the metadata.
	if _, stdout, _ := runCmd(t, "inspect", "--model", out); !bytes.Contains([]byte(stdout), []byte(`"version":"wavenet `+want+`"`)) {
		t.Errorf("inspect does not show the training build:\n%s", stdout)
	}
}
