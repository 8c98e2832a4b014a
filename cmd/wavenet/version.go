package main

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// buildVersion says which build this binary is, from the build information
// the go command stamps into it: what --version prints, what every --json
// output carries as "version", and what train stores in a model's
// training metadata.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return formatVersion(bi)
}

// formatVersion describes bi: the module's version ("v1.2.0" from go install
// …@v1.2.0, "(devel)" from a build in a checkout), then whatever of the
// version-control stamp is there (go build in a git checkout records the
// commit, its time and whether files were modified; -buildvcs=false, a git
// worktree or a build outside a repository leave it out), then the Go
// release. A nil bi (a binary without module information) gives "unknown"
// and the Go release of the running program.
//
//	v1.2.0 go1.26.0
//	(devel) git 0123456789abcdef0123456789abcdef01234567 2026-01-02T03:04:05Z modified go1.26.0
func formatVersion(bi *debug.BuildInfo) string {
	if bi == nil {
		return "unknown " + runtime.Version()
	}
	v := bi.Main.Version
	if v == "" {
		v = "unknown"
	}
	parts := []string{v}
	vcs := map[string]string{}
	for _, s := range bi.Settings {
		vcs[s.Key] = s.Value
	}
	if vcs["vcs"] != "" {
		parts = append(parts, vcs["vcs"])
		if r := vcs["vcs.revision"]; r != "" {
			parts = append(parts, r)
		}
		if t := vcs["vcs.time"]; t != "" {
			parts = append(parts, t)
		}
		if vcs["vcs.modified"] == "true" {
			parts = append(parts, "modified")
		}
	}
	if bi.GoVersion != "" {
		parts = append(parts, bi.GoVersion)
	}
	return strings.Join(parts, " ")
}
