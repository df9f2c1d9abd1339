package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mongoscope/mongoscope/probes"
)

var update = flag.Bool("update", false, "rewrite the golden screens")

func TestMain(m *testing.M) {
	time.Local = time.UTC // the header shows local times
	os.Setenv("NO_COLOR", "1")
	os.Exit(m.Run())
}

// newTestModel is a model at w×h fed n sample snapshots.
func newTestModel(t testing.TB, opts Options, w, h, n int) Model {
	t.Helper()
	if opts.Interval == 0 {
		opts.Interval = time.Second
	}
	m := New(opts)
	m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
	for i := 0; i < n; i++ {
		m = send(m, snapshotMsg{sampleSnapshot(i)})
	}
	return m
}

func send(m Model, msg tea.Msg) Model {
	out, _ := m.Update(msg)
	return out.(Model)
}

// keyMsg turns a key as the keymap names it ("enter", "shift+tab",
// "pgdown", "ctrl+c", "K") into the key press that produces it.
func keyMsg(k string) tea.KeyPressMsg {
	special := map[string]tea.KeyPressMsg{
		"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift}, "backspace": {Code: tea.KeyBackspace},
		"left": {Code: tea.KeyLeft}, "right": {Code: tea.KeyRight}, "up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown},
		"pgup": {Code: tea.KeyPgUp}, "pgdown": {Code: tea.KeyPgDown}, "home": {Code: tea.KeyHome}, "end": {Code: tea.KeyEnd},
		"space": {Code: tea.KeySpace, Text: " "}, "ctrl+c": {Code: 'c', Mod: tea.ModCtrl},
		"ctrl+end": {Code: tea.KeyEnd, Mod: tea.ModCtrl},
	}
	if msg, ok := special[k]; ok {
		return msg
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// press sends keys and runs the action commands they return (an action's
// answer comes back as a message), ignoring timers such as the spinner.
func press(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		out, cmd := m.Update(keyMsg(k))
		m = out.(Model)
		for _, msg := range runActions(cmd) {
			m = send(m, msg)
		}
	}
	return m
}

// runActions runs a command and what it batches, returning the messages
// that come back at once (actions, requests, quit); timers (spinner,
// cursor blink) are left alone.
func runActions(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if batch, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range batch {
				out = append(out, runActions(c)...)
			}
			return out
		}
		if msg != nil {
			return []tea.Msg{msg}
		}
	case <-time.After(50 * time.Millisecond): // a timer (spinner tick, cursor blink)
	}
	return nil
}

func screen(m Model) string { return ansi.Strip(m.View().Content) }

func TestFilterSortAndSystemOps(t *testing.T) {
	m := newTestModel(t, Options{}, 120, 40, 3)
	if got := len(m.ops.visible); got != 3 || m.ops.hidden != 1 {
		t.Fatalf("visible %d hidden %d, want 3 user ops and 1 system hidden", got, m.ops.hidden)
	}
	m = press(t, m, "/", "a", "p", "p", ":", "r", "e", "p", "enter")
	if len(m.ops.visible) != 1 || m.ops.visible[0].OpID != "shard0:88121" {
		t.Fatalf("filter app:rep kept %+v", m.ops.visible)
	}
	if !strings.Contains(screen(m), "filter: app:rep") {
		t.Fatal("the filter is not shown")
	}
	m = press(t, m, "/", "esc")
	if len(m.ops.visible) != 3 {
		t.Fatalf("esc should clear the filter, visible %d", len(m.ops.visible))
	}
	m = press(t, m, "/")
	for _, r := range "secs>50" {
		m = press(t, m, string(r))
	}
	m = press(t, m, "enter")
	if len(m.ops.visible) != 2 {
		t.Fatalf("secs>50 kept %d ops", len(m.ops.visible))
	}
	m = press(t, m, "/", "esc", "a")
	if len(m.ops.visible) != 4 || m.ops.visible[0].OpID != "shard0:7" {
		t.Fatalf("a should show system ops longest first, got %d first %s", len(m.ops.visible), m.ops.visible[0].OpID)
	}
	m = press(t, m, "a", "s")
	if opSorts[m.ops.sortCol] != "ns" || m.ops.visible[0].NS != "analytics.events" {
		t.Fatalf("sort by ns: first %s", m.ops.visible[0].NS)
	}
	m = press(t, m, "S")
	if m.ops.visible[0].NS != "app.users" {
		t.Fatalf("reversed sort by ns: first %s", m.ops.visible[0].NS)
	}
}

func TestKillConfirmCancelAndResult(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{KillOp: true, Balancer: true}, outcome: probes.OutcomeGone}
	m := newTestModel(t, Options{Actor: a}, 120, 40, 2)
	m = press(t, m, "k")
	if m.dialog == nil || !strings.Contains(screen(m), "Kill this operation?") || !strings.Contains(screen(m), "shard0:88121 on shard0") {
		t.Fatalf("no kill dialog:\n%s", screen(m))
	}
	m = press(t, m, "n")
	m = press(t, m, "k", "enter") // enter presses the default button: Cancel
	if len(a.Calls()) != 0 || m.dialog != nil {
		t.Fatalf("cancel still killed: %v", a.Calls())
	}
	m = press(t, m, "k", "y")
	if got := a.Calls(); len(got) != 1 || got[0] != "killOp shard0:88121" {
		t.Fatalf("calls = %v", got)
	}
	if !strings.Contains(screen(m), "killed shard0:88121: it is gone") {
		t.Fatalf("the outcome is not in the footer:\n%s", screen(m))
	}
}

func TestBulkKillNeedsTheCountAndSkipsSystemOps(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{KillOp: true}, outcome: probes.OutcomeGone}
	m := newTestModel(t, Options{Actor: a}, 120, 40, 1)
	m = press(t, m, "a", "K") // system ops shown, still never killed
	if m.dialog == nil || len(m.dialog.ops) != 3 {
		t.Fatalf("bulk dialog ops = %v", m.dialog)
	}
	m = press(t, m, "2", "enter")
	if len(a.Calls()) != 0 || m.dialog == nil || m.dialog.err == "" {
		t.Fatalf("a wrong count must not kill: %v", a.Calls())
	}
	m = press(t, m, "backspace")
	m.dialog.input.SetValue("3")
	m = press(t, m, "enter")
	if got := a.Calls(); len(got) != 3 {
		t.Fatalf("bulk kill calls = %v", got)
	}
	for _, c := range a.Calls() {
		if strings.Contains(c, "shard0:7") {
			t.Fatal("a system op was killed")
		}
	}
	if !strings.Contains(screen(m), "bulk kill: 3 gone") {
		t.Fatalf("footer:\n%s", screen(m))
	}
}

func TestBalancerStopConfirm(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{KillOp: true, Balancer: true}}
	m := newTestModel(t, Options{Actor: a}, 120, 40, 1)
	m = press(t, m, "b")
	if m.dialog == nil || !strings.Contains(screen(m), "Stop the balancer?") || !strings.Contains(screen(m), "1 migration(s) in flight") {
		t.Fatalf("balancer dialog:\n%s", screen(m))
	}
	m = press(t, m, "esc", "b", "y")
	if got := a.Calls(); len(got) != 1 || got[0] != "balancerStop" {
		t.Fatalf("calls = %v", got)
	}
	m = press(t, m, "w")
	m.dialog.input.SetValue("01:00-05:00")
	m = press(t, m, "enter")
	if got := a.Calls(); got[len(got)-1] != "window 01:00-05:00" {
		t.Fatalf("calls = %v", got)
	}
}

func TestReadOnlyDisablesActions(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{KillOp: true, Balancer: true}}
	m := newTestModel(t, Options{Actor: a, ReadOnly: true}, 120, 40, 1)
	m = press(t, m, "k", "y", "K", "b", "y", "w")
	if len(a.Calls()) != 0 || m.dialog != nil {
		t.Fatalf("read-only sent %v (dialog %v)", a.Calls(), m.dialog != nil)
	}
	s := screen(m)
	if !strings.Contains(s, "READ-ONLY") || strings.Contains(s, "k kill op") {
		t.Fatalf("read-only marker or help wrong:\n%s", s)
	}
	m = press(t, m, "?")
	if !strings.Contains(screen(m), "--read-only") {
		t.Fatal("help does not say why actions are off")
	}
}

func TestMissingPrivilegeSaysWhy(t *testing.T) {
	a := &fakeActor{privs: probes.Privileges{KillOpWhy: "your user lacks the killop action", Balancer: true}}
	m := newTestModel(t, Options{Actor: a}, 120, 40, 1)
	m = press(t, m, "k")
	if m.dialog != nil {
		t.Fatal("k opened a dialog without the killop privilege")
	}
	m = press(t, m, "?")
	if !strings.Contains(screen(m), "lacks the killop action") {
		t.Fatal("help does not name the missing privilege")
	}
}

func TestPauseKeepsSampling(t *testing.T) {
	m := newTestModel(t, Options{}, 120, 40, 2)
	m = press(t, m, "space")
	m = send(m, snapshotMsg{sampleSnapshot(2)})
	m = send(m, snapshotMsg{sampleSnapshot(3)})
	if !m.tl.shown.TakenAt.Equal(t0.Add(time.Second)) || m.tl.behind != 2 || m.tl.hist.Len() != 4 {
		t.Fatalf("paused: shown %v behind %d history %d", m.tl.shown.TakenAt, m.tl.behind, m.tl.hist.Len())
	}
	if !strings.Contains(screen(m), "PAUSED 14:02:32, 2.0s behind live (+2) end: live") {
		t.Fatalf("no PAUSED marker:\n%s", screen(m))
	}
	m = press(t, m, "space")
	if !m.tl.shown.TakenAt.Equal(t0.Add(3*time.Second)) || !m.tl.live() {
		t.Fatalf("unpaused shows %v", m.tl.shown.TakenAt)
	}
}

// ← and → move one interval from the moment shown, whatever arrives
// meanwhile; → onto the latest, end, or a second space is live again.
func TestScrubStepsFromTheMomentShown(t *testing.T) {
	m := newTestModel(t, Options{}, 120, 40, 5)
	at := func(want time.Duration) {
		t.Helper()
		if !m.tl.shown.TakenAt.Equal(t0.Add(want)) {
			t.Fatalf("shows %v, want t0+%v", m.tl.shown.TakenAt.Sub(t0), want)
		}
	}
	m = press(t, m, "left", "left")
	at(2 * time.Second)
	for i := 5; i < 30; i++ { // 25 samples arrive while scrubbed back
		m = send(m, snapshotMsg{sampleSnapshot(i)})
	}
	at(2 * time.Second)
	if !strings.Contains(screen(m), "◀ 14:02:33, 27s behind live (+25) end: live") {
		t.Fatalf("the header does not say the moment and how far behind:\n%s", screen(m))
	}
	m = press(t, m, "left")
	at(time.Second)
	m = press(t, m, "right", "right")
	at(3 * time.Second)
	m = press(t, m, "end")
	at(29 * time.Second)
	if !m.tl.live() || strings.Contains(screen(m), "behind live") {
		t.Fatal("end does not return to live")
	}
	// Paused, five steps back go five seconds back from the paused moment.
	m = press(t, m, "space")
	m = send(m, snapshotMsg{sampleSnapshot(30)})
	m = press(t, m, "left", "left", "left", "left", "left")
	at(24 * time.Second)
	m = press(t, m, "space")
	at(30 * time.Second)
	if !m.tl.live() {
		t.Fatal("a second space does not return to live")
	}
	m = press(t, m, "right")
	if !strings.Contains(screen(m), "already live") {
		t.Fatal("→ when live says nothing")
	}
}

// A step lands on the snapshot of that moment even when samples are
// missing around it (a poll skipped) or the interval changed.
func TestScrubWithGapsInTheHistory(t *testing.T) {
	m := newTestModel(t, Options{}, 120, 40, 0)
	for _, sec := range []int{0, 1, 2, 6, 7, 8} {
		m = send(m, snapshotMsg{sampleSnapshot(sec)})
	}
	m = press(t, m, "left")
	if !m.tl.shown.TakenAt.Equal(t0.Add(7 * time.Second)) {
		t.Fatalf("one back from 8s shows %v", m.tl.shown.TakenAt.Sub(t0))
	}
	m = press(t, m, "left", "left")
	if !m.tl.shown.TakenAt.Equal(t0.Add(2 * time.Second)) {
		t.Fatalf("back over the gap shows %v", m.tl.shown.TakenAt.Sub(t0))
	}
	m = press(t, m, "right")
	if !m.tl.shown.TakenAt.Equal(t0.Add(6 * time.Second)) {
		t.Fatalf("forward over the gap shows %v", m.tl.shown.TakenAt.Sub(t0))
	}
	m = press(t, m, "left", "left", "left", "left", "left")
	if !m.tl.shown.TakenAt.Equal(t0) || !strings.Contains(screen(m), "the history kept starts at 14:02:31") {
		t.Fatalf("past the oldest:\n%s", screen(m))
	}
}

func TestZoomScopeAndInterval(t *testing.T) {
	var set time.Duration
	var breakdown []bool
	m := newTestModel(t, Options{SetInterval: func(d time.Duration) { set = d },
		SetConnectionBreakdown: func(on bool) { breakdown = append(breakdown, on) }}, 120, 40, 3)
	m = press(t, m, "1", "z")
	if !m.zoomed || m.focus != paneThroughput {
		t.Fatal("1 z should zoom throughput")
	}
	m = press(t, m, "]")
	if !strings.Contains(screen(m), "shard shard0") {
		t.Fatalf("scope did not move to shard0:\n%s", screen(m))
	}
	m = press(t, m, "esc", "4")
	out, cmd := m.Update(keyMsg("z")) // zooming connections asks for the breakdown
	m = out.(Model)
	if cmd != nil {
		cmd()
	}
	out, cmd = m.Update(keyMsg("esc")) // and unzooming stops it
	m = out.(Model)
	if cmd != nil {
		cmd()
	}
	if len(breakdown) < 2 || !breakdown[len(breakdown)-2] || breakdown[len(breakdown)-1] {
		t.Fatalf("connection breakdown toggles = %v, want …, true, false", breakdown)
	}
	out, cmd = m.Update(keyMsg("+"))
	m = out.(Model)
	if cmd == nil {
		t.Fatal("+ returned no command")
	}
	cmd()
	if set != 500*time.Millisecond || m.interval != 500*time.Millisecond {
		t.Fatalf("interval set to %v", set)
	}
}

func TestUnavailableStreamsSaySo(t *testing.T) {
	m := newTestModel(t, Options{}, 120, 40, 0)
	s := sampleSnapshot(0)
	s.Ops, s.HotCollections, s.Balancer = nil, nil, nil
	s.NotAvailable = map[string]string{"currentOp": "not available on this server (CommandNotFound)",
		"top": "not available on this server (CommandNotFound)", "balancer": "not a sharded cluster"}
	m = send(m, snapshotMsg{s})
	scr := screen(m)
	for _, want := range []string{"operations: not available on this server", "│not available on this server", "│not a sharded cluster"} {
		if !strings.Contains(scr, want) {
			t.Errorf("screen lacks %q:\n%s", want, scr)
		}
	}
}

func TestLayouts(t *testing.T) {
	full := screen(newTestModel(t, Options{}, 120, 40, 3))
	for _, want := range []string{"1 Throughput", "2 Replication", "3 Operations", "4 Connections", "5 Hot collections", "6 Balancer"} {
		if !strings.Contains(full, want) {
			t.Errorf("120×40 lacks %q", want)
		}
	}
	if !strings.Contains(full, "12/13 nodes up (down: s0-2:27018)") {
		t.Errorf("header does not name the down node:\n%s", full)
	}
	compact := screen(newTestModel(t, Options{}, 80, 24, 3))
	if strings.Contains(compact, "2 Replication") || !strings.Contains(compact, "repl max lag") || !strings.Contains(compact, "3 Operations") {
		t.Errorf("80×24 should show ops and strips:\n%s", compact)
	}
	small := screen(newTestModel(t, Options{}, 60, 20, 1))
	if small != "terminal too small for mongoscope (need 80×24, have 60×20)" {
		t.Errorf("60×20: %q", small)
	}
}

func TestResizeStorm(t *testing.T) {
	m := newTestModel(t, Options{}, 120, 40, 3)
	for i := 0; i < 300; i++ {
		w, h := 20+(i*37)%200, 5+(i*13)%70
		m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
		_ = m.View()
	}
	m = send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	lines := strings.Split(screen(m), "\n")
	if len(lines) != 40 {
		t.Fatalf("final layout has %d lines, want 40", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 120 {
			t.Fatalf("line %d is %d wide", i, w)
		}
	}
}

func TestGoldenScreens(t *testing.T) {
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		name := fmt.Sprintf("dashboard-%dx%d.golden", size[0], size[1])
		golden(t, name, screen(newTestModel(t, Options{Title: "prod-eu"}, size[0], size[1], 12)))
	}
}

// golden compares a screen with testdata/name (-update rewrites it).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(path, []byte(got), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./tui -update rewrites it):\n%s", name, got)
	}
}

func benchmarkView(b *testing.B, nOps int) {
	m := newTestModel(b, Options{}, 200, 60, 60)
	s := sampleSnapshot(60)
	ops := make([]probes.Op, nOps)
	for i := range ops {
		ops[i] = s.Ops[i%3]
		ops[i].OpID = fmt.Sprintf("shard%d:%d", i%3, i)
		ops[i].SecsRunning = float64(nOps - i)
	}
	s.Ops, s.OpsTotal = ops, nOps
	m = send(m, snapshotMsg{s})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		_ = m.View()
	}
}

func BenchmarkView200x60_1kOps(b *testing.B)  { benchmarkView(b, 1000) }
func BenchmarkView200x60_10kOps(b *testing.B) { benchmarkView(b, 10000) }
func BenchmarkView200x60_50kOps(b *testing.B) { benchmarkView(b, 50000) }

func BenchmarkThroughputSparklines(b *testing.B) {
	m := newTestModel(b, Options{}, 200, 60, 600)
	p := m.panes[paneThroughput]
	p.SetSize(120, 10)
	b.ReportAllocs()
	for range b.N {
		_ = p.View()
	}
}

type fakeReplay struct {
	paused bool
	speed  float64
	seeks  []time.Duration
}

func (r *fakeReplay) TogglePause()         { r.paused = !r.paused }
func (r *fakeReplay) Paused() bool         { return r.paused }
func (r *fakeReplay) AtEnd() bool          { return false }
func (r *fakeReplay) SetSpeed(x float64)   { r.speed = x }
func (r *fakeReplay) Speed() float64       { return r.speed }
func (r *fakeReplay) Seek(d time.Duration) { r.seeks = append(r.seeks, d) }
func (r *fakeReplay) Position() (time.Time, time.Time, time.Time) {
	at := t0
	for _, d := range r.seeks {
		at = at.Add(d)
	}
	return at, t0, t0.Add(time.Hour)
}

func TestReplayKeysAndNoActions(t *testing.T) {
	r := &fakeReplay{speed: 1}
	m := newTestModel(t, Options{Replay: r}, 120, 40, 2)
	m = press(t, m, "p", ">", ">", ",", ".", "k", "b")
	if !r.paused || r.speed != 4 || len(r.seeks) != 2 || r.seeks[0] != -time.Minute || m.dialog != nil {
		t.Fatalf("replay: paused %v speed %v seeks %v dialog %v", r.paused, r.speed, r.seeks, m.dialog != nil)
	}
	if scr := screen(m); !strings.Contains(scr, "REPLAY paused 4x") || strings.Contains(scr, "k kill") {
		t.Fatalf("header:\n%s", scr)
	}
}

// Zoomed, the connections pane says whose clients it counts: on a sharded
// cluster the mongos's own, where the applications connect.
func TestZoomedConnectionsSayWhoseClients(t *testing.T) {
	m := newTestModel(t, Options{}, 120, 40, 3)
	s := sampleSnapshot(3)
	s.Connections.Breakdown = &probes.ConnectionBreakdown{Of: "mongos1:27017", ByApp: map[string]int{"web-frontend": 120},
		ByHost: map[string]int{"10.0.1.10": 120}, ByUser: map[string]int{"app@admin": 120}}
	m = press(t, send(m, snapshotMsg{s}), "4", "z")
	scr := screen(m)
	for _, want := range []string{"clients of mongos1:27017", "by app:  web-frontend 120", "by host: 10.0.1.10 120"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the zoomed connections pane lacks %q:\n%s", want, scr)
		}
	}
}
