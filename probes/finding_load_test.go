package probes

import (
	"fmt"
	"strings"
	"testing"
)

// rescaleData multiplies each shard's data operations (the primary's and
// the shard total) by a factor, keeping commands: a story moving load.
func rescaleData(s *Snapshot, shard string, f func(Rates) Rates) {
	oc := s.Opcounters
	p := member(shard, "a")
	before := oc.Nodes[p]
	after := f(before)
	after.Command = before.Command
	oc.Nodes[p] = after
	total := oc.Shards[shard]
	total.Insert += after.Insert - before.Insert
	total.Query += after.Query - before.Query
	total.Update += after.Update - before.Update
	total.Delete += after.Delete - before.Delete
	total.Getmore += after.Getmore - before.Getmore
	oc.Shards[shard] = total
}

// setClusterUpdates makes the routers (and so the shards) serve updates at
// a ratio of their reads.
func setClusterUpdates(s *Snapshot, ratio float64, step int) {
	oc := s.Opcounters
	cluster := Rates{}
	for _, m := range []string{mongos1, mongos2} {
		r := oc.Nodes[m]
		r.Update = r.Query * ratio * (1 + 0.03*jitter(step, m+"ratio"))
		oc.Nodes[m] = r
		cluster = cluster.Add(r)
	}
	oc.Cluster = &cluster
	for _, sh := range sceneShards {
		rescaleData(s, sh, func(r Rates) Rates { r.Update = cluster.Update / 2; return r })
	}
}

func TestFindingNeedlessUpdates(t *testing.T) {
	r := scene{}.run(420, func(step int, s *Snapshot) {
		if step < 60 {
			return
		}
		setClusterUpdates(s, 0.93, step)
		s.HotCollections = append(s.HotCollections, HotCollection{NS: "chat.messages", ReadMsPerSec: vary(90, step, "mr", 0.2),
			WriteMsPerSec: vary(380, step, "mw", 0.2), OpsPerSec: vary(1100, step, "mo", 0.1)})
		for k := 0; k < 4; k++ {
			s.Ops = append(s.Ops, Op{Node: member("shard1", "a"), Shard: "shard1", OpID: fmt.Sprintf("shard1:%d", 6100000+step*4+k), Op: "update",
				NS: "chat.messages", SecsRunning: 0.004, PlanSummary: "IXSCAN { _id: 1 }", AppName: "inbox-api", User: "inbox@admin",
				Command: `{"q":{"_id":{"$oid":"65f0000000000000000000a1"}},"u":{"$set":{"read":true}}}`})
		}
	})
	inc := r.only(t, FindingNeedlessUpdates)
	if at := r.firstStart[FindingNeedlessUpdates]; at < 60+40 || at > 60+60 {
		t.Errorf("started at %d s; the ratio began at 60 s: its 30 s mean crosses after about 25 s, then holds 20 s", at)
	}
	if inc.Evidence.Namespaces[0] != "chat.messages" || inc.Evidence.Apps[0] != "inbox-api" || figure(inc, "updates per read") < 0.8 {
		t.Errorf("evidence %+v", inc.Evidence)
	}
	if inc.Action.Filter != "op:update" || !strings.Contains(inc.Summary, "of reads") || strings.Contains(inc.Summary, "match no document") {
		t.Errorf("%q %+v", inc.Summary, inc.Action)
	}
}

// setDocumentShares makes each shard primary's update statements match a
// share of a document each, and its secondaries apply a share of the
// matched documents as modifications.
func setDocumentShares(s *Snapshot, matched, modified float64) {
	d := s.Documents
	d.Cluster = nil
	applied := 0.0
	for _, sh := range sceneShards {
		p := member(sh, "a")
		r := d.Nodes[p]
		r.Updated = r.UpdateStatements * matched
		d.Nodes[p] = r
		if d.Cluster == nil {
			d.Cluster = &r
		} else {
			*d.Cluster = d.Cluster.add(r)
		}
		for _, m := range []string{"b", "c"} {
			rr := s.Opcounters.Repl[member(sh, m)]
			rr.Update = r.Updated * modified
			s.Opcounters.Repl[member(sh, m)] = rr
		}
		applied += r.Updated * modified
	}
	d.UpdatesApplied = &applied
}

// Updates at their calm share of reads, but nearly none matches a document:
// the counters, not the ratio, tell it.
func TestFindingNeedlessUpdatesThatMatchNothing(t *testing.T) {
	r := scene{}.run(300, func(step int, s *Snapshot) {
		if step >= 60 {
			setDocumentShares(s, 0.04*(1+0.2*jitter(step, "share")), 1)
		}
	})
	inc := r.only(t, FindingNeedlessUpdates)
	if at := r.firstStart[FindingNeedlessUpdates]; at < 60+20 || at > 60+60 {
		t.Errorf("started at %d s; the statements began matching nothing at 60 s", at)
	}
	if !strings.Contains(inc.Summary, "match no document") || strings.Contains(inc.Summary, "of reads") ||
		figure(inc, "matched per statement") > 0.1 || figure(inc, "update statements on the primaries") < 50 {
		t.Errorf("%q %+v", inc.Summary, inc.Evidence)
	}
}

// Updates that match a document each but leave it as it was: only the
// secondaries' applied updates (the oplog) show it.
func TestFindingNeedlessUpdatesThatChangeNothing(t *testing.T) {
	r := scene{}.run(300, func(step int, s *Snapshot) {
		if step >= 60 {
			setDocumentShares(s, 1, 0.05)
		}
	})
	inc := r.only(t, FindingNeedlessUpdates)
	if at := r.firstStart[FindingNeedlessUpdates]; at > 60+60 {
		t.Errorf("started at %d s", at)
	}
	if !strings.Contains(inc.Summary, "left as they were") || figure(inc, "documents modified (oplog)") > 0.1*figure(inc, "documents matched") {
		t.Errorf("%q %+v", inc.Summary, inc.Evidence)
	}
}

// A secondary falling behind applies fewer updates than its primary
// makes: that is lag, not updates changing nothing.
func TestFindingNeedlessUpdatesNotFromALaggingSecondary(t *testing.T) {
	r := scene{}.run(300, func(step int, s *Snapshot) {
		if step < 60 {
			return
		}
		setDocumentShares(s, 1, 0.05)
		for i := range s.Replication {
			lag := float64(step-60) * 0.9
			s.Replication[i].MaxLagSeconds = &lag
		}
	})
	if _, ok := r.firstStart[FindingNeedlessUpdates]; ok {
		t.Errorf("lagging secondaries made a needless-updates finding")
	}
}

func TestFindingNeedlessUpdatesQuietClusterIsNoise(t *testing.T) {
	// 40 reads/s and 38 updates/s: below BusyQueryPerSec the ratio says
	// nothing; 20 statements a second matching nothing are noise too.
	r := scene{}.run(400, func(step int, s *Snapshot) {
		oc := s.Opcounters
		cluster := Rates{}
		for _, m := range []string{mongos1, mongos2} {
			r := Rates{Query: vary(20, step, m, 0.1), Update: vary(19, step, m+"u", 0.1), Command: 40}
			oc.Nodes[m] = r
			cluster = cluster.Add(r)
		}
		oc.Cluster = &cluster
		for _, sh := range sceneShards {
			p := member(sh, "a")
			r := s.Documents.Nodes[p]
			r.UpdateStatements = vary(10, step, sh, 0.1)
			s.Documents.Nodes[p] = r
		}
		setDocumentShares(s, 0, 1)
	})
	if len(r.started) != 0 {
		t.Errorf("started %s: %s", r.started[0].ID, r.started[0].Summary)
	}
}

func TestFindingConnectionStorm(t *testing.T) {
	calm := &ConnectionBreakdown{ByApp: map[string]int{"web-frontend": 380, "reports": 22}, ByHost: map[string]int{"10.0.1.10": 200, "10.0.1.11": 202}, ByUser: map[string]int{"web@admin": 402}}
	r := scene{}.run(480, func(step int, s *Snapshot) {
		s.Connections.Breakdown = calm
		if step < 300 {
			return
		}
		nc := s.Connections.Nodes[mongos1]
		rate := vary(420, step, "storm", 0.15)
		nc.CreatedPerSec = &rate
		nc.Current = 420 + int64(step-300)*240
		nc.Available = 51200 - nc.Current
		nc.PercentUsed = float64(nc.Current) / 512
		s.Connections.Nodes[mongos1] = nc
		s.Connections.Breakdown = &ConnectionBreakdown{ByApp: map[string]int{"web-frontend": 381, "reports": 21, "checkout-svc": 55 * (step - 300)},
			ByHost: map[string]int{"10.0.1.10": 201, "10.0.1.11": 201, "10.0.7.31": 55 * (step - 300)}, ByUser: map[string]int{"web@admin": 402 + 55*(step-300)}}
	})
	inc := r.only(t, FindingConnectionStorm)
	if at := r.firstStart[FindingConnectionStorm]; at < 300+20 || at > 300+40 {
		t.Errorf("started at %d s, the storm began at 300 s", at)
	}
	if inc.Severity != Warn || inc.Evidence.Members[0] != mongos1 || inc.Evidence.Apps[0] != "checkout-svc" || len(inc.Evidence.Apps) != 1 || inc.Evidence.Hosts[0] != "10.0.7.31" ||
		figure(inc, "normal") > 6 || figure(inc, "new connections") < 300 {
		t.Errorf("%s: %+v", inc.Summary, inc.Evidence)
	}
	if inc.Action.Pane != PaneConnections || inc.Action.Filter != "app:checkout-svc" {
		t.Errorf("action %+v", inc.Action)
	}
	// Past 80 % of the limit it turns critical (and stays one finding).
	last, _ := r.latest(inc.ID)
	if last.Severity != Crit || len(r.ended) != 0 {
		t.Errorf("near the limit: %s %q, %d ended", last.Severity, last.Summary, len(r.ended))
	}
}

func TestFindingConnectionsNearLimitWithoutChurn(t *testing.T) {
	r := scene{}.run(200, func(step int, s *Snapshot) {
		if step < 50 {
			return
		}
		nc := s.Connections.Nodes[member("shard2", "a")]
		nc.Current = int64(vary(42500, step, "lim", 0.01))
		nc.Available, nc.PercentUsed = 51200-nc.Current, float64(nc.Current)/512
		s.Connections.Nodes[member("shard2", "a")] = nc
	})
	inc := r.only(t, FindingConnectionStorm)
	if inc.Severity != Crit || inc.Evidence.Members[0] != member("shard2", "a") || !strings.Contains(inc.Summary, "of its limit") {
		t.Errorf("%s %q %+v", inc.Severity, inc.Summary, inc.Evidence)
	}
}

func TestFindingHotShard(t *testing.T) {
	r := scene{}.run(420, func(step int, s *Snapshot) {
		if step < 60 {
			return
		}
		scale := func(f float64) func(Rates) Rates {
			return func(r Rates) Rates {
				return Rates{Insert: r.Insert * f, Query: r.Query * f, Update: r.Update * f, Delete: r.Delete * f, Getmore: r.Getmore * f}
			}
		}
		rescaleData(s, "shard1", scale(0.12))
		rescaleData(s, "shard2", scale(1.88))
		for k := 0; k < 5; k++ {
			s.Ops = append(s.Ops, Op{Node: member("shard2", "a"), Shard: "shard2", OpID: fmt.Sprintf("shard2:%d", 4200000+step*5+k), Op: "query",
				NS: "i18n.translations", SecsRunning: 0.01, PlanSummary: "IXSCAN { lang: 1, key: 1 }", AppName: "catalog", Command: `{"find":"translations","filter":{"lang":"en","key":"k1"}}`})
		}
	})
	inc := r.only(t, FindingHotShard)
	if at := r.firstStart[FindingHotShard]; at > 60+240 {
		t.Errorf("started at %d s", at)
	}
	if inc.ID != "hot-shard:shard2" || inc.Evidence.Shards[0] != "shard2" || inc.Evidence.Members[0] != member("shard2", "a") ||
		inc.Evidence.Namespaces[0] != "i18n.translations" || inc.Evidence.Apps[0] != "catalog" || figure(inc, "share of operations") < 90 {
		t.Errorf("%s %+v", inc.Summary, inc.Evidence)
	}
	if inc.Action.Filter != "shard2" {
		t.Errorf("action %+v", inc.Action)
	}
}

func TestFindingHotShardUnknownShardStartsNothing(t *testing.T) {
	r := scene{}.run(400, func(step int, s *Snapshot) {
		rescaleData(s, "shard2", func(r Rates) Rates {
			return Rates{Insert: r.Insert * 1.9, Query: r.Query * 1.9, Update: r.Update * 1.9, Delete: r.Delete * 1.9, Getmore: r.Getmore * 1.9}
		})
		delete(s.Opcounters.Shards, "shard1")
		s.Opcounters.ShardsWhy = map[string]string{"shard1": member("shard1", "a") + ": no serverStatus yet"}
	})
	if len(r.started) != 0 {
		t.Errorf("a share over an unknown shard started %s", r.started[0].ID)
	}
}

func TestFindingTicketsExhausted(t *testing.T) {
	p := member("shard1", "a")
	r := scene{}.run(300, func(step int, s *Snapshot) {
		if step < 100 || step >= 220 {
			return
		}
		nq := s.Queues.Nodes[p]
		nq.WriteTicketsOut, nq.WritersQueued = 128, int64(6+(step-100)*2)
		nq.ReadersQueued = int64(vary(3, step, "rq", 0.6))
		s.Queues.Nodes[p] = nq
		s.Ops = append(s.Ops, Op{Node: p, Shard: "shard1", OpID: "shard1:7770001", Op: "insert", NS: "logs.events", SecsRunning: float64(step-100) + 3.2,
			AppName: "bulk-loader", User: "loader@admin", Command: `{"insert":"events","ordered":false,"$db":"logs"}`})
	})
	inc := r.only(t, FindingTicketsExhausted)
	if at := r.firstStart[FindingTicketsExhausted]; at < 110 || at > 125 {
		t.Errorf("started at %d s, the queue began at 100 s", at)
	}
	if inc.Severity != Crit || inc.ID != "tickets-exhausted:"+p || inc.Evidence.Shards[0] != "shard1" || inc.Evidence.Apps[0] != "bulk-loader" ||
		inc.Evidence.Namespaces[0] != "logs.events" || inc.Evidence.OpIDs[0] != "shard1:7770001" || !strings.Contains(inc.Summary, "write tickets (128/128)") {
		t.Errorf("%q %+v", inc.Summary, inc.Evidence)
	}
	if len(r.ended) != 1 || r.ended[0].Until.Before(t0.Add(220*1e9)) {
		t.Errorf("want it ended after the queue drained: %+v", r.ended)
	}
}

// Held ticket counts older than their bound (read every few polls before
// 8.0) are unknown: all out with a growing queue, but stale, starts nothing.
func TestFindingStaleTicketsAreUnknown(t *testing.T) {
	p := member("shard1", "a")
	r := scene{}.run(300, func(step int, s *Snapshot) {
		if step < 100 || step >= 220 {
			return
		}
		nq := s.Queues.Nodes[p]
		nq.WriteTicketsOut, nq.WritersQueued = 128, int64(6+(step-100)*2)
		nq.TicketsStale = "as of 03:01:40, 40s old: " + p + " no ticket counts since"
		s.Queues.Nodes[p] = nq
	})
	if len(r.started) != 0 {
		t.Errorf("stale ticket counts started %s: %s", r.started[0].ID, r.started[0].Summary)
	}
}

func TestFindingTicketsFlickerNeverStarts(t *testing.T) {
	p := member("shard2", "a")
	r := scene{}.run(600, func(step int, s *Snapshot) {
		if step < 60 || step%12 >= 6 { // out for 6 s, back for 6 s: shorter than startAfter
			return
		}
		nq := s.Queues.Nodes[p]
		nq.ReadTicketsOut, nq.ReadersQueued = 128, int64(4+step%12)
		s.Queues.Nodes[p] = nq
	})
	if len(r.started) != 0 {
		t.Errorf("tickets out 6 s at a time started %s", r.started[0].ID)
	}
}
