package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // unreachable, authentication failed, runtime failure
	exitUsage   = 2 // bad flags, bad URI, unreadable files
	exitPartial = 3 // snapshot: some node failed
)

// options are the parsed command line.
type options struct {
	uri            string
	username       string
	passwordPrompt bool
	tlsCAFile      string
	tlsCertKeyFile string
	tlsInsecure    bool
	connectTimeout time.Duration
	interval       time.Duration
	readOnly       bool
	auditLog       string
	demo           bool
	record         string
	recordMax      int64
	json           bool
	ascii          bool
	version        bool
	args           []string
}

// usageError is a mistake on the command line: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func newFlagSet(name string, o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.username, "username", "", "user name (overrides the URI's)")
	fs.BoolVar(&o.passwordPrompt, "password-prompt", false, "ask for the password on the terminal (never echoed)")
	fs.StringVar(&o.tlsCAFile, "tls-ca-file", "", "PEM file of the CA that signed the servers' certificates")
	fs.StringVar(&o.tlsCertKeyFile, "tls-cert-key-file", "", "PEM file with the client certificate and key (X.509)")
	fs.BoolVar(&o.tlsInsecure, "tls-insecure", false, "skip certificate verification (testing only)")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", 10*time.Second, "how long to wait for the deployment to answer")
	fs.DurationVar(&o.interval, "interval", time.Second, "polling interval (minimum 100ms)")
	fs.BoolVar(&o.readOnly, "read-only", false, "disable every action (killOp, balancer stop/start, window)")
	fs.StringVar(&o.auditLog, "audit-log", defaultAuditLog(), "where actions are appended as JSON lines")
	fs.BoolVar(&o.demo, "demo", false, "run on an embedded simulated sharded cluster")
	fs.StringVar(&o.record, "record", "", "record every snapshot to this file (gzip'd JSON lines)")
	fs.Int64Var(&o.recordMax, "record-max", 512<<20, "stop recording when the file reaches this many bytes")
	fs.BoolVar(&o.json, "json", false, "when stdout is not a terminal, print JSON lines instead of text")
	fs.BoolVar(&o.ascii, "ascii", false, "draw with ASCII only (automatic when the locale is not UTF-8)")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	return fs
}

// parseArgs parses flags and the URI (argument, then MONGODB_URI, then the
// default), so flags may come before or after the URI.
func parseArgs(name string, argv []string, env map[string]string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := newFlagSet(name, o, stderr)
	var positional []string
	rest := argv
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, flag.ErrHelp
			}
			return nil, usageError{strings.TrimPrefix(err.Error(), "flag provided but not defined: ") + usageHint(err)}
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	o.args = positional
	if o.interval < 100*time.Millisecond {
		return nil, usageError{fmt.Sprintf("--interval %v is too short: use 100ms or more", o.interval)}
	}
	if o.connectTimeout <= 0 {
		return nil, usageError{"--connect-timeout must be positive, e.g. 10s"}
	}
	for _, f := range []struct{ flag, path string }{{"--tls-ca-file", o.tlsCAFile}, {"--tls-cert-key-file", o.tlsCertKeyFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.ReadFile(f.path); err != nil {
			return nil, usageError{fmt.Sprintf("%s: cannot read %s: %v", f.flag, f.path, unwrapPathErr(err))}
		}
	}
	switch {
	case len(positional) > 0:
		o.uri = positional[0]
	case env["MONGODB_URI"] != "":
		o.uri = env["MONGODB_URI"]
	default:
		o.uri = "mongodb://localhost:27017"
	}
	if !strings.HasPrefix(o.uri, "mongodb://") && !strings.HasPrefix(o.uri, "mongodb+srv://") {
		return nil, usageError{fmt.Sprintf("%q is not a MongoDB connection string: it must start with mongodb:// or mongodb+srv://", probes.RedactURI(o.uri))}
	}
	return o, nil
}

func usageHint(err error) string {
	if strings.Contains(err.Error(), "not defined") {
		return ": unknown flag (see mongoscope -h)"
	}
	if strings.Contains(err.Error(), "invalid value") {
		return " (durations look like 500ms, 2s, 1m)"
	}
	return ""
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// defaultAuditLog is $XDG_STATE_HOME/mongoscope/audit.log.
func defaultAuditLog() string {
	if dir := os.Getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "mongoscope", "audit.log")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "mongoscope", "audit.log")
	}
	return "mongoscope-audit.log"
}

const usageText = `mongoscope: a live view of a MongoDB deployment, and the keys to act on it

usage:
  mongoscope [flags] [URI]          watch a deployment (URI, else $MONGODB_URI, else mongodb://localhost:27017)
  mongoscope --demo                 watch an embedded simulated sharded cluster
  mongoscope snapshot [flags] [URI] poll twice and print one JSON document
  mongoscope replay FILE            replay a recording made with --record
  mongoscope sim [flags]            run the simulated cluster headless (see README)

flags:
`
