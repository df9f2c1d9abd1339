package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

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
		switch argv[0] {
		case "sim":
			return runSim(argv[1:], stdout, stderr)
		case "snapshot":
			return runSnapshot(argv[1:], env, stdin, stdout, stderr)
		case "replay":
			return runReplay(argv[1:], stdout, stderr)
		case "bench":
			return runBench(argv[1:], stdout, stderr)
		}
	}
	o, err := parseArgs("mongoscope", argv, env, stderr)
	if code, done := reportParse(err, stdout, stderr); done {
		return code
	}
	if o.version {
		fmt.Fprintln(stdout, "mongoscope", version)
		return exitOK
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, code := prepare(o, env, stdin, stderr)
	if s == nil {
		return code
	}
	defer s.close()
	if isTerminal(stdout) {
		return runTUI(ctx, o, s, stderr) // the screen shows the connecting from its first frame
	}
	if msg, code := s.discover(ctx); code != exitOK {
		fmt.Fprintln(stderr, "mongoscope: "+msg)
		return code
	}
	return watch(ctx, o, s, stdout, stderr)
}

// reportParse prints a parse error (or the usage) and says whether to stop.
func reportParse(err error, stdout, stderr io.Writer) (int, bool) {
	if err == nil {
		return 0, false
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageText)
		fs := newFlagSet("mongoscope", &options{}, stdout)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitOK, true
	}
	fmt.Fprintln(stderr, "mongoscope: "+err.Error())
	return exitUsage, true
}

// session is a poller, plus the simulator behind --demo.
type session struct {
	poller   *probes.Poller
	dep      probes.Deployment
	sim      *simcluster.Cluster
	label    string
	uri      string
	password string // only to redact it from errors
	auditLog string // where actions go; "" when read-only
}

func (s *session) close() {
	s.poller.Close(context.Background())
	s.closeSim()
}

// connect prepares the poller and discovers the deployment.
func connect(ctx context.Context, o *options, env map[string]string, stdin io.Reader, stderr io.Writer) (*session, int) {
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
		sim, err := simcluster.Start(simcluster.Config{Seed: 1, Speed: 10})
		if err != nil {
			fmt.Fprintln(stderr, "mongoscope: cannot start the demo cluster: "+err.Error())
			return nil, exitFailure
		}
		s.sim, uri = sim, sim.URI()
	}
	password, err := passwordFor(o, uri, env, stdin)
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
	p, err := probes.NewPoller(probes.Config{URI: uri, Username: o.username, Password: password,
		TLSCAFile: o.tlsCAFile, TLSCertKeyFile: o.tlsCertKeyFile, TLSInsecure: o.tlsInsecure,
		ConnectTimeout: o.connectTimeout, Interval: o.interval, ReadOnly: o.readOnly, Audit: audit})
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: "+probes.Redact(err.Error(), password))
		s.closeSim()
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

func (s *session) closeSim() {
	if s.sim != nil {
		s.sim.Close()
	}
}

// passwordFor prompts for the password when asked to, or when the URI
// names a user without a password and stdin is a terminal.
func passwordFor(o *options, uri string, env map[string]string, stdin io.Reader) (string, error) {
	hasUser := o.username != "" || uriHasUserWithoutPassword(uri)
	f, isFile := stdin.(*os.File)
	tty := isFile && term.IsTerminal(f.Fd())
	if !o.passwordPrompt && !(hasUser && tty) {
		return "", nil
	}
	if !tty {
		return "", errors.New("--password-prompt needs a terminal on standard input")
	}
	fmt.Fprint(os.Stderr, "Enter password: ")
	pw, err := term.ReadPassword(f.Fd())
	fmt.Fprintln(os.Stderr)
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
	snaps, err := startPolling(ctx, o, s, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: "+err.Error())
		return exitUsage
	}
	return printLines(ctx, snaps, o.json, stdout)
}

// startPolling runs the poller, teeing into the recording if asked.
func startPolling(ctx context.Context, o *options, s *session, stderr io.Writer) (<-chan probes.Snapshot, error) {
	snaps := s.poller.Run(ctx)
	if o.record == "" {
		return snaps, nil
	}
	return recordTo(ctx, o, s, snaps, stderr)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
