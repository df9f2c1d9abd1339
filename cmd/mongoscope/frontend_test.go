package main

import (
	"os"
	"strings"
	"testing"
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
