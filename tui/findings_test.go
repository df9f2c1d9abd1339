package tui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mongoscope/mongoscope/probes"
)

// The sample cluster tells two stories the findings engine names: a
// collection scan on analytics.events running 412 s (missing-index, from
// the 7th poll) and s0-0 holding 89% of its connections (connection-storm,
// after 20 s; both critical and held since the first poll, it sorts
// first by its name).

// headerLine is line i of the screen.
func headerLine(m Model, i int) string { return strings.Split(screen(m), "\n")[i] }

func TestFindingsLineWorstFirstWithTheCountOfTheRest(t *testing.T) {
	m := newTestModel(t, Options{}, 120, 40, 3)
	if got := headerLine(m, 1); strings.TrimSpace(got) != "no findings" {
		t.Fatalf("before any finding the line says %q", got)
	}
	m = newTestModel(t, Options{}, 120, 40, 8)
	line := headerLine(m, 1)
	for _, want := range []string{"▲ CRIT missing-index  analytics.events: 1 collection scans (412 s)", "8: details"} {
		if !strings.Contains(line, want) {
			t.Errorf("the findings line lacks %q: %q", want, line)
		}
	}
	m = newTestModel(t, Options{}, 80, 24, 22)
	line = headerLine(m, 1)
	if !strings.HasPrefix(line, " ▲ CRIT connection-storm  s0-0:27018 holds 8912 connections") || !strings.HasSuffix(line, "+1 more · 8: all") || ansi.StringWidth(line) != 80 {
		t.Errorf("with two findings the line is %q", line)
	}
}

// The findings line is coloured by severity from the 16-colour palette:
// crit red (9), warn yellow (11); "no findings" is dim (8).
func TestFindingsLineColours(t *testing.T) {
	m := New(Options{})
	m.styles, m.layout.w = NewStyles(true, false), 100
	for sev, want := range map[probes.Severity]string{probes.Crit: "91", probes.Warn: "93"} {
		m.active = []probes.Finding{{Kind: "k", Severity: sev, Summary: "s"}}
		if got := m.findingsLine(); !strings.Contains(got, ";"+want+"m▲ "+strings.ToUpper(sev.String())+" k") {
			t.Errorf("%s finding drawn as %q", sev, got)
		}
	}
	m.active = nil
	if got := m.findingsLine(); !strings.Contains(got, "90m no findings") {
		t.Errorf("no findings drawn as %q", got)
	}
}

func TestFindingsPaneListsEvidenceAndAction(t *testing.T) {
	m := press(t, newTestModel(t, Options{}, 120, 40, 22), "8", "down")
	if m.focus != paneFindings || !m.zoomed {
		t.Fatalf("8 does not open the findings pane (focus %d, zoomed %v)", m.focus, m.zoomed)
	}
	scr := strings.Join(strings.Fields(screen(m)), " ")
	for _, want := range []string{"8 Findings", "2 active, worst first (2 of 2 selected)",
		"▶ CRIT missing-index since 14:02:31, for 21s",
		"collection scans 1 · scanning 412.3 s · longest 412.3 s · running now 1",
		"ns analytics.events · apps reports · shards shard0 · members s0-0:27018 · ops shard0:88121",
		"query shape {ts: range}",
		`enter → 3 Operations filtered "ns:analytics.events collscan", then /`,
		"suggestion to review (c copies it; mongoscope never runs it):", `db.getSiblingDB("analytics").getCollection("events").createIndex({ ts: 1 })`,
		"CRIT connection-storm", "connections 8,912 · of the limit 89.1%", "enter → 4 Connections",
		"enter jump to what shows it • c copy the suggestion to review"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the findings pane lacks %q:\n%s", want, screen(m))
		}
	}
}

func TestEnterOnAFindingJumpsToTheFilteredOps(t *testing.T) {
	m := press(t, newTestModel(t, Options{}, 120, 40, 22), "8", "down", "enter")
	if m.focus != paneOps || m.zoomed {
		t.Fatalf("enter went to pane %d (zoomed %v), not the operations", m.focus+1, m.zoomed)
	}
	if got := m.ops.filter.Value(); got != "ns:analytics.events collscan" {
		t.Fatalf("the ops filter is %q", got)
	}
	if len(m.ops.visible) != 1 || m.ops.visible[0].OpID != "shard0:88121" {
		t.Fatalf("the filter shows %v", m.ops.visible)
	}
	if scr := screen(m); !strings.Contains(scr, "filter: ns:analytics.events collscan") || !strings.Contains(scr, "missing-index: a suggestion") {
		t.Errorf("the screen does not show the filter and the hint:\n%s", scr)
	}
	// The second finding is the connections' story: its pane opens zoomed
	// (who holds them is read while it is).
	m = press(t, newTestModel(t, Options{}, 120, 40, 22), "8", "enter")
	if m.focus != paneConnections || !m.zoomed || m.ops.filter.Value() != "" {
		t.Fatalf("enter on connection-storm: pane %d zoomed %v filter %q", m.focus+1, m.zoomed, m.ops.filter.Value())
	}
}

// A finding about system ops (the TTL monitor) shows them when it jumps:
// the filter would match nothing with system ops hidden.
func TestJumpShowsSystemOpsWhenTheFindingIsAboutThem(t *testing.T) {
	m := newTestModel(t, Options{}, 120, 40, 2)
	m.jump(probes.Finding{Kind: probes.FindingTTLDeletes, Action: probes.Action{Pane: probes.PaneOps, Filter: "replbatcher"}})
	if !m.ops.showSystem || len(m.ops.visible) != 1 || m.ops.visible[0].OpID != "shard0:7" {
		t.Fatalf("the jump shows %v (system shown %v)", m.ops.visible, m.ops.showSystem)
	}
}

// clipboardText is what a command's messages put on the clipboard (the
// OSC 52 message is bubbletea's own type), and the footer they set.
func clipboardText(msgs []tea.Msg) (clip string, footer string) {
	for _, msg := range msgs {
		if reflect.TypeOf(msg).Name() == "setClipboardMsg" {
			clip = fmt.Sprint(msg)
		}
		if f, ok := msg.(footerMsg); ok {
			footer = f.text
		}
	}
	return clip, footer
}

func TestCCopiesTheSuggestion(t *testing.T) {
	m := press(t, newTestModel(t, Options{}, 120, 40, 22), "8", "down")
	_, cmd := m.Update(keyMsg("c"))
	clip, footer := clipboardText(runActions(cmd))
	if clip != `db.getSiblingDB("analytics").getCollection("events").createIndex({ ts: 1 })` {
		t.Errorf("c copied %q", clip)
	}
	if !strings.Contains(footer, "suggestion to review") || !strings.Contains(footer, "never runs it") {
		t.Errorf("the footer says %q", footer)
	}
	m = press(t, m, "up")
	_, cmd = m.Update(keyMsg("c"))
	if clip, footer := clipboardText(runActions(cmd)); clip != "" || footer != "this finding has no command to copy" {
		t.Errorf("c on a finding without a command: copied %q, footer %q", clip, footer)
	}
}

// Findings are judged on every poll as it arrives, also while the screen
// shows a past moment; the line then says they are of now.
func TestFindingsFollowThePollsWhileScrubbed(t *testing.T) {
	m := press(t, newTestModel(t, Options{}, 120, 40, 4), "left", "left")
	for i := 4; i < 10; i++ {
		m = send(m, snapshotMsg{sampleSnapshot(i)})
	}
	if line := headerLine(m, 1); !strings.HasPrefix(line, " now: ▲ CRIT missing-index") {
		t.Errorf("scrubbed back, the findings line is %q", line)
	}
	m = press(t, m, "8")
	if scr := screen(m); !strings.Contains(scr, "as of the latest poll, 14:02:40, not the moment shown") {
		t.Errorf("the findings pane does not say it is of the latest poll:\n%s", scr)
	}
}

// A replay seeking back starts the judgment again: the findings of the
// later moment are gone.
func TestReplaySeekingBackResetsTheFindings(t *testing.T) {
	m := newTestModel(t, Options{Replay: &fakeReplay{speed: 1}}, 120, 40, 10)
	if len(m.active) == 0 {
		t.Fatal("no finding after 10 polls")
	}
	m = send(m, snapshotMsg{sampleSnapshot(1)})
	if len(m.active) != 0 || strings.TrimSpace(headerLine(m, 1)) != "no findings" {
		t.Fatalf("after seeking back: %v, line %q", m.active, headerLine(m, 1))
	}
}

// Every size the dashboard takes draws the findings pane within its
// bounds (golden screens, looked at).
func TestGoldenFindingsPane(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		m := press(t, newTestModel(t, Options{Title: "prod-eu"}, size[0], size[1], 22), "8")
		scr := screen(m)
		golden(t, fmt.Sprintf("findings-%dx%d.golden", size[0], size[1]), scr)
		fitsScreen(t, fmt.Sprint(size), scr, size[0], size[1])
	}
}

// fitsScreen checks a screen is exactly h lines of at most w cells.
func fitsScreen(t *testing.T, what, scr string, w, h int) {
	t.Helper()
	lines := strings.Split(scr, "\n")
	if len(lines) != h {
		t.Errorf("%s: %d lines, want %d", what, len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("%s: line %d is %d wide", what, i, n)
		}
	}
}
