package probes

import (
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"
)

// AuditLog appends one JSON line per action: who (OS and mongo user), what,
// where, with which arguments, and what came of it.
type AuditLog struct {
	mu        sync.Mutex
	path      string
	osUser    string
	mongoUser string
}

// OpenAuditLog opens (creating, 0600) the audit log; an unwritable path is
// an error now, not when the first action is taken.
func OpenAuditLog(path string) (*AuditLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the audit log's folder: %v", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot write the audit log %s: %v", path, err)
	}
	f.Close()
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	return &AuditLog{path: path, osUser: who}, nil
}

// SetMongoUser records which database user the actions run as.
func (a *AuditLog) SetMongoUser(u string) {
	if a != nil {
		a.mu.Lock()
		a.mongoUser = u
		a.mu.Unlock()
	}
}

type auditLine struct {
	Time      time.Time `json:"time"`
	OSUser    string    `json:"osUser"`
	MongoUser string    `json:"mongoUser"`
	Target    string    `json:"target"`
	Action    string    `json:"action"`
	Args      string    `json:"args"`
	Outcome   Outcome   `json:"outcome"`
	Message   string    `json:"message"`
}

// Append writes one action; a nil log writes nothing.
func (a *AuditLog) Append(r ActionResult, at time.Time) error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	line, err := json.Marshal(auditLine{Time: at, OSUser: a.osUser, MongoUser: a.mongoUser, Target: r.Target,
		Action: r.Action, Args: r.Args, Outcome: r.Outcome, Message: r.Message})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(a.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(append(line, '\n'))
	return err
}
