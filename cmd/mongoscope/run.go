package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/probes"
)

// run is the whole program, testable: it returns the exit code.
func run(argv, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if len(argv) > 0 {
		if c, ok := subcommand(argv[0]); ok {
			return c.run(argv[1:], env, stdin, stdout, stderr)
		}
	}
	o, err := parseArgs("mongoscope", argv, env, stderr)
	if code, done := reportParse(err, stdout, stderr); done {
		return code
	}
	if o.version {
		printVersion(stdout, versionInfo())
		return exitOK
	}
	if err := checkRecordFlags(o); err != nil {
		fmt.Fprintln(stderr, "mongoscope: "+err.Error())
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if isTerminal(stdout) {
		s, code := prepare(o, env, stdin, stderr)
		if s == nil {
			return code
		}
		defer s.close()
		return runTUI(ctx, o, s, stderr) // the screen shows the connecting from its first frame
	}
	session, code := connect(ctx, o, env, stdin, stderr)
	if session == nil {
		return code
	}
	defer session.close()
	return watch(ctx, o, session, stdout, stderr)
}

// reportParse prints a parse error (or the usage) and says whether to stop.
func reportParse(err error, stdout, stderr io.Writer) (int, bool) {
	if err == nil {
		return 0, false
	}
	if errors.Is(err, flag.ErrHelp) {
		printHelp(stdout)
		return exitOK, true
	}
	fmt.Fprintln(stderr, "mongoscope: "+err.Error())
	return exitUsage, true
}

// session is a connected poller, plus the simulator behind --demo.
type session struct {
	poller   *probes.Poller
	dep      probes.Deployment
	sim      *simcluster.Cluster
	label    string
	uri      string
	password string // only to redact it from errors
	auditLog string // where actions go; "" when read-only
	// recMark is the header's recording mark: REC, then REC STOPPED.
	recMark atomic.Pointer[string]
	// said are the program's own notices for the TUI's footer (recording
	// stopped), oldest first.
	saidMu sync.Mutex
	said   []string
}

// say adds a notice for the TUI's footer.
func (s *session) say(notice string) {
	s.saidMu.Lock()
	defer s.saidMu.Unlock()
	s.said = append(s.said, notice)
}

// notices are the notices said so far (tui.Options.Notices).
func (s *session) notices() []string {
	s.saidMu.Lock()
	defer s.saidMu.Unlock()
	return slices.Clone(s.said)
}

// marks are the TUI's header marks: the recording's state, if recording.
func (s *session) marks() []string {
	if m := s.recMark.Load(); m != nil {
		return []string{*m}
	}
	return nil
}

func (s *session) close() {
	s.poller.Close(context.Background())
	s.closeSim()
}

// interruptGrace is how long connecting may take to notice SIGINT/SIGTERM
// before mongoscope stops waiting for it.
const interruptGrace = 500 * time.Millisecond

// connect connects, giving up within a moment of SIGINT or SIGTERM (ctx
// ending) whatever it is doing: a mongodb+srv lookup, for one, cannot be
// called off. What connecting says goes to stderr only when it was not
// interrupted, so an interrupt is one line.
func connect(ctx context.Context, o *options, env map[string]string, stdin io.Reader, stderr io.Writer) (*session, int) {
	type result struct {
		s    *session
		code int
	}
	var said bytes.Buffer
	done := make(chan result, 1)
	go func() {
		s, code := connectNow(ctx, o, env, stdin, &said)
		done <- result{s, code}
	}()
	select {
	case r := <-done:
		if ctx.Err() == nil {
			stderr.Write(said.Bytes())
			return r.s, r.code
		}
		r.s.closeIfAny()
	case <-ctx.Done():
		select {
		case r := <-done:
			r.s.closeIfAny()
		case <-time.After(interruptGrace):
		}
	}
	fmt.Fprintln(stderr, "mongoscope: interrupted while connecting")
	return nil, exitFailure
}

func (s *session) closeIfAny() {
	if s != nil {
		s.close()
	}
}

// connectNow prepares the poller, then discovers the deployment.
func connectNow(ctx context.Context, o *options, env map[string]string, stdin io.Reader, stderr io.Writer) (*session, int) {
	s, code := prepare(o, env, stdin, stderr)
	if s == nil {
		return nil, code
	}
	if msg, code := s.discover(ctx); code != exitOK {
		fmt.Fprintln(stderr, "mongoscope: "+msg)
		s.close()
		return nil, code
	}
	return s, exitOK
}

// prepare starts the demo cluster if asked, asks for the password, opens
// the audit log and builds the poller; nothing is dialled yet.
func prepare(o *options, env map[string]string, stdin io.Reader, stderr io.Writer) (*session, int) {
	s := &session{}
	uri := o.uri
	if o.demo {
		sim, err := simcluster.Start(demoCluster(o.scenario))
		if err != nil {
			fmt.Fprintln(stderr, "mongoscope: cannot start the demo cluster: "+err.Error())
			return nil, exitFailure
		}
		s.sim, uri = sim, sim.URI()
	}
	password, err := passwordFor(o, uri, stdin, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: "+err.Error())
		s.closeSim()
		return nil, exitUsage
	}
	audit, err := s.openAudit(o)
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: "+err.Error()+" (set --audit-log to a writable file, or use --read-only)")
		s.closeSim()
		return nil, exitUsage
	}
	if notice := audit.Notice(); notice != "" {
		fmt.Fprintln(stderr, "mongoscope: "+notice)
	}
	p, err := probes.NewPoller(probes.Config{URI: uri, Username: o.username, Password: password,
		TLSCAFile: o.tlsCAFile, TLSCertKeyFile: o.tlsCertKeyFile, TLSInsecure: o.tlsInsecure,
		ConnectTimeout: o.connectTimeout, Interval: o.interval, ReadOnly: o.readOnly, Audit: audit,
		Build: buildInfo(), Map: o.maps, SSH: o.ssh, SSHUser: env["USER"], SSHIdentity: o.sshIdentity,
		SSHAgentSocket: env["SSH_AUTH_SOCK"], SSHKnownHosts: knownHostsFile(env), SSHInsecureHostKey: o.sshInsecure})
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: "+probes.Redact(err.Error(), password))
		s.closeSim()
		if errors.Is(err, probes.ErrUnreachable) { // a mongodb+srv name that does not resolve
			return nil, exitFailure
		}
		return nil, exitUsage
	}
	s.poller, s.uri, s.password = p, uri, password
	return s, exitOK
}

// openAudit opens the audit log, none when read-only. The demo's actions
// go to a temporary file: it is a place to practise, not the operator's
// record of what was done to real deployments.
func (s *session) openAudit(o *options) (*probes.AuditLog, error) {
	if o.readOnly {
		return nil, nil
	}
	s.auditLog = o.auditLog
	if o.demo {
		f, err := os.CreateTemp("", "mongoscope-demo-audit-*.log")
		if err != nil {
			return nil, err
		}
		f.Close()
		s.auditLog = f.Name()
	}
	return probes.OpenAuditLog(s.auditLog)
}

// discover finds the deployment; on failure it returns the one-line
// message (the password redacted) and the exit code.
func (s *session) discover(ctx context.Context) (string, int) {
	dep, err := s.poller.Connect(ctx)
	if err != nil {
		msg := probes.Redact(err.Error(), s.password)
		if errors.Is(err, probes.ErrBadURI) {
			return msg, exitUsage
		}
		return msg, exitFailure
	}
	s.dep, s.label = dep, dep.Name
	if s.sim != nil {
		s.label = "demo"
	}
	return "", exitOK
}

// knownHostsFile is ~/.ssh/known_hosts, where ssh keeps the keys of hosts.
func knownHostsFile(env map[string]string) string {
	if env["HOME"] == "" {
		return ""
	}
	return filepath.Join(env["HOME"], ".ssh", "known_hosts")
}

func (s *session) closeSim() {
	if s.sim != nil {
		s.sim.Close()
	}
}

// passwordFor prompts for the password when asked to, or when the URI
// names a user without a password and stdin is a terminal.
func passwordFor(o *options, uri string, stdin io.Reader, prompt io.Writer) (string, error) {
	hasUser := o.username != "" || uriHasUserWithoutPassword(uri)
	f, isFile := stdin.(*os.File)
	tty := isFile && term.IsTerminal(f.Fd())
	if !o.passwordPrompt && !(hasUser && tty) {
		return "", nil
	}
	if !tty {
		return "", errors.New("--password-prompt needs a terminal on standard input")
	}
	fmt.Fprint(prompt, "Enter password: ")
	pw, err := term.ReadPassword(f.Fd())
	fmt.Fprintln(prompt)
	if err != nil {
		return "", fmt.Errorf("cannot read the password: %v", err)
	}
	return string(pw), nil
}

func uriHasUserWithoutPassword(uri string) bool {
	rest := uri[strings.Index(uri, "://")+3:]
	creds, _, found := strings.Cut(rest, "@")
	if !found || strings.Contains(creds, "/") {
		return false
	}
	return !strings.Contains(creds, ":")
}

// watch prints lines (stdout is not a terminal) until interrupted.
func watch(ctx context.Context, o *options, s *session, stdout, stderr io.Writer) int {
	snaps, err := startPolling(ctx, o, s, false, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: "+err.Error())
		return exitUsage
	}
	return printLines(ctx, snaps, o.json, stdout)
}

// startPolling runs the poller, teeing into the recording if asked.
func startPolling(ctx context.Context, o *options, s *session, tty bool, stderr io.Writer) (<-chan probes.Snapshot, error) {
	snaps := s.poller.Run(ctx)
	if o.record == "" {
		return snaps, nil
	}
	return recordTo(ctx, o, s, snaps, tty, stderr)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
