package probes

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

func nodeByRole(sim *simcluster.Cluster, role, shard string) string {
	for _, n := range sim.Nodes() {
		if n.Role == role && (shard == "" || n.Shard == shard) {
			return n.Address
		}
	}
	return ""
}

func snapNode(s Snapshot, addr string) Node {
	for _, n := range s.Deployment.Nodes {
		if n.Address == addr {
			return n
		}
	}
	return Node{}
}

func TestReplicaSetAndStandaloneDiscovery(t *testing.T) {
	rs := startSim(t, simcluster.Config{Topology: "replset", Members: 3})
	_, ch, dep := pollerOn(t, rs.URI(), nil)
	if dep.Kind != KindReplicaSet || len(dep.Nodes) != 3 || dep.Nodes[0].Set == "" {
		t.Fatalf("replica set: %+v", dep)
	}
	s := waitFor(t, ch, "replication", func(s Snapshot) bool { return len(s.Replication) == 1 && clusterOps(s) > 0 })
	if s.Balancer != nil || s.NotAvailable["balancer"] == "" {
		t.Errorf("a replica set has no balancer: %+v %v", s.Balancer, s.NotAvailable)
	}
	sa := startSim(t, simcluster.Config{Topology: "standalone"})
	_, ch2, dep2 := pollerOn(t, sa.URI(), nil)
	if dep2.Kind != KindStandalone || len(dep2.Nodes) != 1 || dep2.Nodes[0].Role != RoleStandalone {
		t.Fatalf("standalone: %+v", dep2)
	}
	s = waitFor(t, ch2, "standalone rates", func(s Snapshot) bool { return clusterOps(s) > 0 })
	if s.Replication != nil || s.NotAvailable["replication"] == "" {
		t.Errorf("standalone replication should be not available: %v", s.NotAvailable)
	}
}

func TestStoppedAndRestartedSecondary(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 3})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	waitFor(t, ch, "all up", func(s Snapshot) bool { return clusterOps(s) > 0 })
	sec := nodeByRole(sim, "secondary", "shard1")
	sim.Fault(simcluster.Fault{Kind: "stop", Node: sec})
	s := waitFor(t, ch, "secondary down", func(s Snapshot) bool { return !snapNode(s, sec).Up })
	if n := snapNode(s, sec); n.Error == "" {
		t.Errorf("down without a reason: %+v", n)
	}
	for _, n := range s.Deployment.Nodes {
		if n.Address != sec && !n.Up {
			t.Errorf("%s went down too: %s", n.Address, n.Error)
		}
	}
	if _, ok := s.Opcounters.Nodes[sec]; ok {
		t.Error("a down node still has rates")
	}
	before := clusterOps(s)
	if before <= 0 {
		t.Error("the rest stopped updating")
	}
	sim.Fault(simcluster.Fault{Kind: "start", Node: sec})
	s = waitFor(t, ch, "secondary back with rates", func(s Snapshot) bool {
		if s.Opcounters == nil {
			return false
		}
		_, ok := s.Opcounters.Nodes[sec]
		return snapNode(s, sec).Up && ok
	})
	if r := s.Opcounters.Nodes[sec]; r.Total() > 10*before+1000 {
		t.Errorf("bogus spike after the restart: %+v", r)
	}
}

func TestHungNodeIsSlowAndNeverPiledOn(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 1, Members: 3})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	waitFor(t, ch, "up", func(s Snapshot) bool { return clusterOps(s) > 0 })
	sec := nodeByRole(sim, "secondary", "shard0")
	polled := func() int64 { // requests other than the driver's own monitoring hellos
		st, _ := sim.Stats(sec)
		n := int64(0)
		for name, c := range st.Commands {
			if name != "hello" && name != "isMaster" {
				n += c
			}
		}
		return n
	}
	before := polled()
	sim.Fault(simcluster.Fault{Kind: "hang", Node: sec})
	// First slow (it may only be late), then down once DownAfter (the
	// 3 s connect timeout here) passes without an answer.
	s := waitFor(t, ch, "hung node slow, waiting", func(s Snapshot) bool {
		n := snapNode(s, sec)
		return n.State == StateSlow && strings.Contains(n.Error, "waiting")
	})
	if n := snapNode(s, sec); !n.Up || !strings.Contains(n.Error, "waiting") {
		t.Errorf("a node late by less than DownAfter should be up and slow, waiting: %+v", n)
	}
	// While it is late, its one request waits; no tick sends another.
	if sent := polled() - before; sent != 1 {
		t.Errorf("mongoscope sent %d requests to the hung node while waiting for its answer, want 1", sent)
	}
	s = waitFor(t, ch, "hung node down", func(s Snapshot) bool { return snapNode(s, sec).State == StateDown })
	if n := snapNode(s, sec); n.Up || !strings.Contains(n.Error, "no answer") {
		t.Errorf("a node silent past DownAfter should be down, saying so: %+v", n)
	}
	// Given up after DownAfter, it is asked again after a backoff: a few
	// requests per DownAfter at most, never one per tick.
	for i := 0; i < 10; i++ {
		s = <-ch
	}
	if sent := polled() - before; sent > 4 {
		t.Errorf("mongoscope sent %d requests to a hung node over its wait and 10 more intervals, want a few at most", sent)
	}
	if clusterOps(s) <= 0 {
		t.Error("the other nodes stopped updating")
	}
}

func TestElectionIsFollowed(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 1, Members: 3})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	waitFor(t, ch, "up", func(s Snapshot) bool { return len(s.Replication) == 2 })
	old := nodeByRole(sim, "primary", "shard0")
	if err := sim.Fault(simcluster.Fault{Kind: "stepDown", Node: old}); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, ch, "new primary", func(s Snapshot) bool {
		for _, rs := range s.Replication {
			if rs.Set == "shard0" && rs.Primary != "" && rs.Primary != old {
				return snapNode(s, rs.Primary).Role == RolePrimary && snapNode(s, old).Role == RoleSecondary
			}
		}
		return false
	})
	for _, n := range s.Deployment.Nodes {
		if !n.Up {
			t.Errorf("%s down after the election: %s", n.Address, n.Error)
		}
	}
}

func TestLaggingSecondaryShowsItsLag(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 3})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	sec := nodeByRole(sim, "secondary", "")
	sim.Fault(simcluster.Fault{Kind: "lag", Node: sec, Seconds: 12})
	waitFor(t, ch, "lag of 12 s", func(s Snapshot) bool {
		for _, rs := range s.Replication {
			for _, m := range rs.Members {
				if m.Address == sec && m.LagSeconds != nil && *m.LagSeconds >= 11 && *m.LagSeconds <= 13 {
					return true
				}
			}
		}
		return false
	})
}

func TestActionsAgainstTheSimulator(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 2})
	p, ch, _ := pollerOn(t, sim.URI(), nil)
	s := waitFor(t, ch, "analytics op", func(s Snapshot) bool {
		for _, op := range s.Ops {
			if op.AppName == "analytics" {
				return true
			}
		}
		return false
	})
	var target Op
	for _, op := range s.Ops {
		if op.AppName == "analytics" {
			target = op
		}
	}
	ctx := context.Background()
	res := p.KillOp(ctx, target)
	if res.Outcome != OutcomeGone {
		t.Fatalf("kill: %+v", res)
	}
	again := p.KillOp(ctx, target)
	if again.Outcome != OutcomeAlreadyFinished {
		t.Errorf("killing it again: %+v", again)
	}
	if res := p.StopBalancer(ctx); res.Outcome != OutcomeDone || sim.BalancerEnabled() {
		t.Fatalf("stop balancer: %+v, enabled %v", res, sim.BalancerEnabled())
	}
	if res := p.StartBalancer(ctx); res.Outcome != OutcomeDone || !sim.BalancerEnabled() {
		t.Fatalf("start balancer: %+v", res)
	}
	if res := p.SetBalancerWindow(ctx, &Window{Start: "01:00", Stop: "05:00"}); res.Outcome != OutcomeDone {
		t.Fatalf("window: %+v", res)
	}
	waitFor(t, ch, "the new window", func(s Snapshot) bool {
		return s.Balancer != nil && s.Balancer.Window != nil && s.Balancer.Window.Start == "01:00"
	})
}

func TestUnauthorizedKillNamesThePrivilege(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 1})
	primary := nodeByRole(sim, "primary", "")
	sim.Fault(simcluster.Fault{Kind: "fail", Node: primary, Command: "killOp", Code: 13})
	p, ch, _ := pollerOn(t, sim.URI(), nil)
	op := longestUserOp(t, ch)
	res := p.KillOp(context.Background(), op)
	if res.Outcome != OutcomeNotAllowed || !strings.Contains(res.Message, "killop") {
		t.Fatalf("unauthorized kill: %+v", res)
	}
	if s := <-ch; clusterOps(s) <= 0 {
		t.Error("polling stopped after the refusal")
	}
}

func TestReadOnlySendsNoAction(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 1, Members: 1})
	p, ch, _ := pollerOn(t, sim.URI(), func(c *Config) { c.ReadOnly = true })
	s := waitFor(t, ch, "ops", func(s Snapshot) bool { return len(s.Ops) > 0 })
	ctx := context.Background()
	for _, res := range []ActionResult{p.KillOp(ctx, s.Ops[0]), p.KillSession(ctx, s.Ops[0]), p.StopBalancer(ctx),
		p.StartBalancer(ctx), p.SetBalancerWindow(ctx, nil)} {
		if res.Outcome != OutcomeNotAllowed {
			t.Errorf("%s under --read-only: %+v", res.Action, res)
		}
	}
	for _, n := range sim.Nodes() {
		st, _ := sim.Stats(n.Address)
		for _, cmd := range []string{"killOp", "killSessions", "balancerStop", "balancerStart", "update"} {
			if st.Commands[cmd] > 0 {
				t.Errorf("%s received %d %s under --read-only", n.Address, st.Commands[cmd], cmd)
			}
		}
	}
}

func TestCostPerNodePerPoll(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 3})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	waitFor(t, ch, "warm", func(s Snapshot) bool { return clusterOps(s) > 0 })
	for i := 0; i < 3; i++ {
		<-ch
	}
	before := map[string]int64{}
	for _, n := range sim.Nodes() {
		st, _ := sim.Stats(n.Address)
		before[n.Address] = st.ByApp["mongoscope"].Commands
	}
	const polls = 10
	for i := 0; i < polls; i++ {
		<-ch
	}
	total := 0.0
	for _, n := range sim.Nodes() {
		st, _ := sim.Stats(n.Address)
		served := st.ByApp["mongoscope"].Commands - before[n.Address]
		total += float64(served)
		if per := float64(served) / polls; per > 6 {
			t.Errorf("%s (%s) served %.1f mongoscope commands per poll", n.Address, n.Role, per)
		}
	}
	avg := total / polls / float64(len(sim.Nodes()))
	t.Logf("mongoscope commands per node per poll: %.2f", avg)
	if avg > 3 {
		t.Errorf("average %.2f commands per node per poll, target ≤ 3", avg)
	}
}

// A server without the commands (FerretDB and cloud look-alikes answer
// CommandNotFound): those streams say so, nothing else breaks.
func TestServerWithoutCommands(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "standalone"})
	addr := sim.Nodes()[0].Address
	for _, cmd := range []string{"top", "aggregate", "killOp"} {
		sim.Fault(simcluster.Fault{Kind: "fail", Node: addr, Command: cmd, Code: 59})
	}
	p, ch, _ := pollerOn(t, sim.URI(), nil)
	s := waitFor(t, ch, "rates", func(s Snapshot) bool {
		return s.Opcounters != nil && clusterOps(s) > 0 && s.NotAvailable["top"] != "" && s.NotAvailable["currentOp"] != ""
	})
	if s.HotCollections != nil || s.Ops != nil {
		t.Errorf("unavailable streams must be null, not empty: hot %v ops %v", s.HotCollections, s.Ops)
	}
	if !strings.Contains(s.NotAvailable["top"], "not available on this server") {
		t.Errorf("reason: %q", s.NotAvailable["top"])
	}
	if !snapNode(s, addr).Up {
		t.Error("the node is up; only some commands are missing")
	}
	res := p.KillOp(context.Background(), Op{OpID: "5", KillVia: addr, Node: addr})
	if res.Outcome == OutcomeGone {
		t.Errorf("a kill on a server without killOp cannot succeed: %+v", res)
	}
}

func TestAddedShardAppears(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 1, Members: 2})
	_, ch, dep := pollerOn(t, sim.URI(), func(c *Config) { c.Rediscover = 500 * time.Millisecond })
	before := len(dep.Nodes)
	if err := sim.Fault(simcluster.Fault{Kind: "addShard"}); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, ch, "the new shard", func(s Snapshot) bool {
		return len(s.Deployment.Nodes) > before && len(s.Replication) == 3
	})
	var joined bool
	for _, c := range s.Deployment.Changes {
		joined = joined || strings.Contains(c, "joined")
	}
	for _, n := range s.Deployment.Nodes {
		if n.Shard == "shard1" && n.Role == RolePrimary && n.Up {
			return
		}
	}
	if !joined {
		t.Errorf("no change reported: %v", s.Deployment.Changes)
	}
	t.Fatalf("shard1's primary is not polled: %+v", s.Deployment.Nodes)
}

func TestRefusedActionIsAudited(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 1})
	primary := nodeByRole(sim, "primary", "")
	sim.Fault(simcluster.Fault{Kind: "fail", Node: primary, Command: "killOp", Code: 13})
	path := filepath.Join(t.TempDir(), "audit.log")
	audit, err := OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	p, ch, _ := pollerOn(t, sim.URI(), func(c *Config) { c.Audit = audit })
	op := longestUserOp(t, ch)
	res := p.KillOp(context.Background(), op)
	if res.Outcome != OutcomeNotAllowed || !strings.Contains(res.Message, "killop") {
		t.Fatalf("kill refused by the server: %+v", res)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"outcome":"notAllowed"`) || !strings.Contains(string(data), `"action":"killOp"`) {
		t.Fatalf("the refusal is not in the audit log: %s", data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode %v, want 0600", fi.Mode().Perm())
	}
}

// longestUserOp waits for a snapshot with a user op and returns the
// longest-running one (the least likely to finish while a test acts on it).
func longestUserOp(t *testing.T, ch <-chan Snapshot) Op {
	t.Helper()
	s := waitFor(t, ch, "a user op", func(s Snapshot) bool {
		for _, op := range s.Ops {
			if !op.System {
				return true
			}
		}
		return false
	})
	for _, op := range s.Ops { // longest first
		if !op.System {
			return op
		}
	}
	return Op{}
}

func TestBalancerStopTimeoutSaysSo(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 1})
	mongos := nodeByRole(sim, "mongos", "")
	sim.Fault(simcluster.Fault{Kind: "fail", Node: mongos, Command: "balancerStop", Code: 50})
	p, ch, _ := pollerOn(t, sim.URI(), nil)
	waitFor(t, ch, "balancer", func(s Snapshot) bool { return s.Balancer != nil })
	res := p.StopBalancer(context.Background())
	if res.Outcome != OutcomeTimeout || !strings.Contains(res.Message, "timed out") || !strings.Contains(res.Message, "round") {
		t.Fatalf("balancerStop timing out: %+v", res)
	}
	// The state shown is the server's, not what we asked for.
	s := waitFor(t, ch, "balancer state", func(s Snapshot) bool { return s.Balancer != nil })
	if s.Balancer.Enabled != sim.BalancerEnabled() {
		t.Errorf("shown enabled=%v, server says %v", s.Balancer.Enabled, sim.BalancerEnabled())
	}
}

func TestQuitWhileANodeHangs(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 1, Members: 2})
	cfg := Config{URI: sim.URI(), Interval: 200 * time.Millisecond, ConnectTimeout: 3 * time.Second}
	p, err := NewPoller(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := p.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	ch := p.Run(ctx)
	<-ch
	sim.Fault(simcluster.Fault{Kind: "hang", Node: nodeByRole(sim, "secondary", "shard0")})
	<-ch
	<-ch // a request is now stuck on the hung node
	closed := make(chan struct{})
	go func() {
		cancel()
		p.Close(context.Background())
		close(closed)
	}()
	select {
	case <-closed: // liveness, not speed: quitting must not wait for the hung node
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while a node hangs")
	}
}

func TestHugeAndMistypedReplies(t *testing.T) {
	// A 16 MB serverStatus with a huge array and wrong types: no panic, unknowns stay unknown.
	big := make(bson.A, 0, 400000)
	for i := 0; i < 400000; i++ {
		big = append(big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	}
	raw, err := bson.Marshal(bson.D{{Key: "opcounters", Value: bson.D{{Key: "query", Value: int32(7)}}},
		{Key: "junk", Value: big}, {Key: "connections", Value: "lots"}, {Key: "repl", Value: bson.D{{Key: "hosts", Value: big}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 15<<20 {
		t.Fatalf("document is only %d bytes", len(raw))
	}
	s, err := DecodeServerStatus(raw)
	if err != nil || s.Opcounters.Query != 7 || s.Connections.Current != 0 || s.Repl == nil || len(s.Repl.Hosts) != 400000 {
		t.Fatalf("16 MB reply: %v query %d", err, s.Opcounters.Query)
	}
	rs, _, err := DecodeReplSetGetStatus(mustMarshal(t, bson.D{{Key: "set", Value: 5}, {Key: "members", Value: bson.A{"x", 3, bson.D{{Key: "name", Value: 9}}}}}))
	if err != nil || len(rs.Members) != 1 || rs.Members[0].Address != "" {
		t.Fatalf("mistyped members: %v %+v", err, rs)
	}
}

func mustMarshal(t *testing.T, d bson.D) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A mongos that answers but cannot list its shards (not authorized, an
// error) is shown alone with why the shards are unknown; discovery tries
// again on its cadence, the shards appear once listShards works, and a
// later failure does not take them away.
func TestShardsUnknownUntilListShardsWorks(t *testing.T) {
	sim := startSim(t, simcluster.Config{Shards: 2, Members: 1, ConfigMembers: 1})
	mongos := nodeByRole(sim, "mongos", "")
	sim.Fault(simcluster.Fault{Kind: "fail", Node: mongos, Command: "listShards", Code: 13})
	_, ch, dep := pollerOn(t, sim.URI(), func(c *Config) { c.Rediscover = 500 * time.Millisecond })
	if len(dep.Nodes) != 1 || dep.Nodes[0].Address != mongos || dep.Kind != KindSharded {
		t.Fatalf("want the mongos alone: %+v", dep)
	}
	s := waitFor(t, ch, "the mongos polled", func(s Snapshot) bool { return snapNode(s, mongos).State == StateUp })
	if why := s.Deployment.ShardsUnknown; !strings.Contains(why, "listShards on "+mongos+" failed") || !strings.Contains(why, "tried again every 500ms") {
		t.Errorf("shardsUnknown = %q", why)
	}
	js, _ := json.Marshal(s)
	if !strings.Contains(string(js), `"shardsUnknown":"listShards on `) {
		t.Errorf("the JSON does not say why the shards are unknown: %s", js)
	}
	sim.Fault(simcluster.Fault{Kind: "clear", Node: mongos})
	s = waitFor(t, ch, "the shards", func(s Snapshot) bool { return len(s.Deployment.Nodes) == len(sim.Nodes()) })
	if s.Deployment.ShardsUnknown != "" {
		t.Errorf("shards listed but still said unknown: %q", s.Deployment.ShardsUnknown)
	}
	listShards := func() int64 { st, _ := sim.Stats(mongos); return st.Commands["listShards"] }
	before := listShards()
	sim.Fault(simcluster.Fault{Kind: "fail", Node: mongos, Command: "listShards", Code: 13})
	waitFor(t, ch, "two refused rediscoveries", func(s Snapshot) bool {
		if len(s.Deployment.Nodes) != len(sim.Nodes()) || s.Deployment.ShardsUnknown != "" {
			t.Fatalf("a failing listShards took the known shards away: %d nodes, %q", len(s.Deployment.Nodes), s.Deployment.ShardsUnknown)
		}
		return listShards() >= before+3 // the one in flight, then two refused
	})
}
