package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

func TestNoAlertsFlag(t *testing.T) {
	o, err := parseArgs("mongoscope", []string{"--no-alerts"}, map[string]string{}, nil)
	if err != nil || !o.noAlerts {
		t.Fatalf("--no-alerts: %+v %v", o, err)
	}
	if o, _ := parseArgs("mongoscope", nil, map[string]string{}, nil); o.noAlerts {
		t.Fatal("alerts are off by default")
	}
}

// stormStory is a replica set primary polled every second, near its
// connection limit from 03:04:05 for 40 s (a connection-storm finding
// starts after 20 s), then back to normal (it ends a minute after the
// last poll near the limit, 03:04:44).
func stormStory() []probes.Snapshot {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var out []probes.Snapshot
	for i := 0; i < 120; i++ {
		pct := 10.0
		if i < 40 {
			pct = 90
		}
		s := probes.Snapshot{TakenAt: t0.Add(time.Duration(i) * time.Second), IntervalSeconds: probes.Seconds(time.Second),
			Connections: &probes.ConnectionStats{Nodes: map[string]probes.NodeConnections{
				"p:1": {Current: int64(pct * 10), Available: int64(1000 - pct*10), PercentUsed: pct}}}}
		s.Deployment = probes.Deployment{Kind: probes.KindReplicaSet, Nodes: []probes.Node{
			{Address: "p:1", Role: probes.RolePrimary, Set: "rs0", Up: true, State: probes.StateUp}}}
		out = append(out, s)
	}
	return out
}

// Line mode judges findings from its own history and prints one line when
// each starts and one when it ends, in text and in JSON.
func TestLineModePrintsFindingsStartingAndEnding(t *testing.T) {
	out, lines := printed(false, stormStory()...)
	var events []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 1 && (f[1] == "FINDING" || f[1] == "ENDED") {
			events = append(events, l)
		}
	}
	want := []string{"03:04:25 FINDING crit connection-storm  p:1 holds 900 connections, 90% of its limit",
		"03:05:44 ENDED crit connection-storm  p:1 holds 900 connections, 90% of its limit"}
	if strings.Join(events, "\n") != strings.Join(want, "\n") {
		t.Fatalf("finding lines:\n%s\nwant:\n%s\n(whole output:\n%s)", strings.Join(events, "\n"), strings.Join(want, "\n"), out)
	}

	_, lines = printed(true, stormStory()...)
	var got []findingEvent
	for _, l := range lines {
		var e findingEvent
		if json.Unmarshal([]byte(l), &e); e.Event != "" {
			got = append(got, e)
		}
	}
	if len(got) != 2 || got[0].Event != "finding-started" || got[1].Event != "finding-ended" ||
		got[0].Time != "2026-01-02T03:04:25Z" || got[1].Time != "2026-01-02T03:05:44Z" {
		t.Fatalf("JSON finding events: %+v", got)
	}
	f := got[0].Finding
	if f.ID != "connection-storm:cluster" || f.Kind != probes.FindingConnectionStorm || f.Severity != probes.Crit ||
		len(f.Evidence.Members) != 1 || f.Evidence.Members[0] != "p:1" || f.Action.Pane != probes.PaneConnections ||
		!f.Since.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || got[1].Finding.Until.IsZero() {
		t.Errorf("the finding in JSON: %+v", got)
	}
}

// A hostile summary cannot reach the terminal reading line mode.
func TestLineModeFindingTextIsSafe(t *testing.T) {
	var out strings.Builder
	s := probes.Snapshot{TakenAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	printTextLines(&out, s, []probes.Finding{{Kind: "k", Severity: probes.Warn, Summary: "ns\x1b]0;x\x07"}}, nil)
	if got := out.String(); got != "03:04:05 FINDING warn k  ns␛]0;x␇\n" {
		t.Errorf("%q", got)
	}
}

// snapshot --follow carries the findings active at each snapshot: an empty
// array until one starts, then the finding.
func TestFollowCarriesTheActiveFindings(t *testing.T) {
	story := stormStory()[:30]
	ch := make(chan probes.Snapshot, len(story))
	for _, s := range story {
		ch <- s
	}
	close(ch)
	var out strings.Builder
	if code := followSnapshots(ch, &out, io.Discard); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.Contains(lines[0], `"findings":[]`) {
		t.Errorf("the first snapshot's findings: %s", lines[0])
	}
	var last probes.Snapshot
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || len(last.Findings) != 1 ||
		last.Findings[0].Kind != probes.FindingConnectionStorm {
		t.Errorf("the last snapshot's findings: %+v %v", last.Findings, err)
	}
}
