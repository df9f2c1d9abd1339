package main

import (
	"fmt"
	"github.com/mongoscope/mongoscope/probes"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set at build time with -ldflags "-X main.version=v1.2.3 ..." (the
// Makefile does). commit, commitDate and modified stand in for the go
// tool's own VCS stamping, which is missing when it cannot see the
// checkout (a git worktree, -buildvcs=false, a source tarball).
var (
	version    = "dev"
	commit     = ""
	commitDate = ""
	modified   = ""
)

// BuildVersion says which mongoscope this is: the snapshot header's and
// the audit log's probes.BuildInfo, with the ways the command line prints it.
type BuildVersion struct{ probes.BuildInfo }

// versionInfo is this binary's version, from -ldflags and the build
// information the go tool embeds.
func versionInfo() BuildVersion {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(bi)
}

// buildVersion prefers the go tool's VCS stamp (it describes the exact tree
// that was compiled) and falls back to what -ldflags -X set.
func buildVersion(bi *debug.BuildInfo) BuildVersion {
	v := BuildVersion{probes.BuildInfo{Version: version, Commit: commit, CommitDate: commitDate, Modified: modified == "true",
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}}
	if bi == nil {
		bi = &debug.BuildInfo{}
	}
	if v.Version == "" || v.Version == "dev" {
		v.Version = "dev"
		// go install module@v1.2.3, or a go build in a git checkout
		// (a pseudo-version from the commit), name the version here.
		if mv := bi.Main.Version; mv != "" && mv != "(devel)" {
			v.Version = mv
		}
	}
	if rev := buildSetting(bi, "vcs.revision"); rev != "" {
		v.Commit, v.CommitDate = rev, buildSetting(bi, "vcs.time")
		v.Modified = buildSetting(bi, "vcs.modified") == "true"
	}
	return v
}

func buildSetting(bi *debug.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// String is the version on one line, for logs and bug reports.
func (v BuildVersion) String() string {
	s := "mongoscope " + v.Version
	if v.Commit != "" {
		s += ", commit " + v.commitText()
	}
	return s + ", " + v.GoVersion + " " + v.Platform
}

func (v BuildVersion) commitText() string {
	var details []string
	if v.CommitDate != "" {
		details = append(details, v.CommitDate)
	}
	if v.Modified {
		details = append(details, "with uncommitted changes")
	}
	if len(details) == 0 {
		return v.Commit
	}
	return v.Commit + " (" + strings.Join(details, ", ") + ")"
}

// printVersion is --version: the first line stays "mongoscope VERSION" for
// scripts that read it.
func printVersion(w io.Writer, v BuildVersion) {
	fmt.Fprintln(w, "mongoscope", v.Version)
	if v.Commit == "" {
		fmt.Fprintln(w, "commit unknown (built without version control information)")
	} else {
		fmt.Fprintln(w, "commit", v.commitText())
	}
	fmt.Fprintln(w, "built with", v.GoVersion, "for", v.Platform)
}

// buildInfo is versionInfo as the snapshot header carries it.
func buildInfo() *probes.BuildInfo {
	b := versionInfo().BuildInfo
	return &b
}
