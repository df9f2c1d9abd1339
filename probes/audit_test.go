//go:build unix

package probes

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

func readAudit(t *testing.T, path string) []auditLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []auditLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l auditLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// The intent is on disk before the kill, with who (OS and database user),
// where, what and which op; the outcome follows with the same id.
func TestAuditIntentThenOutcomeWithTheDatabaseUser(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 1,
		Users: []wire.User{{Name: "ops", DB: "admin", Password: "pw", Roles: []wire.Role{{Role: "root", DB: "admin"}}}}})
	path := filepath.Join(t.TempDir(), "audit.log")
	audit, err := OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	p, ch, _ := pollerOn(t, sim.URI(), func(c *Config) { c.Audit, c.Username, c.Password = audit, "ops", "pw" })
	op := longestUserOp(t, ch)
	res := p.KillOp(context.Background(), op)
	lines := readAudit(t, path)
	if len(lines) != 3 || lines[0].Event != "start" || lines[1].Event != "intent" || lines[2].Event != "outcome" {
		t.Fatalf("want start, intent, outcome: %+v", lines)
	}
	intent, outcome := lines[1], lines[2]
	if intent.MongoUser != "ops@admin" || intent.OSUser == "" || intent.Target != op.KillVia || intent.Action != "killOp" ||
		!strings.Contains(intent.Args, "op="+op.OpID) || !strings.Contains(intent.Op, op.NS) || !strings.Contains(intent.Op, "running") {
		t.Errorf("intent: %+v", intent)
	}
	if outcome.ID != intent.ID || outcome.ID == "" || outcome.Outcome != res.Outcome || outcome.Message != res.Message {
		t.Errorf("outcome %+v does not answer intent %+v (result %+v)", outcome, intent, res)
	}
}

// If the intent cannot be written, the kill is not sent.
func TestAuditWriteFailingMidRunRefusesTheKill(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 1})
	primary := nodeByRole(sim, "primary", "")
	dir := filepath.Join(t.TempDir(), "state")
	audit, err := OpenAuditLog(filepath.Join(dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	p, ch, _ := pollerOn(t, sim.URI(), func(c *Config) { c.Audit = audit })
	op := longestUserOp(t, ch)
	if err := os.RemoveAll(dir); err != nil { // the log's folder is gone: the write fails
		t.Fatal(err)
	}
	before, _ := sim.Stats(primary)
	res := p.KillOp(context.Background(), op)
	after, _ := sim.Stats(primary)
	if res.Outcome != OutcomeNotAllowed || !strings.Contains(res.Message, "killOp not sent: the audit log cannot be written") ||
		!strings.Contains(res.Message, "no such file or directory") {
		t.Fatalf("kill with an unwritable audit log: %+v", res)
	}
	if after.Commands["killOp"] != before.Commands["killOp"] {
		t.Fatalf("killOp was sent anyway: %d before, %d after", before.Commands["killOp"], after.Commands["killOp"])
	}
	if r := p.StopBalancer(context.Background()); r.Outcome != OutcomeNotAllowed {
		t.Fatalf("balancer stop: %+v", r)
	}
}

func TestAuditLogPermissionsAndPaths(t *testing.T) {
	dir := t.TempDir()
	wide := filepath.Join(dir, "wide.log")
	os.WriteFile(wide, []byte("{}\n"), 0o644)
	a, err := OpenAuditLog(wide)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(wide); fi.Mode().Perm() != 0o600 {
		t.Errorf("an existing 0644 audit log stays %v", fi.Mode().Perm())
	}
	if n := a.Notice(); !strings.Contains(n, "mode 0644") || !strings.Contains(n, "now 0600") || a.Notice() != "" {
		t.Errorf("the tightening is not said once: %q", n)
	}
	fresh := filepath.Join(dir, "sub", "new.log")
	if _, err := OpenAuditLog(fresh); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o600 {
		t.Errorf("a new audit log is %v", fi.Mode().Perm())
	}
	target := filepath.Join(dir, "target")
	os.WriteFile(target, nil, 0o600)
	link := filepath.Join(dir, "link.log")
	os.Symlink(target, link)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(dir, "ro.log")
	os.WriteFile(readOnly, nil, 0o400)
	for path, want := range map[string]string{
		link: "symbolic link", "/dev/full": "not a regular file (a device)", "/proc/version": "under /proc/",
		dir: "is a directory", fifo: "not a regular file (a FIFO)", readOnly: "read-only (mode 0400)",
		"/sys/kernel/audit.log": "under /sys/",
	} {
		if _, err := OpenAuditLog(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
	if data, _ := os.ReadFile(target); len(data) != 0 {
		t.Errorf("the link's target was written: %q", data)
	}
	// A link put in the log's place mid-run is not followed either.
	os.Remove(wide)
	os.Symlink(target, wide)
	if _, err := a.Intent(ActionResult{Action: "killOp"}, "", time.Now()); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("intent through a link: %v", err)
	}
}
