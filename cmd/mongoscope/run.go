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
		fmt.Fprint(stdout, usageText)
		fs := newFlagSet("mongoscope", &options{}, stdout)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return exitOK, true
	}
	fmt.Fprintln(stderr, "mongoscope: "+err.Error())
	return exitUsage, true
}

// session is a connected poller, plus the simulator behind --demo.
type session struct {
	poller *probes.Poller
	dep    probes.Deployment
	sim    *simcluster.Cluster
	label  string
}

func (s *session) close() {
	s.poller.Close(context.Background())
	if s.sim != nil {
		s.sim.Close()
	}
}

// connect starts the demo cluster if asked, then discovers the deployment.
func connect(ctx context.Context, o *options, env map[string]string, stdin io.Reader, stderr io.Writer) (*session, int) {
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
	var audit *probes.AuditLog
	if !o.readOnly {
		if audit, err = probes.OpenAuditLog(o.auditLog); err != nil {
			fmt.Fprintln(stderr, "mongoscope: "+err.Error()+" (set --audit-log to a writable file, or use --read-only)")
			s.closeSim()
			return nil, exitUsage
		}
	}
	p, err := probes.NewPoller(probes.Config{URI: uri, Username: o.username, Password: password,
		TLSCAFile: o.tlsCAFile, TLSCertKeyFile: o.tlsCertKeyFile, TLSInsecure: o.tlsInsecure,
		ConnectTimeout: o.connectTimeout, Interval: o.interval, ReadOnly: o.readOnly, Audit: audit})
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: "+probes.Redact(err.Error(), password))
		s.closeSim()
		return nil, exitUsage
	}
	dep, err := p.Connect(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "mongoscope: "+probes.Redact(err.Error(), password))
		p.Close(context.Background())
		s.closeSim()
		if errors.Is(err, probes.ErrBadURI) {
			return nil, exitUsage
		}
		return nil, exitFailure
	}
	s.poller, s.dep = p, dep
	s.label = dep.Name
	if o.demo {
		s.label = "demo"
	}
	return s, exitOK
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

// watch shows the deployment: the TUI on a terminal, lines otherwise.
func watch(ctx context.Context, o *options, s *session, stdout, stderr io.Writer) int {
	snaps := s.poller.Run(ctx)
	if o.record != "" {
		var err error
		snaps, err = recordTo(ctx, o, s, snaps, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "mongoscope: "+err.Error())
			return exitUsage
		}
	}
	if isTerminal(stdout) {
		return runTUI(ctx, o, s, snaps, stderr)
	}
	return printLines(ctx, snaps, o.json, stdout)
}
