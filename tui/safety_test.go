package tui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mongoscope/mongoscope/probes"
)

func killModel(t *testing.T, opts Options) (Model, *fakeActor) {
	a := &fakeActor{privs: probes.Privileges{KillOp: true, Balancer: true}, outcome: probes.OutcomeGone}
	opts.Actor = a
	return newTestModel(t, opts, 120, 40, 3), a
}

func typeText(t *testing.T, m Model, s string) Model {
	for _, r := range s {
		m = press(t, m, string(r))
	}
	return m
}

func TestInvalidFilterTermIsAnErrorAndTurnsBulkKillOff(t *testing.T) {
	m, a := killModel(t, Options{})
	m = press(t, m, "/")
	m = typeText(t, m, "secs>abc")
	m = press(t, m, "enter")
	scr := screen(m)
	if !strings.Contains(scr, `✗ secs>abc: "abc" is not a number of seconds (K is off)`) {
		t.Fatalf("the bad term is not shown as an error:\n%s", scr)
	}
	m = press(t, m, "K")
	if m.dialog != nil || len(a.Calls()) != 0 {
		t.Fatal("K opened a bulk kill with a broken filter")
	}
	if !strings.Contains(screen(m), "K (kill filtered ops) is off: the filter has an error: secs>abc") {
		t.Fatalf("K does not say why it is off:\n%s", screen(m))
	}
	for _, bad := range []string{"secs<5", "app:", "secs>-1"} {
		if _, err := parseFilter(bad); err == "" {
			t.Errorf("%q parsed without an error", bad)
		}
	}
	m = press(t, m, "/", "esc")
	m = press(t, m, "/")
	m = typeText(t, m, "secs>50")
	m = press(t, m, "enter", "K")
	if m.dialog == nil || len(m.dialog.ops) != 2 {
		t.Fatalf("a valid filter should allow bulk kill of its 2 ops: %v", m.dialog)
	}
}

func TestSelectionFollowsTheOpAndSaysWhenItEnded(t *testing.T) {
	m, a := killModel(t, Options{})
	m = press(t, m, "down") // shard1:1201, the index build, second longest
	if op, _ := m.ops.selected(); op.OpID != "shard1:1201" {
		t.Fatalf("selected %s", op.OpID)
	}
	s := sampleSnapshot(3)
	s.Ops[1].SecsRunning = 500 // 88417 now runs longest: rows reorder
	m = send(m, snapshotMsg{s})
	if op, _ := m.ops.selected(); op.OpID != "shard1:1201" {
		t.Fatalf("after a reorder the selection moved to %s", op.OpID)
	}
	s = sampleSnapshot(4)
	s.Ops = append(s.Ops[:2], s.Ops[3:]...) // 1201 finished
	m = send(m, snapshotMsg{s})
	op, _ := m.ops.selected()
	scr := screen(m)
	if op.OpID != "shard1:1201" || !regexp.MustCompile(`shard1:1201 .* ended .*finished by 14:02:35`).MatchString(scr) {
		t.Fatalf("the finished op's row does not say so (selected %s):\n%s", op.OpID, scr)
	}
	if !strings.Contains(scr, "87 running, 2 shown") {
		t.Fatalf("the finished op is counted as shown:\n%s", scr)
	}
	m = press(t, m, "k")
	if m.dialog != nil || !strings.Contains(screen(m), "op shard1:1201 finished by 14:02:35: nothing to kill") {
		t.Fatalf("k on a finished op:\n%s", screen(m))
	}
	m = press(t, m, "K")
	if m.dialog == nil || len(m.dialog.ops) != 2 {
		t.Fatalf("bulk kill should take the 2 running ops, not the finished one")
	}
	for _, o := range m.dialog.ops {
		if o.OpID == "shard1:1201" {
			t.Fatal("bulk kill includes the finished op")
		}
	}
	m = press(t, m, "esc", "up") // moving off the finished row (the last) lets it go
	m = send(m, snapshotMsg{s})
	if strings.Contains(screen(m), "shard1:1201") {
		t.Fatalf("the finished op stayed after the cursor left it:\n%s", screen(m))
	}
	if len(a.Calls()) != 0 {
		t.Fatalf("calls: %v", a.Calls())
	}
}

func TestNoKillFromAPastMoment(t *testing.T) {
	m, a := killModel(t, Options{})
	m = press(t, m, "left", "k")
	if m.dialog != nil {
		t.Fatal("k opened a kill dialog from a past moment")
	}
	if !strings.Contains(screen(m), "k (kill op) is off: kills act on the present only, not on 14:02:32; end returns to live") {
		t.Fatalf("no reason given:\n%s", screen(m))
	}
	m = press(t, m, "K")
	if m.dialog != nil {
		t.Fatal("K opened a bulk kill from a past moment")
	}
	m = press(t, m, "enter", "k") // nor from the detail of a past moment
	if m.dialog != nil || !strings.Contains(screen(m), "kills act on the present only") {
		t.Fatalf("k in the detail of a past moment:\n%s", screen(m))
	}
	m = press(t, m, "esc", "end", "k")
	if m.dialog == nil {
		t.Fatal("back live, k should offer the kill")
	}
	if len(a.Calls()) != 0 {
		t.Fatalf("calls: %v", a.Calls())
	}
}

func TestKillDialogShowsProgressAndWarnings(t *testing.T) {
	m, _ := killModel(t, Options{})
	m = press(t, m, "down", "k") // the index build
	scr := screen(m)
	for _, want := range []string{"⚠ An index build: killing it aborts the build; the 63% (63/100) done", "is lost and it must start over."} {
		if !strings.Contains(scr, want) {
			t.Errorf("the kill dialog lacks %q:\n%s", want, scr)
		}
	}
	if strings.Contains(scr, "Kill session") {
		t.Error("killSessions offered for an op that is no sharded write")
	}
}

func TestBulkKillBoxShowsTheNumberToType(t *testing.T) {
	m, _ := killModel(t, Options{})
	m = press(t, m, "K")
	if !strings.Contains(screen(m), "type 3 to confirm:") {
		t.Fatalf("the bulk kill box does not show the number to type:\n%s", screen(m))
	}
}

func TestShardedWriteOffersKillSessions(t *testing.T) {
	m, a := killModel(t, Options{})
	m = press(t, m, "down", "down", "k") // the update through mongos, with a session
	scr := screen(m)
	for _, want := range []string{"[ Kill session ]", "A write routed through mongos with a session", "session instead (killSessions): every operation of that session"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, scr)
		}
	}
	m = press(t, m, "s")
	if got := a.Calls(); len(got) != 1 || got[0] != "killSessions 0123456789abcdef0123456789abcdef" {
		t.Fatalf("calls = %v", got)
	}
	m = press(t, m, "k", "tab", "tab", "enter") // the third button is the session
	if got := a.Calls(); len(got) != 2 || got[1] != "killSessions 0123456789abcdef0123456789abcdef" {
		t.Fatalf("calls = %v", got)
	}
	m = press(t, m, "k", "y") // y still kills the op itself
	if got := a.Calls(); len(got) != 3 || got[2] != "killOp shard0:88417" {
		t.Fatalf("calls = %v", got)
	}
}

func TestOpDetailIsLive(t *testing.T) {
	m, a := killModel(t, Options{})
	m = press(t, m, "enter")
	if !strings.Contains(screen(m), "running 412.3s") {
		t.Fatalf("detail:\n%s", screen(m))
	}
	s := sampleSnapshot(3)
	s.Ops[0].SecsRunning = 415.1
	m = send(m, snapshotMsg{s})
	if scr := screen(m); !strings.Contains(scr, "running 415.1s") || !strings.Contains(scr, "running, as of 14:02:34 (live)") {
		t.Fatalf("the detail did not follow the op:\n%s", scr)
	}
	m = press(t, m, "k")
	if m.dialog == nil || !strings.Contains(screen(m), "Kill this operation?") {
		t.Fatalf("k does nothing in the detail:\n%s", screen(m))
	}
	m = press(t, m, "y")
	if got := a.Calls(); len(got) != 1 || got[0] != "killOp shard0:88121" {
		t.Fatalf("calls = %v", got)
	}
	out, cmd := m.Update(keyMsg("c"))
	m = out.(Model)
	var copied bool
	for _, msg := range runActions(cmd) {
		if fmt.Sprintf("%T", msg) == "tea.setClipboardMsg" { // what tea.SetClipboard answers
			copied = true
		}
		m = send(m, msg)
	}
	if !copied || !strings.Contains(screen(m), "copied op shard0:88121's command") {
		t.Fatalf("c does not copy in the detail:\n%s", screen(m))
	}
	s = sampleSnapshot(4)
	s.Ops = s.Ops[1:]
	m = send(m, snapshotMsg{s})
	if !strings.Contains(screen(m), "finished at 14:02:35") {
		t.Fatalf("the detail does not say the op finished:\n%s", screen(m))
	}
	m = press(t, m, "k")
	if m.dialog != nil || len(a.Calls()) != 1 {
		t.Fatal("k on a finished op in the detail")
	}
	m = press(t, m, "K")
	if m.dialog == nil || !strings.Contains(screen(m), "Kill 2 operations?") {
		t.Fatalf("K does nothing in the detail:\n%s", screen(m))
	}
}

func TestEveryKeyThatIsOffSaysWhy(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{KillOp: true, Balancer: true}}
	cases := []struct {
		opts  Options
		keys  []string
		reply string
	}{
		{Options{Actor: a, ReadOnly: true}, []string{"k"}, "k (kill op) is off: mongoscope runs with --read-only"},
		{Options{Actor: a, ReadOnly: true}, []string{"K"}, "K (kill filtered ops) is off: mongoscope runs with --read-only"},
		{Options{Actor: a, ReadOnly: true}, []string{"b"}, "b (stop/start balancer) is off: mongoscope runs with --read-only"},
		{Options{Actor: &fakeActor{privs: probes.Privileges{KillOp: true, BalancerWhy: "your user lacks the balancer actions"}}},
			[]string{"w"}, "w (balancer window) is off: your user lacks the balancer actions"},
		{Options{Actor: a}, []string{"1", "k"}, "k (kill op) is off: it works in the operations table: 3 focuses it"},
		{Options{Actor: a}, []string{"1", "/"}, "/ (filter ops) is off: it works in the operations table: 3 focuses it"},
		{Options{Replay: &fakeReplay{speed: 1}}, []string{"space"}, "space (pause display) is off: a replay pauses with p"},
		{Options{Replay: &fakeReplay{speed: 1}}, []string{"k"}, "k (kill op) is off: actions are off while replaying a recording"},
		{Options{}, []string{"+"}, "+ (shorter interval) is off: the polling interval cannot change here"},
		{Options{}, []string{"p"}, "p (play/pause replay) is off: only while replaying a recording"},
	}
	for _, c := range cases {
		m := press(t, newTestModel(t, c.opts, 120, 40, 2), c.keys...)
		if scr := screen(m); !strings.Contains(scr, c.reply) {
			t.Errorf("%v: the footer does not say %q:\n%s", c.keys, c.reply, scr)
		}
	}
}

func TestBalancerDialogWarnsWhenItsStateIsOld(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{Balancer: true}}
	m := newTestModel(t, Options{Actor: a}, 120, 40, 1)
	m = send(m, snapshotMsg{troubledSnapshot(1)})
	m = press(t, m, "b")
	if !strings.Contains(screen(m), "⚠ What mongoscope knows of the balancer is old (as of 14:02:01, 40s │") {
		t.Fatalf("the balancer dialog does not say its state is old:\n%s", screen(m))
	}
}

// The balancer dialog is about the balancer now, even when the screen
// shows a past moment.
func TestBalancerDialogUsesThePresent(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{Balancer: true}}
	m := newTestModel(t, Options{Actor: a}, 120, 40, 2)
	s := sampleSnapshot(2)
	s.Balancer.Enabled = false
	m = send(m, snapshotMsg{s})
	m = press(t, m, "left", "b")
	if !strings.Contains(screen(m), "Start the balancer?") {
		t.Fatalf("from a past moment the dialog shows the past state:\n%s", screen(m))
	}
}

// Help fits any size the dashboard does: every line within the width, the
// screen exactly its height, and scrolling reaches its last group.
func TestHelpFitsAnySize(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{KillOp: true, Balancer: true}}
	for _, size := range [][2]int{{80, 24}, {81, 25}, {100, 30}, {120, 40}, {200, 60}} {
		m := press(t, newTestModel(t, Options{Actor: a, Demo: true, AuditLog: "/tmp/demo-audit.log"}, size[0], size[1], 2), "?")
		scr := screen(m)
		lines := strings.Split(scr, "\n")
		if len(lines) != size[1] {
			t.Errorf("%v: help is %d lines", size, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("%v: line %d is %d wide", size, i, w)
			}
		}
		if !strings.Contains(scr, "? help") && !strings.Contains(scr, "q quit") {
			t.Errorf("%v: the footer lost quit:\n%s", size, scr)
		}
		m = press(t, m, "end")
		if scr := screen(m); !strings.Contains(scr, "In the op detail") || !strings.Contains(scr, "copy this op's command") {
			t.Errorf("%v: scrolling does not reach the last group:\n%s", size, scr)
		}
	}
	m := press(t, newTestModel(t, Options{Actor: a, Demo: true, AuditLog: "/tmp/demo-audit.log"}, 80, 24, 2), "?")
	for _, want := range []string{"DEMO: a simulated sharded cluster running at 10× speed", "audit log /tmp/demo-audit.log", "↓ more"} {
		if !strings.Contains(strings.Join(strings.Fields(screen(m)), " "), want) {
			t.Errorf("help lacks %q:\n%s", want, screen(m))
		}
	}
}
