package main

import (
	"github.com/mongoscope/mongoscope/probes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// setBuildVars sets what -ldflags -X would, for one test.
func setBuildVars(t *testing.T, v, c, date, mod string) {
	old := [4]string{version, commit, commitDate, modified}
	version, commit, commitDate, modified = v, c, date, mod
	t.Cleanup(func() { version, commit, commitDate, modified = old[0], old[1], old[2], old[3] })
}

func TestBuildVersionPrefersTheVCSStamp(t *testing.T) {
	setBuildVars(t, "dev", "ldflagscommit", "2020-01-01T00:00:00Z", "")
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202033508-18f23a710d78+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "18f23a710d78bfa9829a343a049746c2575ff115"},
			{Key: "vcs.time", Value: "2026-12-02T03:35:08Z"}, {Key: "vcs.modified", Value: "true"}}}
	v := buildVersion(bi)
	want := BuildVersion{probes.BuildInfo{Version: "v0.0.0-20261202033508-18f23a710d78+dirty", Commit: "18f23a710d78bfa9829a343a049746c2575ff115",
		CommitDate: "2026-12-02T03:35:08Z", Modified: true, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}}
	if v != want {
		t.Fatalf("got %+v\nwant %+v", v, want)
	}
	if s := v.String(); !strings.Contains(s, "commit 18f23a710d78bfa9829a343a049746c2575ff115 (2026-12-02T03:35:08Z, with uncommitted changes)") {
		t.Fatalf("String: %s", s)
	}
}

func TestBuildVersionFallsBackToLdflags(t *testing.T) {
	setBuildVars(t, "v1.2.3", "abc123", "2026-01-02T03:04:05Z", "true")
	v := buildVersion(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}})
	if v.Version != "v1.2.3" || v.Commit != "abc123" || v.CommitDate != "2026-01-02T03:04:05Z" || !v.Modified {
		t.Fatalf("ldflags ignored: %+v", v)
	}
	setBuildVars(t, "", "", "", "")
	v = buildVersion(nil)
	var out strings.Builder
	printVersion(&out, v)
	if got := out.String(); !strings.HasPrefix(got, "mongoscope dev\ncommit unknown") || !strings.Contains(got, runtime.Version()) {
		t.Fatalf("no build information: %q", got)
	}
}

// TestVersionOfABuiltBinary builds mongoscope in a fresh git checkout of
// this tree: a plain go build carries the commit (the go tool's VCS stamp),
// and a release build's -X main.version names the version.
func TestVersionOfABuiltBinary(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not installed")
		}
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	copyModule(t, moduleRoot(t), repo)
	for _, args := range [][]string{{"init", "-q"}, {"add", "."},
		{"-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", "test"}} {
		runIn(t, repo, nil, "git", args...)
	}
	sha := strings.TrimSpace(runIn(t, repo, nil, "git", "rev-parse", "HEAD"))
	// A user's plain go build stamps VCS information ("auto"); this
	// machine's go env may turn it off, so say it explicitly.
	env := []string{"GOFLAGS=-buildvcs=auto"}
	bin := filepath.Join(t.TempDir(), "mongoscope")
	runIn(t, repo, env, "go", "build", "-o", bin, "./cmd/mongoscope")
	if m := runIn(t, repo, nil, "go", "version", "-m", bin); !strings.Contains(m, "vcs.revision="+sha) {
		t.Fatalf("go version -m shows no vcs.revision=%s:\n%s", sha, m)
	}
	out := runIn(t, repo, nil, bin, "--version")
	pseudo := regexp.MustCompile(`^mongoscope v0\.0\.0-\d{14}-` + sha[:12] + `\n`)
	if !pseudo.MatchString(out) || !strings.Contains(out, "commit "+sha+" (") || strings.Contains(out, "uncommitted") ||
		!strings.Contains(out, "built with "+runtime.Version()+" for "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Fatalf("plain build --version:\n%s", out)
	}
	runIn(t, repo, env, "go", "build", "-ldflags", "-X main.version=v9.9.9", "-o", bin, "./cmd/mongoscope")
	out = runIn(t, repo, nil, bin, "--version")
	if !strings.HasPrefix(out, "mongoscope v9.9.9\ncommit "+sha+" (") {
		t.Fatalf("release build --version:\n%s", out)
	}
}

func runIn(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// copyModule copies what building needs: go.mod, go.sum and the package
// directories (not .git, dist/ or binaries at the top).
func copyModule(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		top := !strings.ContainsRune(rel, filepath.Separator)
		switch {
		case d.IsDir() && (strings.HasPrefix(d.Name(), ".") && rel != "." || top && (rel == "dist" || rel == "node_modules")):
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		case top && rel != "go.mod" && rel != "go.sum", !d.Type().IsRegular():
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
