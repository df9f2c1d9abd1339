package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

// next reads the player's next snapshot, failing after a generous wait.
func next(t *testing.T, ch <-chan probes.Snapshot) probes.Snapshot {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("the player sent nothing")
	}
	return probes.Snapshot{}
}

// After the end a replay pauses, says so, and a seek back plays again.
func TestReplaySeekAfterTheEndPlays(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var snaps []probes.Snapshot
	for i := range 5 {
		snaps = append(snaps, probes.Snapshot{TakenAt: t0.Add(time.Duration(i) * time.Second)})
	}
	p := newPlayer(snaps, time.Second)
	p.SetSpeed(60)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := p.run(ctx)
	for i := range 5 {
		if s := next(t, ch); !s.TakenAt.Equal(snaps[i].TakenAt) {
			t.Fatalf("snapshot %d is %v", i, s.TakenAt)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for !p.AtEnd() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !p.AtEnd() || !p.Paused() {
		t.Fatal("the player does not say it reached the end")
	}
	p.Seek(-3 * time.Second)
	if p.AtEnd() || p.Paused() {
		t.Fatal("a seek back from the end does not play")
	}
	if s := next(t, ch); !s.TakenAt.Equal(snaps[2].TakenAt) {
		t.Fatalf("after seeking back 3 s from the end it plays %v", s.TakenAt.Sub(t0))
	}
	deadline = time.Now().Add(10 * time.Second) // the player notes it sent after the send
	for at, _, _ := p.Position(); !at.Equal(snaps[2].TakenAt); at, _, _ = p.Position() {
		if time.Now().After(deadline) {
			t.Fatalf("position %v", at.Sub(t0))
		}
		time.Sleep(time.Millisecond)
	}
}

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
