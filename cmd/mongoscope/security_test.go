//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/safetext"
	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/probes"
)

// An audit log that is not a regular file mongoscope may append to is
// refused at start, in one line, before anything is sent.
func TestAuditLogPathsRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(filepath.Join(dir, "elsewhere"), link)
	for _, path := range []string{"/dev/full", "/proc/version", dir, fifo, link} {
		code, out, errOut := runCapture(t, nil, "--audit-log", path, "mongodb://127.0.0.1:1")
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != exitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], "mongoscope: the audit log "+path) || out != "" {
			t.Errorf("--audit-log %s: exit %d, stderr %q", path, code, errOut)
		}
	}
}

func TestWiderAuditLogIsTightenedAndSaid(t *testing.T) {
	sim, err := simcluster.Start(simcluster.Config{Topology: "standalone", Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	path := filepath.Join(t.TempDir(), "audit.log")
	os.WriteFile(path, nil, 0o644)
	o, err := parseArgs("mongoscope", []string{"--audit-log", path, sim.URI()}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	s, code := connect(context.Background(), o, nil, strings.NewReader(""), &errb)
	if s == nil {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s.close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 || !strings.Contains(errb.String(), "mode 0644): its mode is now 0600") {
		t.Fatalf("mode %v, stderr %q", fi.Mode().Perm(), errb.String())
	}
}

// The kill dialog shows the hostile op as visible text, and the audit log
// records it sanitized (not even as JSON escapes a viewer would decode).
func TestHostileOpInTheKillDialogAndTheAuditLog(t *testing.T) {
	h := startHostileServer(t)
	hostileClient(t, h)
	path := filepath.Join(t.TempDir(), "audit.log")
	audit, err := probes.OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	o := operatorViewOn(t, h.uri(), 200, 200*time.Millisecond, audit)
	o.until("shop.orders␛[2J<U+202E>", 20)
	for _, k := range "3/4242" {
		o.key(string(k))
	}
	o.enter()
	o.key("k")
	scr := o.until("Kill this operation?", 1)
	if bad := interpretable(o.m.View().Content); bad != "" || !strings.Contains(scr, "␛[8m<U+202E>") {
		t.Fatalf("the kill dialog holds %q:\n%q", bad, o.m.View().Content)
	}
	o.key("y")
	o.until("it is gone", 2)
	if h.kills.Load() != 1 {
		t.Fatalf("%d killOps reached the server", h.kills.Load())
	}
	log, _ := os.ReadFile(path)
	if bad := interpretable(string(log)); bad != "" {
		t.Fatalf("the audit log holds %q:\n%s", bad, log)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		for k, v := range rec {
			if s, _ := v.(string); !safetext.Safe(s) {
				t.Errorf("the audit log's %s, once decoded, holds control characters: %q", k, s)
			}
		}
	}
	for _, want := range []string{`"event":"intent"`, `shop.orders␛[2J<U+202E>`, `web␛[8m<U+202E>␛]52;c;ZXZpbA==␇`, `"outcome":"gone"`} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the audit log lacks %s:\n%s", want, log)
		}
	}
}

// A password with unescaped '@', ':', '/' and '%': one line that says what
// to do, with no word mangled and no piece of the password.
func TestMisreadPasswordIsRefusedInOneCleanLine(t *testing.T) {
	code, out, errOut := runCapture(t, nil, "--read-only", "mongodb://user:p@ss:w/o%rd@host/")
	if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "percent-encoded (@ as %40") {
		t.Fatalf("exit %d: %q", code, errOut)
	}
	for _, bad := range []string{"****", "ss:w", "o%rd", "p@ss", "host"} {
		if strings.Contains(errOut, bad) {
			t.Errorf("stderr shows %q: %s", bad, errOut)
		}
	}
}
