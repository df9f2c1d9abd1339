package tui

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

var t0 = time.Date(2026, 11, 22, 14, 2, 31, 0, time.UTC)

func f(v float64) *float64 { return &v }

// sampleSnapshot is a fixed sharded 3×3 cluster in trouble, like the
// SCREENS sketch: a hot shard, a lagging secondary, a long COLLSCAN.
func sampleSnapshot(i int) probes.Snapshot {
	nodes := []probes.Node{{Address: "mongos1:27017", Role: probes.RoleMongos, Up: true}}
	for s := 0; s < 3; s++ {
		for mem := 0; mem < 3; mem++ {
			role := probes.RoleSecondary
			if mem == 0 {
				role = probes.RolePrimary
			}
			nodes = append(nodes, probes.Node{Address: fmt.Sprintf("s%d-%d:27018", s, mem), Role: role,
				Shard: fmt.Sprintf("shard%d", s), Set: fmt.Sprintf("shard%d", s), Up: true})
		}
	}
	for mem := 0; mem < 3; mem++ {
		nodes = append(nodes, probes.Node{Address: fmt.Sprintf("cfg-%d:27019", mem), Role: probes.RoleConfig, Shard: "config",
			Set: "configRepl", Up: true, ConfigPrimary: mem == 0})
	}
	for i := range nodes {
		nodes[i].State = probes.StateUp
	}
	nodes[3].Up, nodes[3].State, nodes[3].Error = false, probes.StateDown, "connection refused"
	wave := float64(i % 10)
	snap := probes.Snapshot{TakenAt: t0.Add(time.Duration(i) * time.Second),
		Deployment: probes.Deployment{Kind: probes.KindSharded, Name: "prod-eu", Version: "8.0.4", Nodes: nodes},
		Opcounters: &probes.OpcounterRates{Cluster: &probes.Rates{Query: 4210 + 100*wave, Update: 3980 + 90*wave, Insert: 310, Delete: 12, Getmore: 40, Command: 900},
			Shards: map[string]probes.Rates{"shard0": {Query: 3000}, "shard1": {Query: 600}, "shard2": {Query: 610}},
			Nodes:  map[string]probes.Rates{"mongos1:27017": {Query: 4210}}},
		Network:     &probes.NetworkRates{Nodes: map[string]probes.NetworkRate{"mongos1:27017": {BytesInPerSec: 38e6, BytesOutPerSec: 212e6}}},
		Connections: &probes.ConnectionStats{Nodes: map[string]probes.NodeConnections{"s0-0:27018": {Current: 8912, Available: 1088, PercentUsed: 89.12, CreatedPerSec: f(310)}, "s1-0:27018": {Current: 1204, Available: 8796, PercentUsed: 12.04}}},
		Queues:      &probes.QueueStats{Nodes: map[string]probes.NodeQueues{"s0-0:27018": {WritersQueued: 14, ReadTicketsOut: 3, ReadTicketsTotal: 128, WriteTicketsOut: 14, WriteTicketsTotal: 128}}},
		Ops: []probes.Op{
			{Node: "s0-0:27018", Shard: "shard0", OpID: "shard0:88121", KillVia: "mongos1:27017", Op: "command", NS: "analytics.events", SecsRunning: 412.3, PlanSummary: "COLLSCAN", AppName: "reports", Client: "10.1.4.7:51234", User: "reporter@admin", Flags: []string{probes.FlagCollscan, probes.FlagLong}, Command: `{"aggregate":"events","pipeline":[{"$match":{"ts":{"$gte":1}}}]}`},
			{Node: "s0-0:27018", Shard: "shard0", OpID: "shard0:88417", KillVia: "mongos1:27017", Op: "update", NS: "app.messages", SecsRunning: 31, PlanSummary: "IXSCAN { user: 1 }", AppName: "api", Client: "10.1.4.9:40000", WaitingForLock: true, Flags: []string{probes.FlagLockWait}, LSID: "0123456789abcdef0123456789abcdef"},
			{Node: "s1-0:27018", Shard: "shard1", OpID: "shard1:1201", KillVia: "mongos1:27017", Op: "command", NS: "app.users", SecsRunning: 88.4, ProgressDone: 63, ProgressTotal: 100, Flags: []string{probes.FlagIndexBuild, probes.FlagLong}},
			{Node: "s0-0:27018", Shard: "shard0", OpID: "shard0:7", Op: "none", NS: "local.oplog.rs", SecsRunning: 999, Desc: "ReplBatcher", System: true},
		},
		OpsTotal:       87,
		HotCollections: []probes.HotCollection{{NS: "app.messages", ReadMsPerSec: 812, WriteMsPerSec: 640}, {NS: "analytics.events", ReadMsPerSec: 590, WriteMsPerSec: 2}},
		Replication: []probes.ReplicaSet{
			replSet("shard0", "shard0", "s0-%d:27018", 0.4, 9.8+wave/10),
			replSet("shard1", "shard1", "s1-%d:27018", 0.2, 0.3),
			replSet("shard2", "shard2", "s2-%d:27018", 0.5, 0.6),
			replSet("configRepl", "config", "cfg-%d:27019", 0.1, 0.2)},
		Balancer: &probes.Balancer{Mode: "full", Enabled: true, InRound: true, Rounds: 1579, Window: &probes.Window{Start: "23:00", Stop: "06:00"},
			InsideWindow: true, UntilWindowChange: probes.Seconds(3*time.Hour + 58*time.Minute),
			Migrations:       []probes.Migration{{NS: "app.messages", From: "shard0", To: "shard2", ElapsedSecs: f(12)}},
			RecentMigrations: []probes.MigrationEvent{{NS: "app.messages", From: "shard0", To: "shard1", DurationSecs: 41}, {NS: "app.messages", From: "shard0", To: "shard2", DurationSecs: 40, Error: "aborted"}},
			ChunksPerShard:   map[string]int{"shard0": 412, "shard1": 301, "shard2": 298}, RangeDeletionsPending: map[string]int{"shard0": 3}},
		Overhead:        probes.Overhead{CommandsPerSec: 41, BytesPerSec: 96e3},
		IntervalSeconds: probes.Seconds(time.Second),
	}
	return snap
}

// replSet is a set of a primary and two secondaries lagging lag1 and lag2
// seconds, its members named by the format addr ("s0-%d:27018").
func replSet(name, shard, addr string, lag1, lag2 float64) probes.ReplicaSet {
	rs := probes.ReplicaSet{Set: name, Shard: shard, Primary: fmt.Sprintf(addr, 0), OplogWindowHours: f(31.2), Members: []probes.Member{
		{Address: fmt.Sprintf(addr, 0), State: "PRIMARY", Health: 1},
		{Address: fmt.Sprintf(addr, 1), State: "SECONDARY", Health: 1, LagSeconds: f(lag1)},
		{Address: fmt.Sprintf(addr, 2), State: "SECONDARY", Health: 1, LagSeconds: f(lag2)}}}
	rs.MaxLagSeconds, rs.MaxLagMember = f(max(lag1, lag2)), rs.Members[2].Address
	if lag1 > lag2 {
		rs.MaxLagMember = rs.Members[1].Address
	}
	return rs
}

// fakeActor records what the TUI asked for.
type fakeActor struct {
	mu      sync.Mutex
	calls   []string
	privs   probes.Privileges
	outcome probes.Outcome
}

func (a *fakeActor) record(s string) {
	a.mu.Lock()
	a.calls = append(a.calls, s)
	a.mu.Unlock()
}

func (a *fakeActor) Calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

func (a *fakeActor) Privileges() probes.Privileges { return a.privs }
func (a *fakeActor) KillOp(_ context.Context, op probes.Op) probes.ActionResult {
	a.record("killOp " + op.OpID)
	return probes.ActionResult{Action: "killOp", Outcome: a.outcome, Message: "killed " + op.OpID + ": it is gone"}
}
func (a *fakeActor) KillSession(_ context.Context, op probes.Op) probes.ActionResult {
	a.record("killSessions " + op.LSID)
	return probes.ActionResult{Outcome: probes.OutcomeDone}
}
func (a *fakeActor) StopBalancer(context.Context) probes.ActionResult {
	a.record("balancerStop")
	return probes.ActionResult{Outcome: probes.OutcomeDone, Message: "balancer stopped"}
}
func (a *fakeActor) StartBalancer(context.Context) probes.ActionResult {
	a.record("balancerStart")
	return probes.ActionResult{Outcome: probes.OutcomeDone, Message: "balancer started"}
}
func (a *fakeActor) SetBalancerWindow(_ context.Context, w *probes.Window) probes.ActionResult {
	if w == nil {
		a.record("window clear")
	} else {
		a.record("window " + w.Start + "-" + w.Stop)
	}
	return probes.ActionResult{Outcome: probes.OutcomeDone}
}
