package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startInTmux builds the binary and runs it with args in a w×h tmux pane
// (UTF-8 locale, so the screen is the one people see).
func startInTmux(t *testing.T, name string, w, h int, args ...string) tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed; .ci/run installs it")
		}
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	bin := filepath.Join(t.TempDir(), "mongoscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	s := tmuxSession{t: t, socket: fmt.Sprintf("mongoscope-%s-%d", name, os.Getpid())}
	script := fmt.Sprintf("LANG=C.UTF-8 %s %s; echo EXIT=$?; sleep 60", bin, strings.Join(args, " "))
	s.tmux("new-session", "-d", "-s", "e2e", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), script)
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

// waitMatch polls the pane until re matches; it returns the submatches.
func (s tmuxSession) waitMatch(re *regexp.Regexp, within time.Duration) []string {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		scr := s.screen()
		if m := re.FindStringSubmatch(scr); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never matched %v; it shows:\n%s", re, scr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func clock(t *testing.T, s string) time.Time {
	t.Helper()
	c, err := time.Parse("15:04:05", s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The time keys in the real program: space pauses, ← steps one interval
// back from the moment shown (never forward, however many samples come),
// → steps forward, end is live again; the header says which moment and
// how far behind.
func TestScrubKeysInTmux(t *testing.T) {
	s := startInTmux(t, "scrub", 120, 40, "--demo")
	s.waitScreen("3 Operations", 30*time.Second)
	live := regexp.MustCompile(`every 1s  (\d\d:\d\d:\d\d)`)
	first := clock(t, s.waitMatch(live, 15*time.Second)[1])
	for deadline := time.Now().Add(30 * time.Second); ; { // eight samples of history to step through
		if now := clock(t, s.waitMatch(live, 15*time.Second)[1]); now.Sub(first) >= 8*time.Second {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the clock does not move:\n%s", s.screen())
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.keys("Space")
	paused := s.waitMatch(regexp.MustCompile(`PAUSED (\d\d:\d\d:\d\d), [0-9.]+s behind live`), 5*time.Second)
	p := clock(t, paused[1])
	s.keys("Left", "Left", "Left", "Left", "Left")
	want := p.Add(-5 * time.Second).Format("15:04:05")
	s.waitScreen("◀ "+want+", ", 5*time.Second)
	// Samples keep coming; the moment shown stays, and says how far behind.
	back := s.waitMatch(regexp.MustCompile(`◀ `+want+`, (\d+)s behind live \(\+([3-9]|\d\d+)\)`), 15*time.Second)
	if n, _ := strconv.Atoi(back[1]); n < 8 {
		t.Fatalf("%s behind live, want at least 8 s:\n%s", back[1], s.screen())
	}
	s.keys("Right", "Right")
	s.waitScreen("◀ "+p.Add(-3*time.Second).Format("15:04:05")+", ", 5*time.Second)
	s.keys("End")
	s.waitMatch(regexp.MustCompile(`every 1s  \d\d:\d\d:\d\d`), 5*time.Second)
	if scr := s.screen(); strings.Contains(scr, "behind live") {
		t.Fatalf("end did not return to live:\n%s", scr)
	}
	s.keys("q")
	s.waitScreen("EXIT=0", 10*time.Second)
}

// Help at 80×24 in the real program: it opens, shows the actions, scrolls
// to its end, says where the demo's actions are audited; the footer keeps
// "? help" and "q quit" on the dashboard.
func TestHelpAt80x24InTmux(t *testing.T) {
	s := startInTmux(t, "help", 80, 24, "--demo")
	s.waitScreen("3 Operations", 30*time.Second)
	scr := s.waitScreen("? help • q quit", 10*time.Second)
	if !strings.Contains(scr, "DEMO") {
		t.Errorf("the demo's header does not say DEMO:\n%s", scr)
	}
	s.keys("?")
	scr = s.waitScreen("Help", 5*time.Second)
	for _, want := range []string{"Actions", "k kill op", "mongoscope-demo-audit", "↓ more"} {
		if !strings.Contains(strings.Join(strings.Fields(scr), " "), want) {
			t.Errorf("help at 80×24 lacks %q:\n%s", want, scr)
		}
	}
	s.keys("End")
	s.waitScreen("copy this op's command", 5*time.Second)
	s.keys("Escape", "K")
	s.waitScreen("to confirm:", 5*time.Second)
	s.keys("Escape", "q")
	s.waitScreen("EXIT=0", 10*time.Second)
}
