package probes

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestFindingIndexBuild(t *testing.T) {
	p, sec := member("shard1", "a"), member("shard1", "b")
	r := scene{}.run(240, func(step int, s *Snapshot) {
		if step < 30 || step >= 150 {
			return
		}
		at := float64(step-30) + 95.5
		s.Ops = append(s.Ops,
			Op{Node: p, Shard: "shard1", OpID: "shard1:3300012", Op: "command", NS: "shop.events", SecsRunning: at, AppName: "MongoDB Shell", User: "admin@admin",
				Msg: "Index Build: scanning collection", ProgressDone: at * 5000, ProgressTotal: 5126153, Flags: []string{FlagIndexBuild},
				Command: `{"createIndexes":"events","indexes":[{"key":{"ts":1},"name":"ts_1"}],"$db":"shop"}`},
			Op{Node: sec, Shard: "shard1", OpID: "3300099", Op: "command", NS: "shop.events", SecsRunning: at - 0.5, Desc: "IndexBuildsCoordinatorMongod-0",
				System: true, Flags: []string{FlagIndexBuild}, Command: `{"createIndexes":"events","indexes":[{"key":{"ts":1},"name":"ts_1"}]}`},
			Op{Node: p, Shard: "shard1", OpID: "shard1:3300020", Op: "command", NS: "shop.$cmd", SecsRunning: float64(step-30) + 0.2, AppName: "ops-scripts",
				WaitingForLock: true, Flags: []string{FlagLockWait}, Command: `{"collMod":"events","validationLevel":"moderate","$db":"shop"}`})
		for k := 0; k < 3; k++ {
			if step >= 40+k*5 {
				s.Ops = append(s.Ops, Op{Node: p, Shard: "shard1", OpID: fmt.Sprintf("shard1:33001%02d", k), Op: "insert", NS: "shop.events",
					SecsRunning: float64(step-40-k*5) + 0.1, AppName: "event-ingest", WaitingForLock: true, Flags: []string{FlagLockWait},
					Command: `{"insert":"events","ordered":true,"$db":"shop"}`})
			}
		}
	})
	inc := r.only(t, FindingIndexBuild)
	if at := r.firstStart[FindingIndexBuild]; at > 40 {
		t.Errorf("started at %d s, the waiter began at 30 s", at)
	}
	if inc.ID != "index-build:shop.events" || inc.Evidence.OpIDs[0] != "shard1:3300012" || !contains(inc.Evidence.OpIDs, "shard1:3300020") ||
		!contains(inc.Evidence.Shards, "shard1") || inc.Action.Key != "k" || inc.Action.Filter != "ns:shop.events" {
		t.Errorf("%+v %+v", inc.Evidence, inc.Action)
	}
	last, _ := r.latest(inc.ID)
	if last.Severity != Crit || figure(last, "waiting for its lock") != 4 || !contains(last.Evidence.Apps, "event-ingest") || figure(last, "build done") < 10 {
		t.Errorf("with four waiters: %s %q %+v", last.Severity, last.Summary, last.Evidence)
	}
	if len(r.ended) != 1 {
		t.Errorf("want it ended once the build finished: %d ended", len(r.ended))
	}
}

func TestFindingIndexBuildAloneIsNoFinding(t *testing.T) {
	r := scene{}.run(200, func(step int, s *Snapshot) {
		s.Ops = append(s.Ops, Op{Node: member("shard2", "a"), Shard: "shard2", OpID: "shard2:1", Op: "command", NS: "shop.events", SecsRunning: float64(step),
			AppName: "MongoDB Shell", Flags: []string{FlagIndexBuild}, Command: `{"createIndexes":"events","indexes":[]}`})
	})
	if len(r.started) != 0 {
		t.Errorf("a build nobody waits on started %s", r.started[0].ID)
	}
}

func TestFindingTTLDeletes(t *testing.T) {
	p := member("shard2", "a")
	r := scene{}.run(480, func(step int, s *Snapshot) {
		if step < 125 || step >= 300 {
			return
		}
		s.Ops = append(s.Ops, Op{Node: p, Shard: "shard2", OpID: "shard2:9100002", Op: "remove", NS: "shop.carts", SecsRunning: float64(step-125) + 0.4,
			PlanSummary: "IXSCAN { expireAt: 1 }", Desc: "TTLMonitor", User: "__system@local", System: true, Flags: []string{FlagTTL},
			Command: `{"q":{"expireAt":{"$lt":{"$date":"2025-03-04T03:02:05Z"}}},"limit":0}`})
		for _, m := range []string{"b", "c"} {
			rr := s.Opcounters.Repl[member("shard2", m)]
			rr.Delete = vary(4800, step, m+"ttl", 0.1)
			s.Opcounters.Repl[member("shard2", m)] = rr
		}
		setTTLPace(s, p, vary(4800, step, "pace", 0.1))
	})
	inc := r.only(t, FindingTTLDeletes)
	if at := r.firstStart[FindingTTLDeletes]; at < 135 || at > 137 {
		t.Errorf("started at %d s; the pass began at 125 s and is a finding after 10 s under load", at)
	}
	if inc.ID != "ttl-deletes:shard2" || inc.Evidence.Namespaces[0] != "shop.carts" || inc.Evidence.Members[0] != p || figure(inc, "deletes replicated") < 4000 ||
		figure(inc, "deleted by the TTL monitor now") < 4000 || !strings.Contains(inc.Summary, "documents/s on "+p) ||
		!strings.Contains(inc.Summary, "deletes/s") || inc.Action.Filter != "ttl" {
		t.Errorf("%q %+v %+v", inc.Summary, inc.Evidence, inc.Action)
	}
	// It ends 90 s after the pace's minute mean falls below half a mass
	// expiry (under a minute after the pass): across the monitor's sleep.
	if len(r.ended) != 1 || r.ended[0].Until.Sub(t0.Add(300*time.Second)) < 89*time.Second || r.ended[0].Until.Sub(t0.Add(300*time.Second)) > 150*time.Second {
		t.Errorf("want one end 90 to 150 s after the pass: %+v", r.ended)
	}
}

func TestFindingRangeDeletions(t *testing.T) {
	p := member("shard1", "a")
	r := scene{}.run(300, func(step int, s *Snapshot) {
		if step < 60 {
			return
		}
		s.Balancer.RangeDeletionsPending["shard1"] = 260 - (step-60)/4
		s.Ops = append(s.Ops, Op{Node: p, Shard: "shard1", OpID: fmt.Sprintf("shard1:%d", 4400000+(step-60)/7), Op: "remove", NS: "shop.orders",
			SecsRunning: float64((step-60)%7) + 0.2, Desc: "range-deleter", User: "__system@local", System: true, Flags: []string{FlagMigration},
			Command: `{"q":{"customer":{"$gte":"c300","$lt":"c320"}},"limit":0}`})
		for _, m := range []string{"b", "c"} {
			rr := s.Opcounters.Repl[member("shard1", m)]
			rr.Delete = vary(5200, step, m+"rd", 0.1)
			s.Opcounters.Repl[member("shard1", m)] = rr
		}
	})
	inc := r.only(t, FindingRangeDeletions)
	if at := r.firstStart[FindingRangeDeletions]; at != 90 {
		t.Errorf("started at %d s, want 90 (30 s after the backlog appeared)", at)
	}
	if inc.ID != "range-deletions:shard1" || inc.Evidence.Shards[0] != "shard1" || inc.Evidence.Namespaces[0] != "shop.orders" ||
		figure(inc, "ranges pending deletion") < 200 || inc.Action.Key != "b" || inc.Action.Pane != PaneBalancer {
		t.Errorf("%q %+v %+v", inc.Summary, inc.Evidence, inc.Action)
	}
}

func TestFindingRangeDeletionsStaleBalancerStartsNothing(t *testing.T) {
	r := scene{}.run(200, func(step int, s *Snapshot) {
		s.Balancer.RangeDeletionsPending["shard1"] = 300
		s.Balancer.Stale = "as of 02:59:00, 61s old: mongos-1:27017 no new answer"
		s.Ops = append(s.Ops, Op{Node: member("shard1", "a"), Shard: "shard1", OpID: "shard1:1", Op: "remove", NS: "shop.orders", Desc: "range-deleter",
			System: true, Flags: []string{FlagMigration}})
	})
	if len(r.started) != 0 {
		t.Errorf("started %s from a stale balancer", r.started[0].ID)
	}
}

// setTTLPace makes a primary's TTL monitor delete this many documents a
// second (metrics.ttl.deletedDocuments), the cluster's sum with it.
func setTTLPace(s *Snapshot, primary string, perSec float64) {
	r := s.Documents.Nodes[primary]
	old := 0.0
	if r.TTLDeleted != nil {
		old = *r.TTLDeleted
	}
	r.TTLDeleted = &perSec
	s.Documents.Nodes[primary] = r
	if c := s.Documents.Cluster; c != nil && c.TTLDeleted != nil {
		sum := *c.TTLDeleted - old + perSec
		c.TTLDeleted = &sum
	}
}

// Many short passes, each too short to be seen running for long, that
// delete thousands of documents a second while the shard's secondaries
// strain: the TTL monitor's own counter tells it.
func TestFindingTTLDeletesFromItsPace(t *testing.T) {
	p := member("shard1", "a")
	r := scene{}.run(400, func(step int, s *Snapshot) {
		if step < 100 || step >= 250 {
			return
		}
		pace := 0.0
		if step%60 < 8 { // 8 s passes deleting 12,000 documents a second: 1,600/s over the minute
			pace = vary(12000, step, "pace", 0.1)
			for _, m := range []string{"b", "c"} {
				rr := s.Opcounters.Repl[member("shard1", m)]
				rr.Delete = pace
				s.Opcounters.Repl[member("shard1", m)] = rr
			}
		}
		setTTLPace(s, p, pace)
		lag := 2.5
		s.Replication[0].MaxLagSeconds, s.Replication[0].MaxLagMember = &lag, member("shard1", "b")
	})
	var inc Finding
	for _, f := range r.started {
		if f.Kind == FindingTTLDeletes {
			inc = f
		}
	}
	if at, ok := r.firstStart[FindingTTLDeletes]; !ok || at < 120 || at > 170 {
		t.Fatalf("started at %d s (%v); the passes began at 100 s, 1,600 documents/s a minute", at, ok)
	}
	if inc.ID != "ttl-deletes:shard1" || inc.Evidence.Members[0] != p || figure(inc, "deleted by the TTL monitor, last minute") < ttlMassRate ||
		!strings.Contains(inc.Summary, "documents/s on "+p) {
		t.Errorf("%q %+v", inc.Summary, inc.Evidence)
	}
}
