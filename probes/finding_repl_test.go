package probes

import (
	"math"
	"strings"
	"testing"
	"time"
)

// setLag sets one member's lag and its set's worst lag.
func setLag(s *Snapshot, addr string, lag float64) {
	for i := range s.Replication {
		rs := &s.Replication[i]
		for j := range rs.Members {
			if rs.Members[j].Address == addr {
				v := lag
				rs.Members[j].LagSeconds = &v
				if rs.MaxLagSeconds == nil || lag > *rs.MaxLagSeconds {
					w := lag
					rs.MaxLagSeconds, rs.MaxLagMember = &w, addr
				}
			}
		}
	}
}

func TestFindingLaggingSecondaryBufferFull(t *testing.T) {
	c := member("shard2", "c")
	r := scene{}.run(300, func(step int, s *Snapshot) {
		if step < 100 || step >= 220 {
			return
		}
		setLag(s, c, 0.4+float64(step-100)*0.15+0.1*jitter(step, "lag"))
		nq := s.Queues.Nodes[c]
		nq.ReplBufferCount = int64(12 + (step-100)*420)
		s.Queues.Nodes[c] = nq
	})
	inc := r.only(t, FindingLaggingSecondary)
	if at := r.firstStart[FindingLaggingSecondary]; at < 110 || at > 140 {
		t.Errorf("started at %d s; the lag began growing at 100 s", at)
	}
	if inc.ID != "lagging-secondary:"+c || inc.Evidence.Members[0] != c || inc.Evidence.Shards[0] != "shard2" ||
		!strings.Contains(inc.Evidence.Cause, "apply buffer") || !strings.Contains(inc.Summary, "growing") || inc.Action.Filter != c {
		t.Errorf("%q %+v %+v", inc.Summary, inc.Evidence, inc.Action)
	}
	last, _ := r.latest(inc.ID)
	if last.Severity != Crit || figure(last, "lag") < 10 {
		t.Errorf("at %v s of lag it is critical: %s", figure(last, "lag"), last.Severity)
	}
	if len(r.ended) != 1 {
		t.Errorf("want it ended once caught up: %d", len(r.ended))
	}
}

func TestFindingLaggingSecondaryHeavyOp(t *testing.T) {
	b := member("shard1", "b")
	r := scene{}.run(200, func(step int, s *Snapshot) {
		if step < 50 {
			return
		}
		setLag(s, b, 3.5+jitter(step, "l"))
		s.Ops = append(s.Ops, Op{Node: b, Shard: "shard1", OpID: "81234", Op: "command", NS: "shop.orders", SecsRunning: float64(step-50) + 6,
			PlanSummary: "IXSCAN { created: 1 }", AppName: "bi-export", User: "bi@admin", Flags: []string{FlagLong},
			Command: `{"aggregate":"orders","pipeline":[{"$match":{"created":{"$gte":{"$date":"2024-01-01T00:00:00Z"}}}},{"$out":"orders_2024"}],"cursor":{}}`})
	})
	inc := r.only(t, FindingLaggingSecondary)
	if !strings.Contains(inc.Evidence.Cause, "bi-export") || inc.Evidence.OpIDs[0] != "81234" || inc.Evidence.Namespaces[0] != "shop.orders" {
		t.Errorf("%q %+v", inc.Summary, inc.Evidence)
	}
}

func TestFindingLaggingSecondaryStaleSetStartsNothing(t *testing.T) {
	r := scene{}.run(200, func(step int, s *Snapshot) {
		setLag(s, member("shard1", "c"), 30)
		s.Replication[0].Stale = "as of 02:58:00, 120s old: shard1-a:27018 no new answer"
	})
	if len(r.started) != 0 {
		t.Errorf("started %s from a stale replica set", r.started[0].ID)
	}
}

func TestFindingOplogWindowShort(t *testing.T) {
	r := scene{}.run(300, func(step int, s *Snapshot) {
		if step < 30 {
			return
		}
		w := 2.2 - float64(step-30)*0.005
		s.Replication[0].OplogWindowHours = &w
	})
	inc := r.only(t, FindingOplogWindowShort)
	if at := r.firstStart[FindingOplogWindowShort]; at != 60 {
		t.Errorf("started at %d s, want 60 (short from 30 s, held 30 s)", at)
	}
	if inc.ID != "oplog-window-short:shard1" || inc.Evidence.Shards[0] != "shard1" || inc.Severity != Warn ||
		!strings.Contains(inc.Action.Copy, "replSetResizeOplog") || !strings.Contains(inc.Summary, "only 2.0 h") {
		t.Errorf("%q %+v %+v", inc.Summary, inc.Evidence, inc.Action)
	}
	last, _ := r.latest(inc.ID)
	if last.Severity != Crit { // under an hour by the end
		t.Errorf("%q is %s", last.Summary, last.Severity)
	}
}

func TestFindingOplogWindowShortAgainstLag(t *testing.T) {
	r := scene{}.run(200, func(step int, s *Snapshot) {
		w := 4.5 // long enough alone, but a member is 30 min behind
		s.Replication[1].OplogWindowHours = &w
		s.Replication[1].OplogWindowAsOf = s.TakenAt.Add(-time.Minute)
		setLag(s, member("shard2", "b"), 1800+float64(step))
	})
	var oplog Finding
	for _, inc := range r.started {
		if inc.Kind == FindingOplogWindowShort {
			oplog = inc
		}
	}
	if oplog.ID != "oplog-window-short:shard2" || !strings.Contains(oplog.Summary, "worst lag") || !contains(oplog.Evidence.Members, member("shard2", "b")) {
		t.Errorf("%q %+v", oplog.Summary, oplog.Evidence)
	}
}

func TestFindingBalancerWindowClosing(t *testing.T) {
	r := scene{}.run(700, func(step int, s *Snapshot) {
		b := s.Balancer
		b.Window = &Window{Start: "01:00", Stop: "03:10"}
		b.InsideWindow, b.UntilWindowChange = step < 600, Seconds(time.Duration(600-step)*time.Second)
		if step >= 600 {
			b.UntilWindowChange = Seconds(time.Duration(22*3600-(step-600)) * time.Second)
		}
		if step >= 200 && step < 660 {
			b.InRound = true
			elapsed := float64(step-200) + 0.5
			b.Migrations = []Migration{{NS: "shop.orders", From: "shard1", To: "shard2", ElapsedSecs: &elapsed}}
		}
	})
	inc := r.only(t, FindingWindowClosing)
	if at := r.firstStart[FindingWindowClosing]; at != 305 {
		t.Errorf("started at %d s, want 305 (5 min before the window closes, held 5 s)", at)
	}
	if inc.Evidence.Namespaces[0] != "shop.orders" || inc.Evidence.Shards[0] != "shard1" || inc.Evidence.Shards[1] != "shard2" ||
		inc.Action.Key != "w" || !strings.Contains(inc.Summary, "closes in") {
		t.Errorf("%q %+v %+v", inc.Summary, inc.Evidence, inc.Action)
	}
	if len(r.ended) != 1 || r.ended[0].Until.Sub(t0) < 600*time.Second {
		t.Errorf("want it ended once the window closed: %+v", r.ended)
	}
}

// With 8 minutes of window left (the start needs 5), a migration that has
// run 9 minutes starts the finding: it will not finish in time. One whose
// running time is unknown (no donor op seen) proves nothing, starts none
// until the window is 5 minutes from closing, and the finding then names no
// running time rather than 0 s.
func TestFindingBalancerWindowClosingUnknownElapsed(t *testing.T) {
	for _, known := range []bool{true, false} {
		r := scene{}.run(300, func(step int, s *Snapshot) {
			b := s.Balancer
			b.Window = &Window{Start: "01:00", Stop: "03:10"}
			b.InsideWindow, b.UntilWindowChange, b.InRound = true, Seconds(time.Duration(480-step)*time.Second), true
			b.Migrations = []Migration{{NS: "shop.orders", From: "shard1", To: "shard2"}}
			if known {
				elapsed := 540.0 + float64(step)
				b.Migrations[0].ElapsedSecs = &elapsed
			}
		})
		inc := r.only(t, FindingWindowClosing)
		at, run := r.firstStart[FindingWindowClosing], figure(inc, "migration running")
		switch {
		case known && (at != 5 || run != 545 || !strings.Contains(inc.Summary, "(shard1 → shard2, 9m5s in)")):
			t.Errorf("known: started at %d s, running %v: %q", at, run, inc.Summary)
		case !known && (at != 185 || !math.IsNaN(run) || !strings.Contains(inc.Summary, "(shard1 → shard2) is running")):
			t.Errorf("unknown: started at %d s (want 185: 5 min before the window closes, held 5 s), running %v: %q", at, run, inc.Summary)
		}
	}
}

func TestFindingLagFlickerDoesNotFlap(t *testing.T) {
	c := member("shard1", "c")
	r := scene{}.run(900, func(step int, s *Snapshot) {
		if step < 100 || step >= 700 {
			return
		}
		// Around LagWarn: above it, then under it (holding), then briefly
		// caught up for 10 s in every minute (shorter than endAfter).
		lag := 2.6
		switch p := step % 60; {
		case step < 160: // steady first: it starts
		case p >= 40 && p < 50:
			lag = 0.6
		case p%10 >= 5:
			lag = 1.5
		}
		setLag(s, c, lag)
	})
	r.only(t, FindingLaggingSecondary)
	if len(r.started) != 1 || len(r.ended) != 1 || r.ended[0].Until.Before(t0.Add(700*time.Second)) {
		t.Errorf("a flickering lag flapped: %d starts, %d ends", len(r.started), len(r.ended))
	}
}
