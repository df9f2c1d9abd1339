package probes

import (
	"cmp"
	"fmt"
	"math/rand"
	"slices"
	"time"
)

// snapGen makes a realistic sequence of distinct snapshots of a sharded
// cluster, seeded: rates that are counts over a jittered interval, probe
// ages, ops that start and end every poll (thousands over a run, each with
// its own opid, client, session and command), replication lag, a balancer.
// It never modifies a snapshot it returned.
type snapGen struct {
	rng    *rand.Rand
	nodes  []Node
	sets   []ReplicaSet
	ops    []Op
	nextOp int
	at     time.Time
	polls  int
	churn  int // ops replaced per poll
}

func newSnapGen(seed int64, shards, opsKept, churn int) *snapGen {
	g := &snapGen{rng: rand.New(rand.NewSource(seed)), at: time.Unix(1_780_000_000, 123_000_000), churn: churn}
	g.nodes = append(g.nodes, Node{Address: "mongos-0.example.net:27017", Role: RoleMongos})
	for s := 0; s <= shards; s++ {
		shard := fmt.Sprintf("shard%d", s)
		if s == shards {
			shard = "config"
		}
		rs := ReplicaSet{Set: shard, Shard: shard}
		for m := range 3 {
			addr := fmt.Sprintf("%s-%d.example.net:27018", shard, m)
			role := RoleSecondary
			if m == 0 {
				role, rs.Primary = RolePrimary, addr
			}
			if shard == "config" {
				role = RoleConfig
			}
			g.nodes = append(g.nodes, Node{Address: addr, Role: role, Shard: shard, Set: shard, Version: "8.0.4"})
			rs.Members = append(rs.Members, Member{Address: addr, State: "SECONDARY", Health: 1, UptimeSecs: int64(200000 + g.rng.Intn(90000))})
		}
		g.sets = append(g.sets, rs)
	}
	for range opsKept {
		g.ops = append(g.ops, g.newOp())
	}
	return g
}

func (g *snapGen) newOp() Op {
	g.nextOp++
	n := g.nodes[1+g.rng.Intn(len(g.nodes)-1)]
	kinds := []string{"query", "update", "command", "getmore", "insert"}
	op := Op{Node: n.Address, Shard: n.Shard, OpID: fmt.Sprintf("%s:%d", n.Shard, 10000+g.nextOp*7919%2000000000),
		KillVia: g.nodes[0].Address, Op: kinds[g.rng.Intn(len(kinds))], NS: []string{"shop.orders", "shop.events", "app.users"}[g.rng.Intn(3)],
		SecsRunning: float64(g.rng.Intn(5000)) / 1e6, PlanSummary: "IXSCAN { customer: 1 }", AppName: "web-frontend",
		Client: fmt.Sprintf("10.0.%d.%d:%d", g.rng.Intn(200), g.rng.Intn(250), 40000+g.rng.Intn(20000)), User: "app@admin",
		Desc: fmt.Sprintf("conn%d", 100+g.nextOp), ConnectionID: int64(100 + g.nextOp), LSID: fmt.Sprintf("%032x", g.rng.Uint64()),
		Command: fmt.Sprintf(`{"find":"orders","filter":{"customer":"c%05d","status":{"$in":["paid","shipped"]}},"limit":%d,"$db":"shop"}`, g.rng.Intn(100000), g.rng.Intn(100))}
	if g.rng.Intn(10) == 0 {
		op.PlanSummary, op.Flags = "COLLSCAN", []string{FlagCollscan}
	}
	return op
}

// next is the next poll's snapshot.
func (g *snapGen) next() Snapshot {
	dt := time.Second + time.Duration(g.rng.Intn(40)-20)*time.Millisecond
	g.at = g.at.Add(dt)
	g.polls++
	s := Snapshot{TakenAt: g.at, IntervalSeconds: Seconds(time.Second), OpsAsOf: g.at.Add(-30 * time.Millisecond),
		HotCollectionsAsOf: g.at.Add(-5 * time.Second), Overhead: Overhead{CommandsPerSec: float64(g.rng.Intn(300)) / dt.Seconds(), BytesPerSec: float64(g.rng.Intn(2e6)) / dt.Seconds(), CommandsPerNodePoll: 1.93}}
	s.Deployment = Deployment{Kind: KindSharded, Name: "mongos-0.example.net:27017", Version: "8.0.4", Nodes: g.nodeStates()}
	g.rates(&s, dt.Seconds())
	s.Ops, s.OpsTotal = g.nextOps(dt), len(g.ops)+g.rng.Intn(80)
	s.Replication = g.replication()
	s.HotCollections = []HotCollection{{NS: "shop.orders", ReadMsPerSec: float64(g.rng.Intn(900)) / dt.Seconds(), WriteMsPerSec: float64(g.rng.Intn(900)) / dt.Seconds(), OpsPerSec: float64(g.rng.Intn(9000)) / dt.Seconds()},
		{NS: "shop.events", ReadMsPerSec: float64(g.rng.Intn(200)) / dt.Seconds(), OpsPerSec: float64(g.rng.Intn(3000)) / dt.Seconds()}}
	s.Balancer = &Balancer{Mode: "full", Enabled: true, InRound: g.polls%20 < 3, Rounds: int64(g.polls / 20), AsOf: g.at.Add(-20 * time.Millisecond).UTC(),
		UntilWindowChange: Seconds(4*time.Hour - time.Duration(g.polls)*time.Second), Window: &Window{Start: "02:00", Stop: "09:00"}, InsideWindow: true,
		ChunksPerShard: map[string]int{"shard0": 70 + g.polls/50, "shard1": 16}, RangeDeletionsPending: map[string]int{"shard0": 0}, ChunksAt: g.at.Add(-time.Duration(g.polls%5) * time.Second)}
	if g.polls%7 == 0 {
		s.Stale = map[string]string{"ops": "as of 12:34:56, 23s old: shard3-1.example.net:27018 no answer"}
	}
	return s
}

func (g *snapGen) nodeStates() []Node {
	nodes := make([]Node, len(g.nodes))
	for i, n := range g.nodes {
		n.State, n.Up = StateUp, true
		if (i+g.polls/30)%47 == 0 { // a node is down now and then
			n.State, n.Up, n.Error = StateDown, false, "no answer for 12s: connection refused"
		}
		n.LastOK = g.at.Add(-time.Duration(g.rng.Intn(80e6))).UTC()
		n.Probes = map[string]ProbeStatus{"serverStatus": probeAt(n.LastOK, g.at)}
		if n.Role == RolePrimary || n.Role == RoleSecondary {
			n.Probes["currentOp"] = probeAt(g.at.Add(-time.Duration(g.rng.Intn(5e9))).UTC(), g.at)
		}
		nodes[i] = n
	}
	return nodes
}

func probeAt(lastOK, now time.Time) ProbeStatus {
	age := now.Sub(lastOK).Seconds()
	return ProbeStatus{LastOK: lastOK, AgeSeconds: &age}
}

func (g *snapGen) rates(s *Snapshot, dt float64) {
	rate := func(max int) float64 { return float64(g.rng.Intn(max)) / dt }
	oc := &OpcounterRates{Shards: map[string]Rates{}, Nodes: map[string]Rates{}, Repl: map[string]Rates{}}
	nw := &NetworkRates{Nodes: map[string]NetworkRate{}}
	cs := &ConnectionStats{Nodes: map[string]NodeConnections{}}
	qs := &QueueStats{Nodes: map[string]NodeQueues{}}
	var cluster Rates
	for _, n := range g.nodes {
		r := Rates{Query: rate(20), Getmore: rate(3), Command: rate(40)}
		if n.Role == RolePrimary {
			r.Insert, r.Update = rate(100), rate(50)
			oc.Shards[n.Shard] = r
			cluster.Insert, cluster.Query = cluster.Insert+r.Insert, cluster.Query+r.Query
		} else if n.Role == RoleSecondary {
			oc.Repl[n.Address] = Rates{Insert: rate(100), Update: rate(50)}
		}
		oc.Nodes[n.Address] = r
		nw.Nodes[n.Address] = NetworkRate{BytesInPerSec: rate(9000), BytesOutPerSec: rate(90000), RequestsPerSec: rate(40)}
		created := rate(3)
		cur := int64(40 + g.rng.Intn(6))
		cs.Nodes[n.Address] = NodeConnections{Current: cur, Available: 838860 - cur, Active: int64(g.rng.Intn(6)), TotalCreated: int64(800 + g.polls),
			CreatedPerSec: &created, PercentUsed: float64(cur) / 838860 * 100}
		qs.Nodes[n.Address] = NodeQueues{ActiveReaders: 2, ActiveWriters: 2, ReadTicketsOut: int64(g.rng.Intn(3)), ReadTicketsTotal: 128, WriteTicketsTotal: 128, ReplApplyOpsPerSec: rate(200)}
	}
	oc.Cluster = &cluster
	s.Opcounters, s.Network, s.Connections, s.Queues = oc, nw, cs, qs
}

// nextOps ends churn ops, starts as many, ages the rest.
func (g *snapGen) nextOps(dt time.Duration) []Op {
	for range g.churn {
		g.ops[g.rng.Intn(len(g.ops))] = g.newOp()
	}
	out := make([]Op, len(g.ops))
	for i := range g.ops {
		op := &g.ops[i]
		op.SecsRunning = float64(int64(op.SecsRunning*1e6)+dt.Microseconds()) / 1e6
		op.NumYields += int64(g.rng.Intn(20))
		out[i] = *op
	}
	slices.SortStableFunc(out, func(a, b Op) int { return cmp.Compare(b.SecsRunning, a.SecsRunning) }) // as the poller does
	return out
}

func (g *snapGen) replication() []ReplicaSet {
	out := make([]ReplicaSet, len(g.sets))
	for i, rs := range g.sets {
		rs.AsOf = g.at.Add(-10 * time.Millisecond).UTC()
		window := 33.0
		rs.OplogWindowHours, rs.OplogWindowAsOf = &window, g.at.Add(-time.Duration(g.polls%5)*time.Second).UTC()
		rs.Members = append([]Member(nil), rs.Members...)
		var worst float64
		for j := range rs.Members {
			m := &rs.Members[j]
			m.UptimeSecs += int64(g.polls)
			if j == 0 {
				m.State = "PRIMARY"
				continue
			}
			lag, ping := float64(g.rng.Intn(900))/1000, float64(g.rng.Intn(3))
			m.LagSeconds, m.PingMs, m.SyncSource, m.ApplyOpsPerSec = &lag, &ping, rs.Primary, float64(g.rng.Intn(300))/0.987
			if lag >= worst {
				worst, rs.MaxLagMember = lag, m.Address
			}
		}
		rs.MaxLagSeconds = &worst
		out[i] = rs
	}
	return out
}
