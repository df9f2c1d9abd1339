package tui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// The dashboard drawn from what the real poller read over the wire from
// the simulated 4.4 and 8.0 clusters: probes' TestPinnedSimSnapshots pins
// those snapshots, so a reply shape that differs between releases (tickets
// under wiredTiger.concurrentTransactions before 7.0, repl.ismaster before
// 5.0, chunks keyed by ns before 5.0) shows here as a screen that differs.
func TestGoldenScreensFromSimulatedReleases(t *testing.T) {
	for _, v := range []string{"4.4", "8.0"} {
		s := pinnedSimSnapshot(t, v)
		for _, size := range [][2]int{{120, 40}, {80, 24}} {
			m := New(Options{Interval: time.Second, Title: "sim " + v})
			m = send(m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			m = send(m, snapshotMsg{s})
			golden(t, fmt.Sprintf("sim-%s-%dx%d.golden", v, size[0], size[1]), screen(m))
		}
		// Before 7.0 the tickets are read every few polls and held in
		// between: the held counts say how old they are.
		m := New(Options{Interval: time.Second})
		m = send(send(m, tea.WindowSizeMsg{Width: 120, Height: 40}), snapshotMsg{s})
		if held := strings.Contains(screen(m), "w 24/1536 · 1.0s old"); held != (v == "4.4") {
			t.Errorf("%s: tickets shown as held %v, want %v:\n%s", v, held, v == "4.4", screen(m))
		}
	}
}

func pinnedSimSnapshot(t *testing.T, version string) probes.Snapshot {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "probes", "testdata", "sim-"+version+".snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s probes.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}
