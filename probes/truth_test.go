package probes

import (
	"encoding/json"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// The tests of this file each hold a case in which the screen used to lie
// under stress (issue: "the screen must tell the truth"). They assert the
// snapshot and its JSON; cmd/mongoscope's operator tests assert the screen.

// A serverStatus failing on one primary while it answers everything else:
// that node is slow with the probe's error, its rates are unknown (not
// frozen), and the totals it belongs to say why they are missing.
func TestFailingServerStatusIsShownNotFrozen(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 3})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	first := <-ch
	for _, n := range first.Deployment.Nodes {
		if strings.Contains(n.Error, "no answer yet") && n.State != StateSlow {
			t.Errorf("a node that answered reads %q", n.Error)
		}
	}
	primary := nodeByRole(sim, "primary", "")
	waitFor(t, ch, "rates", func(s Snapshot) bool { return clusterOps(s) > 0 })
	sim.Fault(simcluster.Fault{Kind: "fail", Node: primary, Command: "serverStatus", Code: 96})
	s := waitFor(t, ch, "the failing probe", func(s Snapshot) bool { return snapNode(s, primary).State == StateSlow })
	n := snapNode(s, primary)
	if !strings.Contains(n.Error, "serverStatus failing") || n.Probes[probeStatus].Error == "" {
		t.Errorf("the node should say its serverStatus fails: %+v", n)
	}
	s = waitFor(t, ch, "rates unknown", func(s Snapshot) bool {
		return s.Opcounters == nil || s.Opcounters.Cluster == nil
	})
	if s.Opcounters != nil {
		if _, ok := s.Opcounters.Nodes[primary]; ok {
			t.Errorf("the failing node still has a rate: %+v", s.Opcounters.Nodes[primary])
		}
		if !strings.Contains(s.Opcounters.ClusterWhy, primary) {
			t.Errorf("the cluster total does not say why it is unknown: %q", s.Opcounters.ClusterWhy)
		}
	}
	js, _ := json.Marshal(s)
	if !strings.Contains(string(js), `"state":"slow"`) || !strings.Contains(string(js), `"serverStatus":{"lastOK"`) {
		t.Errorf("the JSON does not carry the node's state and probe freshness: %s", js)
	}
	sim.Fault(simcluster.Fault{Kind: "clear", Node: primary})
	waitFor(t, ch, "recovery", func(s Snapshot) bool { return snapNode(s, primary).State == StateUp && clusterOps(s) > 0 })
}

// A hung mongos: the ops list is marked stale, then dropped once the mongos
// is down; the cluster totals are null with the reason, never zero, and
// history keeps a gap; the balancer says how old it is; recovery is prompt.
func TestHungMongosIsStaleNotLive(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 2})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	mongos := nodeByRole(sim, "mongos", "")
	waitFor(t, ch, "ops and rates", func(s Snapshot) bool { return clusterOps(s) > 0 && len(s.Ops) > 0 && s.Balancer != nil })
	h := NewHistory(100, 10)
	sim.Fault(simcluster.Fault{Kind: "hang", Node: mongos})
	s := waitFor(t, ch, "stale ops", func(s Snapshot) bool {
		h.Add(s)
		return s.Stale["ops"] != ""
	})
	if !strings.Contains(s.Stale["ops"], mongos) || s.OpsAsOf.IsZero() || !s.OpsAsOf.Before(s.TakenAt) {
		t.Errorf("stale ops must name the mongos and carry their time: %q as of %v", s.Stale["ops"], s.OpsAsOf)
	}
	if s.Balancer != nil && s.Balancer.Stale == "" {
		t.Errorf("the balancer state is old but not marked: %+v", s.Balancer)
	}
	s = waitFor(t, ch, "mongos down", func(s Snapshot) bool {
		h.Add(s)
		return snapNode(s, mongos).State == StateDown
	})
	for _, op := range s.Ops {
		if op.KillVia == mongos {
			t.Errorf("an op seen through a mongos that is down is still shown: %+v", op)
		}
	}
	if s.Opcounters != nil && s.Opcounters.Cluster != nil {
		t.Errorf("cluster rates without the mongos: %+v", s.Opcounters.Cluster)
	}
	if pts := h.Series(SeriesKey{ScopeCluster, "", MetricQuery}, 1); len(pts) != 1 || !math.IsNaN(pts[0]) {
		t.Errorf("history records %v for an unknown cluster rate, want a gap (NaN)", pts)
	}
	sim.Fault(simcluster.Fault{Kind: "clear", Node: mongos})
	waitFor(t, ch, "recovery", func(s Snapshot) bool {
		return snapNode(s, mongos).State == StateUp && clusterOps(s) > 0 && s.Stale["ops"] == ""
	})
}

// Slow is not down: latency on every node, a secondary 2 s late and the
// config servers 1 s late; no node that answers may be shown down.
func TestLatencyEverywhereIsNeverDown(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 3})
	_, ch, _ := pollerOn(t, sim.URI(), func(c *Config) { c.Interval = 300 * time.Millisecond })
	waitFor(t, ch, "up", func(s Snapshot) bool { return clusterOps(s) > 0 })
	late := nodeByRole(sim, "secondary", "shard1")
	for _, n := range sim.Nodes() {
		ms := 200
		switch {
		case n.Address == late:
			ms = 2000
		case n.Shard == "config":
			ms = 1000
		}
		sim.Fault(simcluster.Fault{Kind: "delay", Node: n.Address, Ms: ms})
	}
	sawSlow := false
	for i := 0; i < 25; i++ {
		s := <-ch
		for _, n := range s.Deployment.Nodes {
			if n.State == StateDown {
				t.Fatalf("%s answers (late) but is shown down: %s", n.Address, n.Error)
			}
		}
		sawSlow = sawSlow || snapNode(s, late).State == StateSlow
	}
	if !sawSlow {
		t.Error("a secondary 2 s late was never shown slow")
	}
}

// Hung nodes must not starve the healthy ones of concurrency slots: with 16
// of 22 nodes hung and 16 slots, the 6 that answer stay up and fresh.
func TestHungMajorityDoesNotStarveTheHealthy(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 6, Members: 3}) // 1 mongos + 18 + 3 config
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	waitFor(t, ch, "up", func(s Snapshot) bool { return clusterOps(s) > 0 })
	healthy := map[string]bool{}
	hung := 0
	for _, n := range sim.Nodes() {
		if hung < 16 && n.Role != "mongos" {
			sim.Fault(simcluster.Fault{Kind: "hang", Node: n.Address})
			hung++
			continue
		}
		healthy[n.Address] = true
	}
	var s Snapshot
	for i := 0; i < 15; i++ {
		s = <-ch
	}
	for _, n := range s.Deployment.Nodes {
		if healthy[n.Address] && n.State != StateUp {
			t.Errorf("healthy %s is shown %s: %s", n.Address, n.State, n.Error)
		}
		// Fresh: newer than DownAfter (the 3 s connect timeout), not a
		// sub-second bound a busy machine cannot keep.
		if age := n.Probes[probeStatus].AgeSeconds; healthy[n.Address] && (age == nil || *age > 3) {
			t.Errorf("healthy %s has not answered serverStatus for %v s", n.Address, age)
		}
	}
}

// A starved client (one OS thread, busy goroutines) must not make healthy
// nodes look down: waiting on our side never counts against a node.
func TestStarvedClientShowsNoHealthyNodeDown(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var stop atomic.Bool
	defer stop.Store(true)
	for i := 0; i < 4; i++ {
		go func() {
			for !stop.Load() {
				for j := 0; j < 1e5; j++ {
					_ = math.Sqrt(float64(j))
				}
				runtime.Gosched()
			}
		}()
	}
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 3})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	waitFor(t, ch, "up", func(s Snapshot) bool { return clusterOps(s) > 0 })
	for i := 0; i < 15; i++ {
		s := <-ch
		for _, n := range s.Deployment.Nodes {
			if n.State == StateDown {
				t.Fatalf("%s is shown down while only the client is starved: %s", n.Address, n.Error)
			}
		}
	}
}

// A node that comes back shows up at its first good answer, not after a
// backoff of tens of seconds.
func TestRecoveredNodeIsUpAtOnce(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 1, Members: 3})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	sec := nodeByRole(sim, "secondary", "shard0")
	waitFor(t, ch, "up", func(s Snapshot) bool { return snapNode(s, sec).State == StateUp })
	sim.Fault(simcluster.Fault{Kind: "stop", Node: sec})
	// Down for long enough that the old backoff (up to 30 s) would hold it.
	for i := 0; i < 12; i++ {
		<-ch
	}
	if n := snapNode(<-ch, sec); n.State != StateDown {
		t.Fatalf("a stopped node is %s: %s", n.State, n.Error)
	}
	sim.Fault(simcluster.Fault{Kind: "start", Node: sec})
	waitFor(t, ch, "back up", func(s Snapshot) bool { return snapNode(s, sec).State == StateUp })
}

// After an election, no op keeps its running time frozen: an op listed in
// two snapshots a few intervals apart has aged, or is gone (user ops: they
// are what "N running" counts and K kills).
func TestNoGhostOpsAfterElection(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 3})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	waitFor(t, ch, "ops", func(s Snapshot) bool { return len(s.Ops) > 0 })
	old := nodeByRole(sim, "primary", "")
	if err := sim.Fault(simcluster.Fault{Kind: "stepDown", Node: old}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ch, "the election", func(s Snapshot) bool { return snapNode(s, old).Role == RoleSecondary })
	seen := map[string]float64{}
	for i := 0; i < 12; i++ {
		s := <-ch
		if i%4 != 3 {
			continue
		}
		now := map[string]float64{}
		for _, op := range s.Ops {
			if op.System { // an oplog tailer restarts its getMore: same opid, same short time
				continue
			}
			key := op.Node + "/" + op.OpID
			now[key] = op.SecsRunning
			if before, ok := seen[key]; ok && op.SecsRunning <= before && op.SecsRunning > 1 {
				t.Errorf("op %s is frozen at %.1fs", key, op.SecsRunning)
			}
		}
		seen = now
	}
}

// Changing the interval takes effect at once, not after the old interval.
func TestIntervalChangeTakesEffectAtOnce(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 1})
	p, ch, _ := pollerOn(t, sim.URI(), func(c *Config) { c.Interval = 30 * time.Second })
	<-ch
	p.SetInterval(200 * time.Millisecond)
	for i := 0; i < 3; i++ {
		waitFor(t, ch, "a snapshot at the new interval", func(Snapshot) bool { return true })
	}
}

// The oplog window is read every few polls but kept between: the second
// poll (what `mongoscope snapshot` prints) has it for every set, with its
// time; the balancer's countdown is in seconds in JSON.
func TestOplogWindowKeptAndDurationsInSeconds(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 2})
	p, ch, _ := pollerOn(t, sim.URI(), nil)
	if res := p.SetBalancerWindow(t.Context(), &Window{Start: "00:00", Stop: "23:59"}); res.Outcome != OutcomeDone {
		t.Fatal(res)
	}
	<-ch
	s := <-ch
	for i := 0; i < 3 && len(s.Replication) < 3; i++ {
		s = <-ch
	}
	for _, rs := range s.Replication {
		if rs.OplogWindowHours == nil || rs.OplogWindowAsOf.IsZero() {
			t.Errorf("set %s: no oplog window on the second poll", rs.Set)
		}
	}
	s = waitFor(t, ch, "the window", func(s Snapshot) bool { return s.Balancer != nil && s.Balancer.Window != nil })
	var doc struct {
		Balancer struct {
			Until float64 `json:"untilWindowChangeSeconds"`
		} `json:"balancer"`
	}
	js, _ := json.Marshal(s)
	if err := json.Unmarshal(js, &doc); err != nil || doc.Balancer.Until <= 0 || doc.Balancer.Until > 86400 {
		t.Errorf("untilWindowChangeSeconds = %v (err %v), want seconds within a day", doc.Balancer.Until, err)
	}
}

// Actions have their own timeout, not a fraction of the interval: a kill
// through a mongos 1.5 s late (the interval is 200 ms) works; one whose
// answer never comes is "outcome unknown", and mongoscope looks whether the
// op is gone.
func TestActionsOutliveTheIntervalAndSayWhenUnknown(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 1})
	p, ch, _ := pollerOn(t, sim.URI(), func(c *Config) { c.ActionTimeout = 2 * time.Second })
	mongos := nodeByRole(sim, "mongos", "")
	userOp := func(s Snapshot) (Op, bool) {
		for _, op := range s.Ops {
			if !op.System && op.KillVia == mongos && op.AppName != "" {
				return op, true
			}
		}
		return Op{}, false
	}
	s := waitFor(t, ch, "a user op", func(s Snapshot) bool { _, ok := userOp(s); return ok })
	target, _ := userOp(s)
	sim.Fault(simcluster.Fault{Kind: "delay", Node: mongos, Ms: 1000})
	if res := p.KillOp(t.Context(), target); res.Outcome != OutcomeGone && res.Outcome != OutcomeAlreadyFinished {
		t.Errorf("a kill through a slow mongos: %+v", res)
	}
	sim.Fault(simcluster.Fault{Kind: "clear", Node: mongos})
	s = waitFor(t, ch, "another user op", func(s Snapshot) bool { op, ok := userOp(s); return ok && op.OpID != target.OpID })
	target, _ = userOp(s)
	sim.Fault(simcluster.Fault{Kind: "hang", Node: mongos})
	res := p.KillOp(t.Context(), target)
	if res.Outcome != OutcomeUnknown || !strings.Contains(res.Message, "outcome unknown") {
		t.Errorf("a kill whose answer never came: %+v", res)
	}
}
