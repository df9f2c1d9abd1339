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
	follow         bool
	readOnly       bool
	auditLog       string
	demo           bool
	scenario       string // --demo --scenario NAME
	record         string
	recordMax      int64
	recordAppend   bool
	json           bool
	ascii          bool
	noAlerts       bool
	version        bool
	maps           []string // --map FROM=TO, then the lines of --map-file
	mapFile        string
	ssh            string
	sshIdentity    string
	sshInsecure    bool
	args           []string
}

// usageError is a mistake on the command line: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// The groups of the watch command's flags, in the order --help shows them.
const (
	groupWatching  = "watching"
	groupReaching  = "reaching"
	groupActions   = "actions"
	groupRecording = "recording"
	groupOutput    = "output"
)

var flagGroups = []string{groupWatching, groupReaching, groupActions, groupRecording, groupOutput}

// flagDef defines a flag once: the FlagSet that parses it, --help, the
// completion scripts and the man page are all made from it.
type flagDef struct {
	name  string
	group string // one of flagGroups for the watch command; "" in a subcommand
	// def is the default, and its type is the flag's: string, bool, int,
	// int64, float64 or time.Duration.
	def   any
	arg   string // what the value looks like (FILE, DURATION, N); "" for a switch
	usage string
	// values are the only accepted values, offered by completion.
	values []string
	// docDefault is the default as the documentation shows it, when def
	// depends on the machine or reads badly.
	docDefault string
}

// isSwitch says the flag takes no value.
func (d flagDef) isSwitch() bool { _, ok := d.def.(bool); return ok }

// takesFile says completion should offer file names for the value.
func (d flagDef) takesFile() bool { return d.arg == "FILE" }

// defaultText is the default as documentation shows it ("" for none).
func (d flagDef) defaultText() string {
	if d.docDefault != "" {
		return d.docDefault
	}
	switch v := d.def.(type) {
	case bool:
		return ""
	case string:
		if v == "" {
			return ""
		}
		return v
	}
	return fmt.Sprint(d.def)
}

// watchFlags are the flags of the watch command and of snapshot.
func watchFlags() []flagDef {
	return []flagDef{
		{name: "interval", group: groupWatching, def: time.Second, arg: "DURATION", usage: "polling interval (minimum 100ms)"},
		{name: "demo", group: groupWatching, def: false, usage: "run on an embedded simulated sharded cluster"},
		scenarioFlag(groupWatching),
		{name: "username", group: groupReaching, def: "", arg: "NAME", usage: "user name (overrides the URI's)"},
		{name: "password-prompt", group: groupReaching, def: false, usage: "ask for the password on the terminal (never echoed)"},
		{name: "tls-ca-file", group: groupReaching, def: "", arg: "FILE", usage: "PEM file of the CA that signed the servers' certificates"},
		{name: "tls-cert-key-file", group: groupReaching, def: "", arg: "FILE", usage: "PEM file with the client certificate and key (X.509)"},
		{name: "tls-insecure", group: groupReaching, def: false, usage: "skip certificate verification (testing only)"},
		{name: "connect-timeout", group: groupReaching, def: 10 * time.Second, arg: "DURATION", usage: "how long to wait for the deployment to answer"},
		{name: "read-only", group: groupActions, def: false, usage: "disable every action (killOp, balancer stop/start, window)"},
		{name: "audit-log", group: groupActions, def: defaultAuditLog(), arg: "FILE", usage: "where actions are appended as JSON lines",
			docDefault: "$XDG_STATE_HOME/mongoscope/audit.log"},
		{name: "record", group: groupRecording, def: "", arg: "FILE", usage: "record every snapshot to this file (gzip'd JSON lines)"},
		{name: "record-append", group: groupRecording, def: false, usage: "with --record, add to an existing recording instead of refusing it"},
		{name: "record-max", group: groupRecording, def: int64(512 << 20), arg: "BYTES", usage: "stop recording when the file reaches this many bytes",
			docDefault: "536870912, 512 MiB"},
		{name: "map", group: groupReaching, def: []string(nil), arg: "FROM=TO",
			usage: "dial the node named FROM at TO (repeatable), e.g. rs0-1.svc:27017=127.0.0.1:27018"},
		{name: "map-file", group: groupReaching, def: "", arg: "FILE", usage: "read --map entries from this file, one FROM=TO a line (# comments)"},
		{name: "ssh", group: groupReaching, def: "", arg: "USER@HOST[:PORT]", usage: "reach every node through this SSH bastion"},
		{name: "ssh-identity", group: groupReaching, def: "", arg: "FILE", usage: "private key for --ssh (default: the SSH agent at $SSH_AUTH_SOCK)"},
		{name: "ssh-insecure-host-key", group: groupReaching, def: false, usage: "do not check the bastion's key against ~/.ssh/known_hosts"},
		{name: "json", group: groupOutput, def: false, usage: "when stdout is not a terminal, print JSON lines instead of text"},
		{name: "follow", group: groupOutput, def: false, usage: "with snapshot: print one snapshot JSON document per line every interval until interrupted"},
		{name: "ascii", group: groupOutput, def: false, usage: "draw with ASCII only (automatic when the locale is not UTF-8)"},
		{name: "no-alerts", group: groupOutput, def: false, usage: "no bell or desktop notification when a finding of warning severity or worse starts"},
		{name: "version", group: groupOutput, def: false, usage: "print the version, commit and Go version, and exit"},
		{name: "help", group: groupOutput, def: false, usage: "print this help and exit"},
	}
}

// newFlagSet makes the FlagSet of a flag table. It reports nothing itself:
// its callers word the errors.
func newFlagSet(name string, defs []flagDef) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, d := range defs {
		switch def := d.def.(type) {
		case string:
			fs.String(d.name, def, d.usage)
		case bool:
			fs.Bool(d.name, def, d.usage)
		case int:
			fs.Int(d.name, def, d.usage)
		case int64:
			fs.Int64(d.name, def, d.usage)
		case float64:
			fs.Float64(d.name, def, d.usage)
		case time.Duration:
			fs.Duration(d.name, def, d.usage)
		case []string:
			fs.Var(&listFlag{}, d.name, d.usage)
		default:
			panic(fmt.Sprintf("flag --%s: no FlagSet type for a %T default", d.name, d.def))
		}
	}
	return fs
}

// flagValue is a parsed flag's value; T is the type of its default.
func flagValue[T any](fs *flag.FlagSet, name string) T {
	return fs.Lookup(name).Value.(flag.Getter).Get().(T)
}

// optionsFrom reads the watch command's parsed flags.
func optionsFrom(fs *flag.FlagSet) *options {
	return &options{
		username:       flagValue[string](fs, "username"),
		passwordPrompt: flagValue[bool](fs, "password-prompt"),
		tlsCAFile:      flagValue[string](fs, "tls-ca-file"),
		tlsCertKeyFile: flagValue[string](fs, "tls-cert-key-file"),
		tlsInsecure:    flagValue[bool](fs, "tls-insecure"),
		connectTimeout: flagValue[time.Duration](fs, "connect-timeout"),
		interval:       flagValue[time.Duration](fs, "interval"),
		readOnly:       flagValue[bool](fs, "read-only"),
		auditLog:       flagValue[string](fs, "audit-log"),
		demo:           flagValue[bool](fs, "demo"),
		scenario:       flagValue[string](fs, "scenario"),
		record:         flagValue[string](fs, "record"),
		recordMax:      flagValue[int64](fs, "record-max"),
		recordAppend:   flagValue[bool](fs, "record-append"),
		json:           flagValue[bool](fs, "json"),
		follow:         flagValue[bool](fs, "follow"),
		ascii:          flagValue[bool](fs, "ascii"),
		noAlerts:       flagValue[bool](fs, "no-alerts"),
		maps:           flagValue[[]string](fs, "map"),
		mapFile:        flagValue[string](fs, "map-file"),
		ssh:            flagValue[string](fs, "ssh"),
		sshIdentity:    flagValue[string](fs, "ssh-identity"),
		sshInsecure:    flagValue[bool](fs, "ssh-insecure-host-key"),
		version:        flagValue[bool](fs, "version"),
	}
}

// parseArgs parses flags and the URI (argument, then MONGODB_URI, then the
// default), so flags may come before or after the URI.
func parseArgs(name string, argv []string, env map[string]string, stderr io.Writer) (*options, error) {
	fs := newFlagSet(name, watchFlags())
	var positional []string
	rest := argv
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, flag.ErrHelp
			}
			return nil, usageError{strings.TrimPrefix(err.Error(), "flag provided but not defined: ") + usageHint(err)}
		}
		if flagValue[bool](fs, "help") {
			return nil, flag.ErrHelp
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	o := optionsFrom(fs)
	o.args = positional
	if o.interval < 100*time.Millisecond {
		return nil, usageError{fmt.Sprintf("--interval %v is too short: use 100ms or more", o.interval)}
	}
	if o.connectTimeout <= 0 {
		return nil, usageError{"--connect-timeout must be positive, e.g. 10s"}
	}
	if err := checkDemoScenario(o); err != nil {
		return nil, err
	}
	for _, f := range []struct{ flag, path string }{{"--tls-ca-file", o.tlsCAFile}, {"--tls-cert-key-file", o.tlsCertKeyFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.ReadFile(f.path); err != nil {
			return nil, usageError{fmt.Sprintf("%s: cannot read %s: %v", f.flag, f.path, unwrapPathErr(err))}
		}
	}
	if err := readMapFile(o); err != nil {
		return nil, err
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

// readMapFile appends the --map-file entries: one FROM=TO a line, blank
// lines and # comments skipped.
func readMapFile(o *options) error {
	if o.mapFile == "" {
		return nil
	}
	data, err := os.ReadFile(o.mapFile)
	if err != nil {
		return usageError{fmt.Sprintf("--map-file: cannot read %s: %v", o.mapFile, unwrapPathErr(err))}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			o.maps = append(o.maps, line)
		}
	}
	return nil
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

// listFlag is a repeatable string flag (--map a=b --map c=d).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
func (l *listFlag) Get() any           { return []string(*l) }
