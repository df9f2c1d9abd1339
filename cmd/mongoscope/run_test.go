package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/probes/record"
)

// runCapture runs the program with arguments and environment, returning
// the exit code, stdout and stderr.
func runCapture(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, env, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestURIPrecedence(t *testing.T) {
	env := map[string]string{"MONGODB_URI": "mongodb://from-env:1"}
	o, err := parseArgs("mongoscope", []string{"--interval", "2s", "mongodb://from-arg:2", "--read-only"}, env, nil)
	if err != nil || o.uri != "mongodb://from-arg:2" || o.interval != 2*time.Second || !o.readOnly {
		t.Fatalf("argument should win: %+v %v", o, err)
	}
	o, _ = parseArgs("mongoscope", nil, env, nil)
	if o.uri != "mongodb://from-env:1" {
		t.Fatalf("env should come next: %s", o.uri)
	}
	o, _ = parseArgs("mongoscope", nil, map[string]string{}, nil)
	if o.uri != "mongodb://localhost:27017" {
		t.Fatalf("default: %s", o.uri)
	}
}

func TestUsageErrorsAreOneLineAndExit2(t *testing.T) {
	cases := map[string][]string{
		"unknown flag":     {"--frobnicate"},
		"bad interval":     {"--interval", "50ms"},
		"unparsable":       {"--interval", "soon"},
		"bad scheme":       {"http://example.com"},
		"bad URI option":   {"mongodb://localhost:27017/?connectTimeoutMS=abc"},
		"missing CA file":  {"--tls-ca-file", "/nonexistent/ca.pem"},
		"unwritable audit": {"--audit-log", "/proc/mongoscope/audit.log", "mongodb://127.0.0.1:1"},
	}
	for name, args := range cases {
		code, out, errOut := runCapture(t, nil, args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != exitUsage || len(lines) != 1 || !strings.HasPrefix(lines[0], "mongoscope: ") || out != "" {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}
}

func TestUnreachableSaysWhichHost(t *testing.T) {
	code, _, errOut := runCapture(t, nil, "--connect-timeout", "500ms", "--read-only", "mongodb://127.0.0.1:1")
	if code != exitFailure || !strings.Contains(errOut, "cannot reach 127.0.0.1:1") || !strings.Contains(errOut, "connection refused") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("exit %d: %q", code, errOut)
	}
}

const secret = "Sup3r-Secret-pw"

// authSim is a replica set requiring SCRAM, with the known password.
func authSim(t *testing.T) *simcluster.Cluster {
	t.Helper()
	c, err := simcluster.Start(simcluster.Config{Topology: "replset", Members: 1, Seed: 3,
		Users: []wire.User{{Name: "ops", DB: "admin", Password: secret, Roles: []wire.Role{{Role: "clusterMonitor", DB: "admin"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestPasswordNeverAppears(t *testing.T) {
	sim := authSim(t)
	host := strings.TrimPrefix(sim.Nodes()[0].Address, "")
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec.gz")
	audit := filepath.Join(dir, "audit.log")
	// Wrong password (in the URI): the error must not echo it.
	code, out, errOut := runCapture(t, nil, "snapshot", "--connect-timeout", "2s", "mongodb://ops:"+secret+"x@"+host+"/?directConnection=true")
	if code != exitFailure || !strings.Contains(errOut, "authentication failed") {
		t.Fatalf("wrong password: exit %d %q", code, errOut)
	}
	all := out + errOut
	// Right password via the URI: snapshot JSON, then a recording and the audit log via a watch run.
	code, out, errOut = runCapture(t, nil, "snapshot", "--interval", "200ms", "mongodb://ops:"+secret+"@"+host+"/?directConnection=true")
	if code != exitOK {
		t.Fatalf("snapshot exit %d: %s", code, errOut)
	}
	all += out + errOut
	s, ok := startWatch(t, []string{"--record", rec, "--audit-log", audit, "--interval", "200ms", "--json",
		"mongodb://ops:" + secret + "@" + host + "/?directConnection=true"})
	all += s
	if !ok {
		t.Fatalf("watch produced nothing: %s", s)
	}
	for _, f := range []string{rec, audit} {
		b, _ := os.ReadFile(f)
		all += string(b)
	}
	if r, err := record.Open(rec); err == nil {
		snaps, _ := readRecording(r)
		r.Close()
		js, _ := json.Marshal(snaps)
		all += string(js) + r.Header.Deployment.Name
	}
	if strings.Contains(all, secret) {
		t.Fatal("the password appears in an output")
	}
	if !strings.Contains(probes.RedactURI("mongodb://ops:"+secret+"@h:1"), "ops:****@") {
		t.Fatal("RedactURI does not hide the password")
	}
}

// startWatch runs the non-terminal watch mode for a moment and returns
// what it printed.
func startWatch(t *testing.T, args []string) (string, bool) {
	t.Helper()
	p, w, _ := os.Pipe()
	var errb bytes.Buffer
	done := make(chan int)
	go func() { done <- run(args, nil, strings.NewReader(""), w, &errb) }()
	// Wait for the first node line (connecting may be slow on a busy
	// machine), or for the run to end, then interrupt it.
	var out bytes.Buffer
	seen := make(chan struct{})
	read := make(chan struct{})
	go func() {
		defer close(read)
		lines := bufio.NewScanner(p)
		once := sync.OnceFunc(func() { close(seen) })
		for lines.Scan() {
			out.Write(append(lines.Bytes(), '\n'))
			if strings.Contains(lines.Text(), `"node"`) {
				once()
			}
		}
	}()
	code := -1
	select {
	case <-seen:
	case code = <-done:
	case <-time.After(30 * time.Second):
	}
	if code == -1 {
		proc, _ := os.FindProcess(os.Getpid())
		proc.Signal(os.Interrupt)
		<-done
	}
	w.Close()
	<-read
	return out.String() + errb.String(), strings.Contains(out.String(), `"node"`)
}

func TestUnwritableRecordingPath(t *testing.T) {
	sim, err := simcluster.Start(simcluster.Config{Topology: "standalone", Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	code, _, errOut := runCapture(t, nil, "--read-only", "--record", "/proc/no-such-dir/rec.gz", sim.URI())
	if code != exitUsage || !strings.Contains(errOut, "--record /proc/no-such-dir/rec.gz") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("exit %d: %q", code, errOut)
	}
}
