package probes

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// startSim starts a small simulated cluster for a test.
func startSim(t *testing.T, cfg simcluster.Config) *simcluster.Cluster {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	c, err := simcluster.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pollerOn connects a poller to uri and returns it with its snapshot stream.
func pollerOn(t *testing.T, uri string, mutate func(*Config)) (*Poller, <-chan Snapshot, Deployment) {
	t.Helper()
	cfg := Config{URI: uri, Interval: 200 * time.Millisecond, ConnectTimeout: 3 * time.Second}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := NewPoller(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dep, err := p.Connect(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ch := p.Run(ctx)
	t.Cleanup(func() {
		cancel()
		p.Close(context.Background())
	})
	return p, ch, dep
}

// waitFor reads snapshots until ok accepts one or the deadline passes.
func waitFor(t *testing.T, ch <-chan Snapshot, what string, ok func(Snapshot) bool) Snapshot {
	t.Helper()
	deadline := time.After(10 * time.Second)
	var last Snapshot
	for {
		select {
		case s, open := <-ch:
			if !open {
				t.Fatalf("%s: snapshot stream closed", what)
			}
			last = s
			if ok(s) {
				return s
			}
		case <-deadline:
			t.Fatalf("%s: not seen within 10s; last snapshot: %+v", what, last.Deployment)
		}
	}
}

func TestShardedDiscoveryAndStreams(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "sharded", Shards: 2, Members: 3})
	_, ch, dep := pollerOn(t, sim.URI(), nil)
	if dep.Kind != KindSharded {
		t.Fatalf("kind = %s", dep.Kind)
	}
	roles := map[Role]int{}
	for _, n := range dep.Nodes {
		roles[n.Role]++
	}
	if roles[RoleMongos] != 1 || roles[RolePrimary] != 2 || roles[RoleSecondary] != 4 || roles[RoleConfig] != 3 {
		t.Fatalf("roles = %v (nodes %+v)", roles, dep.Nodes)
	}
	s := waitFor(t, ch, "rates and ops", func(s Snapshot) bool {
		return s.Opcounters != nil && clusterOps(s) > 0 && len(s.Ops) > 0 && len(s.Replication) == 3 && s.Balancer != nil
	})
	for _, n := range s.Deployment.Nodes {
		if !n.Up {
			t.Errorf("node %s down: %s", n.Address, n.Error)
		}
	}
	if len(s.Opcounters.Shards) != 2 {
		t.Errorf("shard rates = %v", s.Opcounters.Shards)
	}
	var collscan bool
	for _, op := range s.Ops {
		if op.AppName == "analytics" && hasFlag(op, FlagCollscan) && !op.System && op.Shard != "" && op.KillVia == sim.Nodes()[0].Address {
			collscan = true
		}
	}
	if !collscan {
		t.Errorf("no analytics COLLSCAN op in %+v", s.Ops)
	}
	secondaries := map[string]bool{}
	for _, n := range s.Deployment.Nodes {
		if n.Role == RoleSecondary && n.Shard != "config" {
			secondaries[n.Address] = true
		}
	}
	var onSecondary bool
	for _, op := range s.Ops {
		if secondaries[op.Node] {
			onSecondary = true
			if op.KillVia != op.Node || op.Shard == "" || strings.Contains(op.OpID, ":") {
				t.Errorf("an op on a secondary must be killed there, by its numeric opid: %+v", op)
			}
		}
	}
	if !onSecondary {
		t.Error("no op from a shard secondary: mongos only shows primaries, secondaries must be asked directly")
	}
	if s.OpsTotal < len(s.Ops) {
		t.Errorf("opsTotal %d < %d", s.OpsTotal, len(s.Ops))
	}
	t.Logf("cluster rates %+v, %d ops, overhead %+v, hot %v", s.Opcounters.Cluster, s.OpsTotal, s.Overhead, s.HotCollections)
}

func hasFlag(op Op, flag string) bool {
	for _, f := range op.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// clusterOps is the cluster's total ops per second, 0 before rates exist.
func clusterOps(s Snapshot) float64 {
	if s.Opcounters == nil || s.Opcounters.Cluster == nil {
		return 0
	}
	return s.Opcounters.Cluster.Total()
}
