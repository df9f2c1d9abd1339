package tui

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

// dayHistory is three hours of the sample cluster polled every 20 s before
// t0, an analytics job tripling the queries for two minutes every half
// hour, the lag of s0-2 climbing with it, and no poll at all for twenty
// minutes in the middle (mongoscope was not running).
func dayHistory() *probes.History {
	h := probes.NewHistory(3600, 600)
	start := t0.Add(-3 * time.Hour)
	for at := start; at.Before(t0); at = at.Add(20 * time.Second) {
		since := at.Sub(start)
		if since >= 80*time.Minute && since < 100*time.Minute {
			continue
		}
		s := sampleSnapshot(0)
		s.TakenAt = at
		spike := at.Minute()%30 < 2
		if spike {
			s.Opcounters.Cluster.Query *= 3
			s.Replication[0] = replSet("shard0", "shard0", "s0-%d:27018", 0.4, 25)
		}
		h.Add(s)
	}
	return h
}

func dayModel(t *testing.T, w, h int, keys ...string) Model {
	return press(t, newTestModel(t, Options{Title: "prod-eu", History: dayHistory()}, w, h, 3), keys...)
}

// Zoomed, the throughput pane draws the day's minute means under its
// recent graph: the spikes every half hour stand out, the time span is on
// the axis and in the caption, and the twenty minutes without polls are a
// gap.
func TestZoomedThroughputDrawsTheDay(t *testing.T) {
	m := dayModel(t, 120, 40, "1", "z")
	scr := screen(m)
	for _, want := range []string{"query, update, insert per second · minute means 11:02–14:02 (3 h)", "11:02", "12:32", "14:02"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the zoomed throughput lacks %q:\n%s", want, scr)
		}
	}
	ms := dayOfRates(m.opts.History, probes.SeriesKey{Scope: probes.ScopeCluster})
	cols := minuteColumns(ms.times, ms.values[0], ms.times[0], 181, 181)
	gaps, spikes := 0, 0
	for _, v := range cols {
		switch {
		case math.IsNaN(v):
			gaps++
		case v > 10000:
			spikes++
		}
	}
	// The 20 minutes without polls (19 or 20 whole minutes, and the last
	// column past the closed minutes); five spikes of two minutes (the one
	// at 12:30 fell in the gap).
	if gaps < 19 || gaps > 21 || spikes != 10 {
		t.Errorf("the day has %d unknown minutes (want about 20) and %d spike minutes (want 10): %v", gaps, spikes, cols)
	}
	golden(t, "day-throughput-120x40.golden", scr)
}

func TestZoomedReplicationAndConnectionsDrawTheirLongView(t *testing.T) {
	scr := screen(dayModel(t, 120, 40, "2", "z"))
	if !strings.Contains(scr, "worst member lag, seconds · minute means 11:02–14:02 (3 h)") || !strings.Contains(scr, "25.0") {
		t.Errorf("the zoomed replication pane lacks the day's worst lag:\n%s", scr)
	}
	scr = screen(dayModel(t, 120, 40, "4", "z"))
	if !strings.Contains(scr, "connections, all nodes (1 h kept) · minute means") {
		t.Errorf("the zoomed connections pane lacks its long view:\n%s", scr)
	}
	// A node's scope has no minute means and says which scopes do.
	scr = screen(dayModel(t, 120, 40, "1", "z", "[", "["))
	if !strings.Contains(scr, "the day's minute means are kept for the cluster and each shard: [ ] choose one") {
		t.Errorf("a node's scope does not say where the day is:\n%s", scr)
	}
	// Fresh, the long view says it fills as minutes close.
	scr = screen(press(t, newTestModel(t, Options{}, 120, 40, 3), "1", "z"))
	if !strings.Contains(scr, "query, update, insert per second: minute means appear as minutes close (0 so far; a day is kept)") {
		t.Errorf("a fresh history does not say the day is coming:\n%s", scr)
	}
}

// Every zoomed pane with a long view fits every size, in UTF-8 and ASCII.
func TestZoomedLongViewsFit(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		for _, pane := range []string{"1", "2", "4"} {
			for _, ascii := range []bool{false, true} {
				m := press(t, newTestModel(t, Options{History: dayHistory(), ASCII: ascii}, size[0], size[1], 3), pane)
				if !m.zoomed { // at 80×24 the key opens it zoomed
					m = press(t, m, "z")
				}
				scr := screen(m)
				fitsScreen(t, fmt.Sprintf("%v pane %s", size, pane), scr, size[0], size[1])
				if !strings.Contains(scr, "minute means") {
					t.Errorf("%v pane %s: no long view:\n%s", size, pane, scr)
				}
				if ascii && strings.ContainsFunc(scr, func(r rune) bool { return r > 0x7f }) {
					t.Errorf("%v pane %s: not ASCII:\n%s", size, pane, scr)
				}
			}
		}
	}
}
