package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// alertsOver feeds n sample polls and returns what the model wrote raw to
// the terminal (the alerts), in order.
func alertsOver(t *testing.T, opts Options, n int, change func(i int, s *probes.Snapshot)) []string {
	t.Helper()
	m := newTestModel(t, opts, 120, 40, 0)
	var raw []string
	for i := 0; i < n; i++ {
		s := sampleSnapshot(i)
		if change != nil {
			change(i, &s)
		}
		out, cmd := m.Update(snapshotMsg{s})
		m = out.(Model)
		for _, msg := range runActions(cmd) {
			if r, ok := msg.(tea.RawMsg); ok {
				raw = append(raw, r.Msg.(string))
			}
		}
	}
	return raw
}

// Each finding of warning severity or worse rings once when it starts,
// however long it lasts: the bell, then OSC 9 and OSC 777 with its summary.
func TestAFindingThatStartsAlertsOnce(t *testing.T) {
	raw := alertsOver(t, Options{}, 40, nil)
	if len(raw) != 2 {
		t.Fatalf("want one alert per finding (2), got %d: %q", len(raw), raw)
	}
	index := "analytics.events: 1 collection scans (412 s) in the last 15 min; an index { ts: 1 } may help (suggestion)"
	want := "\a\x1b]9;mongoscope: " + index + "\x07\x1b]777;notify;mongoscope;" + index + "\x07"
	if raw[0] != want {
		t.Errorf("the missing-index alert is\n%q, want\n%q", raw[0], want)
	}
	if !strings.Contains(raw[1], "\x1b]9;mongoscope: s0-0:27018 holds 8912 connections, 89% of its limit\x07") {
		t.Errorf("the connection-storm alert is %q", raw[1])
	}
}

func TestNoAlertsAndReplayStayQuiet(t *testing.T) {
	if raw := alertsOver(t, Options{NoAlerts: true}, 40, nil); len(raw) != 0 {
		t.Errorf("--no-alerts still alerts: %q", raw)
	}
	if raw := alertsOver(t, Options{Replay: &fakeReplay{speed: 1}}, 40, nil); len(raw) != 0 {
		t.Errorf("a replay alerts: %q", raw)
	}
}

// A hostile app name or namespace cannot end the notification early or
// smuggle its own escape: the text inside the OSC holds no ESC, BEL or ST.
func TestAlertTextIsSanitized(t *testing.T) {
	hostile := "shop.x\x1b]52;c;cm0gLXJmIH4=\x07\x1b\\\u009c\u202eevil"
	esc := alertEscape(hostile)
	body := strings.TrimSuffix(strings.TrimPrefix(esc, "\a\x1b]9;"), "\x07")
	first, second, ok := strings.Cut(body, "\x07\x1b]777;notify;mongoscope;")
	if !ok {
		t.Fatalf("the escape is not bell, OSC 9, OSC 777: %q", esc)
	}
	for _, text := range []string{first, second} {
		if strings.ContainsAny(text, "\x1b\x07\u009c\u202e") {
			t.Errorf("a control survives in %q", text)
		}
	}
	if !strings.Contains(second, "shop.x␛]52;c;cm0gLXJmIH4=␇␛\\<U+009C><U+202E>evil") {
		t.Errorf("the hostile text is not shown as text: %q", second)
	}
	// Through the engine and the model: a collection scan on a namespace
	// carrying an escape.
	raw := alertsOver(t, Options{}, 10, func(_ int, s *probes.Snapshot) {
		s.Ops[0].NS = "analytics.ev\x1b]0;owned\x07ents"
	})
	if len(raw) != 1 || strings.Count(raw[0], "\x1b") != 2 || strings.Count(raw[0], "\x07") != 3 {
		t.Errorf("the alert for a hostile namespace is %q", raw)
	}
}

// A finding ID rings again only when it starts again after realertAfter;
// findings below warning severity never ring.
func TestRealertWindow(t *testing.T) {
	m := New(Options{})
	f := probes.Finding{ID: "hot-shard:shard0", Severity: probes.Warn, Summary: "shard0 takes 80% of the ops"}
	for _, c := range []struct {
		after time.Duration
		rings bool
	}{{0, true}, {time.Minute, false}, {realertAfter - time.Second, false}, {realertAfter + time.Minute, true}} {
		if rings := m.alert([]probes.Finding{f}, t0.Add(c.after)) != nil; rings != c.rings {
			t.Errorf("after %s: rings %v", c.after, rings)
		}
	}
	if m.alert([]probes.Finding{{ID: "x:y", Severity: probes.OK}}, t0) != nil {
		t.Error("a finding below warning rang")
	}
}
