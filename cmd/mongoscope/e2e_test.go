package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// tmuxSession drives the real binary in a tmux pane: keys in, screen out.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func (s tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", "e2e") }

func (s tmuxSession) keys(keys ...string) {
	for _, k := range keys {
		s.tmux("send-keys", "-t", "e2e", k)
		time.Sleep(150 * time.Millisecond)
	}
}

// waitScreen polls the pane until it shows want.
func (s tmuxSession) waitScreen(want string, within time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		scr := s.screen()
		if strings.Contains(scr, want) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; it shows:\n%s", want, scr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestEndToEndInTmux runs the real binary against the simulated cluster:
// kill the analytics COLLSCAN with k y, stop the balancer with b y, quit
// with q, and check the terminal came back cooked.
func TestEndToEndInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed; .ci/run installs it")
		}
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mongoscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sim, err := simcluster.Start(simcluster.Config{Shards: 2, Members: 2, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	s := tmuxSession{t: t, socket: fmt.Sprintf("mongoscope-e2e-%d", os.Getpid())}
	audit := filepath.Join(dir, "audit.log")
	script := fmt.Sprintf("%s --audit-log %s %s; echo EXIT=$?; stty -a; sleep 60", bin, audit, sim.URI())
	s.tmux("new-session", "-d", "-s", "e2e", "-x", "130", "-y", "42", script)
	defer exec.Command("tmux", "-L", s.socket, "kill-server").Run()

	s.waitScreen("3 Operations", 15*time.Second)
	s.waitScreen("analytics", 15*time.Second)
	s.keys("/")
	s.tmux("send-keys", "-t", "e2e", "-l", "app:analytics")
	s.keys("Enter", "k")
	s.waitScreen("Kill this operation?", 5*time.Second)
	s.keys("y")
	s.waitScreen("it is gone", 10*time.Second)
	for _, n := range sim.Nodes() {
		for _, op := range sim.Ops(n.Address) {
			if op.AppName == "analytics" && !op.KillPending {
				t.Fatalf("the analytics op still runs on %s: %+v", n.Address, op)
			}
		}
	}

	s.keys("Escape", "b")
	s.waitScreen("Stop the balancer?", 5*time.Second)
	s.keys("y")
	s.waitScreen("balancer stopped", 70*time.Second)
	if sim.BalancerEnabled() {
		t.Fatal("the simulator's balancer is still enabled")
	}

	// Quit while a node hangs: mongoscope must not wait for it.
	for _, n := range sim.Nodes() {
		if n.Role == "secondary" {
			sim.Fault(simcluster.Fault{Kind: "hang", Node: n.Address})
			break
		}
	}
	time.Sleep(time.Second) // a poll is now stuck on the hung node
	quit := time.Now()
	s.keys("q")
	scr := s.waitScreen("EXIT=0", 5*time.Second)
	t.Logf("quit took %v with a node hanging", time.Since(quit).Round(10*time.Millisecond))
	if time.Since(quit) > 2500*time.Millisecond { // the issue asks for 1 s; the screen is polled every 200 ms
		t.Errorf("quitting took %v while a node hangs", time.Since(quit))
	}
	if !strings.Contains(scr, " icanon") || !strings.Contains(scr, " echo") {
		t.Fatalf("the terminal was not restored (stty shows raw mode):\n%s", scr)
	}
	log, _ := os.ReadFile(audit)
	if !strings.Contains(string(log), `"action":"killOp"`) || !strings.Contains(string(log), `"action":"balancerStop"`) ||
		!strings.Contains(string(log), `"mongoscope":{"version":`) {
		t.Fatalf("audit log lacks the actions:\n%s", log)
	}
}
