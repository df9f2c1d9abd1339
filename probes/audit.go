package probes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// AuditLog is the record of every action, one JSON object per line. Before
// an action is sent its intent (time, OS user, database user, target,
// action, arguments, the op acted on) is written and synced to disk; if it
// cannot be, the action is not sent. Its outcome is appended after, with
// the intent's id. An action refused before anything was sent (read-only,
// missing privilege) is one "refused" record.
//
// The file is only ever a regular file its owner alone can read: it is
// created 0600, a wider mode is tightened (and said so once, Notice),
// symbolic links are not followed, and anything else (a device, a FIFO, a
// directory, /proc) is refused when mongoscope starts.
type AuditLog struct {
	mu        sync.Mutex
	path      string
	osUser    string
	mongoUser string
	session   string // start time and pid: ids stay unique across runs
	seq       int
	notice    string
	build     *BuildInfo
}

type auditLine struct {
	Time      time.Time `json:"time"`
	Event     string    `json:"event"` // start, intent, outcome, refused
	ID        string    `json:"id,omitempty"`
	OSUser    string    `json:"osUser"`
	MongoUser string    `json:"mongoUser,omitempty"`
	Target    string    `json:"target,omitempty"`
	Action    string    `json:"action,omitempty"`
	Args      string    `json:"args,omitempty"`
	Op        string    `json:"op,omitempty"` // the op acted on, summarized
	Outcome   Outcome   `json:"outcome,omitempty"`
	Message   string    `json:"message,omitempty"`
	// Mongoscope is the build that acted (on intent and refusal records).
	Mongoscope *BuildInfo `json:"mongoscope,omitempty"`
}

// OpenAuditLog checks the audit log can be kept at path, creating it (and
// its folder, 0700) if needed, and writes a start record: a path that can
// never hold the log is an error now, not at the first action.
func OpenAuditLog(path string) (*AuditLog, error) {
	if err := checkAuditPath(path); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the audit log's folder: %v", err)
	}
	now := time.Now()
	a := &AuditLog{path: path, osUser: osUser(), session: strconv.FormatInt(now.Unix(), 36) + "-" + strconv.Itoa(os.Getpid())}
	if err := a.write(auditLine{Time: now, Event: "start", OSUser: a.osUser}); err != nil {
		return nil, fmt.Errorf("cannot write the audit log %s: %v", path, err)
	}
	return a, nil
}

// checkAuditPath refuses, before anything is opened, what is not (or
// cannot become) a regular file mongoscope may append to.
func checkAuditPath(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("cannot use %s as the audit log: %v", path, err)
	}
	for _, pseudo := range []string{"/proc/", "/sys/"} {
		if strings.HasPrefix(abs, pseudo) {
			return fmt.Errorf("the audit log %s is under %s, which holds no regular files: give a file path such as ~/.local/state/mongoscope/audit.log", path, pseudo)
		}
	}
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("cannot use %s as the audit log: %v", path, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("the audit log %s is a symbolic link, which mongoscope does not follow: give the file's own path", path)
	case fi.IsDir():
		return fmt.Errorf("the audit log %s is a directory: give a file path, e.g. %s", path, filepath.Join(path, "audit.log"))
	case !fi.Mode().IsRegular():
		return fmt.Errorf("the audit log %s is not a regular file (%s): give a file path", path, fileKind(fi.Mode()))
	case fi.Mode().Perm()&0o200 == 0:
		return fmt.Errorf("the audit log %s is read-only (mode %04o): make it writable by its owner or give another path", path, fi.Mode().Perm())
	}
	return nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown (uid " + strconv.Itoa(os.Getuid()) + ")"
}

// Notice is what OpenAuditLog did that the operator should hear of (a
// mode tightened), said once; "" when nothing.
func (a *AuditLog) Notice() string {
	if a == nil {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.notice
	a.notice = ""
	return n
}

// SetMongoUser records which database user the actions run as.
func (a *AuditLog) SetMongoUser(u string) {
	if a != nil {
		a.mu.Lock()
		a.mongoUser = u
		a.mu.Unlock()
	}
}

// Intent records, durably, an action about to be sent, and returns the id
// its outcome will carry. An error means the action must not be sent. A
// nil log (no audit configured) records nothing.
func (a *AuditLog) Intent(r ActionResult, op string, at time.Time) (string, error) {
	if a == nil {
		return "", nil
	}
	a.mu.Lock()
	a.seq++
	id := a.session + "-" + strconv.Itoa(a.seq)
	a.mu.Unlock()
	return id, a.record(auditLine{Time: at, Event: "intent", ID: id, Target: r.Target, Action: r.Action, Args: r.Args, Op: op})
}

// Outcome appends what came of the action with that intent id.
func (a *AuditLog) Outcome(id string, r ActionResult, at time.Time) error {
	return a.record(auditLine{Time: at, Event: "outcome", ID: id, Target: r.Target, Action: r.Action, Args: r.Args,
		Outcome: r.Outcome, Message: r.Message})
}

// Refused records an action refused before anything was sent.
func (a *AuditLog) Refused(r ActionResult, op string, at time.Time) error {
	return a.record(auditLine{Time: at, Event: "refused", Target: r.Target, Action: r.Action, Args: r.Args, Op: op,
		Outcome: r.Outcome, Message: r.Message})
}

func (a *AuditLog) record(l auditLine) error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	l.OSUser, l.MongoUser = a.osUser, a.mongoUser
	if l.Event != "outcome" { // the intent already named the build
		l.Mongoscope = a.build
	}
	a.mu.Unlock()
	return a.write(l)
}

// write appends one line and syncs it. The file is opened anew each time,
// so a rotated or removed log is recreated (0600) rather than written
// into the void, and a link put in its place is refused.
func (a *AuditLog) write(l auditLine) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<U+202E>" reads as itself
	if err := enc.Encode(l); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	f, err := a.open()
	if err != nil {
		return err
	}
	if _, err = f.Write(buf.Bytes()); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// open opens the log to append, never following a symbolic link (nor
// blocking on a FIFO), and makes sure it is a regular file only its owner
// can read.
func (a *AuditLog) open() (*os.File, error) {
	f, err := os.OpenFile(a.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY|openNoFollow, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link, which mongoscope does not follow", a.path)
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file (%s)", a.path, fileKind(fi.Mode()))
	}
	if err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err = f.Chmod(0o600); err == nil && a.notice == "" {
			a.notice = fmt.Sprintf("the audit log %s could be read by other users (mode %04o): its mode is now 0600", a.path, fi.Mode().Perm())
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// setBuild names the build in the records that follow.
func (a *AuditLog) setBuild(b *BuildInfo) {
	a.mu.Lock()
	a.build = b
	a.mu.Unlock()
}
