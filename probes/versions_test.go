package probes

import (
	"testing"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// Every probe, discovery and the actions against each release the
// simulator speaks (4.4 to 8.0): repl.ismaster before 5.0, config.chunks by
// ns before 5.0, concurrentTransactions before queues.execution, and the
// rest of the differences in internal/simcluster/versioned.go.
func TestEveryProbeAcrossVersions(t *testing.T) {
	for _, v := range []string{"4.4", "5.0", "6.0", "7.0", "8.0"} {
		t.Run(v, func(t *testing.T) {
			sim := startSim(t, simcluster.Config{Shards: 2, Members: 2, Version: v})
			p, ch, dep := pollerOn(t, sim.URI(), nil)
			if dep.Kind != KindSharded || len(dep.Nodes) != 1+4+3 || dep.Version[:3] != v {
				t.Fatalf("discovery: %s %s, %d nodes", dep.Kind, dep.Version, len(dep.Nodes))
			}
			s := waitFor(t, ch, "every stream", func(s Snapshot) bool {
				return clusterOps(s) > 0 && len(s.Ops) > 0 && len(s.Replication) == 3 && s.Balancer != nil &&
					len(s.Balancer.ChunksPerShard) > 0 && len(s.HotCollections) > 0 && s.Queues != nil
			})
			for _, n := range s.Deployment.Nodes {
				if n.State != StateUp {
					t.Errorf("%s is %s: %s", n.Address, n.State, n.Error)
				}
			}
			tickets := false
			for _, q := range s.Queues.Nodes {
				tickets = tickets || q.ReadTicketsTotal > 0
			}
			if !tickets {
				t.Error("no ticket totals: the version's tickets section was not read")
			}
			var target Op
			for _, op := range s.Ops {
				if op.AppName == "analytics" && !op.System {
					target = op
				}
			}
			if target.OpID == "" {
				t.Fatal("no analytics op to kill")
			}
			if res := p.KillOp(t.Context(), target); res.Outcome != OutcomeGone {
				t.Errorf("kill: %+v", res)
			}
			if res := p.StopBalancer(t.Context()); res.Outcome != OutcomeDone || sim.BalancerEnabled() {
				t.Errorf("stop balancer: %+v", res)
			}
			if res := p.StartBalancer(t.Context()); res.Outcome != OutcomeDone || !sim.BalancerEnabled() {
				t.Errorf("start balancer: %+v", res)
			}
		})
	}
}
