package main

import (
	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
	"os"
	"strings"
	"testing"
	"time"
)

func TestUTF8Locale(t *testing.T) {
	for env, want := range map[string]bool{
		"LANG=en_US.UTF-8": true, "LANG=C": false, "LC_ALL=C|LANG=en_US.UTF-8": false, "LC_CTYPE=de_DE.utf8": true, "": false,
	} {
		var environ []string
		if env != "" {
			environ = strings.Split(env, "|")
		}
		if got := utf8Locale(environ); got != want {
			t.Errorf("%q: utf8Locale = %v", env, got)
		}
	}
}

// The demo is a place to practise: its actions go to a temporary audit
// log, never the operator's real one.
func TestDemoAuditLogIsTemporary(t *testing.T) {
	real := t.TempDir() + "/audit.log"
	s := &session{}
	audit, err := s.openAudit(&options{demo: true, auditLog: real})
	if err != nil || audit == nil {
		t.Fatalf("openAudit: %v", err)
	}
	defer os.Remove(s.auditLog)
	if s.auditLog == real || !strings.HasPrefix(s.auditLog, os.TempDir()) || !strings.Contains(s.auditLog, "mongoscope-demo-audit") {
		t.Fatalf("the demo audits to %s", s.auditLog)
	}
	if _, err := os.Stat(real); err == nil {
		t.Fatal("the demo created the real audit log")
	}
	s = &session{}
	if _, err := s.openAudit(&options{auditLog: real}); err != nil || s.auditLog != real {
		t.Fatalf("not a demo: audits to %q (%v)", s.auditLog, err)
	}
}

// A damaged recording says so in the TUI's header once the damage is met.
func TestReplayHeaderSaysTheRecordingIsDamaged(t *testing.T) {
	path := t.TempDir() + "/rec.gz"
	w, err := record.Create(path, record.Header{Interval: time.Second}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		w.Write(probes.Snapshot{TakenAt: time.Unix(int64(100+i), 0)})
	}
	w.Close()
	b, _ := os.ReadFile(path)
	os.WriteFile(path, b[:len(b)-20], 0o600)
	rec, err := record.OpenRecording(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	rec.Wait()
	marks := damageMark(record.NewPlayer(rec))()
	if len(marks) != 1 || !strings.Contains(marks[0], "DAMAGED") || !strings.Contains(marks[0], "damaged after 4 snapshots") {
		t.Fatalf("header marks: %q", marks)
	}
}
