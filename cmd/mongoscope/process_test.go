package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/sshtest"
)

// silentServer accepts connections and never answers, as a hung node or
// a firewall that lets the handshake through does; accepted is closed at
// the first connection.
type silentServer struct {
	ln       net.Listener
	accepted chan struct{}
	once     sync.Once
	mu       sync.Mutex
	conns    []net.Conn
	done     chan struct{}
}

func startSilent(t *testing.T) *silentServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentServer{ln: ln, accepted: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.once.Do(func() { close(s.accepted) })
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-s.done
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	return s
}

// process is the built binary running.
type process struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	exited chan struct{}
}

func startProcess(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	p.cmd.Env, p.cmd.Stderr = env, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// waitExit waits for the process to end, failing the test if it has not
// within the deadline (far below the connect timeout the tests give).
func (p *process) waitExit(t *testing.T, deadline time.Duration) (int, string) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(deadline):
		t.Fatalf("still running after %s; stderr so far: %q", deadline, p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode(), p.stderr.String()
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: not within 30s", what)
	}
}

// TestConnectAsAProcess runs the built binary: a URI of 1000 hosts nobody
// listens on fails with one short line; SIGTERM and SIGINT end it at once
// while it waits on a node that never answers or a bastion that never
// speaks, however long the connect timeout.
func TestConnectAsAProcess(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "mongoscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}

	t.Run("1000 hosts", func(t *testing.T) {
		// Port 1 of 1000 loopback addresses: nothing listens there (a
		// "free" ephemeral port can be taken by another test meanwhile).
		hosts := make([]string, 1000)
		for i := range hosts {
			hosts[i] = fmt.Sprintf("127.0.%d.%d:1", i/250, i%250+1)
		}
		p := startProcess(t, bin, env, "snapshot", "--connect-timeout", "30s", "mongodb://"+strings.Join(hosts, ",")+"/")
		code, stderr := p.waitExit(t, 60*time.Second)
		line := strings.TrimSpace(stderr)
		if code != exitFailure || strings.Contains(line, "\n") || len(line) > 300 || !strings.Contains(line, hosts[0]) ||
			!strings.Contains(line, "and 997 more") {
			t.Fatalf("exit %d, %d bytes: %q", code, len(line), line)
		}
	})

	t.Run("SIGTERM while a node never answers", func(t *testing.T) {
		silent := startSilent(t)
		p := startProcess(t, bin, env, "snapshot", "--connect-timeout", "5m", "mongodb://"+silent.ln.Addr().String()+"/")
		waitClosed(t, silent.accepted, "the connection to the silent node")
		p.cmd.Process.Signal(syscall.SIGTERM)
		if code, stderr := p.waitExit(t, 30*time.Second); code != exitFailure || strings.TrimSpace(stderr) != "mongoscope: interrupted while connecting" {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})

	t.Run("SIGINT during the SSH handshake", func(t *testing.T) {
		silent := startSilent(t)
		key, err := sshtest.NewKey(t.TempDir(), "id")
		if err != nil {
			t.Fatal(err)
		}
		p := startProcess(t, bin, env, "snapshot", "--connect-timeout", "5m", "--ssh", "ops@"+silent.ln.Addr().String(),
			"--ssh-identity", key.File, "--ssh-insecure-host-key", "mongodb://db.mongo.invalid:27017/")
		waitClosed(t, silent.accepted, "the connection to the bastion")
		p.cmd.Process.Signal(os.Interrupt)
		if code, stderr := p.waitExit(t, 30*time.Second); code != exitFailure || !strings.Contains(stderr, "interrupted") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
}
